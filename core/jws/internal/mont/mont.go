// Package mont computes the RSA verification primitive s^e mod n (RFC 8017
// §5.2.2, RSAVP1) for a public key prepared once: Montgomery multiplication
// with no conversion into or out of the Montgomery domain per call, and a
// variable-time final subtraction.
//
// Everything it handles is public (the key, the signature, the recovered
// block), so nothing needs constant time; it is not for secret operands. The
// word-by-word Montgomery loop is the one of filippo.io/bigmod (the standard
// library's crypto/internal/fips140/bigmod), over the same assembly, copied
// here (mul_amd64.s, mul_arm64.s, under the Go authors' BSD licence in
// LICENSE) because bigmod does not export its Montgomery multiplication. What
// differs, and saves 13% of a 2048-bit exponentiation against bigmod's
// ExpShortVarTime (docs/decisions/0024):
//
//   - bigmod converts s into the Montgomery domain (one multiplication by R²)
//     and the result out of it (one by 1): 19 multiplications for e = 65537.
//     Here s itself is taken as the Montgomery form of s·R⁻¹; square-and-
//     multiply then yields s^e·R^(1-e), and one multiplication by the
//     per-key constant R^e mod n gives s^e: 18 multiplications.
//   - the conditional subtraction after each multiplication is a comparison
//     and a branch instead of a masked subtraction of every word.
package mont

import (
	"errors"
	"math/big"
	"math/bits"
)

const (
	wordBits = bits.UintSize
	// The word counts the assembly takes.
	w2048, w1536, w1024 = 2048 / wordBits, 1536 / wordBits, 1024 / wordBits
)

// Key is an RSA public key prepared for s^e mod n. It is immutable and safe
// for concurrent use.
type Key struct {
	n     []uint // the modulus, little-endian words
	m0inv uint   // -n⁻¹ mod 2^wordBits
	k     []uint // R^e mod n, R = 2^(wordBits·len(n))
	e     uint
	size  int // the modulus length in bytes
}

// New prepares the modulus n and exponent e. n must be odd and above 1, e
// odd and at least 3.
func New(n *big.Int, e int) (*Key, error) {
	if n == nil || n.Sign() <= 0 || n.Bit(0) == 0 || n.BitLen() < 2 {
		return nil, errors.New("mont: modulus not odd and above 1")
	}
	if e < 3 || e&1 == 0 {
		return nil, errors.New("mont: exponent not odd and at least 3")
	}
	words := (n.BitLen() + wordBits - 1) / wordBits
	k := &Key{n: toWords(n, words), e: uint(e), size: (n.BitLen() + 7) / 8}
	// Newton's iteration doubles the correct low bits of n⁻¹ mod 2^W from
	// 1 (n is odd): six rounds reach 64.
	inv := uint(1)
	for range 6 {
		inv *= 2 - k.n[0]*inv
	}
	k.m0inv = -inv
	r := new(big.Int).Lsh(big.NewInt(1), uint(wordBits*words))
	k.k = toWords(r.Exp(r, big.NewInt(int64(e)), n), words)
	return k, nil
}

func toWords(x *big.Int, words int) []uint {
	out := make([]uint, words)
	for i, w := range x.Bits() {
		out[i] = uint(w)
	}
	return out
}

// Size is the modulus length in bytes: the length of every signature and of
// every recovered block.
func (k *Key) Size() int { return k.size }

// Scratch is the working memory of one exponentiation. A zero Scratch is
// ready; one Scratch serves any key, one call at a time.
type Scratch struct {
	x, z, t []uint
}

func (s *Scratch) grow(words int) {
	if cap(s.x) < words {
		s.x = make([]uint, words)
		s.z = make([]uint, words)
		s.t = make([]uint, 2*words)
	}
	s.x, s.z, s.t = s.x[:words], s.z[:words], s.t[:2*words]
}

// Exp writes sig^e mod n into em as exactly Size() big-endian bytes. It
// reports false, writing nothing, when len(sig) or len(em) is not Size() or
// sig as a number is not below n ("signature representative out of range",
// RFC 8017 §5.2.2 step 1).
func (k *Key) Exp(em, sig []byte, s *Scratch) bool {
	if len(em) != k.size || !k.expRaw(sig, s) {
		return false
	}
	k.mul(s.z, s.z, k.k, s.t)
	toBytes(em, s.z)
	return true
}

