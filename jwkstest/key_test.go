package jwkstest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

func TestNewKey(t *testing.T) {
	tests := []struct {
		alg   jws.Algorithm
		bits  int
		curve elliptic.Curve
	}{
		{jws.RS256, 2048, nil},
		{jws.RS384, 2048, nil},
		{jws.RS512, 2048, nil},
		{jws.PS256, 2048, nil},
		{jws.PS384, 2048, nil},
		{jws.PS512, 2048, nil},
		{jws.ES256, 0, elliptic.P256()},
		{jws.ES384, 0, elliptic.P384()},
		{jws.ES512, 0, elliptic.P521()},
		{jws.EdDSA, 0, nil},
		{jws.Ed25519, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.alg.String(), func(t *testing.T) {
			k, err := jwkstest.NewKey(tt.alg)
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm() != tt.alg {
				t.Errorf("Algorithm() = %s", k.Algorithm())
			}
			if want := strings.ToLower(tt.alg.String()) + "-"; !strings.HasPrefix(k.KID(), want) || len(k.KID()) != len(want)+16 {
				t.Errorf("KID() = %q, want %s<16 thumbprint characters>", k.KID(), want)
			}
			switch priv := k.PrivateKey().(type) {
			case *rsa.PrivateKey:
				if priv.N.BitLen() != tt.bits {
					t.Errorf("RSA key of %d bits, want %d", priv.N.BitLen(), tt.bits)
				}
			case *ecdsa.PrivateKey:
				if priv.Curve != tt.curve {
					t.Errorf("curve %s", priv.Curve.Params().Name)
				}
			case ed25519.PrivateKey:
				if tt.alg != jws.EdDSA && tt.alg != jws.Ed25519 {
					t.Errorf("Ed25519 key for %s", tt.alg)
				}
			default:
				t.Fatalf("PrivateKey() is a %T", priv)
			}

			// The signature verifies with the standard library.
			input := []byte("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0")
			sig, err := k.Sign(input)
			if err != nil {
				t.Fatal(err)
			}
			if err := kitVerify(k.PublicKey(), tt.alg, input, sig); err != nil {
				t.Errorf("signature does not verify: %v", err)
			}

			// The public JWK is the public key, with kid, alg and use.
			pj, err := jwk.ParseKey(k.PublicJWK())
			if err != nil {
				t.Fatal(err)
			}
			if pj.KeyID() != k.KID() || pj.Algorithm().String() != tt.alg.String() || pj.KeyUsage() != "sig" {
				t.Errorf("JWK kid %q alg %q use %q", pj.KeyID(), pj.Algorithm(), pj.KeyUsage())
			}
			var raw any
			if err := pj.Raw(&raw); err != nil {
				t.Fatal(err)
			}
			if !k.PublicKey().(interface{ Equal(crypto.PublicKey) bool }).Equal(raw) {
				t.Error("the JWK holds another key")
			}
			if strings.Contains(string(k.PublicJWK()), `"d"`) {
				t.Errorf("private member in %s", k.PublicJWK())
			}

			// The PEM is the PKIX public key.
			block, rest := pem.Decode(k.PublicPEM())
			if block == nil || block.Type != "PUBLIC KEY" || len(rest) != 0 {
				t.Fatalf("PublicPEM() is not one PUBLIC KEY block: %q", k.PublicPEM())
			}
			pub, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil || !k.PublicKey().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Errorf("PEM key differs (%v)", err)
			}
			if p := k.Published(); p.ID != k.KID() || p.Algorithm != tt.alg || p.Use != "sig" {
				t.Errorf("Published() = %+v", p)
			}
		})
	}
}

func TestNewKeyErrors(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name string
		f    func() error
	}{
		{"NewKey HS256", func() error { _, err := jwkstest.NewKey(jws.HS256); return err }},
		{"NewKey none", func() error { _, err := jwkstest.NewKey(jws.None); return err }},
		{"NewKey unknown", func() error { _, err := jwkstest.NewKey(jws.Unknown); return err }},
		{"NewRSAKey 1024", func() error { _, err := jwkstest.NewRSAKey(jws.RS256, 1024); return err }},
		{"NewRSAKey 3000", func() error { _, err := jwkstest.NewRSAKey(jws.PS256, 3000); return err }},
		{"signer ES384 on P-256", func() error { _, err := jwkstest.NewKeyFromSigner("", jws.ES384, ec); return err }},
		{"signer RS256 on EC", func() error { _, err := jwkstest.NewKeyFromSigner("", jws.RS256, ec); return err }},
		{"signer ES256 on Ed25519", func() error { _, err := jwkstest.NewKeyFromSigner("", jws.ES256, ed); return err }},
		{"signer HS256", func() error { _, err := jwkstest.NewKeyFromSigner("k", jws.HS256, ed); return err }},
		{"signer RSA 1024", func() error { _, err := jwkstest.NewKeyFromSigner("k", jws.RS256, small); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f(); !errors.Is(err, jwkstest.ErrUnsupported) {
				t.Errorf("err = %v, want ErrUnsupported", err)
			}
		})
	}

	t.Run("signer with kid", func(t *testing.T) {
		k, err := jwkstest.NewKeyFromSigner("fixed", jws.EdDSA, ed)
		if err != nil {
			t.Fatal(err)
		}
		if k.KID() != "fixed" || !k.PublicKey().(ed25519.PublicKey).Equal(ed.Public()) {
			t.Errorf("kid %q", k.KID())
		}
	})
}

func TestRSAKeysOfOpenIssuersDiffer(t *testing.T) {
	// Two issuers open at once never share RSA material, pool or not; a
	// closed issuer's key is reused by the next one.
	a := jwkstest.NewIssuer(t)
	b := jwkstest.NewIssuer(t)
	ka := a.SigningKey().PrivateKey().(*rsa.PrivateKey)
	kb := b.SigningKey().PrivateKey().(*rsa.PrivateKey)
	if ka.N.Cmp(kb.N) == 0 {
		t.Fatal("two open issuers share an RSA key")
	}
	rotated, err := a.Rotate(jws.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*rsa.PrivateKey{ka, kb} {
		if rotated.PrivateKey().(*rsa.PrivateKey).N.Cmp(k.N) == 0 {
			t.Fatal("rotation reused an open issuer's RSA key")
		}
	}
	b.Close()
	c := jwkstest.NewIssuer(t)
	if c.SigningKey().PrivateKey().(*rsa.PrivateKey).N.Cmp(ka.N) == 0 {
		t.Fatal("an open issuer's RSA key was handed to another")
	}
	t.Run("3072 bits", func(t *testing.T) {
		if testing.Short() {
			t.Skip("slow key generation")
		}
		iss := jwkstest.NewIssuer(t, jwkstest.WithRSABits(3072), jwkstest.WithAlgorithms(jws.PS384))
		if bits := iss.SigningKey().PrivateKey().(*rsa.PrivateKey).N.BitLen(); bits != 3072 {
			t.Errorf("%d bits", bits)
		}
	})
}
