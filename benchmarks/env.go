package benchmarks

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// Audience is the aud of every token and the audience every verifier requires.
const Audience = "orders-api"

// TokenSize is the approximate length of the RS256 access tokens measured:
// a realistic token of an OpenID provider, with scopes, roles, client and
// session identifiers.
const TokenSize = 850

// Leeway is the clock skew every verifier tolerates on exp, nbf and iat:
// jwksauth's default.
const Leeway = jwksauth.DefaultLeeway

// Env is a local OpenID provider (a jwkstest.Issuer serving discovery and the
// JWKS over loopback HTTP) signing with one algorithm.
type Env struct {
	// Issuer is the provider.
	Issuer *jwkstest.Issuer
	// Alg is the signing algorithm of its tokens.
	Alg jws.Algorithm
}

// NewEnv starts an issuer for alg. opts are added to the issuer's own
// (algorithm and audience). The caller closes it with Close.
func NewEnv(alg jws.Algorithm, opts ...jwkstest.Option) (*Env, error) {
	opts = append([]jwkstest.Option{jwkstest.WithAlgorithms(alg), jwkstest.WithAudience(Audience)}, opts...)
	iss, err := jwkstest.Start(opts...)
	if err != nil {
		return nil, fmt.Errorf("start issuer: %w", err)
	}
	return &Env{Issuer: iss, Alg: alg}, nil
}

// Close stops the issuer.
func (e *Env) Close() { e.Issuer.Close() }

// URL is the issuer identifier (the tokens' iss).
func (e *Env) URL() string { return e.Issuer.URL() }

// JWKSURL is the key set's URL.
func (e *Env) JWKSURL() string { return e.Issuer.JWKSURL() }

// AccessClaims returns realistic access-token claims (RFC 9068 style, as
// Keycloak, Auth0 or Entra mint them) with a unique jti for seq.
func AccessClaims(seq uint64) map[string]any {
	return map[string]any{
		"jti":          fmt.Sprintf("%016x%08x", seq, rand.Uint32()),
		"sub":          "f1e2d3c4-b5a6-4789-9abc-def012345678",
		"client_id":    "orders-frontend",
		"scope":        "openid profile email orders:read orders:write",
		"email":        "jane.doe@example.com",
		"realm_access": map[string]any{"roles": []string{"orders-admin"}},
	}
}

// Mint signs a realistic access token with the issuer's signing key, padded
// with an "ext" claim to about size bytes (0: no padding). opts are handed
// to jwkstest.Issuer.Mint.
func (e *Env) Mint(seq uint64, size int, opts ...jwkstest.MintOption) (string, error) {
	claims := AccessClaims(seq)
	tok, err := e.Issuer.Mint(claims, opts...)
	if err != nil {
		return "", fmt.Errorf("mint: %w", err)
	}
	// Each padding byte adds 4/3 of a byte to the token; the member's
	// name and quotes add a few more, so step down until the token fits.
	n := (size-len(tok))*3/4 - 8
	for i := 0; size > 0 && n > 0 && i < 8; i++ {
		claims["ext"] = strings.Repeat("p", n)
		if tok, err = e.Issuer.Mint(claims, opts...); err != nil {
			return "", fmt.Errorf("mint: %w", err)
		}
		if len(tok) <= size {
			break
		}
		n -= (len(tok)-size)*3/4 + 1
	}
	return tok, nil
}

// Token mints one access token of about TokenSize bytes.
func (e *Env) Token() (string, error) { return e.Mint(0, TokenSize) }

// Rejected returns tokens every verifier must reject, by name: another
// audience, another issuer (signed by the same key), expired beyond the
// leeway.
func (e *Env) Rejected() (map[string]string, error) {
	out := make(map[string]string)
	for name, claims := range map[string]map[string]any{
		"wrong-aud": {"aud": "another-api"},
		"wrong-iss": {"iss": "http://127.0.0.1:1/other"},
		"expired":   {"exp": time.Now().Add(-time.Hour), "iat": time.Now().Add(-2 * time.Hour)},
		"no-exp":    nil,
	} {
		var opts []jwkstest.MintOption
		if name == "no-exp" {
			opts = append(opts, jwkstest.WithoutClaims("exp"))
		}
		tok, err := e.Issuer.Mint(claims, opts...)
		if err != nil {
			return nil, fmt.Errorf("mint %s: %w", name, err)
		}
		out[name] = tok
	}
	return out, nil
}

// RandomKID returns tok with its header replaced by one naming a random kid
// that no key set holds, for the unknown-kid flood. The payload and
// signature stay: every verifier fails at the key lookup, before the
// signature, so no signing is needed.
func RandomKID(tok string, alg jws.Algorithm) string {
	var kid [12]byte
	for i := range kid {
		kid[i] = byte(rand.Uint32())
	}
	h := fmt.Sprintf(`{"alg":%q,"kid":%q,"typ":"JWT"}`, alg.String(), hex.EncodeToString(kid[:]))
	return base64.RawURLEncoding.EncodeToString([]byte(h)) + tok[strings.IndexByte(tok, '.'):]
}

// NewAuthenticator returns a jwksauth Authenticator for the issuer, with the
// verified-token cache on or off, and its keys loaded. cacheOpts tune the
// key cache (zero: the defaults).
func (e *Env) NewAuthenticator(ctx context.Context, tokenCache bool, issuerOpts func(*jwksauth.Issuer)) (*jwksauth.Authenticator, error) {
	is := jwksauth.Issuer{URL: e.URL(), Audiences: []string{Audience}, Algorithms: []string{e.Alg.String()}}
	if issuerOpts != nil {
		issuerOpts(&is)
	}
	a, err := jwksauth.New(jwksauth.Config{
		Issuers:    []jwksauth.Issuer{is},
		TokenCache: jwksauth.TokenCacheConfig{Disabled: !tokenCache},
	})
	if err != nil {
		return nil, fmt.Errorf("jwksauth: %w", err)
	}
	if err := a.Ready(ctx); err != nil {
		_ = a.Close()
		return nil, fmt.Errorf("jwksauth ready: %w", err)
	}
	return a, nil
}
