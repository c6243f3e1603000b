package jwks_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

var bg = context.Background()

func pemBlock(t testing.TB, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkixPEM(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock(t, "PUBLIC KEY", der)
}

func TestParsePEM(t *testing.T) {
	r := rsaKey(t, 1)
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ed, _, _ := ed25519.GenerateKey(rand.Reader)
	certKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signer"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1, 0)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &certKey.PublicKey, certKey)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("one key verifies any kid", func(t *testing.T) {
		s, err := jwks.ParsePEM(pkixPEM(t, &r.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		for _, kid := range []string{"", "whatever"} {
			k, err := s.Key(bg, kid, jws.PS256)
			if err != nil || !k.Public.(*rsa.PublicKey).Equal(&r.PublicKey) {
				t.Fatalf("kid %q: %v", kid, err)
			}
		}
		_, err = s.Key(bg, "x", jws.ES256)
		wantErr(t, err, jwks.ErrKeyNotFound)
	})
	t.Run("every block type", func(t *testing.T) {
		data := bytes.Join([][]byte{
			pkixPEM(t, &r.PublicKey),
			pemBlock(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaKey(t, 2).PublicKey)),
			pkixPEM(t, &ec.PublicKey),
			pkixPEM(t, ed),
			pemBlock(t, "CERTIFICATE", certDER),
		}, []byte("\n"))
		s, err := jwks.ParsePEM(data)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(s.Keys()); n != 5 {
			t.Fatalf("%d keys, want 5", n)
		}
		// Two RSA keys fit RS256: ambiguous. One key each for the others.
		_, err = s.Key(bg, "", jws.RS256)
		wantErr(t, err, jwks.ErrKeyAmbiguous)
		for _, alg := range []jws.Algorithm{jws.ES384, jws.EdDSA, jws.ES256} {
			if _, err := s.Key(bg, "kid", alg); err != nil {
				t.Fatalf("%v: %v", alg, err)
			}
		}
	})
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("not pem")},
		{"private key", pemBlock(t, "PRIVATE KEY", []byte{1})},
		{"bad der", pemBlock(t, "PUBLIC KEY", []byte{1, 2, 3})},
		{"weak rsa", pemBlock(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: big.NewInt(1<<62 + 1), E: 65537}))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := jwks.ParsePEM(tt.data); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestParseStatic(t *testing.T) {
	sig, other := newECKey(t, "sig"), newECKey(t, "other", "alg", "ES256")
	enc := newTestKey(t, "enc", rsaKey(t, 0), "use", "enc")
	s, err := jwks.ParseStatic(jwksDoc(t, sig, enc, other))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Keys()); n != 2 {
		t.Fatalf("%d keys, want 2 (the encryption key left out)", n)
	}
	k, err := s.Key(bg, "sig", jws.ES256)
	if err != nil || !s.Contains(k) {
		t.Fatalf("sig: %v", err)
	}
	// Keys with a kid never stand in for another kid.
	_, err = s.Key(bg, "unknown", jws.ES256)
	wantErr(t, err, jwks.ErrKeyNotFound)
	_, err = s.Key(bg, "", jws.ES256)
	wantErr(t, err, jwks.ErrKeyAmbiguous)
	if s.Contains(mustKey(t, sig)) {
		t.Fatal("Contains is by identity")
	}

	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{
		"weak key":      jwksDoc(t, sig, newTestKey(t, "weak", weak)),
		"symmetric key": []byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}]}`),
		"only enc":      jwksDoc(t, enc),
		"malformed":     []byte(`{"keys":`),
	} {
		if _, err := jwks.ParseStatic(doc); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNewStaticSymmetric(t *testing.T) {
	secret := bytes.Repeat([]byte("k"), 32)
	s, err := jwks.NewStaticSymmetric("hmac", secret, jws.HS256)
	if err != nil {
		t.Fatal(err)
	}
	secret[0] = 'x' // the secret was copied
	k, err := s.Key(bg, "hmac", jws.HS256)
	if err != nil || k.Secret[0] != 'k' || k.Public != nil || k.Algorithms != jws.Algorithms(jws.HS256) {
		t.Fatalf("key %+v, %v", k, err)
	}
	for _, alg := range []jws.Algorithm{jws.HS384, jws.RS256, jws.None} {
		_, err := s.Key(bg, "hmac", alg)
		wantErr(t, err, jwks.ErrKeyNotFound)
	}
	for _, tt := range []struct {
		n   int
		alg jws.Algorithm
	}{{31, jws.HS256}, {47, jws.HS384}, {63, jws.HS512}, {64, jws.RS256}, {64, jws.None}} {
		if _, err := jwks.NewStaticSymmetric("", make([]byte, tt.n), tt.alg); err == nil {
			t.Errorf("%d-byte secret for %v accepted", tt.n, tt.alg)
		}
	}
	if _, err := jwks.NewStaticSymmetric("", make([]byte, 64), jws.HS512); err != nil {
		t.Fatal(err)
	}
}

func TestNewStatic(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r := rsaKey(t, 0)
	kEC, err := jwks.NewStaticKey("ec", &ec.PublicKey, jws.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	kRSA, err := jwks.NewStaticKey("", &r.PublicKey, jws.RS256)
	if err != nil || kRSA.Algorithms != jws.Algorithms(jws.RS256) || kRSA.Algorithm != jws.RS256 {
		t.Fatalf("rsa key %+v, %v", kRSA, err)
	}
	s, err := jwks.NewStatic(kEC, kRSA)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := s.Key(bg, "ec", jws.ES256); err != nil || k != kEC || !s.Contains(kEC) {
		t.Fatalf("ec: %v", err)
	}
	// The kid-less RSA key stands in for any kid, RS256 only.
	if k, err := s.Key(bg, "rotated", jws.RS256); err != nil || k != kRSA {
		t.Fatalf("wildcard: %v", err)
	}
	_, err = s.Key(bg, "rotated", jws.PS256)
	wantErr(t, err, jwks.ErrKeyNotFound)
	// A kid that is present but of another type is not replaced by the
	// wildcard.
	_, err = s.Key(bg, "ec", jws.RS256)
	wantErr(t, err, jwks.ErrKeyNotFound)

	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	for name, f := range map[string]func() error{
		"weak rsa":      func() error { _, err := jwks.NewStaticKey("", &weak.PublicKey, jws.Unknown); return err },
		"alg mismatch":  func() error { _, err := jwks.NewStaticKey("", &ec.PublicKey, jws.ES384); return err },
		"alg none":      func() error { _, err := jwks.NewStaticKey("", &ec.PublicKey, jws.None); return err },
		"private key":   func() error { _, err := jwks.NewStaticKey("", ec, jws.Unknown); return err },
		"no keys":       func() error { _, err := jwks.NewStatic(); return err },
		"nil key":       func() error { _, err := jwks.NewStatic(nil); return err },
		"no algorithms": func() error { _, err := jwks.NewStatic(&jwks.Key{Public: &ec.PublicKey}); return err },
		"algs do not fit": func() error {
			_, err := jwks.NewStatic(&jwks.Key{Public: &ec.PublicKey, Algorithms: jws.Algorithms(jws.RS256)})
			return err
		},
		"secret too short": func() error {
			_, err := jwks.NewStatic(&jwks.Key{Secret: []byte("short"), Algorithms: jws.Algorithms(jws.HS256)})
			return err
		},
		"hmac on a public key": func() error {
			_, err := jwks.NewStatic(&jwks.Key{Public: &ec.PublicKey, Algorithms: jws.Algorithms(jws.HS256)})
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
