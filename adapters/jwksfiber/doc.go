// Package jwksfiber authenticates Fiber v2 requests carrying JWT access
// tokens (RFC 9068) as bearer tokens (RFC 6750), with a
// [jwksauth.Authenticator].
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
//	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10}) // see "Large tokens"
//	corsMW, err := jwksfiber.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
//	if err != nil { … }
//	app.Use(corsMW)                                                     // outside authentication
//	app.Use(jwksfiber.Middleware(a, jwksfiber.WithExclusions("/healthz"))) // every route below
//	app.Get("/orders", jwksfiber.Require(jwksauth.Scopes("orders:read")), listOrders)
//
// Fiber runs handlers in registration order: register [CORS] and
// [Middleware] before the routes they protect. Without the global
// Middleware, protect routes one by one with [Authenticate], [Optional] (a
// request without a token proceeds anonymously; an invalid token is still
// rejected) and [Require] (route requirements, checked against the claims
// of the step before it, answered with that step's realm and error
// handling).
//
// # Claims
//
// The verified claims are in the user context ([jwksauth.ClaimsFromContext]
// on c.UserContext(), for code that only sees a context) and in Fiber's
// Locals, read with [Claims]:
//
//	func listOrders(c *fiber.Ctx) error {
//		claims, _ := jwksfiber.Claims(c)
//		return c.SendString(claims.Subject)
//	}
//
// Fiber reuses request memory once a handler returns, but the claims are
// the core's own copies: they may be kept (and handed to goroutines).
//
// # Tokens
//
// The token is read from the Authorization header (every value: two
// headers are a 400, never a choice, also under Fiber's
// DisableHeaderNormalizing, where the header's name is matched
// case-insensitively by the adapter), and from the cookie or query
// parameter named by [jwksauth.Config.TokenCookie] and
// [jwksauth.Config.TokenQuery] when configured. They are handed to the core
// as zero-copy views of fasthttp's buffers: the core keeps nothing of them
// after it returns (its token cache stores a copy).
//
// # Large tokens
//
// Fiber reads a request's headers into a buffer of fiber.Config's
// ReadBufferSize, 4096 bytes by default. A request whose headers do not fit
// is answered 431 Request Header Fields Too Large by fasthttp before any
// handler runs, so tokens larger than about 3.5 KiB (Entra ID tokens with
// many groups reach 5–8 KiB) never reach this package. Size the buffer for
// the largest token you accept, [jwksauth.DefaultMaxTokenSize] (16 KiB)
// unless configured otherwise, plus the other headers:
//
//	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10})
//
// # Errors
//
// By default a rejection is answered with the core's [jwksauth.Answer]:
// status, WWW-Authenticate, Retry-After, Cache-Control: no-store and the
// application/problem+json body. [WithErrorHandler] replaces that with a
// function of the application; [WithFrameworkErrors] hands an [*Error] to
// the app's ErrorHandler instead, with the challenge headers already set;
// it unwraps to a [*fiber.Error] (so Fiber's DefaultErrorHandler uses the
// right status) and to the cause (so errors.Is(err, jwksauth.ErrTokenExpired)
// works in a custom handler). The token is never part of an error or a log
// line.
//
// # Setup errors
//
// Constructors panic on a nil Authenticator, an invalid option (an excluded
// path that is not canonical, exclusions on a route-level step, a nil
// handler, conflicting error options) or an invalid [jwksauth.Requirement]
// ([jwksauth.Requirement.Err]), when routes are registered: a request
// never fails because of a configuration mistake. [CORS] returns its error
// instead, like [jwksauth.New].
package jwksfiber