// expRaw sets s.z to sig^e·R^(1-e) mod n: square-and-multiply on sig taken
// as the Montgomery form of sig·R⁻¹. It reports false when len(sig) is not
// Size() or sig is not below n.
func (k *Key) expRaw(sig []byte, s *Scratch) bool {
	if len(sig) != k.size {
		return false
	}
	s.grow(len(k.n))
	x, z, t := s.x, s.z, s.t
	fromBytes(x, sig)
	if !less(x, k.n) {
		return false
	}
	copy(z, x)
	for i := bits.Len(k.e) - 2; i >= 0; i-- {
		k.mul(z, z, z, t)
		if k.e>>uint(i)&1 == 1 {
			k.mul(z, z, x, t)
		}
	}
	return true
}

// Encoding is an expected encoded message prefix‖v whose prefix is fixed
// and whose last bytes v vary (a PKCS #1 v1.5 encoding: the padding and
// DigestInfo, then the digest), prepared for [Key.ExpEquals].
type Encoding struct {
	low int    // len(v) in bytes
	fk  []uint // prefix‖0…0 times R^(1-e), mod n
	c   []uint // R^(1-e)·2^(W·m) mod n, m = the words of v
}

// NewEncoding prepares the encodings prefix‖v for every v of low bytes,
// len(prefix)+low = Size(). It fails if one of them could reach n: then
// equality modulo n would not be equality of the bytes.
func (k *Key) NewEncoding(prefix []byte, low int) (*Encoding, error) {
	if low <= 0 || len(prefix)+low != k.size {
		return nil, errors.New("mont: encoding of the wrong length")
	}
	n := k.bigN()
	base := new(big.Int).Lsh(new(big.Int).SetBytes(prefix), uint(8*low))
	top := new(big.Int).Lsh(big.NewInt(1), uint(8*low))
	if new(big.Int).Add(base, top).Cmp(n) > 0 { // base + 2^(8·low) - 1 ≥ n
		return nil, errors.New("mont: encoding not below the modulus")
	}
	words := len(k.n)
	r := new(big.Int).Lsh(big.NewInt(1), uint(wordBits*words))
	rInv := new(big.Int).ModInverse(r, n)
	r1e := new(big.Int).Exp(rInv, big.NewInt(int64(k.e-1)), n) // R^(1-e)
	m := (low + wordBits/8 - 1) / (wordBits / 8)
	fk := new(big.Int).Mul(base, r1e)
	c := new(big.Int).Lsh(r1e, uint(wordBits*m))
	return &Encoding{
		low: low,
		fk:  toWords(fk.Mod(fk, n), words),
		c:   toWords(c.Mod(c, n), words),
	}, nil
}

// bigN is the modulus as a big.Int.
func (k *Key) bigN() *big.Int {
	w := make([]big.Word, len(k.n))
	for i, x := range k.n {
		w[i] = big.Word(x)
	}
	return new(big.Int).SetBits(w)
}

// ExpEquals reports whether sig^e mod n is the encoding prefix‖v that enc
// prepared, compared as numbers below n, which is comparing all Size()
// bytes. It reports false when len(sig) is not Size(), sig is not below n
// or len(v) is not enc's. Where Exp converts s^e·R^(1-e) out of the
// Montgomery domain with a full multiplication, ExpEquals brings the
// expected value into it instead: the prefix's part is precomputed, and v's
// (a digest: four to eight words) costs a Montgomery multiplication by a
// number of that many words, a tenth of a full one at 2048 bits.
func (k *Key) ExpEquals(sig []byte, enc *Encoding, v []byte, s *Scratch) bool {
	if enc == nil || len(v) != enc.low || len(enc.fk) != len(k.n) || !k.expRaw(sig, s) {
		return false
	}
	n := len(k.n)
	mod := k.n
	t := s.t
	// d: v as words, in s.x (the exponentiation is done with it).
	m := (len(v) + wordBits/8 - 1) / (wordBits / 8)
	d := s.x[:m]
	fromBytes(d, v)
	// v·R^(1-e) = c·d·2^(-W·m) mod n: the Montgomery loop for m words of
	// d. The window t[m:n+m] with the carry is below 2n (c < n, d < 2^(W·m)).
	clear(t[:n])
	var carry uint
	for i := range m {
		c1 := addMulVVW(t[i:n+i], enc.c, d[i])
		c2 := addMulVVW(t[i:n+i], mod, t[i]*k.m0inv)
		t[n+i], carry = bits.Add(c1, c2, carry)
	}
	dk := t[m : n+m]
	if carry != 0 || !less(dk, mod) {
		sub(dk, mod)
	}
	// want = fk + dk mod n, both below n.
	carry = 0
	for i := range dk {
		dk[i], carry = bits.Add(dk[i], enc.fk[i], carry)
	}
	if carry != 0 || !less(dk, mod) {
		sub(dk, mod)
	}
	z := s.z
	for i := range z {
		if z[i] != dk[i] {
			return false
		}
	}
	return true
}

