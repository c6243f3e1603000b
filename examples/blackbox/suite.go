package blackbox

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/jwkstest"
)

// interrupt is SIGINT, which Ctrl+C sends.
var interrupt os.Signal = os.Interrupt

// Audience is the AUDIENCE the suite configures and its issuers mint for.
const Audience = "api://blackbox"

// The origins the suite allows with CORS_ORIGINS, and one it does not.
const (
	allowedOrigin  = "https://app.example.com"
	wildcardOrigin = "https://team.example.org" // matches https://*.example.org
	foreignOrigin  = "https://evil.example.net"
	corsOrigins    = allowedOrigin + ", https://*.example.org"
)

// Option adjusts [Run] to the build under test.
type Option func(*options)

type options struct {
	devBuild bool
}

// DevBuild tells [Run] whether the app was built with the development
// issuer (-tags dev; the example's devBuild constant). With it, DEV_ISSUER=1
// must start the issuer and print working curl commands; without it (the
// default), DEV_ISSUER=1 must be refused with exit status 2 and a message
// naming the development build.
func DevBuild(on bool) Option { return func(o *options) { o.devBuild = on } }

// Run runs the whole contract against the app that start starts. Its
// subtests run in parallel, each with its own app process.
func Run(t *testing.T, start Starter, opts ...Option) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	t.Run("settings", func(t *testing.T) {
		t.Parallel()
		runSettings(t, start)
	})
	t.Run("routes", func(t *testing.T) {
		t.Parallel()
		runRoutes(t, start)
	})
	t.Run("token type", func(t *testing.T) {
		t.Parallel()
		runTokenType(t, start)
	})
	t.Run("resource and step-up", func(t *testing.T) {
		t.Parallel()
		runResource(t, start)
	})
	t.Run("dpop and a shared store", func(t *testing.T) {
		t.Parallel()
		runDPoP(t, start)
	})
	t.Run("dev issuer", func(t *testing.T) {
		t.Parallel()
		if o.devBuild {
			runDevIssuer(t, start)
		} else {
			runNoDevIssuer(t, start)
		}
	})
}

// runSettings checks that every invalid setting is refused with exit
// status 2 and a message naming it, before anything listens.
func runSettings(t *testing.T, start Starter) {
	cases := []struct {
		name string
		env  map[string]string
		want []string // substrings of stderr, case-insensitive
	}{
		{"no issuer", map[string]string{"AUDIENCE": Audience}, []string{"ISSUER_URL", "DEV_ISSUER"}},
		{"issuer and dev issuer", map[string]string{"ISSUER_URL": "https://idp.example.com", "AUDIENCE": Audience, "DEV_ISSUER": "1"}, []string{"ISSUER_URL", "DEV_ISSUER"}},
		{"no audience", map[string]string{"ISSUER_URL": "https://idp.example.com"}, []string{"AUDIENCE"}},
		{"empty issuer in list", map[string]string{"ISSUER_URL": "https://idp.example.com,,https://b.example.com", "AUDIENCE": Audience}, []string{"ISSUER_URL"}},
		{"plain http issuer", map[string]string{"ISSUER_URL": "http://idp.example.com", "AUDIENCE": Audience}, []string{"https"}},
		{"issuer twice", map[string]string{"ISSUER_URL": "https://idp.example.com,https://idp.example.com", "AUDIENCE": Audience}, []string{"twice"}},
		{"bad CORS origin", map[string]string{"ISSUER_URL": "https://idp.example.com", "AUDIENCE": Audience, "CORS_ORIGINS": "https://app.example.com/"}, []string{"CORS_ORIGINS"}},
		{"CORS star and more", map[string]string{"ISSUER_URL": "https://idp.example.com", "AUDIENCE": Audience, "CORS_ORIGINS": "*,https://app.example.com"}, []string{"CORS_ORIGINS"}},
		{"CORS credentials without origins", map[string]string{"ISSUER_URL": "https://idp.example.com", "AUDIENCE": Audience, "CORS_CREDENTIALS": "1"}, []string{"CORS_CREDENTIALS"}},
		{"CORS credentials not a boolean", map[string]string{"ISSUER_URL": "https://idp.example.com", "AUDIENCE": Audience, "CORS_ORIGINS": allowedOrigin, "CORS_CREDENTIALS": "yes"}, []string{"CORS_CREDENTIALS"}},
		{"bad ADDR", map[string]string{"ISSUER_URL": "https://idp.example.com", "AUDIENCE": Audience, "ADDR": "localhost"}, []string{"ADDR"}},
		{"bad DEV_ISSUER", map[string]string{"DEV_ISSUER": "maybe"}, []string{"DEV_ISSUER"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, tc.env)
			if code := p.Wait(); code != 2 {
				t.Fatalf("exit status %d, want 2\nstdout:\n%s\nstderr:\n%s", code, p.Stdout(), p.Stderr())
			}
			stderr := strings.ToLower(p.Stderr())
			for _, w := range tc.want {
				if !strings.Contains(stderr, strings.ToLower(w)) {
					t.Errorf("stderr does not mention %q:\n%s", w, p.Stderr())
				}
			}
			if strings.Contains(p.Stdout(), "listening on") {
				t.Errorf("the app listened despite an invalid setting:\n%s", p.Stdout())
			}
		})
	}
}

