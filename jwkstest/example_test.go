package jwkstest_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// exampleGet fetches url and returns the body, or the error.
func exampleGet(url string) ([]byte, error) {
	res, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return io.ReadAll(res.Body)
}

// An issuer serves discovery and a JWKS on loopback and mints tokens that a
// verifier checks against them. In a test, use NewIssuer(t), which closes it
// at the end of the test.
func ExampleStart() {
	iss, err := jwkstest.Start(jwkstest.WithAlgorithms(jws.ES256), jwkstest.WithAudience("orders-api"))
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	body, err := exampleGet(iss.DiscoveryURL())
	if err != nil {
		log.Fatal(err)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		log.Fatal(err)
	}
	fmt.Println("issuer is URL():", doc.Issuer == iss.URL())
	fmt.Println("jwks_uri is JWKSURL():", doc.JWKSURI == iss.JWKSURL())

	body, err = exampleGet(doc.JWKSURI)
	if err != nil {
		log.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		log.Fatal(err)
	}
	fmt.Println("keys:", len(set.Keys), set.Keys[0]["kty"], set.Keys[0]["alg"])

	token := iss.MustMint(map[string]any{"scope": "orders:read"})
	fmt.Println("token parts:", len(strings.Split(token, ".")))
	// Output:
	// issuer is URL(): true
	// jwks_uri is JWKSURL(): true
	// keys: 1 EC ES256
	// token parts: 3
}

// Rotation as an identity provider does it: publish the new key and sign
// with it, keep the old one published while its tokens live, then retire it.
func ExampleIssuer_Rotate() {
	iss, err := jwkstest.Start(jwkstest.WithAlgorithms(jws.EdDSA))
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	old := iss.SigningKey()

	next, err := iss.Rotate(jws.Unknown) // same algorithm as before
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("published:", len(iss.PublishedKIDs()), "signing with the new key:", iss.SigningKey() == next)

	if err := iss.RemoveKey(old.KID()); err != nil {
		log.Fatal(err)
	}
	fmt.Println("published:", len(iss.PublishedKIDs()))
	// Output:
	// published: 2 signing with the new key: true
	// published: 1
}

// Tokens a verifier must reject, to test that it does.
func ExampleIssuer_Mint() {
	clk := jwkstest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	iss, err := jwkstest.Start(jwkstest.WithAlgorithms(jws.RS256), jwkstest.WithClock(clk))
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	hostile := []struct {
		name string
		opts []jwkstest.MintOption
	}{
		{"alg none", []jwkstest.MintOption{jwkstest.WithAlgNone()}},
		{"key confusion", []jwkstest.MintOption{jwkstest.WithHS256PublicKeyPEM()}},
		{"duplicate alg", []jwkstest.MintOption{jwkstest.WithDuplicateHeader("alg", "none")}},
		{"no kid", []jwkstest.MintOption{jwkstest.WithoutKID(), jwkstest.WithType("at+jwt")}},
	}
	for _, h := range hostile {
		token, err := iss.Mint(nil, h.opts...)
		if err != nil {
			log.Fatal(err)
		}
		header, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
		if err != nil {
			log.Fatal(err)
		}
		// The kid is derived from a generated key: print a placeholder.
		fmt.Printf("%-13s %s\n", h.name, strings.ReplaceAll(string(header), iss.SigningKey().KID(), "KID"))
	}

	// Claims replace the defaults; a time.Time becomes Unix seconds.
	token := iss.MustMint(map[string]any{"exp": clk.Now().Add(-time.Minute)})
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.ReplaceAll(string(payload), iss.URL(), "ISSUER"))
	// Output:
	// alg none      {"alg":"none","kid":"KID","typ":"JWT"}
	// key confusion {"alg":"HS256","kid":"KID","typ":"JWT"}
	// duplicate alg {"alg":"RS256","kid":"KID","typ":"JWT","alg":"none"}
	// no kid        {"alg":"RS256","typ":"at+jwt"}
	// {"aud":"jwkstest","exp":1767225540,"iat":1767225600,"iss":"ISSUER","sub":"jwkstest-user"}
}

// An outage of the key set endpoint: connections are refused until the
// fault is switched off, while discovery keeps working.
func ExampleIssuer_SetJWKSFault() {
	iss, err := jwkstest.Start(jwkstest.WithAlgorithms(jws.ES256))
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	if err := iss.SetJWKSFault(jwkstest.FaultRefuse); err != nil {
		log.Fatal(err)
	}
	_, err = exampleGet(iss.JWKSURL())
	fmt.Println("JWKS refused:", errors.Is(err, syscall.ECONNREFUSED))
	_, err = exampleGet(iss.DiscoveryURL())
	fmt.Println("discovery up:", err == nil)

	if err := iss.SetJWKSFault(jwkstest.FaultNone); err != nil {
		log.Fatal(err)
	}
	_, err = exampleGet(iss.JWKSURL())
	fmt.Println("JWKS back:", err == nil)
	fmt.Println("JWKS requests seen:", iss.JWKSRequests())
	// Output:
	// JWKS refused: true
	// discovery up: true
	// JWKS back: true
	// JWKS requests seen: 1
}
