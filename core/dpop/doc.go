// Package dpop verifies DPoP proofs as specified in RFC 9449 (OAuth 2.0
// Demonstrating Proof of Possession): the "DPoP" request header that binds
// an access token to a key the client holds, so that a stolen token is
// useless without the key.
//
// A [Verifier] runs every check of RFC 9449 §4.3 on a proof: one compact
// JWS with typ "dpop+jwt", an asymmetric algorithm of its allowlist, a
// public key in the "jwk" header (never a private one) that verifies the
// signature, htm and htu equal to the request's method and URL (query and
// fragment ignored, syntax- and scheme-based normalization), iat within a
// window, a server nonce when nonces are required ([NonceSource]), ath equal
// to the hash of the access token presented with it, the key's RFC 7638
// thumbprint equal to the token's cnf.jkt, and a jti used at most once
// within the window ([store.Replay]).
//
// Errors wrap [ErrInvalidProof] (RFC 9449 §7.1 invalid_dpop_proof),
// [ErrUseNonce] (use_dpop_nonce) or [ErrBinding] (the token is not bound to
// the proof's key: invalid_token). Messages never contain the proof or the
// token.
package dpop
