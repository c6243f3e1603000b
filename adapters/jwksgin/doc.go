// Package jwksgin authenticates bearer tokens (RFC 6750) in Gin
// (github.com/gin-gonic/gin) applications with a [jwksauth.Authenticator].
//
// The package only translates: it reads the request's Authorization
// headers (and the cookie or query parameter the Authenticator's Config
// names), hands them to [jwksauth.Authenticator.AuthenticateRequest], stores
// the verified claims in Gin's context and in the request context, and
// writes the core's answer ([jwksauth.AnswerFor]) when a request is
// rejected. Every decision about a token is the core's, identical in every
// jwksauth adapter.
//
// # Entry points
//
//   - [Middleware] guards the whole engine (or a group): every request needs
//     a valid token, except those to the paths of [WithExclusions]
//     ("/healthz", "/public/").
//   - [Authenticate] and [Optional] guard one route or group; Optional lets
//     requests without any token through anonymously, but rejects an
//     invalid one.
//   - [Require] checks route requirements ([jwksauth.Scopes],
//     [jwksauth.AnyScope], roles, claim values…) on the claims an earlier
//     step stored: 403 insufficient_scope when one is not met, 401 when
//     there are no claims.
//   - [Claims] gives handlers the verified claims; so does
//     [jwksauth.ClaimsFromContext] on c.Request.Context(), for code that
//     only sees a context.Context.
//   - [CORS] applies a [cors.Policy] through github.com/gin-contrib/cors.
//
// For example:
//
//	corsMW, err := jwksgin.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
//	if err != nil { … }
//	r := gin.New()
//	r.Use(corsMW) // on the engine, first: every route and 404 sees it
//	r.GET("/healthz", health)
//	api := r.Group("/api", jwksgin.Authenticate(a))
//	api.GET("/reports", jwksgin.Require(jwksauth.Scopes("reports:read")), reports)
//	r.GET("/feed", jwksgin.Optional(a), feed)
//
// # Answers
//
// A rejected request gets the core's answer ([jwksauth.AnswerFor]): 401 with
// a WWW-Authenticate challenge for a missing, invalid or malformed token
// ("Bearer" without a token, characters outside token68), 400 for a
// malformed request (two Authorization headers, a token in two places), 403
// insufficient_scope for an unmet requirement, 503 with Retry-After when the
// issuer's keys are unavailable; the body is a small RFC 9457 problem
// document, and the chain is aborted. [WithErrorHandler] replaces the
// answer; the chain is aborted after it too. Nothing the package writes or
// returns contains the token.
//
// # Setup mistakes panic
//
// Like Gin itself on a conflicting route, the constructors panic when they
// are called with a nil Authenticator, a nil or invalid option (an excluded
// path that is not canonical, a nil error handler, exclusions on a
// per-route step) or an invalid requirement ([jwksauth.Requirement.Err]):
// the mistake shows when the routes are built, never at request time.
// [CORS] returns its error instead, since a policy is data that may come
// from configuration.
//
// # Ordering
//
// [CORS] goes first, on the engine; then [Middleware] (or
// [Authenticate]/[Optional]), then [Require], then the handler.
// [jwksauth.Exclusions] match the path as sent
// (c.Request.URL.EscapedPath(), not Gin's route pattern) and fail closed: a
// path that is not already canonical ("/healthz/../admin", "//healthz",
// "/health%7A") is never excluded, so Gin's path cleaning or RemoveExtraSlash
// cannot be used to skip authentication. Gin answers a few requests before
// any middleware runs: with RedirectTrailingSlash (the default) a path that
// differs from a route by a trailing slash ("/healthz/") gets a redirect to
// the route, and no handler runs.
package jwksgin
