package jwkstest_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	jwxjws "github.com/lestrrat-go/jwx/v2/jws"
)

var kitT0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// TestMintVerifies proves the good tokens right for every algorithm: jwx
// verifies them against the JWKS fetched over HTTP, and the standard
// library verifies them with the published key.
func TestMintVerifies(t *testing.T) {
	algs := []jws.Algorithm{jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512,
		jws.ES256, jws.ES384, jws.ES512, jws.EdDSA, jws.Ed25519}
	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			clk := jwkstest.NewClock(kitT0)
			iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(alg), jwkstest.WithClock(clk))
			tok, err := iss.Mint(map[string]any{"scope": "read write"})
			if err != nil {
				t.Fatal(err)
			}
			p := kitSplit(t, tok)
			for i, seg := range p.segs {
				if raw, err := base64.RawURLEncoding.Strict().DecodeString(seg); err != nil ||
					base64.RawURLEncoding.EncodeToString(raw) != seg {
					t.Errorf("part %d is not canonical base64url", i)
				}
			}
			h := kitMap(t, p.header)
			if h["alg"] != alg.String() || h["typ"] != "JWT" || h["kid"] != iss.SigningKey().KID() || len(h) != 3 {
				t.Errorf("header %s", p.header)
			}
			c := kitMap(t, p.payload)
			want := map[string]string{"iss": iss.URL(), "sub": jwkstest.DefaultSubject, "aud": jwkstest.DefaultAudience,
				"scope": "read write", "iat": "1795608000", "exp": "1795611600"}
			for name, v := range want {
				if got, _ := json.Marshal(c[name]); strings.Trim(string(got), `"`) != v {
					t.Errorf("claim %s = %s, want %s", name, got, v)
				}
			}
			if len(c) != len(want) {
				t.Errorf("claims %s", p.payload)
			}

			if err := kitVerify(iss.SigningKey().PublicKey(), alg, p.input, p.sig); err != nil {
				t.Errorf("standard library: %v", err)
			}
			set, err := jwk.Parse(kitMustGet(t, iss.JWKSURL()))
			if err != nil {
				t.Fatal(err)
			}
			if alg == jws.Ed25519 {
				return // jwx v2 predates the RFC 9864 name
			}
			payload, err := jwxjws.Verify([]byte(tok), jwxjws.WithKeySet(set))
			if err != nil {
				t.Fatalf("jwx: %v", err)
			}
			if !bytes.Equal(payload, p.payload) {
				t.Error("jwx verified another payload")
			}
		})
	}
}

// kitMintCase is one Mint call and what the token must be.
type kitMintCase struct {
	name   string
	claims map[string]any
	opts   func(iss *jwkstest.Issuer) []jwkstest.MintOption
	check  func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken)
}

func kitOpts(o ...jwkstest.MintOption) func(*jwkstest.Issuer) []jwkstest.MintOption {
	return func(*jwkstest.Issuer) []jwkstest.MintOption { return o }
}

// kitVerifiesWithSigner asserts the signature is the signing key's, valid.
func kitVerifiesWithSigner(t *testing.T, iss *jwkstest.Issuer, p kitToken) {
	t.Helper()
	k := iss.SigningKey()
	if err := kitVerify(k.PublicKey(), k.Algorithm(), p.input, p.sig); err != nil {
		t.Errorf("signature does not verify with the signing key: %v", err)
	}
}

