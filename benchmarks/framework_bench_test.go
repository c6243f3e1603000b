package benchmarks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/jwksauth/jwksauth/core/jws"
)

// frameworkAuths lists, for a framework, its unprotected route, jwksauth's
// adapter (verified-token cache off and on) and the framework's own JWT
// middleware on the same route.
func frameworkAuths(fw string) []string {
	return append([]string{NameUnprotected, NameJWKSAuth, NameJWKSAuthHit}, Auths(fw)...)
}

// serveFunc returns one request through app's handler, in process, and the
// status it answered.
func serveFunc(tb testing.TB, app *App, tok string) func() int {
	tb.Helper()
	if app.Fiber != nil {
		h := app.Fiber.Handler()
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI(Route)
		ctx.Request.Header.Set("Authorization", "Bearer "+tok)
		return func() int {
			// fasthttp's server resets a reused RequestCtx's user values
			// (where Fiber keeps the user context) after every request;
			// without it each request would wrap the last one's context.
			ctx.ResetUserValues()
			ctx.Response.Reset()
			h(&ctx)
			return ctx.Response.StatusCode()
		}
	}
	req := httptest.NewRequest(http.MethodGet, Route, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	w := &discardWriter{h: make(http.Header)}
	return func() int {
		w.status = 0
		clear(w.h)
		app.Handler.ServeHTTP(w, req)
		if w.status == 0 {
			return http.StatusOK
		}
		return w.status
	}
}

// discardWriter is an http.ResponseWriter that keeps only the status, so
// that the benchmark measures the framework and the middleware, not a
// recorder's buffer.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}

// TestFrameworkApps proves every app of the framework benchmarks answers
// 200 to a valid token and, when protected, 401 to a token of another
// audience.
func TestFrameworkApps(t *testing.T) {
	e := newEnv(t, jws.RS256)
	tok, err := e.Token()
	if err != nil {
		t.Fatal(err)
	}
	bad, err := e.Rejected()
	if err != nil {
		t.Fatal(err)
	}
	for _, fw := range Frameworks {
		for _, auth := range frameworkAuths(fw) {
			t.Run(fw+"/"+auth, func(t *testing.T) {
				app, err := e.NewApp(context.Background(), fw, auth, AppOptions{})
				if err != nil {
					t.Fatal(err)
				}
				defer app.Close()
				if got := serveFunc(t, app, tok)(); got != http.StatusOK {
					t.Errorf("valid token: status %d", got)
				}
				if auth == NameUnprotected {
					return
				}
				for name, b := range bad {
					if got := serveFunc(t, app, b)(); got != http.StatusUnauthorized && got != http.StatusBadRequest {
						t.Errorf("%s: status %d", name, got)
					}
				}
			})
		}
	}
}

// BenchmarkFramework sends one RS256 request (about 850-byte token) through
// each framework's router in process: the unprotected route, jwksauth's
// adapter (verified-token cache off and on), and the framework's own JWT
// middleware (net/http: keyfunc v3 + golang-jwt and auth0 v2; Gin: a
// keyfunc middleware; Echo: echo-jwt; Fiber: contrib/jwt). The floor is
// measured in the same run; an adapter's auth cost is its route minus the
// unprotected one, measured robustly by the cost/… sub-benchmarks, which
// time the protected route, the unprotected route and the floor in
// alternating batches (auth-ns/op, auth-x-floor).
//
//	go test -run '^$' -bench BenchmarkFramework -benchmem -count 6 .
func BenchmarkFramework(b *testing.B) {
	e := newEnv(b, jws.RS256)
	tok, err := e.Token()
	if err != nil {
		b.Fatal(err)
	}
	floor, err := e.Floor(tok)
	if err != nil {
		b.Fatal(err)
	}
	b.Run(NameFloor, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := floor(); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, fw := range Frameworks {
		open, err := e.NewApp(context.Background(), fw, NameUnprotected, AppOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer open.Close()
		serveOpen := serveFunc(b, open, tok)
		for _, auth := range frameworkAuths(fw)[1:] {
			// cost: the protected route, the unprotected one and the floor
			// in alternating batches; the auth cost's ratio to the floor.
			b.Run(fw+"/cost/"+auth, func(b *testing.B) {
				app, err := e.NewApp(context.Background(), fw, auth, AppOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer app.Close()
				status := func(serve func() int) func() error {
					return func() error {
						if got := serve(); got != http.StatusOK {
							return fmt.Errorf("status %d", got)
						}
						return nil
					}
				}
				reportCost(b, status(serveFunc(b, app, tok)), status(serveOpen), floor)
			})
		}
		for _, auth := range frameworkAuths(fw) {
			b.Run(fw+"/"+auth, func(b *testing.B) {
				app, err := e.NewApp(context.Background(), fw, auth, AppOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer app.Close()
				serve := serveFunc(b, app, tok)
				if got := serve(); got != http.StatusOK {
					b.Fatalf("status %d", got)
				}
				b.ReportAllocs()
				for b.Loop() {
					if got := serve(); got != http.StatusOK {
						b.Fatalf("status %d", got)
					}
				}
			})
		}
	}
}
