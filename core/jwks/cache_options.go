package jwks

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
)

// The defaults of [CacheOptions], with the reasoning in docs/caching.md
// and docs/decisions/0005-jwks-cache-defaults.md.
const (
	defaultMinTTL             = time.Minute
	defaultMaxTTL             = time.Hour
	defaultTTL                = 10 * time.Minute
	defaultRefreshAhead       = time.Minute
	defaultJitter             = time.Minute
	defaultUnknownKIDCooldown = 5 * time.Second
	defaultMaxWait            = 2 * time.Second
	defaultMaxWaiters         = 256
	defaultNegativeCacheSize  = 1024
	defaultMaxStale           = 24 * time.Hour
	defaultRetryMin           = 5 * time.Second
	defaultRetryMax           = time.Minute
	defaultMaxBodySize        = 1 << 20
	defaultTimeout            = 10 * time.Second
	// defaultConnectTimeout bounds dialing and the TLS handshake of the
	// default client, within Timeout.
	defaultConnectTimeout = 5 * time.Second
)

// CacheOptions configures a [Cache]. It is plain data: every zero value
// means the documented default, and [NewCache] validates the whole.
//
// Exactly one of Issuer and URL must be set.
type CacheOptions struct {
	// Issuer is the OpenID Connect issuer whose keys to cache. The JWKS
	// URL is found through discovery, at Issuer (without a trailing "/")
	// followed by "/.well-known/openid-configuration"; the document's
	// "issuer" must equal Issuer exactly, and its "jwks_uri" must pass the
	// same URL rules as URL. The discovery document is cached and
	// refreshed like the key set, with its own TTL.
	Issuer string

	// URL is the JWKS URL, for providers without discovery or to skip it.
	// It must be https, unless its host is a loopback address
	// (127.0.0.0/8, ::1, "localhost") or InsecureAllowHTTP is set.
	URL string

	// HTTPClient fetches the discovery document and the key set. Default:
	// a client of its own with a connect timeout (5 s, or Timeout if
	// smaller), a total timeout of Timeout, and proxies from the
	// environment. With either client, a redirect to another origin
	// (scheme, host, port) is refused: the cache wraps CheckRedirect on a
	// shallow copy of the client, so the caller's client is not modified.
	HTTPClient *http.Client

	// Clock tells time and makes the timers of refresh schedules,
	// cooldowns, backoff and MaxWait. Default: [clock.Real]. Network
	// timeouts (Timeout) always run in real time.
	Clock clock.Clock

	// Logger receives fetch failures, rotations, skipped keys and the
	// first stale serve of a key set. Default: silent.
	Logger *slog.Logger

	// OnEvent, when set, is called on every fetch outcome, skipped key,
	// stale serve and unknown kid answered without a fetch: the place for
	// metrics (see [EventKind]). It is called synchronously, from the
	// refresh goroutine or (EventStaleServed, EventRefreshDeferred,
	// EventWaitersFull, EventNegativeHit) from the request path, so it
	// must be fast and must not call back into the Cache.
	OnEvent func(Event)

	// MinTTL is the shortest time a fetched set counts as fresh, whatever
	// the provider's Cache-Control says (max-age below it, no-cache,
	// no-store). Default: 1 minute.
	MinTTL time.Duration

	// MaxTTL is the longest time a fetched set counts as fresh, however
	// long the provider's max-age or Expires. It bounds how long a key the
	// provider removed keeps verifying. Default: 1 hour.
	MaxTTL time.Duration

	// DefaultTTL is the freshness of a set whose response carries neither
	// Cache-Control max-age nor Expires. Default: 10 minutes.
	DefaultTTL time.Duration

	// RefreshAhead is how long before a set expires the background
	// refresh starts, so that a healthy provider's keys never go stale.
	// It is capped at a quarter of the TTL. Default: 1 minute. Negative:
	// refresh at expiry.
	RefreshAhead time.Duration

	// Jitter is the largest random amount taken off each scheduled
	// refresh, so that a fleet started together does not refresh in
	// lockstep. It is capped at a quarter of the TTL. Default: 1 minute.
	// Negative: none.
	Jitter time.Duration

	// UnknownKIDCooldown is the shortest interval between two fetches the
	// cache starts by itself: after a token with an unknown kid, a
	// scheduled refresh or a retry. A token with an unknown kid starts a
	// fetch at once if the last one started a cooldown ago and waits for
	// it (MaxWait, MaxWaiters); otherwise it is answered [ErrKeyNotFound]
	// at once and a fetch is scheduled for the end of the cooldown. So
	// the provider sees at most one request per cooldown however many
	// unknown kids arrive, no request is held while the cooldown runs,
	// and a real rotation is picked up within one cooldown of its first
	// token (tokens with the new kid inside that cooldown get 401 and
	// clients retry). Default: 5 s.
	UnknownKIDCooldown time.Duration

	// MaxWait is the longest a lookup waits for a fetch: one in flight,
	// or one it starts because the cooldown allows, for an unknown kid or
	// when nothing is loaded yet. A lookup whose fetch the cooldown or the
	// retry backoff defers does not wait at all. Default: 2 s.
	MaxWait time.Duration

	// MaxWaiters bounds the lookups waiting for a fetch at once; a lookup
	// beyond it is answered at once, as if the fetch could not start
	// ([ErrKeyNotFound] with a fresh set, [ErrKeysUnavailable] without a
	// usable one). It bounds the requests an unknown-kid flood can hold
	// open while a fetch is slow or hangs, and how many a fetch releases
	// at once. Default: 256 (a rotation's first tokens arriving at
	// 1,000 req/s during a 250 ms fetch). Negative: no lookup waits;
	// [Cache.Ready] and [Cache.Refresh] still do.
	MaxWaiters int

	// NegativeCacheSize bounds the kids remembered as absent after a
	// fetch did not find them. Each is remembered for one
	// UnknownKIDCooldown from that fetch, and only while the key set is
	// unchanged: a lookup for it is answered [ErrKeyNotFound] at once,
	// without waiting, and the next fetch the cooldown allows is
	// scheduled, so a kid used before its key was published is accepted
	// within one cooldown. Default: 1024. Negative: no negative cache.
	NegativeCacheSize int

	// MaxStale is how long the last good set keeps serving known kids
	// after it expired while refreshes fail. After that, lookups answer
	// [ErrKeysUnavailable]. Default: 24 hours. Negative: never serve an
	// expired set.
	MaxStale time.Duration

	// RetryMin and RetryMax bound the backoff after a failed fetch: the
	// n-th retry waits a random time between RetryMin and
	// min(RetryMax, RetryMin·2ⁿ) (exponential backoff, full jitter), and
	// never less than UnknownKIDCooldown after the previous start.
	// Defaults: 5 s and 1 minute.
	RetryMin, RetryMax time.Duration

	// MaxBodySize is the largest discovery or JWKS response read, in
	// bytes. A larger body is abandoned, never buffered whole, and the
	// fetch fails. Default: 1 MiB.
	MaxBodySize int64

	// Timeout bounds each HTTP exchange, from dialing to the last byte of
	// the body, in real time. Default: 10 s.
	Timeout time.Duration

	// InsecureAllowHTTP allows plain http URLs to any host, for tests and
	// private networks. Without it, a configured URL or Issuer may use
	// http to a loopback host; a jwks_uri found through discovery may use
	// http only when the Issuer itself is a loopback host, so that a
	// provider's discovery document cannot send the key fetch to a plain
	// http service on our own machine.
	InsecureAllowHTTP bool

	// StrictJWKSURIOrigin requires the jwks_uri found through discovery
	// to have the Issuer's origin (scheme, host and port); another origin
	// fails discovery with [ErrJWKSURIOrigin]. Default: off, since some
	// providers serve keys from another host (Google:
	// www.googleapis.com for accounts.google.com). Turn it on when your
	// provider serves both from one origin: a tampered discovery document
	// can then not point the key fetch elsewhere.
	StrictJWKSURIOrigin bool
}

