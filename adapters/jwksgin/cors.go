package jwksgin

import (
	gincors "github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"github.com/jwksauth/jwksauth/core/cors"
)

// CORS returns Gin middleware that applies the CORS policy p through
// github.com/gin-contrib/cors. Install it on the engine, first, before
// the authentication middleware:
//
//	r := gin.New()
//	r.Use(corsMW, jwksgin.Middleware(a))
//
// Only middleware installed with [gin.Engine.Use] runs for requests that
// match no route, so on the engine every route and every 404 sees it,
// and a preflight to any path is answered; on a [gin.RouterGroup] a
// preflight to a path the group does not route (most preflights: routes
// are rarely registered for OPTIONS) would get a bare 404 without CORS
// headers. Before authentication, a preflight never needs a token and a
// 401, 403 or 503 to an allowed origin still carries CORS headers.
//
// A zero p (see [cors.Policy.IsZero]) returns a handler that does nothing
// and a nil error. An invalid p returns the error of [cors.New], which
// names every problem.
//
// The mapping keeps p's decisions: the origin check is
// [cors.Compiled.AllowOrigin] as gin-contrib/cors's AllowOriginFunc (never
// translated into its wildcard syntax, whose "*" spans several labels), the
// allowed methods and headers are p's explicit lists (the browser's
// Access-Control-Request-Headers is never echoed), and WWW-Authenticate
// and Retry-After are always exposed. gin-contrib/cors answers a preflight
// from an allowed origin with 204 and aborts the chain; it answers any
// request from an origin that is not allowed with 403 and no CORS headers,
// which is stricter than rs/cors (see docs/decisions/0007-cors-gin.md).
// Vary: Origin is set on every answer, so that a shared cache never serves
// one origin's answer to another.
func CORS(p cors.Policy) (gin.HandlerFunc, error) {
	if p.IsZero() {
		return func(*gin.Context) {}, nil
	}
	c, err := cors.New(p)
	if err != nil {
		return nil, err
	}
	cfg := gincors.Config{
		AllowOriginFunc:  c.AllowOrigin,
		AllowMethods:     c.Methods(),
		AllowHeaders:     c.Headers(),
		ExposeHeaders:    c.ExposedHeaders(),
		AllowCredentials: c.AllowCredentials(),
		MaxAge:           c.MaxAge(),
	}
	// gincors.New panics on a config it rejects; ours always passes (an
	// origin func and no origin list), but an error beats a panic.
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := gincors.New(cfg)
	return func(ctx *gin.Context) {
		// gin-contrib/cors sets Vary only on answers to allowed origins
		// (replacing this value); rs/cors sets it on every answer.
		ctx.Writer.Header().Add("Vary", "Origin")
		h(ctx)
	}, nil
}
