package jwksauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// AuthenticateRequest is the whole authentication step of a request, as
// every adapter runs it: extract the token from cr ([Authenticator.ExtractToken])
// and verify it ([Authenticator.Authenticate]).
//
// With optional set, a request that carries no token at all is anonymous:
// the result is (nil, nil). A token that is present but invalid is rejected
// either way, and so is a malformed request.
//
// With DPoP ([Issuer].DPoP), the Authorization header may use the DPoP
// scheme, and the proof in cr.DPoP is checked against cr's request fields;
// with a [Config].Revocation store, the token is checked against it.
func (a *Authenticator) AuthenticateRequest(ctx context.Context, cr Credentials, optional bool) (*Claims, error) {
	token, isDPoP, err := extractCredential(cr, a.maxTokenSize, a.dpop != nil)
	if err != nil {
		if optional && errors.Is(err, ErrTokenMissing) {
			return nil, nil
		}
		return nil, err
	}
	return a.authenticate(ctx, token, &cr, isDPoP)
}

// Check checks the route requirements reqs against c, the claims a previous
// authentication step stored. No claims (no authentication step ran, or an
// optional one saw no token) is [ErrTokenMissing]; an unmet requirement is a
// [*RequirementError] matching [ErrInsufficientScope] (403). All of reqs
// must hold, as in [All]: when every unmet part is a step-up requirement
// ([ACR], [MaxAuthAge]) the error is a [*StepUpError] matching
// [ErrInsufficientUserAuthentication] (401), merging what each asks for.
// Check reads the wall clock for [MaxAuthAge]; [Authenticator.Check] reads
// the Authenticator's clock.
func Check(c *Claims, reqs ...Requirement) error { return checkAt(c, time.Now(), reqs) }

// Check is the package's [Check] at the time of the Authenticator's clock
// ([Config.Clock]); adapters use it, so that step-up requirements follow a
// test's fake clock.
func (a *Authenticator) Check(c *Claims, reqs ...Requirement) error {
	return checkAt(c, a.clock.Now(), reqs)
}

func checkAt(c *Claims, now time.Time, reqs []Requirement) error {
	if c == nil {
		return fmt.Errorf("%w: the route requires an authenticated request", ErrTokenMissing)
	}
	var stepUp *StepUpError
	for _, r := range reqs {
		err := r.CheckAt(c, now)
		if err == nil {
			continue
		}
		var se *StepUpError
		if !errors.As(err, &se) {
			return err
		}
		if stepUp == nil {
			stepUp = se
			continue
		}
		stepUp = mergeStepUp(stepUp, se)
	}
	if stepUp != nil {
		return stepUp
	}
	return nil
}

// mergeStepUp joins what two step-up errors ask for.
func mergeStepUp(a, b *StepUpError) *StepUpError {
	m := &StepUpError{ACRValues: slices.Clone(a.ACRValues), MaxAge: a.MaxAge, Description: a.Description}
	for _, v := range b.ACRValues {
		if !slices.Contains(m.ACRValues, v) {
			m.ACRValues = append(m.ACRValues, v)
		}
	}
	if b.MaxAge > 0 && (m.MaxAge == 0 || b.MaxAge < m.MaxAge) {
		m.MaxAge = b.MaxAge
	}
	if b.Description != "" && b.Description != m.Description {
		m.Description += "; " + b.Description
	}
	return m
}

// Exclusions is a set of request paths that a global middleware lets
// through without authentication (health checks, metrics). Build it with
// [NewExclusions]; it is immutable and safe for concurrent use.
//
// It fails closed: a path is excluded only when it is already in canonical
// form — no "." or ".." segment, no "//", no percent-encoding — and equals an
// exclusion exactly or starts with one that ends in "/". "/healthz/../admin",
// "//healthz", "/HEALTHZ" and "/health%7A" are never excluded, so a router
// that normalizes paths differently can never be steered past
// authentication; at worst such a request must authenticate.
type Exclusions struct {
	exact    map[string]struct{}
	prefixes []string
}

// NewExclusions returns the exclusions for paths. Each must be an absolute,
// canonical path ("/healthz"); one ending in "/" ("/public/") is a prefix and
// excludes every path below it. "/" alone is refused, since it would exclude
// everything.
func NewExclusions(paths ...string) (*Exclusions, error) {
	e := &Exclusions{exact: make(map[string]struct{}, len(paths))}
	for _, p := range paths {
		if !canonicalPath(p) {
			return nil, fmt.Errorf("%w: excluded path %q is not an absolute canonical path", ErrConfig, p)
		}
		if p == "/" {
			return nil, fmt.Errorf("%w: excluding \"/\" would exclude every path", ErrConfig)
		}
		if strings.HasSuffix(p, "/") {
			e.prefixes = append(e.prefixes, p)
		} else {
			e.exact[p] = struct{}{}
		}
	}
	return e, nil
}

// Match reports whether the request path p (as sent, the escaped form, e.g.
// a URL's EscapedPath or the raw request target without its query) is
// excluded from authentication. A nil *Exclusions excludes nothing.
func (e *Exclusions) Match(p string) bool {
	if e == nil || !canonicalPath(p) {
		return false
	}
	if _, ok := e.exact[p]; ok {
		return true
	}
	for _, pre := range e.prefixes {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

// canonicalPath reports whether p is absolute, free of percent-encoding,
// and unchanged by path.Clean (a trailing slash allowed).
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' || strings.ContainsAny(p, "%\\?#") {
		return false
	}
	c := path.Clean(p)
	return c == p || (strings.HasSuffix(p, "/") && c+"/" == p)
}

// RequestCredentials reads what the core needs from an [http.Request], for
// adapters over net/http's request type (net/http itself, Gin, Echo, the MCP
// SDK): every Authorization header; every value of the cookie and query
// parameter the Config names; the method, scheme, Host and path; and, when
// an issuer takes DPoP, the DPoP header and the forwarding headers. The core
// decides what they mean ([Authenticator.AuthenticateRequest]).
func (a *Authenticator) RequestCredentials(r *http.Request) Credentials {
	cr := Credentials{Authorization: r.Header["Authorization"]}
	if a.cookie != "" {
		for _, c := range r.CookiesNamed(a.cookie) {
			cr.Cookie = append(cr.Cookie, c.Value)
		}
	}
	if a.query != "" {
		cr.Query = r.URL.Query()[a.query]
	}
	cr.Method, cr.Host, cr.Path, cr.Scheme = r.Method, r.Host, r.URL.EscapedPath(), "http"
	if r.TLS != nil {
		cr.Scheme = "https"
	}
	if a.dpop != nil {
		cr.DPoP = r.Header["Dpop"]
		cr.Forwarded, cr.XForwardedProto, cr.XForwardedHost = r.Header["Forwarded"], r.Header["X-Forwarded-Proto"], r.Header["X-Forwarded-Host"]
	}
	return cr
}
