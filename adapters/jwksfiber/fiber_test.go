package jwksfiber_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// me answers with the subject of the claims, read both ways, or
// "anonymous".
func me(c *fiber.Ctx) error {
	cl, ok := jwksfiber.Claims(c)
	cl2, ok2 := jwksauth.ClaimsFromContext(c.UserContext())
	switch {
	case ok != ok2 || cl != cl2:
		return c.Status(http.StatusInternalServerError).SendString("Claims and ClaimsFromContext disagree")
	case !ok:
		return c.SendString("anonymous")
	}
	return c.SendString("sub=" + cl.Subject)
}

func text(s string) fiber.Handler {
	return func(c *fiber.Ctx) error { return c.SendString(s) }
}

// teapot is an error handler that shows it was called and what it got.
func teapot(c *fiber.Ctx, err error) error {
	if c == nil || err == nil {
		return c.Status(http.StatusInternalServerError).SendString("nil argument")
	}
	return c.Status(http.StatusTeapot).SendString("custom " + jwksauth.AnswerFor(err, "").Code)
}

// globalApp protects every route with Middleware, the way a user would.
func globalApp(a *jwksauth.Authenticator, cfg ...fiber.Config) *fiber.App {
	app := newApp(cfg...)
	app.Use(jwksfiber.Middleware(a, jwksfiber.WithExclusions("/healthz", "/public/")))
	app.Get("/healthz", text("healthy"))
	app.Get("/public/*", text("public"))
	app.Get("/me", me)
	app.Get("/reports", jwksfiber.Require(jwksauth.Scopes("reports:read")), me)
	app.Get("/admin", jwksfiber.Require(jwksauth.AnyScope("admin", "root")), me)
	app.Get("/authed", jwksfiber.Require(), me)
	return app
}

// routeApp protects routes one by one.
func routeApp(a *jwksauth.Authenticator) *fiber.App {
	reports := jwksfiber.Require(jwksauth.Scopes("reports:read"))
	app := newApp()
	app.Get("/route/open", text("open"))
	app.Get("/route/auth", jwksfiber.Authenticate(a), me)
	app.Get("/route/auth/reports", jwksfiber.Authenticate(a), reports, me)
	app.Get("/route/opt", jwksfiber.Optional(a), me)
	app.Get("/route/opt/reports", jwksfiber.Optional(a), reports, me)
	app.Get("/route/bare/reports", reports, me)
	app.Get("/route/custom", jwksfiber.Authenticate(a, jwksfiber.WithErrorHandler(teapot)), jwksfiber.Require(jwksauth.Scopes("x")), me)
	app.Get("/route/custom-opt", jwksfiber.Optional(a, jwksfiber.WithErrorHandler(teapot)), reports, me)
	return app
}

const (
	challengeMissing = `Bearer realm="api"`
	invalidToken     = `error="invalid_token"`
)

var problem = map[string]string{"Content-Type": jwksauth.ProblemContentType, "Cache-Control": "no-store"}

