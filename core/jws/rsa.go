package jws

import (
	"bytes"
	"crypto"
	"crypto/fips140"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"sync"

	"github.com/jwksauth/jwksauth/core/jws/internal/mont"
)

// rsaKey is an RSA public key prepared for verification: its modulus
// prepared once for Montgomery arithmetic (package mont), where crypto/rsa
// rebuilds it on every call, and the fixed part of the expected PKCS #1
// v1.5 encoding for each hash. It is immutable and safe for concurrent use.
type rsaKey struct {
	pub  *rsa.PublicKey
	n    *mont.Key
	size int // k, the modulus length in bytes: every signature is exactly this long
	// emBits is the PSS encoded message's length in bits, modBits-1 (RFC
	// 8017 §8.1.2 step 2).
	emBits int
	// pkcs1 holds, for SHA-256, SHA-384 and SHA-512, the expected PKCS #1
	// v1.5 encoding EM = 0x00 0x01 PS(0xff…) 0x00 DigestInfo(prefix) ‖
	// digest of RFC 8017 §9.2, prepared with its fixed part: a verification
	// compares s^e mod n with all of it, as numbers below n.
	pkcs1 [3]*mont.Encoding
}

// fastPathAvailable is false when the standard library must do every
// verification itself: in FIPS 140-3 mode (GODEBUG=fips140=on or only) the
// validated module must be used, and with GOEXPERIMENT=boringcrypto
// BoringSSL must (see boring.go).
var fastPathAvailable = !fips140.Enabled() && !boringCrypto

