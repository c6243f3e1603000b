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
//   - Unknown kid: a lookup for a kid the fresh set lacks starts a fetch,
//     shared by every concurrent lookup, if none started within the last
//     UnknownKIDCooldown, and otherwise schedules one for the end of the
//     cooldown. The lookup waits at most MaxWait, and not at all if the
//     fetch cannot start within MaxWait. A kid the fetch did not find
//     either is remembered (NegativeCacheSize) and answered at once until
//     the set changes or MinTTL passes.
//   - Worst case: a flood of distinct random kids costs the provider at
//     most one request per cooldown (5 s by default), and a key rotated in
//     during or right after the flood is picked up within one cooldown of
//     its first token.
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

	mu        sync.Mutex // guards the schedule below
	inflight  *cacheCall // the fetch running now
	next      *cacheCall // a fetch asked for and not started yet
	forced    bool       // next was asked for by Ready or Refresh: start it now
	started   bool       // a fetch has started
	lastStart time.Time  // when the last fetch started
	failures  int        // consecutive failed fetches
	retryAt   time.Time  // earliest retry after a failure
	refreshAt time.Time  // the next scheduled refresh after a success
	lastErr   error      // the last fetch's error, nil after a success
	closed    bool

	negMu  sync.Mutex
	neg    map[uint64]time.Time // hash of an absent kid → when the entry expires
	negGen uint64               // the snapshot generation neg belongs to
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
	misses []cacheMiss   // lookups waiting for it; guarded by Cache.mu
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
// policy described on [Cache] and waits at most MaxWait for it. Errors:
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
			// The fetch this lookup waited for succeeded without the kid.
			if miss.hash != 0 {
				c.negAdd(miss.hash, s.gen, now)
			}
			return nil, cacheLookupError(cacheMissing, kid, alg)
		}
		if waited != nil {
			break // the fetch failed
		}
		if fresh && miss.hash != 0 && c.negHas(miss.hash, s.gen, now) {
			c.emit(Event{Kind: EventNegativeHit, URL: s.url})
			return nil, ErrKeyNotFound
		}
		call, delay, changed := c.demand(now, s, miss)
		if changed {
			continue // a fetch installed a new set since s was read: look again
		}
		if call != nil && s != nil {
			c.emitUnknownKID(s.url, delay)
		}
		if call == nil || delay > c.cfg.MaxWait {
			break
		}
		t := c.clock.NewTimer(c.cfg.MaxWait)
		select {
		case <-call.done:
			waited = call
			t.Stop()
			continue // look in what the fetch installed
		case <-t.C():
		case <-c.ctx.Done():
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		break
	}
	now := c.clock.Now()
	if s := c.snap.Load(); s != nil && now.Before(s.expires) && s.phase.Load() != cachePhaseDead {
		return nil, cacheLookupError(cacheMissing, kid, alg)
	}
	return nil, c.unavailable(now)
}

// cacheMiss is a lookup that a fetch is asked to settle: if the fetch
// succeeds without finding it, it enters the negative cache.
type cacheMiss struct {
	hash    uint64 // 0: not to be remembered
	kidless bool
	alg     jws.Algorithm
}

// demand asks for a fetch on behalf of a lookup that missed in s, and
// returns the call to wait for and how long until it can start: the
// running fetch, or the next one, which the refresh goroutine starts once
// the cooldown and backoff allow. changed reports that another set than s
// is installed by now, so the lookup should look again instead. It returns
// a nil call after Close.
func (c *Cache) demand(now time.Time, s *cacheSnapshot, miss cacheMiss) (call *cacheCall, delay time.Duration, changed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, 0, false
	}
	call = c.inflight
	if call == nil {
		if c.snap.Load() != s {
			return nil, 0, true
		}
		if c.next == nil {
			c.next = &cacheCall{done: make(chan struct{})}
			c.poke()
		}
		call, delay = c.next, c.dueLocked(now).Sub(now)
	}
	if miss.hash != 0 && len(call.misses) < c.cfg.NegativeCacheSize {
		call.misses = append(call.misses, miss)
	}
	return call, delay, false
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
	if c.next == nil {
		c.next = &cacheCall{done: make(chan struct{})}
	}
	c.forced = true
	c.poke()
	return c.next
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
	c.emit(Event{Kind: EventFetchFailed, URL: ev.URL, Err: err, Duration: ev.Duration, Discovery: ev.Discovery, Status: fetchStatusOf(err)})
}

