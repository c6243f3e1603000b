package jwksauth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
	"go.uber.org/goleak"
)

const testAudience = "api://orders"

var epoch = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// env is one authenticator in front of one kit issuer, both on a fake clock.
type env struct {
	clock *jwkstest.Clock
	iss   *jwkstest.Issuer
	auth  *jwksauth.Authenticator
}

func newEnv(t *testing.T, mutate func(*jwksauth.Config), opts ...jwkstest.Option) *env {
	t.Helper()
	clk := jwkstest.NewClock(epoch)
	iss := jwkstest.NewIssuer(t, append([]jwkstest.Option{jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience)}, opts...)...)
	cfg := jwksauth.Config{
		Clock:      clk,
		Realm:      "orders",
		TokenCache: jwksauth.TokenCacheConfig{Disabled: true},
		Issuers: []jwksauth.Issuer{{
			URL:       iss.URL(),
			Audiences: []string{testAudience},
			Cache:     jwks.CacheOptions{MaxWait: 2 * time.Second},
		}},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := jwksauth.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	return &env{clock: clk, iss: iss, auth: a}
}

func (e *env) mint(t *testing.T, claims map[string]any, opts ...jwkstest.MintOption) string {
	t.Helper()
	tok, err := e.iss.Mint(claims, opts...)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

func TestAuthenticateValid(t *testing.T) {
	for _, alg := range []jws.Algorithm{jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512, jws.ES256, jws.ES384, jws.ES512, jws.EdDSA, jws.Ed25519} {
		t.Run(alg.String(), func(t *testing.T) {
			e := newEnv(t, nil, jwkstest.WithAlgorithms(alg))
			tok := e.mint(t, map[string]any{"scope": "reports:read reports:write", "jti": "id-1"})
			c, err := e.auth.Authenticate(context.Background(), tok)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if c.Issuer != e.iss.URL() || c.Subject != jwkstest.DefaultSubject || c.ID != "id-1" {
				t.Fatalf("claims = %+v", c)
			}
			if len(c.Audience) != 1 || c.Audience[0] != testAudience {
				t.Fatalf("aud = %v", c.Audience)
			}
			if !c.Expiry.Equal(epoch.Add(jwkstest.DefaultTokenLifetime)) || !c.IssuedAt.Equal(epoch) {
				t.Fatalf("exp/iat = %v/%v", c.Expiry, c.IssuedAt)
			}
			if strings.Join(c.Scopes, " ") != "reports:read reports:write" {
				t.Fatalf("scopes = %v", c.Scopes)
			}
		})
	}
}

func TestAuthenticateRejects(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) {
		c.Issuers[0].RequiredClaims = []string{"sub"}
		c.Issuers[0].Validators = []func(*jwksauth.Claims) error{func(c *jwksauth.Claims) error {
			if c.Subject == "banned" {
				return errors.New("subject is banned")
			}
			return nil
		}}
	})
	other := jwkstest.NewIssuer(t, jwkstest.WithClock(e.clock), jwkstest.WithAudience(testAudience))
	attacker, err := jwkstest.NewKey(jws.RS256)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", jwksauth.DefaultMaxTokenSize)
	tests := []struct {
		name   string
		claims map[string]any
		opts   []jwkstest.MintOption
		raw    string // used instead of minting when set
		want   error
	}{
		{name: "expired", claims: map[string]any{"exp": epoch.Add(-time.Minute)}, want: jwksauth.ErrTokenExpired},
		{name: "expired within leeway is fine", claims: map[string]any{"exp": epoch.Add(-10 * time.Second)}},
		{name: "not yet valid", claims: map[string]any{"nbf": epoch.Add(time.Minute)}, want: jwksauth.ErrTokenNotYetValid},
		{name: "issued in the future", claims: map[string]any{"iat": epoch.Add(time.Hour)}, want: jwksauth.ErrTokenIssuedInFuture},
		{name: "no exp", opts: []jwkstest.MintOption{jwkstest.WithoutClaims("exp")}, want: jwksauth.ErrMissingClaim},
		{name: "case-variant Exp is not exp", claims: map[string]any{"Exp": epoch.Add(time.Hour)}, opts: []jwkstest.MintOption{jwkstest.WithoutClaims("exp")}, want: jwksauth.ErrMissingClaim},
		{name: "required claim missing", opts: []jwkstest.MintOption{jwkstest.WithoutClaims("sub")}, want: jwksauth.ErrMissingClaim},
		{name: "validator", claims: map[string]any{"sub": "banned"}, want: jwksauth.ErrInvalidClaim},
		{name: "wrong audience", claims: map[string]any{"aud": "api://other"}, want: jwksauth.ErrAudience},
		{name: "audience array containing ours", claims: map[string]any{"aud": []string{"api://other", testAudience}}},
		{name: "no audience", opts: []jwkstest.MintOption{jwkstest.WithoutClaims("aud")}, want: jwksauth.ErrAudience},
		{name: "unknown issuer", claims: map[string]any{"iss": "https://evil.example"}, want: jwksauth.ErrIssuer},
		{name: "issuer differing in a trailing slash", claims: map[string]any{"iss": e.iss.URL() + "/"}, want: jwksauth.ErrIssuer},
		{name: "bad signature", opts: []jwkstest.MintOption{jwkstest.WithBadSignature()}, want: jwksauth.ErrSignature},
		{name: "signature of wrong length", opts: []jwkstest.MintOption{jwkstest.WithSignatureLength(100)}, want: jwksauth.ErrSignature},
		{name: "unknown kid", opts: []jwkstest.MintOption{jwkstest.WithUnknownKID()}, want: jwksauth.ErrKeyNotFound},
		{name: "unpublished key", opts: []jwkstest.MintOption{jwkstest.WithUnpublishedKey()}, want: jwksauth.ErrKeyNotFound},
		{name: "alg none", opts: []jwkstest.MintOption{jwkstest.WithAlgNone()}, want: jwksauth.ErrAlgorithm},
		{name: "HS256 keyed with the public key PEM", opts: []jwkstest.MintOption{jwkstest.WithHS256PublicKeyPEM()}, want: jwksauth.ErrAlgorithm},
		{name: "HS256 keyed with the public key JWK", opts: []jwkstest.MintOption{jwkstest.WithHS256PublicKeyJWK()}, want: jwksauth.ErrAlgorithm},
		{name: "embedded jwk of an attacker", opts: []jwkstest.MintOption{jwkstest.WithKey(attacker), jwkstest.WithEmbeddedJWK()}, want: jwksauth.ErrKeyNotFound},
		{name: "jku to an attacker", opts: []jwkstest.MintOption{jwkstest.WithKey(attacker), jwkstest.WithJKU(other.JWKSURL())}, want: jwksauth.ErrKeyNotFound},
		{name: "x5u to an attacker", opts: []jwkstest.MintOption{jwkstest.WithKey(attacker), jwkstest.WithX5U(other.JWKSURL())}, want: jwksauth.ErrKeyNotFound},
		{name: "x5c of an attacker", opts: []jwkstest.MintOption{jwkstest.WithKey(attacker), jwkstest.WithX5C()}, want: jwksauth.ErrKeyNotFound},
		{name: "kid injection (path traversal, SQL, NUL)", opts: []jwkstest.MintOption{jwkstest.WithHeader("kid", "../../../../dev/null' OR '1'='1\x00")}, want: jwksauth.ErrKeyNotFound},
		{name: "alg case variant rs256", opts: []jwkstest.MintOption{jwkstest.WithHeader("alg", "rs256")}, want: jwksauth.ErrAlgorithm},
		{name: "nested JWT (cty JWT) is not unwrapped", opts: []jwkstest.MintOption{jwkstest.WithHeader("cty", "JWT"), jwkstest.WithRawPayload([]byte(`"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."`))}, want: jwksauth.ErrTokenMalformed},
		{name: "duplicate header member", opts: []jwkstest.MintOption{jwkstest.WithDuplicateHeader("alg", "none")}, want: jwksauth.ErrTokenMalformed},
		{name: "duplicate claim", opts: []jwkstest.MintOption{jwkstest.WithDuplicateClaim("sub", "admin")}, want: jwksauth.ErrTokenMalformed},
		{name: "crit header", opts: []jwkstest.MintOption{jwkstest.WithHeader("crit", []string{"exp"}), jwkstest.WithHeader("exp", 1)}, want: jwksauth.ErrTokenMalformed},
		{name: "padded base64", opts: []jwkstest.MintOption{jwkstest.WithNonCanonicalBase64(jwkstest.Base64Padded, jwkstest.PartPayload)}, want: jwksauth.ErrTokenMalformed},
		{name: "standard alphabet base64", opts: []jwkstest.MintOption{jwkstest.WithNonCanonicalBase64(jwkstest.Base64Standard, 0)}, want: jwksauth.ErrTokenMalformed},
		{name: "claims not an object", opts: []jwkstest.MintOption{jwkstest.WithRawPayload([]byte(`["a"]`))}, want: jwksauth.ErrTokenMalformed},
		{name: "exp a string", claims: map[string]any{"exp": "tomorrow"}, want: jwksauth.ErrTokenMalformed},
		{name: "too large", claims: map[string]any{"pad": big}, want: jwksauth.ErrTokenMalformed},
		{name: "two parts", raw: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0", want: jwksauth.ErrTokenMalformed},
		{name: "empty", raw: "", want: jwksauth.ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.raw
			if tok == "" && tt.name != "empty" {
				tok = e.mint(t, tt.claims, tt.opts...)
			}
			before := e.iss.JWKSRequests() + other.JWKSRequests() + other.DiscoveryRequests()
			c, err := e.auth.Authenticate(context.Background(), tok)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if c != nil {
				t.Fatalf("claims returned with an error")
			}
			if tok != "" && strings.Contains(err.Error(), tok) {
				t.Fatalf("the error echoes the token")
			}
			if tt.want == jwksauth.ErrIssuer || tt.want == jwksauth.ErrTokenMalformed || tt.want == jwksauth.ErrAlgorithm {
				if after := e.iss.JWKSRequests() + other.JWKSRequests() + other.DiscoveryRequests(); after != before {
					t.Fatalf("%d key-set requests for a token rejected before key lookup", after-before)
				}
			}
		})
	}
	// The attacker-controlled URLs were never fetched.
	if n := other.JWKSRequests() + other.DiscoveryRequests(); n != 0 {
		t.Fatalf("the jku/x5u target saw %d requests", n)
	}
}

