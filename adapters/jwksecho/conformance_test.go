package jwksecho_test

import (
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jwksauth/jwksauth/adapters/jwksecho"
	"github.com/jwksauth/jwksauth/jwkstest/conformance"
)

// conformanceApp mounts the routes contract of package conformance with
// this adapter's API, the way a user would.
func conformanceApp(t *testing.T, s *conformance.Setup) *echo.Echo {
	t.Helper()
	corsMW, err := jwksecho.CORS(s.CORS)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.Use(corsMW, jwksecho.Middleware(s.Auth, jwksecho.WithExclusions(s.Exclusions...)))
	for _, r := range conformance.Routes() {
		var mw []echo.MiddlewareFunc
		if r.Guard == conformance.Optional {
			mw = append(mw, jwksecho.Optional(s.Auth))
		}
		if reqs := r.Requirements(); len(reqs) > 0 {
			mw = append(mw, jwksecho.Require(reqs...))
		}
		e.Add(r.Method, r.Path, func(c echo.Context) error {
			var sub string
			if cl, ok := jwksecho.Claims(c); ok {
				sub = cl.Subject
			}
			c.Response().Header().Set(conformance.RouteHeader, r.Name)
			return c.Blob(r.Status, echo.MIMEApplicationJSON, conformance.Body(r.Name, sub))
		}, mw...)
	}
	return e
}

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T, s *conformance.Setup) string {
		return serve(t, conformanceApp(t, s))
	}, conformance.Options{Framework: "echo"})
}
