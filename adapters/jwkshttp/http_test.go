package jwkshttp_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwkshttp"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// me answers with the subject of the claims, read both ways, or
// "anonymous".
var me = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := jwkshttp.Claims(r)
	c2, ok2 := jwksauth.ClaimsFromContext(r.Context())
	switch {
	case ok != ok2 || c != c2:
		http.Error(w, "Claims and ClaimsFromContext disagree", http.StatusInternalServerError)
	case !ok:
		fmt.Fprint(w, "anonymous")
	default:
		fmt.Fprintf(w, "sub=%s", c.Subject)
	}
})

func text(s string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, s) }
}

// teapot is an error handler that shows it was called and what it got.
func teapot(w http.ResponseWriter, r *http.Request, err error) {
	if r == nil || err == nil {
		http.Error(w, "nil argument", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusTeapot)
	fmt.Fprintf(w, "custom %s", jwksauth.AnswerFor(err, "").Code)
}

// app mounts every entry point the way a user would: global is a mux
// wrapped in Middleware, routes a mux with per-route steps.
func app(a *jwksauth.Authenticator) (global, routes http.Handler) {
	reports := jwksauth.Scopes("reports:read")

	g := http.NewServeMux()
	g.HandleFunc("GET /healthz", text("healthy"))
	g.HandleFunc("GET /public/", text("public"))
	g.Handle("GET /me", me)
	g.Handle("GET /reports", jwkshttp.Require(reports)(me))
	g.Handle("GET /admin", jwkshttp.Require(jwksauth.AnyScope("admin", "root"))(me))
	g.Handle("GET /authed", jwkshttp.Require()(me))
	global = jwkshttp.Middleware(a, jwkshttp.WithExclusions("/healthz", "/public/"))(g)

	mux := http.NewServeMux()
	mux.Handle("GET /route/auth", jwkshttp.Authenticate(a)(me))
	mux.Handle("GET /route/auth/reports", jwkshttp.Authenticate(a)(jwkshttp.Require(reports)(me)))
	mux.Handle("GET /route/opt", jwkshttp.Optional(a)(me))
	mux.Handle("GET /route/opt/reports", jwkshttp.Optional(a)(jwkshttp.Require(reports)(me)))
	mux.Handle("GET /route/bare/reports", jwkshttp.Require(reports)(me))
	mux.Handle("GET /route/custom", jwkshttp.Authenticate(a, jwkshttp.WithErrorHandler(teapot))(jwkshttp.Require(jwksauth.Scopes("x"))(me)))
	mux.Handle("GET /route/custom-opt", jwkshttp.Optional(a, jwkshttp.WithErrorHandler(teapot))(jwkshttp.Require(reports)(me)))
	return global, mux
}

// serve starts the two handlers of app; paths under /route/ go to routes.
func serve(t *testing.T, a *jwksauth.Authenticator) func(path string) string {
	global, routes := app(a)
	gs, rs := httptest.NewServer(global), httptest.NewServer(routes)
	t.Cleanup(gs.Close)
	t.Cleanup(rs.Close)
	return func(path string) string {
		if strings.HasPrefix(path, "/route/") {
			return rs.URL
		}
		return gs.URL
	}
}

const (
	challengeMissing = `Bearer realm="api"`
	invalidToken     = `error="invalid_token"`
)

func TestEntryPoints(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := mintTokens(t, iss)
	base := serve(t, a)

	problem := map[string]string{"Content-Type": jwksauth.ProblemContentType, "Cache-Control": "no-store"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range problem {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	tests := []struct {
		name    string
		call    call
		status  int
		body    string
		headers map[string]string
	}{
		// Middleware: exclusions.
		{"excluded exact", call{path: "/healthz"}, 200, "healthy", nil},
		{"excluded prefix", call{path: "/public/a/b"}, 200, "public", nil},
		{"prefix itself without slash", call{path: "/public"}, 401, "", nil},
		{"dot-dot never excluded", call{path: "/healthz/../me"}, 401, "", nil},
		{"double slash never excluded", call{path: "//healthz"}, 401, "", nil},
		{"escaped never excluded", call{path: "/health%7A"}, 401, "", nil},
		{"case never folded", call{path: "/HEALTHZ"}, 401, "", nil},
		{"excluded with a bad token still passes", call{path: "/healthz", auth: bearer(tok.badSig)}, 200, "healthy", nil},

		// Middleware: the core's answers.
		{"no token", call{path: "/me"}, 401, `"code":"token_missing"`, with(map[string]string{"WWW-Authenticate": challengeMissing})},
		{"valid token", call{path: "/me", auth: bearer(tok.good)}, 200, "sub=" + jwkstest.DefaultSubject, nil},
		{"scheme case-insensitive", call{path: "/me", auth: []string{"bearer " + tok.good}}, 200, "sub=", nil},
		{"expired", call{path: "/me", auth: bearer(tok.expired)}, 401, "token_expired", with(map[string]string{"WWW-Authenticate": invalidToken})},
		{"bad signature", call{path: "/me", auth: bearer(tok.badSig)}, 401, "signature_invalid", with(map[string]string{"WWW-Authenticate": invalidToken})},
		{"other audience", call{path: "/me", auth: bearer(tok.otherAud)}, 401, "audience_invalid", nil},
		{"unknown key", call{path: "/me", auth: bearer(tok.unknownKey)}, 401, "key_not_found", nil},
		{"two Authorization headers", call{path: "/me", auth: []string{"Bearer " + tok.good, "Bearer " + tok.good}}, 400, "invalid_request", with(map[string]string{"WWW-Authenticate": `error="invalid_request"`})},
		{"Bearer without token is a malformed token", call{path: "/me", auth: []string{"Bearer"}}, 401, "token_malformed", with(map[string]string{"WWW-Authenticate": `error="invalid_token"`})},
		{"token outside token68 is a malformed token", call{path: "/me", auth: []string{"Bearer abc def"}}, 401, "token_malformed", with(map[string]string{"WWW-Authenticate": `error="invalid_token"`})},
		{"other scheme is no token", call{path: "/me", auth: []string{"Basic dXNlcjpwYXNz"}}, 401, "token_missing", nil},
		{"unrouted path without token", call{path: "/nowhere"}, 401, "", nil},
		{"unrouted path with token", call{path: "/nowhere", auth: bearer(tok.good)}, 404, "", nil},

		// Require after Middleware.
		{"require met", call{path: "/reports", auth: bearer(tok.reader)}, 200, "sub=", nil},
		{"require unmet", call{path: "/reports", auth: bearer(tok.good)}, 403, "insufficient_scope", with(map[string]string{"WWW-Authenticate": `Bearer realm="api", error="insufficient_scope"`})},
		{"require unmet names scope", call{path: "/reports", auth: bearer(tok.good)}, 403, `"scope":"reports:read"`, map[string]string{"WWW-Authenticate": `scope="reports:read"`}},
		{"require any unmet", call{path: "/admin", auth: bearer(tok.reader)}, 403, `"scope":"admin root"`, nil},
		{"require nothing", call{path: "/authed", auth: bearer(tok.good)}, 200, "sub=", nil},

		// Authenticate.
		{"authenticate no token", call{path: "/route/auth"}, 401, "token_missing", map[string]string{"WWW-Authenticate": challengeMissing}},
		{"authenticate valid", call{path: "/route/auth", auth: bearer(tok.good)}, 200, "sub=", nil},
		{"authenticate expired", call{path: "/route/auth", auth: bearer(tok.expired)}, 401, "token_expired", nil},
		{"authenticate+require met", call{path: "/route/auth/reports", auth: bearer(tok.reader)}, 200, "sub=", nil},
		{"authenticate+require unmet", call{path: "/route/auth/reports", auth: bearer(tok.good)}, 403, "insufficient_scope", nil},

		// Optional.
		{"optional no token", call{path: "/route/opt"}, 200, "anonymous", nil},
		{"optional other scheme", call{path: "/route/opt", auth: []string{"Basic dXNlcjpwYXNz"}}, 200, "anonymous", nil},
		{"optional valid", call{path: "/route/opt", auth: bearer(tok.good)}, 200, "sub=", nil},
		{"optional invalid is rejected", call{path: "/route/opt", auth: bearer(tok.badSig)}, 401, "signature_invalid", nil},
		{"optional malformed is rejected", call{path: "/route/opt", auth: []string{"Bearer"}}, 401, "token_malformed", nil},
		{"optional+require anonymous", call{path: "/route/opt/reports"}, 401, "token_missing", map[string]string{"WWW-Authenticate": challengeMissing}},
		{"optional+require met", call{path: "/route/opt/reports", auth: bearer(tok.reader)}, 200, "sub=", nil},
		{"optional+require unmet", call{path: "/route/opt/reports", auth: bearer(tok.good)}, 403, "insufficient_scope", nil},

		// Require without a step before it: the default answer, no realm.
		{"bare require", call{path: "/route/bare/reports", auth: bearer(tok.reader)}, 401, "token_missing", map[string]string{"WWW-Authenticate": "Bearer"}},

		// WithErrorHandler, for the step and for Require after it.
		{"error handler on missing token", call{path: "/route/custom"}, 418, "custom token_missing", nil},
		{"error handler on invalid token", call{path: "/route/custom", auth: bearer(tok.expired)}, 418, "custom token_expired", nil},
		{"error handler on unmet requirement", call{path: "/route/custom", auth: bearer(tok.good)}, 418, "custom insufficient_scope", nil},
		{"error handler after optional", call{path: "/route/custom-opt"}, 418, "custom token_missing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, base(tt.call.path), tt.call)
			check(t, res, tt.status, tt.body, tt.headers)
			if tt.name == "bare require" {
				if got := res.header.Get("WWW-Authenticate"); got != "Bearer" {
					t.Errorf("WWW-Authenticate = %q, want %q (no realm)", got, "Bearer")
				}
			}
			// Nothing written back may contain a token.
			for _, s := range []string{tok.good, tok.reader, tok.expired, tok.badSig, tok.otherAud, tok.unknownKey} {
				if strings.Contains(res.body, s) || strings.Contains(fmt.Sprint(res.header), s) {
					t.Fatalf("the answer contains a token")
				}
			}
		})
	}
}

func TestTokenSources(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	tok := mintTokens(t, iss)
	both := newAuth(t, iss, func(c *jwksauth.Config) { c.TokenCookie, c.TokenQuery = "at", "access_token" })
	headerOnly := newAuth(t, iss, nil)

	mux := http.NewServeMux()
	mux.Handle("/both", jwkshttp.Authenticate(both)(me))
	mux.Handle("/header", jwkshttp.Authenticate(headerOnly)(me))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	ck := func(name, v string) *http.Cookie { return &http.Cookie{Name: name, Value: v} }
	tests := []struct {
		name   string
		call   call
		status int
		body   string
	}{
		{"cookie", call{path: "/both", cookies: []*http.Cookie{ck("other", "x"), ck("at", tok.good)}}, 200, "sub="},
		{"query", call{path: "/both?x=1&access_token=" + tok.good}, 200, "sub="},
		{"header", call{path: "/both", auth: bearer(tok.good)}, 200, "sub="},
		{"invalid cookie token", call{path: "/both", cookies: []*http.Cookie{ck("at", tok.expired)}}, 401, "token_expired"},
		{"two cookies", call{path: "/both", cookies: []*http.Cookie{ck("at", tok.good), ck("at", tok.good)}}, 400, "invalid_request"},
		{"two query values", call{path: "/both?access_token=" + tok.good + "&access_token=" + tok.good}, 400, "invalid_request"},
		{"cookie and header", call{path: "/both", auth: bearer(tok.good), cookies: []*http.Cookie{ck("at", tok.good)}}, 400, "invalid_request"},
		{"query and header", call{path: "/both?access_token=" + tok.good, auth: bearer(tok.good)}, 400, "invalid_request"},
		{"empty cookie is no token", call{path: "/both", cookies: []*http.Cookie{ck("at", "")}}, 401, "token_missing"},
		{"cookie not configured", call{path: "/header", cookies: []*http.Cookie{ck("at", tok.good)}}, 401, "token_missing"},
		{"query not configured", call{path: "/header?access_token=" + tok.good}, 401, "token_missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, do(t, srv.URL, tt.call), tt.status, tt.body, nil)
		})
	}
}

func TestKeysUnavailable(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	tok := iss.MustMint(nil)
	if err := iss.SetFault(jwkstest.FaultRefuse); err != nil {
		t.Fatal(err)
	}
	a, err := jwksauth.New(jwksauth.Config{
		Issuers: []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{jwkstest.DefaultAudience}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(jwkshttp.Middleware(a)(me))
	t.Cleanup(srv.Close)

	res := do(t, srv.URL, call{path: "/", auth: bearer(tok)})
	check(t, res, http.StatusServiceUnavailable, "keys_unavailable", map[string]string{"WWW-Authenticate": ""})
	if res.header.Get("Retry-After") == "" {
		t.Error("no Retry-After on 503")
	}
}

func TestErrorHandlerGetsSentinels(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	var (
		mu  sync.Mutex
		got []error
	)
	h := jwkshttp.Middleware(a, jwkshttp.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		mu.Lock()
		got = append(got, err)
		mu.Unlock()
		jwksauth.WriteError(w, err, "custom")
	}))(me)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	res := do(t, srv.URL, call{path: "/x", auth: bearer(iss.MustMint(nil, jwkstest.WithBadSignature()))})
	check(t, res, 401, "", map[string]string{"WWW-Authenticate": `realm="custom"`})
	do(t, srv.URL, call{path: "/x"})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || !errors.Is(got[0], jwksauth.ErrSignature) || !errors.Is(got[1], jwksauth.ErrTokenMissing) {
		t.Fatalf("errors = %v, want ErrSignature then ErrTokenMissing", got)
	}
}

func TestConcurrentRequests(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := mintTokens(t, iss)
	base := serve(t, a)

	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for range 10 {
				switch i % 3 {
				case 0:
					check(t, do(t, base("/reports"), call{path: "/reports", auth: bearer(tok.reader)}), 200, "sub=", nil)
				case 1:
					check(t, do(t, base("/reports"), call{path: "/reports", auth: bearer(tok.good)}), 403, "", nil)
				default:
					check(t, do(t, base("/route/opt"), call{path: "/route/opt"}), 200, "anonymous", nil)
				}
			}
		})
	}
	wg.Wait()
}

