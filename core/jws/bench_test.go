package jws_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
)

// benchTokenSize is the length of the benchmark tokens: a typical access
// token from an identity provider.
const benchTokenSize = 850

var benchAlgs = []jws.Algorithm{jws.RS256, jws.ES256, jws.EdDSA}

// benchToken mints a token of about benchTokenSize bytes for alg, with a
// realistic header and a claims payload padded to size.
func benchToken(b *testing.B, alg jws.Algorithm) string {
	b.Helper()
	k := getKeys(b)
	header := `{"alg":"` + alg.String() + `","kid":"Zq1ZgNq9Jf3Xb6H2cYw8k7T5rL0sP4dV","typ":"at+jwt"}`
	claims := `{"iss":"https://login.example.com/realms/prod","sub":"248289761001","aud":"https://api.example.com",` +
		`"exp":1900000000,"iat":1700000000,"nbf":1700000000,"jti":"8b1f3c2a-0f4e-4f8a-9b7d-2c6e5a4d3b21",` +
		`"client_id":"web-frontend","scope":"openid profile email orders:read orders:write","pad":""}`
	sigLen := len(enc(signRaw(b, alg, k.privateFor(alg), "x")))
	// Each 3 payload bytes add 4 encoded characters.
	room := benchTokenSize - len(encS(header)) - 2 - sigLen
	pad := room*3/4 - len(claims)
	if pad > 0 {
		claims = strings.Replace(claims, `"pad":""`, `"pad":"`+strings.Repeat("x", pad)+`"`, 1)
	}
	return mint(b, alg, k.privateFor(alg), header, claims)
}

// BenchmarkFloor is the bare standard library primitive on a precomputed
// hash and signature: what verification cannot go below.
func BenchmarkFloor(b *testing.B) {
	k := getKeys(b)
	for _, alg := range benchAlgs {
		b.Run(alg.String(), func(b *testing.B) {
			var p jws.Parser
			tok, err := p.Parse(benchToken(b, alg))
			if err != nil {
				b.Fatal(err)
			}
			input, sig := tok.SigningInput, tok.Clone().Signature
			digest := sha256.Sum256([]byte(input))
			switch alg {
			case jws.RS256:
				pub := &k.rsa2048.PublicKey
				b.ReportAllocs()
				for b.Loop() {
					if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
						b.Fatal(err)
					}
				}
			case jws.ES256:
				pub := &k.p256.PublicKey
				der := rawToDER(b, sig)
				b.ReportAllocs()
				for b.Loop() {
					if !ecdsa.VerifyASN1(pub, digest[:], der) {
						b.Fatal("does not verify")
					}
				}
			case jws.EdDSA:
				pub := k.ed.Public().(ed25519.PublicKey)
				msg := []byte(input)
				b.ReportAllocs()
				for b.Loop() {
					if !ed25519.Verify(pub, msg, sig) {
						b.Fatal("does not verify")
					}
				}
			}
		})
	}
}

// BenchmarkFloorHashed is the primitive plus hashing the signing input:
// the part of Verify that the standard library does. BenchmarkParseVerify
// minus this is the cost of this package (Parse, checks, DER re-encoding).
func BenchmarkFloorHashed(b *testing.B) {
	k := getKeys(b)
	for _, alg := range []jws.Algorithm{jws.RS256, jws.ES256} {
		b.Run(alg.String(), func(b *testing.B) {
			var p jws.Parser
			tok, err := p.Parse(benchToken(b, alg))
			if err != nil {
				b.Fatal(err)
			}
			input, sig := []byte(tok.SigningInput), tok.Clone().Signature
			switch alg {
			case jws.RS256:
				pub := &k.rsa2048.PublicKey
				b.ReportAllocs()
				for b.Loop() {
					digest := sha256.Sum256(input)
					if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
						b.Fatal(err)
					}
				}
			case jws.ES256:
				pub := &k.p256.PublicKey
				der := rawToDER(b, sig)
				b.ReportAllocs()
				for b.Loop() {
					digest := sha256.Sum256(input)
					if !ecdsa.VerifyASN1(pub, digest[:], der) {
						b.Fatal("does not verify")
					}
				}
			}
		})
	}
}

// BenchmarkHashSigningInput is SHA-256 of an ~850-byte token's signing input.
func BenchmarkHashSigningInput(b *testing.B) {
	var p jws.Parser
	tok, err := p.Parse(benchToken(b, jws.RS256))
	if err != nil {
		b.Fatal(err)
	}
	input := []byte(tok.SigningInput)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		if sha256.Sum256(input)[0] == 0 && len(input) == 0 {
			b.Fatal("unreachable")
		}
	}
}

func rawToDER(b *testing.B, raw []byte) []byte {
	b.Helper()
	n := len(raw) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])})
	if err != nil {
		b.Fatal(err)
	}
	return der
}

// BenchmarkParse is Parse alone on an ~850-byte RS256 token (the algorithm
// does not matter to the parser beyond the signature length).
func BenchmarkParse(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg.String(), func(b *testing.B) {
			token := benchToken(b, alg)
			var p jws.Parser
			b.SetBytes(int64(len(token)))
			b.ReportAllocs()
			for b.Loop() {
				tok, err := p.Parse(token)
				if err != nil || tok.Header.KeyID == "" {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseKeyIDClone measures what copying the kid out of the
// parser's buffer would cost per token (the parser hands out a view).
func BenchmarkParseKeyIDClone(b *testing.B) {
	token := benchToken(b, jws.RS256)
	var p jws.Parser
	b.ReportAllocs()
	var sink string
	for b.Loop() {
		tok, err := p.Parse(token)
		if err != nil {
			b.Fatal(err)
		}
		sink = strings.Clone(tok.Header.KeyID)
	}
	if sink == "" {
		b.Fatal("no kid")
	}
}

// BenchmarkParseVerify is the whole job of this package: Parse and Verify.
func BenchmarkParseVerify(b *testing.B) {
	k := getKeys(b)
	for _, alg := range benchAlgs {
		b.Run(alg.String(), func(b *testing.B) {
			token := benchToken(b, alg)
			key := k.publicFor(alg)
			var p jws.Parser
			b.ReportAllocs()
			for b.Loop() {
				tok, err := p.Parse(token)
				if err != nil {
					b.Fatal(err)
				}
				if err := jws.Verify(tok.Header.Alg, key, tok.SigningInput, tok.Signature); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyHMAC is Verify's HMAC path with a pooled, keyed HMAC.
func BenchmarkVerifyHMAC(b *testing.B) {
	k := getKeys(b)
	token := benchToken(b, jws.HS256)
	var p jws.Parser
	tok, err := p.Parse(token)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := jws.VerifyHMAC(jws.HS256, k.hmac64, tok.SigningInput, tok.Signature); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkECDSAVerifyForm compares the two ways to hand a raw R||S
// signature to crypto/ecdsa: re-encoded as DER for VerifyASN1 (what Verify
// does, in pooled scratch space) or as big.Ints for ecdsa.Verify.
func BenchmarkECDSAVerifyForm(b *testing.B) {
	k := getKeys(b)
	input := "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9"
	raw := signRaw(b, jws.ES256, k.p256, input)
	pub := &k.p256.PublicKey
	b.Run("Verify_ASN1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := jws.Verify(jws.ES256, pub, input, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ecdsa.Verify_bigInt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			digest := sha256.Sum256([]byte(input))
			r := new(big.Int).SetBytes(raw[:32])
			s := new(big.Int).SetBytes(raw[32:])
			if !ecdsa.Verify(pub, digest[:], r, s) {
				b.Fatal("does not verify")
			}
		}
	})
}
