// Package telemetry turns what jwksauth observes into OpenTelemetry
// metrics, spans and log records: verifications by outcome, reason and
// issuer, the verified-token cache, and the key caches' events (fetches,
// rotations, skipped keys, unknown kids, cooldowns, stale serving).
//
// Every instrument is created once, in [New], from a metric.Meter of the
// configured metric.MeterProvider; every attribute set a request can need
// is computed there too (per issuer × outcome × reason), so that recording
// on the request path neither allocates nor builds attributes. Attribute
// values are bounded: configured issuer URLs, the fixed rejection codes, a
// few enumerations. No token, kid, subject or client id ever becomes an
// attribute.
//
// Only the OpenTelemetry API is imported: without an SDK installed the
// instruments are no-ops, and with an explicit no-op provider recording is
// skipped altogether. The metrics, their units and attributes are listed in
// docs/operations.md; [Names] lists them for tests and tooling.
package telemetry