func with(extra map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range problem {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestMiddleware(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := mintTokens(t, iss)
	base := serve(t, globalApp(a))

	tests := []struct {
		name    string
		call    call
		status  int
		body    string
		headers map[string]string
	}{
		// Exclusions, and attempts to steer past them.
		{"excluded exact", call{path: "/healthz"}, 200, "healthy", nil},
		{"excluded prefix", call{path: "/public/a/b"}, 200, "public", nil},
		{"excluded with a query", call{path: "/healthz?x=/../me"}, 200, "healthy", nil},
		{"excluded with a bad token still passes", call{path: "/healthz", auth: bearer(tok.badSig)}, 200, "healthy", nil},
		{"prefix itself without slash", call{path: "/public"}, 401, "", nil},
		{"dot-dot never excluded", call{path: "/public/../me"}, 401, "token_missing", nil},
		{"dot-dot after exact never excluded", call{path: "/healthz/../me"}, 401, "", nil},
		{"double slash never excluded", call{path: "//healthz"}, 401, "", nil},
		{"escaped never excluded", call{path: "/health%7A"}, 401, "", nil},
		{"escaped slash never excluded", call{path: "/public%2F..%2Fme"}, 401, "", nil},
		{"escaped dots never excluded", call{path: "/public/%2e%2e/me"}, 401, "", nil},
		{"case never folded", call{path: "/HEALTHZ"}, 401, "", nil},
		{"trailing slash not excluded", call{path: "/healthz/"}, 401, "", nil},
		{"semicolon never excluded", call{path: "/healthz;/../me"}, 401, "", nil},

		// The core's answers.
		{"no token", call{path: "/me"}, 401, `"code":"token_missing"`, with(map[string]string{"WWW-Authenticate": challengeMissing})},
		{"valid token", call{path: "/me", auth: bearer(tok.good)}, 200, "sub=" + jwkstest.DefaultSubject, nil},
		{"scheme case-insensitive", call{path: "/me", auth: []string{"bearer " + tok.good}}, 200, "sub=", nil},
		{"expired", call{path: "/me", auth: bearer(tok.expired)}, 401, "token_expired", with(map[string]string{"WWW-Authenticate": invalidToken})},
		{"bad signature", call{path: "/me", auth: bearer(tok.badSig)}, 401, "signature_invalid", with(map[string]string{"WWW-Authenticate": invalidToken})},
		{"other audience", call{path: "/me", auth: bearer(tok.otherAud)}, 401, "audience_invalid", nil},
		{"unknown key", call{path: "/me", auth: bearer(tok.unknownKey)}, 401, "key_not_found", nil},
		{"two Authorization headers", call{path: "/me", auth: []string{"Bearer " + tok.good, "Bearer " + tok.good}}, 400, "invalid_request", with(map[string]string{"WWW-Authenticate": `error="invalid_request"`})},
		{"valid and invalid Authorization headers", call{path: "/me", auth: []string{"Bearer " + tok.good, "Bearer " + tok.badSig}}, 400, "invalid_request", nil},
		{"Bearer without token is a malformed token", call{path: "/me", auth: []string{"Bearer"}}, 401, "token_malformed", with(map[string]string{"WWW-Authenticate": `error="invalid_token"`})},
		{"token outside token68 is a malformed token", call{path: "/me", auth: []string{"Bearer abc def"}}, 401, "token_malformed", with(map[string]string{"WWW-Authenticate": `error="invalid_token"`})},
		{"other scheme is no token", call{path: "/me", auth: []string{"Basic dXNlcjpwYXNz"}}, 401, "token_missing", nil},
		{"unrouted path without token", call{path: "/nowhere"}, 401, "token_missing", nil},
		{"unrouted path with token", call{path: "/nowhere", auth: bearer(tok.good)}, 404, "", nil},
		{"wrong method without token", call{method: http.MethodPost, path: "/me"}, 401, "", nil},
		{"wrong method with token", call{method: http.MethodPost, path: "/me", auth: bearer(tok.good)}, 405, "", nil},
		{"OPTIONS without CORS needs a token", call{method: http.MethodOptions, path: "/me"}, 401, "", nil},

		// Require after Middleware.
		{"require met", call{path: "/reports", auth: bearer(tok.reader)}, 200, "sub=", nil},
		{"require unmet", call{path: "/reports", auth: bearer(tok.good)}, 403, "insufficient_scope", with(map[string]string{"WWW-Authenticate": `Bearer realm="api", error="insufficient_scope"`})},
		{"require unmet names scope", call{path: "/reports", auth: bearer(tok.good)}, 403, `"scope":"reports:read"`, map[string]string{"WWW-Authenticate": `scope="reports:read"`}},
		{"require any unmet", call{path: "/admin", auth: bearer(tok.reader)}, 403, `"scope":"admin root"`, nil},
		{"require nothing", call{path: "/authed", auth: bearer(tok.good)}, 200, "sub=", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, base, tt.call)
			check(t, res, tt.status, tt.body, tt.headers)
			noToken(t, res, tok.all())
		})
	}
}

