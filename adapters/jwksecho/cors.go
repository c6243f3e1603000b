package jwksecho

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/jwksauth/jwksauth/core/cors"
)

// CORS returns Echo's CORS middleware (middleware.CORSWithConfig) enforcing
// p, to be installed with e.Use before [Middleware]:
//
//	corsMW, err := jwksecho.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
//	if err != nil { … }
//	e.Use(corsMW, jwksecho.Middleware(a))
//
// Echo runs e.Use middleware after routing but for every request, unrouted
// ones included, so 404 and 405 answers carry CORS headers too; e.Pre would
// work as well. Preflights are answered by the CORS middleware itself and
// never need a token, and a 401, 403 or 503 to an allowed origin carries
// Access-Control-Allow-Origin and exposes WWW-Authenticate and Retry-After.
//
// The mapping is exact: origins are decided by [cors.Compiled.AllowOrigin]
// (AllowOriginFunc; Echo's own AllowOrigins patterns are never used, their
// "*" spans several labels), AllowHeaders is the policy's explicit list
// (never the browser's Access-Control-Request-Headers echoed back), and
// ExposeHeaders, AllowCredentials and MaxAge are the policy's. An OPTIONS
// request without Access-Control-Request-Method is not a preflight and
// skips Echo's middleware: it reaches authentication and the router like
// any other method (Echo's middleware would otherwise answer every OPTIONS
// request 204 itself). A disallowed origin's preflight is answered 204
// without CORS headers. docs/decisions/0008-cors-echo.md records what was
// checked.
//
// A zero policy returns a middleware that does nothing and a nil error; an
// invalid policy returns the error of [cors.New].
func CORS(p cors.Policy) (echo.MiddlewareFunc, error) {
	if p.IsZero() {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }, nil
	}
	cp, err := cors.New(p)
	if err != nil {
		return nil, fmt.Errorf("jwksecho.CORS: %w", err)
	}
	mw := middleware.CORSWithConfig(middleware.CORSConfig{
		// With AllowOriginFunc set, Echo ignores AllowOrigins (whose
		// default is "*") entirely.
		AllowOriginFunc:  func(origin string) (bool, error) { return cp.AllowOrigin(origin), nil },
		AllowMethods:     cp.Methods(),
		AllowHeaders:     cp.Headers(),
		ExposeHeaders:    cp.ExposedHeaders(),
		AllowCredentials: cp.AllowCredentials(),
		MaxAge:           cp.MaxAgeSeconds(),
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		withCORS := mw(next)
		return func(c echo.Context) error {
			r := c.Request()
			if r.Method == http.MethodOptions && r.Header.Get(echo.HeaderAccessControlRequestMethod) == "" {
				// Not a preflight: Echo's middleware would answer it 204
				// itself. It goes to authentication and the router instead,
				// without CORS headers, as with rs/cors and Fiber.
				c.Response().Header().Add(echo.HeaderVary, echo.HeaderOrigin)
				return next(c)
			}
			return withCORS(c)
		}
	}, nil
}
