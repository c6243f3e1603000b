package cors

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"
)

// DefaultMaxAge is how long browsers may cache a preflight answer when
// [Policy.MaxAge] is zero. Ten minutes keeps a rolled-out policy change
// visible quickly while sparing most preflights; browsers cap the value
// they honor (Chrome at 2 hours, Firefox at 24 hours).
const DefaultMaxAge = 10 * time.Minute

// defaultMethods are the allowed methods when [Policy.AllowedMethods] is empty.
var defaultMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

// Headers every compiled policy contains, in the spelling it reports them.
var (
	alwaysAllowed = []string{"Authorization", "Content-Type"}
	alwaysExposed = []string{"WWW-Authenticate", "Retry-After"}
)

// Policy is a CORS policy: which browser origins may call the API, with
// which methods and headers, and what their scripts may read. It is plain
// data; the zero value means no CORS at all (see [Policy.IsZero]). [New]
// validates it and computes what adapters hand to their framework.
type Policy struct {
	// AllowedOrigins lists the origins whose scripts may call the API. Each
	// entry is one of:
	//   - an exact origin, "scheme://host[:port]" with scheme http or https,
	//     e.g. "https://app.example.com" or "http://localhost:3000";
	//   - a pattern whose whole leftmost label is "*", e.g.
	//     "https://*.example.com", matching exactly one label in its place:
	//     "https://app.example.com", not "https://example.com" and not
	//     "https://a.b.example.com" (list "https://*.b.example.com" for
	//     those). At least two labels must follow the "*"; public suffixes
	//     such as "co.uk" are not known to this package, so
	//     "https://*.co.uk" is the caller's responsibility;
	//   - "*" alone, allowing every origin; refused with AllowCredentials
	//     and together with other entries.
	// Scheme and host are normalized to lowercase and a default port (443
	// for https, 80 for http) is dropped, since browsers send origins that
	// way; a pattern's port, if any, must match exactly. A path (even a
	// trailing slash), query, fragment, userinfo, a non-ASCII host (use its
	// punycode "xn--" form), a non-canonical IPv4 address and the "null"
	// origin are errors. Duplicates after normalization are dropped.
	//
	// It must not be empty unless the whole policy is zero: several
	// frameworks read an empty list as "allow every origin".
	AllowedOrigins []string

	// AllowedMethods lists the methods allowed in cross-origin requests.
	// Each must be an HTTP token; it is upper-cased (browsers upper-case
	// only DELETE, GET, HEAD, OPTIONS, POST and PUT themselves, so a script
	// must write "PATCH" in capitals) and duplicates are dropped. "*" and
	// the methods browsers forbid (CONNECT, TRACE, TRACK) are errors.
	// Default, when empty: GET, HEAD, POST, PUT, PATCH, DELETE.
	AllowedMethods []string

	// AllowedHeaders lists the request headers a script may send. It is an
	// explicit list, never the browser's Access-Control-Request-Headers
	// echoed back; "*" is an error (with credentials browsers read it as a
	// header literally named "*", and it never covers Authorization).
	// Authorization and Content-Type are always included, first. Names are
	// canonicalized ("x-request-id" becomes "X-Request-Id") and duplicates
	// are dropped, case-insensitively. Default: only those two.
	AllowedHeaders []string

	// ExposedHeaders lists the response headers a script may read beyond
	// the CORS-safelisted ones. WWW-Authenticate and Retry-After are always
	// included, first, so that a script sees why it got 401, 403 or 503 and
	// when to retry. Names are canonicalized and de-duplicated as for
	// AllowedHeaders; "*" is an error. Default: only those two.
	ExposedHeaders []string

	// AllowCredentials lets browsers send cookies and TLS client
	// certificates and lets scripts read the answer to such requests
	// (Access-Control-Allow-Credentials: true). Bearer tokens in
	// Authorization do not need it. Refused with AllowedOrigins "*".
	// Default: false.
	AllowCredentials bool

	// MaxAge is how long browsers may cache a preflight answer
	// (Access-Control-Max-Age, in whole seconds, rounded down). Zero means
	// [DefaultMaxAge] (10 minutes); negative values and values below one
	// second are errors. Browsers cap it: Chrome at 2 hours, Firefox at 24.
	MaxAge time.Duration
}

// IsZero reports whether p is the zero policy: no origins, methods or
// headers (nil or empty), no credentials and no max age. A zero policy
// installs nothing: adapters add no CORS middleware, and browsers keep
// applying the same-origin policy.
func (p Policy) IsZero() bool {
	return len(p.AllowedOrigins) == 0 && len(p.AllowedMethods) == 0 &&
		len(p.AllowedHeaders) == 0 && len(p.ExposedHeaders) == 0 &&
		!p.AllowCredentials && p.MaxAge == 0
}

// Validate reports whether p can be compiled by [New]. A zero policy is
// valid (it means no CORS). Every problem found is reported, joined with
// [errors.Join]; each wraps [ErrInvalidPolicy] and names the field, the
// value and the reason.
func (p Policy) Validate() error {
	if p.IsZero() {
		return nil
	}
	_, err := compile(p)
	return err
}

// invalid wraps ErrInvalidPolicy with the field, the offending value and
// the reason.
func invalid(field string, i int, value string, reason error) error {
	return fmt.Errorf("%w: %s[%d] %q: %w", ErrInvalidPolicy, field, i, value, reason)
}

// normalizeMethods upper-cases, checks and de-duplicates methods; empty
// means the defaults.
func normalizeMethods(in []string) ([]string, []error) {
	if len(in) == 0 {
		return append([]string(nil), defaultMethods...), nil
	}
	var out []string
	var errs []error
	seen := map[string]bool{}
	for i, m := range in {
		u := strings.ToUpper(m)
		switch {
		case m == "*":
			errs = append(errs, invalid("AllowedMethods", i, m, errors.New(`"*" is not allowed: list the methods explicitly`)))
		case !isToken(m):
			errs = append(errs, invalid("AllowedMethods", i, m, errors.New("method must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)")))
		case u == "CONNECT" || u == "TRACE" || u == "TRACK":
			errs = append(errs, invalid("AllowedMethods", i, m, errors.New("browsers forbid this method in fetch, so allowing it is meaningless")))
		case !seen[u]:
			seen[u] = true
			out = append(out, u)
		}
	}
	return out, errs
}

// normalizeHeaders puts always first, then the canonicalized names of in
// that are not already present (compared case-insensitively).
func normalizeHeaders(field string, in, always []string) ([]string, []error) {
	out := append([]string(nil), always...)
	seen := map[string]bool{}
	for _, h := range always {
		seen[strings.ToLower(h)] = true
	}
	var errs []error
	for i, h := range in {
		switch {
		case h == "*":
			errs = append(errs, invalid(field, i, h, errors.New(`"*" is not allowed: list the headers explicitly (with credentials browsers read "*" as a header named "*", and it never covers Authorization)`)))
		case !isToken(h):
			errs = append(errs, invalid(field, i, h, errors.New("header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)")))
		case !seen[strings.ToLower(h)]:
			seen[strings.ToLower(h)] = true
			out = append(out, canonicalHeader(h))
		}
	}
	return out, errs
}

// canonicalHeader spells a header name as Go's net/http does
// ([textproto.CanonicalMIMEHeaderKey]), except for the few whose registered
// spelling differs. Header names are case-insensitive; this only makes
// lists read well and compare equal.
func canonicalHeader(h string) string {
	c := textproto.CanonicalMIMEHeaderKey(h)
	switch c {
	case "Www-Authenticate":
		return "WWW-Authenticate"
	case "Etag":
		return "ETag"
	}
	return c
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
