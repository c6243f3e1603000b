package jwksfiber

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	fibercors "github.com/gofiber/fiber/v2/middleware/cors"

	"github.com/jwksauth/jwksauth/core/cors"
)

// CORS returns Fiber's CORS middleware (middleware/cors) enforcing p, to be
// registered with app.Use before [Middleware] and before the routes:
//
//	corsMW, err := jwksfiber.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
//	if err != nil { … }
//	app.Use(corsMW, jwksfiber.Middleware(a))
//
// Registered with app.Use it runs for every request, unrouted ones
// included, so a 404 carries CORS headers too. Preflights are answered by
// the CORS middleware itself and never need a token, and a 401, 403 or 503
// to an allowed origin carries Access-Control-Allow-Origin and exposes
// WWW-Authenticate and Retry-After.
//
// The mapping never lets Fiber's defaults allow every origin: AllowOrigins
// stays empty (Fiber reads "*" into it only when AllowOriginsFunc is unset
// too) and origins are decided by [cors.Compiled.AllowOrigin] through
// AllowOriginsFunc, never translated into Fiber's own wildcard syntax.
// AllowHeaders is always the policy's explicit list (when it is empty,
// Fiber echoes the browser's Access-Control-Request-Headers back), and
// ExposeHeaders, AllowCredentials and MaxAge are the policy's. An OPTIONS
// request without Access-Control-Request-Method is not a preflight: Fiber
// passes it on to authentication and the router. A disallowed origin's
// preflight is answered 204 without Access-Control-Allow-Origin. Fiber
// lower-cases the Origin header before asking and reflects the lower-cased
// form, which grants nothing a browser would use (browsers send and compare
// origins in lowercase, byte for byte); docs/decisions/0012-cors-fiber.md
// records the differences from the other adapters.
//
// A zero policy returns a handler that only calls c.Next and a nil error;
// an invalid policy returns the error of [cors.New].
func CORS(p cors.Policy) (fiber.Handler, error) {
	if p.IsZero() {
		return func(c *fiber.Ctx) error { return c.Next() }, nil
	}
	cp, err := cors.New(p)
	if err != nil {
		return nil, fmt.Errorf("jwksfiber.CORS: %w", err)
	}
	return fibercors.New(fibercors.Config{
		// AllowOrigins must stay "": with AllowOriginsFunc set, Fiber then
		// keeps it empty instead of defaulting to "*".
		AllowOrigins:     "",
		AllowOriginsFunc: cp.AllowOrigin,
		AllowMethods:     strings.Join(cp.Methods(), ","),
		AllowHeaders:     strings.Join(cp.Headers(), ","),
		ExposeHeaders:    strings.Join(cp.ExposedHeaders(), ","),
		AllowCredentials: cp.AllowCredentials(),
		MaxAge:           cp.MaxAgeSeconds(),
	}), nil
}
