package jws

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"

	"filippo.io/edwards25519"
)

// ed25519Key is an Ed25519 public key with its point decoded once, with
// filippo.io/edwards25519 (the standalone copy of the standard library's
// crypto/internal/fips140/edwards25519). ed25519.Verify decompresses the
// point (a square root in the field) on every call: about 7% of a
// verification. It is immutable and safe for concurrent use.
type ed25519Key struct {
	pub    ed25519.PublicKey // the encoding, hashed into every challenge as given
	minusA *edwards25519.Point
}

// newEd25519Key prepares pub, or returns nil when the fast path does not
// take it (wrong length, an encoding that is no point; ed25519.Verify then
// rejects every signature) or must not (FIPS 140 mode).
func newEd25519Key(pub ed25519.PublicKey) *ed25519Key {
	if !fastPathAvailable || len(pub) != ed25519.PublicKeySize {
		return nil
	}
	a, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil
	}
	return &ed25519Key{pub: bytes.Clone(pub), minusA: new(edwards25519.Point).Negate(a)}
}

// verify is the verification of RFC 8032 §5.1.7 exactly as ed25519.Verify
// performs it (cofactorless: [S]B = R + [k]A checked as the encoding of
// [S]B - [k]A equal to R; S must be canonical, below the group order).
func (k *ed25519Key) verify(msg, sig []byte) bool {
	if len(sig) != ed25519.SignatureSize || sig[63]&224 != 0 {
		return false
	}
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(k.pub)
	h.Write(msg)
	var d [sha512.Size]byte
	kk, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(d[:0]))
	if err != nil {
		return false
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	var r edwards25519.Point
	r.VarTimeDoubleScalarBaseMult(kk, k.minusA, s)
	return bytes.Equal(sig[:32], r.Bytes())
}
