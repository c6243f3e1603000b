package cors

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Compiled is a validated, normalized [Policy] with what adapters need,
// computed once by [New]. It is immutable and safe for concurrent use; its
// accessors return fresh copies of its lists.
//
// A Compiled policy always allows something: [Compiled.AllowAnyOrigin] is
// true, or [Compiled.Origins] and [Compiled.Patterns] together are not
// empty.
type Compiled struct {
	anyOrigin   bool
	all         []string // normalized AllowedOrigins in the order given
	origins     []string // exact origins
	exact       map[string]struct{}
	patterns    []string // wildcard patterns as written back
	matchers    []pattern
	methods     []string
	headers     []string
	exposed     []string
	credentials bool
	maxAge      time.Duration
}

// New validates p and compiles it. Every problem found is reported, joined
// with [errors.Join]; each wraps [ErrInvalidPolicy]. A zero policy returns
// [ErrZeroPolicy]: adapters check [Policy.IsZero] first and install nothing.
func New(p Policy) (*Compiled, error) {
	if p.IsZero() {
		return nil, ErrZeroPolicy
	}
	return compile(p)
}

func compile(p Policy) (*Compiled, error) {
	c := &Compiled{credentials: p.AllowCredentials, exact: map[string]struct{}{}}
	var errs []error

	if len(p.AllowedOrigins) == 0 {
		errs = append(errs, fmt.Errorf("%w: AllowedOrigins is empty while other fields are set: list the allowed origins (several frameworks read an empty list as \"allow every origin\")", ErrInvalidPolicy))
	}
	seen := map[string]bool{}
	for i, s := range p.AllowedOrigins {
		if s == anyOrigin {
			c.anyOrigin = true
			continue
		}
		o, err := parseOrigin(s)
		if err != nil {
			errs = append(errs, invalid("AllowedOrigins", i, s, err))
			continue
		}
		n := o.String()
		if seen[n] {
			continue
		}
		seen[n] = true
		c.all = append(c.all, n)
		if o.wildcard {
			c.patterns = append(c.patterns, n)
			c.matchers = append(c.matchers, newPattern(o))
		} else {
			c.origins = append(c.origins, n)
			c.exact[n] = struct{}{}
		}
	}
	if c.anyOrigin {
		if len(p.AllowedOrigins) > 1 {
			errs = append(errs, fmt.Errorf(`%w: AllowedOrigins: "*" must be the only entry: it already allows every origin`, ErrInvalidPolicy))
		}
		if p.AllowCredentials {
			errs = append(errs, fmt.Errorf(`%w: AllowedOrigins "*" with AllowCredentials: any site could then make credentialed requests and read the answers; list the origins`, ErrInvalidPolicy))
		}
		c.all = []string{anyOrigin}
	}

	var e []error
	c.methods, e = normalizeMethods(p.AllowedMethods)
	errs = append(errs, e...)
	c.headers, e = normalizeHeaders("AllowedHeaders", p.AllowedHeaders, alwaysAllowed)
	errs = append(errs, e...)
	c.exposed, e = normalizeHeaders("ExposedHeaders", p.ExposedHeaders, alwaysExposed)
	errs = append(errs, e...)

	switch {
	case p.MaxAge < 0:
		errs = append(errs, fmt.Errorf("%w: MaxAge %v is negative", ErrInvalidPolicy, p.MaxAge))
	case p.MaxAge == 0:
		c.maxAge = DefaultMaxAge
	case p.MaxAge < time.Second:
		errs = append(errs, fmt.Errorf("%w: MaxAge %v is below one second: Access-Control-Max-Age counts whole seconds", ErrInvalidPolicy, p.MaxAge))
	default:
		c.maxAge = p.MaxAge.Truncate(time.Second)
	}

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// AllowOrigin reports whether a request with this Origin header may be
// answered with CORS headers. origin is compared as browsers serialize it
// ("https://app.example.com", lowercase, no default port, no trailing
// slash), byte for byte and case-sensitively: against the exact origins,
// then against each pattern, whose "*" matches exactly one label of
// lowercase letters, digits, '-' or '_'. With [Compiled.AllowAnyOrigin]
// every non-empty origin is allowed. "null" and "" are never allowed
// otherwise.
//
// Adapters hand this method to their framework's origin callback, so that
// the decision is the same in every framework. It does not allocate.
func (c *Compiled) AllowOrigin(origin string) bool {
	if origin == "" {
		return false
	}
	if c.anyOrigin {
		return true
	}
	if _, ok := c.exact[origin]; ok {
		return true
	}
	for _, p := range c.matchers {
		if p.match(origin) {
			return true
		}
	}
	return false
}

// AllowAnyOrigin reports whether the policy allows every origin
// (AllowedOrigins "*"). Credentials are then never allowed.
func (c *Compiled) AllowAnyOrigin() bool { return c.anyOrigin }

// Origins returns the exact allowed origins, normalized, in the order
// given. It is empty when [Compiled.AllowAnyOrigin] is true or when only
// patterns are configured: never hand an empty list to a framework, which
// may read it as "allow every origin"; use [Compiled.AllowOrigin].
func (c *Compiled) Origins() []string { return slices.Clone(c.origins) }

// Patterns returns the wildcard patterns, normalized, e.g.
// "https://*.example.com". Their "*" matches exactly one label, which is
// narrower than the wildcards of rs/cors or Echo: adapters use
// [Compiled.AllowOrigin] rather than translating these.
func (c *Compiled) Patterns() []string { return slices.Clone(c.patterns) }

// Methods returns the allowed methods, upper-case, in the order given, or
// the defaults GET, HEAD, POST, PUT, PATCH, DELETE.
func (c *Compiled) Methods() []string { return slices.Clone(c.methods) }

// Headers returns the allowed request headers: Authorization and
// Content-Type, then the configured ones, canonicalized.
func (c *Compiled) Headers() []string { return slices.Clone(c.headers) }

// ExposedHeaders returns the headers scripts may read: WWW-Authenticate
// and Retry-After, then the configured ones, canonicalized.
func (c *Compiled) ExposedHeaders() []string { return slices.Clone(c.exposed) }

// AllowCredentials reports whether credentialed requests are allowed
// (Access-Control-Allow-Credentials: true).
func (c *Compiled) AllowCredentials() bool { return c.credentials }

// MaxAge returns how long browsers may cache a preflight answer, in whole
// seconds: the configured value rounded down, or [DefaultMaxAge].
func (c *Compiled) MaxAge() time.Duration { return c.maxAge }

// MaxAgeSeconds returns [Compiled.MaxAge] in seconds, the value of
// Access-Control-Max-Age; always at least 1.
func (c *Compiled) MaxAgeSeconds() int { return int(c.maxAge / time.Second) }

// Policy returns the normalized policy with every default filled in.
// Compiling it again gives an equal Compiled.
func (c *Compiled) Policy() Policy {
	return Policy{
		AllowedOrigins:   slices.Clone(c.all),
		AllowedMethods:   c.Methods(),
		AllowedHeaders:   c.Headers(),
		ExposedHeaders:   c.ExposedHeaders(),
		AllowCredentials: c.credentials,
		MaxAge:           c.maxAge,
	}
}
