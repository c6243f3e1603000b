package jwkshttp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwkshttp"
	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// get sends a GET with an optional bearer token and Origin, and prints the
// status and the body's first line.
func get(url, token, origin string) *http.Response {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		log.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", string(body))))
	return resp
}

// newExampleAuthenticator starts a test identity provider and an
// Authenticator that trusts it.
func newExampleAuthenticator() (*jwkstest.Issuer, *jwksauth.Authenticator) {
	idp, err := jwkstest.Start()
	if err != nil {
		log.Fatal(err)
	}
	a, err := jwksauth.New(jwksauth.Config{
		Realm: "api",
		Issuers: []jwksauth.Issuer{{
			URL:       idp.URL(), // discovery at <URL>/.well-known/openid-configuration
			Audiences: []string{jwkstest.DefaultAudience},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := a.Ready(context.Background()); err != nil {
		log.Fatal(err)
	}
	return idp, a
}

// Middleware guards a whole mux; the health check stays public.
func ExampleMiddleware() {
	idp, a := newExampleAuthenticator()
	defer idp.Close()
	defer a.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		claims, _ := jwkshttp.Claims(r)
		fmt.Fprintln(w, "hello", claims.Subject)
	})
	srv := httptest.NewServer(jwkshttp.Middleware(a, jwkshttp.WithExclusions("/healthz"))(mux))
	defer srv.Close()

	get(srv.URL+"/healthz", "", "")
	resp := get(srv.URL+"/me", "", "")
	fmt.Println(resp.Header.Get("WWW-Authenticate"))
	get(srv.URL+"/me", idp.MustMint(map[string]any{"sub": "alice"}), "")
	// Output:
	// 200 ok
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"code":"token_missing","detail":"A bearer token is required"}
	// Bearer realm="api"
	// 200 hello alice
}

// Require checks a scope on the claims the authentication step stored.
func ExampleRequire() {
	idp, a := newExampleAuthenticator()
	defer idp.Close()
	defer a.Close()

	reports := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "the reports") })
	mux := http.NewServeMux()
	mux.Handle("GET /reports", jwkshttp.Authenticate(a)(jwkshttp.Require(jwksauth.Scopes("reports:read"))(reports)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp := get(srv.URL+"/reports", idp.MustMint(map[string]any{"scope": "profile"}), "")
	fmt.Println(resp.Header.Get("WWW-Authenticate"))
	get(srv.URL+"/reports", idp.MustMint(map[string]any{"scope": "profile reports:read"}), "")
	// Output:
	// 403 {"type":"about:blank","title":"Forbidden","status":403,"code":"insufficient_scope","detail":"missing scope 'reports:read'","scope":"reports:read"}
	// Bearer realm="api", error="insufficient_scope", error_description="missing scope 'reports:read'", scope="reports:read"
	// 200 the reports
}

// Optional serves anonymous requests too, but never accepts an invalid
// token.
func ExampleOptional() {
	idp, a := newExampleAuthenticator()
	defer idp.Close()
	defer a.Close()

	feed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if claims, ok := jwkshttp.Claims(r); ok {
			fmt.Fprintln(w, "feed for", claims.Subject)
			return
		}
		fmt.Fprintln(w, "public feed")
	})
	srv := httptest.NewServer(jwkshttp.Optional(a)(feed))
	defer srv.Close()

	get(srv.URL, "", "")
	get(srv.URL, idp.MustMint(map[string]any{"sub": "bob"}), "")
	resp := get(srv.URL, idp.MustMint(nil, jwkstest.WithBadSignature()), "")
	fmt.Println(resp.Header.Get("WWW-Authenticate"))
	// Output:
	// 200 public feed
	// 200 feed for bob
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"code":"signature_invalid","detail":"The access token's signature is invalid"}
	// Bearer realm="api", error="invalid_token", error_description="The access token's signature is invalid"
}

// WithErrorHandler answers rejected requests the application's way.
func ExampleWithErrorHandler() {
	idp, a := newExampleAuthenticator()
	defer idp.Close()
	defer a.Close()

	onError := func(w http.ResponseWriter, r *http.Request, err error) {
		ans := a.Answer(err) // the standard answer, to keep its status and challenge
		ans.Header(w.Header())
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(ans.Status)
		fmt.Fprintln(w, "denied:", ans.Code)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	srv := httptest.NewServer(jwkshttp.Middleware(a, jwkshttp.WithErrorHandler(onError))(ok))
	defer srv.Close()

	get(srv.URL, "", "")
	// Output:
	// 401 denied: token_missing
}

// CORS goes outermost, so that preflights need no token and rejections
// carry CORS headers.
func ExampleCORS() {
	idp, a := newExampleAuthenticator()
	defer idp.Close()
	defer a.Close()

	corsMW, err := jwkshttp.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	srv := httptest.NewServer(corsMW(jwkshttp.Middleware(a)(ok)))
	defer srv.Close()

	resp := get(srv.URL, "", "https://app.example.com")
	fmt.Println(resp.Header.Get("Access-Control-Allow-Origin"))
	fmt.Println(resp.Header.Get("Access-Control-Expose-Headers"))
	// Output:
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"code":"token_missing","detail":"A bearer token is required"}
	// https://app.example.com
	// Www-Authenticate, Retry-After
}
