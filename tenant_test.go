package jwksauth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// tenants starts issuers for tenants a, b and (not accepted) c on one host,
// under /<tenant>/v2.0, as Entra ID names them.
func tenants(t *testing.T, clk *jwkstest.Clock) (base string, byID map[string]*jwkstest.Issuer) {
	t.Helper()
	first := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience), jwkstest.WithPath("/a/v2.0"))
	byID = map[string]*jwkstest.Issuer{"a": first}
	for _, id := range []string{"b", "c"} {
		iss, err := first.StartSibling(jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience), jwkstest.WithPath("/"+id+"/v2.0"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { iss.Close() })
		byID[id] = iss
	}
	return strings.TrimSuffix(first.URL(), "/a/v2.0"), byID
}

func TestIssuerTemplate(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	base, iss := tenants(t, clk)
	a, err := jwksauth.New(jwksauth.Config{
		Clock:      clk,
		TokenCache: jwksauth.TokenCacheConfig{Disabled: true},
		IssuerTemplates: []jwksauth.IssuerTemplate{{
			Pattern:     base + "/{tenant}/v2.0",
			Tenants:     []string{"a", "b"},
			TenantClaim: "tid",
			Issuer:      jwksauth.Issuer{Audiences: []string{testAudience}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range []string{"a", "b"} {
		tok, _ := iss[id].Mint(map[string]any{"tid": id})
		c, err := a.Authenticate(ctx, tok)
		if err != nil || c.Issuer != iss[id].URL() {
			t.Fatalf("tenant %s: %v", id, err)
		}
	}
	if a.Tenants() != 2 {
		t.Fatalf("Tenants() = %d, want 2", a.Tenants())
	}
	// The tenant claim must name the issuer's tenant.
	wrong, _ := iss["a"].Mint(map[string]any{"tid": "b"})
	if _, err := a.Authenticate(ctx, wrong); !errors.Is(err, jwksauth.ErrInvalidClaim) {
		t.Fatalf("tid of another tenant: %v", err)
	}
	// A tenant that is not accepted: rejected, and its issuer never asked.
	c := iss["c"]
	tok, _ := c.Mint(map[string]any{"tid": "c"})
	if _, err := a.Authenticate(ctx, tok); !errors.Is(err, jwksauth.ErrIssuer) {
		t.Fatalf("tenant c: %v", err)
	}
	for _, hostile := range []string{base + "/a%2F..%2Fc/v2.0", base + "/../c/v2.0", base + "/a/b/v2.0", base + "//v2.0", base + "/a@evil/v2.0"} {
		if err := jwksauth.RouteIssuer(a, hostile); !errors.Is(err, jwksauth.ErrIssuer) {
			t.Errorf("issuer %q: %v, want ErrIssuer", hostile, err)
		}
	}
	if n := c.DiscoveryRequests() + c.JWKSRequests(); n != 0 {
		t.Fatalf("the refused tenant's issuer got %d requests", n)
	}
	if a.Tenants() != 2 {
		t.Fatalf("Tenants() = %d after refusals, want 2", a.Tenants())
	}
}

// TestIssuerTemplateBounded touches 10,000 tenants once: the set stays
// within its bound, idle tenants leave, and nothing leaks.
func TestIssuerTemplateBounded(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	a, err := jwksauth.New(jwksauth.Config{
		Clock: clk,
		IssuerTemplates: []jwksauth.IssuerTemplate{{
			Pattern:     "http://127.0.0.1:1/{tenant}/v2.0", // nobody listens: fetches fail at once
			Accept:      func(id string) bool { return strings.HasPrefix(id, "t-") },
			Issuer:      jwksauth.Issuer{Audiences: []string{testAudience}},
			MaxTenants:  100,
			IdleTimeout: time.Minute,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for i := 0; i < 10_000; i++ {
		if err := jwksauth.RouteIssuer(a, fmt.Sprintf("http://127.0.0.1:1/t-%d/v2.0", i)); err != nil {
			t.Fatalf("tenant %d: %v", i, err)
		}
		if n := a.Tenants(); n > 100 {
			t.Fatalf("after %d tenants: %d open, bound 100", i+1, n)
		}
	}
	if err := jwksauth.RouteIssuer(a, "http://127.0.0.1:1/other/v2.0"); !errors.Is(err, jwksauth.ErrIssuer) {
		t.Fatalf("refused tenant: %v", err)
	}
	// Idle tenants are closed when the next one comes.
	clk.Advance(2 * time.Minute)
	if err := jwksauth.RouteIssuer(a, "http://127.0.0.1:1/t-new/v2.0"); err != nil {
		t.Fatal(err)
	}
	if n := a.Tenants(); n != 1 {
		t.Fatalf("after the idle timeout: %d open, want 1", n)
	}
}

func TestIssuerTemplateConfig(t *testing.T) {
	for name, tt := range map[string]jwksauth.IssuerTemplate{
		"no placeholder":   {Pattern: "https://idp.example.com", Tenants: []string{"a"}, Issuer: jwksauth.Issuer{Audiences: []string{"x"}}},
		"two placeholders": {Pattern: "https://{tenant}.example.com/{tenant}", Tenants: []string{"a"}},
		"accepts anyone":   {Pattern: "https://idp.example.com/{tenant}"},
		"URL set":          {Pattern: "https://idp.example.com/{tenant}", Tenants: []string{"a"}, Issuer: jwksauth.Issuer{URL: "https://x"}},
		"bad tenant":       {Pattern: "https://idp.example.com/{tenant}", Tenants: []string{"a/b"}},
	} {
		if _, err := jwksauth.New(jwksauth.Config{IssuerTemplates: []jwksauth.IssuerTemplate{tt}}); !errors.Is(err, jwksauth.ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

func TestRequestIssuers(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) {
		c.RequestIssuers = func(host, path, iss string) bool { return host == "orders.example.com" }
	})
	tok := e.mint(t, nil)
	cr := func(host string) jwksauth.Credentials {
		return jwksauth.Credentials{Authorization: []string{"Bearer " + tok}, Method: "GET", Scheme: "https", Host: host, Path: "/"}
	}
	if _, err := e.auth.AuthenticateRequest(context.Background(), cr("orders.example.com"), false); err != nil {
		t.Fatalf("accepted host: %v", err)
	}
	if _, err := e.auth.AuthenticateRequest(context.Background(), cr("billing.example.com"), false); !errors.Is(err, jwksauth.ErrIssuer) {
		t.Fatalf("other host: %v", err)
	}
}

// BenchmarkTenantRouting measures the routing of a token to a tenant's
// issuer already in the set, against a configured issuer's map lookup.
func BenchmarkTenantRouting(b *testing.B) {
	a, err := jwksauth.New(jwksauth.Config{
		Issuers: []jwksauth.Issuer{{URL: "http://127.0.0.1:1/fixed", Audiences: []string{"x"}}},
		IssuerTemplates: []jwksauth.IssuerTemplate{{
			Pattern: "http://127.0.0.1:1/{tenant}/v2.0", Accept: func(string) bool { return true },
			Issuer: jwksauth.Issuer{Audiences: []string{"x"}},
		}},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	urls := make([]string, 64)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://127.0.0.1:1/%08d-0000-0000-0000-000000000000/v2.0", i)
		if err := jwksauth.RouteIssuer(a, urls[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("configured", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := jwksauth.RouteIssuer(a, "http://127.0.0.1:1/fixed"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tenant", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := jwksauth.RouteIssuer(a, urls[i%len(urls)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tenant-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if err := jwksauth.RouteIssuer(a, urls[i%len(urls)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}
