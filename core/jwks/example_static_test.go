package jwks_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// A static key set from a JWKS document, for service-to-service tokens:
// keys not meant for signatures are left out.
func ExampleParseStatic() {
	keys, err := jwks.ParseStatic([]byte(exampleJWKS))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range keys.Keys() {
		fmt.Println(k.ID, k.Algorithms)
	}
	_, err = keys.Key(context.Background(), "1", jws.ES256)
	fmt.Println(errors.Is(err, jwks.ErrKeyNotFound))
	// Output:
	// 2011-04-29 RS256
	// true
}

// A PEM public key has no kid, so it verifies tokens whatever kid they
// carry, for the algorithms that fit it.
func ExampleParsePEM() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	keys, err := jwks.ParsePEM(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		fmt.Println(err)
		return
	}
	k, err := keys.Key(context.Background(), "any-kid", jws.ES256)
	fmt.Println(k.Algorithms, err)
	// Output:
	// ES256 <nil>
}

// HMAC is only ever enabled by explicit configuration: a secret of at least
// the hash size, for one algorithm.
func ExampleNewStaticSymmetric() {
	secret := []byte("0123456789abcdef0123456789abcdef") // 32 bytes: HS256
	keys, err := jwks.NewStaticSymmetric("internal", secret, jws.HS256)
	if err != nil {
		fmt.Println(err)
		return
	}
	k, err := keys.Key(context.Background(), "internal", jws.HS256)
	fmt.Println(k.Algorithms, err)

	_, err = jwks.NewStaticSymmetric("short", []byte("too short"), jws.HS256)
	fmt.Println(errors.Is(err, jwks.ErrUnsupportedKey))
	// Output:
	// HS256 <nil>
	// true
}