// digestInfoPrefix is the DER DigestInfo before the digest, RFC 8017 §9.2
// note 1, for SHA-256, SHA-384 and SHA-512 (the same bytes crypto/rsa uses).
var digestInfoPrefix = [3][]byte{
	{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// hashIndex maps SHA-256, SHA-384 and SHA-512 to 0, 1, 2.
func hashIndex(h crypto.Hash) int {
	switch h {
	case crypto.SHA256:
		return 0
	case crypto.SHA384:
		return 1
	}
	return 2
}

// newRSAKey prepares pub for the fast path, or returns nil when the fast
// path must not take it and crypto/rsa verifies instead: a key that fits no
// RSA algorithm (under MinRSAKeyBits, see AlgorithmsFor), a key crypto/rsa
// itself refuses (even modulus; exponent not odd, below 3 or above 2³¹-1:
// checkPublicKey of crypto/internal/fips140/rsa), or a standard library in
// FIPS 140 or BoringCrypto mode. For every key it returns nil for,
// PreparedKey.Verify gives exactly what Verify gives.
func newRSAKey(pub *rsa.PublicKey) *rsaKey {
	if !fastPathAvailable || pub == nil || pub.N == nil || pub.N.Sign() <= 0 ||
		pub.N.BitLen() < MinRSAKeyBits || pub.N.Bit(0) == 0 ||
		pub.E < 3 || pub.E&1 == 0 || pub.E > 1<<31-1 {
		return nil
	}
	n, err := mont.New(pub.N, pub.E)
	if err != nil || n.Size() != pub.Size() {
		return nil
	}
	k := &rsaKey{pub: pub, n: n, size: pub.Size(), emBits: pub.N.BitLen() - 1}
	for i, prefix := range digestInfoPrefix {
		hLen := [...]int{sha256.Size, sha512.Size384, sha512.Size}[i]
		tLen := len(prefix) + hLen
		if k.size < tLen+11 { // RFC 8017 §9.2 step 3; unreachable at 2048 bits
			return nil
		}
		em := make([]byte, k.size-hLen)
		em[0], em[1] = 0x00, 0x01
		ps := em[2 : k.size-tLen-1]
		for j := range ps {
			ps[j] = 0xff
		}
		em[k.size-tLen-1] = 0x00
		copy(em[k.size-tLen:], prefix)
		if k.pkcs1[i], err = n.NewEncoding(em, hLen); err != nil {
			return nil // unreachable: EM begins with 0x00 0x01, n with a 1 bit in its top byte
		}
	}
	return k
}

// rsaScratch is the working memory of one fast-path verification: the
// exponentiation's words and the encoded message as bytes.
type rsaScratch struct {
	exp mont.Scratch
	em  []byte
}

var rsaScratchPool = sync.Pool{New: func() any { return new(rsaScratch) }}

// encrypt computes the RSA verification primitive RSAVP1 (RFC 8017 §5.2.2):
// EM = sig^e mod n as exactly k big-endian bytes in sc.em. It reports false
// for a signature whose length is not k or whose value is not below n (step
// 1, "signature representative out of range").
func (k *rsaKey) encrypt(sc *rsaScratch, sig []byte) bool {
	if cap(sc.em) < k.size {
		sc.em = make([]byte, k.size)
	}
	sc.em = sc.em[:k.size]
	return k.n.Exp(sc.em, sig, &sc.exp)
}

// verifyPKCS1v15 is RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 §8.2.2) of digest, a
// hash h output: s^e mod n is compared with the one expected
// EMSA-PKCS1-v1_5 encoding (§9.2), all of it, as crypto/rsa compares all k
// bytes; both are below n, so equal numbers are equal byte strings. There is
// no parsing of the decrypted block, so no room for the lenient-parser
// forgeries of Bleichenbacher's 2006 attack.
func (k *rsaKey) verifyPKCS1v15(h crypto.Hash, digest, sig []byte) bool {
	// ExpEquals refuses a signature or a digest of the wrong length.
	sc := rsaScratchPool.Get().(*rsaScratch)
	defer rsaScratchPool.Put(sc)
	return k.n.ExpEquals(sig, k.pkcs1[hashIndex(h)], digest, &sc.exp)
}

// verifyPSS is RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) of digest, a hash h
// output, with MGF1 over h and a salt exactly as long as the hash (RFC 7518
// §3.5), EMSA-PSS-VERIFY written from RFC 8017 §9.1.2.
func (k *rsaKey) verifyPSS(h crypto.Hash, digest, sig []byte) bool {
	hLen := h.Size()
	if len(digest) != hLen { // step 2: mHash = Hash(M) (computed by the caller)
		return false
	}
	sc := rsaScratchPool.Get().(*rsaScratch)
	defer rsaScratchPool.Put(sc)
	if !k.encrypt(sc, sig) {
		return false
	}
	// §8.1.2 step 2c: EM = I2OSP(m, emLen) with emLen = ⌈emBits/8⌉. When
	// modBits-1 is a multiple of 8, emLen is k-1 and the leading byte of the
	// k-byte representation must be zero.
	emBits := k.emBits
	emLen := (emBits + 7) / 8
	em := sc.em
	if len(em) > emLen {
		if em[0] != 0 {
			return false
		}
		em = em[1:]
	}
	sLen := hLen
	// §9.1.2 step 3.
	if emLen < hLen+sLen+2 {
		return false
	}
	// Step 4: the rightmost octet is 0xbc.
	if em[emLen-1] != 0xbc {
		return false
	}
	// Step 5: maskedDB is the leftmost emLen-hLen-1 octets, H the next hLen.
	db := em[:emLen-hLen-1]
	hh := em[emLen-hLen-1 : emLen-1]
	// Step 6: the leftmost 8·emLen-emBits bits of maskedDB are zero.
	bitMask := byte(0xff >> (8*emLen - emBits))
	if db[0]&^bitMask != 0 {
		return false
	}
	// Steps 7-8: DB = maskedDB ⊕ MGF1(H, emLen-hLen-1).
	mgf1XOR(db, h, hh)
	// Step 9: clear those leftmost bits of DB.
	db[0] &= bitMask
	// Step 10: DB = PS (emLen-hLen-sLen-2 zero octets) || 0x01 || salt.
	psLen := emLen - hLen - sLen - 2
	for _, b := range db[:psLen] {
		if b != 0 {
			return false
		}
	}
	if db[psLen] != 0x01 {
		return false
	}
	// Step 11: the salt is the last sLen octets of DB.
	salt := db[len(db)-sLen:]
	// Steps 12-13: H' = Hash(0x00×8 || mHash || salt).
	var mPrime [8 + 2*sha512.Size]byte
	n := 8 + copy(mPrime[8:], digest)
	n += copy(mPrime[n:], salt)
	var d [sha512.Size]byte
	// Step 14: H = H'.
	return bytes.Equal(sum(h, mPrime[:n], &d), hh)
}

// mgf1XOR XORs out with MGF1(seed, len(out)) over h (RFC 8017 §B.2.1),
// hashing seed || counter on the stack.
func mgf1XOR(out []byte, h crypto.Hash, seed []byte) {
	var in [sha512.Size + 4]byte
	n := copy(in[:], seed)
	var d [sha512.Size]byte
	for counter := uint32(0); len(out) > 0; counter++ {
		binary.BigEndian.PutUint32(in[n:], counter)
		t := sum(h, in[:n+4], &d)
		c := min(len(out), len(t))
		for i := range c {
			out[i] ^= t[i]
		}
		out = out[c:]
	}
}
