package dpop_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/dpop"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/core/store"
	"github.com/jwksauth/jwksauth/jwkstest"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

const (
	reqURL = "https://api.example.com/reports"
	token  = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"
)

func mustKey(t *testing.T, alg jws.Algorithm) *jwkstest.Key {
	t.Helper()
	k, err := jwkstest.NewKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newVerifier(t *testing.T, mutate func(*dpop.Options)) *dpop.Verifier {
	t.Helper()
	clk := jwkstest.NewClock(now)
	o := dpop.Options{Replay: store.NewMemory(store.MemoryOptions{Clock: clk})}
	if mutate != nil {
		mutate(&o)
	}
	v, err := dpop.NewVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestVerifyChecks has one case per check of RFC 9449 §4.3: each proof
// differs from a valid one in exactly what the check must catch, so each
// case fails when its check is removed.
func TestVerifyChecks(t *testing.T) {
	key := mustKey(t, jws.ES256)
	other := mustKey(t, jws.ES256)
	valid := jwkstest.DPoPProof{Method: "GET", URL: reqURL, AccessToken: token, IssuedAt: now}
	req := dpop.Request{Method: "GET", URL: reqURL, AccessToken: token, JKT: key.Thumbprint()}
	with := func(f func(*jwkstest.DPoPProof)) jwkstest.DPoPProof { p := valid; f(&p); return p }
	sign := func(k *jwkstest.Key, p jwkstest.DPoPProof) string {
		s, err := k.DPoP(p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := sign(key, valid)
	tests := []struct {
		name   string
		proofs []string
		req    dpop.Request
		want   error // nil: accepted
	}{
		{"valid", []string{good}, req, nil},
		{"valid, lowercase path percent-encoding and default port", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.URL = "HTTPS://API.example.com:443/reports?q=1#f" }))}, req, nil},
		{"1. no DPoP header", nil, req, dpop.ErrInvalidProof},
		{"1. two DPoP headers", []string{good, good}, req, dpop.ErrInvalidProof},
		{"2. not a JWS", []string{"not-a-jws"}, req, dpop.ErrInvalidProof},
		{"2. padded base64", []string{strings.Replace(good, ".", "=.", 1)}, req, dpop.ErrInvalidProof},
		{"3. no jti", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Claims = map[string]any{"jti": nil} }))}, req, dpop.ErrInvalidProof},
		{"3. no htm", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Claims = map[string]any{"htm": nil} }))}, req, dpop.ErrInvalidProof},
		{"3. no htu", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Claims = map[string]any{"htu": nil} }))}, req, dpop.ErrInvalidProof},
		{"3. no iat", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Claims = map[string]any{"iat": nil} }))}, req, dpop.ErrInvalidProof},
		{"3. duplicate claim", []string{dupClaim(t, key, valid)}, req, dpop.ErrInvalidProof},
		{"4. typ JWT", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Typ = "JWT" }))}, req, dpop.ErrInvalidProof},
		{"4. typ with Unicode folding", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Typ = "dpop+jwſ" }))}, req, dpop.ErrInvalidProof},
		{"5. alg none", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Header = map[string]any{"alg": "none"} }))}, req, dpop.ErrInvalidProof},
		{"5. alg HS256", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Header = map[string]any{"alg": "HS256"} }))}, req, dpop.ErrInvalidProof},
		{"5. alg not allowed", []string{sign(mustKey(t, jws.EdDSA), valid)}, req, dpop.ErrInvalidProof},
		{"6. bad signature", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.BadSignature = true }))}, req, dpop.ErrInvalidProof},
		{"6. signed by another key than jwk", []string{swapJWK(t, key, other, valid)}, req, dpop.ErrInvalidProof},
		{"7. no jwk", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Header = map[string]any{"jwk": nil} }))}, req, dpop.ErrInvalidProof},
		{"7. private key in jwk", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.PrivateJWK = true }))}, req, dpop.ErrInvalidProof},
		{"8. htm mismatch", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Method = "POST" }))}, req, dpop.ErrInvalidProof},
		{"8. htm case", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.Method = "get" }))}, req, dpop.ErrInvalidProof},
		{"9. htu other path", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.URL = "https://api.example.com/admin" }))}, req, dpop.ErrInvalidProof},
		{"9. htu other host", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.URL = "https://evil.example.com/reports" }))}, req, dpop.ErrInvalidProof},
		{"9. htu http", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.URL = "http://api.example.com/reports" }))}, req, dpop.ErrInvalidProof},
		{"11. iat too old", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.IssuedAt = now.Add(-6 * time.Minute) }))}, req, dpop.ErrInvalidProof},
		{"11. iat in the future", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.IssuedAt = now.Add(time.Minute) }))}, req, dpop.ErrInvalidProof},
		{"12. no ath", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.AccessToken = "" }))}, req, dpop.ErrInvalidProof},
		{"12. ath of another token", []string{sign(key, with(func(p *jwkstest.DPoPProof) { p.AccessToken = token + "x" }))}, req, dpop.ErrInvalidProof},
		{"12. token bound to another key", []string{sign(other, valid)}, req, dpop.ErrBinding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, func(o *dpop.Options) { o.Algorithms = jws.Algorithms(jws.ES256, jws.RS256) })
			p, err := v.Verify(context.Background(), tt.proofs, tt.req, now)
			if tt.want == nil {
				if err != nil || p.Thumbprint != key.Thumbprint() {
					t.Fatalf("Verify: %v (%+v)", err, p)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
			for _, s := range tt.proofs {
				if len(s) > 20 && strings.Contains(err.Error(), s) {
					t.Fatal("the error contains the proof")
				}
			}
		})
	}
}

