package jws_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
)

var allAlgorithms = []jws.Algorithm{
	jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512,
	jws.ES256, jws.ES384, jws.ES512, jws.EdDSA, jws.Ed25519,
	jws.HS256, jws.HS384, jws.HS512,
}

// TestParseVerifyRoundTrip signs a token with every algorithm, parses and
// verifies it, then checks that any change to the header, payload or
// signature is rejected.
func TestParseVerifyRoundTrip(t *testing.T) {
	k := getKeys(t)
	var p jws.Parser
	for _, alg := range allAlgorithms {
		t.Run(alg.String(), func(t *testing.T) {
			key := k.publicFor(alg)
			token := mint(t, alg, k.privateFor(alg), `{"alg":"`+alg.String()+`","kid":"k"}`, `{"sub":"alice"}`)
			tok, err := p.Parse(token)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tok.Header.Alg != alg {
				t.Fatalf("Alg = %v", tok.Header.Alg)
			}
			if err := verifyAny(alg, key, tok.SigningInput, tok.Signature); err != nil {
				t.Fatalf("verify: %v", err)
			}

			t.Run("modified payload", func(t *testing.T) {
				parts := strings.Split(token, ".")
				bad := parts[0] + "." + encS(`{"sub":"admin"}`) + "." + parts[2]
				tok, err := p.Parse(bad)
				if err != nil {
					t.Fatal(err)
				}
				if err := verifyAny(alg, key, tok.SigningInput, tok.Signature); !errors.Is(err, jws.ErrSignature) {
					t.Fatalf("err = %v, want ErrSignature", err)
				}
			})
			t.Run("modified header", func(t *testing.T) {
				parts := strings.Split(token, ".")
				bad := encS(`{"alg":"`+alg.String()+`","kid":"j"}`) + "." + parts[1] + "." + parts[2]
				tok, err := p.Parse(bad)
				if err != nil {
					t.Fatal(err)
				}
				if err := verifyAny(alg, key, tok.SigningInput, tok.Signature); !errors.Is(err, jws.ErrSignature) {
					t.Fatalf("err = %v, want ErrSignature", err)
				}
			})
			t.Run("each signature byte flipped", func(t *testing.T) {
				sig := append([]byte(nil), tok.Signature...)
				input := tok.SigningInput
				for i := range sig {
					sig[i] ^= 0x01
					if err := verifyAny(alg, key, input, sig); !errors.Is(err, jws.ErrSignature) {
						t.Fatalf("byte %d flipped: err = %v, want ErrSignature", i, err)
					}
					sig[i] ^= 0x01
				}
			})
			t.Run("signature length", func(t *testing.T) {
				sig := tok.Signature
				for _, bad := range [][]byte{nil, sig[:len(sig)-1], append(append([]byte(nil), sig...), 0), append([]byte{0}, sig...)} {
					if err := verifyAny(alg, key, tok.SigningInput, bad); !errors.Is(err, jws.ErrSignature) {
						t.Fatalf("len %d: err = %v, want ErrSignature", len(bad), err)
					}
				}
			})
		})
	}
}