func TestExpiredErrorCarriesExpiry(t *testing.T) {
	e := newEnv(t, nil)
	exp := epoch.Add(-time.Hour).Truncate(time.Second)
	_, err := e.auth.Authenticate(context.Background(), e.mint(t, map[string]any{"exp": exp}))
	var ee *jwksauth.ExpiredError
	if !errors.As(err, &ee) || !ee.Expiry.Equal(exp) {
		t.Fatalf("err = %v, want an ExpiredError at %v", err, exp)
	}
}

func TestTokenType(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) { c.Issuers[0].TokenType = "at+jwt" })
	for typ, want := range map[string]error{
		"at+jwt":             nil,
		"AT+JWT":             nil,
		"application/at+jwt": nil,
		"JWT":                jwksauth.ErrTokenType,
		"":                   jwksauth.ErrTokenType,
	} {
		opts := []jwkstest.MintOption{jwkstest.WithType(typ)}
		if typ == "" {
			opts = []jwkstest.MintOption{jwkstest.WithoutHeader("typ")}
		}
		_, err := e.auth.Authenticate(context.Background(), e.mint(t, nil, opts...))
		if !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("typ %q: err = %v, want %v", typ, err, want)
		}
	}
}

func TestMaxAge(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) { c.Issuers[0].MaxAge = 10 * time.Minute })
	if _, err := e.auth.Authenticate(context.Background(), e.mint(t, map[string]any{"iat": epoch.Add(-5 * time.Minute)})); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	if _, err := e.auth.Authenticate(context.Background(), e.mint(t, map[string]any{"iat": epoch.Add(-20 * time.Minute)})); !errors.Is(err, jwksauth.ErrTokenTooOld) {
		t.Fatalf("old token: err = %v, want ErrTokenTooOld", err)
	}
	if _, err := e.auth.Authenticate(context.Background(), e.mint(t, nil, jwkstest.WithoutClaims("iat"))); !errors.Is(err, jwksauth.ErrMissingClaim) {
		t.Fatalf("no iat: err = %v, want ErrMissingClaim", err)
	}
}

