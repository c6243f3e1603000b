package jwksecho

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/jwksauth/jwksauth"
)

// Option configures [Middleware], [Authenticate] and [Optional]. Invalid
// options make the constructor panic when the route is set up, never a
// request fail later.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the setup of one authentication step; [Require] answers with
// the config of the step that ran before it.
type config struct {
	a               *jwksauth.Authenticator // nil for requireOnly
	realm           string
	excluded        []string // WithExclusions paths, compiled into exclusions
	hasExclusions   bool
	exclusions      *jwksauth.Exclusions // Middleware only
	errorHandler    func(echo.Context, error) error
	hasErrorHandler bool
	frameworkErrors bool
}

// requireOnly is the config [Require] answers with when no authentication
// step ran before it: the core's answer, without a realm.
var requireOnly = &config{}

// WithExclusions lets requests for paths through without authentication,
// e.g. WithExclusions("/healthz", "/public/"). A path ending in "/" is a
// prefix. Paths are matched by [jwksauth.Exclusions] against the escaped
// path as the client sent it (the request's URL.EscapedPath), which fails
// closed: "/healthz/../admin", "//healthz", "/HEALTHZ" and "/health%7A" are
// never excluded, whatever Echo's router makes of them. An invalid path
// ("healthz", "/a/../b", "/") panics at setup. Repeated options add up.
//
// Only [Middleware] takes it: a route-level [Authenticate] or [Optional] is
// simply left off the routes that need no token, and building one with
// WithExclusions panics. Default: no exclusions.
func WithExclusions(paths ...string) Option {
	return optionFunc(func(c *config) {
		c.excluded = append(c.excluded, paths...)
		c.hasExclusions = true
	})
}

// WithErrorHandler replaces the answer to a rejected request: h receives
// the Echo context and the error (match it with [errors.Is] against the
// jwksauth sentinels; [jwksauth.AnswerFor] computes the standard answer),
// writes a response, and returns what the middleware returns to Echo. h
// must not be nil. It excludes [WithFrameworkErrors].
func WithErrorHandler(h func(c echo.Context, err error) error) Option {
	return optionFunc(func(c *config) {
		c.errorHandler = h
		c.hasErrorHandler = true
	})
}

// WithFrameworkErrors hands rejections to Echo's HTTPErrorHandler instead
// of writing the core's answer: the middleware sets the answer's
// WWW-Authenticate, Retry-After and Cache-Control headers on the response,
// then returns an [*echo.HTTPError] with the answer's status and
// description whose Internal error is an [*Error] carrying the [jwksauth.Answer]
// and the cause. Echo's default handler thus answers with the right status,
// the RFC 6750 challenge and {"message": "<description>"}; a custom
// handler can match the cause with errors.Is (e.g. [jwksauth.ErrTokenExpired])
// and read the answer with errors.As. It excludes [WithErrorHandler].
func WithFrameworkErrors() Option {
	return optionFunc(func(c *config) { c.frameworkErrors = true })
}

// newConfig applies opts for the constructor fn and panics on an invalid
// setup, so that a mistake surfaces when routes are registered.
func newConfig(fn string, a *jwksauth.Authenticator, global bool, opts []Option) *config {
	if a == nil {
		panic(fmt.Sprintf("jwksecho: %s: nil *jwksauth.Authenticator", fn))
	}
	c := &config{a: a, realm: a.Realm()}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("jwksecho: %s: option %d is nil", fn, i))
		}
		o.apply(c)
	}
	if c.hasExclusions {
		if !global {
			panic(fmt.Sprintf("jwksecho: %s: WithExclusions applies to Middleware only; leave the routes that need no token out of %s instead", fn, fn))
		}
		e, err := jwksauth.NewExclusions(c.excluded...)
		if err != nil {
			panic(fmt.Sprintf("jwksecho: %s: WithExclusions: %v", fn, err))
		}
		c.exclusions = e
	}
	if c.hasErrorHandler {
		if c.errorHandler == nil {
			panic(fmt.Sprintf("jwksecho: %s: WithErrorHandler(nil)", fn))
		}
		if c.frameworkErrors {
			panic(fmt.Sprintf("jwksecho: %s: WithErrorHandler and WithFrameworkErrors exclude each other", fn))
		}
	}
	return c
}
