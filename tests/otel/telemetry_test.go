package otel_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwkshttp"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/core/telemetry"
	"github.com/jwksauth/jwksauth/jwkstest"
)

const audience = "https://api.example.com"

// syncBuffer is a log sink safe for the cache's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	t      *testing.T
	clk    *jwkstest.Clock
	idp    *jwkstest.Issuer
	a      *jwksauth.Authenticator
	m      *metrics
	spans  *tracetest.SpanRecorder
	srv    *httptest.Server
	logs   *syncBuffer
	tokens []string // every token sent, to check none is logged
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := jwkstest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	idp := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience(audience),
		jwkstest.WithJWKSMaxAge(2*time.Minute), jwkstest.WithAlgorithms(jws.ES256))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	logs := &syncBuffer{}
	a, err := jwksauth.New(jwksauth.Config{
		Issuers:        []jwksauth.Issuer{{URL: idp.URL(), Audiences: []string{audience}}},
		Clock:          clk,
		MeterProvider:  mp,
		TracerProvider: tp,
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := a.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.Handle("GET /admin", jwkshttp.Require(jwksauth.Scopes("admin"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	inner := jwkshttp.Middleware(a)(mux)
	// The application traces requests (as otelhttp would): each request
	// runs under a server span, the parent of jwksauth's span.
	tracer := tp.Tracer("app")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "request")
		defer span.End()
		inner.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(srv.Close)
	return &env{t: t, clk: clk, idp: idp, a: a, m: &metrics{t: t, reader: reader}, spans: rec, srv: srv, logs: logs}
}

func (e *env) get(path, token string) int {
	e.t.Helper()
	e.tokens = append(e.tokens, token)
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func (e *env) mint(claims map[string]any, opts ...jwkstest.MintOption) string {
	return e.idp.MustMint(claims, opts...)
}

func TestTelemetryAfterRealRequests(t *testing.T) {
	e := newEnv(t)
	iss := e.idp.URL()
	I := map[string]any{telemetry.AttrIssuer: iss}
	with := func(kv ...any) map[string]any {
		m := map[string]any{telemetry.AttrIssuer: iss}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	rejected := func(reason string) map[string]any {
		return with(telemetry.AttrOutcome, "rejected", telemetry.AttrReason, reason)
	}
	m := e.m

	// The first load: one discovery, one key-set download, no rotation.
	// (Ready returns when the keys are installed, the event follows.)
	m.waitFor("the first load's event", func(m *metrics) bool {
		return m.sum(telemetry.MetricFetches, with(telemetry.AttrDocument, "jwks")) == 1
	})
	if n := m.sum(telemetry.MetricFetches, with(telemetry.AttrDocument, "discovery", telemetry.AttrFetchResult, "fetched", telemetry.AttrStatusClass, "2xx")); n != 1 {
		t.Errorf("discovery fetches = %d, want 1", n)
	}
	if n := m.sum(telemetry.MetricFetches, with(telemetry.AttrDocument, "jwks", telemetry.AttrFetchResult, "fetched", telemetry.AttrStatusClass, "2xx")); n != 1 {
		t.Errorf("jwks fetches = %d, want 1", n)
	}
	if n, _ := m.histCount(telemetry.MetricFetchDuration, with(telemetry.AttrDocument, "jwks")); n != 1 {
		t.Errorf("fetch duration count = %d, want 1", n)
	}
	if n := m.sum(telemetry.MetricKeysAdded, I); n != 0 {
		t.Errorf("keys added on the first load = %d, want 0 (not a rotation)", n)
	}
	if n := m.sum(telemetry.MetricKeys, I); n != 1 {
		t.Errorf("keys gauge = %d, want 1", n)
	}
	if age, ok := m.gauge(telemetry.MetricKeySetAge, I); !ok || age != 0 {
		t.Errorf("age = %v, %v; want 0 on the fake clock", age, ok)
	}
	if in, ok := m.gauge(telemetry.MetricRefreshIn, I); !ok || in <= 0 || in > 120 {
		t.Errorf("refresh in = %v, %v; want within the 2-minute TTL", in, ok)
	}

	// Valid, twice: the second is a token-cache hit.
	valid := e.mint(nil)
	for i := 0; i < 2; i++ {
		if s := e.get("/me", valid); s != 200 {
			t.Fatalf("valid token: %d", s)
		}
	}
	// Expired, wrong audience, unknown kid: 401 each.
	if s := e.get("/me", e.mint(map[string]any{"exp": e.clk.Now().Add(-time.Hour).Unix()})); s != 401 {
		t.Fatalf("expired: %d", s)
	}
	if s := e.get("/me", e.mint(map[string]any{"aud": "https://other.example.com"})); s != 401 {
		t.Fatalf("wrong audience: %d", s)
	}
	if s := e.get("/me", e.mint(nil, jwkstest.WithUnknownKID())); s != 401 {
		t.Fatalf("unknown kid: %d", s)
	}
	// A token from an issuer nobody configured: no issuer attribute.
	other := jwkstest.NewIssuer(t, jwkstest.WithClock(e.clk), jwkstest.WithAudience(audience))
	if s := e.get("/me", other.MustMint(nil)); s != 401 {
		t.Fatalf("unknown issuer: %d", s)
	}
	// Missing scope: verified, then 403 from the route.
	if s := e.get("/admin", e.mint(map[string]any{"scope": "read"})); s != 403 {
		t.Fatalf("missing scope: %d", s)
	}

	m.collect()
	for _, c := range []struct {
		name string
		want map[string]any
		n    int64
	}{
		{telemetry.MetricVerifications, with(telemetry.AttrOutcome, "success"), 3},
		{telemetry.MetricVerifications, rejected("token_expired"), 1},
		{telemetry.MetricVerifications, rejected("audience_invalid"), 1},
		{telemetry.MetricVerifications, rejected("key_not_found"), 1},
		{telemetry.MetricVerifications, map[string]any{telemetry.AttrReason: "issuer_invalid"}, 1},
		{telemetry.MetricTokenCacheHits, nil, 1},
		{telemetry.MetricTokenCacheMisses, nil, 6},
		{telemetry.MetricUnknownKIDs, I, 1},
		{telemetry.MetricRefreshesDeferred, I, 1}, // the cooldown since the load
		{telemetry.MetricAnswers, map[string]any{telemetry.AttrAdapter: "net/http", telemetry.AttrStatusCode: int64(401)}, 4},
		{telemetry.MetricAnswers, map[string]any{telemetry.AttrAdapter: "net/http", telemetry.AttrStatusCode: int64(403)}, 1},
	} {
		if got := m.sum(c.name, c.want); got != c.n {
			t.Errorf("%s %v = %d, want %d", c.name, c.want, got, c.n)
		}
	}
	// The unconfigured issuer's URL never becomes an attribute value.
	if n := m.sum(telemetry.MetricVerifications, map[string]any{telemetry.AttrIssuer: other.URL()}); n != 0 {
		t.Errorf("unconfigured issuer recorded as an attribute (%d)", n)
	}
	n, buckets := m.histCount(telemetry.MetricVerificationDuration, nil)
	if n != 6 { // every verification but the token-cache hit
		t.Errorf("verification duration count = %d, want 6", n)
	}
	if len(buckets) != len(telemetry.VerificationBuckets)+1 {
		t.Errorf("%d buckets, want %d", len(buckets), len(telemetry.VerificationBuckets)+1)
	}

	// Spans: one per authentication, a child of the request's span.
	var auth int
	for _, s := range e.spans.Ended() {
		if s.Name() != telemetry.SpanAuthenticate {
			continue
		}
		auth++
		if !s.Parent().IsValid() {
			t.Errorf("authenticate span without parent")
		}
	}
	if auth != 7 {
		t.Errorf("%d authenticate spans, want 7", auth)
	}

	// Rotation: the issuer signs with a new key; its first token's unknown
	// kid schedules a refresh after the cooldown, which finds the key.
	if _, err := e.idp.Rotate(jws.Unknown); err != nil {
		t.Fatal(err)
	}
	rotated := e.mint(nil)
	e.get("/me", rotated) // key_not_found now (the cooldown defers the refresh), or success
	e.clk.Advance(6 * time.Second)
	m.waitFor("the rotation", func(m *metrics) bool { return m.sum(telemetry.MetricKeysAdded, I) == 1 })
	if s := e.get("/me", rotated); s != 200 {
		t.Fatalf("token of the rotated key: %d", s)
	}
	if n := m.collect().sum(telemetry.MetricKeys, I); n != 2 {
		t.Errorf("keys gauge after rotation = %d, want 2", n)
	}
	if !strings.Contains(e.logs.String(), "key set changed") {
		t.Errorf("rotation not logged:\n%s", e.logs)
	}

	// Outage: the key set answers 500; the set goes past its TTL and is
	// served stale.
	if err := e.idp.SetJWKSFault(jwkstest.Fault500); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2*time.Minute + time.Second)
	m.waitFor("a failed fetch", func(m *metrics) bool {
		return m.sum(telemetry.MetricFetches, with(telemetry.AttrFetchResult, "failed", telemetry.AttrStatusClass, "5xx")) >= 1
	})
	m.waitFor("the stale gauge", func(m *metrics) bool { return m.sum(telemetry.MetricKeySetStale, I) == 1 })
	if s := e.get("/me", e.mint(map[string]any{"jti": "stale"})); s != 200 {
		t.Fatalf("valid token during the outage: %d", s)
	}
	if n := m.collect().sum(telemetry.MetricStaleServes, I); n != 1 {
		t.Errorf("stale serves = %d, want 1", n)
	}
	if err := e.idp.SetJWKSFault(jwkstest.FaultNone); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Minute)
	m.waitFor("fresh keys again", func(m *metrics) bool { return m.sum(telemetry.MetricKeySetStale, I) == 0 })
	m.waitFor("the end-of-stale log", func(*metrics) bool { return strings.Contains(e.logs.String(), "stale serving ended") })

	var fetchSpans int
	for _, s := range e.spans.Ended() {
		if s.Name() == telemetry.SpanFetch {
			fetchSpans++
		}
	}
	if fetchSpans < 4 { // discovery, load, rotation, failure, recovery
		t.Errorf("%d fetch spans, want at least 4", fetchSpans)
	}

	logs := e.logs.String()
	for _, want := range []string{"token rejected", "reason=token_expired", "reason=audience_invalid", "serving keys past their TTL", "cooldown defers the refresh"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	for _, tok := range e.tokens {
		if strings.Contains(logs, tok) || strings.Contains(logs, tok[strings.LastIndexByte(tok, '.')+1:]) {
			t.Fatalf("a token (or its signature) appears in the log")
		}
	}

	checkCatalog(t, m.collect().rm)

	// The health report agrees.
	h := e.a.Health()
	if !h.Ready || len(h.Issuers) != 1 || h.Issuers[0].Keys != 2 || h.Issuers[0].Stale {
		t.Errorf("health %+v", h)
	}
}
