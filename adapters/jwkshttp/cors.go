package jwkshttp

import (
	"net/http"

	rscors "github.com/rs/cors"

	"github.com/jwksauth/jwksauth/core/cors"
)

// CORS returns middleware that applies the CORS policy p through
// github.com/rs/cors. Install it outermost, around the authentication
// middleware and the router, so that every route and every 404 sees it, a
// preflight never needs a token, and a 401, 403 or 503 to an allowed
// origin still carries CORS headers:
//
//	h := corsMW(jwkshttp.Middleware(a)(mux))
//
// A zero p (see [cors.Policy.IsZero]) returns middleware that adds nothing
// and a nil error. An invalid p returns the error of [cors.New], which
// names every problem.
//
// The mapping keeps p's decisions: the origin check is
// [cors.Compiled.AllowOrigin] as rs/cors's AllowOriginFunc (never
// translated into rs/cors's wildcards, whose "*" spans several labels), the
// allowed headers are p's explicit list (rs/cors answers a preflight only
// when every requested header is in it, and then names just those), and
// WWW-Authenticate and Retry-After are always exposed. Preflights are
// answered by the middleware itself (204) and never reach the wrapped
// handler; a rejected preflight gets a 204 without CORS headers, which
// browsers treat as a refusal. Vary: Origin is set on every answer.
func CORS(p cors.Policy) (func(http.Handler) http.Handler, error) {
	if p.IsZero() {
		return func(h http.Handler) http.Handler { return h }, nil
	}
	c, err := cors.New(p)
	if err != nil {
		return nil, err
	}
	rc := rscors.New(rscors.Options{
		AllowOriginFunc:    c.AllowOrigin,
		AllowedMethods:     c.Methods(),
		AllowedHeaders:     c.Headers(),
		ExposedHeaders:     c.ExposedHeaders(),
		AllowCredentials:   c.AllowCredentials(),
		MaxAge:             c.MaxAgeSeconds(),
		OptionsPassthrough: false,
	})
	return rc.Handler, nil
}
