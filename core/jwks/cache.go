package jwks

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/core/jws"
)

// Cache is the key set of one identity provider, fetched over HTTPS and
// kept fresh in the background. It implements [Source].
//
// A lookup of a known key reads an immutable snapshot through an atomic
// pointer: it takes no lock and allocates nothing. Everything else happens
// off the request path, in one refresh goroutine per Cache:
//
//   - Freshness: a set is fresh for its Cache-Control max-age (or Expires),
//     clamped to [MinTTL, MaxTTL], or DefaultTTL when the response says
//     nothing; it is refreshed RefreshAhead before it expires, minus a
//     random jitter. Requests are conditional (If-None-Match,
//     If-Modified-Since): a 304, or the same bytes again, extends the set's
//     freshness without parsing anything.
//   - Unknown kid: a lookup for a kid the fresh set lacks joins the fetch
//     in flight, or starts one if none started within the last
//     UnknownKIDCooldown, and waits for it at most MaxWait; at most
//     MaxWaiters lookups wait at once. When the cooldown defers the fetch,
//     the lookup is answered [ErrKeyNotFound] at once and the fetch is
//     scheduled for the end of the cooldown. A kid a fetch did not find is
//     remembered (NegativeCacheSize) for one cooldown, answered at once,
//     and looked for again by the next fetch.
//   - Worst case: a flood of distinct random kids costs the provider at
//     most one request per cooldown (5 s by default) and holds no request
//     open beyond a fetch in flight, and a key rotated in before, during
//     or right after the flood is picked up within one cooldown of its
//     first token.
//   - Outage: a failed fetch never replaces the last good set, nor does a
//     malformed, empty, oversized or slow one. Retries back off
//     exponentially with full jitter between RetryMin and RetryMax. Known
//     kids keep verifying for MaxStale after the set expired; then, or
//     when nothing was ever loaded, lookups answer an [*UnavailableError]
//     (matching [ErrKeysUnavailable]) with a Retry-After hint.
//   - Removal: a key the provider stops publishing stops verifying at the
//     next successful refresh, within MaxTTL at worst.
//
// NewCache never fetches synchronously and never fails because the
// provider is down; call [Cache.Ready] to wait for the first set. Close
// stops the goroutine and waits for it.
type Cache struct {
	cfg     *cacheConfig
	clock   clock.Clock
	log     *slog.Logger
	onEvent func(Event)
	client  *http.Client
	own     *http.Transport // the default client's transport, closed by Close
	seed    maphash.Seed

	snap atomic.Pointer[cacheSnapshot]

	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	wake      chan struct{} // pokes the refresh goroutine; capacity 1
	closeOnce sync.Once

	disc discoveryState // refresh goroutine only

	// waiters counts the lookups waiting for a fetch, bounded by
	// MaxWaiters. Only lookups that miss touch it.
	waiters atomic.Int64
	// pending mirrors next != nil, so that a lookup answered from the
	// negative cache sees without locking that a fetch is scheduled.
	pending atomic.Bool

	mu        sync.Mutex // guards the schedule below
	inflight  *cacheCall // the fetch running now
	next      *cacheCall // a fetch asked for and not started yet; see pending
	forced    bool       // next was asked for by Ready or Refresh: start it now
	started   bool       // a fetch has started
	lastStart time.Time  // when the last fetch started
	failures  int        // consecutive failed fetches
	retryAt   time.Time  // earliest retry after a failure
	refreshAt time.Time  // the next scheduled refresh after a success
	lastErr   error      // the last fetch's error, nil after a success
	closed    bool

	// neg is the negative cache: immutable, replaced by the refresh
	// goroutine (under mu) when a fetch installs a set, read without lock.
	neg atomic.Pointer[cacheNegative]
	// deferUntil is, while a fetch is scheduled that the cooldown or the
	// backoff defers, when it may start (Unix nanoseconds of the Clock);
	// 0 otherwise. Lookups read it to answer at once without taking mu.
	deferUntil atomic.Int64
}

