package store

import (
	"context"
	"sync"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
)

// DefaultMemorySize bounds a [Memory] store's entries of each kind when
// [MemoryOptions].Size is zero: 100,000.
const DefaultMemorySize = 100_000

// MemoryOptions configures [NewMemory].
type MemoryOptions struct {
	// Size bounds the replay entries and the revocation entries, each.
	// When the replay set is full, expired entries are dropped first; if
	// none has expired, Use reports [ErrUnavailable] (fail closed) rather
	// than forget an unexpired key. Default: [DefaultMemorySize].
	Size int
	// Clock tells the time. Default: the wall clock.
	Clock clock.Clock
}

// Memory is an in-process [Replay] and [Revocation] store for a single
// replica: safe for concurrent use, bounded, with expired entries dropped
// as new ones arrive.
type Memory struct {
	mu      sync.Mutex
	clock   clock.Clock
	size    int
	replay  map[string]time.Time
	ids     map[[2]string]time.Time // (issuer, jti) → until
	subs    map[[2]string]subEntry  // (issuer, sub) → entry
	sweepAt time.Time
}

type subEntry struct{ before, until time.Time }

// NewMemory returns an empty store.
func NewMemory(opts MemoryOptions) *Memory {
	m := &Memory{
		clock:  clock.OrReal(opts.Clock),
		size:   opts.Size,
		replay: map[string]time.Time{},
		ids:    map[[2]string]time.Time{},
		subs:   map[[2]string]subEntry{},
	}
	if m.size <= 0 {
		m.size = DefaultMemorySize
	}
	return m
}

// Use implements [Replay].
func (m *Memory) Use(_ context.Context, key string, exp time.Time) (bool, error) {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if until, ok := m.replay[key]; ok && now.Before(until) {
		return false, nil
	}
	if len(m.replay) >= m.size {
		m.sweep(now)
		if len(m.replay) >= m.size {
			return false, ErrUnavailable
		}
	}
	m.replay[key] = exp
	return true, nil
}

// Revoked implements [Revocation].
func (m *Memory) Revoked(_ context.Context, t Token) (bool, error) {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.ID != "" {
		if until, ok := m.ids[[2]string{t.Issuer, t.ID}]; ok && now.Before(until) {
			return true, nil
		}
	}
	if t.Subject != "" {
		if e, ok := m.subs[[2]string{t.Issuer, t.Subject}]; ok && now.Before(e.until) {
			if t.IssuedAt.IsZero() || t.IssuedAt.Before(e.before) {
				return true, nil
			}
		}
	}
	return false, nil
}

// Revoke implements [Revocation]. A store full of unexpired entries
// refuses a new one with [ErrUnavailable].
func (m *Memory) Revoke(_ context.Context, e Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	now := m.clock.Now()
	if e.Before.IsZero() {
		e.Before = now
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ids)+len(m.subs) >= m.size {
		m.sweep(now)
		if len(m.ids)+len(m.subs) >= m.size {
			return ErrUnavailable
		}
	}
	if e.ID != "" {
		if cur, ok := m.ids[[2]string{e.Issuer, e.ID}]; !ok || e.Until.After(cur) {
			m.ids[[2]string{e.Issuer, e.ID}] = e.Until
		}
		return nil
	}
	k := [2]string{e.Issuer, e.Subject}
	cur := m.subs[k]
	if e.Before.After(cur.before) {
		cur.before = e.Before
	}
	if e.Until.After(cur.until) {
		cur.until = e.Until
	}
	m.subs[k] = cur
	return nil
}

// sweep drops expired entries; m.mu is held. After a sweep that freed
// nothing it waits a second before scanning again, so that a store full of
// live entries under load does not scan on every call.
func (m *Memory) sweep(now time.Time) {
	if now.Before(m.sweepAt) {
		return
	}
	before := len(m.replay) + len(m.ids) + len(m.subs)
	defer func() {
		if len(m.replay)+len(m.ids)+len(m.subs) == before {
			m.sweepAt = now.Add(time.Second)
		}
	}()
	for k, until := range m.replay {
		if !now.Before(until) {
			delete(m.replay, k)
		}
	}
	for k, until := range m.ids {
		if !now.Before(until) {
			delete(m.ids, k)
		}
	}
	for k, e := range m.subs {
		if !now.Before(e.until) {
			delete(m.subs, k)
		}
	}
}
