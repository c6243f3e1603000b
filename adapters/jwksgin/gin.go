package jwksgin

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/jwksauth/jwksauth"
)

// Middleware returns Gin middleware that requires a valid bearer token on
// every request except those to the paths of [WithExclusions]. Install it
// on the engine (after [CORS]) or on a group:
//
//	r := gin.New()
//	r.Use(corsMW, jwksgin.Middleware(a, jwksgin.WithExclusions("/healthz")))
//
// On the engine it also guards requests that match no route: without a
// valid token they get 401, not 404, so the routes of the API stay
// private.
//
// A request without a valid token is answered with the core's answer
// ([jwksauth.AnswerFor]: 401, 400, or 503 with Retry-After) or by the
// [WithErrorHandler] handler, and the chain is aborted. A valid token's
// claims are in Gin's context ([Claims]) and in the request context
// ([jwksauth.ClaimsFromContext] on c.Request.Context()) for the handlers
// and for a later [Require].
//
// Middleware panics, when called, on a nil Authenticator or an invalid
// option.
func Middleware(a *jwksauth.Authenticator, opts ...Option) gin.HandlerFunc {
	return newStep("Middleware", a, false, true, opts).handle
}

// Authenticate returns Gin middleware for one route or group that requires
// a valid bearer token; see [Middleware] for the answers and the claims:
//
//	api := r.Group("/api", jwksgin.Authenticate(a))
//
// It panics, when called, on a nil Authenticator or an invalid option; it
// takes no [WithExclusions].
func Authenticate(a *jwksauth.Authenticator, opts ...Option) gin.HandlerFunc {
	return newStep("Authenticate", a, false, false, opts).handle
}

// Optional returns Gin middleware for a route that serves anonymous and
// authenticated requests alike. A request without any token goes through
// anonymous, with no claims ([Claims] reports false); a request with a
// token must carry a valid one — an invalid, expired or malformed token is
// rejected as by [Authenticate], never downgraded to anonymous. It panics,
// when called, on a nil Authenticator or an invalid option; it takes no
// [WithExclusions].
func Optional(a *jwksauth.Authenticator, opts ...Option) gin.HandlerFunc {
	return newStep("Optional", a, true, false, opts).handle
}

// Require returns Gin middleware that checks reqs ([jwksauth.Check])
// against the claims an earlier [Middleware], [Authenticate] or [Optional]
// step stored, and answers 403 insufficient_scope when one is not met. It
// must run after such a step:
//
//	r.GET("/reports", jwksgin.Require(jwksauth.Scopes("reports:read")), reports)
//
// A request without claims (no step ran, or an [Optional] step saw no
// token) is answered 401. Answers use the realm and the [WithErrorHandler]
// handler of the step that ran before; without one, the core's answer
// without realm. Require with no requirement only requires authentication.
//
// Require panics, when called, if a requirement is invalid
// ([jwksauth.Requirement.Err]), e.g. Scopes() with no scope, so that a
// mistake shows at startup rather than as a 403 on every request.
func Require(reqs ...jwksauth.Requirement) gin.HandlerFunc {
	for i, r := range reqs {
		if err := r.Err(); err != nil {
			panic(fmt.Sprintf("jwksgin: Require: requirement %d (%v): %v", i, r, err))
		}
	}
	reqs = append([]jwksauth.Requirement(nil), reqs...)
	return func(c *gin.Context) {
		claims, _ := Claims(c)
		var s *step
		if v, ok := c.Get(stepKey{}); ok {
			s, _ = v.(*step)
		}
		if err := s.check(claims, reqs); err != nil {
			s.fail(c, err)
		}
	}
}

// Claims returns the verified claims stored by an authentication step, and
// whether there are any. It reads Gin's context first, then the request
// context ([jwksauth.ClaimsFromContext] on c.Request.Context()), so claims a
// test put there with [jwksauth.WithClaims] are found too.
func Claims(c *gin.Context) (*jwksauth.Claims, bool) {
	if v, ok := c.Get(claimsKey{}); ok {
		if cl, _ := v.(*jwksauth.Claims); cl != nil {
			return cl, true
		}
	}
	if c.Request == nil {
		return nil, false
	}
	return jwksauth.ClaimsFromContext(c.Request.Context())
}

// Keys of Gin's context store: the verified claims, and the step that
// authenticated the request, so that Require answers the way it does.
type (
	claimsKey struct{}
	stepKey   struct{}
)

// step is one configured authentication middleware.
type step struct {
	a          *jwksauth.Authenticator
	optional   bool
	global     bool // Middleware: serves the resource metadata document
	realm      string
	exclusions *jwksauth.Exclusions // Middleware only
	onError    ErrorHandler         // nil: the core's answer
}

func (s *step) handle(c *gin.Context) {
	r := c.Request
	if s.exclusions != nil && s.exclusions.Match(r.URL.EscapedPath()) {
		return
	}
	if s.global {
		if p := s.a.ResourceMetadataPath(); p != "" && r.URL.EscapedPath() == p {
			s.a.ResourceMetadataHandler().ServeHTTP(c.Writer, r)
			c.Abort()
			return
		}
	}
	claims, err := s.a.AuthenticateRequest(r.Context(), s.a.RequestCredentials(r), s.optional)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(stepKey{}, s)
	if n := s.a.DPoPNonce(); n != "" {
		c.Header("DPoP-Nonce", n)
	}
	if claims != nil {
		c.Set(claimsKey{}, claims)
		c.Request = r.WithContext(jwksauth.WithClaims(r.Context(), claims))
	}
}

// fail answers a rejected request and aborts the chain; s may be nil (a
// Require without an authentication step before it).
func (s *step) fail(c *gin.Context, err error) {
	defer c.Abort()
	if s != nil {
		s.a.RecordAnswer(c.Request.Context(), "gin", err)
	}
	if s != nil && s.onError != nil {
		s.onError(c, err)
		return
	}
	if s == nil {
		writeAnswer(c, jwksauth.AnswerFor(err, ""))
		return
	}
	o := s.a.AnswerOptions()
	o.Realm = s.realm
	writeAnswer(c, jwksauth.AnswerWith(err, o))
}

// check checks reqs against claims on the clock of the step's
// Authenticator; s may be nil (no authentication step ran).
func (s *step) check(claims *jwksauth.Claims, reqs []jwksauth.Requirement) error {
	if s == nil {
		return jwksauth.Check(claims, reqs...)
	}
	return s.a.Check(claims, reqs...)
}

// MountResourceMetadata mounts the protected-resource metadata document of
// a ([jwksauth.ResourceConfig], RFC 9728) on r for GET, HEAD and OPTIONS,
// at [jwksauth.Authenticator.ResourceMetadataPath], for applications that
// authenticate per route or group. (The global [Middleware] serves the
// document itself, without authentication.) It panics when a has no
// resource configured.
func MountResourceMetadata(r gin.IRoutes, a *jwksauth.Authenticator) {
	h := a.ResourceMetadataHandler()
	if h == nil {
		panic("jwksgin: MountResourceMetadata: the Authenticator has no Resource configured")
	}
	p := a.ResourceMetadataPath()
	r.GET(p, gin.WrapH(h))
	r.HEAD(p, gin.WrapH(h))
	r.OPTIONS(p, gin.WrapH(h))
}

// writeAnswer writes the core's answer: status, headers, problem body.
func writeAnswer(c *gin.Context, ans jwksauth.Answer) {
	ans.Header(c.Writer.Header())
	c.Data(ans.Status, jwksauth.ProblemContentType, ans.Body())
}