func TestVerifyKeyMismatch(t *testing.T) {
	k := getKeys(t)
	input := "e30.e30"
	rsaSig := signRaw(t, jws.RS256, k.rsa2048, input)
	tests := []struct {
		name string
		alg  jws.Algorithm
		key  crypto.PublicKey
		sig  []byte
	}{
		{"RS256 with P-256", jws.RS256, &k.p256.PublicKey, rsaSig},
		{"RS256 with Ed25519", jws.RS256, k.ed.Public(), rsaSig},
		{"RS256 with RSA-1024", jws.RS256, &k.rsa1024.PublicKey, signRaw(t, jws.RS256, k.rsa1024, input)},
		{"PS256 with RSA-1024", jws.PS256, &k.rsa1024.PublicKey, signRaw(t, jws.PS256, k.rsa1024, input)},
		{"RS256 with RSA private key", jws.RS256, k.rsa2048, rsaSig},
		{"RS256 with RSA value (not pointer)", jws.RS256, k.rsa2048.PublicKey, rsaSig},
		{"RS256 with nil RSA key", jws.RS256, (*rsa.PublicKey)(nil), rsaSig},
		{"RS256 with empty RSA key", jws.RS256, &rsa.PublicKey{}, rsaSig},
		{"ES256 with P-384", jws.ES256, &k.p384.PublicKey, signRaw(t, jws.ES256, k.p256, input)},
		{"ES384 with P-256", jws.ES384, &k.p256.PublicKey, signRaw(t, jws.ES384, k.p384, input)},
		{"ES512 with P-256", jws.ES512, &k.p256.PublicKey, signRaw(t, jws.ES512, k.p521, input)},
		{"ES256 with RSA", jws.ES256, &k.rsa2048.PublicKey, signRaw(t, jws.ES256, k.p256, input)},
		{"ES256 with nil EC key", jws.ES256, (*ecdsa.PublicKey)(nil), make([]byte, 64)},
		{"ES256 with curve-less EC key", jws.ES256, &ecdsa.PublicKey{}, make([]byte, 64)},
		{"ES256 with coordinate-less EC key", jws.ES256, &ecdsa.PublicKey{Curve: elliptic.P256()}, make([]byte, 64)},
		{"ES256 with P-224", jws.ES256, mustECKey(t, elliptic.P224()), make([]byte, 64)},
		{"EdDSA with P-256", jws.EdDSA, &k.p256.PublicKey, signRaw(t, jws.EdDSA, k.ed, input)},
		{"EdDSA with short Ed25519 key", jws.EdDSA, ed25519.PublicKey(make([]byte, 31)), signRaw(t, jws.EdDSA, k.ed, input)},
		{"EdDSA with Ed25519 private key", jws.EdDSA, k.ed, signRaw(t, jws.EdDSA, k.ed, input)},
		{"EdDSA with raw bytes", jws.EdDSA, []byte(k.ed.Public().(ed25519.PublicKey)), signRaw(t, jws.EdDSA, k.ed, input)},
		{"HS256 with a secret", jws.HS256, k.hmac64, signRaw(t, jws.HS256, k.hmac64, input)},
		{"HS256 with an RSA public key", jws.HS256, &k.rsa2048.PublicKey, make([]byte, 32)},
		{"HS256 with an Ed25519 key", jws.HS256, k.ed.Public(), make([]byte, 32)},
		{"none", jws.None, &k.rsa2048.PublicKey, rsaSig},
		{"unknown", jws.Unknown, &k.rsa2048.PublicKey, rsaSig},
		{"out of range", jws.Algorithm(200), &k.rsa2048.PublicKey, rsaSig},
		{"nil key", jws.RS256, nil, rsaSig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := jws.Verify(tt.alg, tt.key, input, tt.sig)
			if !errors.Is(err, jws.ErrAlgorithm) {
				t.Fatalf("Verify = %v, want ErrAlgorithm", err)
			}
			if strings.Contains(err.Error(), input) {
				t.Errorf("error %q contains the signing input", err)
			}
		})
	}
}

func mustECKey(t *testing.T, c elliptic.Curve) *ecdsa.PublicKey {
	t.Helper()
	x, y := c.Params().Gx, c.Params().Gy
	return &ecdsa.PublicKey{Curve: c, X: x, Y: y}
}

func TestVerifyRSAKeySizes(t *testing.T) {
	k := getKeys(t)
	for _, alg := range []jws.Algorithm{jws.RS256, jws.PS384, jws.RS512, jws.PS512} {
		input := "e30.e30"
		sig := signRaw(t, alg, k.rsa3072, input)
		if err := jws.Verify(alg, &k.rsa3072.PublicKey, input, sig); err != nil {
			t.Errorf("%v with RSA-3072: %v", alg, err)
		}
		if err := jws.Verify(alg, &k.rsa2048.PublicKey, input, sig); !errors.Is(err, jws.ErrSignature) {
			t.Errorf("%v with the wrong RSA-2048 key: %v, want ErrSignature", alg, err)
		}
	}
}