func TestRouteLevel(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := mintTokens(t, iss)
	base := serve(t, routeApp(a))

	tests := []struct {
		name    string
		call    call
		status  int
		body    string
		headers map[string]string
	}{
		{"unprotected route", call{path: "/route/open"}, 200, "open", nil},

		// Authenticate.
		{"authenticate no token", call{path: "/route/auth"}, 401, "token_missing", with(map[string]string{"WWW-Authenticate": challengeMissing})},
		{"authenticate valid", call{path: "/route/auth", auth: bearer(tok.good)}, 200, "sub=", nil},
		{"authenticate expired", call{path: "/route/auth", auth: bearer(tok.expired)}, 401, "token_expired", nil},
		{"authenticate+require met", call{path: "/route/auth/reports", auth: bearer(tok.reader)}, 200, "sub=", nil},
		{"authenticate+require unmet", call{path: "/route/auth/reports", auth: bearer(tok.good)}, 403, "insufficient_scope", map[string]string{"WWW-Authenticate": `realm="api"`}},

		// Optional.
		{"optional no token", call{path: "/route/opt"}, 200, "anonymous", nil},
		{"optional other scheme", call{path: "/route/opt", auth: []string{"Basic dXNlcjpwYXNz"}}, 200, "anonymous", nil},
		{"optional valid", call{path: "/route/opt", auth: bearer(tok.good)}, 200, "sub=", nil},
		{"optional invalid is rejected", call{path: "/route/opt", auth: bearer(tok.badSig)}, 401, "signature_invalid", nil},
		{"optional malformed is rejected", call{path: "/route/opt", auth: []string{"Bearer"}}, 401, "token_malformed", nil},
		{"optional two headers rejected", call{path: "/route/opt", auth: []string{"Bearer " + tok.good, "Basic dXNlcjpwYXNz"}}, 400, "invalid_request", nil},
		{"optional+require anonymous", call{path: "/route/opt/reports"}, 401, "token_missing", map[string]string{"WWW-Authenticate": challengeMissing}},
		{"optional+require met", call{path: "/route/opt/reports", auth: bearer(tok.reader)}, 200, "sub=", nil},
		{"optional+require unmet", call{path: "/route/opt/reports", auth: bearer(tok.good)}, 403, "insufficient_scope", nil},

		// Require without a step before it: the default answer, no realm.
		{"bare require", call{path: "/route/bare/reports", auth: bearer(tok.reader)}, 401, "token_missing", with(nil)},

		// WithErrorHandler, for the step and for Require after it.
		{"error handler on missing token", call{path: "/route/custom"}, 418, "custom token_missing", nil},
		{"error handler on invalid token", call{path: "/route/custom", auth: bearer(tok.expired)}, 418, "custom token_expired", nil},
		{"error handler on unmet requirement", call{path: "/route/custom", auth: bearer(tok.good)}, 418, "custom insufficient_scope", nil},
		{"error handler after optional", call{path: "/route/custom-opt"}, 418, "custom token_missing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, base, tt.call)
			check(t, res, tt.status, tt.body, tt.headers)
			if tt.name == "bare require" {
				if got := res.header.Get("WWW-Authenticate"); got != "Bearer" {
					t.Errorf("WWW-Authenticate = %q, want %q (no realm)", got, "Bearer")
				}
			}
			noToken(t, res, tok.all())
		})
	}
}

