package jws_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"sync"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
)

// testKeys are generated once per test binary: RSA key generation is slow.
type testKeys struct {
	rsa2048, rsa3072, rsa1024 *rsa.PrivateKey
	p256, p384, p521          *ecdsa.PrivateKey
	ed                        ed25519.PrivateKey
	hmac64                    []byte
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func getKeys(tb testing.TB) *testKeys {
	tb.Helper()
	keysOnce.Do(func() {
		must := func(err error) {
			if err != nil {
				panic(err)
			}
		}
		var err error
		keys.rsa2048, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		keys.rsa3072, err = rsa.GenerateKey(rand.Reader, 3072)
		must(err)
		keys.rsa1024, err = rsa.GenerateKey(rand.Reader, 1024)
		must(err)
		keys.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		keys.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(err)
		keys.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		must(err)
		_, keys.ed, err = ed25519.GenerateKey(rand.Reader)
		must(err)
		keys.hmac64 = make([]byte, 64)
		_, err = rand.Read(keys.hmac64)
		must(err)
	})
	return &keys
}

// privateFor returns the test signing key for alg: RSA 2048, the curve of
// an ES algorithm, Ed25519, or the 64-byte HMAC secret.
func (k *testKeys) privateFor(alg jws.Algorithm) any {
	switch alg {
	case jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512:
		return k.rsa2048
	case jws.ES256:
		return k.p256
	case jws.ES384:
		return k.p384
	case jws.ES512:
		return k.p521
	case jws.EdDSA, jws.Ed25519:
		return k.ed
	case jws.HS256, jws.HS384, jws.HS512:
		return k.hmac64
	}
	panic("no key for " + alg.String())
}

// publicFor returns the verification key for alg (the secret for HMAC).
func (k *testKeys) publicFor(alg jws.Algorithm) any {
	switch p := k.privateFor(alg).(type) {
	case *rsa.PrivateKey:
		return &p.PublicKey
	case *ecdsa.PrivateKey:
		return &p.PublicKey
	case ed25519.PrivateKey:
		return p.Public()
	default:
		return p
	}
}

func enc(b []byte) string  { return base64.RawURLEncoding.EncodeToString(b) }
func encS(s string) string { return enc([]byte(s)) }
func hashOf(alg jws.Algorithm) crypto.Hash {
	switch alg {
	case jws.RS256, jws.PS256, jws.ES256, jws.HS256:
		return crypto.SHA256
	case jws.RS384, jws.PS384, jws.ES384, jws.HS384:
		return crypto.SHA384
	}
	return crypto.SHA512
}

func newHash(h crypto.Hash) func() hash.Hash {
	switch h {
	case crypto.SHA256:
		return sha256.New
	case crypto.SHA384:
		return sha512.New384
	}
	return sha512.New
}

// signRaw signs input with alg and key using the standard library only and
// returns the JWS signature bytes (raw R||S for ECDSA).
func signRaw(tb testing.TB, alg jws.Algorithm, key any, input string) []byte {
	tb.Helper()
	if alg == jws.EdDSA || alg == jws.Ed25519 {
		return ed25519.Sign(key.(ed25519.PrivateKey), []byte(input))
	}
	h := hashOf(alg)
	if alg.IsSymmetric() {
		m := hmac.New(newHash(h), key.([]byte))
		m.Write([]byte(input))
		return m.Sum(nil)
	}
	hh := h.New()
	hh.Write([]byte(input))
	digest := hh.Sum(nil)
	var sig []byte
	var err error
	switch alg {
	case jws.RS256, jws.RS384, jws.RS512:
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), h, digest)
	case jws.PS256, jws.PS384, jws.PS512:
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case jws.ES256, jws.ES384, jws.ES512:
		priv := key.(*ecdsa.PrivateKey)
		r, s, e := ecdsa.Sign(rand.Reader, priv, digest)
		if e != nil {
			tb.Fatal(e)
		}
		size := (priv.Curve.Params().BitSize + 7) / 8
		sig = make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
	default:
		tb.Fatalf("signRaw: unsupported %v", alg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}

// mint returns a compact JWS with the given raw header JSON and payload,
// signed with alg and key.
func mint(tb testing.TB, alg jws.Algorithm, key any, header, payload string) string {
	tb.Helper()
	input := encS(header) + "." + encS(payload)
	return input + "." + enc(signRaw(tb, alg, key, input))
}

// verifyAny verifies with Verify, or VerifyHMAC when key is a []byte secret.
// A public key is also verified through Prepare(key).Verify, and a
// disagreement between the two is returned as an error that wraps no
// sentinel, so that every test using verifyAny checks the prepared path too.
func verifyAny(alg jws.Algorithm, key any, input string, sig []byte) error {
	if secret, ok := key.([]byte); ok {
		return jws.VerifyHMAC(alg, secret, input, sig)
	}
	return bothAgree(alg, key, input, sig)
}

// bothAgree returns Verify's result when Prepare(key).Verify gives the same
// outcome (nil, or an error wrapping the same sentinel), and otherwise an
// error naming the disagreement (wrapping no sentinel).
func bothAgree(alg jws.Algorithm, key any, input string, sig []byte) error {
	want := jws.Verify(alg, key, input, sig)
	got := jws.Prepare(key).Verify(alg, input, sig)
	for _, s := range []error{jws.ErrSignature, jws.ErrAlgorithm, jws.ErrTokenMalformed} {
		if errors.Is(got, s) != errors.Is(want, s) {
			return fmt.Errorf("prepared key and Verify disagree on %v: %v / %v", alg, got, want)
		}
	}
	if (got == nil) != (want == nil) {
		return fmt.Errorf("prepared key and Verify disagree on %v: %v / %v", alg, got, want)
	}
	return want
}