// TestVerifyPSSSaltLength: RFC 7518 §3.5 fixes the salt length to the hash
// size; other salt lengths are rejected.
func TestVerifyPSSSaltLength(t *testing.T) {
	k := getKeys(t)
	input := "e30.e30"
	for _, alg := range []jws.Algorithm{jws.PS256, jws.PS384, jws.PS512} {
		h := hashOf(alg)
		d := h.New()
		d.Write([]byte(input))
		digest := d.Sum(nil)
		for _, salt := range []int{0, 20, h.Size() - 1, h.Size(), h.Size() + 1, rsa.PSSSaltLengthAuto} {
			sig, err := rsa.SignPSS(rand.Reader, k.rsa2048, h, digest, &rsa.PSSOptions{SaltLength: salt})
			if err != nil {
				t.Fatal(err)
			}
			err = jws.Verify(alg, &k.rsa2048.PublicKey, input, sig)
			if salt == h.Size() {
				if err != nil {
					t.Errorf("%v salt %d: %v", alg, salt, err)
				}
			} else if !errors.Is(err, jws.ErrSignature) {
				t.Errorf("%v salt %d: err = %v, want ErrSignature", alg, salt, err)
			}
		}
		// A PKCS #1 v1.5 signature is not a PSS signature, and vice versa.
		rs := signRaw(t, jws.RS256+(alg-jws.PS256), k.rsa2048, input)
		if err := jws.Verify(alg, &k.rsa2048.PublicKey, input, rs); !errors.Is(err, jws.ErrSignature) {
			t.Errorf("%v accepted a PKCS #1 v1.5 signature: %v", alg, err)
		}
		ps := signRaw(t, alg, k.rsa2048, input)
		if err := jws.Verify(jws.RS256+(alg-jws.PS256), &k.rsa2048.PublicKey, input, ps); !errors.Is(err, jws.ErrSignature) {
			t.Errorf("RS accepted a %v signature: %v", alg, err)
		}
	}
}

// TestVerifyECDSAScalars checks that R or S of zero, or not below the group
// order n, is rejected, and that an ASN.1 DER signature is not accepted in
// place of the raw R||S.
func TestVerifyECDSAScalars(t *testing.T) {
	k := getKeys(t)
	input := "e30.e30"
	for _, alg := range []jws.Algorithm{jws.ES256, jws.ES384, jws.ES512} {
		t.Run(alg.String(), func(t *testing.T) {
			priv := k.privateFor(alg).(*ecdsa.PrivateKey)
			pub := &priv.PublicKey
			size := (priv.Curve.Params().BitSize + 7) / 8
			n := priv.Curve.Params().N
			good := signRaw(t, alg, priv, input)
			if err := jws.Verify(alg, pub, input, good); err != nil {
				t.Fatal(err)
			}
			r := new(big.Int).SetBytes(good[:size])
			s := new(big.Int).SetBytes(good[size:])
			raw := func(r, s *big.Int) []byte {
				b := make([]byte, 2*size)
				r.FillBytes(b[:size])
				s.FillBytes(b[size:])
				return b
			}
			one := big.NewInt(1)
			nMinus1 := new(big.Int).Sub(n, one)
			max := new(big.Int).Sub(new(big.Int).Lsh(one, uint(8*size)), one) // all 0xff
			cases := map[string][]byte{
				"r=0":           raw(new(big.Int), s),
				"s=0":           raw(r, new(big.Int)),
				"r=s=0":         raw(new(big.Int), new(big.Int)),
				"r=n":           raw(n, s),
				"s=n":           raw(r, n),
				"r=n-1":         raw(nMinus1, s),
				"r=1 s=1":       raw(one, one),
				"r=max":         raw(max, s),
				"s=max":         raw(r, max),
				"r+n (if fits)": raw(addIfFits(r, n, max), s),
				"s+n (if fits)": raw(r, addIfFits(s, n, max)),
				"swapped":       raw(s, r),
			}
			for name, sig := range cases {
				if err := jws.Verify(alg, pub, input, sig); !errors.Is(err, jws.ErrSignature) {
					t.Errorf("%s: err = %v, want ErrSignature", name, err)
				}
			}
			der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
			if err != nil {
				t.Fatal(err)
			}
			if err := jws.Verify(alg, pub, input, der); !errors.Is(err, jws.ErrSignature) {
				t.Errorf("DER signature: err = %v, want ErrSignature", err)
			}
		})
	}
}

// addIfFits returns a+b, or a-? when a+b does not fit below max+1: then it
// returns max, still not below n.
func addIfFits(a, b, max *big.Int) *big.Int {
	s := new(big.Int).Add(a, b)
	if s.Cmp(max) > 0 {
		return max
	}
	return s
}