// TestClaimsStores checks both stores and that a later handler sees the
// same claims, and that nothing is stored on excluded or anonymous
// requests.
func TestClaimsStores(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := iss.MustMint(map[string]any{"sub": "alice", "scope": "a b"})

	app := newApp()
	app.Use(jwksfiber.Middleware(a, jwksfiber.WithExclusions("/healthz")))
	app.Use(func(c *fiber.Ctx) error {
		// A later handler sees what the step stored.
		if cl, ok := jwksfiber.Claims(c); ok {
			c.Set("X-Sub", cl.Subject)
		}
		return c.Next()
	})
	app.Get("/healthz", me)
	app.Get("/me", func(c *fiber.Ctx) error {
		cl, ok := jwksfiber.Claims(c)
		if !ok || !cl.HasScope("b") {
			return c.Status(http.StatusInternalServerError).SendString("no claims")
		}
		return me(c)
	})
	base := serve(t, app)

	check(t, do(t, base, call{path: "/me", auth: bearer(tok)}), 200, "sub=alice", map[string]string{"X-Sub": "alice"})
	check(t, do(t, base, call{path: "/healthz"}), 200, "anonymous", map[string]string{"X-Sub": ""})

	// Outside any request: no claims, no panic.
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	if cl, ok := jwksfiber.Claims(c); ok || cl != nil {
		t.Fatalf("Claims of a fresh context = %v, %v", cl, ok)
	}
}

func TestTokenSources(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	tok := mintTokens(t, iss)
	both := newAuth(t, iss, func(c *jwksauth.Config) { c.TokenCookie, c.TokenQuery = "at", "access_token" })
	headerOnly := newAuth(t, iss, nil)

	app := newApp()
	app.Get("/both", jwksfiber.Authenticate(both), me)
	app.Get("/header", jwksfiber.Authenticate(headerOnly), me)
	base := serve(t, app)

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
		{"invalid query token", call{path: "/both?access_token=" + tok.badSig}, 401, "signature_invalid"},
		{"two cookies", call{path: "/both", cookies: []*http.Cookie{ck("at", tok.good), ck("at", tok.good)}}, 400, "invalid_request"},
		{"two cookie headers", call{path: "/both", header: http.Header{"Cookie": {"at=" + tok.good, "at=" + tok.good}}}, 400, "invalid_request"},
		{"two query values", call{path: "/both?access_token=" + tok.good + "&access_token=" + tok.good}, 400, "invalid_request"},
		{"cookie and header", call{path: "/both", auth: bearer(tok.good), cookies: []*http.Cookie{ck("at", tok.good)}}, 400, "invalid_request"},
		{"query and header", call{path: "/both?access_token=" + tok.good, auth: bearer(tok.good)}, 400, "invalid_request"},
		{"cookie and query", call{path: "/both?access_token=" + tok.good, cookies: []*http.Cookie{ck("at", tok.good)}}, 400, "invalid_request"},
		{"empty cookie is no token", call{path: "/both", cookies: []*http.Cookie{ck("at", "")}}, 401, "token_missing"},
		{"cookie not configured", call{path: "/header", cookies: []*http.Cookie{ck("at", tok.good)}}, 401, "token_missing"},
		{"query not configured", call{path: "/header?access_token=" + tok.good}, 401, "token_missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, base, tt.call)
			check(t, res, tt.status, tt.body, nil)
			noToken(t, res, tok.all())
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
	app := newApp()
	app.Get("/fw", jwksfiber.Authenticate(a, jwksfiber.WithFrameworkErrors()), me)
	app.Use(jwksfiber.Middleware(a))
	app.Get("/", me)
	base := serve(t, app)

	for _, path := range []string{"/", "/fw"} {
		res := do(t, base, call{path: path, auth: bearer(tok)})
		check(t, res, http.StatusServiceUnavailable, "", map[string]string{"WWW-Authenticate": ""})
		if res.header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After on 503", path)
		}
	}
}