// cacheNegative is the negative cache: kids (hashed, see [Cache.negKey])
// that a fetch of set generation gen did not find, each with the time its
// entry expires. It is never modified once published.
type cacheNegative struct {
	gen uint64
	exp map[uint64]time.Time
}

// cacheSnapshot is one loaded key set. It is never modified once
// published, except for phase and staleLogged.
type cacheSnapshot struct {
	set        *cacheSet
	gen        uint64 // incremented whenever the keys change
	url        string
	validators fetchValidators
	sum        [sha256.Size]byte // of the body the set was parsed from
	fetched    time.Time
	expires    time.Time // fresh before
	staleUntil time.Time // usable before
	// phase is where the set stands between fresh, stale and unusable. The
	// refresh goroutine advances it at expires and staleUntil, so that a
	// lookup reads one atomic word instead of the clock, which costs more
	// than the rest of a cache hit. After Close it is cachePhaseDead.
	phase       atomic.Uint32
	staleLogged atomic.Bool
}

// The phases of a [cacheSnapshot], in the only order they go.
const (
	cachePhaseFresh uint32 = iota // before expires
	cachePhaseStale               // after expires, before staleUntil: known kids only
	cachePhaseDead                // after staleUntil, or the Cache is closed
)

// advancePhase moves s to the phase of time now. The caller holds
// Cache.mu, as Close does when it makes the set unusable.
func (s *cacheSnapshot) advancePhase(now time.Time) {
	p := cachePhaseFresh
	switch {
	case !now.Before(s.staleUntil):
		p = cachePhaseDead
	case !now.Before(s.expires):
		p = cachePhaseStale
	}
	if p > s.phase.Load() {
		s.phase.Store(p)
	}
}

// nextPhase returns when s next changes phase, or the zero time.
func (s *cacheSnapshot) nextPhase() time.Time {
	switch s.phase.Load() {
	case cachePhaseFresh:
		return s.expires
	case cachePhaseStale:
		return s.staleUntil
	}
	return time.Time{}
}

// cacheCall is one fetch that lookups, Ready and Refresh can wait for.
type cacheCall struct {
	done   chan struct{} // closed when the fetch finished
	err    error         // its result, written before done is closed
	misses []cacheMiss   // lookups it is to settle; guarded by Cache.mu
	// noCache: asked for by a lookup that missed, Ready or Refresh, so it
	// asks caches between us and the provider to revalidate. Set under
	// Cache.mu before the fetch starts.
	noCache bool
}

// NewCache validates opts and returns a Cache whose refresh goroutine
// starts fetching at once. It fails only on invalid options, never because
// the provider cannot be reached.
func NewCache(opts CacheOptions) (*Cache, error) {
	cfg, err := cacheConfigure(opts)
	if err != nil {
		return nil, err
	}
	client, own := fetchClient(opts.HTTPClient, cfg.Timeout)
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cache{
		cfg:     cfg,
		clock:   cfg.Clock,
		log:     cfg.Logger,
		onEvent: cfg.OnEvent,
		client:  client,
		own:     own,
		seed:    maphash.MakeSeed(),
		ctx:     ctx,
		cancel:  cancel,
		wake:    make(chan struct{}, 1),
	}
	c.wg.Add(1)
	go c.loop()
	return c, nil
}

// Key returns the key with ID kid that may verify alg; see [Source.Key].
//
// A known kid is answered from the current set without locking,
// allocating or reading the clock, also from an expired set within
// MaxStale: the refresh goroutine moves the set from fresh to stale to
// unusable at those deadlines. An unknown kid, or
// an empty or too stale cache, asks for a fetch under the unknown-kid
// policy described on [Cache]: it waits at most MaxWait, and only for a
// fetch in flight or starting now, else it is answered at once. Errors:
// [ErrKeyNotFound] when the fresh (or just refreshed) set lacks the key;
// [ErrKeyAmbiguous]; an [*UnavailableError] when no usable set can be had
// (nothing loaded, older than MaxStale, or stale with the provider
// unreachable for an unknown kid); ctx.Err() if ctx ends the wait.
func (c *Cache) Key(ctx context.Context, kid string, alg jws.Algorithm) (*Key, error) {
	if s := c.snap.Load(); s != nil {
		if p := s.phase.Load(); p != cachePhaseDead {
			k, r := s.set.lookup(kid, alg)
			switch r {
			case cacheHit:
				if p == cachePhaseStale {
					c.staleServed(s)
				}
				return k, nil
			case cacheAmbiguous, cacheMismatch:
				return nil, cacheLookupError(r, kid, alg)
			}
		}
	}
	return c.keySlow(ctx, kid, alg)
}

