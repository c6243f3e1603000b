package conformance_test

import (
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/jwkstest/conformance"
)

// flaws are deliberate mistakes a mount can make, each one a bug seen in
// real middleware; the zero value is the reference adapter.
type flaws struct {
	// prefixExclusion skips authentication for any path that starts with
	// an exclusion, compared on the decoded path, and routes on the
	// cleaned path.
	prefixExclusion bool
	// echoHeaders answers a preflight with the requested headers.
	echoHeaders bool
	// anyOrigin reflects every origin into Access-Control-Allow-Origin.
	anyOrigin bool
	// corsInsideAuth installs CORS below authentication.
	corsInsideAuth bool
	// firstHeaderOnly hands the core only the first Authorization header.
	firstHeaderOnly bool
	// optionalSwallows treats an invalid token on an optional route as
	// anonymous.
	optionalSwallows bool
	// leaky writes the error answer and then calls the handler anyway.
	leaky bool
	// rejectOrigins answers 403 to any request from an origin the policy
	// does not allow, as gin-contrib/cors does: a harmless difference.
	rejectOrigins bool
	// smallHeaders refuses header lines over 4 KiB with 431, as Fiber's
	// default read buffer does: a harmless difference.
	smallHeaders bool
	// noDPoP does not hand the core the DPoP header.
	noDPoP bool
}

// mount returns a Mount of the reference adapter on net/http, with flaws.
// It is what an adapter does, by hand: CORS with cors.Compiled at the top,
// the global middleware with Exclusions, per-route Require and Optional,
// the core's answers through jwksauth.WriteError.
func mount(fl flaws) conformance.Mount {
	return func(t *testing.T, s *conformance.Setup) string {
		t.Helper()
		policy, err := cors.New(s.CORS)
		if err != nil {
			t.Fatalf("cors.New: %v", err)
		}
		ex, err := jwksauth.NewExclusions(s.Exclusions...)
		if err != nil {
			t.Fatalf("NewExclusions: %v", err)
		}
		mux := http.NewServeMux()
		for _, rt := range conformance.Routes() {
			var h http.Handler = handler(rt)
			if reqs := rt.Requirements(); len(reqs) > 0 {
				h = require(s.Auth, reqs, h)
			}
			if rt.Guard == conformance.Optional {
				h = optional(s.Auth, fl, h)
			}
			mux.Handle(rt.Method+" "+rt.Path, h)
		}
		var router http.Handler = mux
		if fl.prefixExclusion {
			router = cleanPath(mux)
		}
		var app http.Handler
		if fl.corsInsideAuth {
			app = middleware(s.Auth, ex, s.Exclusions, fl, withCORS(policy, fl, router))
		} else {
			app = withCORS(policy, fl, middleware(s.Auth, ex, s.Exclusions, fl, router))
		}
		if fl.smallHeaders {
			app = smallHeaders(app)
		}
		srv := httptest.NewUnstartedServer(app)
		if fl.leaky {
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // superfluous WriteHeader calls
		}
		srv.Start()
		t.Cleanup(srv.Close)
		return srv.URL
	}
}