// runRoutes walks every route with two configured issuers and CORS, then
// stops the app with SIGTERM.
func runRoutes(t *testing.T, start Starter) {
	a := jwkstest.NewIssuer(t, jwkstest.WithAudience(Audience))
	b := jwkstest.NewIssuer(t, jwkstest.WithAudience(Audience), jwkstest.WithPath("/realms/b"), jwkstest.WithSubject("bob"))
	stranger := jwkstest.NewIssuer(t, jwkstest.WithAudience(Audience)) // not configured
	p := start(t, map[string]string{
		"ISSUER_URL":   a.URL() + ", " + b.URL(),
		"AUDIENCE":     Audience,
		"ADDR":         "127.0.0.1:0",
		"CORS_ORIGINS": corsOrigins,
	})
	base := p.URL()
	c := newClient(t, base)

	scoped := func(scope string) string { return a.MustMint(map[string]any{"scope": scope}) }
	past := time.Now().Add(-2 * time.Hour)

	steps := []struct {
		name          string
		method, path  string
		token         string
		header        http.Header
		wantStatus    int
		wantCode      string // problem code, for rejections
		wantChallenge string // substring of WWW-Authenticate
	}{
		{"health needs no token", "GET", "/healthz", "", nil, 200, "", ""},
		{"profile without token", "GET", "/api/profile", "", nil, 401, "token_missing", "Bearer"},
		{"profile", "GET", "/api/profile", scoped(""), nil, 200, "", ""},
		{"profile, second issuer", "GET", "/api/profile", b.MustMint(map[string]any{"scope": "openid"}), nil, 200, "", ""},
		{"expired token", "GET", "/api/profile", a.MustMint(map[string]any{"iat": past, "exp": past.Add(time.Hour)}), nil, 401, "token_expired", `error="invalid_token"`},
		{"wrong audience", "GET", "/api/profile", a.MustMint(map[string]any{"aud": "api://other"}), nil, 401, "audience_invalid", `error="invalid_token"`},
		{"unknown issuer", "GET", "/api/profile", stranger.MustMint(nil), nil, 401, "issuer_invalid", `error="invalid_token"`},
		{"bad signature", "GET", "/api/profile", a.MustMint(nil, jwkstest.WithBadSignature()), nil, 401, "signature_invalid", `error="invalid_token"`},
		{"unpublished key", "GET", "/api/profile", a.MustMint(nil, jwkstest.WithUnpublishedKey()), nil, 401, "key_not_found", `error="invalid_token"`},
		{"alg none", "GET", "/api/profile", a.MustMint(nil, jwkstest.WithAlgNone()), nil, 401, "", `error="invalid_token"`},
		{"Bearer without token is a malformed token", "GET", "/api/profile", "", http.Header{"Authorization": {"Bearer"}}, 401, "token_malformed", `error="invalid_token"`},
		{"token outside token68 is a malformed token", "GET", "/api/profile", "", http.Header{"Authorization": {"Bearer abc def"}}, 401, "token_malformed", `error="invalid_token"`},
		{"two Authorization headers are a malformed request", "GET", "/api/profile", "", http.Header{"Authorization": {"Bearer " + scoped(""), "Bearer " + scoped("")}}, 400, "invalid_request", `error="invalid_request"`},
		{"large token (10 KB claim)", "GET", "/api/profile", a.MustMint(map[string]any{"padding": strings.Repeat("x", 10<<10)}), nil, 200, "", ""},
		{"reports with reports:read", "GET", "/api/reports", scoped("reports:read"), nil, 200, "", ""},
		{"reports with scp array", "GET", "/api/reports", a.MustMint(map[string]any{"scp": []string{"reports:read"}}), nil, 200, "", ""},
		{"reports without scope", "GET", "/api/reports", scoped("profile"), nil, 403, "insufficient_scope", `scope="reports:read"`},
		{"reports without token", "GET", "/api/reports", "", nil, 401, "token_missing", "Bearer"},
		{"create report with reports:write", "POST", "/api/reports", scoped("reports:write"), nil, 201, "", ""},
		{"create report with reports:read", "POST", "/api/reports", scoped("reports:read"), nil, 403, "insufficient_scope", `scope="reports:write"`},
		{"admin with admin", "GET", "/api/admin", scoped("admin"), nil, 200, "", ""},
		{"admin with reports:read reports:write", "GET", "/api/admin", scoped("reports:read reports:write"), nil, 403, "insufficient_scope", `scope="admin"`},
		{"unrouted path without token", "GET", "/api/nowhere", "", nil, 401, "token_missing", "Bearer"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			h := s.header.Clone()
			if h == nil {
				h = http.Header{}
			}
			if s.token != "" {
				h.Set("Authorization", "Bearer "+s.token)
			}
			var body io.Reader
			if s.method == http.MethodPost {
				h.Set("Content-Type", "application/json")
				body = strings.NewReader(`{"title":"Q3 revenue"}`)
			}
			res := c.do(s.method, s.path, h, body)
			if res.status != s.wantStatus {
				t.Fatalf("%s %s: status %d, want %d\nheaders: %v\nbody: %s", s.method, s.path, res.status, s.wantStatus, res.header, res.body)
			}
			if s.wantStatus >= 400 {
				checkProblem(t, res, s.wantCode, s.wantChallenge)
			}
		})
	}

	t.Run("profile body", func(t *testing.T) {
		tok := a.MustMint(map[string]any{"scope": "reports:read admin", "scp": []string{"extra"}})
		res := c.do("GET", "/api/profile", bearer(tok), nil)
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var got struct {
			Sub    *string   `json:"sub"`
			Iss    *string   `json:"iss"`
			Scopes *[]string `json:"scopes"`
		}
		if err := json.Unmarshal(res.body, &got); err != nil {
			t.Fatalf("profile is not JSON: %v: %s", err, res.body)
		}
		if got.Sub == nil || *got.Sub != jwkstest.DefaultSubject {
			t.Errorf("sub = %v, want %q: %s", got.Sub, jwkstest.DefaultSubject, res.body)
		}
		if got.Iss == nil || *got.Iss != a.URL() {
			t.Errorf("iss = %v, want %q: %s", got.Iss, a.URL(), res.body)
		}
		if got.Scopes == nil || !slices.Equal(*got.Scopes, []string{"reports:read", "admin", "extra"}) {
			t.Errorf("scopes = %v, want [reports:read admin extra]: %s", got.Scopes, res.body)
		}
		// A token without scopes still lists "scopes", as [].
		res = c.do("GET", "/api/profile", bearer(b.MustMint(nil)), nil)
		if !strings.Contains(string(res.body), `"scopes":[]`) || !strings.Contains(string(res.body), `"sub":"bob"`) {
			t.Errorf("profile without scopes = %s, want \"scopes\":[] and \"sub\":\"bob\"", res.body)
		}
	})

	t.Run("unrouted path with token", func(t *testing.T) {
		res := c.do("GET", "/api/nowhere", bearer(scoped("admin")), nil)
		if res.status != http.StatusNotFound {
			t.Fatalf("status %d, want 404", res.status)
		}
	})

	t.Run("CORS", func(t *testing.T) {
		pre := c.do("OPTIONS", "/api/reports", http.Header{
			"Origin":                         {allowedOrigin},
			"Access-Control-Request-Method":  {"POST"},
			"Access-Control-Request-Headers": {"authorization,content-type"},
		}, nil)
		if pre.status < 200 || pre.status > 299 {
			t.Errorf("preflight: status %d, want 2xx (a preflight never needs a token)", pre.status)
		}
		if got := pre.header.Get("Access-Control-Allow-Origin"); got != allowedOrigin {
			t.Errorf("preflight: Access-Control-Allow-Origin %q, want %q", got, allowedOrigin)
		}
		if got := pre.header.Get("Access-Control-Allow-Headers"); !containsFold(got, "Authorization") {
			t.Errorf("preflight: Access-Control-Allow-Headers %q lacks Authorization", got)
		}
		if got := pre.header.Get("Access-Control-Allow-Methods"); !containsFold(got, "POST") {
			t.Errorf("preflight: Access-Control-Allow-Methods %q lacks POST", got)
		}

		// A rejection to an allowed origin carries CORS headers, so a script
		// can read why.
		res := c.do("GET", "/api/profile", http.Header{"Origin": {wildcardOrigin}}, nil)
		if res.status != 401 {
			t.Errorf("GET without token from %s: status %d, want 401", wildcardOrigin, res.status)
		}
		if got := res.header.Get("Access-Control-Allow-Origin"); got != wildcardOrigin {
			t.Errorf("401 to %s: Access-Control-Allow-Origin %q", wildcardOrigin, got)
		}
		if got := res.header.Get("Access-Control-Expose-Headers"); !containsFold(got, "WWW-Authenticate") {
			t.Errorf("401 to an allowed origin: Access-Control-Expose-Headers %q lacks WWW-Authenticate", got)
		}

		res = c.do("GET", "/api/profile", http.Header{"Origin": {allowedOrigin}, "Authorization": {"Bearer " + scoped("")}}, nil)
		if res.status != 200 || res.header.Get("Access-Control-Allow-Origin") != allowedOrigin {
			t.Errorf("authenticated GET from %s: status %d, Access-Control-Allow-Origin %q", allowedOrigin, res.status, res.header.Get("Access-Control-Allow-Origin"))
		}

		// Another origin gets no CORS headers (the status of its requests
		// differs between frameworks and does not matter: the browser
		// refuses the answer).
		for _, m := range []string{"OPTIONS", "GET"} {
			h := http.Header{"Origin": {foreignOrigin}}
			if m == "OPTIONS" {
				h.Set("Access-Control-Request-Method", "GET")
			}
			res := c.do(m, "/healthz", h, nil)
			if got := res.header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("%s from %s: Access-Control-Allow-Origin %q, want none", m, foreignOrigin, got)
			}
		}
	})

	t.Run("SIGTERM", func(t *testing.T) {
		if code := p.Stop(); code != 0 {
			t.Fatalf("exit status after SIGTERM: %d, want 0\nstderr:\n%s", code, p.Stderr())
		}
		if strings.Contains(p.Stderr(), "DATA RACE") {
			t.Fatalf("the race detector reported:\n%s", p.Stderr())
		}
	})
}

