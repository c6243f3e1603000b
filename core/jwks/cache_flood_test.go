package jwks_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// randomKID returns a fresh random kid.
func randomKID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// lookupAll looks up kids concurrently and returns their errors. It fails
// the test if the lookups have not all returned within 10 s of real time:
// the fake clock does not move meanwhile, so a lookup that waits for a
// fetch the cooldown defers (or for its MaxWait timer) never returns.
func lookupAll(t *testing.T, tc *testCache, kids []string) []error {
	t.Helper()
	errs := make([]error, len(kids))
	var wg sync.WaitGroup
	for i, kid := range kids {
		wg.Go(func() { _, errs[i] = tc.key(kid) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("lookups held: %d of them did not return without the clock moving", len(kids))
	}
	return errs
}

// Unknown kids whose fetch the cooldown defers are answered at once: no
// lookup waits, not even with a MaxWait of an hour, and the fetch runs at
// the end of the cooldown, once, for all of them.
func TestCacheUnknownKIDAnsweredAtOnce(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.MaxWait = time.Hour })
	tc.ready() // a fetch at 0:00: the cooldown runs until 0:05
	kids := make([]string, 1000)
	for i := range kids {
		kids[i] = randomKID()
	}
	for i, err := range lookupAll(t, tc, kids) {
		if !errors.Is(err, jwks.ErrKeyNotFound) || !strings.Contains(err.Error(), kids[i]) {
			t.Fatalf("lookup %d: %v", i, err)
		}
	}
	if n := tc.ev.count(jwks.EventRefreshDeferred); n != 1000 {
		t.Fatalf("%d refresh_deferred events, want 1000", n)
	}
	if n := clk.Timers(); n != 1 {
		t.Fatalf("%d timers pending, want only the refresh goroutine's: a lookup is waiting", n)
	}
	if n := tc.requests(); n != 1 {
		t.Fatalf("%d requests within the cooldown, want 1 (the first fetch)", n)
	}
	// The deferred fetch runs at the end of the cooldown, and only then.
	tc.quiet(cooldown - time.Millisecond)
	if ev := tc.fetchAfter(time.Millisecond); ev.Kind != jwks.EventNotModified {
		t.Fatalf("the deferred fetch: %+v", ev)
	}
	if at := idp.requests()[1]; !at.Equal(testStart.Add(cooldown)) {
		t.Fatalf("deferred fetch at %v, want at the end of the cooldown", at.Sub(testStart))
	}
	tc.quiet(time.Minute)
}

// The scenario on the fake clock: random kids arrive every 100 ms
// for a minute beside valid lookups, with a MaxWait of an hour. No lookup
// is held, the provider sees at most one request per cooldown, a key
// rotated in during the flood is accepted within one cooldown of its first
// token, and Close leaves no goroutine behind.
func TestCacheUnknownKIDFloodNotHeld(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	a := newECKey(t, "a")
	idp := newIdP(t, clk, a)
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.MaxWait = time.Hour })
	tc.ready()
	begin := clk.Now()
	const step = 100 * time.Millisecond
	var published, firstToken, accepted time.Time
	n := newECKey(t, "n")
	for clk.Now().Before(begin.Add(time.Minute)) {
		if published.IsZero() && !clk.Now().Before(begin.Add(22*time.Second+300*time.Millisecond)) {
			idp.setKeys(a, n)
			published = clk.Now()
		}
		kids := []string{"a"}
		for range 20 {
			kids = append(kids, randomKID())
		}
		if !published.IsZero() && accepted.IsZero() {
			kids = append(kids, "n")
			if firstToken.IsZero() {
				firstToken = clk.Now()
			}
		}
		errs := lookupAll(t, tc, kids)
		if errs[0] != nil {
			t.Fatalf("known kid at %v: %v", clk.Now().Sub(begin), errs[0])
		}
		for _, err := range errs[1:21] {
			wantErr(t, err, jwks.ErrKeyNotFound)
		}
		if len(errs) == 22 {
			if errs[21] == nil {
				accepted = clk.Now()
			} else {
				wantErr(t, errs[21], jwks.ErrKeyNotFound)
			}
		}
		clk.Advance(step)
		tc.park()
	}
	if accepted.IsZero() {
		t.Fatal("the rotated key was never accepted")
	}
	if d := accepted.Sub(firstToken); d > cooldown {
		t.Fatalf("rotated key accepted %v after its first token, more than one cooldown", d)
	}
	reqs := len(idp.requests()) - 1 // the first fetch was before begin
	if limit := int(time.Minute/cooldown) + 1; reqs > limit {
		t.Fatalf("%d requests in a minute of flood, more than one per cooldown (%d)", reqs, limit)
	}
	if tc.ev.count(jwks.EventRefreshDeferred) == 0 {
		t.Fatal("no lookup was deferred")
	}
	t.Logf("%d requests in a minute of flood; rotation accepted %v after its first token; %d lookups deferred, %d waited past the limit",
		reqs, accepted.Sub(firstToken), tc.ev.count(jwks.EventRefreshDeferred), tc.ev.count(jwks.EventWaitersFull))

	_ = tc.Close()
	for deadline := time.Now().Add(5 * time.Second); len(cacheGoroutines()) != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Close:\n%s", strings.Join(cacheGoroutines(), "\n\n"))
		}
		time.Sleep(time.Millisecond)
	}
}

