package conformance

import (
	"net/http"
)

// recordRule says whether Options.Statuses may record another status for a
// case, and which.
type recordRule int

const (
	// fixed: the status is a security decision; no record.
	fixed recordRule = iota
	// failureOnly: any non-2xx status may be recorded (bypass attempts).
	failureOnly
	// successOnly: another 2xx status may be recorded (allowed preflights).
	successOnly
	// anyStatus: any status may be recorded.
	anyStatus
)

// tcase is one row of the table.
type tcase struct {
	name   string
	why    string // the point of the case, for failure messages
	record recordRule
	req    request
	want   expect
	// before, when set, runs before the request and returns a check run
	// after it (counters of the unknown-issuer case).
	before func() func(*failures)
	// body, when set, checks the body of an answer at the default status
	// that is neither a handler's nor the core's problem document (the
	// resource metadata).
	body func(r *response, f *failures)
}

// request is what a case sends.
type request struct {
	method string
	path   string   // request target, sent byte for byte
	auth   []string // Authorization header values, one header line each
	origin string
	acrm   string   // Access-Control-Request-Method
	acrh   string   // Access-Control-Request-Headers
	dpop   []string // DPoP header values
}

func (r request) methodOrGet() string {
	if r.method == "" {
		return http.MethodGet
	}
	return r.method
}

// tokens returns the tokens the request carries, for the check that no
// answer echoes them.
func (r request) tokens() []string {
	var out []string
	for _, a := range r.auth {
		if _, tok, ok := cutScheme(a); ok && len(tok) >= 20 {
			out = append(out, tok)
		}
	}
	return out
}

// challengeKind is the WWW-Authenticate a case expects.
type challengeKind int

const (
	noChallenge    challengeKind = iota // no WWW-Authenticate at all
	realmChallenge                      // Bearer realm="conformance", no error attribute
	errorChallenge                      // Bearer realm="conformance", error="…"
)

// corsMode is the CORS answer a case expects.
type corsMode int

const (
	// corsNone: no Access-Control-Allow-Origin (no Origin sent, or an
	// origin the policy does not allow).
	corsNone corsMode = iota
	// corsActual: the answer to an allowed origin's actual request.
	corsActual
	// corsPreflight: a successful preflight.
	corsPreflight
	// corsRestricted: a preflight asking for something the policy does
	// not allow; whatever the framework answers, it does not grant it.
	corsRestricted
	// corsPublic: a public document readable from any origin, without
	// credentials: Access-Control-Allow-Origin "*" whatever the origin.
	corsPublic
)

// expect is the answer a case expects at its default status.
type expect struct {
	status int
	// route is the handler that answers a 2xx; "" for none.
	route string
	sub   string
	// code is the problem body's code of an answer of the core; "" when
	// the answer is not the core's (2xx, a framework's 404).
	code      string
	challenge challengeKind
	errorAttr string // with errorChallenge
	scope     string // the scope attribute, with insufficient_scope
	// acrValues and maxAge are the RFC 9470 attributes, with
	// insufficient_user_authentication.
	acrValues, maxAge string
	// dpopScheme: the error challenge is a DPoP one (RFC 9449 §7.1).
	dpopScheme bool
	// retryAfter: a Retry-After of whole seconds is required; otherwise
	// it is forbidden.
	retryAfter bool
	cors       corsMode
	// forbidHeader and forbidMethod must not be granted (corsRestricted).
	forbidHeader, forbidMethod string
}

// Expectations of the core's answers.
func ok(route, sub string) expect { return expect{status: 200, route: route, sub: sub} }

func missing() expect {
	return expect{status: 401, code: "token_missing", challenge: realmChallenge}
}

func invalid(code string) expect {
	return expect{status: 401, code: code, challenge: errorChallenge, errorAttr: "invalid_token"}
}

func badRequest() expect {
	return expect{status: 400, code: "invalid_request", challenge: errorChallenge, errorAttr: "invalid_request"}
}

func forbidden(scope string) expect {
	return expect{status: 403, code: "insufficient_scope", challenge: errorChallenge, errorAttr: "insufficient_scope", scope: scope}
}

func unavailable() expect {
	return expect{status: 503, code: "keys_unavailable", retryAfter: true}
}

func bearer(tok string) []string { return []string{"Bearer " + tok} }

// withCORS returns e expecting the CORS headers of an actual request from
// an allowed origin.
func withCORS(e expect) expect {
	e.cors = corsActual
	return e
}