// keySlow handles a kid the usable set lacks, or the lack of a usable set.
//
// It waits only for a fetch in flight or one that starts now, and only
// while fewer than MaxWaiters lookups wait; otherwise it answers at once
// and leaves a fetch scheduled. Lookups that hit never come here, so
// nothing a waiter crosses (Cache.mu, the call's channel, the waiter
// count) is on the path of a known kid.
func (c *Cache) keySlow(ctx context.Context, kid string, alg jws.Algorithm) (*Key, error) {
	var miss cacheMiss
	if c.cfg.NegativeCacheSize > 0 {
		miss = cacheMiss{hash: c.negKey(kid, alg), kidless: kid == "", alg: alg}
	}
	var waited *cacheCall // the fetch this lookup waited for, once done
	for attempt := 0; attempt < 4; attempt++ {
		now := c.clock.Now()
		s := c.snap.Load()
		// Look again: a fetch may have installed a set since the hot path
		// looked, or since the last attempt.
		if s != nil && now.Before(s.staleUntil) && s.phase.Load() != cachePhaseDead {
			k, r := s.set.lookup(kid, alg)
			switch r {
			case cacheHit:
				if !now.Before(s.expires) {
					c.staleServed(s)
				}
				return k, nil
			case cacheAmbiguous, cacheMismatch:
				return nil, cacheLookupError(r, kid, alg)
			}
		}
		fresh := s != nil && now.Before(s.expires) && s.phase.Load() != cachePhaseDead
		if waited != nil && waited.err == nil && fresh {
			// The fetch this lookup waited for succeeded without the kid
			// (and remembered it in the negative cache).
			return nil, cacheLookupError(cacheMissing, kid, alg)
		}
		if waited != nil {
			break // the fetch failed
		}
		if fresh && miss.hash != 0 && c.negHas(miss.hash, s.gen, now) {
			// A fetch less than a cooldown ago did not find the kid. The
			// kid may have been published since (a token sent before its
			// key was): make sure the next fetch the cooldown allows runs.
			c.schedule()
			if c.onEvent != nil {
				c.onEvent(Event{Kind: EventNegativeHit, URL: s.url, Keys: len(s.set.keys)})
			}
			return nil, ErrKeyNotFound
		}
		if d := c.deferUntil.Load(); d != 0 && now.UnixNano() < d {
			// A fetch is scheduled and the cooldown or backoff defers it:
			// answer at once, without taking the schedule's lock, which a
			// flood of unknown kids would otherwise all cross.
			if c.onEvent != nil {
				c.onEvent(Event{Kind: EventRefreshDeferred, URL: c.eventURL(s), Wait: time.Duration(d - now.UnixNano())})
			}
			break
		}
		call, delay, changed := c.demand(now, s, miss)
		if changed {
			continue // a fetch installed a new set since s was read: look again
		}
		if call == nil {
			if delay > 0 && c.onEvent != nil {
				c.onEvent(Event{Kind: EventRefreshDeferred, URL: c.eventURL(s), Wait: delay})
			}
			break // closed, or the fetch is deferred: answer at once
		}
		if n := c.waiters.Add(1); n > int64(c.cfg.MaxWaiters) {
			c.waiters.Add(-1)
			if c.onEvent != nil {
				c.onEvent(Event{Kind: EventWaitersFull, URL: c.eventURL(s)})
			}
			break
		}
		t := c.clock.NewTimer(c.cfg.MaxWait)
		var cancelled bool
		select {
		case <-call.done:
			waited = call
		case <-t.C():
		case <-c.ctx.Done():
		case <-ctx.Done():
			cancelled = true
		}
		t.Stop()
		c.waiters.Add(-1)
		if cancelled {
			return nil, ctx.Err()
		}
		if waited == nil {
			break
		}
	}
	now := c.clock.Now()
	if s := c.snap.Load(); s != nil && now.Before(s.expires) && s.phase.Load() != cachePhaseDead {
		return nil, cacheLookupError(cacheMissing, kid, alg)
	}
	return nil, c.unavailable(now)
}

