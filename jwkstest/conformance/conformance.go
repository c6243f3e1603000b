package conformance

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/cors"
)

// The fixed values of the suite's configuration, for adapters' own tests
// and failure messages.
const (
	// Realm is the realm of the suite's [jwksauth.Authenticator]: every
	// challenge reads Bearer realm="conformance".
	Realm = "conformance"
	// Audience is the audience the suite's issuers mint for and the
	// Authenticator accepts.
	Audience = "api://conformance"
	// RouteHeader is the response header in which every handler of the
	// routes contract names itself, so that the suite can prove which
	// handler ran (and that none did).
	RouteHeader = "X-Route"
	// AllowedOrigin is the exact origin of the suite's CORS policy.
	AllowedOrigin = "https://app.example.com"
	// AllowedOriginPattern is the wildcard origin of the suite's CORS
	// policy; "https://api.example.org" matches it, "https://example.org"
	// and "https://a.b.example.org" do not.
	AllowedOriginPattern = "https://*.example.org"
	// ExtraAllowedHeader is the request header the policy allows besides
	// Authorization and Content-Type.
	ExtraAllowedHeader = "X-Request-Id"
	// ExtraExposedHeader is the response header the policy exposes besides
	// WWW-Authenticate and Retry-After.
	ExtraExposedHeader = "X-Trace-Id"
	// Resource is the resource identifier of the suite's Authenticator
	// (RFC 9728): its global middleware serves the metadata document at
	// [ResourceMetadataPath], and every challenge names
	// [ResourceMetadataURL].
	Resource = "https://api.conformance.example/"
	// ResourceMetadataPath is where the metadata document is served.
	ResourceMetadataPath = "/.well-known/oauth-protected-resource"
	// ResourceMetadataURL is the resource_metadata attribute of every
	// challenge.
	ResourceMetadataURL = "https://api.conformance.example/.well-known/oauth-protected-resource"
	// DPoPAlgs is the algs attribute of the suite's DPoP challenges: its
	// issuer D requires DPoP-bound tokens (RFC 9449), with ES256 or EdDSA
	// proofs.
	DPoPAlgs = "ES256 EdDSA"
	// StepUpACR is the acr value the "admin-step-up" route requires (RFC
	// 9470).
	StepUpACR = "phrh"
)

// Setup is what the suite hands an adapter's [Mount]: build the
// application from it and nothing else. Every adapter gets an identical
// Setup, so every difference the suite sees comes from the adapter.
type Setup struct {
	// Auth is the authenticator built by the suite: issuer A (healthy,
	// RS256 and ES256 keys, audience [Audience]) and issuer B (its
	// discovery and key set refuse connections, so its tokens are answered
	// 503 with Retry-After), under realm [Realm]. The suite closes it when
	// the test ends; the adapter must not.
	Auth *jwksauth.Authenticator
	// CORS is the policy to install at the top level (engine, app, outer
	// handler), outside authentication, so that preflights, 404s and
	// error answers all see it: exact origin [AllowedOrigin], pattern
	// [AllowedOriginPattern], credentials allowed, [ExtraAllowedHeader]
	// allowed, [ExtraExposedHeader] exposed, max age one hour, default
	// methods.
	CORS cors.Policy
	// Exclusions are the paths the global middleware must skip, for
	// [jwksauth.NewExclusions]: "/healthz" (exact), "/public/" and
	// "/optional/" (prefixes).
	Exclusions []string
}

// Mount builds the adapter's application from s (the routes of [Routes],
// the global middleware, CORS), serves it on a loopback listener (for
// example with [net/http/httptest.NewServer], or the framework's own
// listener), and returns its base URL, "http://127.0.0.1:PORT" without a
// trailing slash. It registers the server's shutdown with t.Cleanup, and
// fails t (t.Fatal) if it cannot start.
type Mount func(t *testing.T, s *Setup) string

