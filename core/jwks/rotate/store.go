package rotate

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Record is one stored key: its identity, its dates and, until it is
// retired, its private key.
type Record struct {
	// ID is the kid: the key's RFC 7638 thumbprint for generated keys.
	ID string `json:"kid"`
	// Algorithm is the JWS algorithm the key signs with ("RS256", "ES256",
	// "EdDSA").
	Algorithm string `json:"alg"`
	// Created is when the key was generated and first published.
	Created time.Time `json:"created"`
	// ActivateAt is when the key starts signing.
	ActivateAt time.Time `json:"activate_at"`
	// Private is the private key, PKCS #8 PEM. It is erased when the key
	// is retired.
	Private string `json:"private,omitempty"`
	// Public is the public key, PKIX PEM.
	Public string `json:"public"`
	// RetiredAt is when the key was withdrawn and its private key erased;
	// zero while it is published.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// KeySet is the stored state: the keys, ordered by ActivateAt, and the
// version that [Store.CompareAndSwap] compares.
type KeySet struct {
	// Version is 0 for a store never written, and grows by one with every
	// successful CompareAndSwap.
	Version uint64 `json:"version"`
	// Keys are the records, ordered by ActivateAt.
	Keys []Record `json:"keys"`
}

// clone returns a deep copy of s.
func (s KeySet) clone() KeySet {
	s.Keys = slices.Clone(s.Keys)
	return s
}

// Store persists a [KeySet]. Implementations must make CompareAndSwap atomic
// across every process sharing the store: it is what keeps two replicas
// from both rotating.
type Store interface {
	// Load returns the stored set; a store never written returns an empty
	// set with version 0.
	Load(ctx context.Context) (KeySet, error)
	// CompareAndSwap stores next, with version old+1, if the stored version
	// is old, and fails with an error wrapping [ErrConflict] otherwise.
	CompareAndSwap(ctx context.Context, old uint64, next KeySet) error
}

// MemStore is a [Store] in memory, shared by the managers of one process
// (tests, or replicas simulated in one binary). The zero value is an empty
// store ready for use.
type MemStore struct {
	mu  sync.Mutex
	set KeySet
}

// Load returns a copy of the stored set.
func (m *MemStore) Load(context.Context) (KeySet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.set.clone(), nil
}

// CompareAndSwap stores next if the stored version is old.
func (m *MemStore) CompareAndSwap(_ context.Context, old uint64, next KeySet) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.set.Version != old {
		return fmt.Errorf("%w: version %d, expected %d", ErrConflict, m.set.Version, old)
	}
	next = next.clone()
	next.Version = old + 1
	m.set = next
	return nil
}
