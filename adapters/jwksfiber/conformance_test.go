package jwksfiber_test

import (
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
	"github.com/jwksauth/jwksauth/jwkstest/conformance"
)

// conformanceApp mounts the routes contract of package conformance with
// this adapter's API, the way a user would: CORS and the global middleware
// first, then the routes, in a Fiber app configured as the package
// documentation advises.
func conformanceApp(t *testing.T, s *conformance.Setup, cfg fiber.Config) *fiber.App {
	t.Helper()
	corsMW, err := jwksfiber.CORS(s.CORS)
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(cfg)
	app.Use(corsMW, jwksfiber.Middleware(s.Auth, jwksfiber.WithExclusions(s.Exclusions...)))
	for _, r := range conformance.Routes() {
		var handlers []fiber.Handler
		if r.Guard == conformance.Optional {
			handlers = append(handlers, jwksfiber.Optional(s.Auth))
		}
		if reqs := r.Requirements(); len(reqs) > 0 {
			handlers = append(handlers, jwksfiber.Require(reqs...))
		}
		handlers = append(handlers, func(c *fiber.Ctx) error {
			var sub string
			if cl, ok := jwksfiber.Claims(c); ok {
				sub = cl.Subject
			}
			c.Set(conformance.RouteHeader, r.Name)
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Status(r.Status).Send(conformance.Body(r.Name, sub))
		})
		app.Add(r.Method, r.Path, handlers...)
	}
	return app
}

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T, s *conformance.Setup) string {
		return serve(t, conformanceApp(t, s, fiber.Config{ReadBufferSize: 16 << 10}))
	}, conformance.Options{Framework: "fiber"})
}

// TestConformanceDefaultReadBuffer runs the table against an app that keeps
// Fiber's default 4 KiB ReadBufferSize: the one difference is the large
// token, answered 431 by fasthttp before any handler runs (see the package
// documentation, "Large tokens").
func TestConformanceDefaultReadBuffer(t *testing.T) {
	conformance.Run(t, func(t *testing.T, s *conformance.Setup) string {
		return serve(t, conformanceApp(t, s, fiber.Config{}))
	}, conformance.Options{Framework: "fiber (default ReadBufferSize)", Statuses: map[string][]int{
		"auth/large-token": {fiber.StatusRequestHeaderFieldsTooLarge},
	}})
}