// At most MaxWaiters lookups wait for a fetch, however slow the fetch;
// the others are answered at once and reported; the waiters leave at
// MaxWait, and Close leaves no goroutine behind.
func TestCacheMaxWaiters(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) {
		o.MaxWait = 2 * time.Second
		o.MaxWaiters = 4
		o.Timeout = time.Hour
	})
	tc.ready()
	tc.quiet(cooldown)
	arrived := make(chan struct{}, 1)
	idp.configure(func(idp *testIdP) { idp.fault, idp.arrived = faultHang, arrived })

	results := make(chan error, 10)
	go func() { _, err := tc.key(randomKID()); results <- err }() // starts the fetch
	<-arrived
	for range 9 {
		go func() { _, err := tc.key(randomKID()); results <- err }()
	}
	// Four wait (the first and three more); six are answered at once.
	for i := range 6 {
		select {
		case err := <-results:
			wantErr(t, err, jwks.ErrKeyNotFound)
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d lookups answered at once, want 6", i)
		}
	}
	if !clk.WaitForTimers(4, 10*time.Second) || clk.Timers() != 4 {
		t.Fatalf("%d lookups waiting, want 4", clk.Timers())
	}
	if n := tc.ev.count(jwks.EventWaitersFull); n != 6 {
		t.Fatalf("%d waiters_full events, want 6", n)
	}
	select {
	case err := <-results:
		t.Fatalf("a waiter returned before MaxWait: %v", err)
	default:
	}
	clk.Advance(2 * time.Second)
	for range 4 {
		select {
		case err := <-results:
			wantErr(t, err, jwks.ErrKeyNotFound)
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter stayed past MaxWait")
		}
	}
	_ = tc.Close()
	for deadline := time.Now().Add(5 * time.Second); len(cacheGoroutines()) != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left after Close:\n%s", strings.Join(cacheGoroutines(), "\n\n"))
		}
		time.Sleep(time.Millisecond)
	}
}

// A negative MaxWaiters means no lookup waits, not even on a cold cache;
// Ready still does.
func TestCacheNoWaiters(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	hold := make(chan struct{})
	idp.configure(func(idp *testIdP) {
		idp.route = func(_ http.ResponseWriter, r *http.Request) bool {
			<-hold
			return false
		}
	})
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) {
		o.MaxWait = time.Hour
		o.MaxWaiters = -1
	})
	errs := lookupAll(t, tc, []string{"a"})
	wantErr(t, errs[0], jwks.ErrKeysUnavailable)
	close(hold)
	tc.ready()
	tc.mustKey("a")
}
