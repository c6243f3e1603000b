package jwksauth_test

import (
	"context"
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// cachedEnv is newEnv with the verified-token cache on.
func cachedEnv(t *testing.T, size int, mutate func(*jwksauth.Config)) *env {
	return newEnv(t, func(c *jwksauth.Config) {
		c.TokenCache = jwksauth.TokenCacheConfig{Size: size}
		c.Issuers[0].Cache = jwks.CacheOptions{MaxWait: 2 * time.Second, UnknownKIDCooldown: time.Second}
		if mutate != nil {
			mutate(c)
		}
	}, jwkstest.WithAlgorithms(jws.ES256))
}

func TestTokenCacheHit(t *testing.T) {
	e := cachedEnv(t, 0, nil)
	tok := e.mint(t, map[string]any{"scope": "a b"})
	c1, err := e.auth.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	before := e.iss.JWKSRequests()
	c2, err := e.auth.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if c1 != c2 {
		t.Fatal("a repeated token was verified again instead of answered from the cache")
	}
	if jwksauth.TokenCacheLen(e.auth) != 1 || e.iss.JWKSRequests() != before {
		t.Fatalf("cache len %d, JWKS requests %d→%d", jwksauth.TokenCacheLen(e.auth), before, e.iss.JWKSRequests())
	}
	// A token differing in one signature byte is not the cached one.
	last := tok[len(tok)-2]
	flip := byte('A')
	if last == 'A' {
		flip = 'B'
	}
	bad := tok[:len(tok)-2] + string(flip) + tok[len(tok)-1:]
	if _, err := e.auth.Authenticate(context.Background(), bad); err == nil {
		t.Fatal("an altered token was accepted")
	}
}

func TestTokenCacheExpiresAtExp(t *testing.T) {
	e := cachedEnv(t, 0, func(c *jwksauth.Config) { c.Issuers[0].Leeway = jwksauth.NoLeeway })
	tok := e.mint(t, map[string]any{"exp": epoch.Add(time.Minute)})
	if _, err := e.auth.Authenticate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(59 * time.Second)
	if _, err := e.auth.Authenticate(context.Background(), tok); err != nil {
		t.Fatalf("one second before exp: %v", err)
	}
	e.clock.Advance(time.Second)
	_, err := e.auth.Authenticate(context.Background(), tok)
	if !errors.Is(err, jwksauth.ErrTokenExpired) {
		t.Fatalf("at exp: err = %v, want ErrTokenExpired", err)
	}
	if n := jwksauth.TokenCacheLen(e.auth); n != 0 {
		t.Fatalf("the expired entry is still cached (%d entries)", n)
	}
}

func TestTokenCacheRechecksNotBefore(t *testing.T) {
	e := cachedEnv(t, 0, func(c *jwksauth.Config) { c.Issuers[0].MaxAge = 10 * time.Minute })
	tok := e.mint(t, nil)
	if _, err := e.auth.Authenticate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Minute)
	if _, err := e.auth.Authenticate(context.Background(), tok); !errors.Is(err, jwksauth.ErrTokenTooOld) {
		t.Fatalf("max age passed while cached: err = %v, want ErrTokenTooOld", err)
	}
}

