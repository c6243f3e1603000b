package jwks_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// handlerTestKeys are generated once per test binary: RSA generation is slow.
var handlerTestKeys = sync.OnceValue(func() (k struct {
	rsa2048, rsa3072 *rsa.PrivateKey
	p256, p384, p521 *ecdsa.PrivateKey
	ed               ed25519.PrivateKey
}) {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var err error
	k.rsa2048, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa3072, err = rsa.GenerateKey(rand.Reader, 3072)
	must(err)
	k.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	k.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

func handlerJWK(t *testing.T, raw any, set map[string]any) jwk.Key {
	t.Helper()
	k, err := jwk.FromRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range set {
		if err := k.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// handlerPublicOf returns the public key of a test key, for comparison.
func handlerPublicOf(t *testing.T, key any) crypto.PublicKey {
	t.Helper()
	switch k := key.(type) {
	case jwk.Key:
		raw, err := jwk.PublicRawKeyOf(k)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	case crypto.Signer:
		return k.Public()
	default:
		return k
	}
}

// handlerPrivateMembers are the JWK members that carry secret material
// (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
var handlerPrivateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth", "r", "t"}

func TestHandlerNeverPublishesPrivateMembers(t *testing.T) {
	keys := handlerTestKeys()
	// A private RSA JWK parsed from JSON, with every CRT member present.
	privRSAJWK, err := jwk.FromRaw(keys.rsa2048)
	if err != nil {
		t.Fatal(err)
	}
	privJSON, err := json.Marshal(privRSAJWK)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{`"d":`, `"p":`, `"q":`, `"dp":`, `"dq":`, `"qi":`} {
		if !bytes.Contains(privJSON, []byte(m)) {
			t.Fatalf("test setup: private JWK lacks %s", m)
		}
	}
	parsedPriv, err := jwk.ParseKey(privJSON)
	if err != nil {
		t.Fatal(err)
	}
	edPub := keys.ed.Public().(ed25519.PublicKey)
	// A multi-prime RSA key is the one whose JWK carries "oth" (RFC 7518
	// §6.3.2.7).
	//lint:ignore SA1019 a multi-prime key is exactly what this test needs
	multiPrime, err := rsa.GenerateMultiPrimeKey(rand.Reader, 3, 2048)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		key  any
		kty  string
	}{
		{"rsa private 2048", keys.rsa2048, "RSA"},
		{"rsa private 3072", keys.rsa3072, "RSA"},
		{"rsa public", &keys.rsa2048.PublicKey, "RSA"},
		{"rsa private multi-prime", multiPrime, "RSA"},
		{"ecdsa private P-256", keys.p256, "EC"},
		{"ecdsa private P-384", keys.p384, "EC"},
		{"ecdsa private P-521", keys.p521, "EC"},
		{"ecdsa public P-256", &keys.p256.PublicKey, "EC"},
		{"ecdsa public P-521", &keys.p521.PublicKey, "EC"},
		{"ed25519 private", keys.ed, "OKP"},
		{"ed25519 public", edPub, "OKP"},
		{"jwk rsa private", handlerJWK(t, keys.rsa2048, nil), "RSA"},
		{"jwk rsa private parsed from JSON", parsedPriv, "RSA"},
		{"jwk rsa public", handlerJWK(t, &keys.rsa3072.PublicKey, nil), "RSA"},
		{"jwk ec private P-256", handlerJWK(t, keys.p256, nil), "EC"},
		{"jwk ec private P-384", handlerJWK(t, keys.p384, nil), "EC"},
		{"jwk ec private P-521", handlerJWK(t, keys.p521, nil), "EC"},
		{"jwk ec public", handlerJWK(t, &keys.p384.PublicKey, nil), "EC"},
		{"jwk okp private", handlerJWK(t, keys.ed, nil), "OKP"},
		{"jwk okp public", handlerJWK(t, edPub, nil), "OKP"},
		{"jwk with x5t and private params", handlerJWK(t, keys.p256, map[string]any{"x5t": "abc", "secret": "s3cr3t"}), "EC"},
	}
	allowed := []string{"kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"}

	var all []jwks.PublishedKey
	for i, tt := range tests {
		all = append(all, jwks.PublishedKey{ID: fmt.Sprintf("k%d", i), Use: "sig", Key: tt.key})
	}
	h, err := jwks.NewHandler(jwks.HandlerConfig{}, all...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}

	check := func(t *testing.T, doc []byte, wantKeys int, kty []string) {
		t.Helper()
		// Raw scan: no private member name appears anywhere, in any form.
		for _, m := range handlerPrivateMembers {
			if bytes.Contains(doc, []byte(`"`+m+`"`)) {
				t.Errorf("document contains member %q: %s", m, doc)
			}
		}
		// Quoted: the bare letters can occur inside a random key's base64url
		// coordinates (a P-521 y once read "…Ldx5tZ…").
		if bytes.Contains(doc, []byte(`"s3cr3t"`)) || bytes.Contains(doc, []byte(`"x5t"`)) {
			t.Errorf("document contains a non-standard member: %s", doc)
		}
		// Generic parse: every member of every key is a standard public one.
		var set map[string][]map[string]any
		if err := json.Unmarshal(doc, &set); err != nil {
			t.Fatalf("document is not JSON: %v", err)
		}
		if len(set) != 1 || len(set["keys"]) != wantKeys {
			t.Fatalf("document %s: want exactly {\"keys\":[%d keys]}", doc, wantKeys)
		}
		for i, key := range set["keys"] {
			for name := range key {
				if !slices.Contains(allowed, name) {
					t.Errorf("key %d has member %q", i, name)
				}
			}
			if key["kty"] != kty[i] {
				t.Errorf("key %d: kty %v, want %s", i, key["kty"], kty[i])
			}
		}
	}

	t.Run("whole set over HTTP", func(t *testing.T) {
		ktys := make([]string, len(tests))
		for i, tt := range tests {
			ktys[i] = tt.kty
		}
		check(t, body, len(tests), ktys)
		// The published keys are the public halves of the keys handed in.
		set, err := jwk.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		for i, tt := range tests {
			k, ok := set.LookupKeyID(fmt.Sprintf("k%d", i))
			if !ok {
				t.Fatalf("k%d not published", i)
			}
			var got any
			if err := k.Raw(&got); err != nil {
				t.Fatal(err)
			}
			want := handlerPublicOf(t, tt.key)
			if eq, ok := want.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(got) {
				t.Errorf("%s: published key %T differs from the public key", tt.name, got)
			}
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk := jwks.PublishedKey{ID: "one", Key: tt.key}
			one, err := json.Marshal(pk)
			if err != nil {
				t.Fatal(err)
			}
			check(t, append(append([]byte(`{"keys":[`), one...), "]}"...), 1, []string{tt.kty})
			doc, err := jwks.MarshalPublicKeySet(pk)
			if err != nil {
				t.Fatal(err)
			}
			check(t, doc, 1, []string{tt.kty})
			pub, err := pk.Public()
			if err != nil {
				t.Fatal(err)
			}
			switch pub.(type) {
			case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			default:
				t.Errorf("Public() = %T, want a standard library public key", pub)
			}
		})
	}
}

func TestHandlerRefusesKeys(t *testing.T) {
	keys := handlerTestKeys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	octKey, err := jwk.FromRaw([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	_ = octKey.Set(jwk.KeyIDKey, "oct")
	jwkEnc := handlerJWK(t, keys.rsa2048, map[string]any{"alg": "RSA-OAEP", "kid": "enc"})
	evenE := &rsa.PublicKey{N: keys.rsa2048.N, E: 65536}

	tests := []struct {
		name string
		key  jwks.PublishedKey
	}{
		{"symmetric bytes", jwks.PublishedKey{ID: "a", Key: []byte("secret")}},
		{"symmetric jwk", jwks.PublishedKey{Key: octKey}},
		{"rsa 1024 private", jwks.PublishedKey{ID: "a", Key: small}},
		{"rsa 1024 public", jwks.PublishedKey{ID: "a", Key: &small.PublicKey}},
		{"rsa 1024 jwk", jwks.PublishedKey{ID: "a", Key: handlerJWK(t, small, nil)}},
		{"rsa even exponent", jwks.PublishedKey{ID: "a", Key: evenE}},
		{"rsa nil modulus", jwks.PublishedKey{ID: "a", Key: &rsa.PublicKey{E: 65537}}},
		{"curve P-224", jwks.PublishedKey{ID: "a", Key: p224}},
		{"ed25519 short", jwks.PublishedKey{ID: "a", Key: ed25519.PublicKey(make([]byte, 31))}},
		{"missing kid", jwks.PublishedKey{Key: keys.p256}},
		{"kid not UTF-8", jwks.PublishedKey{ID: "\xff", Key: keys.p256}},
		{"nil key", jwks.PublishedKey{ID: "a"}},
		{"nil rsa pointer", jwks.PublishedKey{ID: "a", Key: (*rsa.PrivateKey)(nil)}},
		{"unsupported type", jwks.PublishedKey{ID: "a", Key: "a string"}},
		{"rsa value not pointer", jwks.PublishedKey{ID: "a", Key: keys.rsa2048.PublicKey}},
		{"use unknown", jwks.PublishedKey{ID: "a", Use: "signature", Key: keys.p256}},
		{"alg none", jwks.PublishedKey{ID: "a", Algorithm: jws.None, Key: keys.p256}},
		{"alg HS256", jwks.PublishedKey{ID: "a", Algorithm: jws.HS256, Key: keys.rsa2048}},
		{"alg ES256 on RSA", jwks.PublishedKey{ID: "a", Algorithm: jws.ES256, Key: keys.rsa2048}},
		{"alg ES384 on P-256", jwks.PublishedKey{ID: "a", Algorithm: jws.ES384, Key: keys.p256}},
		{"alg RS256 on Ed25519", jwks.PublishedKey{ID: "a", Algorithm: jws.RS256, Key: keys.ed}},
		{"alg out of range", jwks.PublishedKey{ID: "a", Algorithm: jws.Algorithm(200), Key: keys.ed}},
		{"enc with signature alg", jwks.PublishedKey{ID: "a", Use: "enc", Algorithm: jws.RS256, Key: keys.rsa2048}},
		{"jwk with encryption alg", jwks.PublishedKey{Key: jwkEnc}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := jwks.NewHandler(jwks.HandlerConfig{}, tt.key); !errors.Is(err, jwks.ErrNotPublishable) {
				t.Errorf("NewHandler: err = %v, want ErrNotPublishable", err)
			}
			if _, err := json.Marshal(tt.key); !errors.Is(err, jwks.ErrNotPublishable) {
				t.Errorf("MarshalJSON: err = %v, want ErrNotPublishable", err)
			}
			h, err := jwks.NewHandler(jwks.HandlerConfig{})
			if err != nil {
				t.Fatal(err)
			}
			if err := h.AddKey(tt.key); !errors.Is(err, jwks.ErrNotPublishable) {
				t.Errorf("AddKey: err = %v, want ErrNotPublishable", err)
			}
			if string(h.Document()) != `{"keys":[]}` {
				t.Errorf("document changed after a refused key: %s", h.Document())
			}
		})
	}

	t.Run("duplicate kid", func(t *testing.T) {
		a := jwks.PublishedKey{ID: "same", Key: keys.p256}
		b := jwks.PublishedKey{ID: "same", Key: keys.ed}
		if _, err := jwks.NewHandler(jwks.HandlerConfig{}, a, b); !errors.Is(err, jwks.ErrKIDInUse) {
			t.Errorf("NewHandler: err = %v, want ErrKIDInUse", err)
		}
		if _, err := jwks.MarshalPublicKeySet(a, b); !errors.Is(err, jwks.ErrKIDInUse) {
			t.Errorf("MarshalPublicKeySet: err = %v, want ErrKIDInUse", err)
		}
		h, err := jwks.NewHandler(jwks.HandlerConfig{}, a)
		if err != nil {
			t.Fatal(err)
		}
		before := h.ETag()
		if err := h.AddKey(b); !errors.Is(err, jwks.ErrKIDInUse) {
			t.Errorf("AddKey: err = %v, want ErrKIDInUse", err)
		}
		if err := h.SetKeys(b, a); !errors.Is(err, jwks.ErrKIDInUse) {
			t.Errorf("SetKeys: err = %v, want ErrKIDInUse", err)
		}
		if h.ETag() != before {
			t.Error("a refused change altered the published set")
		}
	})
}

func TestHandlerMembers(t *testing.T) {
	keys := handlerTestKeys()
	tests := []struct {
		name string
		key  jwks.PublishedKey
		want map[string]string
	}{
		{"rsa with alg and use", jwks.PublishedKey{ID: "r", Algorithm: jws.PS256, Use: "sig", Key: keys.rsa2048},
			map[string]string{"kty": "RSA", "kid": "r", "alg": "PS256", "use": "sig", "e": "AQAB",
				"n": base64.RawURLEncoding.EncodeToString(keys.rsa2048.N.Bytes())}},
		{"ec P-521 fixed-size coordinates", jwks.PublishedKey{ID: "e", Algorithm: jws.ES512, Key: keys.p521},
			map[string]string{"kty": "EC", "kid": "e", "alg": "ES512", "crv": "P-521"}},
		{"ed25519 without alg or use", jwks.PublishedKey{ID: "o", Key: keys.ed},
			map[string]string{"kty": "OKP", "kid": "o", "crv": "Ed25519",
				"x": base64.RawURLEncoding.EncodeToString(keys.ed.Public().(ed25519.PublicKey))}},
		{"ed25519 fully specified alg", jwks.PublishedKey{ID: "o", Algorithm: jws.Ed25519, Key: keys.ed},
			map[string]string{"kty": "OKP", "kid": "o", "alg": "Ed25519", "crv": "Ed25519"}},
		{"jwk supplies kid alg use", jwks.PublishedKey{Key: handlerJWK(t, keys.p384, map[string]any{"kid": "from-jwk", "alg": "ES384", "use": "sig"})},
			map[string]string{"kty": "EC", "kid": "from-jwk", "alg": "ES384", "use": "sig", "crv": "P-384"}},
		{"fields override the jwk", jwks.PublishedKey{ID: "mine", Algorithm: jws.RS512, Key: handlerJWK(t, keys.rsa2048, map[string]any{"kid": "theirs", "alg": "RS256"})},
			map[string]string{"kty": "RSA", "kid": "mine", "alg": "RS512"}},
		{"kid escaped", jwks.PublishedKey{ID: "a\"b\\c\n<é>", Key: keys.ed},
			map[string]string{"kid": "a\"b\\c\n<é>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			for name, want := range tt.want {
				if got[name] != want {
					t.Errorf("%s = %q, want %q", name, got[name], want)
				}
			}
			if _, ok := tt.want["use"]; !ok {
				if _, ok := got["use"]; ok && tt.key.Use == "" {
					t.Errorf("use written though none given: %s", b)
				}
			}
			if got["kty"] == "EC" {
				size := map[string]int{"P-256": 32, "P-384": 48, "P-521": 66}[got["crv"]]
				for _, c := range []string{"x", "y"} {
					raw, err := base64.RawURLEncoding.Strict().DecodeString(got[c])
					if err != nil || len(raw) != size {
						t.Errorf("%s: %d bytes (%v), want %d", c, len(raw), err, size)
					}
				}
			}
		})
	}

	t.Run("member order and determinism", func(t *testing.T) {
		pk := jwks.PublishedKey{ID: "r", Algorithm: jws.RS256, Use: "sig", Key: keys.rsa2048}
		a, _ := jwks.MarshalPublicKeySet(pk, jwks.PublishedKey{ID: "o", Key: keys.ed})
		b, _ := jwks.MarshalPublicKeySet(jwks.PublishedKey{ID: "r", Algorithm: jws.RS256, Use: "sig", Key: &keys.rsa2048.PublicKey},
			jwks.PublishedKey{ID: "o", Key: keys.ed.Public()})
		if !bytes.Equal(a, b) {
			t.Errorf("private and public halves render differently:\n%s\n%s", a, b)
		}
		if !bytes.HasPrefix(a, []byte(`{"keys":[{"kty":"RSA","kid":"r","use":"sig","alg":"RS256","n":"`)) {
			t.Errorf("unexpected member order: %.80s", a)
		}
		h, _ := jwks.NewHandler(jwks.HandlerConfig{}, pk, jwks.PublishedKey{ID: "o", Key: keys.ed})
		if !bytes.Equal(h.Document(), a) {
			t.Error("handler document differs from MarshalPublicKeySet")
		}
	})

	t.Run("thumbprint RFC 8037 A.3", func(t *testing.T) {
		x, _ := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
		tp, err := jwks.PublishedKey{ID: "x", Key: ed25519.PublicKey(x)}.Thumbprint()
		if err != nil {
			t.Fatal(err)
		}
		if want := "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; tp != want {
			t.Errorf("thumbprint %s, want %s", tp, want)
		}
		for _, k := range []any{keys.rsa2048, keys.p256} {
			jk := handlerJWK(t, k, nil)
			want, _ := jk.Thumbprint(crypto.SHA256)
			got, err := jwks.PublishedKey{ID: "x", Key: k}.Thumbprint()
			if err != nil || got != base64.RawURLEncoding.EncodeToString(want) {
				t.Errorf("%T thumbprint %s (%v), jwx says %x", k, got, err, want)
			}
		}
	})
}

// handlerGet sends one request to url with the given method and headers.
func handlerGet(t *testing.T, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestHandlerHTTP(t *testing.T) {
	keys := handlerTestKeys()
	h, err := jwks.NewHandler(jwks.HandlerConfig{},
		jwks.PublishedKey{ID: "rsa", Algorithm: jws.RS256, Use: "sig", Key: keys.rsa2048},
		jwks.PublishedKey{ID: "ec", Algorithm: jws.ES256, Use: "sig", Key: keys.p256})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	doc := h.Document()
	sum := sha256.Sum256(doc)
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`
	if h.ETag() != etag {
		t.Fatalf("ETag() = %s, want %s", h.ETag(), etag)
	}
	opaque := strings.Trim(etag, `"`)

	tests := []struct {
		name       string
		method     string
		header     http.Header
		wantStatus int
		wantBody   []byte
		wantHeader map[string]string // "" means absent
	}{
		{"GET", "GET", nil, 200, doc, map[string]string{
			"Content-Type": "application/jwk-set+json", "Cache-Control": "public, max-age=300",
			"Etag": etag, "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag",
			"X-Content-Type-Options": "nosniff", "Content-Length": fmt.Sprint(len(doc)),
			"Access-Control-Allow-Credentials": ""}},
		{"GET with Origin", "GET", http.Header{"Origin": {"https://app.example"}}, 200, doc, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "", "Vary": ""}},
		{"HEAD", "HEAD", nil, 200, nil, map[string]string{
			"Content-Length": fmt.Sprint(len(doc)), "Etag": etag, "Content-Type": "application/jwk-set+json"}},
		{"If-None-Match exact", "GET", http.Header{"If-None-Match": {etag}}, 304, nil, map[string]string{
			"Etag": etag, "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*", "Content-Type": ""}},
		{"If-None-Match on HEAD", "HEAD", http.Header{"If-None-Match": {etag}}, 304, nil, map[string]string{"Etag": etag}},
		{"If-None-Match weak", "GET", http.Header{"If-None-Match": {"W/" + etag}}, 304, nil, nil},
		{"If-None-Match list", "GET", http.Header{"If-None-Match": {`"old", W/"older" ,` + etag + `, "x"`}}, 304, nil, nil},
		{"If-None-Match no spaces", "GET", http.Header{"If-None-Match": {`"a",` + etag}}, 304, nil, nil},
		{"If-None-Match comma inside a tag", "GET", http.Header{"If-None-Match": {`"a,` + opaque + `"`}}, 200, doc, nil},
		{"If-None-Match second line", "GET", http.Header{"If-None-Match": {`"nope"`, etag}}, 304, nil, nil},
		{"If-None-Match star", "GET", http.Header{"If-None-Match": {"*"}}, 304, nil, nil},
		{"If-None-Match star with spaces", "GET", http.Header{"If-None-Match": {" * "}}, 304, nil, nil},
		{"If-None-Match other", "GET", http.Header{"If-None-Match": {`"other"`}}, 200, doc, nil},
		{"If-None-Match unquoted", "GET", http.Header{"If-None-Match": {opaque}}, 200, doc, nil},
		{"If-None-Match unterminated", "GET", http.Header{"If-None-Match": {`"` + opaque}}, 200, doc, nil},
		{"If-None-Match prefix only", "GET", http.Header{"If-None-Match": {etag[:len(etag)-2] + `"`}}, 200, doc, nil},
		{"If-None-Match malformed then match", "GET", http.Header{"If-None-Match": {`junk ` + etag}}, 200, doc, nil},
		{"If-None-Match star prefix", "GET", http.Header{"If-None-Match": {`*x`}}, 200, doc, nil},
		{"If-None-Match empty", "GET", http.Header{"If-None-Match": {""}}, 200, doc, nil},
		{"preflight", "OPTIONS", http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"},
			"Access-Control-Request-Headers": {"if-none-match"}}, 204, nil, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
			"Access-Control-Allow-Headers": "*", "Access-Control-Max-Age": "86400",
			"Access-Control-Allow-Credentials": "", "Allow": "GET, HEAD, OPTIONS"}},
		{"plain OPTIONS", "OPTIONS", nil, 204, nil, map[string]string{
			"Allow": "GET, HEAD, OPTIONS", "Access-Control-Allow-Methods": "", "Etag": ""}},
		{"POST", "POST", nil, 405, []byte("method not allowed\n"), map[string]string{
			"Allow": "GET, HEAD, OPTIONS", "Etag": "", "Cache-Control": ""}},
		{"PUT", "PUT", nil, 405, nil, map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{"DELETE", "DELETE", nil, 405, nil, map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
		{"PATCH", "PATCH", nil, 405, nil, map[string]string{"Allow": "GET, HEAD, OPTIONS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := handlerGet(t, tt.method, srv.URL+"/any/path", tt.header)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if tt.wantBody != nil && !bytes.Equal(body, tt.wantBody) {
				t.Errorf("body %q, want %q", body, tt.wantBody)
			}
			if tt.wantBody == nil && tt.wantStatus != 405 && len(body) != 0 {
				t.Errorf("body %q, want none", body)
			}
			for name, want := range tt.wantHeader {
				got, present := res.Header[name]
				if want == "" {
					if present {
						t.Errorf("header %s = %q, want absent", name, got)
					}
					continue
				}
				if len(got) != 1 || got[0] != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestHandlerCacheControl(t *testing.T) {
	keys := handlerTestKeys()
	tests := []struct {
		name           string
		cfg            jwks.HandlerConfig
		wantCC, wantCT string
	}{
		{"default", jwks.HandlerConfig{}, "public, max-age=300", "application/jwk-set+json"},
		{"one hour", jwks.HandlerConfig{MaxAge: time.Hour}, "public, max-age=3600", "application/jwk-set+json"},
		{"sub-second rounds down", jwks.HandlerConfig{MaxAge: 1500 * time.Millisecond}, "public, max-age=1", "application/jwk-set+json"},
		{"negative revalidates", jwks.HandlerConfig{MaxAge: -1}, "public, no-cache", "application/jwk-set+json"},
		{"no-store", jwks.HandlerConfig{NoStore: true, MaxAge: time.Hour}, "no-store", "application/jwk-set+json"},
		{"application/json", jwks.HandlerConfig{ContentType: "application/json"}, "public, max-age=300", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := jwks.NewHandler(tt.cfg, jwks.PublishedKey{ID: "a", Key: keys.ed})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			for _, inm := range []string{"", h.ETag()} {
				res, _ := handlerGet(t, "GET", srv.URL, http.Header{"If-None-Match": {inm}})
				if got := res.Header.Get("Cache-Control"); got != tt.wantCC {
					t.Errorf("If-None-Match %q: Cache-Control %q, want %q", inm, got, tt.wantCC)
				}
				if inm == "" {
					if got := res.Header.Get("Content-Type"); got != tt.wantCT {
						t.Errorf("Content-Type %q, want %q", got, tt.wantCT)
					}
				}
			}
		})
	}
}

func TestHandlerRotation(t *testing.T) {
	keys := handlerTestKeys()
	a := jwks.PublishedKey{ID: "a", Algorithm: jws.RS256, Key: keys.rsa2048}
	b := jwks.PublishedKey{ID: "b", Algorithm: jws.ES256, Key: keys.p256}
	c := jwks.PublishedKey{ID: "c", Algorithm: jws.EdDSA, Key: keys.ed}
	h, err := jwks.NewHandler(jwks.HandlerConfig{}, a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	fetchKIDs := func(t *testing.T, inm string) (int, []string, string) {
		t.Helper()
		res, body := handlerGet(t, "GET", srv.URL, http.Header{"If-None-Match": {inm}})
		if res.StatusCode != 200 {
			return res.StatusCode, nil, res.Header.Get("Etag")
		}
		set, err := jwk.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		var kids []string
		for i := 0; i < set.Len(); i++ {
			k, _ := set.Key(i)
			kids = append(kids, k.KeyID())
		}
		return res.StatusCode, kids, res.Header.Get("Etag")
	}

	steps := []struct {
		name     string
		change   func() error
		wantKIDs []string
	}{
		{"initial", func() error { return nil }, []string{"a"}},
		{"add b", func() error { return h.AddKey(b) }, []string{"a", "b"}},
		{"add c", func() error { return h.AddKey(c) }, []string{"a", "b", "c"}},
		{"remove a", func() error {
			if !h.RemoveKey("a") {
				return errors.New("a was not published")
			}
			return nil
		}, []string{"b", "c"}},
		{"remove unknown", func() error {
			if h.RemoveKey("zzz") {
				return errors.New("RemoveKey(zzz) reported true")
			}
			return nil
		}, []string{"b", "c"}},
		{"set keys", func() error { return h.SetKeys(c, a) }, []string{"c", "a"}},
		{"set empty", func() error { return h.SetKeys() }, nil},
	}
	seen := map[string]string{}
	prevETag := ""
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.change(); err != nil {
				t.Fatal(err)
			}
			if got := h.KeyIDs(); !slices.Equal(got, st.wantKIDs) && !(len(got) == 0 && len(st.wantKIDs) == 0) {
				t.Errorf("KeyIDs() = %v, want %v", got, st.wantKIDs)
			}
			status, kids, etag := fetchKIDs(t, prevETag)
			changed := prevETag == "" || st.name != "remove unknown"
			switch {
			case changed && status != 200:
				t.Fatalf("status %d after a change, want 200 with the new set", status)
			case !changed && status != 304:
				t.Fatalf("status %d after no change, want 304", status)
			}
			if status == 200 {
				if !slices.Equal(kids, st.wantKIDs) {
					t.Errorf("served kids %v, want %v", kids, st.wantKIDs)
				}
				key := strings.Join(kids, ",")
				if old, ok := seen[key]; ok && old != etag {
					t.Errorf("same set %q served under two ETags", key)
				}
				seen[key] = etag
			}
			if etag != h.ETag() {
				t.Errorf("served ETag %s, ETag() %s", etag, h.ETag())
			}
			prevETag = etag
		})
	}
	if _, kids, _ := fetchKIDs(t, ""); len(kids) != 0 {
		t.Errorf("empty set serves %v", kids)
	}
	if got := string(h.Document()); got != `{"keys":[]}` {
		t.Errorf("empty document %s", got)
	}
}

func TestHandlerConcurrentRotation(t *testing.T) {
	keys := handlerTestKeys()
	sets := [][]jwks.PublishedKey{
		{{ID: "a", Key: keys.p256}},
		{{ID: "a", Key: keys.p256}, {ID: "b", Key: keys.ed}},
		{{ID: "b", Key: keys.ed}},
	}
	h, err := jwks.NewHandler(jwks.HandlerConfig{}, sets[0]...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			if err := h.SetKeys(sets[i%len(sets)]...); err != nil {
				t.Error(err)
				return
			}
			if i%2 == 0 {
				_ = h.AddKey(jwks.PublishedKey{ID: "c", Key: keys.p384})
				h.RemoveKey("c")
			}
		}
	})
	errs := make(chan error, 4)
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for range 50 {
				res, err := http.Get(srv.URL)
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil {
					errs <- err
					return
				}
				sum := sha256.Sum256(body)
				if want := `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`; res.Header.Get("Etag") != want {
					errs <- fmt.Errorf("ETag %s does not match the body served with it", res.Header.Get("Etag"))
					return
				}
				if _, err := jwk.Parse(body); err != nil {
					errs <- fmt.Errorf("torn document: %w", err)
					return
				}
			}
		})
	}
	readers.Wait()
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// handlerDiscard is a ResponseWriter that reuses one header map, so that
// only the handler's own allocations are counted.
type handlerDiscard struct {
	h    http.Header
	code int
	n    int
}