// Options are an adapter's recorded, harmless differences from the
// strictest expectation, and how to name it. The zero Options expect the
// strictest behaviour everywhere.
type Options struct {
	// Framework names the adapter in failure messages ("gin", "echo").
	// Default: none.
	Framework string

	// Statuses records, by case name or by group (a prefix of case names
	// ending before a "/": "bypass", "cors/disallowed"), the other statuses
	// this adapter's framework answers for a case instead of its default.
	// The most specific key applies. Only the cases marked recordable in
	// the package documentation accept a record: who is authenticated,
	// which 400/401/403/503 answer a request gets, and which origins get
	// CORS headers are the same in every adapter and can't be recorded.
	// A recorded status never accepts a 2xx where a case forbids success
	// (a bypass attempt can be 301, 400 or 404, never 200), and under a
	// recorded status the routing and CORS checks still apply; only the
	// status and the core's answer (problem body, challenge) are waived.
	//
	// Every record must be observed at least once: a key whose statuses no
	// case answered fails the run, so that records cannot go stale.
	// Invalid keys and statuses fail the run before any request.
	//
	// For example, gin-contrib/cors answers 403 to a request from an origin
	// it does not allow: Statuses{"cors/disallowed": {403},
	// "cors/preflight-disallowed": {403}}. Fiber's default 4 KiB read
	// buffer answers 431 to the large token: Statuses{"auth/large-token":
	// {431}}. Default: none.
	Statuses map[string][]int
}

// Guard says how a route of the contract is protected.
type Guard int

const (
	// Global routes are protected by the global middleware only.
	Global Guard = iota
	// Excluded routes are skipped by the global middleware (they are under
	// [Setup.Exclusions]) and have no middleware of their own.
	Excluded
	// Optional routes are skipped by the global middleware and carry the
	// adapter's per-route optional authentication: anonymous without a
	// token, authenticated with a valid one, rejected with an invalid one.
	Optional
)

// String returns "global", "excluded" or "optional".
func (g Guard) String() string {
	switch g {
	case Global:
		return "global"
	case Excluded:
		return "excluded"
	case Optional:
		return "optional"
	}
	return fmt.Sprintf("Guard(%d)", int(g))
}

// Route is one route of the routes contract (see the package
// documentation).
type Route struct {
	// Name is the handler's name, sent in [RouteHeader] and the body.
	Name string
	// Method and Path are what the adapter mounts. A router may mount a
	// prefix route instead of "/public/info" ("/public/*"), nothing else.
	Method, Path string
	// Status is the handler's status: 200, or 201 for "reports-write".
	Status int
	// Guard is how the route is protected.
	Guard Guard
	// Scope, when not empty, is the route's requirement:
	// Require(jwksauth.Scopes(Scope)) in the adapter's API, after the global
	// middleware.
	Scope string
	// ACR, when not empty, is the route's step-up requirement too:
	// jwksauth.ACR(ACR...). Mount [Route.Requirements] rather than Scope
	// and ACR one by one.
	ACR []string
}

// Requirements returns the route's requirements, for the adapter's
// Require: the Scope and ACR requirements, or none.
func (r Route) Requirements() []jwksauth.Requirement {
	var reqs []jwksauth.Requirement
	if r.Scope != "" {
		reqs = append(reqs, jwksauth.Scopes(r.Scope))
	}
	if len(r.ACR) > 0 {
		reqs = append(reqs, jwksauth.ACR(r.ACR...))
	}
	return reqs
}

// routes is the contract; Routes returns a copy.
var routes = []Route{
	{Name: "healthz", Method: "GET", Path: "/healthz", Status: 200, Guard: Excluded},
	{Name: "public", Method: "GET", Path: "/public/info", Status: 200, Guard: Excluded},
	{Name: "profile", Method: "GET", Path: "/api/profile", Status: 200, Guard: Global},
	{Name: "reports-read", Method: "GET", Path: "/api/reports", Status: 200, Guard: Global, Scope: "reports:read"},
	{Name: "reports-write", Method: "POST", Path: "/api/reports", Status: 201, Guard: Global, Scope: "reports:write"},
	{Name: "admin", Method: "GET", Path: "/api/admin", Status: 200, Guard: Global, Scope: "admin"},
	{Name: "admin-step-up", Method: "GET", Path: "/api/step-up", Status: 200, Guard: Global, Scope: "admin", ACR: []string{StepUpACR}},
	{Name: "whoami", Method: "GET", Path: "/optional/whoami", Status: 200, Guard: Optional},
}

