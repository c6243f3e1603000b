// Package rotate holds the signing keys of a token issuer and rotates them
// on a schedule, publishing the public keys through a [jwks.Handler] so that
// verifiers holding a cached copy of the key set never miss a key.
//
// Every key goes through four states, fixed by dates stored with the key:
//
//   - next: published, not signing yet. A key is published at least
//     [Schedule.PrePublish] before it signs, so that every verifier that
//     caches the set (for at most the consumers' maximum cache TTL) has
//     fetched it before the first token it signs arrives.
//   - active: the one key that signs, from its activation until the next
//     key's activation.
//   - retiring: no longer signing, still published until every token it
//     signed has expired: its last use (the next key's activation) plus
//     [Schedule.MaxTokenLifetime] plus [Schedule.Leeway].
//   - retired: withdrawn from the set; its private key is erased from the
//     store, its record is kept for the listing.
//
// The states are derived from the dates and the clock, so replicas sharing a
// [Store] agree on the active key without talking to each other. Changes to
// the stored set (a new key, an erased private key) are written with a
// compare-and-swap on the set's version: of several replicas that rotate at
// once, exactly one write wins and the others adopt its result.
//
// The handler's Cache-Control max-age is [Schedule.MaxAge], which the
// schedule keeps at or below PrePublish.
package rotate
