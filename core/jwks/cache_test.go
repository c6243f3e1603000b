package jwks_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

const cooldown = 5 * time.Second // the default UnknownKIDCooldown

// A new key is picked up without restart, an old key keeps verifying while
// it is published, and a removed key stops verifying at the next refresh.
func TestCacheRotation(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	a, b := newECKey(t, "a"), newECKey(t, "b")
	idp := newIdP(t, clk, a)
	tc := newTestCache(t, idp, nil)
	tc.ready()

	ka := tc.mustKey("a")
	if !tc.Contains(ka) {
		t.Fatal("Contains(a) = false for a published key")
	}
	// b is not published yet: not found at once, without waiting, since
	// the cooldown since the first fetch has not passed.
	_, err := tc.key("b")
	wantErr(t, err, jwks.ErrKeyNotFound)

	// The provider rotates b in. The miss above scheduled a fetch for the
	// end of the cooldown: b is picked up without any further request.
	idp.setKeys(a, b)
	ev := tc.fetchAfter(cooldown)
	if ev.Kind != jwks.EventFetched || ev.Added != 1 || ev.Removed != 0 || ev.Keys != 2 {
		t.Fatalf("rotation fetch: %+v", ev)
	}
	kb := tc.mustKey("b")
	if got := tc.mustKey("a"); got != ka {
		t.Fatal("an unchanged key lost its identity across a refresh")
	}

	// The provider removes a. The scheduled refresh (TTL 10 min, refresh
	// ahead 1 min) removes it from the cache.
	idp.setKeys(b)
	ev = tc.fetchAfter(9 * time.Minute)
	if ev.Kind != jwks.EventFetched || ev.Removed != 1 || ev.Added != 0 {
		t.Fatalf("removal fetch: %+v", ev)
	}
	_, err = tc.key("a")
	wantErr(t, err, jwks.ErrKeyNotFound)
	if tc.Contains(ka) {
		t.Fatal("Contains(a) = true after a left the set")
	}
	if !tc.Contains(kb) || tc.mustKey("b") != kb {
		t.Fatal("b changed identity or left the set")
	}
}

// 1,000 concurrent lookups of one unknown kid make exactly one request.
// Repeating the kid within the cooldown is answered from the negative
// cache, at once; the next fetch the cooldown allows looks for it again,
// and then nothing more happens.
func TestCacheUnknownKIDConcurrent(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) {
		o.MaxWait = 2 * time.Second
		o.MaxWaiters = 1000
	})
	tc.ready()
	tc.quiet(cooldown) // the cooldown since the first fetch has passed
	before := idp.jwksRequests.Load()

	lookups := func() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 1000)
		for range 1000 {
			wg.Go(func() {
				<-start
				_, err := tc.key("unknown")
				errs <- err
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			wantErr(t, err, jwks.ErrKeyNotFound)
		}
	}
	lookups()
	if n := idp.jwksRequests.Load() - before; n != 1 {
		t.Fatalf("1000 concurrent lookups made %d requests, want 1", n)
	}
	if n := tc.ev.count(jwks.EventWaitersFull); n != 0 {
		t.Fatalf("%d lookups refused a wait with MaxWaiters 1000", n)
	}
	tc.ev.want(t, jwks.EventNotModified)
	tc.park()

	// Within the cooldown, the negative cache answers the kid.
	hits := tc.ev.count(jwks.EventNegativeHit) // lookups of the first round that came after the fetch
	lookups()
	if n := tc.ev.count(jwks.EventNegativeHit) - hits; n != 1000 {
		t.Fatalf("%d negative-cache answers, want 1000", n)
	}
	if n := idp.jwksRequests.Load() - before; n != 1 {
		t.Fatalf("repeating the unknown kid within the cooldown made %d more requests, want 0", n-1)
	}
	// At the end of the cooldown one fetch looks for it again (it may have
	// been published since); after that, nothing.
	if ev := tc.fetchAfter(cooldown); ev.Kind != jwks.EventNotModified {
		t.Fatalf("fetch at the end of the cooldown: %+v", ev)
	}
	tc.quiet(cooldown)
	tc.quiet(time.Minute)
	if n := idp.jwksRequests.Load() - before; n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

// The stated worst case: a flood of 10,000 distinct random kids costs the
// provider at most one request per cooldown, and a key rotated in while the
// flood goes on is accepted within one cooldown of its first token.
func TestCacheUnknownKIDFlood(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	a := newECKey(t, "a")
	idp := newIdP(t, clk, a)
	tc := newTestCache(t, idp, nil)
	tc.ready()

	const step = 100 * time.Millisecond
	randomKID := func() string {
		var b [16]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	// flood sends n random kids concurrently, then moves time by one step
	// and waits for any fetch that started to finish.
	flood := func(n int) {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := tc.key(randomKID())
				if !errors.Is(err, jwks.ErrKeyNotFound) {
					t.Errorf("random kid: %v", err)
				}
			})
		}
		wg.Wait()
		clk.Advance(step)
		tc.park()
	}
	begin := clk.Now()
	sent := 0
	for sent < 9000 {
		flood(100)
		sent += 100
	}
	// Let any fetch the last step started report, so the count is settled.
	for len(tc.ev.ch) > 0 {
		<-tc.ev.ch
	}

	// Rotation: n appears while 1,000 more random kids arrive; tokens for n
	// arrive every step from now on.
	n := newECKey(t, "n")
	idp.setKeys(a, n)
	published := clk.Now()
	var accepted time.Time
	for accepted.IsZero() || sent < 10000 {
		if accepted.IsZero() {
			if _, err := tc.key("n"); err == nil {
				accepted = clk.Now()
			}
		}
		flood(100)
		sent += 100
		if clk.Now().Sub(published) > 10*cooldown {
			t.Fatal("the rotated key was never accepted")
		}
	}
	elapsed := clk.Now().Sub(begin)
	reqs := 0
	for _, at := range idp.requests() {
		if !at.Before(begin) {
			reqs++
		}
	}
	if limit := int(elapsed/cooldown) + 1; reqs > limit {
		t.Fatalf("%d random kids over %v made %d requests, more than one per cooldown (%d)", sent, elapsed, reqs, limit)
	}
	if d := accepted.Sub(published); d > cooldown {
		t.Fatalf("rotated key accepted %v after its first token, more than one cooldown", d)
	}
	t.Logf("%d random kids over %v of fake time: %d requests; rotation accepted after %v", sent, elapsed, reqs, accepted.Sub(published))
}

