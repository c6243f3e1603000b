package jwks

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/fips140"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
)

// TestKeyVerifyPrepared checks that a key loaded by this package carries its
// prepared form (the RSA modulus precomputed once) and that Key.Verify
// uses it only for the key it was prepared from: a hand-made Key, or a copy
// whose Public was replaced, verifies with the standard library and its own
// Public.
func TestKeyVerifyPrepared(t *testing.T) {
	privA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	privB, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	input := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0"
	sign := func(priv *rsa.PrivateKey, alg jws.Algorithm) []byte {
		t.Helper()
		var sig []byte
		var err error
		switch alg {
		case jws.RS256:
			d := sha256.Sum256([]byte(input))
			sig, err = rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d[:])
		case jws.PS512:
			d := sha512.Sum512([]byte(input))
			sig, err = rsa.SignPSS(rand.Reader, priv, crypto.SHA512, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	k, err := NewStaticKey("a", &privA.PublicKey, jws.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	if k.prepared == nil && !fips140.Enabled() {
		t.Fatal("a loaded 2048-bit RSA key is not prepared")
	}
	for _, alg := range []jws.Algorithm{jws.RS256, jws.PS512} {
		sigA, sigB := sign(privA, alg), sign(privB, alg)
		if err := k.Verify(alg, input, sigA); err != nil {
			t.Fatalf("%v: %v", alg, err)
		}
		if err := k.Verify(alg, input+".", sigA); !errors.Is(err, jws.ErrSignature) {
			t.Fatalf("%v changed input: %v", alg, err)
		}
		if err := k.Verify(alg, input, sigB); !errors.Is(err, jws.ErrSignature) {
			t.Fatalf("%v other key's signature: %v", alg, err)
		}
		// A copy whose Public is replaced must verify with the new key, not
		// the prepared old one.
		c := *k
		c.Public = &privB.PublicKey
		if err := c.Verify(alg, input, sigB); err != nil {
			t.Fatalf("%v copy with B: %v", alg, err)
		}
		if err := c.Verify(alg, input, sigA); !errors.Is(err, jws.ErrSignature) {
			t.Fatalf("%v copy with B accepted A's signature: %v", alg, err)
		}
		// A hand-made Key (never prepared) verifies with the standard library.
		hand := &Key{Public: &privA.PublicKey, Algorithms: jws.Algorithms(alg)}
		if err := hand.Verify(alg, input, sigA); err != nil {
			t.Fatalf("%v hand-made key: %v", alg, err)
		}
	}
	// Algorithms outside the key's set are refused before any crypto.
	rs := &Key{Public: &privA.PublicKey, Algorithms: jws.Algorithms(jws.RS256), prepared: k.prepared}
	if err := rs.Verify(jws.PS512, input, sign(privA, jws.PS512)); !errors.Is(err, jws.ErrAlgorithm) {
		t.Fatalf("PS512 on an RS256-only key: %v", err)
	}
	// An HMAC key verifies with its secret.
	secret := make([]byte, 32)
	hk := &Key{Secret: secret, Algorithms: jws.Algorithms(jws.HS256)}
	if err := hk.Verify(jws.HS256, input, make([]byte, 32)); !errors.Is(err, jws.ErrSignature) {
		t.Fatalf("HS256 wrong MAC: %v", err)
	}
}

// TestParseSetPrepares checks that ParseSet, the loader of fetched sets,
// prepares RSA keys and leaves other keys to the standard library.
func TestParseSetPrepares(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := MarshalPublicKeySet(PublishedKey{Key: priv, ID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	keys, skipped, err := ParseSet(doc)
	if err != nil || len(skipped) != 0 || len(keys) != 1 {
		t.Fatalf("ParseSet: %v %v %d", err, skipped, len(keys))
	}
	if fips140.Enabled() {
		if keys[0].prepared != nil {
			t.Fatal("an RSA key was prepared in FIPS 140 mode")
		}
		return
	}
	if keys[0].prepared == nil {
		t.Fatal("ParseSet did not prepare the RSA key")
	}
	if !samePublic(keys[0].prepared.Key(), keys[0].Public) {
		t.Fatal("prepared form does not belong to Public")
	}
}

// TestKeyVerifyPreparedEd25519: an Ed25519 key is prepared (its point
// decoded once) and a copy whose Public changed, even in place, verifies
// with its own bytes.
func TestKeyVerifyPreparedEd25519(t *testing.T) {
	pubA, privA, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubB, privB, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	input := "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0"
	sigA, sigB := ed25519.Sign(privA, []byte(input)), ed25519.Sign(privB, []byte(input))
	k, err := NewStaticKey("", ed25519.PublicKey(bytes.Clone(pubA)), jws.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	if k.prepared == nil && !fips140.Enabled() {
		t.Fatal("a loaded Ed25519 key is not prepared")
	}
	if err := k.Verify(jws.EdDSA, input, sigA); err != nil {
		t.Fatal(err)
	}
	if err := k.Verify(jws.EdDSA, input, sigB); !errors.Is(err, jws.ErrSignature) {
		t.Fatalf("B's signature: %v", err)
	}
	c := *k
	c.Public = pubB
	if err := c.Verify(jws.EdDSA, input, sigB); err != nil {
		t.Fatalf("copy with B: %v", err)
	}
	if err := c.Verify(jws.EdDSA, input, sigA); !errors.Is(err, jws.ErrSignature) {
		t.Fatalf("copy with B accepted A's signature: %v", err)
	}
	// Overwritten in place: the prepared point is no longer used.
	c2 := *k
	c2.Public = ed25519.PublicKey(bytes.Clone(pubA))
	copy(c2.Public.(ed25519.PublicKey), pubB)
	if err := c2.Verify(jws.EdDSA, input, sigA); !errors.Is(err, jws.ErrSignature) {
		t.Fatalf("key overwritten with B accepted A's signature: %v", err)
	}
}