func TestAlgorithmAllowlist(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) { c.Issuers[0].Algorithms = []string{"ES256"} }, jwkstest.WithAlgorithms(jws.RS256))
	_, err := e.auth.Authenticate(context.Background(), e.mint(t, nil))
	if !errors.Is(err, jwksauth.ErrAlgorithm) {
		t.Fatalf("err = %v, want ErrAlgorithm", err)
	}
}

func TestKeyWithoutKID(t *testing.T) {
	e := newEnv(t, nil, jwkstest.WithAlgorithms(jws.ES256))
	if _, err := e.auth.Authenticate(context.Background(), e.mint(t, nil, jwkstest.WithoutKID())); err != nil {
		t.Fatalf("one key fits: %v", err)
	}
	// ECDSA signatures are raw r||s (RFC 7518 §3.4); DER is refused.
	if _, err := e.auth.Authenticate(context.Background(), e.mint(t, nil, jwkstest.WithDERSignature())); !errors.Is(err, jwksauth.ErrSignature) {
		t.Fatalf("DER signature: err = %v, want ErrSignature", err)
	}
	// A second key of the same type: a token without kid no longer says which.
	if _, err := e.iss.Rotate(jws.ES256); err != nil {
		t.Fatal(err)
	}
	// The new kid makes the key cache refresh, once its cooldown has passed.
	e.clock.Advance(10 * time.Second)
	if _, err := e.authenticateAdvancing(t, e.mint(t, nil)); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	_, err := e.auth.Authenticate(context.Background(), e.mint(t, nil, jwkstest.WithoutKID()))
	if !errors.Is(err, jwksauth.ErrKeyAmbiguous) {
		t.Fatalf("err = %v, want ErrKeyAmbiguous", err)
	}
}

