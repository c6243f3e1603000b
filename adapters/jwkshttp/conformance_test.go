package jwkshttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jwksauth/jwksauth/adapters/jwkshttp"
	"github.com/jwksauth/jwksauth/jwkstest/conformance"
)

// TestConformance runs the shared conformance table against the routes
// contract mounted with jwkshttp on the standard library's mux.
func TestConformance(t *testing.T) {
	// No recorded difference: net/http with rs/cors meets the strictest
	// expectation of every case.
	conformance.Run(t, mountConformance, conformance.Options{Framework: "net/http"})
}

func mountConformance(t *testing.T, s *conformance.Setup) string {
	mux := http.NewServeMux()
	for _, r := range conformance.Routes() {
		var h http.Handler = contractHandler(r)
		if reqs := r.Requirements(); len(reqs) > 0 {
			h = jwkshttp.Require(reqs...)(h)
		}
		if r.Guard == conformance.Optional {
			h = jwkshttp.Optional(s.Auth)(h)
		}
		mux.Handle(r.Method+" "+r.Path, h)
	}
	corsMW, err := jwkshttp.CORS(s.CORS)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(corsMW(jwkshttp.Middleware(s.Auth, jwkshttp.WithExclusions(s.Exclusions...))(mux)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// contractHandler is a handler of the routes contract: it names itself and
// the subject of the stored claims.
func contractHandler(r conformance.Route) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		sub := ""
		if c, ok := jwkshttp.Claims(req); ok {
			sub = c.Subject
		}
		w.Header().Set(conformance.RouteHeader, r.Name)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(r.Status)
		_, _ = w.Write(conformance.Body(r.Name, sub))
	}
}
