package jwksfiber_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
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

// send runs req through app and prints the answer's status, challenge and
// body.
func send(app *fiber.App, req *http.Request) {
	resp, err := app.Test(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(req.URL.Path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(body))
}

// get sends a GET request for path, with token as a bearer token when it is
// not empty.
func get(app *fiber.App, path, token string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	send(app, req)
}

func ExampleMiddleware() {
	iss, a, done := exampleIssuer()
	defer done()

	// A read buffer for tokens up to 16 KiB: see "Large tokens".
	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10, DisableStartupMessage: true})
	app.Use(jwksfiber.Middleware(a, jwksfiber.WithExclusions("/healthz")))
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/me", func(c *fiber.Ctx) error {
		claims, _ := jwksfiber.Claims(c)
		return c.SendString(claims.Subject)
	})

	get(app, "/healthz", "")
	get(app, "/me", iss.MustMint(map[string]any{"sub": "alice"}))
	get(app, "/me", "")
	// Output:
	// /healthz 200  ok
	// /me 200  alice
	// /me 401 Bearer realm="orders" {"type":"about:blank","title":"Unauthorized","status":401,"code":"token_missing","detail":"A bearer token is required"}
}

func ExampleRequire() {
	iss, a, done := exampleIssuer()
	defer done()

	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10, DisableStartupMessage: true})
	app.Delete("/orders/:id",
		jwksfiber.Authenticate(a),
		jwksfiber.Require(jwksauth.Scopes("orders:write")),
		func(c *fiber.Ctx) error { return c.SendString("deleted") })

	for _, scope := range []string{"orders:read", "orders:read orders:write"} {
		req := httptest.NewRequest(http.MethodDelete, "/orders/7", nil)
		req.Header.Set("Authorization", "Bearer "+iss.MustMint(map[string]any{"scope": scope}))
		resp, err := app.Test(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// Output:
	// 403 Bearer realm="orders", error="insufficient_scope", error_description="missing scope 'orders:write'", scope="orders:write"
	// 200
}

func ExampleOptional() {
	iss, a, done := exampleIssuer()
	defer done()

	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10, DisableStartupMessage: true})
	app.Get("/greeting", jwksfiber.Optional(a), func(c *fiber.Ctx) error {
		if claims, ok := jwksfiber.Claims(c); ok {
			return c.SendString("hello " + claims.Subject)
		}
		return c.SendString("hello stranger")
	})

	get(app, "/greeting", "")
	get(app, "/greeting", iss.MustMint(map[string]any{"sub": "bob"}))
	get(app, "/greeting", iss.MustMint(nil, jwkstest.WithBadSignature()))
	// Output:
	// /greeting 200  hello stranger
	// /greeting 200  hello bob
	// /greeting 401 Bearer realm="orders", error="invalid_token", error_description="The access token's signature is invalid" {"type":"about:blank","title":"Unauthorized","status":401,"code":"signature_invalid","detail":"The access token's signature is invalid"}
}

// Rejections go to the app's ErrorHandler, which tells an expired token
// from other failures with errors.Is.
func ExampleWithFrameworkErrors() {
	iss, a, done := exampleIssuer()
	defer done()

	app := fiber.New(fiber.Config{
		ReadBufferSize:        16 << 10,
		DisableStartupMessage: true,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			if errors.Is(err, jwksauth.ErrTokenExpired) {
				return c.Status(fiber.StatusUnauthorized).SendString("please sign in again")
			}
			return fiber.DefaultErrorHandler(c, err)
		},
	})
	app.Use(jwksfiber.Middleware(a, jwksfiber.WithFrameworkErrors()))
	app.Get("/me", func(c *fiber.Ctx) error { return c.SendString("me") })

	past := time.Now().Add(-time.Hour)
	get(app, "/me", iss.MustMint(map[string]any{"iat": past.Add(-time.Hour), "exp": past}))
	get(app, "/me", "")
	// Output:
	// /me 401 Bearer realm="orders", error="invalid_token", error_description="The access token expired" please sign in again
	// /me 401 Bearer realm="orders" A bearer token is required
}

func ExampleCORS() {
	_, a, done := exampleIssuer()
	defer done()

	corsMW, err := jwksfiber.CORS(cors.Policy{AllowedOrigins: []string{"https://app.example.com"}})
	if err != nil {
		panic(err)
	}
	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10, DisableStartupMessage: true})
	app.Use(corsMW, jwksfiber.Middleware(a)) // CORS outside authentication, before the routes
	app.Get("/me", func(c *fiber.Ctx) error { return c.SendString("me") })

	// A preflight needs no token.
	req := httptest.NewRequest(http.MethodOptions, "/me", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err := app.Test(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Headers"))

	// A 401 to an allowed origin is readable by its script.
	req = httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Origin", "https://app.example.com")
	resp, err = app.Test(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Expose-Headers"))
	// Output:
	// 204 https://app.example.com Authorization,Content-Type
	// 401 https://app.example.com WWW-Authenticate,Retry-After
}

func ExampleClaims() {
	iss, a, done := exampleIssuer()
	defer done()

	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10, DisableStartupMessage: true})
	app.Get("/me", jwksfiber.Authenticate(a), func(c *fiber.Ctx) error {
		claims, ok := jwksfiber.Claims(c)
		if !ok {
			return c.SendStatus(fiber.StatusUnauthorized)
		}
		// The same claims are in the user context, for code that only
		// sees a context.
		same, _ := jwksauth.ClaimsFromContext(c.UserContext())
		return c.SendString(fmt.Sprint(claims.Subject, " ", claims.Scopes, " ", same == claims))
	})

	get(app, "/me", iss.MustMint(map[string]any{"sub": "carol", "scope": "orders:read profile"}))
	// Output:
	// /me 200  carol [orders:read profile] true
}