func TestVerifyHMAC(t *testing.T) {
	k := getKeys(t)
	input := "e30.e30"
	for _, alg := range []jws.Algorithm{jws.HS256, jws.HS384, jws.HS512} {
		t.Run(alg.String(), func(t *testing.T) {
			size := hashOf(alg).Size()
			secret := k.hmac64[:size] // exactly the minimum
			sig := signRaw(t, alg, secret, input)
			if err := jws.VerifyHMAC(alg, secret, input, sig); err != nil {
				t.Fatalf("VerifyHMAC: %v", err)
			}
			if err := jws.VerifyHMAC(alg, secret[:size-1], input, sig); !errors.Is(err, jws.ErrAlgorithm) {
				t.Errorf("short secret: err = %v, want ErrAlgorithm", err)
			}
			other := append([]byte(nil), secret...)
			other[0] ^= 1
			if err := jws.VerifyHMAC(alg, other, input, sig); !errors.Is(err, jws.ErrSignature) {
				t.Errorf("other secret: err = %v, want ErrSignature", err)
			}
			if err := jws.VerifyHMAC(alg, secret, input+"x", sig); !errors.Is(err, jws.ErrSignature) {
				t.Errorf("other input: err = %v, want ErrSignature", err)
			}
			if err := jws.VerifyHMAC(alg, secret, input, sig[:size-1]); !errors.Is(err, jws.ErrSignature) {
				t.Errorf("truncated MAC: err = %v, want ErrSignature", err)
			}
			if err := jws.VerifyHMAC(alg, nil, input, sig); !errors.Is(err, jws.ErrAlgorithm) {
				t.Errorf("nil secret: err = %v, want ErrAlgorithm", err)
			}
		})
	}
	for _, alg := range []jws.Algorithm{jws.RS256, jws.ES256, jws.EdDSA, jws.None, jws.Unknown} {
		if err := jws.VerifyHMAC(alg, k.hmac64, input, make([]byte, 32)); !errors.Is(err, jws.ErrAlgorithm) {
			t.Errorf("VerifyHMAC(%v): err = %v, want ErrAlgorithm", alg, err)
		}
	}
}

// TestVerifyHMACPooledSecrets interleaves secrets, from many goroutines, to
// prove a pooled HMAC state is never used with the wrong secret.
func TestVerifyHMACPooledSecrets(t *testing.T) {
	secrets := make([][]byte, 4)
	for i := range secrets {
		secrets[i] = make([]byte, 32+16*i)
		rand.Read(secrets[i])
	}
	input := "eyJhbGciOiJIUzI1NiJ9.e30"
	sigs := make([][]byte, len(secrets))
	for i, s := range secrets {
		sigs[i] = signRaw(t, jws.HS256, s, input)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				a := (g + i) % len(secrets)
				b := (a + 1) % len(secrets)
				if err := jws.VerifyHMAC(jws.HS256, secrets[a], input, sigs[a]); err != nil {
					t.Errorf("secret %d: %v", a, err)
					return
				}
				if err := jws.VerifyHMAC(jws.HS256, secrets[a], input, sigs[b]); !errors.Is(err, jws.ErrSignature) {
					t.Errorf("secret %d with MAC of %d: %v", a, b, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestAlgorithmsFor(t *testing.T) {
	k := getKeys(t)
	rsaAll := jws.Algorithms(jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512)
	tests := []struct {
		name string
		key  crypto.PublicKey
		want jws.AlgorithmSet
	}{
		{"RSA-2048", &k.rsa2048.PublicKey, rsaAll},
		{"RSA-3072", &k.rsa3072.PublicKey, rsaAll},
		{"RSA-1024", &k.rsa1024.PublicKey, 0},
		{"RSA 2047 bits", &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2046), E: 65537}, 0},
		{"RSA exactly 2048 bits", &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2047), E: 65537}, rsaAll},
		{"RSA nil", (*rsa.PublicKey)(nil), 0},
		{"RSA no modulus", &rsa.PublicKey{}, 0},
		{"RSA private key", k.rsa2048, 0},
		{"P-256", &k.p256.PublicKey, jws.Algorithms(jws.ES256)},
		{"P-384", &k.p384.PublicKey, jws.Algorithms(jws.ES384)},
		{"P-521", &k.p521.PublicKey, jws.Algorithms(jws.ES512)},
		{"P-224", mustECKey(t, elliptic.P224()), 0},
		{"EC nil", (*ecdsa.PublicKey)(nil), 0},
		{"EC no curve", &ecdsa.PublicKey{}, 0},
		{"EC no coordinates", &ecdsa.PublicKey{Curve: elliptic.P256()}, 0},
		{"EC no Y", &ecdsa.PublicKey{Curve: elliptic.P256(), X: k.p256.X}, 0},
		{"Ed25519", k.ed.Public(), jws.Algorithms(jws.EdDSA, jws.Ed25519)},
		{"Ed25519 short", ed25519.PublicKey(make([]byte, 31)), 0},
		{"Ed25519 private", k.ed, 0},
		{"bytes", []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 0},
		{"nil", nil, 0},
		{"string", "key", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jws.AlgorithmsFor(tt.key)
			if got != tt.want {
				t.Fatalf("AlgorithmsFor = %v, want %v", got, tt.want)
			}
			for _, a := range allAlgorithms {
				if a.Fits(tt.key) != tt.want.Has(a) {
					t.Errorf("%v.Fits = %v, want %v", a, a.Fits(tt.key), tt.want.Has(a))
				}
			}
			if got.Intersect(jws.Symmetric) != 0 {
				t.Errorf("AlgorithmsFor returned an HMAC algorithm: %v", got)
			}
		})
	}
}

