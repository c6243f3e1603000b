package jwks_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/jwkstest"
)

func TestInspect(t *testing.T) {
	ctx := context.Background()
	iss := jwkstest.NewIssuer(t)
	ins, err := jwks.Inspect(ctx, jwks.CacheOptions{Issuer: iss.URL()})
	if err != nil {
		t.Fatal(err)
	}
	if ins.JWKSURL != iss.JWKSURL() || ins.DiscoveryURL != iss.DiscoveryURL() {
		t.Fatalf("urls %q %q", ins.DiscoveryURL, ins.JWKSURL)
	}
	if len(ins.Keys) != 1 || !ins.Keys[0].Usable || ins.Keys[0].Size != "2048 bits" || ins.Keys[0].Kty != "RSA" {
		t.Fatalf("keys %+v", ins.Keys)
	}
	if ins.TTL != 5*time.Minute || ins.Clamp != "none" || ins.ETag == "" || ins.RefreshAfter != 4*time.Minute {
		t.Fatalf("decision %+v", ins)
	}

	// A set with a skipped key, under each clamp.
	resp, err := http.Get(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Keys []json.RawMessage }
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	doc.Keys = append(doc.Keys, json.RawMessage(`{"kty":"EC","kid":"enc","use":"enc","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`))
	body, _ := json.Marshal(doc)
	for _, tc := range []struct {
		cc    string
		ttl   time.Duration
		clamp string
	}{
		{"max-age=5", time.Minute, "min_ttl"},
		{"max-age=86400", time.Hour, "max_ttl"},
		{"", 10 * time.Minute, "default_ttl"},
		{"max-age=600", 10 * time.Minute, "none"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.cc != "" {
				w.Header().Set("Cache-Control", tc.cc)
			}
			w.Write(body)
		}))
		ins, err := jwks.Inspect(ctx, jwks.CacheOptions{URL: srv.URL})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ins.TTL != tc.ttl || ins.Clamp != tc.clamp || ins.CacheControl != tc.cc {
			t.Errorf("%q: TTL %v clamp %s", tc.cc, ins.TTL, ins.Clamp)
		}
		if len(ins.Keys) != 2 || ins.Keys[1].Usable || ins.Keys[1].KID != "enc" || ins.Keys[1].Skipped == "" {
			t.Fatalf("keys %+v", ins.Keys)
		}
	}

	// No usable key: the report and an error.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`))
	}))
	defer srv.Close()
	ins, err = jwks.Inspect(ctx, jwks.CacheOptions{URL: srv.URL})
	if !errors.Is(err, jwks.ErrInvalidKeySet) || ins == nil || len(ins.Keys) != 1 || ins.Keys[0].Usable {
		t.Fatalf("oct only: %v %+v", err, ins)
	}
	// Configuration errors return no report.
	if ins, err := jwks.Inspect(ctx, jwks.CacheOptions{URL: "http://example.com/jwks"}); err == nil || ins != nil {
		t.Fatalf("plain http to a public host: %v", err)
	}
}