func TestVerifyReplay(t *testing.T) {
	key := mustKey(t, jws.ES256)
	shared := store.NewMemory(store.MemoryOptions{Clock: jwkstest.NewClock(now)})
	replica := func() *dpop.Verifier { return newVerifier(t, func(o *dpop.Options) { o.Replay = shared }) }
	a, b := replica(), replica()
	proof, _ := key.DPoP(jwkstest.DPoPProof{Method: "GET", URL: reqURL, IssuedAt: now})
	req := dpop.Request{Method: "GET", URL: reqURL}
	if _, err := a.Verify(context.Background(), []string{proof}, req, now); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(context.Background(), []string{proof}, req, now); !errors.Is(err, dpop.ErrInvalidProof) {
		t.Fatalf("replayed to the same replica: %v", err)
	}
	if _, err := b.Verify(context.Background(), []string{proof}, req, now); !errors.Is(err, dpop.ErrInvalidProof) {
		t.Fatalf("replayed to another replica with the shared store: %v", err)
	}
	// The same jti under another key is another proof.
	other, _ := mustKey(t, jws.ES256).DPoP(jwkstest.DPoPProof{Method: "GET", URL: reqURL, IssuedAt: now, ID: "fixed"})
	mine, _ := key.DPoP(jwkstest.DPoPProof{Method: "GET", URL: reqURL, IssuedAt: now, ID: "fixed"})
	if _, err := a.Verify(context.Background(), []string{other}, req, now); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(context.Background(), []string{mine}, req, now); err != nil {
		t.Fatalf("another key's jti collided: %v", err)
	}
}

