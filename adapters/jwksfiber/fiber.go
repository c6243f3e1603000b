package jwksfiber

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"

	"github.com/jwksauth/jwksauth"
)

// stateKey is the key of Fiber's Locals under which an authentication step
// leaves its [state]. It is unexported: read the claims with [Claims].
type stateKey struct{}

// state is what an authentication step leaves for [Claims] and [Require]:
// the verified claims (nil for an anonymous request on an [Optional] route)
// and the step's config, whose realm and error handling Require answers
// with.
type state struct {
	claims *jwksauth.Claims
	cfg    *config
}

// Middleware returns the global authentication handler, for app.Use: every
// request must carry a valid bearer token, except those for the paths of
// [WithExclusions]. Register it after [CORS] and before the routes (Fiber
// runs handlers in registration order), so that preflights need no token
// and rejections carry CORS headers. It runs for unrouted paths too, so a
// 404 without a valid token is answered 401: route existence does not leak.
//
// It panics if a is nil or an option is invalid.
func Middleware(a *jwksauth.Authenticator, opts ...Option) fiber.Handler {
	return newStep("Middleware", a, false, true, opts)
}

// Authenticate returns a route-level handler requiring a valid bearer
// token, e.g. app.Get("/orders", jwksfiber.Authenticate(a), h). The
// verified claims are in the user context ([jwksauth.ClaimsFromContext] on
// c.UserContext()) and in Fiber's Locals ([Claims]).
//
// It panics if a is nil or an option is invalid.
func Authenticate(a *jwksauth.Authenticator, opts ...Option) fiber.Handler {
	return newStep("Authenticate", a, false, false, opts)
}

// Optional returns a route-level handler for optional authentication: a
// request without any token proceeds anonymously ([Claims] reports false),
// while a token that is present but invalid, or a malformed request (two
// Authorization headers, say), is rejected as by [Authenticate].
//
// It panics if a is nil or an option is invalid.
func Optional(a *jwksauth.Authenticator, opts ...Option) fiber.Handler {
	return newStep("Optional", a, true, false, opts)
}

// Require returns a handler checking the route requirements reqs (all of
// them must hold) against the claims an earlier step ([Middleware],
// [Authenticate] or [Optional]) verified, with [jwksauth.Check]. It answers
// with that step's realm and error handling: 403 insufficient_scope when a
// requirement is not met, 401 when there are no claims (an anonymous
// request on an Optional route, or no authentication step at all: then
// with no realm and the core's default answer).
//
//	app.Delete("/orders/:id", jwksfiber.Authenticate(a), jwksfiber.Require(jwksauth.Scopes("orders:write")), h)
//
// Require with no requirement only demands an authenticated request. It
// panics when one of reqs is invalid ([jwksauth.Requirement.Err]), so that
// a mistake in a requirement surfaces when the route is set up.
func Require(reqs ...jwksauth.Requirement) fiber.Handler {
	for i, r := range reqs {
		if err := r.Err(); err != nil {
			panic(fmt.Sprintf("jwksfiber: Require: requirement %d (%v): %v", i, r, err))
		}
	}
	reqs = append([]jwksauth.Requirement(nil), reqs...)
	return func(c *fiber.Ctx) error {
		cfg, claims := requireOnly, (*jwksauth.Claims)(nil)
		if st, ok := c.Locals(stateKey{}).(*state); ok && st != nil {
			cfg, claims = st.cfg, st.claims
		}
		if err := cfg.check(claims, reqs); err != nil {
			return cfg.reject(c, err)
		}
		return c.Next()
	}
}

// Claims returns the claims verified for this request by [Middleware],
// [Authenticate] or [Optional], and whether there are any. Code that only
// has the user context uses [jwksauth.ClaimsFromContext] on c.UserContext()
// instead; both hold the same claims. The claims are the core's own copy:
// unlike Fiber's request values, they stay valid after the handler returns.
func Claims(c *fiber.Ctx) (*jwksauth.Claims, bool) {
	st, _ := c.Locals(stateKey{}).(*state)
	if st == nil || st.claims == nil {
		return nil, false
	}
	return st.claims, true
}

