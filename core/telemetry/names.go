package telemetry

import "strings"

// The instrument names, in the OpenTelemetry semantic-convention style
// with a "jwksauth." prefix. A Prometheus exporter turns dots into
// underscores and appends the unit and _total (counters): for example
// jwksauth.verifications becomes jwksauth_verifications_total.
const (
	// MetricVerifications counts verified tokens ({verification}) by
	// jwksauth.issuer, jwksauth.outcome and jwksauth.reason.
	MetricVerifications = "jwksauth.verifications"
	// MetricVerificationDuration is the time one verification took (s), by
	// jwksauth.issuer, jwksauth.outcome and jwksauth.reason, for the
	// verifications the token cache did not answer (a hit costs a fixed
	// fraction of a microsecond and is counted by MetricTokenCacheHits).
	MetricVerificationDuration = "jwksauth.verification.duration"
	// MetricTokenCacheHits counts verifications answered by the
	// verified-token cache ({lookup}).
	MetricTokenCacheHits = "jwksauth.token_cache.hits"
	// MetricTokenCacheMisses counts lookups the verified-token cache could
	// not answer ({lookup}).
	MetricTokenCacheMisses = "jwksauth.token_cache.misses"
	// MetricTokenCacheEvictions counts entries the verified-token cache
	// dropped for lack of room or at their token's expiry ({entry}).
	MetricTokenCacheEvictions = "jwksauth.token_cache.evictions"

	// MetricFetches counts downloads of key sets and discovery documents
	// ({fetch}) by jwksauth.issuer, jwksauth.document (jwks, discovery),
	// jwksauth.fetch.result (fetched, not_modified, unchanged, failed) and
	// jwksauth.http.status_class (2xx, 3xx, 4xx, 5xx, none).
	MetricFetches = "jwksauth.jwks.fetches"
	// MetricFetchDuration is the time one such download took (s), by
	// jwksauth.issuer, jwksauth.document and jwksauth.fetch.result.
	MetricFetchDuration = "jwksauth.jwks.fetch.duration"
	// MetricUnknownKIDs counts lookups of a kid the loaded key set lacks
	// that asked for a refresh ({lookup}), by jwksauth.issuer.
	MetricUnknownKIDs = "jwksauth.jwks.unknown_kid.lookups"
	// MetricRefreshesDeferred counts refreshes asked for by an unknown kid
	// that the cooldown (or the backoff after failures) held back
	// ({refresh}), by jwksauth.issuer.
	MetricRefreshesDeferred = "jwksauth.jwks.refreshes.deferred"
	// MetricNegativeHits counts lookups answered key_not_found from the
	// negative cache without a fetch ({lookup}), by jwksauth.issuer.
	MetricNegativeHits = "jwksauth.jwks.negative_cache.hits"
	// MetricKeysAdded counts keys that appeared in a key set after the
	// first load ({key}), by jwksauth.issuer: a rotation.
	MetricKeysAdded = "jwksauth.jwks.keys.added"
	// MetricKeysRemoved counts keys that left a key set ({key}), by
	// jwksauth.issuer.
	MetricKeysRemoved = "jwksauth.jwks.keys.removed"
	// MetricKeysSkipped counts unusable JWKs in downloaded sets ({key}), by
	// jwksauth.issuer and jwksauth.key.skip_reason (invalid, unsupported,
	// symmetric, not_signing, other).
	MetricKeysSkipped = "jwksauth.jwks.keys.skipped"
	// MetricStaleServes counts lookups answered from a key set past its
	// TTL because refreshes fail ({lookup}), by jwksauth.issuer.
	MetricStaleServes = "jwksauth.jwks.stale_serves"

	// MetricKeys is the number of usable keys loaded ({key}), by
	// jwksauth.issuer; 0 while none is usable (observable gauge).
	MetricKeys = "jwksauth.jwks.keys"
	// MetricKeySetAge is the time since the key set in use was fetched or
	// confirmed (s), by jwksauth.issuer (observable gauge; absent before
	// the first load).
	MetricKeySetAge = "jwksauth.jwks.age"
	// MetricKeySetStale is 1 while the key set in use is past its TTL and
	// served stale, else 0 ({1}), by jwksauth.issuer (observable gauge).
	MetricKeySetStale = "jwksauth.jwks.stale"
	// MetricRefreshIn is the time until the next fetch is due (s), by
	// jwksauth.issuer; negative when overdue (observable gauge).
	MetricRefreshIn = "jwksauth.jwks.refresh.in"

	// MetricAnswers counts the answers an adapter wrote itself, rejecting a
	// request ({answer}), by jwksauth.adapter and
	// http.response.status_code.
	MetricAnswers = "jwksauth.http.answers"
)

