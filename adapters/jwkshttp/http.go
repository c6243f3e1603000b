package jwkshttp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/jwksauth/jwksauth"
)

// Middleware returns middleware that requires a valid bearer token on every
// request except those to the paths of [WithExclusions]. Wrap a whole
// router with it:
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /reports", reports)
//	handler := jwkshttp.Middleware(a, jwkshttp.WithExclusions("/healthz"))(mux)
//
// A request without a valid token is answered with the core's answer
// ([jwksauth.WriteError]: 401, 400, or 503 with Retry-After) or by the
// [WithErrorHandler] handler, and the wrapped handler is not called. A
// valid token's claims are in the request context for the handlers
// ([Claims], [jwksauth.ClaimsFromContext]) and for a later [Require].
//
// Middleware panics, when called, on a nil Authenticator or an invalid
// option.
func Middleware(a *jwksauth.Authenticator, opts ...Option) func(http.Handler) http.Handler {
	return newStep("Middleware", a, false, true, opts).middleware()
}

// Authenticate returns middleware for one route or group that requires a
// valid bearer token; see [Middleware] for the answers and the claims. With
// chi: r.With(jwkshttp.Authenticate(a)).Get("/me", me). It panics, when
// called, on a nil Authenticator or an invalid option; it takes no
// [WithExclusions].
func Authenticate(a *jwksauth.Authenticator, opts ...Option) func(http.Handler) http.Handler {
	return newStep("Authenticate", a, false, false, opts).middleware()
}

// Optional returns middleware for a route that serves anonymous and
// authenticated requests alike. A request without any token goes through
// anonymous, with no claims ([Claims] reports false); a request with a
// token must carry a valid one — an invalid, expired or malformed token is
// rejected as by [Authenticate], never downgraded to anonymous. It panics,
// when called, on a nil Authenticator or an invalid option; it takes no
// [WithExclusions].
func Optional(a *jwksauth.Authenticator, opts ...Option) func(http.Handler) http.Handler {
	return newStep("Optional", a, true, false, opts).middleware()
}

// Require returns middleware that checks reqs ([jwksauth.Check]) against the
// claims an earlier [Middleware], [Authenticate] or [Optional] step stored,
// and answers 403 insufficient_scope when one is not met. It must run after
// such a step:
//
//	mux.Handle("GET /reports", jwkshttp.Require(jwksauth.Scopes("reports:read"))(reports))
//
// A request without claims (no step ran, or an [Optional] step saw no
// token) is answered 401. Answers use the realm and the [WithErrorHandler]
// handler of the step that ran before; without one, [jwksauth.WriteError]
// without realm. Require with no requirement only requires authentication.
//
// Require panics, when called, if a requirement is invalid
// ([jwksauth.Requirement.Err]), e.g. Scopes() with no scope, so that a
// mistake shows at startup rather than as a 403 on every request.
func Require(reqs ...jwksauth.Requirement) func(http.Handler) http.Handler {
	for i, r := range reqs {
		if err := r.Err(); err != nil {
			panic(fmt.Sprintf("jwkshttp: Require: requirement %d (%v): %v", i, r, err))
		}
	}
	reqs = append([]jwksauth.Requirement(nil), reqs...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, _ := jwksauth.ClaimsFromContext(r.Context())
			s, _ := r.Context().Value(stepKey{}).(*step)
			if err := s.check(c, reqs); err != nil {
				s.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Claims returns the verified claims of r, stored by an authentication step,
// and whether there are any. It is [jwksauth.ClaimsFromContext] on
// r.Context().
func Claims(r *http.Request) (*jwksauth.Claims, bool) {
	return jwksauth.ClaimsFromContext(r.Context())
}

// stepKey is the context key of the step that authenticated a request, so
// that Require answers the way that step does.
type stepKey struct{}

// step is one configured authentication middleware.
type step struct {
	a          *jwksauth.Authenticator
	optional   bool
	global     bool // Middleware: serves the resource metadata document
	realm      string
	exclusions *jwksauth.Exclusions // Middleware only
	onError    ErrorHandler         // nil: jwksauth.WriteError
}

func (s *step) middleware() func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("jwkshttp: middleware wrapped around a nil http.Handler")
		}
		meta := s.a.ResourceMetadataHandler()
		metaPath := s.a.ResourceMetadataPath()
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.exclusions != nil && s.exclusions.Match(r.URL.EscapedPath()) {
				next.ServeHTTP(w, r)
				return
			}
			if s.global && meta != nil && r.URL.EscapedPath() == metaPath {
				meta.ServeHTTP(w, r)
				return
			}
			c, err := s.a.AuthenticateRequest(r.Context(), s.a.RequestCredentials(r), s.optional)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			ctx := context.WithValue(r.Context(), stepKey{}, s)
			if c != nil {
				ctx = jwksauth.WithClaims(ctx, c)
			}
			if n := s.a.DPoPNonce(); n != "" {
				w.Header().Set("DPoP-Nonce", n)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// fail answers a rejected request; s may be nil (a Require without an
// authentication step before it).
func (s *step) fail(w http.ResponseWriter, r *http.Request, err error) {
	if s != nil {
		s.a.RecordAnswer(r.Context(), "net/http", err)
	}
	switch {
	case s == nil:
		jwksauth.WriteError(w, err, "")
	case s.onError != nil:
		s.onError(w, r, err)
	default:
		o := s.a.AnswerOptions()
		o.Realm = s.realm
		jwksauth.AnswerWith(err, o).Write(w)
	}
}

// check checks reqs against c on the clock of the step's Authenticator; s
// may be nil (no authentication step ran).
func (s *step) check(c *jwksauth.Claims, reqs []jwksauth.Requirement) error {
	if s == nil {
		return jwksauth.Check(c, reqs...)
	}
	return s.a.Check(c, reqs...)
}

// MountResourceMetadata mounts the protected-resource metadata document of
// a ([jwksauth.ResourceConfig], RFC 9728) on mux, at
// [jwksauth.Authenticator.ResourceMetadataPath], for applications that
// authenticate per route. (The global [Middleware] serves the document
// itself, without authentication.) mux is an [http.ServeMux], a chi router,
// or anything with the same Handle method. It panics when a has no
// resource configured.
func MountResourceMetadata(mux interface{ Handle(string, http.Handler) }, a *jwksauth.Authenticator) {
	h := a.ResourceMetadataHandler()
	if h == nil {
		panic("jwkshttp: MountResourceMetadata: the Authenticator has no Resource configured")
	}
	mux.Handle(a.ResourceMetadataPath(), h)
}
