package jws_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/jwksauth/jwksauth/core/jws"
)

// exampleToken signs a fixed header and payload with a fixed Ed25519 key
// (Ed25519 signatures are deterministic, so the token is always the same).
func exampleToken() (token string, pub ed25519.PublicKey) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	b64 := base64.RawURLEncoding
	input := b64.EncodeToString([]byte(`{"alg":"EdDSA","kid":"2024-05","typ":"at+jwt"}`)) + "." +
		b64.EncodeToString([]byte(`{"iss":"https://issuer.example","sub":"alice"}`))
	return input + "." + b64.EncodeToString(ed25519.Sign(priv, []byte(input))), priv.Public().(ed25519.PublicKey)
}

// Parsers are pooled; a Token is used, and its payload decoded, before its
// Parser goes back to the pool.
func Example() {
	parsers := sync.Pool{New: func() any { return new(jws.Parser) }}
	token, key := exampleToken()

	p := parsers.Get().(*jws.Parser)
	defer parsers.Put(p)
	tok, err := p.Parse(token)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Header.Alg, tok.Header.KeyID, tok.Header.TypeIs("application/at+jwt"))
	// Look the key up by tok.Header.KeyID in the issuer's key set, check
	// tok.Header.Alg against the allowlist, then:
	if err := jws.Verify(tok.Header.Alg, key, tok.SigningInput, tok.Signature); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n", tok.Payload)
	// Output:
	// EdDSA 2024-05 true
	// {"iss":"https://issuer.example","sub":"alice"}
}

func ExampleParser_Parse() {
	var p jws.Parser
	for _, token := range []string{
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.",                        // {"alg":"none"}
		"eyJhbGciOiJSUzI1NiIsImFsZyI6Im5vbmUifQ.eyJzdWIiOiJhbGljZSJ9.AAAA", // alg twice
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9",                        // two parts
	} {
		_, err := p.Parse(token)
		switch {
		case errors.Is(err, jws.ErrAlgorithm):
			fmt.Println("algorithm:", err)
		case errors.Is(err, jws.ErrTokenMalformed):
			fmt.Println("malformed:", err)
		}
	}
	// Output:
	// algorithm: jws: unacceptable algorithm: alg "none" is never accepted
	// malformed: jws: malformed token: header has a duplicate member name
	// malformed: jws: malformed token: token does not have three dot-separated parts
}

func ExampleVerify() {
	token, key := exampleToken()
	var p jws.Parser
	tok, err := p.Parse(token)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(jws.Verify(tok.Header.Alg, key, tok.SigningInput, tok.Signature))

	// A key of another type never verifies, whatever the token says.
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	err = jws.Verify(tok.Header.Alg, &ec.PublicKey, tok.SigningInput, tok.Signature)
	fmt.Println(errors.Is(err, jws.ErrAlgorithm))

	// A changed payload does not verify.
	err = jws.Verify(tok.Header.Alg, key, tok.SigningInput+"x", tok.Signature)
	fmt.Println(errors.Is(err, jws.ErrSignature))
	// Output:
	// <nil>
	// true
	// true
}

func ExampleAlgorithmsFor() {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public()
	fmt.Println(jws.AlgorithmsFor(&ec.PublicKey))
	fmt.Println(jws.AlgorithmsFor(ed))
	fmt.Println(jws.ES256.Fits(&ec.PublicKey))
	fmt.Println(jws.AlgorithmsForSecret(make([]byte, 48)))
	// Output:
	// ES384
	// EdDSA,Ed25519
	// false
	// HS256,HS384
}

func ExampleHeader_TypeIs() {
	h := jws.Header{Type: "application/AT+JWT"}
	fmt.Println(h.TypeIs("at+jwt"), h.TypeIs("JWT"))
	// Output: true false
}