// A lookup never waits longer than MaxWait, even when the fetch it waits
// for hangs; the answer for a fresh set is then ErrKeyNotFound.
func TestCacheMaxWait(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) {
		o.MaxWait = 2 * time.Second
		o.Timeout = time.Minute
	})
	tc.ready()
	tc.quiet(cooldown)
	arrived := make(chan struct{}, 1)
	idp.configure(func(idp *testIdP) { idp.fault, idp.arrived = faultHang, arrived })

	done := make(chan error)
	go func() {
		_, err := tc.key("unknown")
		done <- err
	}()
	<-arrived // the fetch hangs; the refresh goroutine holds no timer now
	if !clk.WaitForTimers(1, 10*time.Second) {
		t.Fatal("the lookup did not start its MaxWait timer")
	}
	select {
	case err := <-done:
		t.Fatalf("lookup returned before MaxWait: %v", err)
	default:
	}
	clk.Advance(2 * time.Second)
	select {
	case err := <-done:
		wantErr(t, err, jwks.ErrKeyNotFound)
	case <-time.After(10 * time.Second):
		t.Fatal("lookup still waiting after MaxWait")
	}
	// A lookup whose fetch cannot start within MaxWait does not wait at
	// all: the hanging fetch is still running, so a new kid joins it...
	// unless its context ends first.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tc.Key(ctx, "other", jws.ES256); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled lookup: %v", err)
	}
}

// An IdP that refuses, hangs, fails, answers garbage, an oversized or an
// empty set keeps the service answering with the cached keys; unknown kids
// get ErrKeysUnavailable once the set is stale; beyond MaxStale every
// lookup does; and the cache recovers when the IdP does.
func TestCacheOutage(t *testing.T) {
	for _, f := range []fault{faultRefuse, faultHang, fault500, faultGarbage, faultOversize, faultHugeCL, faultSlow, faultEmpty, faultNoUsable} {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			clk := jwkstest.NewClock(testStart)
			idp := newIdP(t, clk, newECKey(t, "a"))
			tc := newTestCache(t, idp, outageOptions)
			tc.ready()
			want := jwks.ErrFetch
			if f == faultGarbage || f == faultEmpty || f == faultNoUsable {
				want = jwks.ErrInvalidKeySet
			}
			outage(t, tc, "a", 10*time.Minute, func(on bool) {
				if on {
					idp.setFault(f)
				} else {
					idp.setFault(faultNone)
				}
			}, want)
		})
	}
}