// cacheConfig is CacheOptions with the defaults filled in.
type cacheConfig struct {
	CacheOptions
	jwksURL      *url.URL // URL mode
	discoveryURL *url.URL // Issuer mode
	// issuerLoopback: the Issuer's host is a loopback address, so a
	// discovered jwks_uri may use http to a loopback host.
	issuerLoopback bool
}

// cacheDefault returns v, or def when v is zero.
func cacheDefault[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// cacheConfigure validates o and fills in its defaults.
func cacheConfigure(o CacheOptions) (*cacheConfig, error) {
	c := &cacheConfig{CacheOptions: o}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("jwks: "+format, args...)) }

	switch {
	case o.Issuer == "" && o.URL == "":
		bad("CacheOptions: Issuer or URL is required")
	case o.Issuer != "" && o.URL != "":
		bad("CacheOptions: set Issuer or URL, not both")
	case o.Issuer != "":
		u, err := fetchParseURL(strings.TrimSuffix(o.Issuer, "/")+"/.well-known/openid-configuration", o.InsecureAllowHTTP)
		if err != nil {
			errs = append(errs, fmt.Errorf("jwks: Issuer: %w", err))
		}
		c.discoveryURL = u
		if u != nil {
			c.issuerLoopback = fetchIsLoopback(u.Hostname())
		}
	default:
		u, err := fetchParseURL(o.URL, o.InsecureAllowHTTP)
		if err != nil {
			errs = append(errs, fmt.Errorf("jwks: URL: %w", err))
		}
		c.jwksURL = u
	}

	c.Clock = clock.OrReal(o.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"MinTTL", o.MinTTL}, {"MaxTTL", o.MaxTTL}, {"DefaultTTL", o.DefaultTTL},
		{"UnknownKIDCooldown", o.UnknownKIDCooldown}, {"MaxWait", o.MaxWait},
		{"RetryMin", o.RetryMin}, {"RetryMax", o.RetryMax}, {"Timeout", o.Timeout},
	} {
		if d.v < 0 {
			bad("CacheOptions.%s is negative (%v)", d.name, d.v)
		}
	}
	if o.MaxBodySize < 0 {
		bad("CacheOptions.MaxBodySize is negative (%d)", o.MaxBodySize)
	}
	c.MinTTL = cacheDefault(o.MinTTL, defaultMinTTL)
	c.MaxTTL = cacheDefault(o.MaxTTL, defaultMaxTTL)
	c.DefaultTTL = cacheDefault(o.DefaultTTL, defaultTTL)
	c.RefreshAhead = cacheDefault(o.RefreshAhead, defaultRefreshAhead)
	c.Jitter = cacheDefault(o.Jitter, defaultJitter)
	c.UnknownKIDCooldown = cacheDefault(o.UnknownKIDCooldown, defaultUnknownKIDCooldown)
	c.MaxWait = cacheDefault(o.MaxWait, defaultMaxWait)
	c.NegativeCacheSize = cacheDefault(o.NegativeCacheSize, defaultNegativeCacheSize)
	c.MaxWaiters = cacheDefault(o.MaxWaiters, defaultMaxWaiters)
	if c.MaxWaiters < 0 {
		c.MaxWaiters = 0
	}
	c.MaxStale = cacheDefault(o.MaxStale, defaultMaxStale)
	c.RetryMin = cacheDefault(o.RetryMin, defaultRetryMin)
	c.RetryMax = cacheDefault(o.RetryMax, defaultRetryMax)
	c.MaxBodySize = cacheDefault(o.MaxBodySize, defaultMaxBodySize)
	c.Timeout = cacheDefault(o.Timeout, defaultTimeout)
	if c.RefreshAhead < 0 {
		c.RefreshAhead = 0
	}
	if c.Jitter < 0 {
		c.Jitter = 0
	}
	if c.MaxStale < 0 {
		c.MaxStale = 0
	}
	if c.NegativeCacheSize < 0 {
		c.NegativeCacheSize = 0
	}
	if c.MinTTL > c.MaxTTL {
		bad("CacheOptions: MinTTL (%v) exceeds MaxTTL (%v)", c.MinTTL, c.MaxTTL)
	}
	if c.DefaultTTL < c.MinTTL || c.DefaultTTL > c.MaxTTL {
		bad("CacheOptions: DefaultTTL (%v) outside [MinTTL %v, MaxTTL %v]", c.DefaultTTL, c.MinTTL, c.MaxTTL)
	}
	if c.RetryMin > c.RetryMax {
		bad("CacheOptions: RetryMin (%v) exceeds RetryMax (%v)", c.RetryMin, c.RetryMax)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}
