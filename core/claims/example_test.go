package claims_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/jwksauth/jwksauth/core/claims"
)

// A Keycloak access token's payload, as the JWS layer hands it over.
var payload = []byte(`{"exp":1767225900,"iat":1767225600,"iss":"https://sso.example.com/realms/acme",` +
	`"aud":["orders-api","account"],"sub":"f3c2a1b0","azp":"web-frontend",` +
	`"realm_access":{"roles":["offline_access","admin"]},` +
	`"resource_access":{"orders-api":{"roles":["orders:read"]}},"scope":"openid email orders:read"}`)

func ExampleDecode() {
	c, err := claims.Decode(payload, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Issuer)
	fmt.Println(c.Audience)
	fmt.Println(c.Scopes)
	fmt.Println(c.Expiry)
	fmt.Println(c.ClientID())

	_, err = claims.Decode([]byte(`{"exp":1767225900,"EXP":0}`), nil)
	fmt.Println(errors.Is(err, claims.ErrMalformed))
	// Output:
	// https://sso.example.com/realms/acme
	// [orders-api account]
	// [openid email orders:read]
	// 2026-01-01 00:05:00 +0000 UTC
	// web-frontend
	// true
}

func ExampleDecodeOptions() {
	// Auth0 RBAC puts API permissions in a "permissions" array.
	auth0 := []byte(`{"scope":"openid read:reports","permissions":["read:reports","write:reports"]}`)
	opts := &claims.DecodeOptions{ScopeClaims: []string{"scope", "scp", "permissions"}}
	c, _ := claims.Decode(auth0, opts)
	fmt.Println(c.Scopes)
	// Output:
	// [openid read:reports write:reports]
}

func ExampleValidation_Validate() {
	v, err := claims.NewValidation(claims.ValidationOptions{
		Issuer:    "https://sso.example.com/realms/acme",
		Audiences: []string{"orders-api"},
		MaxAge:    time.Hour,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	c, _ := claims.Decode(payload, nil)

	fmt.Println(v.Validate(c, time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)))

	err = v.Validate(c, time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC))
	var expired *claims.ExpiredError
	if errors.As(err, &expired) {
		fmt.Println(errors.Is(err, claims.ErrExpired), expired.Expiry)
	}
	// Output:
	// <nil>
	// true 2026-01-01 00:05:00 +0000 UTC
}

func ExampleRequirement_Check() {
	c, _ := claims.Decode(payload, nil)

	// Set up once per route; check Err at setup.
	canRead := claims.All(
		claims.Scopes("orders:read"),
		claims.AnyRole("realm_access.roles", "admin", "orders-clerk"),
	)
	canWrite := claims.Scopes("orders:read", "orders:write")
	if canRead.Err() != nil || canWrite.Err() != nil {
		return
	}

	fmt.Println(canRead.Check(c))

	err := canWrite.Check(c)
	var re *claims.RequirementError
	if errors.Is(err, claims.ErrInsufficientScope) && errors.As(err, &re) {
		fmt.Println(re.Scopes)
		fmt.Println(re.Description)
	}
	// Output:
	// <nil>
	// [orders:read orders:write]
	// missing scope "orders:write"
}

func ExampleParsePath() {
	auth0 := []byte(`{"https://acme.example/roles":["admin"],"resource_access":{"my.client":{"roles":["viewer"]}}}`)
	c, _ := claims.Decode(auth0, nil)

	// Dots inside names are found: the longest name that exists wins.
	fmt.Println(c.Strings(claims.ParsePath("https://acme.example/roles")))
	fmt.Println(c.Strings(claims.ParsePath("resource_access.my.client.roles")))
	// Exact segments, when a name would be ambiguous.
	fmt.Println(c.Strings(claims.ClaimPath("resource_access", "my.client", "roles")))

	fmt.Println(claims.Roles("https://acme.example/roles", "admin").Check(c))
	// Output:
	// [admin]
	// [viewer]
	// [viewer]
	// <nil>
}