// outageOptions shorten timeouts and MaxStale for outage tests.
func outageOptions(o *jwks.CacheOptions) {
	o.Timeout = 200 * time.Millisecond
	o.MaxStale = 10 * time.Minute
	o.RetryMax = 5 * time.Minute
}

// outage runs an outage through a cache that has just loaded kid with a
// TTL of ttl and the options of outageOptions: fault(true) starts it,
// fault(false) ends it; failed fetches must match want.
func outage(t *testing.T, tc *testCache, kid string, ttl time.Duration, fault func(on bool), want error) {
	t.Helper()
	start := tc.clk.Now()
	known := tc.mustKey(kid)
	fault(true)

	// The refresh ahead of expiry fails; the set is still fresh.
	began := time.Now()
	ev := tc.fetchAfter(ttl - min(time.Minute, ttl/4))
	if ev.Kind != jwks.EventFetchFailed {
		t.Fatalf("refresh during outage: %+v", ev)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("a failing fetch took %v", d)
	}
	wantErr(t, ev.Err, want)
	if tc.mustKey(kid) != known {
		t.Fatal("key changed identity")
	}
	// Past expiry, retries keep failing: the known kid is served stale; an
	// unknown kid cannot be looked for.
	tc.runUntil(start.Add(ttl + time.Minute))
	if tc.mustKey(kid) != known || !tc.Contains(known) {
		t.Fatal("stale key not served")
	}
	if tc.ev.count(jwks.EventStaleServed) == 0 {
		t.Fatal("no stale_served event")
	}
	_, err := tc.key("unknown")
	wantErr(t, err, jwks.ErrKeysUnavailable)

	// Beyond MaxStale (10 min) nothing is served.
	tc.runUntil(start.Add(ttl + 11*time.Minute))
	_, err = tc.key(kid)
	var ue *jwks.UnavailableError
	if !errors.As(err, &ue) || ue.RetryAfter < time.Second || !errors.Is(ue.Err, want) {
		t.Fatalf("beyond MaxStale: %v", err)
	}
	if tc.Contains(known) {
		t.Fatal("Contains true beyond MaxStale")
	}
	if n := tc.ev.count(jwks.EventFetched) + tc.ev.count(jwks.EventNotModified); n != 1 {
		t.Fatalf("%d successful fetches during the outage", n-1)
	}

	// Recovery, at the next retry (at most RetryMax, 5 min).
	fault(false)
	tc.runUntil(tc.clk.Now().Add(5 * time.Minute))
	if tc.mustKey(kid) != known {
		t.Fatal("key changed identity across the outage")
	}
}

// With the IdP down, NewCache succeeds, lookups answer ErrKeysUnavailable
// with a Retry-After, and the cache recovers when the IdP returns.
func TestCacheColdStart(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	idp.setFault(faultRefuse)
	tc := newTestCache(t, idp, nil)

	ev := tc.ev.want(t, jwks.EventFetchFailed) // the first fetch, at once
	tc.park()
	_, err := tc.key("a")
	var ue *jwks.UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("cold start lookup: %v", err)
	}
	if ue.RetryAfter < 5*time.Second || ue.RetryAfter > 10*time.Second {
		t.Fatalf("RetryAfter = %v, want the first backoff, within [5s, 10s]", ue.RetryAfter)
	}
	wantErr(t, err, jwks.ErrFetch)
	wantErr(t, ev.Err, jwks.ErrFetch)
	err = tc.Ready(context.Background())
	wantErr(t, err, jwks.ErrKeysUnavailable)
	tc.ev.want(t, jwks.EventFetchFailed)
	tc.park()

	idp.setFault(faultNone)
	tc.fetchAfter(time.Minute)
	tc.mustKey("a")
	if err := tc.Ready(context.Background()); err != nil {
		t.Fatalf("Ready after recovery: %v", err)
	}
}

