package jwksauth

import (
	"fmt"
	"hash/maphash"
	"strings"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/telemetry"
)

// DefaultTokenCacheSize is the number of verified tokens kept when
// [TokenCacheConfig.Size] is zero.
const DefaultTokenCacheSize = 10_000

// tokenCache remembers successful verifications. It is keyed by a 64-bit
// maphash of the token under a per-process random seed; a hit is confirmed
// by comparing the whole token, so a hash collision can only cost a miss,
// never authenticate a token that was not verified.
//
// Every hit re-checks everything that can change without the token changing:
// the time claims (exp, nbf, iat, max age) and custom validators, through the
// issuer's validation, and that the signing key is still published — a key
// that leaves the key set takes its tokens with it at once. Failures are never
// cached. Entries are evicted by otter's W-TinyLFU policy, which resists
// scans: a flood of distinct tokens does not flush the hot ones.
type tokenCache struct {
	seed  maphash.Seed
	cache *otter.Cache[uint64, *tokenEntry]
}

type tokenEntry struct {
	token  string
	claims *Claims
	iss    *issuer
	key    *jwks.Key
}

func newTokenCache(cfg TokenCacheConfig, clk clock.Clock, tel *telemetry.Telemetry) (*tokenCache, error) {
	if cfg.Disabled {
		return nil, nil
	}
	if cfg.Size < 0 {
		return nil, fmt.Errorf("%w: TokenCache.Size %d is negative", ErrConfig, cfg.Size)
	}
	size := cfg.Size
	if size == 0 {
		size = DefaultTokenCacheSize
	}
	c, err := otter.New(&otter.Options[uint64, *tokenEntry]{
		MaximumSize: size,
		// Memory only: an entry dies at the token's expiry at the latest.
		// Correctness does not depend on it, since every hit re-checks exp
		// on the Authenticator's clock.
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[uint64, *tokenEntry]) time.Duration {
			if exp := e.Value.claims.Expiry; !exp.IsZero() {
				if d := exp.Sub(clk.Now()); d > 0 {
					return d
				}
				return time.Nanosecond
			}
			return time.Hour
		}),
		// Evictions for room or at expiry; invalidations (a key that left
		// its set, Close) are not evictions.
		OnDeletion: func(e otter.DeletionEvent[uint64, *tokenEntry]) {
			if e.WasEvicted() {
				tel.Evicted()
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: token cache: %w", ErrConfig, err)
	}
	return &tokenCache{seed: maphash.MakeSeed(), cache: c}, nil
}

func (t *tokenCache) lookup(token string, now time.Time, a *Authenticator) (*Claims, *issuer, bool) {
	if t == nil {
		return nil, nil, false
	}
	h := maphash.String(t.seed, token)
	e, ok := t.cache.GetIfPresent(h)
	if !ok || e.token != token {
		return nil, nil, false
	}
	if !e.iss.keys.Contains(e.key) || e.iss.validation.Validate(e.claims, now) != nil {
		// The key left the set or the token is no longer valid: drop it and
		// let the full path give the precise answer.
		t.cache.Invalidate(h)
		return nil, nil, false
	}
	return e.claims, e.iss, true
}

func (t *tokenCache) store(token string, c *Claims, iss *issuer, key *jwks.Key) {
	if t == nil {
		return
	}
	h := maphash.String(t.seed, token)
	// The token is cloned: adapters may hand over a view of a request buffer
	// that the framework reuses (Fiber).
	t.cache.Set(h, &tokenEntry{token: strings.Clone(token), claims: c, iss: iss, key: key})
}

func (t *tokenCache) close() {
	if t == nil {
		return
	}
	t.cache.InvalidateAll()
	t.cache.StopAllGoroutines()
}
