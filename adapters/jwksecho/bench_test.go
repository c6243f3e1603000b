package jwksecho_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksecho"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// BenchmarkMiddleware measures a request through Echo with a token the
// core's cache already verified: the adapter's own cost around the core's
// cache hit. Excluded paths are the floor.
func BenchmarkMiddleware(b *testing.B) {
	iss := jwkstest.NewIssuer(b)
	a, err := jwksauth.New(jwksauth.Config{
		Issuers: []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{jwkstest.DefaultAudience}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	if err := a.Ready(context.Background()); err != nil {
		b.Fatal(err)
	}
	tok := iss.MustMint(map[string]any{"scope": "reports:read"})

	e := echo.New()
	e.Use(jwksecho.Middleware(a, jwksecho.WithExclusions("/healthz")))
	ok := func(c echo.Context) error { return c.NoContent(http.StatusOK) }
	e.GET("/healthz", ok)
	e.GET("/me", ok)
	e.GET("/reports", ok, jwksecho.Require(jwksauth.Scopes("reports:read")))

	for _, bc := range []struct{ name, path, auth string }{
		{"excluded", "/healthz", ""},
		{"valid", "/me", "Bearer " + tok},
		{"valid+require", "/reports", "Bearer " + tok},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, bc.path, nil)
			if bc.auth != "" {
				req.Header.Set("Authorization", bc.auth)
			}
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