// Retries back off exponentially with full jitter within [RetryMin,
// RetryMax], never closer than the cooldown.
func TestCacheBackoff(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	idp.setFault(fault500)
	tc := newTestCache(t, idp, nil)
	tc.ev.want(t, jwks.EventFetchFailed)
	tc.park()
	for clk.Now().Before(testStart.Add(10 * time.Minute)) {
		clk.Advance(time.Second)
		tc.park()
	}
	times := idp.requests()
	if len(times) < 8 || len(times) > 40 {
		t.Fatalf("%d requests in 10 minutes of outage", len(times))
	}
	cap := 5 * time.Second
	long := false
	for i := 1; i < len(times); i++ {
		cap = min(2*cap, time.Minute)
		gap := times[i].Sub(times[i-1])
		// The clock moves in 1 s steps: a gap can overshoot by up to 1 s.
		if gap < 5*time.Second || gap > cap+time.Second {
			t.Fatalf("retry %d after %v, want within [5s, %v]", i, gap, cap)
		}
		long = long || gap > 20*time.Second
	}
	if !long {
		t.Fatal("backoff never grew beyond 20s")
	}
}

// Refreshes are scheduled RefreshAhead before expiry minus a random jitter,
// so a fleet started together spreads its refreshes.
func TestCacheRefreshJitter(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	const fleet = 8
	for range fleet {
		tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.Jitter = 0 }) // default: 1 min
		tc.ready()
	}
	if !clk.WaitForTimers(fleet, 10*time.Second) {
		t.Fatal("fleet did not park")
	}
	first := len(idp.requests())
	// TTL 10 min: refreshes fall within [8 min, 9 min].
	clk.Advance(8*time.Minute - time.Second)
	if n := len(idp.requests()); n != first {
		t.Fatalf("%d refreshes before expiry - ahead - jitter", n-first)
	}
	for clk.Now().Before(testStart.Add(9 * time.Minute)) {
		clk.Advance(time.Second)
		if !clk.WaitForTimers(fleet, 10*time.Second) {
			t.Fatal("fleet did not park")
		}
	}
	times := idp.requests()[first:]
	if len(times) != fleet {
		t.Fatalf("%d refreshes, want %d", len(times), fleet)
	}
	distinct := map[time.Time]bool{}
	for _, at := range times {
		if at.Before(testStart.Add(8*time.Minute)) || at.After(testStart.Add(9*time.Minute)) {
			t.Fatalf("refresh at %v, outside [8m, 9m]", at.Sub(testStart))
		}
		distinct[at] = true
	}
	if len(distinct) < fleet/2 {
		t.Fatalf("refreshes in lockstep: %d distinct times of %d", len(distinct), fleet)
	}
}

// A 304 extends the set's freshness without parsing it again; so does an
// unchanged body without validators.
func TestCacheConditional(t *testing.T) {
	for _, mode := range []string{"etag", "last-modified", "same-body"} {
		t.Run(mode, func(t *testing.T) {
			clk := jwkstest.NewClock(testStart)
			idp := newIdP(t, clk, newECKey(t, "a"))
			idp.configure(func(idp *testIdP) {
				idp.etag = mode == "etag"
				if mode == "last-modified" {
					idp.lastMod = testStart.Add(-time.Hour).Format(http.TimeFormat)
				}
				idp.header.Set("Cache-Control", "max-age=120")
			})
			tc := newTestCache(t, idp, nil)
			tc.ready()
			idp.setHeader("Cache-Control", "max-age=300")
			// TTL 2 min: refresh at 1m30s (ahead capped at a quarter).
			ev := tc.fetchAfter(90 * time.Second)
			if ev.Kind != jwks.EventNotModified || ev.TTL != 5*time.Minute {
				t.Fatalf("revalidation: %+v", ev)
			}
			if n := tc.ev.count(jwks.EventFetched); n != 1 {
				t.Fatalf("set parsed %d times, want 1", n)
			}
			switch mode {
			case "etag":
				if idp.ifNoneMatch.Load() != 1 {
					t.Fatal("no If-None-Match sent")
				}
			case "last-modified":
				if idp.ifModifiedSince.Load() != 1 {
					t.Fatal("no If-Modified-Since sent")
				}
			}
			// The original TTL has passed, the extended one has not: the
			// key is served fresh, not stale, with the IdP down.
			idp.setFault(fault500)
			tc.quiet(2 * time.Minute)
			tc.mustKey("a")
			if tc.ev.count(jwks.EventStaleServed) != 0 {
				t.Fatal("served stale within the extended TTL")
			}
		})
	}
}