func TestAlgorithmsForSecret(t *testing.T) {
	tests := []struct {
		n    int
		want jws.AlgorithmSet
	}{
		{0, 0},
		{31, 0},
		{32, jws.Algorithms(jws.HS256)},
		{47, jws.Algorithms(jws.HS256)},
		{48, jws.Algorithms(jws.HS256, jws.HS384)},
		{63, jws.Algorithms(jws.HS256, jws.HS384)},
		{64, jws.Symmetric},
		{1000, jws.Symmetric},
	}
	for _, tt := range tests {
		if got := jws.AlgorithmsForSecret(make([]byte, tt.n)); got != tt.want {
			t.Errorf("AlgorithmsForSecret(%d bytes) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

func TestVerifyAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	k := getKeys(t)
	input := strings.Repeat("eyJhbGciOiJFUzI1NiJ9", 40)
	for _, alg := range []jws.Algorithm{jws.ES256, jws.ES384, jws.ES512, jws.EdDSA, jws.HS256, jws.HS512} {
		sig := signRaw(t, alg, k.privateFor(alg), input)
		key := k.publicFor(alg)
		allocs := testing.AllocsPerRun(50, func() {
			if err := verifyAny(alg, key, input, sig); err != nil {
				t.Fatal(err)
			}
		})
		// The ECDSA primitive itself allocates a little (big-number-free
		// fiat arithmetic, but its own scratch); Ed25519 and HMAC do not.
		limit := 0.0
		if alg == jws.ES256 || alg == jws.ES384 || alg == jws.ES512 {
			limit = ecdsaFloorAllocs(t, alg, key.(*ecdsa.PublicKey), input, sig)
		}
		if allocs > limit {
			t.Errorf("%v: %v allocs per Verify, want at most %v (the primitive's own)", alg, allocs, limit)
		}
	}
}

// ecdsaFloorAllocs measures the allocations of ecdsa.VerifyASN1 alone.
func ecdsaFloorAllocs(t *testing.T, alg jws.Algorithm, pub *ecdsa.PublicKey, input string, raw []byte) float64 {
	t.Helper()
	h := hashOf(alg).New()
	h.Write([]byte(input))
	digest := h.Sum(nil)
	size := len(raw) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:size]), new(big.Int).SetBytes(raw[size:])})
	if err != nil {
		t.Fatal(err)
	}
	return testing.AllocsPerRun(50, func() {
		if !ecdsa.VerifyASN1(pub, digest, der) {
			t.Fatal("floor did not verify")
		}
	})
}

// TestVerifyECDSAMalleability records a property of ECDSA that callers must
// design around: with (r, s) valid, (r, n−s) is valid too, so the same
// claims verify under two different token strings. Anything keyed on a
// token's bytes (a deny list, a replay cache) must key on its jti instead;
// jwksauth's own token cache keys on the exact token string and verifies
// each variant on its own, so it is unaffected. If a future Go made
// crypto/ecdsa reject high s, this test would say so.
func TestVerifyECDSAMalleability(t *testing.T) {
	k := getKeys(t)
	input := "e30.e30"
	for _, alg := range []jws.Algorithm{jws.ES256, jws.ES384, jws.ES512} {
		t.Run(alg.String(), func(t *testing.T) {
			priv := k.privateFor(alg).(*ecdsa.PrivateKey)
			size := (priv.Curve.Params().BitSize + 7) / 8
			n := priv.Curve.Params().N
			sig := signRaw(t, alg, priv, input)
			s := new(big.Int).SetBytes(sig[size:])
			twin := append([]byte(nil), sig...)
			new(big.Int).Sub(n, s).FillBytes(twin[size:])
			if bytes.Equal(twin, sig) {
				t.Fatal("n−s equals s")
			}
			for name, sg := range map[string][]byte{"(r, s)": sig, "(r, n−s)": twin} {
				if err := jws.Verify(alg, &priv.PublicKey, input, sg); err != nil {
					t.Errorf("%s: %v (if Go now rejects high s, update docs/security.md)", name, err)
				}
			}
		})
	}
}
