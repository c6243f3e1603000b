package jwksgin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksgin"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// me answers with the subject of the claims, read from Gin's store and
// from the request context, or "anonymous".
func me(c *gin.Context) {
	cl, ok := jwksgin.Claims(c)
	cl2, ok2 := jwksauth.ClaimsFromContext(c.Request.Context())
	switch {
	case ok != ok2 || cl != cl2:
		c.String(http.StatusInternalServerError, "Claims and ClaimsFromContext disagree")
	case !ok:
		c.String(http.StatusOK, "anonymous")
	default:
		c.String(http.StatusOK, "sub=%s", cl.Subject)
	}
}

// storeOnly answers with the subject found in Gin's store after the request
// context was replaced by one without claims.
func storeOnly(c *gin.Context) {
	c.Request = c.Request.WithContext(context.Background())
	if cl, ok := jwksgin.Claims(c); ok {
		c.String(http.StatusOK, "store sub=%s", cl.Subject)
		return
	}
	c.String(http.StatusOK, "anonymous")
}

func text(s string) gin.HandlerFunc {
	return func(c *gin.Context) { c.String(http.StatusOK, s) }
}

// leak would show that a handler ran after a rejection.
func leak(c *gin.Context) { c.String(http.StatusOK, "leaked") }

// teapot is an error handler that shows it was called and what it got; it
// does not abort, to show that the adapter does.
func teapot(c *gin.Context, err error) {
	if err == nil {
		c.String(http.StatusInternalServerError, "nil argument")
		return
	}
	c.String(http.StatusTeapot, "custom %s", jwksauth.AnswerFor(err, "").Code)
}