// Cache-Control max-age and Expires set the TTL, clamped to [MinTTL,
// MaxTTL]; DefaultTTL applies when neither is sent.
func TestCacheTTL(t *testing.T) {
	for _, tt := range []struct {
		name    string
		headers map[string]string
		expires time.Duration // Expires = Date + expires, when non-zero
		want    time.Duration
	}{
		{"absent", nil, 0, 10 * time.Minute},
		{"max-age", map[string]string{"Cache-Control": "public, max-age=900"}, 0, 15 * time.Minute},
		{"below min", map[string]string{"Cache-Control": "max-age=5"}, 0, time.Minute},
		{"above max", map[string]string{"Cache-Control": "max-age=604800"}, 0, time.Hour},
		{"no-store", map[string]string{"Cache-Control": "no-store"}, 0, time.Minute},
		{"no-cache", map[string]string{"Cache-Control": "no-cache, max-age=600"}, 0, time.Minute},
		{"age", map[string]string{"Cache-Control": "max-age=600", "Age": "100"}, 0, 500 * time.Second},
		{"expires", nil, 300 * time.Second, 5 * time.Minute},
		{"expires above max", nil, 48 * time.Hour, time.Hour},
		{"max-age wins", map[string]string{"Cache-Control": "max-age=240"}, 48 * time.Hour, 4 * time.Minute},
		{"invalid expires", map[string]string{"Expires": "0"}, 0, time.Minute},
		{"bad max-age", map[string]string{"Cache-Control": "max-age=soon"}, 0, 10 * time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := jwkstest.NewClock(testStart)
			idp := newIdP(t, clk, newECKey(t, "a"))
			for k, v := range tt.headers {
				idp.setHeader(k, v)
			}
			if tt.expires != 0 {
				now := time.Now().UTC()
				idp.setHeader("Date", now.Format(http.TimeFormat))
				idp.setHeader("Expires", now.Add(tt.expires).Format(http.TimeFormat))
			}
			tc := newTestCache(t, idp, nil)
			if err := tc.Ready(context.Background()); err != nil {
				t.Fatal(err)
			}
			if ev := tc.ev.want(t, jwks.EventFetched); ev.TTL != tt.want {
				t.Fatalf("TTL %v, want %v", ev.TTL, tt.want)
			}
			tc.park()
			// Fresh until the TTL ends: with the IdP down, an unknown kid
			// is "not found" just before and "unavailable" just after.
			idp.setFault(fault500)
			clk.Set(testStart.Add(tt.want - time.Second))
			tc.park()
			drain(tc)
			_, err := tc.key("unknown")
			wantErr(t, err, jwks.ErrKeyNotFound)
			clk.Set(testStart.Add(tt.want + time.Second))
			tc.park()
			drain(tc)
			_, err = tc.key("unknown")
			wantErr(t, err, jwks.ErrKeysUnavailable)
		})
	}
}

// drain waits until no fetch is running and discards the events so far.
func drain(tc *testCache) {
	tc.park()
	for len(tc.ev.ch) > 0 {
		<-tc.ev.ch
	}
}

// A known kid with an algorithm its key does not verify is not found, and
// asks for no fetch.
func TestCacheAlgorithmMismatch(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"), newECKey(t, "b", "alg", "ES256"))
	tc := newTestCache(t, idp, nil)
	tc.ready()
	tc.quiet(cooldown)
	for _, alg := range []jws.Algorithm{jws.RS256, jws.ES384, jws.HS256, jws.None, jws.Unknown} {
		if _, err := tc.Key(context.Background(), "a", alg); !errors.Is(err, jwks.ErrKeyNotFound) {
			t.Fatalf("a with %v: %v", alg, err)
		}
	}
	tc.quiet(cooldown)
	if n := idp.jwksRequests.Load(); n != 1 {
		t.Fatalf("%d requests, want 1: a mismatched alg must not trigger a fetch", n)
	}
}

