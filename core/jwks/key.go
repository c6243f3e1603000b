package jwks

import (
	"crypto"

	"github.com/jwksauth/jwksauth/core/jws"
)

// Key is one verification key of a key set, parsed and validated when the
// set was loaded, never on the request path. A Key is immutable once
// published; a key that is unchanged across a refresh (same kid, same key
// material) keeps its *Key identity, so a pointer comparison tells whether a
// key is still published (see [Source.Contains]).
type Key struct {
	// ID is the JWK "kid", or "" when the JWK has none.
	ID string
	// Algorithm is the JWK "alg", or [jws.Unknown] when the JWK has none.
	Algorithm jws.Algorithm
	// Use is the JWK "use" ("sig"), or "" when absent. Keys with use "enc"
	// are never published as verification keys.
	Use string
	// Algorithms is the set of algorithms this key may verify: those that fit
	// its type, curve and size, narrowed to Algorithm when the JWK names one.
	// A token whose alg is not in this set is never checked with this key.
	Algorithms jws.AlgorithmSet
	// Public is the standard library public key: *rsa.PublicKey,
	// *ecdsa.PublicKey or ed25519.PublicKey. It is nil for a symmetric key.
	Public crypto.PublicKey
	// Secret is the HMAC key of a symmetric key, which only an explicitly
	// configured static key set can hold; nil otherwise.
	Secret []byte
	// Thumbprint is the key's RFC 7638 SHA-256 thumbprint, base64url-encoded.
	Thumbprint string
}

// Verifies reports whether k may verify a token signed with alg.
func (k *Key) Verifies(alg jws.Algorithm) bool { return k.Algorithms.Has(alg) }
