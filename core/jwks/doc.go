// Package jwks provides the verification keys of JSON Web Key Sets
// (RFC 7517): a cache of an identity provider's remote key set, found
// through OpenID Connect Discovery 1.0 or configured directly, and static
// key sets for service-to-service tokens. It is usable alone, with any JWT
// library: ask a [Source] for the key of a token's kid and alg, and check
// the signature with the standard library key it returns ([Key.Public]).
//
// # Remote keys
//
// [NewCache] returns a [*Cache] that fetches the key set in the background
// and keeps it fresh: Cache-Control honoured within bounds, refresh ahead
// of expiry with jitter, conditional requests, a rate-limited refresh on an
// unknown kid shared by concurrent lookups that never holds a lookup for a
// fetch the cooldown defers, a negative cache, the last good
// set served through an outage up to a bound, and jittered exponential
// backoff. A lookup of a known key takes no lock and allocates nothing.
// See [Cache] for the behaviour and the worst case it guarantees, and
// docs/caching.md for the defaults and their reasoning.
//
// # Static keys
//
// [ParseStatic] (a JWKS document), [ParsePEM] (public keys and
// certificates), [NewStatic] with [NewStaticKey] (standard library keys)
// and [NewStaticSymmetric] (an HMAC secret, only ever by explicit
// configuration) return a [*Static], the same [Source] without goroutines.
//
// # Parsing
//
// [ParseSet] turns a JWKS document into keys with lestrrat-go/jwx, off the
// request path: each key's type, curve, size, "use", "key_ops" and "alg"
// are checked once and encoded in [Key.Algorithms]; keys that cannot be
// used are skipped and reported, never fatal.
//
// # Errors
//
// Lookups fail with [ErrKeyNotFound] or [ErrKeyAmbiguous] (the token is at
// fault: 401) or with an [*UnavailableError] matching [ErrKeysUnavailable]
// (no key can be had right now: 503 with Retry-After). Fetches fail with
// errors wrapping [ErrFetch], [ErrDiscovery], [ErrInvalidKeySet],
// [ErrInsecureURL], [ErrJWKSURIOrigin] or [ErrCrossOriginRedirect].
//
// The package also serves keys: a JWKS http.Handler for the publishing
// side lives beside the cache.
package jwks