// The origins the policy must refuse, each a classic matching mistake.
var disallowedOrigins = []struct{ name, origin string }{
	{"suffix", "https://app.example.com.evil.com"},    // the allowed origin as a prefix
	{"prefix", "https://evilapp.example.com"},         // the allowed host as a suffix
	{"scheme", "http://app.example.com"},              // http instead of https
	{"pattern-apex", "https://example.org"},           // "*." requires a label
	{"pattern-two-labels", "https://a.b.example.org"}, // "*" is one label
	{"null", "null"}, // sandboxed frames, file:, redirects
	{"pattern-suffix", "https://api.example.org.evil.com"},         // the pattern as a prefix
	{"unlisted", "https://evil.example.net"},                       // nothing like the policy
	{"userinfo-trick", "https://app.example.com@evil.example.net"}, // not an origin at all
}

// The request targets that must never reach a protected handler without a
// token: a router that normalizes paths differently from the exclusion
// check would otherwise be steered past authentication.
var bypassAttempts = []struct{ name, path string }{
	{"dot-dot", "/healthz/../api/admin"},
	{"double-slash", "//healthz"},
	{"uppercase", "/HEALTHZ"},
	{"encoded-slashes", "/healthz%2F..%2Fapi%2Fadmin"},
	{"encoded-letter", "/%68ealthz"},
	{"public-dot-dot", "/public/../api/admin"},
	{"public-encoded-dots", "/public/%2e%2e/api/admin"},
	{"optional-dot-dot", "/optional/../api/admin"},
	{"trailing-slash", "/healthz/"},
	{"semicolon", "/healthz;/../api/admin"},
	// The same tricks toward a route that only the global middleware
	// protects (no requirement of its own to catch the mistake).
	{"dot-dot-profile", "/healthz/../api/profile"},
	{"encoded-slashes-profile", "/healthz%2F..%2Fapi%2Fprofile"},
	{"public-encoded-dots-profile", "/public/%2e%2e/api/profile"},
	{"optional-dot-dot-profile", "/optional/../api/profile"},
}