// Kid-less lookups and duplicate kids: one fitting key is returned, several
// with different material are ambiguous.
func TestCacheAmbiguity(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	a, a2 := newECKey(t, "dup"), newECKey(t, "dup")
	rsaDup := newTestKey(t, "dup2", rsaKey(t, 0))
	ecDup := newECKey(t, "dup2")
	idp := newIdP(t, clk, a, a2, rsaDup, ecDup)
	tc := newTestCache(t, idp, nil)
	tc.ready()
	_, err := tc.key("dup")
	wantErr(t, err, jwks.ErrKeyAmbiguous)
	// The same kid on an RSA and an EC key: the alg tells them apart.
	if k, err := tc.Key(context.Background(), "dup2", jws.RS256); err != nil || k.Thumbprint != mustKey(t, rsaDup).Thumbprint {
		t.Fatalf("dup2 RS256: %v", err)
	}
	if k, err := tc.Key(context.Background(), "dup2", jws.ES256); err != nil || k.Thumbprint != mustKey(t, ecDup).Thumbprint {
		t.Fatalf("dup2 ES256: %v", err)
	}
	// Without a kid: three EC keys fit ES256, one RSA key fits PS256.
	_, err = tc.key("")
	wantErr(t, err, jwks.ErrKeyAmbiguous)
	if k, err := tc.Key(context.Background(), "", jws.PS256); err != nil || k.ID != "dup2" {
		t.Fatalf("kid-less PS256: %v", err)
	}
}

// The discovery document's issuer must equal the configured issuer; its
// jwks_uri must be https or loopback; it is cached like the keys.
func TestCacheDiscovery(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		clk := jwkstest.NewClock(testStart)
		idp := newIdP(t, clk, newECKey(t, "a"))
		tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.URL, o.Issuer = "", idp.srv.URL })
		tc.ready()
		tc.mustKey("a")
		tc.fetchAfter(9 * time.Minute)
		if n := idp.discRequests.Load(); n != 1 {
			t.Fatalf("%d discovery requests within its TTL, want 1", n)
		}
		tc.fetchAfter(9 * time.Minute) // discovery expired at 10 min
		if n := idp.discRequests.Load(); n != 2 {
			t.Fatalf("%d discovery requests after its TTL, want 2", n)
		}
	})
	t.Run("trailing slash", func(t *testing.T) {
		clk := jwkstest.NewClock(testStart)
		idp := newIdP(t, clk, newECKey(t, "a"))
		idp.configure(func(idp *testIdP) { idp.issuer = idp.srv.URL + "/" })
		tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.URL, o.Issuer = "", idp.srv.URL+"/" })
		tc.ready()
	})
	for _, tt := range []struct {
		name    string
		issuer  string
		jwksURI string
		want    error
	}{
		{"issuer mismatch", "https://evil.example", "", jwks.ErrDiscovery},
		{"issuer case", "HTTP://127.0.0.1", "", jwks.ErrDiscovery},
		{"insecure jwks_uri", "", "http://keys.example/jwks", jwks.ErrInsecureURL},
		{"relative jwks_uri", "", "/jwks", jwks.ErrInsecureURL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := jwkstest.NewClock(testStart)
			idp := newIdP(t, clk, newECKey(t, "a"))
			idp.configure(func(idp *testIdP) { idp.issuer, idp.jwksURI = tt.issuer, tt.jwksURI })
			tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.URL, o.Issuer = "", idp.srv.URL })
			err := tc.Refresh(context.Background())
			wantErr(t, err, jwks.ErrDiscovery)
			wantErr(t, err, tt.want)
			err = tc.Ready(context.Background())
			wantErr(t, err, jwks.ErrKeysUnavailable)
			wantErr(t, err, jwks.ErrDiscovery)
			if idp.jwksRequests.Load() != 0 {
				t.Fatal("keys fetched despite failed discovery")
			}
		})
	}
}

// A redirect to another origin is refused, with the default client and
// with the caller's; a same-origin redirect is followed.
func TestCacheRedirect(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	other := newIdP(t, clk, newECKey(t, "evil"))
	// front redirects /same to its own /jwks and /cross to other's.
	front := newIdP(t, clk, newECKey(t, "front"))
	front.configure(func(f *testIdP) {
		f.route = func(w http.ResponseWriter, r *http.Request) bool {
			switch r.URL.Path {
			case "/same":
				http.Redirect(w, r, "/jwks", http.StatusFound)
			case "/cross":
				http.Redirect(w, r, other.URL(), http.StatusFound)
			default:
				return false
			}
			return true
		}
	})
	callerClient := &http.Client{}
	for _, client := range []*http.Client{nil, callerClient} {
		name := "default client"
		if client != nil {
			name = "caller's client"
		}
		t.Run(name, func(t *testing.T) {
			tc := newTestCache(t, front, func(o *jwks.CacheOptions) { o.URL, o.HTTPClient = front.srv.URL+"/cross", client })
			err := tc.Refresh(context.Background())
			wantErr(t, err, jwks.ErrCrossOriginRedirect)
			wantErr(t, err, jwks.ErrFetch)
			if other.jwksRequests.Load() != 0 {
				t.Fatal("the other origin was contacted")
			}
			tc = newTestCache(t, front, func(o *jwks.CacheOptions) { o.URL, o.HTTPClient = front.srv.URL+"/same", client })
			if err := tc.Refresh(context.Background()); err != nil {
				t.Fatalf("same-origin redirect: %v", err)
			}
		})
	}
	if callerClient.CheckRedirect != nil {
		t.Fatal("the caller's client was modified")
	}
}