func TestVerifyNonce(t *testing.T) {
	key := mustKey(t, jws.ES256)
	ns, err := dpop.NewNonceSource([]byte(strings.Repeat("k", 32)), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	v := newVerifier(t, func(o *dpop.Options) { o.Nonces = ns })
	req := dpop.Request{Method: "POST", URL: reqURL}
	verify := func(nonce string, at time.Time) error {
		p, _ := key.DPoP(jwkstest.DPoPProof{Method: "POST", URL: reqURL, IssuedAt: at, Nonce: nonce})
		_, err := v.Verify(context.Background(), []string{p}, req, at)
		return err
	}
	if err := verify("", now); !errors.Is(err, dpop.ErrUseNonce) {
		t.Fatalf("no nonce: %v", err)
	}
	n := ns.Current(now)
	if err := verify(n, now.Add(10*time.Second)); err != nil {
		t.Fatalf("current nonce: %v", err)
	}
	if err := verify(n, now.Add(2*time.Minute)); !errors.Is(err, dpop.ErrUseNonce) {
		t.Fatalf("stale nonce: %v", err)
	}
	other, _ := dpop.NewNonceSource([]byte(strings.Repeat("x", 32)), time.Minute)
	if err := verify(other.Current(now), now); !errors.Is(err, dpop.ErrUseNonce) {
		t.Fatalf("another key's nonce: %v", err)
	}
	// Another replica with the same key accepts it.
	twin, _ := dpop.NewNonceSource([]byte(strings.Repeat("k", 32)), time.Minute)
	if !twin.Valid(n, now) || ns.Current(now.Add(31*time.Second)) == n {
		t.Error("nonces are not shared by key, or never rotate")
	}
	if _, err := dpop.NewNonceSource([]byte("short"), 0); err == nil {
		t.Error("a short nonce key was accepted")
	}
}

func TestAlgorithmsAndKeys(t *testing.T) {
	for _, alg := range []jws.Algorithm{jws.RS256, jws.PS256, jws.ES256, jws.ES384, jws.ES512, jws.EdDSA} {
		key := mustKey(t, alg)
		v := newVerifier(t, nil)
		p, _ := key.DPoP(jwkstest.DPoPProof{Method: "GET", URL: reqURL, IssuedAt: now})
		got, err := v.Verify(context.Background(), []string{p}, dpop.Request{Method: "GET", URL: reqURL, JKT: key.Thumbprint()}, now)
		if err != nil || got.Algorithm != alg {
			t.Errorf("%s: %v", alg, err)
		}
		tp, err := dpop.Thumbprint(key.PublicJWK())
		if err != nil || tp != key.Thumbprint() {
			t.Errorf("%s: Thumbprint = %q, %v; the kit says %q", alg, tp, err, key.Thumbprint())
		}
	}
	if _, err := dpop.NewVerifier(dpop.Options{}); err == nil {
		t.Error("a verifier without a replay store")
	}
	if _, err := dpop.NewVerifier(dpop.Options{Replay: store.NewMemory(store.MemoryOptions{}), Algorithms: jws.Algorithms(jws.HS256)}); err == nil {
		t.Error("a verifier accepting HS256 proofs")
	}
}

// TestThumbprintRFC7638 checks the example of RFC 7638 §3.1.
func TestThumbprintRFC7638(t *testing.T) {
	jwk := `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`
	got, err := dpop.Thumbprint([]byte(jwk))
	if err != nil || got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("Thumbprint = %q, %v", got, err)
	}
}

// dupClaim signs a proof whose claims have jti twice.
func dupClaim(t *testing.T, k *jwkstest.Key, p jwkstest.DPoPProof) string {
	t.Helper()
	p.Claims = map[string]any{"jti": "a"}
	s, err := k.DPoP(p)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(s, ".")
	payload := mustDecode(t, parts[1])
	payload = strings.Replace(payload, `"jti":"a"`, `"jti":"a","jti":"b"`, 1)
	input := parts[0] + "." + encode(payload)
	sig, err := k.Sign([]byte(input))
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + encode(string(sig))
}

// swapJWK signs with signer a proof whose jwk header is other's.
func swapJWK(t *testing.T, signer, other *jwkstest.Key, p jwkstest.DPoPProof) string {
	t.Helper()
	s, err := other.DPoP(p)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(s, ".")
	sig, err := signer.Sign([]byte(parts[0] + "." + parts[1]))
	if err != nil {
		t.Fatal(err)
	}
	return parts[0] + "." + parts[1] + "." + encode(string(sig))
}