// eventURL returns the URL an event of a lookup names: the set's, or the
// configured one before anything was loaded.
func (c *Cache) eventURL(s *cacheSnapshot) string {
	if s != nil {
		return s.url
	}
	if c.cfg.jwksURL != nil {
		return c.cfg.jwksURL.String()
	}
	return c.cfg.discoveryURL.String()
}

// cacheMiss is a lookup that a fetch is asked to settle: if the fetch
// succeeds without finding it, it enters the negative cache.
type cacheMiss struct {
	hash    uint64 // 0: not to be remembered
	kidless bool
	alg     jws.Algorithm
	// late: the lookup joined a fetch that had already started, which may
	// have missed a key published just before the lookup. If that fetch
	// does not find the kid, another is scheduled.
	late bool
}

// demand asks for a fetch on behalf of a lookup that missed in s. It
// returns the call the lookup may wait for: the fetch running now, or the
// next one when the cooldown and backoff let the refresh goroutine start it
// at once. When they defer it, the fetch is scheduled for the moment they
// allow, and demand returns a nil call and the delay until then: the lookup
// does not wait. changed reports that another set than s is installed by
// now, so the lookup should look again instead. After Close it returns a
// nil call and a zero delay.
func (c *Cache) demand(now time.Time, s *cacheSnapshot, miss cacheMiss) (call *cacheCall, delay time.Duration, changed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, 0, false
	}
	if call = c.inflight; call != nil {
		miss.late = true
		c.addMissLocked(call, miss)
		return call, 0, false
	}
	if c.snap.Load() != s {
		return nil, 0, true
	}
	call = c.scheduleLocked()
	c.addMissLocked(call, miss)
	if due := c.deferLocked(now); due.After(now) {
		return nil, due.Sub(now), false
	}
	return call, 0, false
}

// deferLocked returns when the next fetch may start and publishes it in
// deferUntil if that is later than now.
func (c *Cache) deferLocked(now time.Time) time.Time {
	due := c.dueLocked(now)
	if due.After(now) {
		c.deferUntil.Store(due.UnixNano())
	} else {
		c.deferUntil.Store(0)
	}
	return due
}

// addMissLocked records miss for call to settle, within NegativeCacheSize.
func (c *Cache) addMissLocked(call *cacheCall, miss cacheMiss) {
	if miss.hash != 0 && len(call.misses) < c.cfg.NegativeCacheSize {
		call.misses = append(call.misses, miss)
	}
}

// scheduleLocked returns the next fetch, asking for one (to start as soon
// as the cooldown and backoff allow) if none is asked for yet. The fetch is
// one a lookup missed for: it sends Cache-Control: no-cache.
func (c *Cache) scheduleLocked() *cacheCall {
	if c.next == nil {
		c.next = &cacheCall{done: make(chan struct{})}
		c.pending.Store(true)
		c.poke()
	}
	c.next.noCache = true
	return c.next
}

// schedule makes sure a fetch is asked for, without locking when one is.
func (c *Cache) schedule() {
	if c.pending.Load() {
		return
	}
	c.mu.Lock()
	if !c.closed {
		c.scheduleLocked()
		c.deferLocked(c.clock.Now())
	}
	c.mu.Unlock()
}