// kitRejectedByJWKS asserts that jwx, given the issuer's published set,
// rejects the token.
func kitRejectedByJWKS(t *testing.T, iss *jwkstest.Issuer, tok string) {
	t.Helper()
	set, err := jwk.Parse(kitMustGet(t, iss.JWKSURL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwxjws.Verify([]byte(tok), jwxjws.WithKeySet(set)); err == nil {
		t.Error("jwx accepted the token with the published keys")
	}
}

func kitHeader(t *testing.T, p kitToken) map[string]any { return kitMap(t, p.header) }
func kitClaims(t *testing.T, p kitToken) map[string]any { return kitMap(t, p.payload) }

func TestMintOptions(t *testing.T) {
	clk := jwkstest.NewClock(kitT0)
	rsaIss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.RS256), jwkstest.WithClock(clk))
	ecIss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.ES256), jwkstest.WithClock(clk))
	edIss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA), jwkstest.WithClock(clk))
	stranger, err := jwkstest.NewKey(jws.ES256)
	if err != nil {
		t.Fatal(err)
	}
	good := map[*jwkstest.Issuer]string{
		rsaIss: rsaIss.MustMint(nil),
		edIss:  edIss.MustMint(nil),
	}

	tests := []struct {
		iss *jwkstest.Issuer
		kitMintCase
	}{
		{rsaIss, kitMintCase{"typ at+jwt", nil, kitOpts(jwkstest.WithType("at+jwt")), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			if kitHeader(t, p)["typ"] != "at+jwt" {
				t.Errorf("header %s", p.header)
			}
			kitVerifiesWithSigner(t, iss, p)
		}}},
		{ecIss, kitMintCase{"no kid", nil, kitOpts(jwkstest.WithoutKID()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			if _, ok := kitHeader(t, p)["kid"]; ok {
				t.Errorf("header %s", p.header)
			}
			kitVerifiesWithSigner(t, iss, p)
		}}},
		{ecIss, kitMintCase{"unknown kid", nil, kitOpts(jwkstest.WithUnknownKID()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			kid, _ := kitHeader(t, p)["kid"].(string)
			if kid == "" || slices.Contains(iss.PublishedKIDs(), kid) {
				t.Errorf("kid %q", kid)
			}
			kitVerifiesWithSigner(t, iss, p)
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{rsaIss, kitMintCase{"bad signature flips one bit", nil, kitOpts(jwkstest.WithBadSignature()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			g := kitSplit(t, good[iss]) // RS256 is deterministic: same input, same signature
			if !bytes.Equal(g.input, p.input) {
				t.Fatal("bad-signature token has another signing input")
			}
			bits := 0
			for i := range g.sig {
				for x := g.sig[i] ^ p.sig[i]; x != 0; x &= x - 1 {
					bits++
				}
			}
			if bits != 1 {
				t.Errorf("%d bits differ, want 1", bits)
			}
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{edIss, kitMintCase{"bad signature Ed25519", nil, kitOpts(jwkstest.WithBadSignature()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			if len(p.sig) != ed25519.SignatureSize {
				t.Errorf("signature of %d bytes", len(p.sig))
			}
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{rsaIss, kitMintCase{"alg none", nil, kitOpts(jwkstest.WithAlgNone()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			h := kitHeader(t, p)
			if h["alg"] != "none" || h["kid"] != iss.SigningKey().KID() || !strings.HasSuffix(tok, ".") || len(p.sig) != 0 {
				t.Errorf("header %s, token ends %q", p.header, tok[len(tok)-3:])
			}
		}}},
		{rsaIss, kitMintCase{"HS256 keyed with the PEM", nil, kitOpts(jwkstest.WithHS256PublicKeyPEM()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			h := kitHeader(t, p)
			if h["alg"] != "HS256" || h["kid"] != iss.SigningKey().KID() {
				t.Errorf("header %s", p.header)
			}
			pemKey := iss.SigningKey().PublicPEM()
			if !bytes.HasPrefix(pemKey, []byte("-----BEGIN PUBLIC KEY-----\n")) {
				t.Fatalf("PEM %q", pemKey)
			}
			mac := hmac.New(sha256.New, pemKey)
			mac.Write(p.input)
			if !hmac.Equal(mac.Sum(nil), p.sig) {
				t.Error("not an HMAC of the PEM")
			}
			if _, err := jwxjws.Verify([]byte(tok), jwxjws.WithKey(jwa.HS256, pemKey)); err != nil {
				t.Errorf("jwx HS256 with the PEM: %v", err)
			}
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{ecIss, kitMintCase{"HS256 keyed with the JWK", nil, kitOpts(jwkstest.WithHS256PublicKeyJWK()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			jwkBytes := iss.SigningKey().PublicJWK()
			if !bytes.Contains(kitMustGet(t, iss.JWKSURL()), jwkBytes) {
				t.Fatalf("the HMAC key %s is not the JWK as published", jwkBytes)
			}
			mac := hmac.New(sha256.New, jwkBytes)
			mac.Write(p.input)
			if !hmac.Equal(mac.Sum(nil), p.sig) || kitHeader(t, p)["alg"] != "HS256" {
				t.Error("not an HS256 HMAC of the JWK")
			}
		}}},
		{ecIss, kitMintCase{"jku and x5u", nil, kitOpts(jwkstest.WithJKU("https://attacker.example/jwks"), jwkstest.WithX5U("https://attacker.example/cert")),
			func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
				h := kitHeader(t, p)
				if h["jku"] != "https://attacker.example/jwks" || h["x5u"] != "https://attacker.example/cert" {
					t.Errorf("header %s", p.header)
				}
				kitVerifiesWithSigner(t, iss, p)
			}}},
		{ecIss, kitMintCase{"embedded jwk", nil, kitOpts(jwkstest.WithEmbeddedJWK()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			raw, _ := json.Marshal(kitHeader(t, p)["jwk"])
			embedded, err := jwk.ParseKey(raw)
			if err != nil {
				t.Fatalf("jwk header: %v", err)
			}
			if slices.Contains(iss.PublishedKIDs(), embedded.KeyID()) || kitHeader(t, p)["kid"] != embedded.KeyID() {
				t.Errorf("embedded kid %q, header kid %v", embedded.KeyID(), kitHeader(t, p)["kid"])
			}
			var pub any
			if err := embedded.Raw(&pub); err != nil {
				t.Fatal(err)
			}
			if err := kitVerify(pub, jws.ES256, p.input, p.sig); err != nil {
				t.Errorf("not signed by the embedded key: %v", err)
			}
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{edIss, kitMintCase{"x5c", nil, kitOpts(jwkstest.WithX5C()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			chain, _ := kitHeader(t, p)["x5c"].([]any)
			if len(chain) != 1 {
				t.Fatalf("x5c %v", chain)
			}
			der, err := base64.StdEncoding.DecodeString(chain[0].(string))
			if err != nil {
				t.Fatal(err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := cert.CheckSignatureFrom(cert); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if err := kitVerify(cert.PublicKey, jws.EdDSA, p.input, p.sig); err != nil {
				t.Errorf("not signed by the certificate's key: %v", err)
			}
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{ecIss, kitMintCase{"duplicate header alg", nil, kitOpts(jwkstest.WithDuplicateHeader("alg", "none")), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			if names := kitNames(t, p.header); !slices.Equal(names, []string{"alg", "kid", "typ", "alg"}) {
				t.Errorf("header names %v", names)
			}
			if !bytes.HasPrefix(p.header, []byte(`{"alg":"ES256",`)) || !bytes.HasSuffix(p.header, []byte(`,"alg":"none"}`)) {
				t.Errorf("header %s", p.header)
			}
			kitVerifiesWithSigner(t, iss, p)
		}}},
		{ecIss, kitMintCase{"duplicate claim sub", nil, kitOpts(jwkstest.WithDuplicateClaim("sub", "admin"), jwkstest.WithDuplicateClaim("new", 1)),
			func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
				names := kitNames(t, p.payload)
				if n := len(slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s != "sub" })); n != 2 {
					t.Errorf("sub appears %d times in %v", n, names)
				}
				if kitClaims(t, p)["sub"] != "admin" || names[len(names)-1] != "new" {
					t.Errorf("claims %s", p.payload)
				}
				kitVerifiesWithSigner(t, iss, p)
			}}},
		{ecIss, kitMintCase{"case-variant names", map[string]any{"Exp": 1, "ISS": "x"}, kitOpts(jwkstest.WithHeader("ALG", "none")),
			func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
				h, c := kitNames(t, p.header), kitNames(t, p.payload)
				for _, n := range []string{"alg", "ALG"} {
					if !slices.Contains(h, n) {
						t.Errorf("header lacks %q: %v", n, h)
					}
				}
				for _, n := range []string{"exp", "Exp", "iss", "ISS"} {
					if !slices.Contains(c, n) {
						t.Errorf("claims lack %q: %v", n, c)
					}
				}
				kitVerifiesWithSigner(t, iss, p)
			}}},
		{ecIss, kitMintCase{"raw header and payload", nil, kitOpts(jwkstest.WithRawHeader([]byte(` {"alg":"ES256" , "b64":false}`)), jwkstest.WithRawPayload([]byte(`not json`))),
			func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
				if string(p.header) != ` {"alg":"ES256" , "b64":false}` || string(p.payload) != `not json` {
					t.Errorf("header %q payload %q", p.header, p.payload)
				}
				kitVerifiesWithSigner(t, iss, p)
			}}},
		{ecIss, kitMintCase{"short ES256 signature", nil, kitOpts(jwkstest.WithSignatureLength(63)), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			if len(p.sig) != 63 {
				t.Errorf("%d bytes", len(p.sig))
			}
		}}},
		{rsaIss, kitMintCase{"long RS256 signature", nil, kitOpts(jwkstest.WithSignatureLength(257)), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			g := kitSplit(t, good[iss])
			if len(p.sig) != 257 || !bytes.Equal(p.sig[:256], g.sig) || p.sig[256] != 0 {
				t.Errorf("%d bytes", len(p.sig))
			}
		}}},
		{ecIss, kitMintCase{"DER signature", nil, kitOpts(jwkstest.WithDERSignature()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			var rs struct{ R, S *big.Int }
			if rest, err := asn1.Unmarshal(p.sig, &rs); err != nil || len(rest) != 0 {
				t.Fatalf("not DER: %v", err)
			}
			digest := sha256.Sum256(p.input)
			if !ecdsa.VerifyASN1(iss.SigningKey().PublicKey().(*ecdsa.PublicKey), digest[:], p.sig) {
				t.Error("DER signature does not verify")
			}
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{ecIss, kitMintCase{"unpublished key", nil, kitOpts(jwkstest.WithUnpublishedKey()), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			h := kitHeader(t, p)
			if kid, _ := h["kid"].(string); kid == "" || slices.Contains(iss.PublishedKIDs(), kid) || h["alg"] != "ES256" {
				t.Errorf("header %s", p.header)
			}
			if kitVerify(iss.SigningKey().PublicKey(), jws.ES256, p.input, p.sig) == nil {
				t.Error("signed by the signing key")
			}
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{ecIss, kitMintCase{"other key claiming a published kid", nil, func(iss *jwkstest.Issuer) []jwkstest.MintOption {
			return []jwkstest.MintOption{jwkstest.WithKey(stranger), jwkstest.WithHeader("kid", iss.SigningKey().KID())}
		}, func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			if kitHeader(t, p)["kid"] != iss.SigningKey().KID() {
				t.Errorf("header %s", p.header)
			}
			if err := kitVerify(stranger.PublicKey(), jws.ES256, p.input, p.sig); err != nil {
				t.Error(err)
			}
			kitRejectedByJWKS(t, iss, tok)
		}}},
		{rsaIss, kitMintCase{"PS256 with an RS256 key", nil, kitOpts(jwkstest.WithSigningAlgorithm(jws.PS256)), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			if kitHeader(t, p)["alg"] != "PS256" {
				t.Errorf("header %s", p.header)
			}
			if err := kitVerify(iss.SigningKey().PublicKey(), jws.PS256, p.input, p.sig); err != nil {
				t.Error(err)
			}
		}}},
		{rsaIss, kitMintCase{"header alg lies", nil, kitOpts(jwkstest.WithHeader("alg", "RS512")), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			if kitHeader(t, p)["alg"] != "RS512" {
				t.Errorf("header %s", p.header)
			}
			kitVerifiesWithSigner(t, iss, p) // RS256, whatever the header says
		}}},
		{edIss, kitMintCase{"claims override and removal", map[string]any{
			"iss": "https://other.example", "aud": []string{"a", "b"}, "exp": kitT0.Add(time.Minute), "nbf": kitT0,
		}, kitOpts(jwkstest.WithoutClaims("sub", "iat"), jwkstest.WithoutHeader("typ")), func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
			c := kitClaims(t, p)
			aud, _ := json.Marshal(c["aud"])
			if c["iss"] != "https://other.example" || string(aud) != `["a","b"]` || c["exp"].(json.Number) != "1795608060" ||
				c["nbf"].(json.Number) != "1795608000" {
				t.Errorf("claims %s", p.payload)
			}
			for _, gone := range []string{"sub", "iat"} {
				if _, ok := c[gone]; ok {
					t.Errorf("%s not removed: %s", gone, p.payload)
				}
			}
			if _, ok := kitHeader(t, p)["typ"]; ok {
				t.Errorf("typ not removed: %s", p.header)
			}
			kitVerifiesWithSigner(t, iss, p)
		}}},
		{edIss, kitMintCase{"signature func", nil, kitOpts(jwkstest.WithSignatureFunc(func(sig []byte) []byte { return append(sig, 'X') })),
			func(t *testing.T, iss *jwkstest.Issuer, tok string, p kitToken) {
				if len(p.sig) != 65 || p.sig[64] != 'X' {
					t.Errorf("signature %x", p.sig)
				}
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.iss.Mint(tt.claims, tt.opts(tt.iss)...)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, tt.iss, tok, kitSplit(t, tok))
		})
	}

	errs := []struct {
		name string
		iss  *jwkstest.Issuer
		opts []jwkstest.MintOption
	}{
		{"DER with RSA", rsaIss, []jwkstest.MintOption{jwkstest.WithDERSignature()}},
		{"DER with Ed25519", edIss, []jwkstest.MintOption{jwkstest.WithDERSignature()}},
		{"ES256 with RSA", rsaIss, []jwkstest.MintOption{jwkstest.WithSigningAlgorithm(jws.ES256)}},
		{"HS256 as signing algorithm", rsaIss, []jwkstest.MintOption{jwkstest.WithSigningAlgorithm(jws.HS256)}},
	}
	for _, e := range errs {
		t.Run("error/"+e.name, func(t *testing.T) {
			if _, err := e.iss.Mint(nil, e.opts...); !errors.Is(err, jwkstest.ErrUnsupported) {
				t.Errorf("err = %v, want ErrUnsupported", err)
			}
			defer func() {
				if recover() == nil {
					t.Error("MustMint did not panic")
				}
			}()
			e.iss.MustMint(nil, e.opts...)
		})
	}
	t.Run("bad claim value", func(t *testing.T) {
		if _, err := ecIss.Mint(map[string]any{"f": func() {}}); err == nil {
			t.Error("a func claim was encoded")
		}
	})
}

func TestMintIssuerDefaults(t *testing.T) {
	clk := jwkstest.NewClock(kitT0)
	tests := []struct {
		name string
		opts []jwkstest.Option
		want map[string]string // claim → JSON
	}{
		{"several audiences", []jwkstest.Option{jwkstest.WithAudience("a", "b")}, map[string]string{"aud": `["a","b"]`}},
		{"no audience", []jwkstest.Option{jwkstest.WithAudience()}, map[string]string{"aud": ""}},
		{"subject", []jwkstest.Option{jwkstest.WithSubject("alice")}, map[string]string{"sub": `"alice"`}},
		{"no subject", []jwkstest.Option{jwkstest.WithSubject("")}, map[string]string{"sub": ""}},
		{"lifetime", []jwkstest.Option{jwkstest.WithTokenLifetime(5 * time.Minute)}, map[string]string{"iat": "1795608000", "exp": "1795608300"}},
		{"path", []jwkstest.Option{jwkstest.WithPath("/realms/x")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := jwkstest.NewIssuer(t, append(tt.opts, jwkstest.WithAlgorithms(jws.EdDSA), jwkstest.WithClock(clk))...)
			c := kitClaims(t, kitSplit(t, iss.MustMint(nil)))
			if c["iss"] != iss.URL() {
				t.Errorf("iss %v, want %s", c["iss"], iss.URL())
			}
			for name, want := range tt.want {
				v, ok := c[name]
				got, _ := json.Marshal(v)
				if want == "" && ok || want != "" && string(got) != want {
					t.Errorf("%s = %s, want %q", name, got, want)
				}
			}
		})
	}
	t.Run("fake time moves", func(t *testing.T) {
		clk := jwkstest.NewClock(kitT0)
		iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA), jwkstest.WithClock(clk))
		clk.Advance(time.Hour)
		c := kitClaims(t, kitSplit(t, iss.MustMint(nil)))
		if c["iat"].(json.Number) != "1795611600" {
			t.Errorf("iat %v", c["iat"])
		}
	})
}

func TestMintNonCanonicalBase64Inapplicable(t *testing.T) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA))
	// Plain ASCII JSON without ">", "?" or "~" has no "-" or "_" to swap.
	for _, part := range []jwkstest.Part{jwkstest.PartHeader, jwkstest.PartPayload} {
		_, err := iss.Mint(nil, jwkstest.WithNonCanonicalBase64(jwkstest.Base64Standard, part),
			jwkstest.WithRawHeader([]byte(`{"alg":"EdDSA"}`)), jwkstest.WithRawPayload([]byte(`{"sub":"a"}`)))
		if !errors.Is(err, jwkstest.ErrUnsupported) {
			t.Errorf("part %d: err = %v, want ErrUnsupported", part, err)
		}
	}
}

func TestMintNonCanonicalBase64(t *testing.T) {
	clk := jwkstest.NewClock(kitT0)
	issuers := map[string]*jwkstest.Issuer{
		"RS256": jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.RS256), jwkstest.WithClock(clk)),
		"ES256": jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.ES256), jwkstest.WithClock(clk)),
		"ES384": jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.ES384), jwkstest.WithClock(clk)),
		"EdDSA": jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA), jwkstest.WithClock(clk)),
	}
	variants := []struct {
		name    string
		variant jwkstest.Base64Variant
		// spelled reports whether seg shows the variant.
		spelled func(seg string) bool
	}{
		{"padded", jwkstest.Base64Padded, func(seg string) bool { return strings.HasSuffix(seg, "=") }},
		{"standard alphabet", jwkstest.Base64Standard, func(seg string) bool { return strings.ContainsAny(seg, "+/") }},
		{"trailing bits", jwkstest.Base64TrailingBits, func(seg string) bool {
			_, err := base64.RawURLEncoding.Strict().DecodeString(seg)
			return err != nil
		}},
	}
	parts := []struct {
		name string
		part jwkstest.Part
		idx  []int
	}{
		{"all", 0, []int{0, 1, 2}},
		{"header", jwkstest.PartHeader, []int{0}},
		{"payload", jwkstest.PartPayload, []int{1}},
		{"signature", jwkstest.PartSignature, []int{2}},
	}
	for algName, iss := range issuers {
		for _, v := range variants {
			for _, part := range parts {
				t.Run(algName+"/"+v.name+"/"+part.name, func(t *testing.T) {
					// "~~~" puts a "-" or "_" into the canonical encoding of
					// the header and payload, for the standard alphabet.
					tok, err := iss.Mint(map[string]any{"k": "v", "note": "~~~"},
						jwkstest.WithNonCanonicalBase64(v.variant, part.part), jwkstest.WithHeader("note", "~~~"))
					if (algName == "ES384") && part.part == jwkstest.PartSignature && v.variant != jwkstest.Base64Standard {
						// 96-byte signature: no padding, no unused bits.
						if !errors.Is(err, jwkstest.ErrUnsupported) {
							t.Errorf("err = %v, want ErrUnsupported", err)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					p := kitSplit(t, tok)
					shown := false
					for i, seg := range p.segs {
						selected := slices.Contains(part.idx, i)
						if v.spelled(seg) {
							if !selected {
								t.Errorf("part %d changed though not selected: %q", i, seg)
							}
							shown = true
						}
					}
					if !shown {
						t.Errorf("no selected part shows the variant: %s", tok)
					}
					// Decoded leniently, it is a good token: JSON parts, a
					// signature over the signing input as sent.
					if !json.Valid(p.header) || kitMap(t, p.payload)["k"] != "v" {
						t.Errorf("header %q payload %q", p.header, p.payload)
					}
					kitVerifiesWithSigner(t, iss, p)
				})
			}
		}
	}
}
