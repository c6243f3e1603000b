package jwksecho

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jwksauth/jwksauth"
)

// stateKey is the key of the Echo context store under which an
// authentication step leaves its [state]. It is unexported: read the
// claims with [Claims].
const stateKey = "github.com/jwksauth/jwksauth/adapters/jwksecho.state"

// state is what an authentication step leaves for [Claims] and [Require]:
// the verified claims (nil for an anonymous request on an [Optional] route)
// and the step's config, whose realm and error handling Require answers
// with.
type state struct {
	claims *jwksauth.Claims
	cfg    *config
}

// Middleware returns the global authentication middleware, for e.Use: every
// request must carry a valid bearer token, except those for the paths of
// [WithExclusions]. Install it after [CORS], so that preflights need no
// token and rejections carry CORS headers. Echo runs e.Use middleware for
// unrouted requests too, so a 404 or 405 without a valid token is answered
// 401 like any other request: route existence does not leak.
//
// It panics if a is nil or an option is invalid.
func Middleware(a *jwksauth.Authenticator, opts ...Option) echo.MiddlewareFunc {
	return newStep("Middleware", a, false, true, opts)
}

// Authenticate returns route-level middleware requiring a valid bearer
// token, e.g. e.GET("/orders", h, jwksecho.Authenticate(a)). The verified
// claims are in the request context ([jwksauth.ClaimsFromContext]) and in
// Echo's context store ([Claims]).
//
// It panics if a is nil or an option is invalid.
func Authenticate(a *jwksauth.Authenticator, opts ...Option) echo.MiddlewareFunc {
	return newStep("Authenticate", a, false, false, opts)
}

// Optional returns route-level middleware for optional authentication: a
// request without any token proceeds anonymously ([Claims] reports false),
// while a token that is present but invalid, or a malformed request (two
// Authorization headers, say), is rejected as by [Authenticate].
//
// It panics if a is nil or an option is invalid.
func Optional(a *jwksauth.Authenticator, opts ...Option) echo.MiddlewareFunc {
	return newStep("Optional", a, true, false, opts)
}

// Require returns middleware checking the route requirements reqs (all of
// them must hold) against the claims an earlier step ([Middleware],
// [Authenticate] or [Optional]) verified, with [jwksauth.Check]. It answers
// with that step's realm and error handling: 403 insufficient_scope when a
// requirement is not met, 401 when there are no claims (an anonymous
// request on an Optional route, or no authentication step at all: then
// with no realm and the core's default answer).
//
//	e.DELETE("/orders/:id", h, jwksecho.Authenticate(a), jwksecho.Require(jwksauth.Scopes("orders:write")))
//
// Require with no requirement only demands an authenticated request. It
// panics when one of reqs is invalid ([jwksauth.Requirement.Err]), so that
// a mistake in a requirement surfaces when the route is set up.
func Require(reqs ...jwksauth.Requirement) echo.MiddlewareFunc {
	for i, r := range reqs {
		if err := r.Err(); err != nil {
			panic(fmt.Sprintf("jwksecho: Require: requirement %d (%v): %v", i, r, err))
		}
	}
	reqs = append([]jwksauth.Requirement(nil), reqs...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			cfg, claims := requireOnly, (*jwksauth.Claims)(nil)
			if st, ok := c.Get(stateKey).(*state); ok && st != nil {
				cfg, claims = st.cfg, st.claims
			}
			if err := cfg.check(claims, reqs); err != nil {
				return cfg.reject(c, err)
			}
			return next(c)
		}
	}
}

// Claims returns the claims verified for this request by [Middleware],
// [Authenticate] or [Optional], and whether there are any. Handlers that
// only have the request's context use [jwksauth.ClaimsFromContext] on
// c.Request().Context() instead; both hold the same claims.
func Claims(c echo.Context) (*jwksauth.Claims, bool) {
	st, _ := c.Get(stateKey).(*state)
	if st == nil || st.claims == nil {
		return nil, false
	}
	return st.claims, true
}

