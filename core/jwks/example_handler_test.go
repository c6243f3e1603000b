package jwks_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// exampleSigningKey is the Ed25519 key of RFC 8037 Appendix A.1: a fixed key
// keeps the examples' output stable. Never publish a key from a document.
func exampleSigningKey() ed25519.PrivateKey {
	seed, err := base64.RawURLEncoding.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	if err != nil {
		log.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(seed)
}

// An identity provider (or any service that signs tokens) publishes the
// public half of its signing key; verifiers fetch it and revalidate with
// If-None-Match.
func ExampleHandler() {
	h, err := jwks.NewHandler(jwks.HandlerConfig{MaxAge: 10 * time.Minute},
		jwks.PublishedKey{ID: "2026-11", Algorithm: jws.EdDSA, Use: "sig", Key: exampleSigningKey()})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/.well-known/jwks.json", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/.well-known/jwks.json")
	if err != nil {
		log.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	fmt.Println(res.Header.Get("Content-Type"))
	fmt.Println(res.Header.Get("Cache-Control"))
	fmt.Println(string(body))

	// A verifier's next refresh revalidates with the ETag it got.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/.well-known/jwks.json", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println(res.Status)
	// Output:
	// 200 OK
	// application/jwk-set+json
	// public, max-age=600
	// {"keys":[{"kty":"OKP","kid":"2026-11","use":"sig","alg":"EdDSA","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}
	// 304 Not Modified
}

// Rotating a signing key: publish the next key ahead of using it, switch the
// signer once verifiers' caches (max-age) have picked it up, retire the old
// key once no token it signed can still be valid.
func ExampleHandler_AddKey() {
	current := exampleSigningKey()
	_, next, err := ed25519.GenerateKey(nil)
	if err != nil {
		log.Fatal(err)
	}
	h, err := jwks.NewHandler(jwks.HandlerConfig{},
		jwks.PublishedKey{ID: "2026-11", Algorithm: jws.EdDSA, Use: "sig", Key: current})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.KeyIDs())

	if err := h.AddKey(jwks.PublishedKey{ID: "2026-12", Algorithm: jws.EdDSA, Use: "sig", Key: next}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.KeyIDs())

	// … sign with next, wait for the old tokens to expire …
	h.RemoveKey("2026-11")
	fmt.Println(h.KeyIDs())
	// Output:
	// [2026-11]
	// [2026-11 2026-12]
	// [2026-12]
}

// A PublishedKey encodes as its public JWK, even when it holds a private key.
func ExamplePublishedKey_MarshalJSON() {
	b, err := json.Marshal(jwks.PublishedKey{ID: "2026-11", Key: exampleSigningKey()})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))

	// An HMAC secret is never published.
	_, err = json.Marshal(jwks.PublishedKey{ID: "hmac", Key: []byte("secret")})
	fmt.Println(errors.Is(err, jwks.ErrNotPublishable))
	// Output:
	// {"kty":"OKP","kid":"2026-11","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
	// true
}
