// Package jws parses compact JWS (RFC 7515), the serialization of every JWT
// access token, and verifies signatures (RFC 7518, RFC 8037, RFC 9864) with
// the Go standard library: RS256/384/512, PS256/384/512, ES256/384/512,
// EdDSA and Ed25519 with public keys, and HS256/384/512 only with an
// explicitly configured secret.
//
// It is the hot path of jwksauth: a pooled [Parser] checks the token's
// structure, strict base64url encoding and protected header without
// allocating (about 0.28 µs for a typical 850-byte access token on a 2-core
// VM, most of it base64url decoding with a decoder of its own, twice as fast
// as encoding/base64; a repeated header is not decoded again), and [Verify]
// calls the standard library primitive directly, so that parsing and
// verifying an RS256 token costs about 1.04× the bare primitive on a
// precomputed hash (BenchmarkParseVerify against BenchmarkFloor).
//
// A key verified many times is better [Prepare]d once, as the key-set loader
// of core/jwks does for every key it loads: an RSA key's modulus is then
// precomputed (crypto/rsa rebuilds it on every call), so that an RS256
// verification costs about 0.67× [rsa.VerifyPKCS1v15], and an Ed25519 key's
// point is decoded once (about 0.93× [ed25519.Verify]). [PreparedKey.Verify]
// accepts and rejects exactly what Verify does (BenchmarkPrepared; the
// differential tests and fuzz targets in prepared_test.go).
//
// # Use
//
//	p := parsers.Get().(*jws.Parser) // a sync.Pool of *jws.Parser
//	defer parsers.Put(p)
//	tok, err := p.Parse(raw)
//	if err != nil {
//		return err // wraps ErrTokenMalformed or ErrAlgorithm
//	}
//	// check tok.Header.Alg against the issuer's allowlist, find the key by
//	// tok.Header.KeyID, then:
//	if err := jws.Verify(tok.Header.Alg, key, tok.SigningInput, tok.Signature); err != nil {
//		return err // wraps ErrAlgorithm or ErrSignature
//	}
//	// decode tok.Payload (the claims) before putting p back.
//
// # Policy
//
// The parser accepts one thing: three dot-separated, non-empty, strict
// unpadded base64url parts whose header is a UTF-8 JSON object with unique,
// case-sensitive member names, a registered "alg" other than "none", no
// "crit" and no "b64": false. The JWS JSON serialization, JWE, unencoded
// payloads (RFC 7797) and critical extensions are rejected. The header
// parameters that carry or point at keys ("jku", "x5u", "jwk", "x5c", "x5t",
// "x5t#S256") are ignored: a key is only ever found in the issuer's own key
// set, by "kid".
//
// Verification binds the algorithm to the key: RSA keys of at least 2048
// bits for RS* and PS*, the one curve an ES* algorithm names, Ed25519 keys
// for EdDSA and Ed25519, and HMAC only through [VerifyHMAC]. PSS salts must be
// as long as the hash; ECDSA signatures are the raw R||S of RFC 7518 §3.4.
// [AlgorithmsFor] gives the key-set loader the algorithms each key may verify.
//
// Error messages never contain the token or any part of it.
package jws