// fetch runs discovery when due and downloads the key set, installing a
// new snapshot on success. The Event it returns describes a success; its
// URL is set on failure too.
func (c *Cache) fetch(call *cacheCall) (Event, error) {
	url, err := c.jwksURL()
	if err != nil {
		return Event{URL: c.cfg.discoveryURL.String(), Discovery: true}, err
	}
	ev := Event{URL: url}
	old := c.snap.Load()
	var v fetchValidators
	if old != nil && old.url == url {
		v = old.validators
	}
	resp, err := c.get(url, v)
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
		ev.Status, ev.Unchanged = http.StatusOK, !resp.notModified
		if resp.notModified {
			ev.Status = http.StatusNotModified
		}
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
	ev.Status = http.StatusOK
	return ev, nil
}

// get downloads u within Timeout.
func (c *Cache) get(u string, v fetchValidators) (*fetchResponse, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
	defer cancel()
	return fetchDoc(ctx, c.client, u, v, c.cfg.MaxBodySize)
}

// install publishes a snapshot fresh for ttl from now. The lookups waiting
// for call whose kid the set lacks enter the negative cache first, so that
// no lookup sees the new set without them.
func (c *Cache) install(call *cacheCall, set *cacheSet, gen uint64, url string, v fetchValidators, sum [sha256.Size]byte, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	for _, m := range call.misses {
		if m.kidless {
			if _, r := set.lookup("", m.alg); r != cacheMissing {
				continue
			}
		} else if c.negInSet(set, m.hash) {
			continue
		}
		c.negAdd(m.hash, gen, now)
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

// emitUnknownKID reports a lookup that asked for a refresh, and whether
// the cooldown or backoff defers that refresh.
func (c *Cache) emitUnknownKID(url string, delay time.Duration) {
	if c.onEvent == nil {
		return
	}
	delay = max(delay, 0)
	c.onEvent(Event{Kind: EventUnknownKID, URL: url, Delay: delay})
	if delay > 0 {
		c.onEvent(Event{Kind: EventRefreshDeferred, URL: url, Delay: delay})
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

// negInSet reports whether a kid of set hashes to h.
func (c *Cache) negInSet(set *cacheSet, h uint64) bool {
	for kid := range set.byKID {
		if c.negKey(kid, 0) == h {
			return true
		}
	}
	return false
}

// negHas reports whether key was missed by a refresh of set generation
// gen less than MinTTL ago.
func (c *Cache) negHas(key, gen uint64, now time.Time) bool {
	c.negMu.Lock()
	defer c.negMu.Unlock()
	if c.negGen != gen {
		return false
	}
	exp, ok := c.neg[key]
	return ok && now.Before(exp)
}

// negAdd remembers that a refresh of set generation gen did not find key.
// Entries of older generations are dropped; when full, expired entries are
// purged and, if none were, the key is not remembered.
func (c *Cache) negAdd(key, gen uint64, now time.Time) {
	c.negMu.Lock()
	defer c.negMu.Unlock()
	if c.negGen != gen || c.neg == nil {
		c.neg, c.negGen = make(map[uint64]time.Time), gen
	}
	if len(c.neg) >= c.cfg.NegativeCacheSize {
		for k, exp := range c.neg {
			if !now.Before(exp) {
				delete(c.neg, k)
			}
		}
		if len(c.neg) >= c.cfg.NegativeCacheSize {
			return
		}
	}
	c.neg[key] = now.Add(c.cfg.MinTTL)
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
		}
		c.mu.Unlock()
		if c.own != nil {
			c.own.CloseIdleConnections()
		}
	})
	return nil
}
