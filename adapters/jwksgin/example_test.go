package jwksgin_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksgin"
	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// get sends a request with an optional bearer token and Origin, and prints
// the status and the body.
func get(method, url, token, origin string) *http.Response {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		log.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if method == http.MethodOptions {
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "authorization")
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

// Middleware guards the whole engine; the health check stays public.
func ExampleMiddleware() {
	idp, a := newExampleAuthenticator()
	defer idp.Close()
	defer a.Close()

	r := gin.New()
	r.Use(jwksgin.Middleware(a, jwksgin.WithExclusions("/healthz")))
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/me", func(c *gin.Context) {
		claims, _ := jwksgin.Claims(c)
		c.String(http.StatusOK, "hello %s", claims.Subject)
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	get("GET", srv.URL+"/healthz", "", "")
	resp := get("GET", srv.URL+"/me", "", "")
	fmt.Println(resp.Header.Get("WWW-Authenticate"))
	get("GET", srv.URL+"/me", idp.MustMint(map[string]any{"sub": "alice"}), "")
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

	r := gin.New()
	api := r.Group("/api", jwksgin.Authenticate(a))
	api.GET("/reports", jwksgin.Require(jwksauth.Scopes("reports:read")), func(c *gin.Context) {
		c.String(http.StatusOK, "the reports")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	resp := get("GET", srv.URL+"/api/reports", idp.MustMint(map[string]any{"scope": "profile"}), "")
	fmt.Println(resp.Header.Get("WWW-Authenticate"))
	get("GET", srv.URL+"/api/reports", idp.MustMint(map[string]any{"scope": "profile reports:read"}), "")
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

	r := gin.New()
	r.GET("/feed", jwksgin.Optional(a), func(c *gin.Context) {
		if claims, ok := jwksgin.Claims(c); ok {
			c.String(http.StatusOK, "feed for %s", claims.Subject)
			return
		}
		c.String(http.StatusOK, "public feed")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	get("GET", srv.URL+"/feed", "", "")
	get("GET", srv.URL+"/feed", idp.MustMint(map[string]any{"sub": "bob"}), "")
	get("GET", srv.URL+"/feed", idp.MustMint(nil, jwkstest.WithBadSignature()), "")
	// Output:
	// 200 public feed
	// 200 feed for bob
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"code":"signature_invalid","detail":"The access token's signature is invalid"}
}

// WithErrorHandler answers rejected requests the application's way.
func ExampleWithErrorHandler() {
	idp, a := newExampleAuthenticator()
	defer idp.Close()
	defer a.Close()

	onError := func(c *gin.Context, err error) {
		ans := a.Answer(err) // the standard answer, to keep its status and challenge
		ans.Header(c.Writer.Header())
		c.AbortWithStatusJSON(ans.Status, gin.H{"error": ans.Code})
	}
	r := gin.New()
	r.Use(jwksgin.Middleware(a, jwksgin.WithErrorHandler(onError)))
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	srv := httptest.NewServer(r)
	defer srv.Close()

	get("GET", srv.URL, "", "")
	// Output:
	// 401 {"error":"token_missing"}
}

// CORS goes on the engine, first, so that preflights to any path need no
// token and rejections carry CORS headers.
func ExampleCORS() {
	idp, a := newExampleAuthenticator()
	defer idp.Close()
	defer a.Close()

	corsMW, err := jwksgin.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(corsMW, jwksgin.Middleware(a))
	r.GET("/me", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	srv := httptest.NewServer(r)
	defer srv.Close()

	resp := get("OPTIONS", srv.URL+"/me", "", "https://app.example.com")
	fmt.Println(resp.Header.Get("Access-Control-Allow-Headers"))
	resp = get("GET", srv.URL+"/me", "", "https://app.example.com")
	fmt.Println(resp.Header.Get("Access-Control-Allow-Origin"))
	fmt.Println(resp.Header.Get("Access-Control-Expose-Headers"))
	// Output:
	// 204
	// Authorization,Content-Type
	// 401 {"type":"about:blank","title":"Unauthorized","status":401,"code":"token_missing","detail":"A bearer token is required"}
	// https://app.example.com
	// Www-Authenticate,Retry-After
}
