package jwksgin_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksgin"
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

	corsMW, err := jwksgin.CORS(testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(corsMW, jwksgin.Middleware(a, jwksgin.WithExclusions("/healthz")))
	r.GET("/healthz", text("healthy"))
	r.GET("/me", me)
	r.GET("/reports", jwksgin.Require(jwksauth.Scopes("reports:read")), me)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	allowed := map[string]string{
		"Access-Control-Allow-Origin":      appOrigin,
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers":    "Www-Authenticate,Retry-After,X-Trace",
		"Vary":                             "Origin",
	}
	preflightOK := map[string]string{
		"Access-Control-Allow-Origin":      appOrigin,
		"Access-Control-Allow-Methods":     "GET,HEAD,POST,PUT,PATCH,DELETE",
		"Access-Control-Allow-Headers":     "Authorization,Content-Type,X-Request-Id",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Max-Age":           "90",
		"WWW-Authenticate":                 "",
	}
	// gin-contrib/cors answers any request from an origin it does not allow
	// with a bare 403.
	refused := map[string]string{
		"Access-Control-Allow-Origin":      "",
		"Access-Control-Allow-Credentials": "",
		"Access-Control-Allow-Headers":     "",
		"Access-Control-Allow-Methods":     "",
		"Access-Control-Expose-Headers":    "",
		"WWW-Authenticate":                 "",
		"Vary":                             "Origin",
	}
	opts := http.MethodOptions
	tests := []struct {
		name    string
		call    call
		status  int
		headers map[string]string
	}{
		{"preflight needs no token", call{method: opts, path: "/me", origin: appOrigin, header: preflight("GET", "authorization")}, 204, preflightOK},
		{"preflight to a 404", call{method: opts, path: "/nowhere", origin: appOrigin, header: preflight("GET", "authorization")}, 204, preflightOK},
		{"preflight pattern origin", call{method: opts, path: "/me", origin: "https://a.example.org", header: preflight("GET", "")}, 204, map[string]string{"Access-Control-Allow-Origin": "https://a.example.org"}},
		// The explicit list is sent whatever was asked; the browser then
		// refuses x-evil itself.
		{"preflight unlisted header is not echoed", call{method: opts, path: "/me", origin: appOrigin, header: preflight("GET", "authorization,x-evil")}, 204, map[string]string{"Access-Control-Allow-Headers": "Authorization,Content-Type,X-Request-Id"}},
		{"preflight other origin", call{method: opts, path: "/me", origin: evilOrigin, header: preflight("GET", "authorization")}, 403, refused},
		{"preflight null origin", call{method: opts, path: "/me", origin: "null", header: preflight("GET", "authorization")}, 403, refused},
		{"pattern spans one label only", call{method: opts, path: "/me", origin: "https://a.b.example.org", header: preflight("GET", "")}, 403, refused},
		{"pattern does not match the apex", call{method: opts, path: "/me", origin: "https://example.org", header: preflight("GET", "")}, 403, refused},

		{"401 carries CORS headers", call{path: "/me", origin: appOrigin}, 401, allowed},
		{"403 carries CORS headers", call{path: "/reports", origin: appOrigin, auth: bearer(tok.good)}, 403, allowed},
		{"404 carries CORS headers", call{path: "/nowhere", origin: appOrigin, auth: bearer(tok.good)}, 404, allowed},
		{"200 carries CORS headers", call{path: "/me", origin: appOrigin, auth: bearer(tok.good)}, 200, allowed},
		{"excluded path carries CORS headers", call{path: "/healthz", origin: appOrigin}, 200, allowed},
		{"other origin is refused", call{path: "/me", origin: evilOrigin, auth: bearer(tok.good)}, 403, refused},
		{"same-origin request gets Vary", call{path: "/me", auth: bearer(tok.good)}, 200, map[string]string{"Access-Control-Allow-Origin": "", "Vary": "Origin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, do(t, srv.URL, tt.call), tt.status, "", tt.headers)
		})
	}
}

// TestCORSOnGroup shows why CORS belongs on the engine: on a group, a
// preflight to a route registered for GET only never reaches it.
func TestCORSOnGroup(t *testing.T) {
	corsMW, err := jwksgin.CORS(testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Group("/api", corsMW).GET("/me", text("me"))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)

	res := do(t, srv.URL, call{method: http.MethodOptions, path: "/api/me", origin: appOrigin, header: preflight("GET", "authorization")})
	check(t, res, http.StatusNotFound, "", map[string]string{"Access-Control-Allow-Origin": ""})
}

func TestCORSZeroAndInvalid(t *testing.T) {
	mw, err := jwksgin.CORS(cors.Policy{})
	if err != nil || mw == nil {
		t.Fatalf("zero policy: nil handler %v, error %v", mw == nil, err)
	}
	r := gin.New()
	r.Use(mw)
	r.GET("/", text("ok"))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodOptions, "/", nil)
	req.Header.Set("Origin", appOrigin)
	req.Header.Set("Access-Control-Request-Method", "GET")
	r.ServeHTTP(rec, req)
	for k := range rec.Header() {
		if len(k) > 7 && k[:7] == "Access-" || k == "Vary" {
			t.Fatalf("zero policy added %s: %v", k, rec.Header())
		}
	}

	for _, p := range []cors.Policy{
		{AllowedOrigins: []string{"*"}, AllowCredentials: true},
		{AllowedHeaders: []string{"X-Request-Id"}},
		{AllowedOrigins: []string{"https://app.example.com/"}},
		{AllowedOrigins: []string{"null"}},
		{AllowedOrigins: []string{appOrigin}, AllowedHeaders: []string{"*"}},
	} {
		mw, err := jwksgin.CORS(p)
		if !errors.Is(err, cors.ErrInvalidPolicy) || mw != nil {
			t.Errorf("CORS(%+v) = %v, %v; want nil, ErrInvalidPolicy", p, mw != nil, err)
		}
	}
}

// TestCORSAnyOrigin checks that "*" still goes through the origin callback
// and never allows credentials.
func TestCORSAnyOrigin(t *testing.T) {
	corsMW, err := jwksgin.CORS(cors.Policy{AllowedOrigins: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(corsMW)
	r.GET("/", text("ok"))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	check(t, do(t, srv.URL, call{path: "/", origin: evilOrigin}), 200, "ok", map[string]string{
		"Access-Control-Allow-Origin":      evilOrigin,
		"Access-Control-Allow-Credentials": "",
	})
	check(t, do(t, srv.URL, call{path: "/", origin: "null"}), 200, "ok", map[string]string{
		"Access-Control-Allow-Origin": "null",
	})
}
