package jwks

import (
	"context"
	"fmt"

	"github.com/jwksauth/jwksauth/core/jws"
)

// Source finds verification keys. [*Cache] implements it for a key set
// fetched from an identity provider and [*Static] for configured keys.
//
// Both methods are safe for concurrent use and, for a key that is present,
// take no lock and allocate nothing.
type Source interface {
	// Key returns the key with ID kid that may verify a token signed with
	// alg. A kid of "" means the one key of the set that fits alg; when
	// several with different key material fit, Key returns
	// [ErrKeyAmbiguous] rather than guess. A kid published twice with
	// different material that both fit alg is ambiguous too.
	//
	// Errors match [ErrKeyNotFound], [ErrKeyAmbiguous] or, for a [*Cache],
	// [ErrKeysUnavailable]; a cancelled ctx ends a wait for a refresh with
	// ctx.Err(). Key does not retain kid: callers may pass a zero-copy
	// view of a buffer they reuse.
	Key(ctx context.Context, kid string, alg jws.Algorithm) (*Key, error)

	// Contains reports whether k is in the current key set, by pointer
	// identity. A key unchanged across a refresh (same kid, material, alg
	// and use) keeps its *Key, so Contains stays true for it; a key the
	// provider no longer publishes turns false at the next successful
	// refresh. A cache of verified tokens calls it to drop entries whose
	// key has gone.
	Contains(k *Key) bool
}

var (
	_ Source = (*Cache)(nil)
	_ Source = (*Static)(nil)
)

// cacheSet is an immutable set of keys indexed for lookup. Neither the
// maps nor the slices are modified once built, so readers need no lock.
type cacheSet struct {
	byKID map[string][]*Key // keys with a kid; usually one per kid
	// small holds the same as byKID when there are few kids: comparing a
	// handful of short strings beats hashing one.
	small []cacheKID
	keys  []*Key // every key, in document order
	noKID []*Key // keys without a kid
	// wildcard lets keys without a kid verify tokens with any kid, when
	// no key has the token's kid. Only explicitly configured static sets
	// set it (a single PEM key verifies whatever kid its issuer stamps).
	wildcard bool
}

// cacheKID is the keys of one kid.
type cacheKID struct {
	kid  string
	keys []*Key
}

// cacheSmallSet is the most kids searched linearly rather than hashed.
const cacheSmallSet = 8

// newCacheSet indexes keys. An entry identical to an earlier one (same kid,
// thumbprint, algorithms and use) is dropped as a duplicate.
func newCacheSet(keys []*Key, wildcard bool) *cacheSet {
	s := &cacheSet{byKID: make(map[string][]*Key, len(keys)), wildcard: wildcard}
next:
	for _, k := range keys {
		for _, o := range s.keys {
			if cacheSameKey(k, o) {
				continue next
			}
		}
		s.keys = append(s.keys, k)
		if k.ID == "" {
			s.noKID = append(s.noKID, k)
		} else {
			s.byKID[k.ID] = append(s.byKID[k.ID], k)
		}
	}
	if len(s.byKID) <= cacheSmallSet {
		for _, k := range s.keys {
			if ks := s.byKID[k.ID]; k.ID != "" && ks[0] == k {
				s.small = append(s.small, cacheKID{kid: k.ID, keys: ks})
			}
		}
	}
	return s
}

// keysOf returns the keys with ID kid.
func (s *cacheSet) keysOf(kid string) ([]*Key, bool) {
	if len(s.byKID) <= cacheSmallSet {
		for i := range s.small {
			if s.small[i].kid == kid {
				return s.small[i].keys, true
			}
		}
		return nil, false
	}
	ks, ok := s.byKID[kid]
	return ks, ok
}

// cacheSameKey reports whether a and b describe the same verification key,
// so that one may stand for the other.
func cacheSameKey(a, b *Key) bool {
	return a.ID == b.ID && a.Thumbprint == b.Thumbprint && a.Algorithms == b.Algorithms &&
		a.Algorithm == b.Algorithm && a.Use == b.Use && string(a.Secret) == string(b.Secret)
}

// cacheLookup is the outcome of a lookup in a [cacheSet].
type cacheLookup uint8

const (
	cacheHit       cacheLookup = iota
	cacheMissing               // no key with that kid (or, kid "", none fits alg)
	cacheMismatch              // the kid is there, but none of its keys verifies alg
	cacheAmbiguous             // several keys with different material fit
)

// lookup finds the key for kid and alg without allocating.
func (s *cacheSet) lookup(kid string, alg jws.Algorithm) (*Key, cacheLookup) {
	if kid == "" {
		return cachePick(s.keys, alg, cacheMissing)
	}
	if ks, ok := s.keysOf(kid); ok {
		return cachePick(ks, alg, cacheMismatch)
	}
	if s.wildcard && len(s.noKID) > 0 {
		return cachePick(s.noKID, alg, cacheMismatch)
	}
	return nil, cacheMissing
}

// cachePick returns the one key of ks that verifies alg. Keys with the same
// thumbprint count as one: they verify the same signatures.
func cachePick(ks []*Key, alg jws.Algorithm, none cacheLookup) (*Key, cacheLookup) {
	var found *Key
	for _, k := range ks {
		if !k.Algorithms.Has(alg) {
			continue
		}
		if found == nil {
			found = k
		} else if found.Thumbprint != k.Thumbprint {
			return nil, cacheAmbiguous
		}
	}
	if found == nil {
		return nil, none
	}
	return found, cacheHit
}

// contains reports whether k is in s, by pointer identity.
func (s *cacheSet) contains(k *Key) bool {
	if k == nil {
		return false
	}
	ks := s.noKID
	if k.ID != "" {
		ks, _ = s.keysOf(k.ID)
	}
	for _, o := range ks {
		if o == k {
			return true
		}
	}
	return false
}

// cacheLookupError turns a failed lookup into the error a caller sees.
func cacheLookupError(r cacheLookup, kid string, alg jws.Algorithm) error {
	switch r {
	case cacheAmbiguous:
		if kid == "" {
			return fmt.Errorf("%w: %s token without kid", ErrKeyAmbiguous, alg)
		}
		return fmt.Errorf("%w: kid %.64q published with different keys", ErrKeyAmbiguous, kid)
	case cacheMismatch:
		return fmt.Errorf("%w: key %.64q does not verify %s", ErrKeyNotFound, kid, alg)
	}
	if kid == "" {
		return fmt.Errorf("%w: no key verifies %s", ErrKeyNotFound, alg)
	}
	return fmt.Errorf("%w: kid %.64q", ErrKeyNotFound, kid)
}
