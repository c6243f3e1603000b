package jwksauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

func healthOf(t *testing.T, h http.Handler) (int, jwksauth.Health) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var got jwksauth.Health
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return rec.Code, got
}

// TestHealthHandler: an issuer whose provider refuses connections keeps
// the readiness probe at 503 under ReadyWhenAll, not under ReadyWhenAny
// or ReadyAlways; once its keys load, every policy answers 200.
func TestHealthHandler(t *testing.T) {
	up := jwkstest.NewIssuer(t, jwkstest.WithAudience(testAudience))
	down := jwkstest.NewIssuer(t, jwkstest.WithAudience(testAudience))
	if err := down.SetFault(jwkstest.FaultRefuse); err != nil {
		t.Fatal(err)
	}
	static, err := jwks.NewStaticSymmetric("k1", []byte("0123456789abcdef0123456789abcdef"), jws.HS256)
	if err != nil {
		t.Fatal(err)
	}
	a, err := jwksauth.New(jwksauth.Config{Issuers: []jwksauth.Issuer{
		{URL: up.URL(), Audiences: []string{testAudience}},
		{URL: down.URL(), Audiences: []string{testAudience}, Cache: jwks.CacheOptions{RetryMin: time.Hour, RetryMax: time.Hour}},
		{URL: "https://static.example.com", Audiences: []string{testAudience}, Keys: static, Algorithms: []string{"HS256"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Ready(ctx); err == nil {
		t.Fatal("Ready succeeded with a provider down")
	}

	code, h := healthOf(t, a.HealthHandler(jwksauth.ReadyWhenAll))
	if code != http.StatusServiceUnavailable || h.Ready || len(h.Issuers) != 3 {
		t.Fatalf("ReadyWhenAll with one issuer down: %d %+v", code, h)
	}
	u, d, s := h.Issuers[0], h.Issuers[1], h.Issuers[2]
	if u.Issuer != up.URL() || !u.Ready || u.Keys != 1 || u.Stale || u.Fetched.IsZero() || u.NextRefresh.IsZero() || u.LastError != "" {
		t.Errorf("issuer up: %+v", u)
	}
	if d.Issuer != down.URL() || d.Ready || d.Keys != 0 || d.LastError == "" || d.Failures < 1 || !d.Fetched.IsZero() {
		t.Errorf("issuer down: %+v", d)
	}
	if !s.Static || !s.Ready {
		t.Errorf("static issuer: %+v", s)
	}
	if code, _ := healthOf(t, a.HealthHandler(jwksauth.ReadyWhenAny)); code != http.StatusOK {
		t.Errorf("ReadyWhenAny: %d", code)
	}
	if code, _ := healthOf(t, a.HealthHandler(jwksauth.ReadyAlways)); code != http.StatusOK {
		t.Errorf("ReadyAlways: %d", code)
	}

	if err := down.SetFault(jwkstest.FaultNone); err != nil {
		t.Fatal(err)
	}
	if err := a.Ready(ctx); err != nil {
		t.Fatalf("Ready after the provider came back: %v", err)
	}
	code, h = healthOf(t, a.HealthHandler(jwksauth.ReadyWhenAll))
	if code != http.StatusOK || !h.Ready || h.Issuers[1].Keys != 1 || h.Issuers[1].LastError != "" {
		t.Errorf("all up: %d %+v", code, h)
	}
	if got := a.Health(); !got.Ready {
		t.Errorf("Health: %+v", got)
	}
}
