package jwkshttp_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwkshttp"
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

	corsMW, err := jwkshttp.CORS(testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", text("healthy"))
	mux.Handle("GET /me", me)
	mux.Handle("GET /reports", jwkshttp.Require(jwksauth.Scopes("reports:read"))(me))
	srv := httptest.NewServer(corsMW(jwkshttp.Middleware(a, jwkshttp.WithExclusions("/healthz"))(mux)))
	t.Cleanup(srv.Close)

	allowed := map[string]string{
		"Access-Control-Allow-Origin":      appOrigin,
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers":    "Www-Authenticate, Retry-After, X-Trace",
		"Vary":                             "Origin",
	}
	refused := map[string]string{
		"Access-Control-Allow-Origin":      "",
		"Access-Control-Allow-Credentials": "",
		"Access-Control-Allow-Headers":     "",
		"Access-Control-Allow-Methods":     "",
		"Access-Control-Expose-Headers":    "",
		"Vary":                             "Origin",
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
			"Access-Control-Allow-Methods":     "GET",
			"Access-Control-Allow-Headers":     "authorization",
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Max-Age":           "90",
			"WWW-Authenticate":                 "",
		}},
		{"preflight with listed headers", call{method: opts, path: "/me", origin: appOrigin, header: preflight("PATCH", "authorization,content-type,x-request-id")}, 204, map[string]string{
			"Access-Control-Allow-Origin":  appOrigin,
			"Access-Control-Allow-Headers": "authorization,content-type,x-request-id",
		}},
		{"preflight to a 404", call{method: opts, path: "/nowhere", origin: appOrigin, header: preflight("GET", "authorization")}, 204, map[string]string{"Access-Control-Allow-Origin": appOrigin}},
		{"preflight pattern origin", call{method: opts, path: "/me", origin: "https://a.example.org", header: preflight("GET", "")}, 204, map[string]string{"Access-Control-Allow-Origin": "https://a.example.org"}},
		{"preflight unlisted header is not echoed", call{method: opts, path: "/me", origin: appOrigin, header: preflight("GET", "authorization,x-evil")}, 204, refused},
		{"preflight unlisted method", call{method: opts, path: "/me", origin: appOrigin, header: preflight("CONNECT", "")}, 204, refused},
		{"preflight other origin", call{method: opts, path: "/me", origin: evilOrigin, header: preflight("GET", "authorization")}, 204, refused},
		{"preflight null origin", call{method: opts, path: "/me", origin: "null", header: preflight("GET", "authorization")}, 204, refused},
		{"pattern spans one label only", call{method: opts, path: "/me", origin: "https://a.b.example.org", header: preflight("GET", "")}, 204, refused},
		{"pattern does not match the apex", call{method: opts, path: "/me", origin: "https://example.org", header: preflight("GET", "")}, 204, refused},

		{"401 carries CORS headers", call{path: "/me", origin: appOrigin}, 401, allowed},
		{"403 carries CORS headers", call{path: "/reports", origin: appOrigin, auth: bearer(tok.good)}, 403, allowed},
		{"404 carries CORS headers", call{path: "/nowhere", origin: appOrigin, auth: bearer(tok.good)}, 404, allowed},
		{"200 carries CORS headers", call{path: "/me", origin: appOrigin, auth: bearer(tok.good)}, 200, allowed},
		{"excluded path carries CORS headers", call{path: "/healthz", origin: appOrigin}, 200, allowed},
		{"other origin gets no CORS headers", call{path: "/me", origin: evilOrigin, auth: bearer(tok.good)}, 200, refused},
		{"same-origin request gets Vary", call{path: "/me", auth: bearer(tok.good)}, 200, refused},
		{"OPTIONS without request method is not a preflight", call{method: opts, path: "/me", origin: appOrigin}, 401, allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, do(t, srv.URL, tt.call), tt.status, "", tt.headers)
		})
	}
}

func TestCORSZeroAndInvalid(t *testing.T) {
	mw, err := jwkshttp.CORS(cors.Policy{})
	if err != nil || mw == nil {
		t.Fatalf("zero policy: nil middleware %v, error %v", mw == nil, err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodOptions, "/", nil)
	req.Header.Set("Origin", appOrigin)
	req.Header.Set("Access-Control-Request-Method", "GET")
	mw(h).ServeHTTP(rec, req)
	if len(rec.Header()) != 0 {
		t.Fatalf("zero policy added headers: %v", rec.Header())
	}

	for _, p := range []cors.Policy{
		{AllowedOrigins: []string{"*"}, AllowCredentials: true},
		{AllowedHeaders: []string{"X-Request-Id"}},
		{AllowedOrigins: []string{"https://app.example.com/"}},
		{AllowedOrigins: []string{"null"}},
		{AllowedOrigins: []string{appOrigin}, AllowedHeaders: []string{"*"}},
	} {
		mw, err := jwkshttp.CORS(p)
		if !errors.Is(err, cors.ErrInvalidPolicy) || mw != nil {
			t.Errorf("CORS(%+v) = %v, %v; want nil, ErrInvalidPolicy", p, mw != nil, err)
		}
	}
}