// smallHeaders answers 431 to a request with a header line over 4 KiB
// before anything else runs, as Fiber's default read buffer does.
func smallHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name, values := range r.Header {
			for _, v := range values {
				if len(name)+len(v) > 4<<10 {
					w.WriteHeader(http.StatusRequestHeaderFieldsTooLarge)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// withCORS answers preflights and adds CORS headers to every other answer,
// from the compiled policy.
func withCORS(p *cors.Compiled, fl flaws, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		origin := r.Header.Get("Origin")
		allowed := origin != "" && (p.AllowOrigin(origin) || fl.anyOrigin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
			if !allowed && fl.rejectOrigins {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			if allowed {
				h.Set("Access-Control-Allow-Origin", origin)
				if p.AllowCredentials() {
					h.Set("Access-Control-Allow-Credentials", "true")
				}
				h.Set("Access-Control-Allow-Methods", strings.Join(p.Methods(), ", "))
				allowHeaders := strings.Join(p.Headers(), ", ")
				if fl.echoHeaders {
					allowHeaders = r.Header.Get("Access-Control-Request-Headers")
				}
				h.Set("Access-Control-Allow-Headers", allowHeaders)
				h.Set("Access-Control-Max-Age", strconv.Itoa(p.MaxAgeSeconds()))
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Add("Vary", "Origin")
		if origin != "" && !allowed && fl.rejectOrigins {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			if p.AllowCredentials() {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			h.Set("Access-Control-Expose-Headers", strings.Join(p.ExposedHeaders(), ", "))
		}
		next.ServeHTTP(w, r)
	})
}

// credentials reads what the core needs from the request.
func credentials(r *http.Request, fl flaws) jwksauth.Credentials {
	var cr jwksauth.Credentials
	if fl.firstHeaderOnly {
		if v := r.Header.Get("Authorization"); v != "" {
			cr.Authorization = []string{v}
		}
	} else {
		cr.Authorization = r.Header.Values("Authorization")
	}
	if !fl.noDPoP {
		cr.DPoP = r.Header.Values("DPoP")
	}
	cr.Method, cr.Scheme, cr.Host, cr.Path = r.Method, "http", r.Host, r.URL.EscapedPath()
	return cr
}

// middleware is the global middleware: authentication everywhere but the
// exclusions.
func middleware(a *jwksauth.Authenticator, ex *jwksauth.Exclusions, exclusions []string, fl flaws, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if excluded(ex, exclusions, fl, r) {
			next.ServeHTTP(w, r)
			return
		}
		if r.URL.EscapedPath() == a.ResourceMetadataPath() {
			a.ResourceMetadataHandler().ServeHTTP(w, r)
			return
		}
		c, err := a.AuthenticateRequest(r.Context(), credentials(r, fl), false)
		if err != nil {
			a.WriteError(w, err)
			if !fl.leaky {
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(jwksauth.WithClaims(r.Context(), c)))
	})
}

func excluded(ex *jwksauth.Exclusions, exclusions []string, fl flaws, r *http.Request) bool {
	if !fl.prefixExclusion {
		return ex.Match(r.URL.EscapedPath())
	}
	for _, e := range exclusions {
		if strings.HasPrefix(r.URL.Path, strings.TrimSuffix(e, "/")) {
			return true
		}
	}
	return false
}

// cleanPath routes on the cleaned, decoded path, as routers that
// "normalize" requests do.
func cleanPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = path.Clean(strings.ReplaceAll(r.URL.Path, ";", "/"))
		r2.URL.RawPath = ""
		next.ServeHTTP(w, r2)
	})
}

// require checks a route's requirements against the stored claims.
func require(a *jwksauth.Authenticator, reqs []jwksauth.Requirement, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwksauth.ClaimsFromContext(r.Context())
		if err := a.Check(c, reqs...); err != nil {
			a.WriteError(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// optional authenticates when a token is present.
func optional(a *jwksauth.Authenticator, fl flaws, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.AuthenticateRequest(r.Context(), credentials(r, fl), true)
		if err != nil && !fl.optionalSwallows {
			a.WriteError(w, err)
			return
		}
		ctx := r.Context()
		if err == nil && c != nil {
			ctx = jwksauth.WithClaims(ctx, c)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// handler is a route's handler of the contract.
func handler(rt conformance.Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub := ""
		if c, ok := jwksauth.ClaimsFromContext(r.Context()); ok {
			sub = c.Subject
		}
		w.Header().Set(conformance.RouteHeader, rt.Name)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rt.Status)
		_, _ = w.Write(conformance.Body(rt.Name, sub))
	})
}

// TestReference runs the suite against the reference adapter: it passes
// with no recorded difference.
func TestReference(t *testing.T) {
	conformance.Run(t, mount(flaws{}), conformance.Options{Framework: "reference"})
}

// TestRecordedDifferences shows that harmless differences pass once
// recorded, and only then.
func TestRecordedDifferences(t *testing.T) {
	fl := flaws{rejectOrigins: true, smallHeaders: true}
	t.Run("unrecorded", func(t *testing.T) {
		got := conformance.Failures(t, mount(fl), conformance.Options{})
		want := withPrefix("cors/disallowed/", "cors/preflight-disallowed/")
		want = append(want, "auth/large-token")
		assertFailed(t, got, want)
	})
	t.Run("recorded", func(t *testing.T) {
		got := conformance.Failures(t, mount(fl), conformance.Options{Statuses: map[string][]int{
			"cors/disallowed":           {403},
			"cors/preflight-disallowed": {403},
			"auth/large-token":          {431},
		}})
		assertFailed(t, got, nil)
	})
	t.Run("stale record", func(t *testing.T) {
		got := conformance.Failures(t, mount(flaws{}), conformance.Options{Statuses: map[string][]int{"bypass": {404}}})
		assertFailed(t, got, []string{"options"})
		if !strings.Contains(strings.Join(got["options"], "\n"), `Options.Statuses["bypass"] = [404] was never observed`) {
			t.Errorf("options failure %q does not name the stale record", got["options"])
		}
	})
}

// TestBrokenAdapters proves that the suite fails each deliberate mistake,
// in exactly the cases that show it.
func TestBrokenAdapters(t *testing.T) {
	tests := []struct {
		name  string
		flaws flaws
		want  []string // the failing cases, exactly
		says  map[string]string
		// ignore are case groups whose outcome the test leaves open.
		ignore string
	}{
		{
			name:  "prefix exclusion with a normalizing router",
			flaws: flaws{prefixExclusion: true},
			// /api/admin keeps its Require, which refuses a request
			// without claims; /api/profile has only the global middleware.
			want: []string{
				"bypass/encoded-letter", "bypass/trailing-slash", "bypass/dot-dot-profile",
				"bypass/encoded-slashes-profile", "bypass/public-encoded-dots-profile", "bypass/optional-dot-dot-profile",
			},
			says: map[string]string{
				"bypass/dot-dot-profile": `a PROTECTED handler ran: X-Route ["profile"] answered 200`,
				"bypass/encoded-letter":  `a handler ran: X-Route ["healthz"] answered 200`,
			},
		},
		{
			name:  "requested headers echoed",
			flaws: flaws{echoHeaders: true},
			want:  []string{"cors/preflight-unlisted-header"},
			says:  map[string]string{"cors/preflight-unlisted-header": "grants X-Evil"},
		},
		{
			name:  "every origin reflected",
			flaws: flaws{anyOrigin: true},
			want:  withPrefix("cors/disallowed/", "cors/preflight-disallowed/"),
			says:  map[string]string{"cors/disallowed/suffix": `for origin "https://app.example.com.evil.com", which the policy does not allow`},
		},
		{
			name:  "CORS below authentication",
			flaws: flaws{corsInsideAuth: true},
			want: append([]string{
				"cors/preflight", "cors/preflight-pattern-origin", "cors/preflight-unlisted-header", "cors/preflight-unlisted-method",
				"cors/400", "cors/401", "cors/401-invalid-token", "cors/503",
			}, withPrefix("cors/preflight-disallowed/")...),
			says: map[string]string{"cors/401": "Access-Control-Allow-Origin [], want exactly"},
		},
		{
			name:  "only the first Authorization header",
			flaws: flaws{firstHeaderOnly: true},
			want:  []string{"auth/two-authorization-headers", "optional/two-authorization-headers", "cors/400"},
			says:  map[string]string{"auth/two-authorization-headers": "status 200, want 400"},
		},
		{
			name:  "DPoP header not handed to the core",
			flaws: flaws{noDPoP: true},
			want:  []string{"dpop/valid", "dpop/query-ignored", "dpop/jkt", "dpop/replay-first"},
			says:  map[string]string{"dpop/valid": "status 401, want 200"},
		},
		{
			name:  "optional route swallows invalid tokens",
			flaws: flaws{optionalSwallows: true},
			want:  []string{"optional/invalid", "optional/malformed-token", "optional/two-authorization-headers", "optional/keys-unavailable"},
			says:  map[string]string{"optional/invalid": "status 200, want 401"},
		},
		{
			name:  "handler runs after the error answer",
			flaws: flaws{leaky: true},
			want: []string{
				"auth/unknown-issuer", "auth/missing-token", "auth/malformed-token", "auth/expired", "auth/wrong-audience",
				"auth/bad-signature", "auth/unknown-kid", "auth/alg-none", "auth/hs256-public-key",
				"auth/two-authorization-headers", "auth/bearer-without-token", "auth/outside-token68", "auth/padded-base64",
				"auth/standard-base64", "auth/wrong-segment-count", "auth/basic-scheme", "auth/keys-unavailable",
				"scopes/invalid-token-before-scopes", "routing/unknown-path-anonymous",
				"cors/400", "cors/401", "cors/401-invalid-token", "cors/503",
				"dpop/bearer-scheme", "dpop/unbound-token", "dpop/no-proof", "dpop/two-proofs", "dpop/typ", "dpop/alg",
				"dpop/signature", "dpop/private-jwk", "dpop/htm", "dpop/htu", "dpop/iat", "dpop/ath", "dpop/jkt",
				"dpop/missing-jti", "dpop/replay",
			},
			says: map[string]string{"auth/missing-token": "is not one problem document"},
			// Whether ServeMux appends something after the refusal
			// (a 404 body) or not (a redirect after a Content-Type) varies.
			ignore: "bypass/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := conformance.Failures(t, mount(tt.flaws), conformance.Options{})
			if tt.ignore != "" {
				maps.DeleteFunc(got, func(name string, _ []string) bool { return strings.HasPrefix(name, tt.ignore) })
			}
			assertFailed(t, got, tt.want)
			for name, fragment := range tt.says {
				if msgs := strings.Join(got[name], "\n"); !strings.Contains(msgs, fragment) {
					t.Errorf("%s: failures %q, want one saying %q", name, msgs, fragment)
				}
			}
		})
	}
}

// TestRunReportsFailures runs Run itself, in a child process, against a
// broken adapter, and checks that the test fails in the cases that show
// the mistake.
func TestRunReportsFailures(t *testing.T) {
	if os.Getenv("CONFORMANCE_BROKEN_CHILD") == "1" {
		conformance.Run(t, mount(flaws{prefixExclusion: true}), conformance.Options{Framework: "broken"})
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunReportsFailures$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "CONFORMANCE_BROKEN_CHILD=1")
	out, err := cmd.CombinedOutput()
	if _, failed := err.(*exec.ExitError); !failed {
		t.Fatalf("Run against a broken adapter: err = %v, want a failing test; output:\n%s", err, out)
	}
	failedCases := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*--- FAIL: TestRunReportsFailures/(\S+)`).FindAllSubmatch(out, -1) {
		failedCases[string(m[1])] = true
	}
	for _, name := range []string{"bypass/dot-dot-profile", "bypass/encoded-slashes-profile", "bypass/public-encoded-dots-profile"} {
		if !failedCases[name] {
			t.Errorf("case %s did not fail; failed: %v", name, slices.Sorted(maps.Keys(failedCases)))
		}
	}
	if failedCases["auth/expired"] || failedCases["cors/preflight"] {
		t.Errorf("cases unrelated to the mistake failed: %v", slices.Sorted(maps.Keys(failedCases)))
	}
	if !strings.Contains(string(out), "broken: bypass/dot-dot-profile: a PROTECTED handler ran") {
		t.Errorf("the failure does not say what went wrong; output:\n%s", out)
	}
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name     string
		statuses map[string][]int
		want     string // a piece of the error; "" for valid
	}{
		{"none", nil, ""},
		{"groups and cases", map[string][]int{"bypass": {301, 404}, "cors/disallowed": {403}, "auth/large-token": {431}, "cors/preflight": {200}}, ""},
		{"most specific wins", map[string][]int{"bypass": {404}, "bypass/double-slash": {301}}, ""},
		{"unknown key", map[string][]int{"bypass/nope": {404}}, "names no case"},
		{"partial segment", map[string][]int{"cors/disall": {403}}, "names no case"},
		{"security decision", map[string][]int{"auth/expired": {403}}, "security decision"},
		{"group with security decisions", map[string][]int{"auth": {431}}, "security decision"},
		{"success for a bypass", map[string][]int{"bypass": {200}}, "must never succeed"},
		{"failure for a preflight", map[string][]int{"cors/preflight": {403}}, "must succeed"},
		{"empty", map[string][]int{"bypass": {}}, "is empty"},
		{"not a status", map[string][]int{"bypass": {99}}, "not an HTTP status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := conformance.CheckOptions(conformance.Options{Statuses: tt.statuses})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("CheckOptions() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("CheckOptions() = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	got := conformance.Routes()
	if len(got) != 8 || got[0].Name != "healthz" || got[4].Method != "POST" || got[4].Status != 201 || got[7].Guard != conformance.Optional {
		t.Fatalf("Routes() = %+v", got)
	}
	if reqs := got[6].Requirements(); len(reqs) != 2 || reqs[1].String() != `ACR("phrh")` {
		t.Fatalf("Routes()[6].Requirements() = %v", reqs)
	}
	got[0].Name = "changed"
	if conformance.Routes()[0].Name != "healthz" {
		t.Fatal("Routes() returns the package's own slice")
	}
	if b := string(conformance.Body("whoami", `a"b`)); b != `{"route":"whoami","sub":"a\"b"}` {
		t.Fatalf("Body() = %s", b)
	}
}

// assertFailed checks that exactly the cases want failed.
func assertFailed(t *testing.T, got map[string][]string, want []string) {
	t.Helper()
	var names []string
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	want = slices.Clone(want)
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(names, want) {
		for _, n := range names {
			if !slices.Contains(want, n) {
				t.Errorf("unexpected failure of %s: %q", n, got[n])
			}
		}
		for _, n := range want {
			if _, ok := got[n]; !ok {
				t.Errorf("case %s did not fail", n)
			}
		}
	}
}

// withPrefix returns the case names that start with one of prefixes.
func withPrefix(prefixes ...string) []string {
	var out []string
	for _, n := range conformance.CaseNames() {
		for _, p := range prefixes {
			if strings.HasPrefix(n, p) {
				out = append(out, n)
			}
		}
	}
	return out
}
