package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"hash"
	"sync"
)

// pssOptions verifies RSASSA-PSS with a salt exactly as long as the hash
// output, as RFC 7518 §3.5 requires. It is never modified.
var pssOptions = rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}

// Verify checks that sig is a valid signature of signingInput made with alg
// by the private half of key, calling the standard library primitive
// directly:
//
//   - RS256, RS384, RS512: [rsa.VerifyPKCS1v15] with an *[rsa.PublicKey] of at
//     least [MinRSAKeyBits] bits; the signature must be exactly as long as the
//     modulus.
//   - PS256, PS384, PS512: [rsa.VerifyPSS] with MGF1 over the same hash and a
//     salt exactly as long as the hash output (RFC 7518 §3.5). Signatures with
//     any other salt length are rejected: RFC 7518 fixes it, and accepting
//     "auto" would make PSS malleable in the salt length for no benefit.
//   - ES256, ES384, ES512: [ecdsa.VerifyASN1] with an *[ecdsa.PublicKey] on the
//     curve the algorithm names (P-256, P-384, P-521). The signature must be
//     the raw R||S of RFC 7518 §3.4, exactly 64, 96 or 132 bytes; it is
//     re-encoded as ASN.1 DER on the stack. R or S of zero or not below the
//     group order are rejected (by the standard library).
//   - EdDSA and Ed25519 (RFC 8037, RFC 9864): [ed25519.Verify] with an
//     [ed25519.PublicKey] of 32 bytes; the signature must be 64 bytes. Ed448
//     is not supported.
//
// HMAC algorithms are refused here with [ErrAlgorithm], whatever key is
// given: they are only ever verified by [VerifyHMAC] with an explicitly
// configured secret, so that public key material can never be used as an
// HMAC secret.
//
// A key whose type, curve or size does not fit alg (see [AlgorithmsFor]) is
// reported with [ErrAlgorithm]; a signature of the wrong length or that does
// not verify, with [ErrSignature]. Verify hashes signingInput without copying
// it and does not allocate beyond what the primitive itself allocates. It is
// safe for concurrent use.
func Verify(alg Algorithm, key crypto.PublicKey, signingInput string, sig []byte) error {
	if alg.IsSymmetric() {
		return errVerifyHMACWithKey
	}
	if alg <= None || alg >= numAlgorithms {
		return errVerifyUnknownAlg
	}
	if !alg.Fits(key) {
		return keyMismatch(alg, key)
	}
	msg := toBytes(signingInput)
	switch alg {
	case EdDSA, Ed25519:
		if len(sig) != ed25519.SignatureSize {
			return fmt.Errorf("%w: %s signature is %d bytes, want %d", ErrSignature, alg, len(sig), ed25519.SignatureSize)
		}
		if !ed25519.Verify(key.(ed25519.PublicKey), msg, sig) {
			return fmt.Errorf("%w: %s signature does not verify", ErrSignature, alg)
		}
		return nil
	}

	h := alg.hash()
	switch alg {
	case RS256, RS384, RS512:
		pub := key.(*rsa.PublicKey)
		if len(sig) != pub.Size() {
			return rsaSizeError(alg, sig, pub)
		}
		// crypto/rsa keeps no reference to a PKCS #1 v1.5 digest: it stays
		// on the stack.
		var d [sha512.Size]byte
		if rsa.VerifyPKCS1v15(pub, h, sum(h, msg, &d), sig) != nil {
			return fmt.Errorf("%w: %s signature does not verify", ErrSignature, alg)
		}
		return nil
	}

	// The PSS digest and the DER form of an ECDSA signature escape into the
	// primitives, so they live in pooled scratch space rather than on the
	// heap.
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	digest := sum(h, msg, &sc.digest)
	switch alg {
	case PS256, PS384, PS512:
		pub := key.(*rsa.PublicKey)
		if len(sig) != pub.Size() {
			return rsaSizeError(alg, sig, pub)
		}
		if rsa.VerifyPSS(pub, h, digest, sig, &pssOptions) != nil {
			return fmt.Errorf("%w: %s signature does not verify", ErrSignature, alg)
		}
		return nil
	case ES256, ES384, ES512:
		size := ecdsaCoordinateSize(alg)
		if len(sig) != 2*size {
			return fmt.Errorf("%w: %s signature is %d bytes, want %d (raw R||S, RFC 7518 §3.4)", ErrSignature, alg, len(sig), 2*size)
		}
		if !ecdsa.VerifyASN1(key.(*ecdsa.PublicKey), digest, ecdsaDER(sc.der[:0], sig[:size], sig[size:])) {
			return fmt.Errorf("%w: %s signature does not verify", ErrSignature, alg)
		}
		return nil
	}
	return errVerifyUnknownAlg // unreachable: every algorithm is handled above
}

// rsaSizeError reports an RSA signature that is not as long as the modulus.
func rsaSizeError(alg Algorithm, sig []byte, pub *rsa.PublicKey) error {
	return fmt.Errorf("%w: %s signature is %d bytes, want the modulus size %d", ErrSignature, alg, len(sig), pub.Size())
}