// TestFrameworkErrors runs WithFrameworkErrors against Fiber's
// DefaultErrorHandler and a custom one matching sentinels with errors.Is.
func TestFrameworkErrors(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := mintTokens(t, iss)

	build := func(handler fiber.ErrorHandler) string {
		app := newApp(fiber.Config{ReadBufferSize: 16 << 10, ErrorHandler: handler})
		app.Use(jwksfiber.Middleware(a, jwksfiber.WithFrameworkErrors(), jwksfiber.WithExclusions("/healthz")))
		app.Get("/me", me)
		app.Get("/reports", jwksfiber.Require(jwksauth.Scopes("reports:read")), me)
		return serve(t, app)
	}

	t.Run("default handler", func(t *testing.T) {
		base := build(nil)
		tests := []struct {
			name    string
			call    call
			status  int
			body    string
			headers map[string]string
		}{
			{"no token", call{path: "/me"}, 401, "A bearer token is required", map[string]string{
				"WWW-Authenticate": challengeMissing, "Cache-Control": "no-store", "Content-Type": "text/plain"}},
			{"expired", call{path: "/me", auth: bearer(tok.expired)}, 401, "The access token expired", map[string]string{"WWW-Authenticate": invalidToken}},
			{"malformed", call{path: "/me", auth: []string{"Bearer"}}, 401, "The access token is malformed", map[string]string{"WWW-Authenticate": `error="invalid_token"`}},
			{"two headers", call{path: "/me", auth: []string{"Bearer " + tok.good, "Bearer " + tok.good}}, 400, "bearer token in a valid form", map[string]string{"WWW-Authenticate": `error="invalid_request"`}},
			{"require unmet", call{path: "/reports", auth: bearer(tok.good)}, 403, "missing scope", map[string]string{"WWW-Authenticate": `error="insufficient_scope", error_description=`}},
			{"valid", call{path: "/me", auth: bearer(tok.good)}, 200, "sub=", map[string]string{"WWW-Authenticate": ""}},
			{"404 with token is Fiber's", call{path: "/nowhere", auth: bearer(tok.good)}, 404, "Cannot GET /nowhere", map[string]string{"WWW-Authenticate": ""}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := do(t, base, tt.call)
				check(t, res, tt.status, tt.body, tt.headers)
				noToken(t, res, tok.all())
			})
		}
	})

	t.Run("custom handler", func(t *testing.T) {
		var (
			mu  sync.Mutex
			got []error
		)
		base := build(func(c *fiber.Ctx, err error) error {
			mu.Lock()
			got = append(got, err)
			mu.Unlock()
			var je *jwksfiber.Error
			switch {
			case errors.Is(err, jwksauth.ErrTokenExpired):
				return c.Status(http.StatusTeapot).SendString("expired")
			case errors.As(err, &je):
				c.Set(fiber.HeaderContentType, jwksauth.ProblemContentType)
				return c.Status(je.Answer.Status).Send(je.Answer.Body())
			}
			return fiber.DefaultErrorHandler(c, err)
		})
		check(t, do(t, base, call{path: "/me", auth: bearer(tok.expired)}), 418, "expired", map[string]string{"WWW-Authenticate": invalidToken})
		check(t, do(t, base, call{path: "/me", auth: bearer(tok.badSig)}), 401, `"code":"signature_invalid"`, with(map[string]string{"WWW-Authenticate": invalidToken}))
		check(t, do(t, base, call{path: "/reports", auth: bearer(tok.good)}), 403, `"code":"insufficient_scope"`, map[string]string{"WWW-Authenticate": `scope="reports:read"`})
		check(t, do(t, base, call{path: "/nowhere", auth: bearer(tok.good)}), 404, "Cannot GET", nil)

		mu.Lock()
		defer mu.Unlock()
		if len(got) != 4 {
			t.Fatalf("handler called %d times, want 4", len(got))
		}
		for i, want := range []error{jwksauth.ErrTokenExpired, jwksauth.ErrSignature, jwksauth.ErrInsufficientScope} {
			var fe *fiber.Error
			var je *jwksfiber.Error
			if !errors.Is(got[i], want) || !errors.As(got[i], &fe) || !errors.As(got[i], &je) {
				t.Errorf("error %d = %v: want a *jwksfiber.Error and a *fiber.Error matching %v", i, got[i], want)
				continue
			}
			if fe.Code != je.Answer.Status || fe.Message != je.Answer.Description || je.Error() != je.Answer.Description {
				t.Errorf("error %d: fiber.Error %+v does not match the answer %+v", i, fe, je.Answer)
			}
		}
		if errors.Is(got[3], jwksauth.ErrTokenMissing) {
			t.Error("Fiber's 404 matches a jwksauth sentinel")
		}
	})
}