// app mounts every entry point the way a user would: global is an engine
// with Middleware, routes an engine with per-route steps.
func app(a *jwksauth.Authenticator) (global, routes http.Handler) {
	reports := jwksauth.Scopes("reports:read")

	g := gin.New()
	g.Use(jwksgin.Middleware(a, jwksgin.WithExclusions("/healthz", "/public/")))
	g.GET("/healthz", text("healthy"))
	g.GET("/public/*rest", text("public"))
	g.GET("/me", me)
	g.GET("/store", storeOnly)
	g.GET("/reports", jwksgin.Require(reports), me)
	g.GET("/admin", jwksgin.Require(jwksauth.AnyScope("admin", "root")), me)
	g.GET("/authed", jwksgin.Require(), me)

	r := gin.New()
	r.GET("/route/auth", jwksgin.Authenticate(a), me)
	r.GET("/route/auth/reports", jwksgin.Authenticate(a), jwksgin.Require(reports), me)
	r.GET("/route/opt", jwksgin.Optional(a), me)
	r.GET("/route/opt/reports", jwksgin.Optional(a), jwksgin.Require(reports), me)
	r.GET("/route/bare/reports", jwksgin.Require(reports), me)
	r.GET("/route/custom", jwksgin.Authenticate(a, jwksgin.WithErrorHandler(teapot)), jwksgin.Require(jwksauth.Scopes("x")), leak)
	r.GET("/route/custom-opt", jwksgin.Optional(a, jwksgin.WithErrorHandler(teapot)), jwksgin.Require(reports), leak)
	grp := r.Group("/route/group", jwksgin.Authenticate(a))
	grp.GET("/me", me)
	return g, r
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
		{"prefix is by segment", call{path: "/publicity"}, 401, "", nil},
		// Gin redirects to the trailing-slash route before any middleware
		// runs; the redirect target is what gets served, and it is excluded.
		{"prefix itself without slash: Gin redirects", call{path: "/public"}, 301, "", nil},
		{"dot-dot never excluded", call{path: "/healthz/../me"}, 401, "", nil},
		{"double slash never excluded", call{path: "//healthz"}, 401, "", nil},
		{"escaped never excluded", call{path: "/health%7A"}, 401, "", nil},
		{"case never folded", call{path: "/HEALTHZ"}, 401, "", nil},
		{"excluded with a bad token still passes", call{path: "/healthz", auth: bearer(tok.badSig)}, 200, "healthy", nil},

		// Middleware: the core's answers.
		{"no token", call{path: "/me"}, 401, `"code":"token_missing"`, with(map[string]string{"WWW-Authenticate": challengeMissing})},
		{"valid token", call{path: "/me", auth: bearer(tok.good)}, 200, "sub=" + jwkstest.DefaultSubject, nil},
		{"claims in Gin's store", call{path: "/store", auth: bearer(tok.good)}, 200, "store sub=" + jwkstest.DefaultSubject, nil},
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

		// Authenticate, on a route and on a group.
		{"authenticate no token", call{path: "/route/auth"}, 401, "token_missing", map[string]string{"WWW-Authenticate": challengeMissing}},
		{"authenticate valid", call{path: "/route/auth", auth: bearer(tok.good)}, 200, "sub=", nil},
		{"authenticate expired", call{path: "/route/auth", auth: bearer(tok.expired)}, 401, "token_expired", nil},
		{"authenticate+require met", call{path: "/route/auth/reports", auth: bearer(tok.reader)}, 200, "sub=", nil},
		{"authenticate+require unmet", call{path: "/route/auth/reports", auth: bearer(tok.good)}, 403, "insufficient_scope", nil},
		{"group no token", call{path: "/route/group/me"}, 401, "token_missing", nil},
		{"group valid", call{path: "/route/group/me", auth: bearer(tok.good)}, 200, "sub=", nil},

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

		// WithErrorHandler, for the step and for Require after it; the
		// chain stops even though the handler does not abort.
		{"error handler on missing token", call{path: "/route/custom"}, 418, "custom token_missing", nil},
		{"error handler on invalid token", call{path: "/route/custom", auth: bearer(tok.expired)}, 418, "custom token_expired", nil},
		{"error handler on unmet requirement", call{path: "/route/custom", auth: bearer(tok.good)}, 418, "custom insufficient_scope", nil},
		{"error handler after optional", call{path: "/route/custom-opt"}, 418, "custom token_missing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, base(tt.call.path), tt.call)
			check(t, res, tt.status, tt.body, tt.headers)
			if strings.Contains(res.body, "leaked") {
				t.Fatalf("a handler ran after the rejection: body %q", res.body)
			}
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

	r := gin.New()
	r.GET("/both", jwksgin.Authenticate(both), me)
	r.GET("/header", jwksgin.Authenticate(headerOnly), me)
	srv := httptest.NewServer(r)
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
	r := gin.New()
	r.Use(jwksgin.Middleware(a))
	r.GET("/", leak)
	srv := httptest.NewServer(r)
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
	r := gin.New()
	r.Use(jwksgin.Middleware(a, jwksgin.WithErrorHandler(func(c *gin.Context, err error) {
		mu.Lock()
		got = append(got, err)
		mu.Unlock()
		c.AbortWithStatusJSON(a.Answer(err).Status, gin.H{"error": a.Answer(err).Code})
	})))
	r.GET("/x", leak)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	check(t, do(t, srv.URL, call{path: "/x", auth: bearer(iss.MustMint(nil, jwkstest.WithBadSignature()))}), 401, `{"error":"signature_invalid"}`, nil)
	check(t, do(t, srv.URL, call{path: "/x"}), 401, `{"error":"token_missing"}`, nil)
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
		{"nil authenticator", func() { jwksgin.Middleware(nil) }, "jwksgin: Middleware: nil *jwksauth.Authenticator"},
		{"nil authenticator (Optional)", func() { jwksgin.Optional(nil) }, "jwksgin: Optional: nil"},
		{"nil option", func() { jwksgin.Authenticate(a, nil) }, "jwksgin: Authenticate: option 0 is nil"},
		{"relative exclusion", func() { jwksgin.Middleware(a, jwksgin.WithExclusions("healthz")) }, "jwksgin: Middleware: WithExclusions:"},
		{"root exclusion", func() { jwksgin.Middleware(a, jwksgin.WithExclusions("/")) }, "jwksgin: Middleware: WithExclusions:"},
		{"non-canonical exclusion", func() { jwksgin.Middleware(a, jwksgin.WithExclusions("/a/../b")) }, "WithExclusions"},
		{"exclusions on Authenticate", func() { jwksgin.Authenticate(a, jwksgin.WithExclusions("/healthz")) }, "WithExclusions applies to Middleware only"},
		{"exclusions on Optional", func() { jwksgin.Optional(a, jwksgin.WithExclusions("/healthz")) }, "WithExclusions applies to Middleware only"},
		{"nil error handler", func() { jwksgin.Middleware(a, jwksgin.WithErrorHandler(nil)) }, "WithErrorHandler(nil)"},
		{"no scope", func() { jwksgin.Require(jwksauth.Scopes()) }, "jwksgin: Require: requirement 0"},
		{"invalid scope", func() { jwksgin.Require(jwksauth.Scopes("ok"), jwksauth.AnyScope("a b")) }, "requirement 1"},
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
	jwksgin.Require(jwksauth.Requirement{})
}

func TestClaimsWithoutStep(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	if _, ok := jwksgin.Claims(c); ok {
		t.Fatal("claims on a context without a request")
	}
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	if _, ok := jwksgin.Claims(c); ok {
		t.Fatal("claims on a fresh request")
	}
	want := &jwksauth.Claims{Subject: "alice"}
	c.Request = c.Request.WithContext(jwksauth.WithClaims(c.Request.Context(), want))
	if got, ok := jwksgin.Claims(c); !ok || got != want {
		t.Fatalf("Claims = %v, %v; want the claims of the request context", got, ok)
	}
}
