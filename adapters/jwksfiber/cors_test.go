package jwksfiber_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/jwkstest"
)

const (
	appOrigin  = "https://app.example.com"
	evilOrigin = "https://evil.example.net"
)

var testPolicy = cors.Policy{
	AllowedOrigins:   []string{appOrigin, "https://*.example.org"},
	AllowedHeaders:   []string{"X-Request-Id"},
	ExposedHeaders:   []string{"X-Trace"},
	AllowCredentials: true,
	MaxAge:           90 * time.Second,
}

func preflight(method, headers string) http.Header {
	h := http.Header{"Access-Control-Request-Method": {method}}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return h
}

func TestCORS(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := mintTokens(t, iss)

	corsMW, err := jwksfiber.CORS(testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	app := newApp()
	app.Use(corsMW)
	// A route-level step with the framework's error handler, before the
	// global Middleware.
	app.Get("/fw", jwksfiber.Authenticate(a, jwksfiber.WithFrameworkErrors()), me)
	app.Use(jwksfiber.Middleware(a, jwksfiber.WithExclusions("/healthz")))
	app.Get("/healthz", text("healthy"))
	app.Get("/me", me)
	app.Get("/reports", jwksfiber.Require(jwksauth.Scopes("reports:read")), me)
	base := serve(t, app)

	allowed := map[string]string{
		"Access-Control-Allow-Origin":      appOrigin,
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers":    "WWW-Authenticate,Retry-After,X-Trace",
		"Vary":                             "Origin",
	}
	// Fiber's middleware sets the allowed methods, headers and exposed
	// headers whatever the origin; without Access-Control-Allow-Origin they
	// allow nothing.
	refused := map[string]string{
		"Access-Control-Allow-Origin":      "",
		"Access-Control-Allow-Credentials": "",
	}
	opts := http.MethodOptions
	tests := []struct {
		name    string
		call    call
		status  int
		headers map[string]string
	}{
		{"preflight needs no token", call{method: opts, path: "/me", origin: appOrigin, header: preflight("GET", "authorization")}, 204, map[string]string{
			"Access-Control-Allow-Origin":      appOrigin,
			"Access-Control-Allow-Methods":     "GET,HEAD,POST,PUT,PATCH,DELETE",
			"Access-Control-Allow-Headers":     "Authorization,Content-Type,X-Request-Id",
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Max-Age":           "90",
			"WWW-Authenticate":                 "",
		}},
		{"preflight headers are the list, never the request echoed", call{method: opts, path: "/me", origin: appOrigin, header: preflight("GET", "authorization,x-evil")}, 204, map[string]string{
			"Access-Control-Allow-Origin":  appOrigin,
			"Access-Control-Allow-Headers": "Authorization,Content-Type,X-Request-Id",
		}},
		{"preflight to a 404", call{method: opts, path: "/nowhere", origin: appOrigin, header: preflight("GET", "authorization")}, 204, map[string]string{"Access-Control-Allow-Origin": appOrigin}},
		{"preflight to an excluded path", call{method: opts, path: "/healthz", origin: appOrigin, header: preflight("GET", "")}, 204, map[string]string{"Access-Control-Allow-Origin": appOrigin}},
		{"preflight pattern origin", call{method: opts, path: "/me", origin: "https://a.example.org", header: preflight("GET", "")}, 204, map[string]string{"Access-Control-Allow-Origin": "https://a.example.org"}},
		{"preflight other origin", call{method: opts, path: "/me", origin: evilOrigin, header: preflight("GET", "authorization")}, 204, refused},
		{"preflight null origin", call{method: opts, path: "/me", origin: "null", header: preflight("GET", "authorization")}, 204, refused},
		{"preflight origin with trailing slash", call{method: opts, path: "/me", origin: appOrigin + "/", header: preflight("GET", "")}, 204, refused},
		{"pattern spans one label only", call{method: opts, path: "/me", origin: "https://a.b.example.org", header: preflight("GET", "")}, 204, refused},
		{"pattern does not match the apex", call{method: opts, path: "/me", origin: "https://example.org", header: preflight("GET", "")}, 204, refused},
		{"pattern does not match a suffix", call{method: opts, path: "/me", origin: "https://evilexample.org", header: preflight("GET", "")}, 204, refused},
		{"pattern scheme is exact", call{method: opts, path: "/me", origin: "http://a.example.org", header: preflight("GET", "")}, 204, refused},

		{"401 carries CORS headers", call{path: "/me", origin: appOrigin}, 401, allowed},
		{"401 for the framework handler carries CORS headers", call{path: "/fw", origin: appOrigin}, 401, allowed},
		{"400 carries CORS headers", call{path: "/me", origin: appOrigin, auth: []string{"Bearer x.y.z", "Bearer x.y.z"}}, 400, allowed},
		{"401 for a malformed token carries CORS headers", call{path: "/me", origin: appOrigin, auth: []string{"Bearer"}}, 401, allowed},
		{"403 carries CORS headers", call{path: "/reports", origin: appOrigin, auth: bearer(tok.good)}, 403, allowed},
		{"404 carries CORS headers", call{path: "/nowhere", origin: appOrigin, auth: bearer(tok.good)}, 404, allowed},
		{"405 carries CORS headers", call{method: http.MethodPut, path: "/me", origin: appOrigin, auth: bearer(tok.good)}, 405, allowed},
		{"OPTIONS with origin and no token", call{method: opts, path: "/me", origin: appOrigin}, 401, refused},
		{"200 carries CORS headers", call{path: "/me", origin: appOrigin, auth: bearer(tok.good)}, 200, allowed},
		{"excluded path carries CORS headers", call{path: "/healthz", origin: appOrigin}, 200, allowed},
		{"other origin gets no CORS headers", call{path: "/me", origin: evilOrigin, auth: bearer(tok.good)}, 200, refused},
		{"other origin's 401 gets no CORS headers", call{path: "/me", origin: evilOrigin}, 401, refused},
		{"same-origin request gets Vary", call{path: "/me", auth: bearer(tok.good)}, 200, map[string]string{"Vary": "Origin", "Access-Control-Allow-Origin": ""}},
		{"OPTIONS without request method is not a preflight", call{method: opts, path: "/me", origin: appOrigin}, 401, refused},
		{"OPTIONS without origin needs a token", call{method: opts, path: "/me"}, 401, refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, base, tt.call)
			check(t, res, tt.status, "", tt.headers)
		})
	}
}