func TestConcurrentRequests(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := mintTokens(t, iss)
	global, route := serve(t, globalApp(a)), serve(t, routeApp(a))

	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for range 10 {
				switch i % 3 {
				case 0:
					check(t, do(t, global, call{path: "/reports", auth: bearer(tok.reader)}), 200, "sub=", nil)
				case 1:
					check(t, do(t, global, call{path: "/reports", auth: bearer(tok.good)}), 403, "", nil)
				default:
					check(t, do(t, route, call{path: "/route/opt"}), 200, "anonymous", nil)
				}
			}
		})
	}
	wg.Wait()
}

func TestSetupPanics(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	h := func(*fiber.Ctx, error) error { return nil }
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"nil authenticator", func() { jwksfiber.Middleware(nil) }, "jwksfiber: Middleware: nil *jwksauth.Authenticator"},
		{"nil authenticator (Optional)", func() { jwksfiber.Optional(nil) }, "jwksfiber: Optional: nil"},
		{"nil authenticator (Authenticate)", func() { jwksfiber.Authenticate(nil) }, "jwksfiber: Authenticate: nil"},
		{"nil option", func() { jwksfiber.Authenticate(a, nil) }, "jwksfiber: Authenticate: option 0 is nil"},
		{"relative exclusion", func() { jwksfiber.Middleware(a, jwksfiber.WithExclusions("healthz")) }, "jwksfiber: Middleware: WithExclusions:"},
		{"root exclusion", func() { jwksfiber.Middleware(a, jwksfiber.WithExclusions("/")) }, "jwksfiber: Middleware: WithExclusions:"},
		{"non-canonical exclusion", func() { jwksfiber.Middleware(a, jwksfiber.WithExclusions("/a/../b")) }, "WithExclusions"},
		{"escaped exclusion", func() { jwksfiber.Middleware(a, jwksfiber.WithExclusions("/health%7A")) }, "WithExclusions"},
		{"exclusions on Authenticate", func() { jwksfiber.Authenticate(a, jwksfiber.WithExclusions("/healthz")) }, "WithExclusions applies to Middleware only"},
		{"exclusions on Optional", func() { jwksfiber.Optional(a, jwksfiber.WithExclusions("/healthz")) }, "WithExclusions applies to Middleware only"},
		{"nil error handler", func() { jwksfiber.Middleware(a, jwksfiber.WithErrorHandler(nil)) }, "WithErrorHandler(nil)"},
		{"both error options", func() {
			jwksfiber.Middleware(a, jwksfiber.WithErrorHandler(h), jwksfiber.WithFrameworkErrors())
		}, "exclude each other"},
		{"no scope", func() { jwksfiber.Require(jwksauth.Scopes()) }, "jwksfiber: Require: requirement 0"},
		{"invalid scope", func() { jwksfiber.Require(jwksauth.Scopes("ok"), jwksauth.AnyScope("a b")) }, "requirement 1"},
		{"invalid path", func() { jwksfiber.Require(jwksauth.Roles("a..b", "admin")) }, "requirement 0"},
		{"nil func", func() { jwksfiber.Require(jwksauth.Func("x", nil)) }, "nil func"},
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
	// The zero Requirement requires nothing and is valid; so is no option.
	jwksfiber.Require(jwksauth.Requirement{})
	jwksfiber.Middleware(a, jwksfiber.WithExclusions("/healthz"), jwksfiber.WithExclusions("/public/"))
}