// newStep builds an authentication step; fn names the constructor in
// panics.
func newStep(fn string, a *jwksauth.Authenticator, optional, global bool, opts []Option) fiber.Handler {
	cfg := newConfig(fn, a, global, opts)
	cookie, query := a.TokenCookie(), a.TokenQuery()
	var meta fiber.Handler
	if h := a.ResourceMetadataHandler(); global && h != nil {
		meta = adaptor.HTTPHandler(h)
	}
	metaPath := a.ResourceMetadataPath()
	return func(c *fiber.Ctx) error {
		req := c.Request()
		// The raw path of the request line, as sent: never c.Path(), which
		// may be decoded, and is routed case-insensitively and without
		// trailing slashes.
		if cfg.exclusions != nil && cfg.exclusions.Match(view(req.URI().PathOriginal())) {
			return c.Next()
		}
		if meta != nil && view(req.URI().PathOriginal()) == metaPath {
			return meta(c)
		}
		// Zero-copy views of fasthttp's buffers, valid until the handler
		// returns: the core keeps nothing of them (its token cache clones
		// what it stores; claims and errors never point into the token),
		// and TestBufferReuse holds it to that. A copy would cost one
		// allocation of the token's size on every request, the cache hits
		// included (BenchmarkTokenCopy).
		var cr jwksauth.Credentials
		// Under DisableHeaderNormalizing fasthttp looks names up byte for
		// byte: "authorization" and "AUTHORIZATION" would escape PeekAll,
		// and with them the rule that two Authorization (or DPoP) headers
		// are a 400. Names are then matched case-insensitively here.
		exact := !c.App().Config().DisableHeaderNormalizing
		cr.Authorization = headerValues(req, fiber.HeaderAuthorization, exact, cr.Authorization)
		if cookie != "" {
			req.Header.VisitAllCookie(func(k, v []byte) {
				if string(k) == cookie {
					cr.Cookie = append(cr.Cookie, view(v))
				}
			})
		}
		if query != "" {
			for _, v := range req.URI().QueryArgs().PeekMulti(query) {
				cr.Query = append(cr.Query, view(v))
			}
		}
		cr.Method, cr.Host, cr.Path, cr.Scheme = view(req.Header.Method()), view(req.Header.Host()), view(req.URI().PathOriginal()), "http"
		if c.Context().IsTLS() {
			cr.Scheme = "https"
		}
		if a.DPoPEnabled() {
			cr.DPoP = headerValues(req, "DPoP", exact, cr.DPoP)
			cr.Forwarded = headerValues(req, "Forwarded", exact, cr.Forwarded)
			cr.XForwardedProto = headerValues(req, "X-Forwarded-Proto", exact, cr.XForwardedProto)
			cr.XForwardedHost = headerValues(req, "X-Forwarded-Host", exact, cr.XForwardedHost)
		}
		ctx := c.UserContext()
		claims, err := a.AuthenticateRequest(ctx, cr, optional)
		if err != nil {
			return cfg.reject(c, err)
		}
		c.Locals(stateKey{}, &state{claims: claims, cfg: cfg})
		if n := a.DPoPNonce(); n != "" {
			c.Set("DPoP-Nonce", n)
		}
		if claims != nil {
			c.SetUserContext(jwksauth.WithClaims(ctx, claims))
		}
		return c.Next()
	}
}

// view returns b as a string without copying. The string is valid only as
// long as fasthttp does not reuse b: within the request, and never stored.
func view(b []byte) string { return utils.UnsafeString(b) }