// force asks for a fetch now, for Ready and Refresh, bypassing cooldown and
// backoff; a running fetch is joined instead. It returns nil after Close.
func (c *Cache) force() *cacheCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	if c.inflight != nil {
		return c.inflight
	}
	call := c.scheduleLocked()
	c.forced = true
	c.poke()
	return call
}

// poke wakes the refresh goroutine to reconsider its schedule.
func (c *Cache) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// dueLocked returns when the next fetch should start. Every fetch the
// cache starts by itself starts at least UnknownKIDCooldown after the
// previous one; after a failure, no earlier than the backoff allows.
func (c *Cache) dueLocked(now time.Time) time.Time {
	if !c.started || (c.next != nil && c.forced) {
		return now
	}
	var base time.Time
	switch {
	case c.failures > 0:
		base = c.retryAt
	case c.next != nil:
		base = now
	default:
		base = c.refreshAt
	}
	if gate := c.lastStart.Add(c.cfg.UnknownKIDCooldown); gate.After(base) {
		return gate
	}
	return base
}

// loop is the refresh goroutine: it sleeps on the clock until the next
// fetch is due or it is poked, runs fetches one at a time, and returns
// when the Cache is closed.
func (c *Cache) loop() {
	defer c.wg.Done()
	for c.ctx.Err() == nil {
		c.mu.Lock()
		now := c.clock.Now()
		s := c.snap.Load()
		if s != nil {
			s.advancePhase(now)
		}
		due := c.dueLocked(now)
		if !due.After(now) {
			call := c.next
			if call == nil {
				call = &cacheCall{done: make(chan struct{})}
			}
			c.next, c.forced = nil, false
			c.pending.Store(false)
			c.deferUntil.Store(0)
			c.inflight = call
			c.started, c.lastStart = true, now
			c.mu.Unlock()
			c.run(call)
			continue
		}
		c.mu.Unlock()
		wake := due
		if s != nil {
			if p := s.nextPhase(); !p.IsZero() && p.Before(wake) {
				wake = p
			}
		}
		t := c.clock.NewTimer(wake.Sub(now))
		if c.clock.Now().Sub(now) > time.Millisecond {
			// The clock moved (a fake clock, stepped by a test) between
			// reading now and arming the timer, which is relative: the
			// deadline may be late. Compute it again.
			t.Stop()
			continue
		}
		select {
		case <-c.ctx.Done():
		case <-c.wake:
		case <-t.C():
		}
		t.Stop()
	}
}

// run performs one fetch (discovery when due, then the key set) and
// records its outcome in the schedule.
func (c *Cache) run(call *cacheCall) {
	began := time.Now()
	ev, err := c.fetch(call)
	ev.Duration = time.Since(began)

	now := c.clock.Now()
	c.mu.Lock()
	if err != nil {
		c.failures++
		c.lastErr = err
		c.retryAt = now.Add(c.backoff(c.failures))
	} else {
		c.failures = 0
		c.lastErr = nil
		if s := c.snap.Load(); s != nil { // nil if Close refused the set
			c.refreshAt = c.refreshTime(s)
		}
	}
	failures, retryAt := c.failures, c.retryAt
	c.inflight = nil
	call.err = err
	c.mu.Unlock()
	close(call.done)

	if err == nil {
		c.emit(ev)
		return
	}
	if c.ctx.Err() != nil {
		return // closed: the error is ours, not the provider's
	}
	attrs := []any{"url", ev.URL, "error", err, "failures", failures, "retry_in", retryAt.Sub(now)}
	if s := c.snap.Load(); s != nil {
		attrs = append(attrs, "keys_fresh_for", max(s.expires.Sub(now), 0), "keys_usable_for", max(s.staleUntil.Sub(now), 0))
	} else {
		attrs = append(attrs, "keys", "none loaded")
	}
	c.log.Warn("jwks: fetching the key set failed; keeping the last good set", attrs...)
	c.emit(Event{Kind: EventFetchFailed, URL: ev.URL, Err: err, Duration: ev.Duration})
}