// scratch is the per-call working memory of a PSS or ECDSA [Verify].
type scratch struct {
	digest [sha512.Size]byte
	der    [maxECDSADER]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// keyMismatch explains why key does not fit alg.
func keyMismatch(alg Algorithm, key crypto.PublicKey) error {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k != nil && k.N != nil && k.N.BitLen() < MinRSAKeyBits && rsaAlgorithms.Has(alg) {
			return fmt.Errorf("%w: RSA key of %d bits is smaller than the %d bits %s requires", ErrAlgorithm, k.N.BitLen(), MinRSAKeyBits, alg)
		}
	case *ecdsa.PublicKey:
		if k != nil && k.Curve != nil && k.X != nil && k.Y != nil && (alg == ES256 || alg == ES384 || alg == ES512) {
			return fmt.Errorf("%w: %s needs a key on %s, not %s", ErrAlgorithm, alg, curveFor(alg), k.Curve.Params().Name)
		}
	}
	return fmt.Errorf("%w: a %T key cannot verify %s", ErrAlgorithm, key, alg)
}

func curveFor(alg Algorithm) string {
	switch alg {
	case ES256:
		return "P-256"
	case ES384:
		return "P-384"
	}
	return "P-521"
}

// sum hashes msg with h into d and returns the digest, without allocating.
func sum(h crypto.Hash, msg []byte, d *[sha512.Size]byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(msg)
		return d[:copy(d[:], s[:])]
	case crypto.SHA384:
		s := sha512.Sum384(msg)
		return d[:copy(d[:], s[:])]
	default:
		*d = sha512.Sum512(msg)
		return d[:]
	}
}

// ecdsaCoordinateSize is the byte length of R and of S for alg.
func ecdsaCoordinateSize(alg Algorithm) int {
	switch alg {
	case ES256:
		return 32
	case ES384:
		return 48
	}
	return 66
}

// maxECDSADER is the longest DER ECDSA-Sig-Value ecdsaDER builds: a
// SEQUENCE with a two-byte length of two INTEGERs of at most 67 bytes each.
const maxECDSADER = 3 + 2*(2+67)

// ecdsaDER appends the ASN.1 DER encoding of SEQUENCE { r INTEGER, s INTEGER }
// to dst, r and s given as unsigned big-endian bytes (at most 66 each).
func ecdsaDER(dst, r, s []byte) []byte {
	r, s = trimZeros(r), trimZeros(s)
	n := derIntLen(r) + derIntLen(s)
	dst = append(dst, 0x30)
	if n >= 0x80 {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(n))
	dst = appendDERInt(dst, r)
	return appendDERInt(dst, s)
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// derIntLen is the encoded length (tag, length, content) of the non-negative
// INTEGER whose minimal unsigned bytes are b.
func derIntLen(b []byte) int {
	if len(b) == 0 || b[0]&0x80 != 0 {
		return 3 + len(b)
	}
	return 2 + len(b)
}

func appendDERInt(dst, b []byte) []byte {
	switch {
	case len(b) == 0:
		return append(dst, 0x02, 1, 0)
	case b[0]&0x80 != 0:
		dst = append(dst, 0x02, byte(len(b)+1), 0)
	default:
		dst = append(dst, 0x02, byte(len(b)))
	}
	return append(dst, b...)
}

// macState is a keyed HMAC kept in a pool, with the secret it was keyed
// with and room for its output.
type macState struct {
	secret []byte
	mac    hash.Hash
	sum    [sha512.Size]byte
}

// macPools holds reusable HMAC states, one pool per HMAC algorithm. A pooled
// state is reused only for the same secret; with one configured secret per
// algorithm (the common case) VerifyHMAC does not allocate.
var macPools [3]sync.Pool

// VerifyHMAC checks that sig is the HS256, HS384 or HS512 MAC (RFC 7518
// §3.2) of signingInput under secret, comparing in constant time with
// [hmac.Equal]. It is only for an explicitly configured secret: nothing in a
// token or a public key set ever becomes one.
//
// A secret shorter than the hash output (32, 48, 64 bytes), which RFC 7518
// §3.2 forbids, or an algorithm that is not an HMAC, is reported with
// [ErrAlgorithm]; a MAC of the wrong length or value with [ErrSignature].
// VerifyHMAC is safe for concurrent use.
func VerifyHMAC(alg Algorithm, secret []byte, signingInput string, sig []byte) error {
	var newHash func() hash.Hash
	var pool *sync.Pool
	switch alg {
	case HS256:
		newHash, pool = sha256.New, &macPools[0]
	case HS384:
		newHash, pool = sha512.New384, &macPools[1]
	case HS512:
		newHash, pool = sha512.New, &macPools[2]
	default:
		return errVerifyNotHMAC
	}
	size := alg.hash().Size()
	if len(secret) < size {
		return errHMACSecretTooShort
	}
	if len(sig) != size {
		return fmt.Errorf("%w: %s MAC is %d bytes, want %d", ErrSignature, alg, len(sig), size)
	}
	st, _ := pool.Get().(*macState)
	if st == nil || len(st.secret) != len(secret) || subtle.ConstantTimeCompare(st.secret, secret) != 1 {
		st = &macState{secret: append([]byte(nil), secret...), mac: hmac.New(newHash, secret)}
	} else {
		st.mac.Reset()
	}
	st.mac.Write(toBytes(signingInput))
	ok := hmac.Equal(st.mac.Sum(st.sum[:0]), sig)
	pool.Put(st)
	if !ok {
		return fmt.Errorf("%w: %s MAC does not verify", ErrSignature, alg)
	}
	return nil
}
