package jws

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha512"
	"fmt"
)

// PreparedKey is a public key prepared once for verification, off the
// request path: the key-set loader prepares each key when it loads it, and
// every token is then verified with [PreparedKey.Verify].
//
// For an RSA key of at least [MinRSAKeyBits] bits, preparing sets the
// modulus up for Montgomery arithmetic once, which [rsa.VerifyPKCS1v15] and
// [rsa.VerifyPSS] redo on every call, and computes R^e mod N, which spares
// every verification the conversions into and out of the Montgomery domain
// (over the standard library's own multiplication assembly, copied): an
// RS256 verification then costs about 0.6 of the standard library's on a
// 2048-bit key, without allocating. The padding checks are written from RFC 8017 (§8.2.2 with the whole
// expected encoding compared byte for byte; §9.1.2 for PSS) and tested
// against crypto/rsa on the Wycheproof vectors, random keys and a fuzz
// target.
//
// For an Ed25519 key, preparing decodes its point once (with
// filippo.io/edwards25519, the standalone copy of the standard library's
// own), which [ed25519.Verify] decompresses on every call; the verification
// equation is then checked exactly as the standard library checks it
// (cofactorless, canonical S), about 8% faster.
//
// ECDSA keys are not prepared: the standard library's per-call conversion
// of the key is about 1% of a P-256 verification, and saving it would mean
// re-implementing ECDSA verification. Every other key, a key the standard
// library itself refuses, and any key when the standard library runs in
// FIPS 140 mode (crypto/fips140.Enabled) or with BoringCrypto, is verified
// by [Verify] unchanged.
//
// A PreparedKey is immutable and safe for concurrent use. The key it was
// prepared from must not be modified afterwards.
type PreparedKey struct {
	key crypto.PublicKey
	rsa *rsaKey
	ed  *ed25519Key
}

// Prepare returns key prepared for verification. It never fails: a key
// that cannot be prepared is kept as it is and verified by [Verify], so
// [PreparedKey.Verify] accepts and rejects exactly what [Verify] does with
// key.
func Prepare(key crypto.PublicKey) *PreparedKey {
	p := &PreparedKey{key: key}
	switch pub := key.(type) {
	case *rsa.PublicKey:
		p.rsa = newRSAKey(pub)
	case ed25519.PublicKey:
		p.ed = newEd25519Key(pub)
	}
	return p
}

// Key returns the public key k was prepared from.
func (k *PreparedKey) Key() crypto.PublicKey { return k.key }

// Accelerated reports whether k verifies with a precomputed form rather
// than by calling the standard library primitive on every token: true for
// an RSA or Ed25519 key the fast path took (see [PreparedKey]).
func (k *PreparedKey) Accelerated() bool { return k.rsa != nil || k.ed != nil }

// Verify checks that sig is a valid signature of signingInput made with alg
// by the private half of k, with the same rules, the same outcome and the
// same errors as [Verify] (which documents them).
func (k *PreparedKey) Verify(alg Algorithm, signingInput string, sig []byte) error {
	if k.ed != nil && (alg == EdDSA || alg == Ed25519) {
		if len(sig) != ed25519.SignatureSize {
			return fmt.Errorf("%w: %s signature is %d bytes, want %d", ErrSignature, alg, len(sig), ed25519.SignatureSize)
		}
		if !k.ed.verify(toBytes(signingInput), sig) {
			return fmt.Errorf("%w: %s signature does not verify", ErrSignature, alg)
		}
		return nil
	}
	if k.rsa == nil || !rsaAlgorithms.Has(alg) {
		return Verify(alg, k.key, signingInput, sig)
	}
	// k.rsa exists only for a key of at least MinRSAKeyBits bits, which
	// fits every RSA algorithm.
	if len(sig) != k.rsa.size {
		return rsaSizeError(alg, sig, k.rsa.pub)
	}
	h := alg.hash()
	var d [sha512.Size]byte
	digest := sum(h, toBytes(signingInput), &d)
	var ok bool
	if alg == PS256 || alg == PS384 || alg == PS512 {
		ok = k.rsa.verifyPSS(h, digest, sig)
	} else {
		ok = k.rsa.verifyPKCS1v15(h, digest, sig)
	}
	if !ok {
		return fmt.Errorf("%w: %s signature does not verify", ErrSignature, alg)
	}
	return nil
}
