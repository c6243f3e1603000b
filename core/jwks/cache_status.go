package jwks

import "time"

// CacheStatus is a point-in-time report of a [Cache], for health endpoints
// and gauges. Times are on the Cache's clock; zero times mean "never" or
// "not scheduled".
type CacheStatus struct {
	// Keys is the number of usable keys in the current set; 0 when no set
	// is usable (nothing loaded yet, older than MaxStale, or closed).
	Keys int
	// Fetched is when the current set was last fetched or confirmed
	// unchanged.
	Fetched time.Time
	// Expires is when the current set stops being fresh.
	Expires time.Time
	// StaleUntil is when the current set stops being usable at all.
	StaleUntil time.Time
	// Stale reports that the set is past Expires but still usable (within
	// MaxStale): refreshes are failing.
	Stale bool
	// NextRefresh is when the refresh goroutine will fetch next: the
	// scheduled refresh, a retry after a failure, or a deferred unknown-kid
	// refresh.
	NextRefresh time.Time
	// Failures counts the consecutive failed fetches.
	Failures int
	// LastError is the error of the last fetch, nil after a success.
	LastError error
	// Closed reports that Close was called.
	Closed bool
}

// Ready reports whether the status holds usable keys.
func (s CacheStatus) Ready() bool { return s.Keys > 0 && !s.Closed }

// Status reports the cache's state. It takes the cache's schedule lock
// briefly; call it from probes and metric collection, not per request.
func (c *Cache) Status() CacheStatus {
	now := c.clock.Now()
	c.mu.Lock()
	st := CacheStatus{
		Failures:    c.failures,
		LastError:   c.lastErr,
		Closed:      c.closed,
		NextRefresh: c.dueLocked(now),
	}
	c.mu.Unlock()
	if s := c.snap.Load(); s != nil {
		st.Fetched, st.Expires, st.StaleUntil = s.fetched, s.expires, s.staleUntil
		if s.phase.Load() != cachePhaseDead && now.Before(s.staleUntil) {
			st.Keys = len(s.set.keys)
			st.Stale = !now.Before(s.expires)
		}
	}
	if st.Closed {
		st.NextRefresh = time.Time{}
	}
	return st
}