func TestCORSZeroAndInvalid(t *testing.T) {
	mw, err := jwksfiber.CORS(cors.Policy{})
	if err != nil || mw == nil {
		t.Fatalf("zero policy: %v, %v", mw != nil, err)
	}
	app := newApp()
	app.Use(mw)
	app.Get("/", text("ok"))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Origin", appOrigin)
	resp, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k := range resp.Header {
		if len(k) > 15 && k[:15] == "Access-Control-" || k == "Vary" {
			t.Fatalf("zero policy added %s: %v", k, resp.Header)
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("zero policy: status %d", resp.StatusCode)
	}

	for _, p := range []cors.Policy{
		{AllowedOrigins: []string{"*"}, AllowCredentials: true},
		{AllowedHeaders: []string{"X-Request-Id"}},
		{AllowedOrigins: []string{"https://app.example.com/"}},
		{AllowedOrigins: []string{"null"}},
		{AllowedOrigins: []string{appOrigin}, AllowedHeaders: []string{"*"}},
	} {
		mw, err := jwksfiber.CORS(p)
		if !errors.Is(err, cors.ErrInvalidPolicy) || mw != nil {
			t.Errorf("CORS(%+v) = %v, %v; want nil, ErrInvalidPolicy", p, mw != nil, err)
		}
	}
}

// TestCORSCase checks Fiber's one deviation from the core's byte-for-byte
// origin comparison: its middleware lower-cases the Origin header before
// asking AllowOriginsFunc and echoes the lower-cased form. A browser, which
// sends origins in lowercase anyway, compares Access-Control-Allow-Origin
// with its origin byte for byte, so a mixed-case Origin is never granted.
func TestCORSCase(t *testing.T) {
	mw, err := jwksfiber.CORS(testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	app := newApp()
	app.Use(mw)
	app.Get("/", text("ok"))
	base := serve(t, app)
	for _, origin := range []string{"https://APP.example.com", "HTTPS://app.example.com", "https://A.example.org"} {
		res := do(t, base, call{method: http.MethodOptions, path: "/", origin: origin, header: preflight("GET", "")})
		if got := res.header.Get("Access-Control-Allow-Origin"); got == origin {
			t.Errorf("Origin %q granted as sent", origin)
		}
		res = do(t, base, call{path: "/", origin: origin})
		if got := res.header.Get("Access-Control-Allow-Origin"); got == origin {
			t.Errorf("Origin %q granted as sent", origin)
		}
	}
}

// TestCORSAnyOrigin checks that "*" is honoured through the origin
// callback: the origin is echoed (never "*" with Vary missing), and
// credentials are never allowed.
func TestCORSAnyOrigin(t *testing.T) {
	mw, err := jwksfiber.CORS(cors.Policy{AllowedOrigins: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	app := newApp()
	app.Use(mw)
	app.Get("/", text("ok"))
	base := serve(t, app)
	check(t, do(t, base, call{path: "/", origin: "https://anyone.example"}), 200, "ok", map[string]string{
		"Access-Control-Allow-Origin":      "https://anyone.example",
		"Access-Control-Allow-Credentials": "",
		"Vary":                             "Origin",
	})
}