// fetch runs discovery when due and downloads the key set, installing a
// new snapshot on success. The Event it returns describes a success; its
// URL is set on failure too.
func (c *Cache) fetch(call *cacheCall) (Event, error) {
	url, err := c.jwksURL(call.noCache)
	if err != nil {
		return Event{URL: c.cfg.discoveryURL.String()}, err
	}
	ev := Event{URL: url}
	old := c.snap.Load()
	var v fetchValidators
	if old != nil && old.url == url {
		v = old.validators
	}
	resp, err := c.get(url, v, call.noCache)
	if err != nil {
		var se *fetchStatusError
		if errors.As(err, &se) && se.code >= 400 && se.code < 500 {
			c.discoveryInvalidate() // the jwks_uri may have moved
		}
		return ev, err
	}
	now := c.clock.Now()
	ttl := c.ttl(resp.header, now)
	var sum [sha256.Size]byte
	if !resp.notModified {
		sum = sha256.Sum256(resp.body)
	}
	if old != nil && old.url == url && (resp.notModified || sum == old.sum) {
		c.install(call, old.set, old.gen, url, resp.validators, old.sum, now, ttl)
		ev.Kind, ev.Keys, ev.TTL = EventNotModified, len(old.set.keys), ttl
		return ev, nil
	}
	if resp.notModified {
		return ev, fmt.Errorf("%w: 304 for a set not cached", ErrFetch)
	}

	keys, skipped, err := ParseSet(resp.body)
	if err != nil {
		return ev, err
	}
	for _, e := range skipped {
		c.log.Warn("jwks: key skipped", "url", url, "error", e)
		c.emit(Event{Kind: EventKeySkipped, URL: url, Err: e})
	}
	if len(keys) == 0 {
		return ev, fmt.Errorf("%w: %w (%d skipped)", ErrInvalidKeySet, errCacheNoKeys, len(skipped))
	}
	gen := uint64(1)
	var oldKeys []*Key
	if old != nil {
		gen, oldKeys = old.gen, old.set.keys
		for i, k := range keys {
			for _, o := range oldKeys {
				if cacheSameKey(k, o) {
					keys[i] = o // unchanged: keep its identity
					break
				}
			}
		}
	}
	set := newCacheSet(keys, false)
	var added, removed []string
	for _, k := range set.keys {
		if old == nil || !old.set.contains(k) {
			added = append(added, k.ID)
		}
	}
	for _, k := range oldKeys {
		if !set.contains(k) {
			removed = append(removed, k.ID)
		}
	}
	if len(added)+len(removed) > 0 {
		gen++
	}
	c.install(call, set, gen, url, resp.validators, sum, now, ttl)
	if old != nil && len(added)+len(removed) > 0 {
		c.log.Info("jwks: key set changed", "url", url, "added", added, "removed", removed, "keys", len(set.keys))
	} else if old == nil {
		c.log.Info("jwks: key set loaded", "url", url, "keys", len(set.keys), "ttl", ttl)
	}
	ev.Kind, ev.Keys, ev.Added, ev.Removed, ev.TTL = EventFetched, len(set.keys), len(added), len(removed), ttl
	return ev, nil
}

// get downloads u within Timeout; noCache asks caches on the way to
// revalidate with the provider.
func (c *Cache) get(u string, v fetchValidators, noCache bool) (*fetchResponse, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
	defer cancel()
	return fetchDoc(ctx, c.client, u, v, c.cfg.MaxBodySize, noCache)
}

