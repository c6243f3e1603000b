package jwks_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// exampleJWKS is a key set as an identity provider publishes it: the key of
// RFC 7638 §3.1 and an encryption key, which the cache skips.
const exampleJWKS = `{"keys":[` + rfc7638Key + `,
 {"kty":"EC","crv":"P-256","use":"enc","kid":"1",
  "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}]}`

// A Cache fetches an identity provider's keys and answers lookups by kid and
// alg. In production, configure Issuer (OpenID Connect discovery) or an
// https URL; a loopback URL may be plain http, as here.
func ExampleNewCache() {
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=900")
		_, _ = io.WriteString(w, exampleJWKS)
	}))
	defer idp.Close()

	cache, err := jwks.NewCache(jwks.CacheOptions{URL: idp.URL + "/jwks"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()
	ctx := context.Background()
	if err := cache.Ready(ctx); err != nil { // for a readiness probe
		fmt.Println(err)
		return
	}

	key, err := cache.Key(ctx, "2011-04-29", jws.RS256)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(key.ID, key.Algorithms, key.Thumbprint)

	// The JWK says "alg": "RS256": no other algorithm verifies with it.
	_, err = cache.Key(ctx, "2011-04-29", jws.PS256)
	fmt.Println(errors.Is(err, jwks.ErrKeyNotFound))
	// Output:
	// 2011-04-29 RS256 NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs
	// true
}

// When no key can be had, the error carries a Retry-After hint: answer
// 503, not 401; the problem is the server's, not the token's.
func ExampleUnavailableError() {
	// An identity provider that cannot be reached: nothing listens here.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	cache, err := jwks.NewCache(jwks.CacheOptions{URL: "http://" + addr + "/jwks"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()

	_, err = cache.Key(context.Background(), "some-kid", jws.RS256)
	var unavailable *jwks.UnavailableError
	if errors.As(err, &unavailable) {
		fmt.Println("503 with Retry-After of at least 1s:", unavailable.RetryAfter >= time.Second)
	}
	fmt.Println(errors.Is(err, jwks.ErrKeysUnavailable), errors.Is(err, jwks.ErrFetch))
	// Output:
	// 503 with Retry-After of at least 1s: true
	// true true
}
