package jwksgin_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/jwksauth/jwksauth/adapters/jwksgin"
	"github.com/jwksauth/jwksauth/jwkstest/conformance"
)

// TestConformance runs the shared conformance table against the routes
// contract mounted with jwksgin on a Gin engine.
func TestConformance(t *testing.T) {
	conformance.Run(t, mountConformance, conformance.Options{
		Framework: "gin",
		Statuses: map[string][]int{
			// Gin's RedirectTrailingSlash (on by default) answers
			// "/healthz/" with a 301 to "/healthz" before any middleware
			// runs; no handler runs, and the target is the excluded path.
			"bypass/trailing-slash": {http.StatusMovedPermanently},
			// gin-contrib/cors answers every request from an origin it
			// does not allow with a bare 403 (no CORS headers), where
			// rs/cors serves it without CORS headers; see
			// docs/decisions/0007-cors-gin.md.
			"cors/disallowed":           {http.StatusForbidden},
			"cors/preflight-disallowed": {http.StatusForbidden},
		},
	})
}

func mountConformance(t *testing.T, s *conformance.Setup) string {
	corsMW, err := jwksgin.CORS(s.CORS)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(corsMW, jwksgin.Middleware(s.Auth, jwksgin.WithExclusions(s.Exclusions...)))
	for _, route := range conformance.Routes() {
		var chain []gin.HandlerFunc
		if route.Guard == conformance.Optional {
			chain = append(chain, jwksgin.Optional(s.Auth))
		}
		if reqs := route.Requirements(); len(reqs) > 0 {
			chain = append(chain, jwksgin.Require(reqs...))
		}
		r.Handle(route.Method, route.Path, append(chain, contractHandler(route))...)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL
}

// contractHandler is a handler of the routes contract: it names itself and
// the subject of the stored claims.
func contractHandler(route conformance.Route) gin.HandlerFunc {
	return func(c *gin.Context) {
		sub := ""
		if cl, ok := jwksgin.Claims(c); ok {
			sub = cl.Subject
		}
		c.Header(conformance.RouteHeader, route.Name)
		c.Data(route.Status, "application/json", conformance.Body(route.Name, sub))
	}
}