// runTokenType checks TOKEN_TYPE, and that no CORS_ORIGINS means no CORS.
func runTokenType(t *testing.T, start Starter) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAudience(Audience))
	p := start(t, map[string]string{
		"ISSUER_URL": iss.URL(),
		"AUDIENCE":   Audience,
		"ADDR":       "127.0.0.1:0",
		"TOKEN_TYPE": "at+jwt",
	})
	c := newClient(t, p.URL())

	res := c.do("GET", "/api/profile", bearer(iss.MustMint(nil)), nil) // typ JWT
	if res.status != 401 {
		t.Fatalf("typ JWT with TOKEN_TYPE=at+jwt: status %d, want 401", res.status)
	}
	checkProblem(t, res, "token_type_invalid", `error="invalid_token"`)

	res = c.do("GET", "/api/profile", bearer(iss.MustMint(nil, jwkstest.WithType("at+jwt"))), nil)
	if res.status != 200 {
		t.Fatalf("typ at+jwt: status %d, want 200: %s", res.status, res.body)
	}

	res = c.do("GET", "/api/profile", http.Header{"Origin": {allowedOrigin}}, nil)
	if got := res.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("without CORS_ORIGINS: Access-Control-Allow-Origin %q, want none", got)
	}

	if code := p.Signal(interrupt); code != 0 {
		t.Fatalf("exit status after SIGINT: %d, want 0\nstderr:\n%s", code, p.Stderr())
	}
}