// table returns the cases, in the order they run. The unknown-issuer case
// runs first, while nothing else can move issuer A's counters.
func (s *suite) table() []*tcase {
	t := s.tok
	cases := []*tcase{
		{name: "auth/unknown-issuer", why: "an unknown iss is rejected before any network I/O",
			req: request{path: "/api/profile", auth: bearer(t.unknownIssuer)}, want: invalid("issuer_invalid"),
			before: s.noFetch},
		{name: "auth/missing-token", req: request{path: "/api/profile"}, want: missing()},
		{name: "auth/malformed-token", req: request{path: "/api/profile", auth: bearer("not-a-jwt")}, want: invalid("token_malformed")},
		{name: "auth/expired", req: request{path: "/api/profile", auth: bearer(t.expired)}, want: invalid("token_expired")},
		{name: "auth/wrong-audience", req: request{path: "/api/profile", auth: bearer(t.audience)}, want: invalid("audience_invalid")},
		{name: "auth/bad-signature", req: request{path: "/api/profile", auth: bearer(t.badSignature)}, want: invalid("signature_invalid")},
		{name: "auth/unknown-kid", req: request{path: "/api/profile", auth: bearer(t.unknownKID)}, want: invalid("key_not_found")},
		{name: "auth/alg-none", req: request{path: "/api/profile", auth: bearer(t.algNone)}, want: invalid("algorithm_not_allowed")},
		{name: "auth/hs256-public-key", why: "HMAC keyed with the public key must never verify",
			req: request{path: "/api/profile", auth: bearer(t.hs256)}, want: invalid("algorithm_not_allowed")},
		{name: "auth/two-authorization-headers", why: "every Authorization line reaches the core",
			req: request{path: "/api/profile", auth: []string{"Bearer " + t.rs256, "Bearer " + t.admin}}, want: badRequest()},
		{name: "auth/bearer-without-token", why: "a present but empty credential is a malformed token: 401, so the client refreshes it",
			req: request{path: "/api/profile", auth: []string{"Bearer"}}, want: invalid("token_malformed")},
		{name: "auth/outside-token68", why: "a token with characters outside token68 is malformed: 401, not 400",
			req: request{path: "/api/profile", auth: []string{"Bearer abc def"}}, want: invalid("token_malformed")},
		{name: "auth/padded-base64", why: "padded base64url is malformed (RFC 7515 §2): 401",
			req: request{path: "/api/profile", auth: bearer(t.padded)}, want: invalid("token_malformed")},
		{name: "auth/standard-base64", why: "the standard base64 alphabet is malformed: 401",
			req: request{path: "/api/profile", auth: bearer(t.standardB64)}, want: invalid("token_malformed")},
		{name: "auth/wrong-segment-count", why: "two segments are malformed: 401",
			req: request{path: "/api/profile", auth: []string{"Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"}}, want: invalid("token_malformed")},
		{name: "auth/basic-scheme", why: "another scheme is no bearer token",
			req: request{path: "/api/profile", auth: []string{"Basic dXNlcjpwYXNzd29yZA=="}}, want: missing()},
		{name: "auth/lowercase-bearer", why: "the scheme is case-insensitive",
			req: request{path: "/api/profile", auth: []string{"bearer " + t.lowercase}}, want: ok("profile", subLowercase)},
		{name: "auth/valid-rs256", req: request{path: "/api/profile", auth: bearer(t.rs256)}, want: ok("profile", subRS256)},
		{name: "auth/valid-es256", req: request{path: "/api/profile", auth: bearer(t.es256)}, want: ok("profile", subES256)},
		{name: "auth/large-token", why: "a 6 KiB token (many groups) is accepted", record: anyStatus,
			req: request{path: "/api/profile", auth: bearer(t.large)}, want: ok("profile", subLarge)},
		{name: "auth/keys-unavailable", why: "issuer B's keys cannot be fetched",
			req: request{path: "/api/profile", auth: bearer(t.issuerB)}, want: unavailable()},

		{name: "scopes/reports-read-granted", req: request{path: "/api/reports", auth: bearer(t.read)}, want: ok("reports-read", subRead)},
		{name: "scopes/reports-write-missing", req: request{method: "POST", path: "/api/reports", auth: bearer(t.read)}, want: forbidden("reports:write")},
		{name: "scopes/reports-write-granted", req: request{method: "POST", path: "/api/reports", auth: bearer(t.write)},
			want: expect{status: 201, route: "reports-write", sub: subWrite}},
		{name: "scopes/admin-missing", req: request{path: "/api/admin", auth: bearer(t.write)}, want: forbidden("admin")},
		{name: "scopes/admin-granted", req: request{path: "/api/admin", auth: bearer(t.admin)}, want: ok("admin", subAdmin)},
		{name: "scopes/invalid-token-before-scopes", why: "authentication fails before the requirement is checked",
			req: request{path: "/api/admin", auth: bearer(t.expired)}, want: invalid("token_expired")},

		{name: "optional/anonymous", req: request{path: "/optional/whoami"}, want: ok("whoami", "")},
		{name: "optional/basic-scheme", why: "another scheme is no token: anonymous",
			req: request{path: "/optional/whoami", auth: []string{"Basic dXNlcjpwYXNzd29yZA=="}}, want: ok("whoami", "")},
		{name: "optional/valid", req: request{path: "/optional/whoami", auth: bearer(t.optional)}, want: ok("whoami", subOptional)},
		{name: "optional/invalid", why: "a token that is present must be valid",
			req: request{path: "/optional/whoami", auth: bearer(t.expired)}, want: invalid("token_expired")},
		{name: "optional/malformed-token", why: "a present but malformed token is rejected on an optional route too",
			req: request{path: "/optional/whoami", auth: []string{"Bearer"}}, want: invalid("token_malformed")},
		{name: "optional/two-authorization-headers", req: request{path: "/optional/whoami", auth: []string{"Bearer " + t.rs256, "Bearer " + t.rs256}}, want: badRequest()},
		{name: "optional/keys-unavailable", req: request{path: "/optional/whoami", auth: bearer(t.issuerB)}, want: unavailable()},

		{name: "excluded/exact", req: request{path: "/healthz"}, want: ok("healthz", "")},
		{name: "excluded/prefix", req: request{path: "/public/info"}, want: ok("public", "")},
		{name: "excluded/ignores-credentials", why: "an excluded path is not authenticated at all",
			req: request{path: "/healthz", auth: bearer(t.expired)}, want: ok("healthz", "")},

		{name: "routing/unknown-path-anonymous", why: "the global middleware sees every path, unknown ones too",
			req: request{path: "/no-such-route"}, want: missing()},
		{name: "routing/unknown-path-authenticated", req: request{path: "/no-such-route", auth: bearer(t.rs256)}, want: expect{status: 404}},
	}

	for _, b := range bypassAttempts {
		cases = append(cases, &tcase{
			name: "bypass/" + b.name, why: "no protected handler may run without a token", record: failureOnly,
			req: request{path: b.path}, want: missing(),
		})
	}

	preflight := func(path, method, headers, origin string) request {
		return request{method: http.MethodOptions, path: path, origin: origin, acrm: method, acrh: headers}
	}
	cases = append(cases,
		&tcase{name: "cors/preflight", why: "a preflight needs no token", record: successOnly,
			req:  preflight("/api/profile", "GET", "authorization", AllowedOrigin),
			want: expect{status: 204, cors: corsPreflight}},
		&tcase{name: "cors/preflight-pattern-origin", record: successOnly,
			req:  preflight("/api/reports", "POST", "authorization,content-type,x-request-id", "https://api.example.org"),
			want: expect{status: 204, cors: corsPreflight}},
		&tcase{name: "cors/preflight-unlisted-header", why: "allowed headers are a list, never the request echoed", record: anyStatus,
			req:  preflight("/api/profile", "GET", "authorization,x-evil", AllowedOrigin),
			want: expect{status: 204, cors: corsRestricted, forbidHeader: "X-Evil"}},
		&tcase{name: "cors/preflight-unlisted-method", record: anyStatus,
			req:  preflight("/api/profile", "PROPFIND", "authorization", AllowedOrigin),
			want: expect{status: 204, cors: corsRestricted, forbidMethod: "PROPFIND"}},
		&tcase{name: "cors/actual", req: request{path: "/api/profile", auth: bearer(t.rs256), origin: AllowedOrigin},
			want: withCORS(ok("profile", subRS256))},
		&tcase{name: "cors/actual-pattern-origin", req: request{path: "/api/profile", auth: bearer(t.rs256), origin: "https://api.example.org"},
			want: withCORS(ok("profile", subRS256))},
		&tcase{name: "cors/excluded", req: request{path: "/healthz", origin: AllowedOrigin}, want: withCORS(ok("healthz", ""))},
		&tcase{name: "cors/400", req: request{path: "/api/profile", auth: []string{"Bearer " + t.rs256, "Bearer " + t.rs256}, origin: AllowedOrigin},
			want: withCORS(badRequest())},
		&tcase{name: "cors/401", why: "a script must be able to read why it was refused",
			req: request{path: "/api/profile", origin: AllowedOrigin}, want: withCORS(missing())},
		&tcase{name: "cors/401-invalid-token", req: request{path: "/api/profile", auth: bearer(t.badSignature), origin: "https://api.example.org"},
			want: withCORS(invalid("signature_invalid"))},
		&tcase{name: "cors/403", req: request{path: "/api/admin", auth: bearer(t.read), origin: AllowedOrigin}, want: withCORS(forbidden("admin"))},
		&tcase{name: "cors/503", req: request{path: "/api/profile", auth: bearer(t.issuerB), origin: AllowedOrigin}, want: withCORS(unavailable())},
		&tcase{name: "cors/404", why: "CORS is installed above routing",
			req: request{path: "/no-such-route", auth: bearer(t.rs256), origin: AllowedOrigin}, want: withCORS(expect{status: 404})},
	)
	cases = append(cases, s.resourceCases()...)
	cases = append(cases, s.dpopCases()...)
	for _, o := range disallowedOrigins {
		cases = append(cases,
			&tcase{name: "cors/disallowed/" + o.name, why: "an origin the policy does not allow gets no CORS headers", record: anyStatus,
				req: request{path: "/healthz", origin: o.origin}, want: ok("healthz", "")},
			&tcase{name: "cors/preflight-disallowed/" + o.name, why: "an origin the policy does not allow gets no CORS headers", record: anyStatus,
				req: preflight("/api/profile", "GET", "authorization", o.origin), want: expect{status: 204}},
		)
	}
	return cases
}

// noFetch snapshots the request counters of issuers A and C and returns
// the check that no request reached them: an unknown iss must be rejected
// before any network I/O (no fetch on attacker input).
func (s *suite) noFetch() func(*failures) {
	aDisc, aKeys := s.a.DiscoveryRequests(), s.a.JWKSRequests()
	cDisc, cKeys := s.c.DiscoveryRequests(), s.c.JWKSRequests()
	return func(f *failures) {
		// A fetch of the attacker's URL might start in the background:
		// watch issuer C for a little while (returns at its first request).
		if s.c.WaitDiscoveryRequests(cDisc+1, unknownIssuerWait) || s.c.JWKSRequests() != cKeys {
			f.add("the token's unknown issuer %s was fetched (discovery %d → %d, JWKS %d → %d requests)",
				s.c.URL(), cDisc, s.c.DiscoveryRequests(), cKeys, s.c.JWKSRequests())
		}
		if d, k := s.a.DiscoveryRequests(), s.a.JWKSRequests(); d != aDisc || k != aKeys {
			f.add("issuer A was fetched for a token of an unknown issuer (discovery %d → %d, JWKS %d → %d requests)", aDisc, d, aKeys, k)
		}
	}
}