// reject answers a rejected request: with the user's error handler, with
// an [*Error] for the app's ErrorHandler, or with the core's answer.
func (cfg *config) reject(c *fiber.Ctx, err error) error {
	if cfg.errorHandler != nil {
		return cfg.errorHandler(c, err)
	}
	var o jwksauth.AnswerOptions
	if cfg.a != nil {
		o = cfg.a.AnswerOptions()
	}
	o.Realm = cfg.realm
	ans := jwksauth.AnswerWith(err, o)
	h := make(http.Header, 4)
	ans.Header(h)
	if cfg.frameworkErrors {
		// The framework's handler chooses the body and its type; the
		// challenge, Retry-After and no-store stay.
		h.Del(fiber.HeaderContentType)
	}
	for k, vs := range h {
		for i, v := range vs {
			if i == 0 {
				c.Set(k, v)
			} else {
				c.Response().Header.Add(k, v) // a second challenge
			}
		}
	}
	if cfg.frameworkErrors {
		return &Error{Answer: ans, Err: err}
	}
	return c.Status(ans.Status).Send(ans.Body())
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
// a ([jwksauth.ResourceConfig], RFC 9728) on r for GET, HEAD and OPTIONS, at
// [jwksauth.Authenticator.ResourceMetadataPath], for applications that
// authenticate per route or group. (The global [Middleware] serves the
// document itself, without authentication.) It panics when a has no
// resource configured.
func MountResourceMetadata(r fiber.Router, a *jwksauth.Authenticator) {
	h := a.ResourceMetadataHandler()
	if h == nil {
		panic("jwksfiber: MountResourceMetadata: the Authenticator has no Resource configured")
	}
	fh := adaptor.HTTPHandler(h)
	p := a.ResourceMetadataPath()
	r.Get(p, fh) // Fiber answers HEAD from GET routes
	r.Options(p, fh)
}

// Error is the error [WithFrameworkErrors] hands to the app's ErrorHandler.
// It carries the core's [jwksauth.Answer] (status, challenge, problem body)
// and the cause, and unwraps to both a [*fiber.Error] with the answer's
// status and description (what Fiber's DefaultErrorHandler looks for with
// errors.As) and the cause:
//
//	ErrorHandler: func(c *fiber.Ctx, err error) error {
//		if errors.Is(err, jwksauth.ErrTokenExpired) { … }
//		var je *jwksfiber.Error
//		if errors.As(err, &je) {
//			c.Set(fiber.HeaderContentType, jwksauth.ProblemContentType)
//			return c.Status(je.Answer.Status).Send(je.Answer.Body())
//		}
//		return fiber.DefaultErrorHandler(c, err)
//	}
type Error struct {
	// Answer is the core's answer to Err under the step's realm.
	Answer jwksauth.Answer
	// Err is the cause, wrapping one of the jwksauth sentinels. Its message
	// is precise, for logs, and never contains the token.
	Err error
}

// Error returns the answer's description, a fixed text safe to show to a
// client: Fiber's DefaultErrorHandler sends err.Error() as the body. Log
// e.Err for the precise cause.
func (e *Error) Error() string { return e.Answer.Description }

// Unwrap returns a [*fiber.Error] with the answer's status and description,
// and the cause, for errors.As and errors.Is.
func (e *Error) Unwrap() []error {
	return []error{&fiber.Error{Code: e.Answer.Status, Message: e.Answer.Description}, e.Err}
}

// headerValues appends to dst every value of the header name (in canonical
// form), as zero-copy views. With exact set (fasthttp normalizes header
// names, its default) PeekAll finds them all; otherwise names are compared
// case-insensitively, since fasthttp then keeps them as sent.
func headerValues(req *fasthttp.Request, name string, exact bool, dst []string) []string {
	if exact {
		for _, v := range req.Header.PeekAll(name) {
			dst = append(dst, view(v))
		}
		return dst
	}
	req.Header.VisitAll(func(k, v []byte) {
		if len(k) == len(name) && strings.EqualFold(view(k), name) {
			dst = append(dst, view(v))
		}
	})
	return dst
}
