package jwksecho_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksecho"
	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// exampleIssuer starts a development identity provider and an
// Authenticator trusting it; a real application names its provider's
// issuer URL instead.
func exampleIssuer() (*jwkstest.Issuer, *jwksauth.Authenticator, func()) {
	iss, err := jwkstest.Start()
	if err != nil {
		panic(err)
	}
	a, err := jwksauth.New(jwksauth.Config{
		Realm:   "orders",
		Issuers: []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{jwkstest.DefaultAudience}}},
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Ready(ctx); err != nil {
		panic(err)
	}
	return iss, a, func() { _ = a.Close(); iss.Close() }
}

// get sends a GET request for path to e, with token as a bearer token when
// it is not empty, and prints the answer's status and challenge.
func get(e *echo.Echo, path, token string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(path, rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
}

func ExampleMiddleware() {
	iss, a, done := exampleIssuer()
	defer done()

	e := echo.New()
	e.Use(jwksecho.Middleware(a, jwksecho.WithExclusions("/healthz")))
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/me", func(c echo.Context) error {
		claims, _ := jwksecho.Claims(c)
		return c.String(http.StatusOK, claims.Subject)
	})

	get(e, "/healthz", "")
	get(e, "/me", iss.MustMint(map[string]any{"sub": "alice"}))
	get(e, "/me", "")
	// Output:
	// /healthz 200  ok
	// /me 200  alice
	// /me 401 Bearer realm="orders" {"type":"about:blank","title":"Unauthorized","status":401,"code":"token_missing","detail":"A bearer token is required"}
}

func ExampleRequire() {
	iss, a, done := exampleIssuer()
	defer done()

	e := echo.New()
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "deleted") }
	e.DELETE("/orders/:id", ok, jwksecho.Authenticate(a), jwksecho.Require(jwksauth.Scopes("orders:write")))

	for _, scope := range []string{"orders:read", "orders:read orders:write"} {
		req := httptest.NewRequest(http.MethodDelete, "/orders/7", nil)
		req.Header.Set("Authorization", "Bearer "+iss.MustMint(map[string]any{"scope": scope}))
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 403 Bearer realm="orders", error="insufficient_scope", error_description="missing scope 'orders:write'", scope="orders:write"
	// 200
}

func ExampleOptional() {
	iss, a, done := exampleIssuer()
	defer done()

	e := echo.New()
	e.GET("/greeting", func(c echo.Context) error {
		if claims, ok := jwksecho.Claims(c); ok {
			return c.String(http.StatusOK, "hello "+claims.Subject)
		}
		return c.String(http.StatusOK, "hello stranger")
	}, jwksecho.Optional(a))

	get(e, "/greeting", "")
	get(e, "/greeting", iss.MustMint(map[string]any{"sub": "bob"}))
	get(e, "/greeting", iss.MustMint(nil, jwkstest.WithBadSignature()))
	// Output:
	// /greeting 200  hello stranger
	// /greeting 200  hello bob
	// /greeting 401 Bearer realm="orders", error="invalid_token", error_description="The access token's signature is invalid" {"type":"about:blank","title":"Unauthorized","status":401,"code":"signature_invalid","detail":"The access token's signature is invalid"}
}

// Rejections go to Echo's HTTPErrorHandler, which tells an expired token
// from other failures with errors.Is.
func ExampleWithFrameworkErrors() {
	iss, a, done := exampleIssuer()
	defer done()

	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if errors.Is(err, jwksauth.ErrTokenExpired) {
			_ = c.String(http.StatusUnauthorized, "please sign in again")
			return
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.Use(jwksecho.Middleware(a, jwksecho.WithFrameworkErrors()))
	e.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, "me") })

	past := time.Now().Add(-time.Hour)
	get(e, "/me", iss.MustMint(map[string]any{"iat": past.Add(-time.Hour), "exp": past}))
	get(e, "/me", "")
	// Output:
	// /me 401 Bearer realm="orders", error="invalid_token", error_description="The access token expired" please sign in again
	// /me 401 Bearer realm="orders" {"message":"A bearer token is required"}
}

func ExampleCORS() {
	_, a, done := exampleIssuer()
	defer done()

	corsMW, err := jwksecho.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
	if err != nil {
		panic(err)
	}
	e := echo.New()
	e.Use(corsMW, jwksecho.Middleware(a)) // CORS outside authentication
	e.GET("/me", func(c echo.Context) error { return c.String(http.StatusOK, "me") })

	// A preflight needs no token.
	req := httptest.NewRequest(http.MethodOptions, "/me", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), rec.Header().Get("Access-Control-Allow-Headers"))

	// A 401 to an allowed origin is readable by its script.
	req = httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Origin", "https://app.example.com")
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), rec.Header().Get("Access-Control-Expose-Headers"))
	// Output:
	// 204 https://app.example.com Authorization,Content-Type
	// 401 https://app.example.com WWW-Authenticate,Retry-After
}

func ExampleClaims() {
	iss, a, done := exampleIssuer()
	defer done()

	e := echo.New()
	e.GET("/me", func(c echo.Context) error {
		claims, ok := jwksecho.Claims(c)
		if !ok {
			return c.NoContent(http.StatusUnauthorized)
		}
		// The same claims are in the request's context, for code that
		// only sees a context.
		same, _ := jwksauth.ClaimsFromContext(c.Request().Context())
		return c.String(http.StatusOK, fmt.Sprint(claims.Subject, " ", claims.Scopes, " ", same == claims))
	}, jwksecho.Authenticate(a))

	get(e, "/me", iss.MustMint(map[string]any{"sub": "carol", "scope": "orders:read profile"}))
	// Output:
	// /me 200  carol [orders:read profile] true
}