// newStep builds an authentication step; fn names the constructor in
// panics.
func newStep(fn string, a *jwksauth.Authenticator, optional, global bool, opts []Option) echo.MiddlewareFunc {
	cfg := newConfig(fn, a, global, opts)
	var meta http.Handler
	if global {
		meta = a.ResourceMetadataHandler()
	}
	metaPath := a.ResourceMetadataPath()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if cfg.exclusions != nil && cfg.exclusions.Match(r.URL.EscapedPath()) {
				return next(c)
			}
			if meta != nil && r.URL.EscapedPath() == metaPath {
				meta.ServeHTTP(c.Response(), r)
				return nil
			}
			// Echo caches the parsed query; RequestCredentials reads the
			// same values from the URL.
			cr := a.RequestCredentials(r)
			claims, err := a.AuthenticateRequest(r.Context(), cr, optional)
			if err != nil {
				return cfg.reject(c, err)
			}
			c.Set(stateKey, &state{claims: claims, cfg: cfg})
			if n := a.DPoPNonce(); n != "" {
				c.Response().Header().Set("DPoP-Nonce", n)
			}
			if claims != nil {
				c.SetRequest(r.WithContext(jwksauth.WithClaims(r.Context(), claims)))
			}
			return next(c)
		}
	}
}

// reject answers a rejected request: with the user's error handler, with
// an *echo.HTTPError for Echo's HTTPErrorHandler, or with the core's
// answer.
func (cfg *config) reject(c echo.Context, err error) error {
	if cfg.a != nil {
		cfg.a.RecordAnswer(c.Request().Context(), "echo", err)
	}
	if cfg.errorHandler != nil {
		return cfg.errorHandler(c, err)
	}
	var o jwksauth.AnswerOptions
	if cfg.a != nil {
		o = cfg.a.AnswerOptions()
	}
	o.Realm = cfg.realm
	ans := jwksauth.AnswerWith(err, o)
	h := c.Response().Header()
	ans.Header(h)
	if cfg.frameworkErrors {
		// The framework's handler chooses the body and its type; the
		// challenge, Retry-After and no-store stay.
		h.Del(echo.HeaderContentType)
		return &echo.HTTPError{Code: ans.Status, Message: ans.Description, Internal: &Error{Answer: ans, Err: err}}
	}
	return c.Blob(ans.Status, jwksauth.ProblemContentType, ans.Body())
}

// check checks reqs against claims on the clock of the step's
// Authenticator (the wall clock when no step ran).
func (cfg *config) check(claims *jwksauth.Claims, reqs []jwksauth.Requirement) error {
	if cfg.a == nil {
		return jwksauth.Check(claims, reqs...)
	}
	return cfg.a.Check(claims, reqs...)
}

// MountResourceMetadata mounts the protected-resource metadata document of
// a ([jwksauth.ResourceConfig], RFC 9728) on e for GET, HEAD and OPTIONS, at
// [jwksauth.Authenticator.ResourceMetadataPath], for applications that
// authenticate per route or group. (The global [Middleware] serves the
// document itself, without authentication.) e is an *echo.Echo or an
// *echo.Group. It panics when a has no resource configured.
func MountResourceMetadata(e interface {
	Match(methods []string, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) []*echo.Route
}, a *jwksauth.Authenticator) {
	h := a.ResourceMetadataHandler()
	if h == nil {
		panic("jwksecho: MountResourceMetadata: the Authenticator has no Resource configured")
	}
	e.Match([]string{http.MethodGet, http.MethodHead, http.MethodOptions}, a.ResourceMetadataPath(), echo.WrapHandler(h))
}

// Error is the Internal error of the [*echo.HTTPError] that
// [WithFrameworkErrors] hands to Echo's HTTPErrorHandler. It carries the
// core's [jwksauth.Answer] (status, challenge, problem body) and the cause:
//
//	var je *jwksecho.Error
//	if errors.As(err, &je) {
//		_ = c.Blob(je.Answer.Status, jwksauth.ProblemContentType, je.Answer.Body())
//	}
//
// errors.Is(err, jwksauth.ErrTokenExpired) holds for the *echo.HTTPError
// itself, since it unwraps to its Internal error.
type Error struct {
	// Answer is the core's answer to Err under the step's realm.
	Answer jwksauth.Answer
	// Err is the cause, wrapping one of the jwksauth sentinels. Its message
	// is precise, for logs, and never contains the token.
	Err error
}

// Error returns the cause's message, for logs. Echo's default handler
// shows it to clients only in debug mode.
func (e *Error) Error() string {
	if e.Err == nil {
		return "jwksecho: " + e.Answer.Description
	}
	return "jwksecho: " + e.Err.Error()
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }
