// Package jwkshttp authenticates bearer tokens (RFC 6750) in net/http
// servers with a [jwksauth.Authenticator]: the standard library's
// [http.ServeMux], chi, gorilla/mux and any router that takes
// func(http.Handler) http.Handler middleware.
//
// The package only translates: it reads the request's Authorization
// headers (and the cookie or query parameter the Authenticator's Config
// names), hands them to [jwksauth.Authenticator.AuthenticateRequest], puts
// the verified claims in the request context and writes the core's answer
// ([jwksauth.WriteError]) when a request is rejected. Every decision about a
// token is the core's, identical in every jwksauth adapter.
//
// # Entry points
//
//   - [Middleware] wraps a whole router: every request needs a valid token,
//     except those to the paths of [WithExclusions] ("/healthz",
//     "/public/").
//   - [Authenticate] and [Optional] guard one route or group; Optional lets
//     requests without any token through anonymously, but rejects an
//     invalid one.
//   - [Require] checks route requirements ([jwksauth.Scopes],
//     [jwksauth.AnyScope], roles, claim values…) on the claims an earlier
//     step stored: 403 insufficient_scope when one is not met, 401 when
//     there are no claims.
//   - [Claims] (or [jwksauth.ClaimsFromContext]) gives handlers the verified
//     claims.
//   - [CORS] applies a [cors.Policy] through github.com/rs/cors.
//
// With the standard mux:
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /healthz", health)
//	mux.Handle("GET /reports", jwkshttp.Require(jwksauth.Scopes("reports:read"))(reports))
//	corsMW, err := jwkshttp.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
//	if err != nil { … }
//	handler := corsMW(jwkshttp.Middleware(a, jwkshttp.WithExclusions("/healthz"))(mux))
//
// With chi, per route:
//
//	r.Use(corsMW)
//	r.With(jwkshttp.Authenticate(a), jwkshttp.Require(jwksauth.Scopes("reports:read"))).Get("/reports", reports)
//	r.With(jwkshttp.Optional(a)).Get("/feed", feed)
//
// # Answers
//
// A rejected request gets the core's answer ([jwksauth.AnswerFor]): 401 with
// a WWW-Authenticate challenge for a missing, invalid or malformed token
// ("Bearer" without a token, characters outside token68), 400 for a
// malformed request (two Authorization headers, a token in two places), 403
// insufficient_scope for an unmet requirement, 503 with Retry-After when the
// issuer's keys are unavailable; the body is a small RFC 9457 problem
// document. [WithErrorHandler] replaces it; the next handler never runs
// after a rejection. Nothing the package writes or returns contains the
// token.
//
// # Setup mistakes panic
//
// Like [http.ServeMux.Handle] on a bad pattern, the constructors panic when
// they are called with a nil Authenticator, a nil or invalid option (an
// excluded path that is not canonical, a nil error handler, exclusions on a
// per-route step) or an invalid requirement ([jwksauth.Requirement.Err]):
// the mistake shows when the routes are built, never at request time. [CORS]
// returns its error instead, since a policy is data that may come from
// configuration.
//
// # Ordering
//
// CORS goes outermost, then [Middleware] (or [Authenticate]/[Optional]),
// then [Require], then the handler. [jwksauth.Exclusions] match the path as
// sent ([net/url.URL.EscapedPath]) and fail closed: a path that is not
// already canonical ("/healthz/../admin", "//healthz", "/health%7A") is
// never excluded, so a router that cleans paths cannot be used to skip
// authentication.
package jwkshttp
