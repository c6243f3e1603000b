package jwksfiber_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// BenchmarkMiddleware measures a request through Fiber's handler with a
// token the core's cache already verified: the adapter's own cost around
// the core's cache hit. Excluded paths are the floor.
func BenchmarkMiddleware(b *testing.B) {
	iss := jwkstest.NewIssuer(b)
	a := newBenchAuth(b, iss)
	tok := iss.MustMint(map[string]any{"scope": "reports:read"})

	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10, DisableStartupMessage: true})
	app.Use(jwksfiber.Middleware(a, jwksfiber.WithExclusions("/healthz")))
	ok := func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusOK) }
	app.Get("/healthz", ok)
	app.Get("/me", ok)
	app.Get("/reports", jwksfiber.Require(jwksauth.Scopes("reports:read")), ok)
	h := app.Handler()

	for _, bc := range []struct{ name, path, auth string }{
		{"excluded", "/healthz", ""},
		{"valid", "/me", "Bearer " + tok},
		{"valid+require", "/reports", "Bearer " + tok},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var ctx fasthttp.RequestCtx
			ctx.Request.SetRequestURI(bc.path)
			if bc.auth != "" {
				ctx.Request.Header.Set(fiber.HeaderAuthorization, bc.auth)
			}
			b.ReportAllocs()
			for b.Loop() {
				// As fasthttp's server does between two requests on a
				// RequestCtx: Fiber keeps the user context in its user values.
				ctx.ResetUserValues()
				ctx.Response.Reset()
				h(&ctx)
				if ctx.Response.StatusCode() != fiber.StatusOK {
					b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
				}
			}
		})
	}
}

// BenchmarkTokenCopy measures what copying the token out of fasthttp's
// buffer would add to the core's cache hit, the choice the adapter makes
// for zero-copy views: sizes of a typical, an Entra-with-groups and a
// near-limit token.
func BenchmarkTokenCopy(b *testing.B) {
	iss := jwkstest.NewIssuer(b)
	a := newBenchAuth(b, iss)
	ctx := context.Background()
	for _, n := range []int{800, 6 << 10, 14 << 10} {
		var tok string
		if n == 800 {
			tok = iss.MustMint(nil)
		} else {
			tok = largeToken(b, iss, n)
		}
		header := []byte("Bearer " + tok)
		for _, mode := range []string{"view", "copy"} {
			b.Run(mode+"/"+sizeName(len(tok)), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var v string
					if mode == "copy" {
						v = string(header)
					} else {
						v = utils.UnsafeString(header)
					}
					c, err := a.AuthenticateRequest(ctx, jwksauth.Credentials{Authorization: []string{v}}, false)
					if err != nil || c == nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func sizeName(n int) string {
	if n < 1024 {
		return strconv.Itoa(n) + "B"
	}
	return strconv.Itoa(n>>10) + "KiB"
}

func newBenchAuth(b *testing.B, iss *jwkstest.Issuer) *jwksauth.Authenticator {
	b.Helper()
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
	return a
}