func TestTokenCacheDropsRemovedKeys(t *testing.T) {
	e := cachedEnv(t, 0, nil)
	old := e.iss.SigningKey()
	tok := e.mint(t, nil)
	if _, err := e.auth.Authenticate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	// Rotate and retire the old key; a token of the new key makes the cache
	// refresh the key set (after the unknown-kid cooldown).
	if _, err := e.iss.Rotate(jws.ES256); err != nil {
		t.Fatal(err)
	}
	if err := e.iss.RemoveKey(old.KID()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.authenticateAdvancing(t, e.mint(t, nil)); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	_, err := e.authenticateAdvancing(t, tok)
	if !errors.Is(err, jwksauth.ErrKeyNotFound) {
		t.Fatalf("cached token of a removed key: err = %v, want ErrKeyNotFound", err)
	}
}

// TestTokenCacheSameTail: the cache key hashes a token's length and its
// last bytes (the signature), so a token crafted with a cached token's
// signature and length but another payload lands on the cached entry. The
// whole-token comparison must turn it into a miss and a full verification
// that fails, and the genuine entry must stay.
func TestTokenCacheSameTail(t *testing.T) {
	e := cachedEnv(t, 0, nil)
	tok := e.mint(t, map[string]any{"sub": "alice", "scope": "read"})
	want, err := e.auth.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	// Same length: swap the subject for another of the same size.
	forged := strings.Replace(string(payload), `"alice"`, `"admin"`, 1)
	if forged == string(payload) {
		t.Fatal("payload without the subject")
	}
	twin := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	if len(twin) != len(tok) || twin[len(twin)-48:] != tok[len(tok)-48:] || twin == tok {
		t.Fatal("the twin does not share the token's length and tail")
	}
	for range 2 {
		if c, err := e.auth.Authenticate(context.Background(), twin); err == nil {
			t.Fatalf("a token with a cached token's signature and another payload was accepted as %q", c.Subject)
		} else if !errors.Is(err, jwksauth.ErrSignature) {
			t.Fatalf("twin: %v, want ErrSignature", err)
		}
	}
	got, err := e.auth.Authenticate(context.Background(), tok)
	if err != nil || got != want {
		t.Fatalf("the genuine token after its twin: %v (cached entry kept: %v)", err, got == want)
	}
}

func TestTokenCacheNeverCachesFailures(t *testing.T) {
	e := cachedEnv(t, 0, nil)
	for i, tok := range []string{
		e.mint(t, map[string]any{"aud": "api://other"}),
		e.mint(t, nil, jwkstest.WithBadSignature()),
		e.mint(t, map[string]any{"exp": epoch.Add(-time.Hour)}),
	} {
		for range 2 {
			if _, err := e.auth.Authenticate(context.Background(), tok); err == nil {
				t.Fatalf("case %d accepted", i)
			}
		}
	}
	if n := jwksauth.TokenCacheLen(e.auth); n != 0 {
		t.Fatalf("%d failed verifications cached", n)
	}
}

func TestTokenCacheBounded(t *testing.T) {
	const size = 100
	e := cachedEnv(t, size, nil)
	for i := range 2000 {
		tok := e.mint(t, map[string]any{"jti": fmt.Sprint(i)})
		if _, err := e.auth.Authenticate(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := jwksauth.TokenCacheLen(e.auth); n > size {
		t.Fatalf("cache holds %d entries, bound %d", n, size)
	}
}

func TestTokenCacheDisabled(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.mint(t, nil)
	c1, _ := e.auth.Authenticate(context.Background(), tok)
	c2, _ := e.auth.Authenticate(context.Background(), tok)
	if c1 == nil || c2 == nil || c1 == c2 {
		t.Fatal("with the cache disabled every call must verify anew")
	}
}

// authenticateAdvancing authenticates tok as a client that retries: while
// the answer is ErrKeyNotFound (a new kid inside the key cache's
// unknown-kid cooldown is answered at once, and the fetch runs at the end
// of the cooldown), it moves the fake clock forward by 250 ms and tries
// again, for at most 10 s of fake time, and returns the last answer.
func (e *env) authenticateAdvancing(t *testing.T, tok string) (*jwksauth.Claims, error) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for range 40 {
		type result struct {
			c   *jwksauth.Claims
			err error
		}
		done := make(chan result, 1)
		go func() {
			c, err := e.auth.Authenticate(context.Background(), tok)
			done <- result{c, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-deadline:
			t.Fatal("Authenticate did not return within 10 s of real time")
		}
		if !errors.Is(r.err, jwksauth.ErrKeyNotFound) {
			return r.c, r.err
		}
		e.clock.Advance(250 * time.Millisecond)
	}
	return e.auth.Authenticate(context.Background(), tok)
}

// TestTokenCacheECDSAMalleability: an ES256 token and its twin with s
// replaced by n−s carry the same claims and both verify (ECDSA is
// malleable). The token cache keys on the exact token string, so the twin
// is verified on its own and gets an entry of its own: nothing the cache
// holds can be confused or poisoned by a malleated token. A deny list or a
// replay cache must key on jti for the same reason (docs/security.md).
func TestTokenCacheECDSAMalleability(t *testing.T) {
	e := cachedEnv(t, 0, nil)
	tok := e.mint(t, map[string]any{"jti": "token-1"})
	dot := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("ES256 signature: %d bytes, %v", len(sig), err)
	}
	s := new(big.Int).SetBytes(sig[32:])
	new(big.Int).Sub(elliptic.P256().Params().N, s).FillBytes(sig[32:])
	twin := tok[:dot+1] + base64.RawURLEncoding.EncodeToString(sig)
	if twin == tok {
		t.Fatal("the twin is the token")
	}
	c1, err := e.auth.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := e.auth.Authenticate(context.Background(), twin)
	if err != nil {
		t.Fatalf("the malleated twin: %v (if Go now rejects high s, update docs/security.md)", err)
	}
	if c1 == c2 {
		t.Fatal("the twin was answered from the original token's cache entry")
	}
	if c1.ID != c2.ID || c1.ID != "token-1" {
		t.Fatalf("jti %q and %q: the twin carries the same jti", c1.ID, c2.ID)
	}
	if n := jwksauth.TokenCacheLen(e.auth); n != 2 {
		t.Fatalf("%d cache entries, want 2 (one per exact token string)", n)
	}
}