// http URLs are refused unless the host is loopback or InsecureAllowHTTP
// is set; the options are validated.
func TestNewCacheValidation(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    jwks.CacheOptions
		want error // nil: valid
	}{
		{"https", jwks.CacheOptions{URL: "https://idp.example/jwks"}, nil},
		{"http", jwks.CacheOptions{URL: "http://idp.example/jwks"}, jwks.ErrInsecureURL},
		{"http issuer", jwks.CacheOptions{Issuer: "http://idp.example"}, jwks.ErrInsecureURL},
		{"http insecure", jwks.CacheOptions{URL: "http://idp.example/jwks", InsecureAllowHTTP: true}, nil},
		{"http 127.0.0.1", jwks.CacheOptions{URL: "http://127.0.0.1:8080/jwks"}, nil},
		{"http 127.1.2.3", jwks.CacheOptions{URL: "http://127.1.2.3/jwks"}, nil},
		{"http ::1", jwks.CacheOptions{URL: "http://[::1]:8080/jwks"}, nil},
		{"http localhost", jwks.CacheOptions{URL: "http://LocalHost:8080/jwks"}, nil},
		{"http localhost.evil", jwks.CacheOptions{URL: "http://localhost.evil.example/jwks"}, jwks.ErrInsecureURL},
		{"ftp", jwks.CacheOptions{URL: "ftp://idp.example/jwks", InsecureAllowHTTP: true}, jwks.ErrInsecureURL},
		{"relative", jwks.CacheOptions{URL: "/jwks"}, jwks.ErrInsecureURL},
		{"none", jwks.CacheOptions{}, errAny},
		{"both", jwks.CacheOptions{URL: "https://a.example/jwks", Issuer: "https://a.example"}, errAny},
		{"min above max", jwks.CacheOptions{URL: "https://a.example/jwks", MinTTL: 2 * time.Hour}, errAny},
		{"negative", jwks.CacheOptions{URL: "https://a.example/jwks", MaxWait: -1}, errAny},
		{"retry", jwks.CacheOptions{URL: "https://a.example/jwks", RetryMin: 2 * time.Minute}, errAny},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Clock = jwkstest.NewClock(testStart)
			tt.o.HTTPClient = offline // the first fetch starts at once: keep it off the network
			c, err := jwks.NewCache(tt.o)
			if c != nil {
				defer c.Close()
			}
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("NewCache: %v", err)
			case tt.want == nil:
			case err == nil:
				t.Fatal("NewCache accepted invalid options")
			case tt.want != errAny && !errors.Is(err, tt.want):
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

// offline is an HTTP client that fails every request without a network.
var offline = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
	return nil, errors.New("offline")
})}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Close stops every goroutine, also with a fetch in flight and lookups
// waiting, and the cache refuses further work.
func TestCacheClose(t *testing.T) {
	base := runtimeGoroutines()
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) {
		o.MaxWait = time.Hour
		o.Timeout = time.Hour
	})
	tc.ready()
	ka := tc.mustKey("a")
	tc.quiet(cooldown)
	arrived := make(chan struct{}, 1)
	idp.configure(func(idp *testIdP) { idp.fault, idp.arrived = faultHang, arrived })
	waiting := make(chan error)
	go func() {
		_, err := tc.key("unknown")
		waiting <- err
	}()
	<-arrived
	closed := make(chan struct{})
	go func() { _ = tc.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with a fetch in flight")
	}
	if err := <-waiting; !errors.Is(err, jwks.ErrKeysUnavailable) || !errors.Is(err, jwks.ErrClosed) {
		t.Fatalf("lookup waiting during Close: %v", err)
	}
	// A goroutine that has signalled it is done may still be on its way
	// out: poll briefly, as goleak does.
	for deadline := time.Now().Add(5 * time.Second); len(cacheGoroutines()) != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Close:\n%s", strings.Join(cacheGoroutines(), "\n\n"))
		}
		time.Sleep(time.Millisecond)
	}
	wantErr(t, tc.Refresh(context.Background()), jwks.ErrClosed)
	wantErr(t, tc.Ready(context.Background()), jwks.ErrClosed)
	for _, kid := range []string{"a", "other"} {
		_, err := tc.key(kid)
		wantErr(t, err, jwks.ErrKeysUnavailable)
		wantErr(t, err, jwks.ErrClosed)
	}
	if tc.Contains(ka) {
		t.Fatal("Contains true after Close")
	}
	if err := tc.Close(); err != nil {
		t.Fatal(err)
	}
	// Everything this test started, servers included, is gone.
	idp.srv.CloseClientConnections()
	idp.srv.Close()
	deadline := time.Now().Add(10 * time.Second)
	for runtimeGoroutines() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtimeGoroutines(), base, allStacks())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A lookup on a cache that holds nothing joins the first fetch.