// runNoDevIssuer checks that a build without the development issuer
// refuses DEV_ISSUER=1 with exit status 2 and says which build has it.
func runNoDevIssuer(t *testing.T, start Starter) {
	p := start(t, map[string]string{"DEV_ISSUER": "1", "ADDR": "127.0.0.1:0"})
	if code := p.Wait(); code != 2 {
		t.Fatalf("DEV_ISSUER=1 in a build without -tags dev: exit status %d, want 2\nstdout:\n%s\nstderr:\n%s", code, p.Stdout(), p.Stderr())
	}
	for _, w := range []string{"DEV_ISSUER", "development build", "-tags dev"} {
		if !strings.Contains(p.Stderr(), w) {
			t.Errorf("stderr does not mention %q:\n%s", w, p.Stderr())
		}
	}
	if strings.Contains(p.Stdout(), "listening on") || strings.Contains(p.Stdout(), "curl") {
		t.Errorf("the app started despite DEV_ISSUER=1 without the development build:\n%s", p.Stdout())
	}
}

// runDevIssuer starts the app with DEV_ISSUER=1 and replays the curl
// commands it prints, twice: with the defaults, and with AUDIENCE and
// TOKEN_TYPE set, which the printed tokens must follow.
func runDevIssuer(t *testing.T, start Starter) {
	for _, env := range []map[string]string{
		{"DEV_ISSUER": "1", "ADDR": "127.0.0.1:0"},
		{"DEV_ISSUER": "true", "ADDR": "127.0.0.1:0", "AUDIENCE": "api://custom", "TOKEN_TYPE": "at+jwt"},
	} {
		t.Run(env["DEV_ISSUER"], func(t *testing.T) {
			t.Parallel()
			p := start(t, env)
			base := p.URL()
			cmds, err := ParseCurlCommands(p.Stdout())
			if err != nil {
				t.Fatalf("parsing the printed commands: %v\nstdout:\n%s", err, p.Stdout())
			}
			statuses := map[int]bool{}
			routes := map[string]bool{}
			for _, cmd := range cmds {
				if !strings.HasPrefix(cmd.URL, base+"/") {
					t.Errorf("%q does not call the app at %s", cmd.Line, base)
				}
				req, err := cmd.Request()
				if err != nil {
					t.Fatalf("%q: %v", cmd.Line, err)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%q: %v", cmd.Line, err)
				}
				body, _ := io.ReadAll(res.Body)
				_ = res.Body.Close()
				if res.StatusCode != cmd.Want {
					t.Errorf("printed command %q (%s %s) announced %d, got %d: %s",
						cmd.Comment, cmd.Method, strings.TrimPrefix(cmd.URL, base), cmd.Want, res.StatusCode, body)
				}
				statuses[res.StatusCode] = true
				routes[cmd.Method+" "+strings.TrimPrefix(cmd.URL, base)] = true
			}
			for _, s := range []int{200, 201, 401, 403} {
				if !statuses[s] {
					t.Errorf("no printed command answers %d; want one for every route, a 403 and an expired token (401)\nstdout:\n%s", s, p.Stdout())
				}
			}
			for _, r := range []string{"GET /api/profile", "GET /api/reports", "POST /api/reports", "GET /api/admin"} {
				if !routes[r] {
					t.Errorf("no printed command for %s", r)
				}
			}
			if !strings.Contains(strings.ToLower(p.Stdout()+p.Stderr()), "production") {
				t.Errorf("the app does not warn that DEV_ISSUER is not for production")
			}
			if code := p.Stop(); code != 0 {
				t.Fatalf("exit status after SIGTERM: %d\nstderr:\n%s", code, p.Stderr())
			}
		})
	}
}

