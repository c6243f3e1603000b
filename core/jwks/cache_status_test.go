package jwks_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// TestCacheEventsForTelemetry follows the events and Status a telemetry
// consumer reads: discovery, a load, an unknown kid deferred by the
// cooldown, the deferred refresh, a negative-cache hit, a failed fetch
// with its HTTP status.
func TestCacheEventsForTelemetry(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAlgorithms(jws.ES256))
	tc := newKitCache(t, iss, clk, nil)

	if st := tc.Status(); st.Ready() || st.Keys != 0 || !st.Fetched.IsZero() {
		t.Errorf("before the first load: %+v", st)
	}
	tc.ready()
	if n := tc.ev.count(jwks.EventDiscovered); n != 1 {
		t.Errorf("%d discovery events, want 1", n)
	}
	st := tc.Status()
	if !st.Ready() || st.Keys != 1 || st.Stale || !st.Fetched.Equal(clk.Now()) || !st.NextRefresh.After(clk.Now()) ||
		st.LastError != nil || st.Failures != 0 || st.Closed {
		t.Errorf("after the load: %+v", st)
	}

	// An unknown kid right after the load: the cooldown defers the refresh.
	if _, err := tc.key("rotated-in"); !errors.Is(err, jwks.ErrKeyNotFound) {
		t.Fatalf("unknown kid: %v", err)
	}
	if u, d := tc.ev.count(jwks.EventUnknownKID), tc.ev.count(jwks.EventRefreshDeferred); u != 1 || d != 1 {
		t.Errorf("unknown kid: %d unknown-kid and %d deferred events, want 1 and 1", u, d)
	}
	if st := tc.Status(); !st.NextRefresh.Equal(clk.Now().Add(5 * time.Second)) {
		t.Errorf("next refresh %v, want the end of the cooldown", st.NextRefresh.Sub(clk.Now()))
	}
	// The deferred refresh finds the same bytes; the kid enters the
	// negative cache, and the next lookup is answered from it.
	if ev := tc.fetchAfter(5 * time.Second); ev.Kind != jwks.EventNotModified || ev.Status == 0 {
		t.Fatalf("deferred refresh: %+v", ev)
	}
	if _, err := tc.key("rotated-in"); !errors.Is(err, jwks.ErrKeyNotFound) {
		t.Fatalf("unknown kid again: %v", err)
	}
	if n := tc.ev.count(jwks.EventNegativeHit); n != 1 {
		t.Errorf("%d negative-cache hits, want 1", n)
	}

	// A failed fetch carries the HTTP status; Status reports the error.
	if err := iss.SetJWKSFault(jwkstest.Fault500); err != nil {
		t.Fatal(err)
	}
	if err := tc.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh succeeded against a 500")
	}
	if ev := tc.ev.next(t); ev.Kind != jwks.EventFetchFailed || ev.Status != http.StatusInternalServerError || ev.Discovery {
		t.Errorf("failed fetch: %+v", ev)
	}
	if st := tc.Status(); st.LastError == nil || st.Failures != 1 || !st.Ready() {
		t.Errorf("after a failure: %+v", st)
	}
	_ = tc.Close()
	if st := tc.Status(); st.Ready() || !st.Closed || !st.NextRefresh.IsZero() {
		t.Errorf("after Close: %+v", st)
	}
}