func TestCacheFirstLookupWaits(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.MaxWait = time.Hour })
	tc.mustKey("a")
	if n := idp.jwksRequests.Load(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// Refresh fetches now, bypassing the cooldown, and reports the error.
func TestCacheRefresh(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	tc := newTestCache(t, idp, nil)
	tc.ready()
	idp.setKeys(newECKey(t, "b"))
	if err := tc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	tc.mustKey("b")
	idp.setFault(faultGarbage)
	err := tc.Refresh(context.Background())
	wantErr(t, err, jwks.ErrInvalidKeySet)
	tc.mustKey("b")
}

// The negative cache holds at most NegativeCacheSize kids, each for one
// cooldown from the fetch that missed it and only while the set is
// unchanged; a remembered kid is answered at once and the next fetch the
// cooldown allows is scheduled, to look for it again.
func TestCacheNegativeCache(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	a := newECKey(t, "a")
	idp := newIdP(t, clk, a)
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) {
		o.MaxWait = 2 * time.Second
		o.NegativeCacheSize = 2
	})
	tc.ready()
	tc.quiet(cooldown) // 0:05
	miss := func(kid string) {
		t.Helper()
		_, err := tc.key(kid)
		wantErr(t, err, jwks.ErrKeyNotFound)
	}
	counts := func(negative, deferred int64) {
		t.Helper()
		if n := tc.ev.count(jwks.EventNegativeHit); n != negative {
			t.Fatalf("%d negative-cache answers, want %d", n, negative)
		}
		if n := tc.ev.count(jwks.EventRefreshDeferred); n != deferred {
			t.Fatalf("%d deferred lookups, want %d", n, deferred)
		}
	}

	// k1 starts a fetch (the cooldown has passed), which the server holds
	// until k2 and k3 have joined it.
	hold := make(chan struct{})
	arrived := make(chan struct{}, 1)
	idp.configure(func(idp *testIdP) {
		idp.route = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == "/jwks" {
				arrived <- struct{}{}
				<-hold
			}
			return false
		}
	})
	var wg sync.WaitGroup
	wg.Go(func() { miss("k1") })
	<-arrived
	for i, kid := range []string{"k2", "k3"} {
		wg.Go(func() { miss(kid) })
		if !clk.WaitForTimers(i+2, 10*time.Second) { // their MaxWait timers
			t.Fatalf("%s is not waiting for the fetch", kid)
		}
	}
	idp.configure(func(idp *testIdP) { idp.route = nil })
	close(hold)
	wg.Wait()
	tc.ev.want(t, jwks.EventNotModified)
	tc.park()
	// k1 and k2 are remembered until 0:10; k3 did not fit.
	miss("k1")
	miss("k2")
	counts(2, 0)
	miss("k3")
	counts(2, 1)
	if n := tc.requests(); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	// The next fetch looks for them again, at the end of the cooldown;
	// their entries end with it.
	tc.fetchAfter(cooldown) // 0:10
	miss("k1")
	counts(2, 2)
	// k1 asked for the fetch at 0:15, which remembers it until 0:20.
	tc.fetchAfter(cooldown)
	miss("k1")
	counts(3, 2)

	// A change of the key set forgets every kid at once.
	idp.setKeys(a, newECKey(t, "new"))
	if err := tc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ev := tc.ev.want(t, jwks.EventFetched); ev.Added != 1 {
		t.Fatalf("rotation: %+v", ev)
	}
	tc.park()
	miss("k1")
	counts(3, 3)
}
