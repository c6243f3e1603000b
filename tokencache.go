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
// maphash, under a per-process random seed, of the token's length and its
// last bytes (see [tokenKey]); a hit is confirmed by comparing the whole
// token, so a hash collision can only cost a miss, never authenticate a
// token that was not verified.
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
	clock *otter.CoarseClock
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
	// The cache's own clock only drops entries whose token has expired, to
	// free memory: a hit re-checks exp on the Authenticator's clock. A
	// clock read once a second, instead of on every lookup, takes two
	// clock reads off the hit path (docs/decisions/0023).
	coarse := otter.NewCoarseClock(time.Second)
	c, err := otter.New(&otter.Options[uint64, *tokenEntry]{
		MaximumSize: size,
		Clock:       coarse,
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
		coarse.Stop()
		return nil, fmt.Errorf("%w: token cache: %w", ErrConfig, err)
	}
	return &tokenCache{seed: maphash.MakeSeed(), cache: c, clock: coarse}, nil
}

// tokenKeyTail is how many of a token's last bytes its cache key hashes.
const tokenKeyTail = 48

// key is the cache key of token: a maphash of its length and its last
// tokenKeyTail bytes, which end a JWS with its signature (48 base64url
// characters are 288 bits of it). Hashing the whole token cost 0.35 µs at
// 4 KB, more than the rest of a hit; the tail costs the same at any size. Two
// verified tokens with the same tail and length would need the issuer to sign
// two payloads into signatures that share 288 bits. A token crafted to share
// a cached token's tail only finds that entry, fails the whole-token
// comparison and is verified in full; failures are never stored.
func (t *tokenCache) key(token string) uint64 {
	tail := token
	if len(tail) > tokenKeyTail {
		tail = tail[len(tail)-tokenKeyTail:]
	}
	return maphash.String(t.seed, tail) ^ uint64(len(token))*0x9e3779b97f4a7c15
}

func (t *tokenCache) lookup(token string, now time.Time, a *Authenticator) (*Claims, *issuer, bool) {
	if t == nil {
		return nil, nil, false
	}
	h := t.key(token)
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
	h := t.key(token)
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
	t.clock.Stop()
}
