package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"strings"
)

// Algorithm identifies a JWS signature algorithm (RFC 7518 §3, RFC 8037,
// RFC 9864). The zero value is [Unknown]. Algorithms are small integers so
// that sets of them are bit masks ([AlgorithmSet]) checked without
// allocation on the hot path.
type Algorithm uint8

// The algorithms jwksauth knows. [None] is known so that it can be named in
// errors; it never verifies.
const (
	Unknown Algorithm = iota
	None
	RS256
	RS384
	RS512
	PS256
	PS384
	PS512
	ES256
	ES384
	ES512
	EdDSA   // "EdDSA" (RFC 8037): Ed25519 keys only in jwksauth.
	Ed25519 // "Ed25519", the fully-specified name of RFC 9864.
	HS256
	HS384
	HS512
	numAlgorithms
)

var algNames = [numAlgorithms]string{
	Unknown: "",
	None:    "none",
	RS256:   "RS256", RS384: "RS384", RS512: "RS512",
	PS256: "PS256", PS384: "PS384", PS512: "PS512",
	ES256: "ES256", ES384: "ES384", ES512: "ES512",
	EdDSA: "EdDSA", Ed25519: "Ed25519",
	HS256: "HS256", HS384: "HS384", HS512: "HS512",
}

// String returns the algorithm's registered name ("RS256"), or "" for
// [Unknown].
func (a Algorithm) String() string {
	if a >= numAlgorithms {
		return ""
	}
	return algNames[a]
}

// ParseAlgorithm returns the algorithm registered under name, matched
// exactly (JOSE names are case-sensitive), or [Unknown].
func ParseAlgorithm(name string) Algorithm {
	for a := None; a < numAlgorithms; a++ {
		if algNames[a] == name {
			return a
		}
	}
	return Unknown
}

// ParseAlgorithmBytes is [ParseAlgorithm] for a byte slice; it does not
// allocate.
func ParseAlgorithmBytes(name []byte) Algorithm {
	for a := None; a < numAlgorithms; a++ {
		if algNames[a] == string(name) {
			return a
		}
	}
	return Unknown
}

// IsSymmetric reports whether a is an HMAC algorithm (HS256/384/512).
func (a Algorithm) IsSymmetric() bool { return a == HS256 || a == HS384 || a == HS512 }

// AlgorithmSet is a set of algorithms as a bit mask.
type AlgorithmSet uint32

// Algorithms returns the set holding algs.
func Algorithms(algs ...Algorithm) AlgorithmSet {
	var s AlgorithmSet
	for _, a := range algs {
		s = s.With(a)
	}
	return s
}

// With returns s with a added. Adding [Unknown] or [None] leaves s as it is:
// neither ever verifies.
func (s AlgorithmSet) With(a Algorithm) AlgorithmSet {
	if a <= None || a >= numAlgorithms {
		return s
	}
	return s | 1<<a
}

// Has reports whether a is in s.
func (s AlgorithmSet) Has(a Algorithm) bool { return a < numAlgorithms && s&(1<<a) != 0 }

// Intersect returns the algorithms in both s and o.
func (s AlgorithmSet) Intersect(o AlgorithmSet) AlgorithmSet { return s & o }

// Empty reports whether s holds no algorithm.
func (s AlgorithmSet) Empty() bool { return s == 0 }

// List returns the algorithms of s in the order of their constants.
func (s AlgorithmSet) List() []Algorithm {
	var out []Algorithm
	for a := None; a < numAlgorithms; a++ {
		if s.Has(a) {
			out = append(out, a)
		}
	}
	return out
}

// String returns the names of s, comma-separated.
func (s AlgorithmSet) String() string {
	var b strings.Builder
	for _, a := range s.List() {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a.String())
	}
	return b.String()
}

// Asymmetric is every public-key algorithm jwksauth verifies: the default
// allowlist of an issuer.
var Asymmetric = Algorithms(RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)

// Symmetric is the HMAC algorithms, allowed only for an issuer with an
// explicitly configured symmetric key.
var Symmetric = Algorithms(HS256, HS384, HS512)

// MinRSAKeyBits is the smallest RSA modulus, in bits, jwksauth verifies
// with (RFC 7518 §3.3 and §3.5 require 2048 bits or more).
const MinRSAKeyBits = 2048

// rsaAlgorithms is every RSA algorithm, PKCS #1 v1.5 and PSS.
var rsaAlgorithms = Algorithms(RS256, RS384, RS512, PS256, PS384, PS512)

// AlgorithmsFor returns the set of algorithms that key can verify, from its
// type, curve and size alone:
//
//   - *[rsa.PublicKey] of at least [MinRSAKeyBits] bits: RS256, RS384, RS512,
//     PS256, PS384, PS512; a smaller RSA key: the empty set;
//   - *[ecdsa.PublicKey] on P-256: ES256; P-384: ES384; P-521: ES512
//     (RFC 7518 §3.4 binds each curve to one hash); other curves, or a key
//     without coordinates: empty;
//   - [ed25519.PublicKey] of 32 bytes: EdDSA (RFC 8037) and Ed25519 (RFC 9864);
//   - anything else, a nil key or a []byte in particular: the empty set.
//
// AlgorithmsFor never returns an HMAC algorithm, even for a []byte: treating
// public key material as an HMAC secret is the classic algorithm-confusion
// attack. Use [AlgorithmsForSecret] for an explicitly configured secret. The
// key-set loader calls AlgorithmsFor once per key, off the request path.
func AlgorithmsFor(key crypto.PublicKey) AlgorithmSet {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.BitLen() < MinRSAKeyBits {
			return 0
		}
		return rsaAlgorithms
	case *ecdsa.PublicKey:
		if k == nil || k.X == nil || k.Y == nil { // crypto/ecdsa panics on nil coordinates
			return 0
		}
		switch k.Curve {
		case elliptic.P256():
			return Algorithms(ES256)
		case elliptic.P384():
			return Algorithms(ES384)
		case elliptic.P521():
			return Algorithms(ES512)
		}
		return 0
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return 0
		}
		return Algorithms(EdDSA, Ed25519)
	}
	return 0
}

// AlgorithmsForSecret returns the HMAC algorithms an explicitly configured
// secret may verify: RFC 7518 §3.2 requires a key at least as long as the
// hash output, so a secret of 32 bytes or more allows HS256, of 48 or more
// also HS384, of 64 or more also HS512. A shorter secret gets the empty set.
func AlgorithmsForSecret(secret []byte) AlgorithmSet {
	var s AlgorithmSet
	for _, a := range [...]Algorithm{HS256, HS384, HS512} {
		if len(secret) >= a.hash().Size() {
			s = s.With(a)
		}
	}
	return s
}

// Fits reports whether a can be verified with key, that is whether
// [AlgorithmsFor](key) holds a. It is never true for an HMAC algorithm; see
// [AlgorithmsForSecret].
func (a Algorithm) Fits(key crypto.PublicKey) bool { return AlgorithmsFor(key).Has(a) }

// hash returns the hash function of a (SHA-256 for RS256, ES256, PS256 and
// HS256, and so on), or 0 for algorithms that hash internally (EdDSA) or do
// not verify.
func (a Algorithm) hash() crypto.Hash {
	switch a {
	case RS256, PS256, ES256, HS256:
		return crypto.SHA256
	case RS384, PS384, ES384, HS384:
		return crypto.SHA384
	case RS512, PS512, ES512, HS512:
		return crypto.SHA512
	}
	return 0
}
