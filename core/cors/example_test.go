package cors_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/jwksauth/jwksauth/core/cors"
)

func Example() {
	p := cors.Policy{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.example.com"},
		AllowedHeaders:   []string{"x-request-id"},
		AllowCredentials: true,
		MaxAge:           time.Hour,
	}
	c, err := cors.New(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("origins:", c.Origins(), "patterns:", c.Patterns())
	fmt.Println("methods:", c.Methods())
	fmt.Println("headers:", c.Headers())
	fmt.Println("exposed:", c.ExposedHeaders())
	fmt.Println("max age:", c.MaxAgeSeconds())
	for _, origin := range []string{
		"https://app.example.com",
		"https://api.example.com",
		"https://example.com",         // the apex is not covered by the wildcard
		"https://a.b.example.com",     // one label only
		"https://example.com.evil.io", // look-alike
	} {
		fmt.Println(origin, c.AllowOrigin(origin))
	}
	// Output:
	// origins: [https://app.example.com] patterns: [https://*.example.com]
	// methods: [GET HEAD POST PUT PATCH DELETE]
	// headers: [Authorization Content-Type X-Request-Id]
	// exposed: [WWW-Authenticate Retry-After]
	// max age: 3600
	// https://app.example.com true
	// https://api.example.com true
	// https://example.com false
	// https://a.b.example.com false
	// https://example.com.evil.io false
}

func ExamplePolicy_Validate() {
	err := cors.Policy{AllowedOrigins: []string{"*"}, AllowCredentials: true}.Validate()
	fmt.Println(errors.Is(err, cors.ErrInvalidPolicy))

	err = cors.Policy{AllowedOrigins: []string{"https://app.example.com/"}}.Validate()
	fmt.Println(err)
	// Output:
	// true
	// cors: invalid policy: AllowedOrigins[0] "https://app.example.com/": origin must not end with a slash: an origin has no path
}

func ExamplePolicy_IsZero() {
	var p cors.Policy // e.g. a Config that leaves CORS out
	if p.IsZero() {
		fmt.Println("no CORS middleware installed")
		return
	}
	c, err := cors.New(p)
	fmt.Println(c, err)
	// Output:
	// no CORS middleware installed
}