// Routes returns the routes every adapter mounts, in the order of the
// package documentation. An adapter's test may loop over them to mount
// its application, so that it cannot drift from the contract.
func Routes() []Route { return slices.Clone(routes) }

// protected reports whether name is a route that needs a token.
func protected(name string) bool {
	for _, r := range routes {
		if r.Name == name {
			return r.Guard == Global
		}
	}
	return false
}

// Body returns the body every handler of the contract writes, with
// Content-Type application/json: {"route":"<route>","sub":"<sub>"}, where
// sub is the verified claims' subject, or "" when the request is
// anonymous.
func Body(route, sub string) []byte {
	b, _ := json.Marshal(struct { // cannot fail: strings only
		Route string `json:"route"`
		Sub   string `json:"sub"`
	}{route, sub})
	return b
}

// Run runs the conformance table against the application mount builds,
// one subtest per case, named as in the package documentation. It builds
// the issuers and the [jwksauth.Authenticator] itself, so that every
// adapter sees the identical configuration, and fails t if opts are
// invalid or if a recorded difference was never observed. Cases run one
// after the other; the whole table takes well under a second.
func Run(t *testing.T, mount Mount, opts Options) {
	t.Helper()
	s := newSuite(t, mount, opts)
	for _, c := range s.cases {
		t.Run(c.name, func(t *testing.T) {
			for _, msg := range s.run(c) {
				t.Error(msg)
			}
		})
	}
	for _, msg := range s.unusedRecords() {
		t.Error(msg)
	}
}

// validate checks o against the cases and returns the recorded statuses
// resolved per case.
func (o Options) validate(cases []*tcase) (map[string]record, error) {
	var errs []string
	for _, key := range sortedKeys(o.Statuses) {
		statuses := o.Statuses[key]
		var covered []*tcase
		for _, c := range cases {
			if c.name == key || strings.HasPrefix(c.name, key+"/") {
				covered = append(covered, c)
			}
		}
		if len(covered) == 0 {
			errs = append(errs, fmt.Sprintf("Options.Statuses[%q] names no case or group", key))
			continue
		}
		if len(statuses) == 0 {
			errs = append(errs, fmt.Sprintf("Options.Statuses[%q] is empty", key))
		}
		for _, c := range covered {
			if c.record == fixed {
				errs = append(errs, fmt.Sprintf("Options.Statuses[%q] covers %q, whose status is a security decision shared by every adapter: it cannot be recorded", key, c.name))
				continue
			}
			for _, st := range statuses {
				switch {
				case st < 100 || st > 599:
					errs = append(errs, fmt.Sprintf("Options.Statuses[%q]: %d is not an HTTP status", key, st))
				case c.record == failureOnly && success(st):
					errs = append(errs, fmt.Sprintf("Options.Statuses[%q]: %q must never succeed; %d cannot be recorded", key, c.name, st))
				case c.record == successOnly && !success(st):
					errs = append(errs, fmt.Sprintf("Options.Statuses[%q]: %q must succeed (a browser drops a preflight that fails); %d cannot be recorded", key, c.name, st))
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid Options:\n\t%s", strings.Join(slices.Compact(errs), "\n\t"))
	}
	// Resolve the most specific key per case.
	out := map[string]record{}
	for _, c := range cases {
		best := ""
		for key := range o.Statuses {
			if (c.name == key || strings.HasPrefix(c.name, key+"/")) && len(key) > len(best) {
				best = key
			}
		}
		if best != "" {
			out[c.name] = record{key: best, statuses: o.Statuses[best]}
		}
	}
	return out, nil
}

// record is the recorded statuses that apply to a case, and their key.
type record struct {
	key      string
	statuses []int
}

// success reports whether status is 2xx.
func success(status int) bool { return status >= 200 && status < 300 }

// checkBase validates the base URL a Mount returned.
func checkBase(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("Mount returned %q: %w", base, err)
	}
	if u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("Mount returned %q: want http://127.0.0.1:PORT", base)
	}
	return u.Host, nil
}
