// Package jwksecho authenticates Echo v4 requests carrying JWT access tokens
// (RFC 9068) as bearer tokens (RFC 6750), with a [jwksauth.Authenticator].
//
// It translates and nothing more: it reads the request's credentials, hands
// them to the core, stores the verified claims, and writes the core's
// answer. Token extraction, verification, requirements and the HTTP answer
// of a rejection (400, 401, 403 insufficient_scope, 503 with Retry-After,
// each with its RFC 6750 challenge and an RFC 9457 problem body) are the
// core's, identical in every jwksauth adapter.
//
// # Global or per route
//
//	a, err := jwksauth.New(jwksauth.Config{Issuers: []jwksauth.Issuer{{
//		URL:       "https://idp.example.com/realms/main",
//		Audiences: []string{"orders-api"},
//	}}})
//	if err != nil { … }
//	defer a.Close()
//
//	e := echo.New()
//	corsMW, err := jwksecho.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
//	if err != nil { … }
//	e.Use(corsMW)                                                  // outside authentication
//	e.Use(jwksecho.Middleware(a, jwksecho.WithExclusions("/healthz"))) // every route
//	e.GET("/orders", listOrders, jwksecho.Require(jwksauth.Scopes("orders:read")))
//
// or, without the global [Middleware], per route with [Authenticate],
// [Optional] (a request without a token proceeds anonymously; an invalid
// token is still rejected) and [Require] (route requirements, checked
// against the claims of the step before it, answered with that step's realm
// and error handling).
//
// # Claims
//
// The verified claims are in the request's context
// ([jwksauth.ClaimsFromContext] on c.Request().Context(), for code that only
// sees a context) and in Echo's context store, read with [Claims]:
//
//	func listOrders(c echo.Context) error {
//		claims, _ := jwksecho.Claims(c)
//		return c.String(http.StatusOK, claims.Subject)
//	}
//
// # Tokens
//
// The token is read from the Authorization header (every value: two
// headers are a 400, never a choice), and from the cookie or query
// parameter named by [jwksauth.Config.TokenCookie] and
// [jwksauth.Config.TokenQuery] when configured.
//
// # Errors
//
// By default a rejection is answered with the core's [jwksauth.Answer]:
// status, WWW-Authenticate, Retry-After, Cache-Control: no-store and the
// application/problem+json body. [WithErrorHandler] replaces that with a
// function of the application; [WithFrameworkErrors] hands an
// [*echo.HTTPError] to Echo's HTTPErrorHandler instead, with the challenge
// headers already set and an [*Error] as its internal error, so that
// errors.Is(err, jwksauth.ErrTokenExpired) works in a custom handler. The
// token is never part of an error or a log line.
//
// # Setup errors
//
// Constructors panic on a nil Authenticator, an invalid option (an excluded
// path that is not canonical, exclusions on a route-level step, a nil
// handler, conflicting error options) or an invalid [jwksauth.Requirement]
// ([jwksauth.Requirement.Err]), when routes are registered: a request
// never fails because of a configuration mistake. [CORS] returns its error
// instead, like [jwksauth.New].
package jwksecho
