package jwksauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// exampleIssuer starts an in-process OpenID provider on loopback, standing
// in for Keycloak, Auth0, Okta or Entra ID in these examples.
func exampleIssuer() *jwkstest.Issuer {
	iss, err := jwkstest.Start(jwkstest.WithAudience("orders-api"))
	if err != nil {
		log.Fatal(err)
	}
	return iss
}

// New takes one or more issuers: the exact iss they put in their tokens,
// and the audiences this service accepts. The keys are found through OIDC
// discovery and cached; New does no network I/O itself, Ready waits for
// the keys.
func ExampleNew() {
	iss := exampleIssuer()
	defer iss.Close()

	auth, err := jwksauth.New(jwksauth.Config{
		Issuers: []jwksauth.Issuer{{
			URL:       iss.URL(), // e.g. "https://sso.example.com/realms/acme"
			Audiences: []string{"orders-api"},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Println("keys loaded:", auth.Ready(ctx) == nil)

	// An issuer without an audience is refused: a token minted for another
	// API of the same identity provider would pass otherwise.
	_, err = jwksauth.New(jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: iss.URL()}}})
	fmt.Println("no audience refused:", err != nil)
	// Output:
	// keys loaded: true
	// no audience refused: true
}

// Authenticate verifies a token and returns its claims: registered claims
// typed, scopes normalized, everything else decodable into your own struct.
func ExampleAuthenticator_Authenticate() {
	iss := exampleIssuer()
	defer iss.Close()
	auth, err := jwksauth.New(jwksauth.Config{
		Issuers: []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{"orders-api"}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	token := iss.MustMint(map[string]any{
		"sub":       "user-42",
		"scope":     "orders:read orders:write",
		"tenant_id": "acme",
	})
	c, err := auth.Authenticate(context.Background(), token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("subject:", c.Subject)
	fmt.Println("scopes:", c.Scopes)

	var custom struct {
		TenantID string `json:"tenant_id"`
	}
	if err := c.Decode(&custom); err != nil {
		log.Fatal(err)
	}
	fmt.Println("tenant:", custom.TenantID)
	// Output:
	// subject: user-42
	// scopes: [orders:read orders:write]
	// tenant: acme
}

// ExtractToken reads the token from the request's Authorization header
// values (and a cookie or query value when configured), with the precise
// error for every malformed case. Adapters call it; a handler of your own
// can too.
func ExampleExtractToken() {
	token, err := jwksauth.ExtractToken(jwksauth.Credentials{
		Authorization: []string{"bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}, // scheme case-insensitive
	})
	fmt.Println(token, err)

	_, err = jwksauth.ExtractToken(jwksauth.Credentials{})
	fmt.Println(errors.Is(err, jwksauth.ErrTokenMissing))

	_, err = jwksauth.ExtractToken(jwksauth.Credentials{
		Authorization: []string{"Bearer a.b.c", "Bearer d.e.f"}, // two headers
	})
	fmt.Println(errors.Is(err, jwksauth.ErrInvalidRequest))

	_, err = jwksauth.ExtractToken(jwksauth.Credentials{
		Authorization: []string{"Basic dXNlcjpwYXNz"}, // another scheme: no bearer token
	})
	fmt.Println(errors.Is(err, jwksauth.ErrTokenMissing))
	// Output:
	// eyJhbGciOiJSUzI1NiJ9.e30.c2ln <nil>
	// true
	// true
	// true
}

// Every rejection wraps a sentinel: match it with errors.Is to log or count
// reasons, and let AnswerFor turn it into the HTTP answer (status, RFC 6750
// challenge, stable code), which never contains the token.
func Example_matchingErrors() {
	iss := exampleIssuer()
	defer iss.Close()
	auth, err := jwksauth.New(jwksauth.Config{
		Realm:   "orders",
		Issuers: []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{"orders-api"}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	expired := iss.MustMint(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	_, err = auth.Authenticate(context.Background(), expired)
	switch {
	case errors.Is(err, jwksauth.ErrTokenExpired):
		fmt.Println("expired")
	case errors.Is(err, jwksauth.ErrSignature), errors.Is(err, jwksauth.ErrKeyNotFound):
		fmt.Println("not signed by a key we trust")
	case errors.Is(err, jwksauth.ErrKeysUnavailable):
		fmt.Println("identity provider unreachable: retry later")
	}
	answer := auth.Answer(err)
	fmt.Println(answer.Status, answer.Code)
	fmt.Println(answer.Challenge)
	// Output:
	// expired
	// 401 token_expired
	// Bearer realm="orders", error="invalid_token", error_description="The access token expired"
}
