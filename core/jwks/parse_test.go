package jwks_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// rfc7638Key is the example key of RFC 7638 §3.1, whose thumbprint the RFC
// gives.
const rfc7638Key = `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`

const rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

// jwkJSON renders key as a JWK with extra members merged in; a member
// whose value is nil is removed.
func jwkJSON(t testing.TB, key any, extra map[string]any) string {
	t.Helper()
	m := jwkMap(t, key)
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseSetKeys(t *testing.T) {
	rsa2048 := rsaKey(t, 0)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	allRSA := jws.Algorithms(jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512)

	offCurve := jwkMap(t, &p256.PublicKey)
	offCurve["y"] = jwkMap(t, &p384.PublicKey)["y"].(string)[:43]

	for _, tt := range []struct {
		name string
		jwk  string
		algs jws.AlgorithmSet // when the key is kept
		want error            // when it is skipped
	}{
		{"rsa", jwkJSON(t, &rsa2048.PublicKey, nil), allRSA, nil},
		{"rsa alg", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"alg": "PS384"}), jws.Algorithms(jws.PS384), nil},
		{"rsa use sig", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"use": "sig"}), allRSA, nil},
		{"rsa key_ops verify", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"key_ops": []string{"verify"}}), allRSA, nil},
		{"rsa private: public part only", jwkJSON(t, rsa2048, nil), allRSA, nil},
		{"rfc 7638", rfc7638Key, jws.Algorithms(jws.RS256), nil},
		{"ec p-256", jwkJSON(t, &p256.PublicKey, nil), jws.Algorithms(jws.ES256), nil},
		{"ec p-384", jwkJSON(t, &p384.PublicKey, nil), jws.Algorithms(jws.ES384), nil},
		{"ec p-521", jwkJSON(t, &p521.PublicKey, nil), jws.Algorithms(jws.ES512), nil},
		{"ec private: public part only", jwkJSON(t, p256, nil), jws.Algorithms(jws.ES256), nil},
		{"ed25519", jwkJSON(t, edPub, nil), jws.Algorithms(jws.EdDSA, jws.Ed25519), nil},
		{"ed25519 alg EdDSA", jwkJSON(t, edPub, map[string]any{"alg": "EdDSA"}), jws.Algorithms(jws.EdDSA), nil},
		{"ed25519 private", jwkJSON(t, edPriv, nil), jws.Algorithms(jws.EdDSA, jws.Ed25519), nil},

		{"rsa 1024", jwkJSON(t, &rsa1024.PublicKey, nil), 0, jwks.ErrUnsupportedKey},
		{"use enc", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"use": "enc"}), 0, jwks.ErrNotSigningKey},
		{"use other", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"use": "wrap"}), 0, jwks.ErrUnsupportedKey},
		{"key_ops encrypt", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"key_ops": []string{"encrypt"}}), 0, jwks.ErrNotSigningKey},
		{"key_ops empty", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"key_ops": []string{}}), 0, jwks.ErrNotSigningKey},
		{"alg RSA-OAEP", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"alg": "RSA-OAEP-256"}), 0, jwks.ErrNotSigningKey},
		{"alg of another type", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"alg": "ES256"}), 0, jwks.ErrUnsupportedKey},
		{"alg HS256 on rsa", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"alg": "HS256"}), 0, jwks.ErrUnsupportedKey},
		{"alg none", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"alg": "none"}), 0, jwks.ErrUnsupportedKey},
		{"alg unknown", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"alg": "RS1"}), 0, jwks.ErrUnsupportedKey},
		{"ec alg of another curve", jwkJSON(t, &p256.PublicKey, map[string]any{"alg": "ES384"}), 0, jwks.ErrUnsupportedKey},
		{"rsa even exponent", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"e": "BA"}), 0, jwks.ErrInvalidKey},
		{"rsa huge exponent", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"e": "AQAAAAAB"}), 0, jwks.ErrInvalidKey},
		{"rsa no n", jwkJSON(t, &rsa2048.PublicKey, map[string]any{"n": nil}), 0, jwks.ErrInvalidKey},
		{"ec off curve", mustJSON(t, offCurve), 0, jwks.ErrInvalidKey},
		{"ec secp256k1", `{"kty":"EC","crv":"P-256K","x":"AQAB","y":"AQAB"}`, 0, jwks.ErrUnsupportedKey},
		{"x25519", `{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"}`, 0, jwks.ErrNotSigningKey},
		{"ed448", `{"kty":"OKP","crv":"Ed448","x":"AQAB"}`, 0, jwks.ErrUnsupportedKey},
		{"ed25519 short", `{"kty":"OKP","crv":"Ed25519","x":"AQAB"}`, 0, jwks.ErrInvalidKey},
		{"oct", `{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}`, 0, jwks.ErrSymmetricKey},
		{"unknown kty", `{"kty":"PQC","x":"AQAB"}`, 0, jwks.ErrUnsupportedKey},
		{"no kty", `{"n":"AQAB","e":"AQAB"}`, 0, jwks.ErrUnsupportedKey},
		{"kid not a string", `{"kty":"RSA","kid":5,"n":"AQAB","e":"AQAB"}`, 0, jwks.ErrInvalidKey},
		{"not an object", `"RSA"`, 0, jwks.ErrInvalidKey},
		{"null", `null`, 0, jwks.ErrInvalidKey},
	} {
		t.Run(tt.name, func(t *testing.T) {
			keys, skipped, err := jwks.ParseSet([]byte(`{"keys":[` + tt.jwk + `]}`))
			if err != nil {
				t.Fatalf("ParseSet: %v", err)
			}
			if tt.want != nil {
				if len(keys) != 0 || len(skipped) != 1 {
					t.Fatalf("%d keys, %d skipped; want the key skipped", len(keys), len(skipped))
				}
				var ke *jwks.KeyError
				if !errors.As(skipped[0], &ke) || ke.Index != 0 {
					t.Fatalf("skipped error %v is not a *KeyError for index 0", skipped[0])
				}
				wantErr(t, skipped[0], tt.want)
				return
			}
			if len(keys) != 1 || len(skipped) != 0 {
				t.Fatalf("%d keys, skipped %v", len(keys), skipped)
			}
			k := keys[0]
			if k.Algorithms != tt.algs {
				t.Fatalf("Algorithms %v, want %v", k.Algorithms, tt.algs)
			}
			if k.Secret != nil || k.Public == nil || len(k.Thumbprint) != 43 {
				t.Fatalf("key %+v", k)
			}
			switch k.Public.(type) {
			case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			default:
				t.Fatalf("Public is %T, not a public key", k.Public)
			}
		})
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The RFC 7638 example key has the thumbprint the RFC gives, and its
// members land in the Key.
func TestParseSetRFC7638(t *testing.T) {
	keys, skipped, err := jwks.ParseSet([]byte(`{"keys":[` + rfc7638Key + `]}`))
	if err != nil || len(skipped) != 0 || len(keys) != 1 {
		t.Fatalf("ParseSet: %v %v", err, skipped)
	}
	k := keys[0]
	if k.Thumbprint != rfc7638Thumbprint || k.ID != "2011-04-29" || k.Algorithm != jws.RS256 || !k.Verifies(jws.RS256) || k.Verifies(jws.PS256) {
		t.Fatalf("key %+v", k)
	}
}

func TestParseSetDocument(t *testing.T) {
	for _, doc := range []string{``, `   `, `[]`, `{`, `{"keys":{}}`, `{"keys":null}`, `{"kty":"RSA"}`, `{"keys":[1,}`, `"keys"`} {
		_, _, err := jwks.ParseSet([]byte(doc))
		if !errors.Is(err, jwks.ErrInvalidKeySet) {
			t.Errorf("ParseSet(%q): %v, want ErrInvalidKeySet", doc, err)
		}
	}
	keys, skipped, err := jwks.ParseSet([]byte(` {"keys":[]} `))
	if err != nil || len(keys) != 0 || len(skipped) != 0 {
		t.Fatalf("empty set: %v %v %v", keys, skipped, err)
	}
	// One bad key among good ones is skipped and reported with its index
	// and kid; the others are kept.
	ec := newECKey(t, "good")
	doc := `{"keys":[` + mustJSON(t, ec.jwk) + `,{"kty":"RSA","kid":"bad","use":"enc","n":"AQAB","e":"AQAB"},` + rfc7638Key + `]}`
	keys, skipped, err = jwks.ParseSet([]byte(doc))
	if err != nil || len(keys) != 2 || len(skipped) != 1 {
		t.Fatalf("mixed set: %d keys, %v, %v", len(keys), skipped, err)
	}
	var ke *jwks.KeyError
	if !errors.As(skipped[0], &ke) || ke.Index != 1 || ke.KID != "bad" || !strings.Contains(ke.Error(), `"bad"`) {
		t.Fatalf("skipped: %#v", skipped[0])
	}
}

// FuzzParseSet: any input parses without panicking; every key returned can
// verify something, with a standard library public key whose type allows
// exactly its algorithms, never HMAC; every entry of a well-formed set is
// either a key or a skip; parsing is deterministic.
func FuzzParseSet(f *testing.F) {
	f.Add([]byte(`{"keys":[` + rfc7638Key + `]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"ec"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","use":"enc"},{},null,1,"x"]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AQAB","y":"AQAB","d":"AQAB"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, skipped, err := jwks.ParseSet(data)
		if err != nil {
			if !errors.Is(err, jwks.ErrInvalidKeySet) || len(keys)+len(skipped) != 0 {
				t.Fatalf("error %v with %d keys, %d skipped", err, len(keys), len(skipped))
			}
			return
		}
		var doc struct{ Keys []json.RawMessage }
		if json.Unmarshal(data, &doc) == nil && len(doc.Keys) != len(keys)+len(skipped) {
			t.Fatalf("%d entries, %d keys + %d skipped", len(doc.Keys), len(keys), len(skipped))
		}
		for _, k := range keys {
			if k.Algorithms.Empty() || k.Secret != nil || k.Public == nil || k.Thumbprint == "" {
				t.Fatalf("unusable key returned: %+v", k)
			}
			if fit := jws.AlgorithmsFor(k.Public); k.Algorithms.Intersect(fit) != k.Algorithms || !k.Algorithms.Intersect(jws.Symmetric).Empty() {
				t.Fatalf("algorithms %v for a %T", k.Algorithms, k.Public)
			}
		}
		for _, e := range skipped {
			var ke *jwks.KeyError
			if !errors.As(e, &ke) {
				t.Fatalf("skip %v is not a *KeyError", e)
			}
		}
		again, _, _ := jwks.ParseSet(data)
		if len(again) != len(keys) {
			t.Fatal("parsing is not deterministic")
		}
		for i := range keys {
			if again[i].Thumbprint != keys[i].Thumbprint || again[i].Algorithms != keys[i].Algorithms {
				t.Fatal("parsing is not deterministic")
			}
		}
	})
}