// The attribute keys.
const (
	AttrIssuer      = "jwksauth.issuer"
	AttrOutcome     = "jwksauth.outcome"
	AttrReason      = "jwksauth.reason"
	AttrDocument    = "jwksauth.document"
	AttrFetchResult = "jwksauth.fetch.result"
	AttrStatusClass = "jwksauth.http.status_class"
	AttrSkipReason  = "jwksauth.key.skip_reason"
	AttrAdapter     = "jwksauth.adapter"
	AttrStatusCode  = "http.response.status_code"
	AttrCacheHit    = "jwksauth.token_cache.hit"
)

// Kind is the instrument kind of a [Metric].
type Kind string

// The instrument kinds used.
const (
	Counter   Kind = "counter"   // monotonic sum (synchronous or observable)
	Histogram Kind = "histogram" // explicit buckets
	Gauge     Kind = "gauge"     // observable gauge
)

// Metric describes one instrument: its name, UCUM unit and kind.
type Metric struct {
	Name string
	Unit string
	Kind Kind
}

// Catalog lists every instrument this package creates, for tests, docs and
// tooling (dashboards and alert rules are checked against it).
func Catalog() []Metric {
	return []Metric{
		{MetricVerifications, "{verification}", Counter},
		{MetricVerificationDuration, "s", Histogram},
		{MetricTokenCacheHits, "{lookup}", Counter},
		{MetricTokenCacheMisses, "{lookup}", Counter},
		{MetricTokenCacheEvictions, "{entry}", Counter},
		{MetricFetches, "{fetch}", Counter},
		{MetricFetchDuration, "s", Histogram},
		{MetricUnknownKIDs, "{lookup}", Counter},
		{MetricRefreshesDeferred, "{refresh}", Counter},
		{MetricNegativeHits, "{lookup}", Counter},
		{MetricKeysAdded, "{key}", Counter},
		{MetricKeysRemoved, "{key}", Counter},
		{MetricKeysSkipped, "{key}", Counter},
		{MetricStaleServes, "{lookup}", Counter},
		{MetricKeys, "{key}", Gauge},
		{MetricKeySetAge, "s", Gauge},
		{MetricKeySetStale, "{1}", Gauge},
		{MetricRefreshIn, "s", Gauge},
		{MetricAnswers, "{answer}", Counter},
	}
}

// PrometheusNames returns the series names a Prometheus exporter
// (go.opentelemetry.io/otel/exporters/prometheus, default translation)
// gives m: dots become underscores, a unit in seconds appends _seconds
// (annotations in braces append nothing), counters append _total, and
// histograms are _bucket, _sum and _count.
func (m Metric) PrometheusNames() []string {
	base := strings.ReplaceAll(m.Name, ".", "_")
	if m.Unit == "s" {
		base += "_seconds"
	}
	switch m.Kind {
	case Counter:
		return []string{base + "_total"}
	case Histogram:
		return []string{base + "_bucket", base + "_sum", base + "_count"}
	}
	return []string{base}
}

// VerificationBuckets are the explicit bucket boundaries of
// [MetricVerificationDuration], in seconds: 1 µs to 100 ms, about three
// per decade, so that a token-cache hit (~0.3 µs to a few µs), a signature
// check (30–80 µs) and a lookup waiting on a refresh (ms) fall in
// different buckets.
var VerificationBuckets = []float64{
	1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
	1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1,
}

// FetchBuckets are the bucket boundaries of [MetricFetchDuration], in
// seconds: 5 ms to 10 s (the default fetch timeout).
var FetchBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