// client sends requests to the app.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newClient(t *testing.T, base string) *client {
	return &client{t: t, base: base, hc: &http.Client{Timeout: 10 * time.Second}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, path string, h http.Header, body io.Reader) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{res.StatusCode, res.Header, b}
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// checkProblem checks a rejection: the core's problem document with code
// (when not empty) and a WWW-Authenticate challenge containing challenge.
func checkProblem(t *testing.T, res response, code, challenge string) {
	t.Helper()
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Errorf("body is not a problem document: %v: %s", err, res.body)
	} else {
		if p.Status != res.status {
			t.Errorf("problem status %d, response status %d", p.Status, res.status)
		}
		if code != "" && p.Code != code {
			t.Errorf("problem code %q, want %q: %s", p.Code, code, res.body)
		}
	}
	if challenge != "" {
		got := res.header.Get("WWW-Authenticate")
		if !strings.Contains(got, challenge) {
			t.Errorf("WWW-Authenticate %q, want it to contain %q", got, challenge)
		}
		if code == "token_missing" && strings.Contains(got, "error=") {
			t.Errorf("WWW-Authenticate %q: a missing token gets no error attribute (RFC 6750 §3.1)", got)
		}
	}
}

// containsFold reports whether the comma-separated list contains item,
// case-insensitively.
func containsFold(list, item string) bool {
	for _, v := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(v), item) {
			return true
		}
	}
	return false
}