func TestSetupPanics(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"nil authenticator", func() { jwkshttp.Middleware(nil) }, "jwkshttp: Middleware: nil *jwksauth.Authenticator"},
		{"nil authenticator (Optional)", func() { jwkshttp.Optional(nil) }, "jwkshttp: Optional: nil"},
		{"nil option", func() { jwkshttp.Authenticate(a, nil) }, "jwkshttp: Authenticate: option 0 is nil"},
		{"relative exclusion", func() { jwkshttp.Middleware(a, jwkshttp.WithExclusions("healthz")) }, "jwkshttp: Middleware: WithExclusions:"},
		{"root exclusion", func() { jwkshttp.Middleware(a, jwkshttp.WithExclusions("/")) }, "jwkshttp: Middleware: WithExclusions:"},
		{"non-canonical exclusion", func() { jwkshttp.Middleware(a, jwkshttp.WithExclusions("/a/../b")) }, "WithExclusions"},
		{"exclusions on Authenticate", func() { jwkshttp.Authenticate(a, jwkshttp.WithExclusions("/healthz")) }, "WithExclusions applies to Middleware only"},
		{"exclusions on Optional", func() { jwkshttp.Optional(a, jwkshttp.WithExclusions("/healthz")) }, "WithExclusions applies to Middleware only"},
		{"nil error handler", func() { jwkshttp.Middleware(a, jwkshttp.WithErrorHandler(nil)) }, "WithErrorHandler(nil)"},
		{"no scope", func() { jwkshttp.Require(jwksauth.Scopes()) }, "jwkshttp: Require: requirement 0"},
		{"invalid scope", func() { jwkshttp.Require(jwksauth.Scopes("ok"), jwksauth.AnyScope("a b")) }, "requirement 1"},
		{"wrapping nil handler", func() { jwkshttp.Middleware(a)(nil) }, "nil http.Handler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if msg := fmt.Sprint(r); !strings.Contains(msg, tt.want) {
					t.Fatalf("panic %q, want it to contain %q", msg, tt.want)
				}
			}()
			tt.f()
		})
	}
	// The zero Requirement requires nothing and is valid.
	jwkshttp.Require(jwksauth.Requirement{})
}
