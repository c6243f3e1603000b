// Package store defines the state that replicas of a service protected by
// jwksauth must share, and in-memory implementations of it for a single
// replica:
//
//   - [Replay]: identifiers seen at most once within a window, for DPoP
//     proof replay protection (RFC 9449 §11.1). A proof replayed to another
//     replica is only caught when every replica records into the same
//     store.
//   - [Revocation]: a deny list of token identifiers (jti) and subjects,
//     each entry kept until the tokens it covers have expired, for
//     revoking a token before its exp (a stolen token, an offboarded user).
//
// [Memory] implements both, bounded in entries. A store shared by a fleet
// (the Redis store of module github.com/jwksauth/jwksauth/stores/redis)
// implements the same interfaces.
//
// Key on jti, never on a token's bytes: ECDSA signatures are malleable (s and
// n−s both verify), so the same token has several encodings.
package store
