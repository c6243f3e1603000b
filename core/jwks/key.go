package jwks

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"

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

	// prepared is Public prepared for verification (jws.Prepare) when the
	// key was loaded; nil for a Key built by hand, which [Key.Verify] then
	// verifies with [jws.Verify].
	prepared *jws.PreparedKey
}

// Verifies reports whether k may verify a token signed with alg.
func (k *Key) Verifies(alg jws.Algorithm) bool { return k.Algorithms.Has(alg) }

// Verify checks that sig is a valid signature of signingInput made with alg
// by this key: alg must be one of [Key.Algorithms] (else [jws.ErrAlgorithm]),
// an HMAC algorithm is checked with [jws.VerifyHMAC] and Secret, any other
// with Public, through the form prepared when the key was loaded (an RSA
// key's precomputed modulus, an Ed25519 key's decoded point: see
// [jws.PreparedKey]) or, for a Key built by hand, [jws.Verify]. A signature that does not verify is reported with
// [jws.ErrSignature]. Verify is safe for concurrent use.
func (k *Key) Verify(alg jws.Algorithm, signingInput string, sig []byte) error {
	if !k.Verifies(alg) {
		return fmt.Errorf("%w: the key does not allow %s", jws.ErrAlgorithm, alg)
	}
	if k.Secret != nil {
		return jws.VerifyHMAC(alg, k.Secret, signingInput, sig)
	}
	// The prepared form is used only while it still belongs to Public: a
	// Key is immutable once published, but a copy whose Public was replaced
	// must not verify with the old key.
	if p := k.prepared; p != nil && samePublic(p.Key(), k.Public) {
		return p.Verify(alg, signingInput, sig)
	}
	return jws.Verify(alg, k.Public, signingInput, sig)
}

// samePublic reports whether the prepared key a is still b: the same
// *rsa.PublicKey, or an ed25519.PublicKey with the same bytes. It never
// compares other dynamic types with ==, some of which (ed25519.PublicKey)
// are not comparable.
func samePublic(a, b crypto.PublicKey) bool {
	switch pa := a.(type) {
	case *rsa.PublicKey:
		pb, ok := b.(*rsa.PublicKey)
		return ok && pa == pb
	case ed25519.PublicKey:
		pb, ok := b.(ed25519.PublicKey)
		return ok && bytes.Equal(pa, pb)
	}
	return false
}
