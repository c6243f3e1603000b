package jwks

import "time"

// EventKind says what an [Event] reports.
type EventKind uint8

// The events a [Cache] reports through CacheOptions.OnEvent.
const (
	// EventFetched: a new key set was downloaded, parsed and installed.
	// Keys, Added, Removed, TTL and Duration are set; Added or Removed
	// above zero is a rotation.
	EventFetched EventKind = iota + 1
	// EventNotModified: the provider answered 304 Not Modified, or sent
	// the same bytes again. The set's freshness was extended to TTL and
	// nothing was parsed.
	EventNotModified
	// EventFetchFailed: a fetch failed (Err); the previous set, if any,
	// keeps serving. Also reported for a failed discovery when the
	// previous jwks_uri is used instead.
	EventFetchFailed
	// EventKeySkipped: a key of a downloaded set could not be used; Err is
	// a [*KeyError].
	EventKeySkipped
	// EventStaleServed: a lookup was answered from a set past its TTL,
	// within MaxStale, because refreshes are failing. Reported once per
	// lookup, from the request path.
	EventStaleServed
	// EventRefreshDeferred: a lookup of a kid the set lacks was answered
	// at once (ErrKeyNotFound, or ErrKeysUnavailable without a usable
	// set) because the cooldown or the retry backoff defers the next
	// fetch; that fetch is scheduled, Wait from now. Reported once per
	// lookup, from the request path: under a flood of unknown kids, most
	// lookups report it.
	EventRefreshDeferred
	// EventWaitersFull: a lookup that could have waited for a fetch was
	// answered at once because MaxWaiters lookups were waiting already.
	// Reported once per lookup, from the request path.
	EventWaitersFull
	// EventNegativeHit: a lookup was answered ErrKeyNotFound at once
	// because a fetch less than one UnknownKIDCooldown ago did not find its
	// kid (the negative cache); the next fetch the cooldown allows is
	// scheduled. Reported once per lookup, from the request path.
	EventNegativeHit
)

// String returns the kind's name, such as "fetched".
func (k EventKind) String() string {
	switch k {
	case EventFetched:
		return "fetched"
	case EventNotModified:
		return "not_modified"
	case EventFetchFailed:
		return "fetch_failed"
	case EventKeySkipped:
		return "key_skipped"
	case EventStaleServed:
		return "stale_served"
	case EventRefreshDeferred:
		return "refresh_deferred"
	case EventWaitersFull:
		return "waiters_full"
	case EventNegativeHit:
		return "negative_hit"
	}
	return "unknown"
}

// Event is one observation of a [Cache], for metrics and tests. Fields that
// do not apply to a Kind are zero.
type Event struct {
	// Kind says what happened.
	Kind EventKind
	// URL is the JWKS URL concerned (the discovery URL for a failed
	// discovery).
	URL string
	// Err is the error of EventFetchFailed and EventKeySkipped.
	Err error
	// Keys is the number of usable keys in the set now.
	Keys int
	// Added and Removed count the keys that appeared in and left the set
	// with this fetch.
	Added, Removed int
	// TTL is the freshness granted to the set by this fetch.
	TTL time.Duration
	// Duration is how long the fetch took, in real time.
	Duration time.Duration
	// Age is, for EventStaleServed, how long ago the set expired.
	Age time.Duration
	// Wait is, for EventRefreshDeferred, how long until the scheduled
	// fetch may start.
	Wait time.Duration
}