// sub sets z -= y, discarding the borrow.
func sub(z, y []uint) {
	var borrow uint
	for i := range z {
		z[i], borrow = bits.Sub(z[i], y[i], borrow)
	}
}

// mul sets z = a·b·R⁻¹ mod n, for a, b < n; z may alias a or b. t has
// 2·len(n) words.
func (k *Key) mul(z, a, b, t []uint) {
	n := len(k.n)
	mod := k.n
	// Word-by-word Montgomery multiplication (Gueron, "Efficient software
	// implementations of modular exponentiation", algorithm 4), as in
	// bigmod: step i adds a·b[i] and Y·n to the window t[i:n+i], where Y
	// makes its lowest word zero, and moves the window up one word. Only
	// t[:n] is read before it is written.
	clear(t[:n])
	_, _, _ = a[n-1], b[n-1], t[2*n-1]
	m0inv := k.m0inv
	var c uint
	switch n {
	case w2048: // the common 2048-bit key: the assembly called directly
		for i := range n {
			c1 := addMulVVW2048(&t[i], &a[0], b[i])
			c2 := addMulVVW2048(&t[i], &mod[0], t[i]*m0inv)
			t[n+i], c = bits.Add(c1, c2, c)
		}
	default:
		for i := range n {
			c1 := addMulVVW(t[i:n+i], a, b[i])
			c2 := addMulVVW(t[i:n+i], mod, t[i]*m0inv)
			t[n+i], c = bits.Add(c1, c2, c)
		}
	}
	// The result, c:t[n:], is below 2n: subtract n once if it is not below
	// n. Variable time: every operand is public.
	copy(z, t[n:])
	if c != 0 || !less(z, mod) {
		sub(z, mod)
	}
}

// less reports whether x < y, both of len(y) words.
func less(x, y []uint) bool {
	for i := len(y) - 1; i >= 0; i-- {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return false
}

// addMulVVW sets z += x·y and returns the carry word, len(z) == len(x). It
// runs the assembly on chunks of 2048, 1536 and 1024 bits and the portable
// loop on the rest, adding each chunk's carry into the next chunk.
func addMulVVW(z, x []uint, y uint) uint {
	_ = z[len(x)-1]
	var carry uint
	for off := 0; off < len(x); {
		var c uint
		var w int
		switch rest := len(x) - off; {
		case rest >= w2048:
			w = w2048
			c = addMulVVW2048(&z[off], &x[off], y)
		case rest >= w1536:
			w = w1536
			c = addMulVVW1536(&z[off], &x[off], y)
		case rest >= w1024:
			w = w1024
			c = addMulVVW1024(&z[off], &x[off], y)
		default:
			w = rest
			c = addMulVVWGeneric(z[off:], x[off:], y)
		}
		// The previous chunk's carry belongs at z[off]. z[off:off+w] +
		// x[off:off+w]·y + carry is below 2^(W·(w+1)), so c absorbs any
		// overflow without overflowing itself.
		for i := off; carry != 0 && i < off+w; i++ {
			z[i], carry = bits.Add(z[i], carry, 0)
		}
		carry += c
		off += w
	}
	return carry
}

// addMulVVWGeneric is the portable z += x·y, len(z) >= len(x).
func addMulVVWGeneric(z, x []uint, y uint) (carry uint) {
	z = z[:len(x)]
	for i := range x {
		hi, lo := bits.Mul(x[i], y)
		lo, c := bits.Add(lo, z[i], 0)
		hi, _ = bits.Add(hi, 0, c)
		lo, c = bits.Add(lo, carry, 0)
		hi, _ = bits.Add(hi, 0, c)
		carry = hi
		z[i] = lo
	}
	return carry
}

// fromBytes sets the words x to the big-endian b, which fits in them.
func fromBytes(x []uint, b []byte) {
	const wb = wordBits / 8
	i := 0
	for ; len(b) >= wb; i++ {
		var w uint
		for _, c := range b[len(b)-wb:] {
			w = w<<8 | uint(c)
		}
		x[i] = w
		b = b[:len(b)-wb]
	}
	if i < len(x) {
		var w uint
		for _, c := range b {
			w = w<<8 | uint(c)
		}
		x[i] = w
		clear(x[i+1:])
	}
}

// toBytes writes the words x as big-endian bytes filling b; x is below a
// modulus of len(b) bytes, so its words above those bytes are zero.
func toBytes(b []byte, x []uint) {
	const wb = wordBits / 8
	for _, w := range x {
		for j := len(b) - 1; j >= 0 && j >= len(b)-wb; j-- {
			b[j] = byte(w)
			w >>= 8
		}
		if len(b) <= wb {
			return
		}
		b = b[:len(b)-wb]
	}
}