func (w *handlerDiscard) Header() http.Header         { return w.h }
func (w *handlerDiscard) WriteHeader(code int)        { w.code = code }
func (w *handlerDiscard) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

func TestHandlerServeDoesNotAllocate(t *testing.T) {
	keys := handlerTestKeys()
	h, err := jwks.NewHandler(jwks.HandlerConfig{},
		jwks.PublishedKey{ID: "a", Algorithm: jws.RS256, Key: keys.rsa2048},
		jwks.PublishedKey{ID: "b", Key: keys.ed})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		method string
		inm    string
		want   int
	}{
		{"GET", "GET", "", 200},
		{"HEAD", "HEAD", "", 200},
		{"304", "GET", `"x", W/` + h.ETag(), 304},
		{"stale If-None-Match", "GET", `"x", "y"`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/jwks", nil)
			if tt.inm != "" {
				req.Header.Set("If-None-Match", tt.inm)
			}
			w := &handlerDiscard{h: http.Header{}}
			allocs := testing.AllocsPerRun(200, func() {
				clear(w.h)
				h.ServeHTTP(w, req)
			})
			if w.code != tt.want {
				t.Fatalf("status %d, want %d", w.code, tt.want)
			}
			if allocs != 0 {
				t.Errorf("%v allocations per request, want 0", allocs)
			}
		})
	}
}

func BenchmarkHandlerServe(b *testing.B) {
	x, _ := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	h, err := jwks.NewHandler(jwks.HandlerConfig{}, jwks.PublishedKey{ID: "a", Key: ed25519.PublicKey(x)})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/jwks", nil)
	w := &handlerDiscard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
	if w.code != 200 || w.n == 0 {
		b.Fatalf("status %d, %d bytes", w.code, w.n)
	}
}