// install publishes a snapshot fresh for ttl from now. The lookups waiting
// for call whose kid the set lacks enter the negative cache first, so that
// no lookup sees the new set without them. If one of them joined call
// after it had started, the set may predate that kid's key: another fetch
// is scheduled for the end of the cooldown.
func (c *Cache) install(call *cacheCall, set *cacheSet, gen uint64, url string, v fetchValidators, sum [sha256.Size]byte, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	var absent []uint64
	followUp := false
	if len(call.misses) > 0 {
		inSet := make(map[uint64]bool, len(set.byKID))
		for kid := range set.byKID {
			inSet[c.negKey(kid, 0)] = true
		}
		for _, m := range call.misses {
			if m.kidless {
				if _, r := set.lookup("", m.alg); r != cacheMissing {
					continue
				}
			} else if inSet[m.hash] {
				continue
			}
			absent = append(absent, m.hash)
			followUp = followUp || m.late
		}
	}
	c.negUpdateLocked(gen, now, absent)
	if followUp {
		c.scheduleLocked()
		c.deferLocked(now)
	}
	expires := now.Add(ttl)
	c.snap.Store(&cacheSnapshot{
		set:        set,
		gen:        gen,
		url:        url,
		validators: v,
		sum:        sum,
		fetched:    now,
		expires:    expires,
		staleUntil: expires.Add(c.cfg.MaxStale),
	})
}

// ttl returns the freshness a response grants, clamped to [MinTTL,
// MaxTTL], or DefaultTTL when it says nothing.
func (c *Cache) ttl(h http.Header, now time.Time) time.Duration {
	d, ok := fetchFreshness(h, now)
	if !ok {
		return c.cfg.DefaultTTL
	}
	return min(max(d, c.cfg.MinTTL), c.cfg.MaxTTL)
}

// refreshTime returns when to refresh s: RefreshAhead before it expires,
// minus up to Jitter, each capped at a quarter of its TTL.
func (c *Cache) refreshTime(s *cacheSnapshot) time.Time {
	ttl := s.expires.Sub(s.fetched)
	ahead := min(c.cfg.RefreshAhead, ttl/4)
	if j := min(c.cfg.Jitter, ttl/4); j > 0 {
		ahead += time.Duration(rand.Int64N(int64(j) + 1))
	}
	return s.expires.Add(-ahead)
}

// backoff returns the wait before retry n (1 for the first): random in
// [RetryMin, min(RetryMax, RetryMin·2ⁿ)].
func (c *Cache) backoff(n int) time.Duration {
	lo, hi := c.cfg.RetryMin, c.cfg.RetryMin
	for i := 0; i < n && hi < c.cfg.RetryMax; i++ {
		hi *= 2
	}
	hi = min(hi, c.cfg.RetryMax)
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rand.Int64N(int64(hi-lo)+1))
}

// unavailable returns the error of a lookup that has no usable set.
func (c *Cache) unavailable(now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.lastErr
	if c.closed {
		err = ErrClosed
	}
	wait := c.dueLocked(now).Sub(now)
	// Retry-After is in whole seconds; round up, at least one.
	wait = max((wait + time.Second - 1).Truncate(time.Second), time.Second)
	return &UnavailableError{RetryAfter: wait, Err: err}
}

// staleServed reports a lookup answered from an expired set.
func (c *Cache) staleServed(s *cacheSnapshot) {
	if c.onEvent == nil && s.staleLogged.Load() {
		return
	}
	now := c.clock.Now()
	if c.onEvent != nil {
		c.onEvent(Event{Kind: EventStaleServed, URL: s.url, Keys: len(s.set.keys), Age: now.Sub(s.expires)})
	}
	if !s.staleLogged.Load() && s.staleLogged.CompareAndSwap(false, true) {
		c.log.Warn("jwks: serving keys past their TTL: refreshes are failing",
			"url", s.url, "expired_ago", now.Sub(s.expires), "usable_for", s.staleUntil.Sub(now))
	}
}

// emit passes ev to the OnEvent hook, if any.
func (c *Cache) emit(ev Event) {
	if c.onEvent != nil {
		c.onEvent(ev)
	}
}

// negKey hashes a missed lookup for the negative cache: the kid, or, for a
// token without kid, its alg. Hashing keeps nothing of the caller's string.
func (c *Cache) negKey(kid string, alg jws.Algorithm) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	if kid == "" {
		_ = h.WriteByte(byte(alg) + 1)
	} else {
		_ = h.WriteByte(0)
		_, _ = h.WriteString(kid)
	}
	return h.Sum64()
}