func TestKeysUnavailable(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience))
	if err := iss.SetFault(jwkstest.FaultRefuse); err != nil {
		t.Fatal(err)
	}
	a, err := jwksauth.New(jwksauth.Config{
		Clock: clk,
		Issuers: []jwksauth.Issuer{{
			URL: iss.URL(), Audiences: []string{testAudience},
			Cache: jwks.CacheOptions{MaxWait: 100 * time.Millisecond},
		}},
	})
	if err != nil {
		t.Fatalf("New must not fail while the IdP is down: %v", err)
	}
	defer a.Close()
	tok, err := iss.Mint(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Authenticate(context.Background(), tok)
	if !errors.Is(err, jwksauth.ErrKeysUnavailable) {
		t.Fatalf("err = %v, want ErrKeysUnavailable", err)
	}
	if ans := a.Answer(err); ans.Status != 503 || ans.RetryAfter < 1 || ans.Challenge != "" {
		t.Fatalf("answer = %+v", ans)
	}
}

func TestMultipleIssuers(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	a1 := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience("api://a"), jwkstest.WithAlgorithms(jws.RS256))
	a2 := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience("api://b"), jwkstest.WithAlgorithms(jws.ES256))
	auth, err := jwksauth.New(jwksauth.Config{
		Clock: clk,
		Issuers: []jwksauth.Issuer{
			{URL: a1.URL(), Audiences: []string{"api://a"}},
			{URL: a2.URL(), Audiences: []string{"api://b"}, ScopeClaims: []string{"permissions"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	c, err := auth.Authenticate(context.Background(), a1.MustMint(map[string]any{"scope": "x y"}))
	if err != nil || c.Issuer != a1.URL() || strings.Join(c.Scopes, ",") != "x,y" {
		t.Fatalf("issuer 1: %v %+v", err, c)
	}
	c, err = auth.Authenticate(context.Background(), a2.MustMint(map[string]any{"scope": "x", "permissions": []string{"read:orders"}}))
	if err != nil || c.Issuer != a2.URL() || strings.Join(c.Scopes, ",") != "read:orders" {
		t.Fatalf("issuer 2: %v %+v", err, c)
	}
	// A token of issuer 1 carrying issuer 2's audience is still issuer 1's: rejected.
	if _, err := auth.Authenticate(context.Background(), a1.MustMint(map[string]any{"aud": "api://b"})); !errors.Is(err, jwksauth.ErrAudience) {
		t.Fatalf("cross-audience: err = %v", err)
	}
	// Issuer 2's key cannot sign for issuer 1 (keys are per issuer).
	if _, err := auth.Authenticate(context.Background(), a2.MustMint(map[string]any{"iss": a1.URL(), "aud": "api://a"})); err == nil {
		t.Fatal("issuer 2's key accepted for issuer 1")
	}
}

func TestStaticSymmetricKey(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	secret := []byte("0123456789abcdef0123456789abcdef")
	src, err := jwks.NewStaticSymmetric("hmac-1", secret, jws.HS256)
	if err != nil {
		t.Fatal(err)
	}
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience))
	auth, err := jwksauth.New(jwksauth.Config{Clock: clk, Issuers: []jwksauth.Issuer{{
		URL: iss.URL(), Audiences: []string{testAudience}, Keys: src, Algorithms: []string{"HS256"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	hsTok := iss.MustMint(nil, jwkstest.WithRawHeader([]byte(`{"alg":"HS256","kid":"hmac-1","typ":"JWT"}`)),
		jwkstest.WithSignatureFunc(func([]byte) []byte { return nil }))
	hsTok = signHS256(hsTok, secret)
	if _, err := auth.Authenticate(context.Background(), hsTok); err != nil {
		t.Fatalf("HS256 with the configured secret: %v", err)
	}
	if _, err := auth.Authenticate(context.Background(), iss.MustMint(nil)); !errors.Is(err, jwksauth.ErrAlgorithm) {
		t.Fatalf("RS256 for an HS256-only issuer: %v", err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  jwksauth.Config
	}{
		{"no issuer", jwksauth.Config{}},
		{"no URL", jwksauth.Config{Issuers: []jwksauth.Issuer{{Audiences: []string{"a"}}}}},
		{"no audience", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example"}}}},
		{"empty audience", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{""}}}}},
		{"unknown algorithm", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{"a"}, Algorithms: []string{"RS1"}}}}},
		{"alg none", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{"a"}, Algorithms: []string{"none"}}}}},
		{"HMAC without a static key", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{"a"}, Algorithms: []string{"HS256"}}}}},
		{"http issuer", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "http://idp.example", Audiences: []string{"a"}}}}},
		{"duplicate issuer", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{"a"}}, {URL: "https://idp.example", Audiences: []string{"b"}}}}},
		{"negative leeway", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{"a"}, Leeway: -time.Second}}}},
		{"cache URL set beside the issuer", jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{"a"}, Cache: jwks.CacheOptions{URL: "https://other.example/jwks"}}}}},
		{"negative token size", jwksauth.Config{MaxTokenSize: -1, Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{"a"}}}}},
		{"negative cache size", jwksauth.Config{TokenCache: jwksauth.TokenCacheConfig{Size: -1}, Issuers: []jwksauth.Issuer{{URL: "https://idp.example", Audiences: []string{"a"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := jwksauth.New(tt.cfg)
			if !errors.Is(err, jwksauth.ErrConfig) {
				if a != nil {
					a.Close()
				}
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
	// InsecureSkipAudience is the explicit way out.
	a, err := jwksauth.New(jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example", InsecureSkipAudience: true}}})
	if err != nil {
		t.Fatalf("InsecureSkipAudience: %v", err)
	}
	a.Close()
}

func TestAuthenticateRequest(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.mint(t, nil)
	ctx := context.Background()
	if c, err := e.auth.AuthenticateRequest(ctx, jwksauth.Credentials{}, true); c != nil || err != nil {
		t.Fatalf("optional without token: %v %v", c, err)
	}
	if _, err := e.auth.AuthenticateRequest(ctx, jwksauth.Credentials{}, false); !errors.Is(err, jwksauth.ErrTokenMissing) {
		t.Fatalf("required without token: %v", err)
	}
	if _, err := e.auth.AuthenticateRequest(ctx, jwksauth.Credentials{Authorization: []string{"Bearer x", "Bearer y"}}, true); !errors.Is(err, jwksauth.ErrInvalidRequest) {
		t.Fatalf("optional with two headers: %v", err)
	}
	if _, err := e.auth.AuthenticateRequest(ctx, jwksauth.Credentials{Authorization: []string{"Bearer " + tok + "x"}}, true); err == nil {
		t.Fatal("optional with an invalid token accepted")
	}
	c, err := e.auth.AuthenticateRequest(ctx, jwksauth.Credentials{Authorization: []string{"bearer " + tok}}, false)
	if err != nil || c.Subject != jwkstest.DefaultSubject {
		t.Fatalf("valid: %v", err)
	}
	if err := jwksauth.Check(c, jwksauth.Scopes("admin")); !errors.Is(err, jwksauth.ErrInsufficientScope) {
		t.Fatalf("Check: %v", err)
	}
	if err := jwksauth.Check(nil, jwksauth.Scopes("admin")); !errors.Is(err, jwksauth.ErrTokenMissing) {
		t.Fatalf("Check without claims: %v", err)
	}
	ctx = jwksauth.WithClaims(ctx, c)
	if got, ok := jwksauth.ClaimsFromContext(ctx); !ok || got != c {
		t.Fatal("ClaimsFromContext lost the claims")
	}
	if _, ok := jwksauth.ClaimsFromContext(context.Background()); ok {
		t.Fatal("claims in an empty context")
	}
}

func TestErrorMessagesNeverContainTheToken(t *testing.T) {
	e := newEnv(t, nil)
	for i, opts := range [][]jwkstest.MintOption{
		{jwkstest.WithBadSignature()}, {jwkstest.WithAlgNone()}, {jwkstest.WithUnknownKID()},
		{jwkstest.WithDuplicateClaim("sub", "x")},
	} {
		tok := e.mint(t, map[string]any{"aud": "api://other"}, opts...)
		_, err := e.auth.Authenticate(context.Background(), tok)
		if err == nil {
			t.Fatalf("case %d accepted", i)
		}
		for _, part := range strings.Split(tok, ".") {
			if len(part) > 8 && strings.Contains(err.Error(), part) {
				t.Fatalf("case %d: error %q contains a token part", i, err)
			}
		}
		if body := string(e.auth.Answer(err).Body()); strings.Contains(body, tok[:20]) {
			t.Fatalf("case %d: body leaks the token", i)
		}
	}
}

// signHS256 replaces the signature of tok with its HS256 MAC under secret.
func signHS256(tok string, secret []byte) string {
	input := tok[:strings.LastIndexByte(tok, '.')]
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TestNewClosesWhatItStarted checks that New, when it fails, stops every key
// cache it had already started: the duplicate issuer's cache was started
// before the duplicate was noticed, and kept fetching.
func TestNewClosesWhatItStarted(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience))
	ignore := goleak.IgnoreCurrent()
	tests := []struct {
		name string
		cfg  jwksauth.Config
	}{
		{"duplicate issuer", jwksauth.Config{Clock: clk, Issuers: []jwksauth.Issuer{
			{URL: iss.URL(), Audiences: []string{"a"}},
			{URL: iss.URL(), Audiences: []string{"b"}},
		}}},
		{"second issuer invalid", jwksauth.Config{Clock: clk, Issuers: []jwksauth.Issuer{
			{URL: iss.URL(), Audiences: []string{"a"}},
			{URL: "https://idp.example", Audiences: []string{""}},
		}}},
		{"HMAC without a static key after a good issuer", jwksauth.Config{Clock: clk, Issuers: []jwksauth.Issuer{
			{URL: iss.URL(), Audiences: []string{"a"}},
			{URL: "https://idp.example", Audiences: []string{"a"}, Algorithms: []string{"HS256"}},
		}}},
		{"token cache invalid", jwksauth.Config{Clock: clk, TokenCache: jwksauth.TokenCacheConfig{Size: -1}, Issuers: []jwksauth.Issuer{
			{URL: iss.URL(), Audiences: []string{"a"}},
			{URL: "https://idp.example", Audiences: []string{"a"}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := jwksauth.New(tt.cfg)
			if !errors.Is(err, jwksauth.ErrConfig) {
				if a != nil {
					a.Close()
				}
				t.Fatalf("err = %v, want ErrConfig", err)
			}
			if err := goleak.Find(ignore); err != nil {
				t.Fatalf("New failed but left goroutines running: %v", err)
			}
		})
	}
}

// TestForgedAndExpiredIsOnlyASignatureError: a token both expired and badly
// signed is rejected for its signature alone, so that code checking only
// errors.Is(err, ErrTokenExpired) (to offer a refresh, say) never treats a
// forgery as a merely expired token (the class of golang-jwt
// CVE-2024-51744).
func TestForgedAndExpiredIsOnlyASignatureError(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.mint(t, map[string]any{"exp": epoch.Add(-time.Hour), "aud": "api://other"}, jwkstest.WithBadSignature())
	_, err := e.auth.Authenticate(context.Background(), tok)
	if !errors.Is(err, jwksauth.ErrSignature) {
		t.Fatalf("err = %v, want ErrSignature", err)
	}
	for _, other := range []error{jwksauth.ErrTokenExpired, jwksauth.ErrAudience, jwksauth.ErrInvalidClaim, jwksauth.ErrMissingClaim} {
		if errors.Is(err, other) {
			t.Errorf("err = %v also matches %v", err, other)
		}
	}
}
