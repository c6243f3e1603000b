package jwkshttp

import (
	"fmt"
	"net/http"

	"github.com/jwksauth/jwksauth"
)

// ErrorHandler answers a request that authentication or a [Require] step
// rejected. err wraps one of jwksauth's sentinels (match it with
// [errors.Is]); [jwksauth.AnswerFor] turns it into the standard answer.
// The handler must write a response: the next handler is never called
// after it, whatever it does. err's message never contains the token, and
// neither should anything the handler logs.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

// Option configures [Middleware], [Authenticate] and [Optional]. Options
// are checked when the middleware is built: an invalid one panics there,
// with a message naming it, never at request time.
type Option func(*config)

// config is what the options set.
type config struct {
	exclusions    []string
	hasExclusions bool
	onError       ErrorHandler
	hasOnError    bool
}

// WithExclusions lets requests to paths through [Middleware] without
// authentication: health checks, metrics, public assets. Each path is
// absolute and canonical; one ending in "/" ("/public/") excludes every
// path below it; "/" alone is refused. Requests are matched on their path
// as sent ([net/url.URL.EscapedPath]) with [jwksauth.Exclusions], which fails
// closed: "/healthz/../admin", "//healthz" or "/health%7A" are never
// excluded.
//
// Only [Middleware] takes it: a per-route [Authenticate] or [Optional] is
// simply left off the routes that need no token, and building one with
// WithExclusions panics. An invalid path panics when the middleware is
// built. Default: no exclusions.
func WithExclusions(paths ...string) Option {
	return func(c *config) {
		c.exclusions = append(c.exclusions, paths...)
		c.hasExclusions = true
	}
}

// WithErrorHandler replaces the default answer to a rejected request,
// [jwksauth.WriteError] under the Authenticator's realm, with h. The same
// handler answers for a later [Require] step of the request. A nil h
// panics when the middleware is built. Default: [jwksauth.WriteError].
func WithErrorHandler(h ErrorHandler) Option {
	return func(c *config) {
		c.onError = h
		c.hasOnError = true
	}
}

// newStep validates the arguments of an entry point and builds its step;
// every mistake panics here, at setup, with a message naming fn.
func newStep(fn string, a *jwksauth.Authenticator, optional, global bool, opts []Option) *step {
	if a == nil {
		panic(fmt.Sprintf("jwkshttp: %s: nil *jwksauth.Authenticator", fn))
	}
	var c config
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("jwkshttp: %s: option %d is nil", fn, i))
		}
		o(&c)
	}
	s := &step{a: a, optional: optional, global: global, realm: a.Realm()}
	if c.hasExclusions {
		if !global {
			panic(fmt.Sprintf("jwkshttp: %s: WithExclusions applies to Middleware only; leave the routes that need no token out of %s instead", fn, fn))
		}
		ex, err := jwksauth.NewExclusions(c.exclusions...)
		if err != nil {
			panic(fmt.Sprintf("jwkshttp: %s: WithExclusions: %v", fn, err))
		}
		s.exclusions = ex
	}
	if c.hasOnError {
		if c.onError == nil {
			panic(fmt.Sprintf("jwkshttp: %s: WithErrorHandler(nil)", fn))
		}
		s.onError = c.onError
	}
	return s
}