// negHas reports whether key was missed by a fetch of set generation gen
// less than one UnknownKIDCooldown ago. It takes no lock.
func (c *Cache) negHas(key, gen uint64, now time.Time) bool {
	n := c.neg.Load()
	if n == nil || n.gen != gen {
		return false
	}
	exp, ok := n.exp[key]
	return ok && now.Before(exp)
}

// negUpdateLocked publishes the negative cache after a fetch of set
// generation gen, made at fetched, did not find the keys absent. Each is
// remembered for one UnknownKIDCooldown from the fetch, no longer, so that
// a kid looked up before its key was published is looked for again by the
// next fetch the cooldown allows. Entries of other generations and expired
// ones are dropped; keys beyond NegativeCacheSize are not remembered. The
// caller holds mu.
func (c *Cache) negUpdateLocked(gen uint64, fetched time.Time, absent []uint64) {
	now := c.clock.Now()
	old := c.neg.Load()
	if old != nil && old.gen == gen && len(absent) == 0 {
		return // nothing to add; expired entries are ignored by negHas
	}
	m := make(map[uint64]time.Time, len(absent))
	if old != nil && old.gen == gen {
		for k, exp := range old.exp {
			if now.Before(exp) {
				m[k] = exp
			}
		}
	}
	if exp := fetched.Add(c.cfg.UnknownKIDCooldown); now.Before(exp) {
		for _, k := range absent {
			if len(m) >= c.cfg.NegativeCacheSize {
				break
			}
			m[k] = exp
		}
	}
	c.neg.Store(&cacheNegative{gen: gen, exp: m})
}

// Ready returns nil once the cache holds a usable key set. If it holds
// none (nothing loaded yet, or the last set is older than MaxStale), Ready
// starts a fetch at once, or joins the running one, and waits for it or
// for ctx. It is meant for readiness probes and startup; the error wraps
// the fetch error and matches [ErrKeysUnavailable].
func (c *Cache) Ready(ctx context.Context) error {
	if c.ctx.Err() != nil {
		return ErrClosed
	}
	if s := c.snap.Load(); s != nil && s.phase.Load() != cachePhaseDead && c.clock.Now().Before(s.staleUntil) {
		return nil
	}
	call := c.force()
	if call == nil {
		return ErrClosed
	}
	select {
	case <-call.done:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return ErrClosed
	}
	now := c.clock.Now()
	if s := c.snap.Load(); s != nil && now.Before(s.staleUntil) {
		return nil
	}
	return c.unavailable(now)
}

// Refresh fetches the key set now, bypassing the cooldown and backoff, or
// joins the fetch already running, and waits for it or for ctx. It returns
// the fetch's error (wrapping [ErrFetch], [ErrDiscovery] or
// [ErrInvalidKeySet]); the last good set keeps serving either way.
func (c *Cache) Refresh(ctx context.Context) error {
	call := c.force()
	if call == nil {
		return ErrClosed
	}
	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return ErrClosed
	}
}

// Contains reports whether k is in the current key set, by pointer
// identity (see [Source.Contains]). It is false for every key once the set
// is older than MaxStale, and after Close.
func (c *Cache) Contains(k *Key) bool {
	s := c.snap.Load()
	return s != nil && s.phase.Load() != cachePhaseDead && s.set.contains(k)
}

// Close stops the refresh goroutine, cancelling a fetch in flight, and
// waits for it to return. A closed cache holds no usable key: lookups
// answer an [*UnavailableError] wrapping [ErrClosed], Ready and Refresh
// return ErrClosed, Contains is false. Close is idempotent and always
// returns nil.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true // no snapshot is installed from now on
		if s := c.snap.Load(); s != nil {
			s.phase.Store(cachePhaseDead)
		}
		c.mu.Unlock()
		c.cancel()
		c.wg.Wait()
		c.mu.Lock()
		if c.next != nil {
			c.next.err = ErrClosed
			close(c.next.done)
			c.next = nil
			c.pending.Store(false)
			c.deferUntil.Store(0)
		}
		c.mu.Unlock()
		if c.own != nil {
			c.own.CloseIdleConnections()
		}
	})
	return nil
}
