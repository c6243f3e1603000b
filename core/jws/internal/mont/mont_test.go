package mont

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

// randomOdd returns a random odd number of exactly bits bits.
func randomOdd(t testing.TB, r *mrand.Rand, bitLen int) *big.Int {
	t.Helper()
	b := make([]byte, (bitLen+7)/8)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	n := new(big.Int).SetBytes(b)
	n.SetBit(n, bitLen-1, 1)
	for i := bitLen; i < len(b)*8; i++ {
		n.SetBit(n, i, 0)
	}
	return n.SetBit(n, 0, 1)
}

// check compares Exp with math/big's for x (as a Size()-byte string).
func check(t *testing.T, k *Key, n *big.Int, e int, x *big.Int, s *Scratch) {
	t.Helper()
	sig := x.FillBytes(make([]byte, k.Size()))
	em := make([]byte, k.Size())
	ok := k.Exp(em, sig, s)
	if x.Cmp(n) >= 0 {
		if ok {
			t.Fatalf("%d-bit n, x ≥ n accepted", n.BitLen())
		}
		return
	}
	want := new(big.Int).Exp(x, big.NewInt(int64(e)), n).FillBytes(make([]byte, k.Size()))
	if !ok || !bytes.Equal(em, want) {
		t.Fatalf("%d-bit n, e=%d, x=%x: got %x (ok %v), want %x", n.BitLen(), e, x, em, ok, want)
	}
}

// TestExpAgainstMathBig: random odd moduli from 64 to 8,200 bits (every
// chunking of the assembly: whole 2048-, 1536- and 1024-bit chunks and
// portable tails), exponents 3, 65537, 2³¹-1 and random odd ones, and the
// edge values 0, 1, 2, n-1, n, n+1 and a random x, all against
// big.Int.Exp; one Scratch reused across sizes.
func TestExpAgainstMathBig(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	var s Scratch
	sizes := []int{64, 65, 127, 512, 1000, 1023, 1024, 1025, 1536, 1600, 2047, 2048, 2049, 2560, 3072, 3073, 4095, 4096, 6144, 8192, 8200}
	for _, bitLen := range sizes {
		for _, e := range []int{3, 65537, 1<<31 - 1, int(r.Uint32()>>1) | 1} {
			n := randomOdd(t, r, bitLen)
			k, err := New(n, e)
			if err != nil {
				t.Fatal(err)
			}
			one := big.NewInt(1)
			for _, x := range []*big.Int{
				big.NewInt(0), big.NewInt(1), big.NewInt(2),
				new(big.Int).Sub(n, one), new(big.Int).Set(n),
				randBelow(t, n),
			} {
				check(t, k, n, e, x, &s)
			}
			if x := new(big.Int).Add(n, one); x.BitLen() <= 8*k.Size() {
				check(t, k, n, e, x, &s)
			}
		}
	}
}

func randBelow(t testing.TB, n *big.Int) *big.Int {
	x, err := rand.Int(rand.Reader, n)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// checkEquals compares ExpEquals with Exp for x, the encoding split at
// low bytes: for y = x^e mod n itself, for y with one bit of v flipped and
// for y with one bit of the prefix flipped.
func checkEquals(t *testing.T, k *Key, x *big.Int, low int, s *Scratch) {
	t.Helper()
	sig := x.FillBytes(make([]byte, k.Size()))
	y := make([]byte, k.Size())
	if !k.Exp(y, sig, s) {
		return // x ≥ n: check covers it
	}
	prefix, v := y[:len(y)-low], y[len(y)-low:]
	enc, err := k.NewEncoding(prefix, low)
	if err != nil {
		// prefix‖ff…ff reaches n: only when y shares n's leading bytes.
		if bytes.Compare(append(append([]byte(nil), prefix...), bytes.Repeat([]byte{0xff}, low)...),
			k.bigN().FillBytes(make([]byte, k.Size()))) < 0 {
			t.Fatalf("NewEncoding refused an encoding below n: %v", err)
		}
		return
	}
	if !k.ExpEquals(sig, enc, v, s) {
		t.Fatalf("%d-bit n, e=%d, low %d: ExpEquals false for s^e mod n itself", k.bigN().BitLen(), k.e, low)
	}
	bad := append([]byte(nil), v...)
	bad[len(bad)/2] ^= 0x10
	if k.ExpEquals(sig, enc, bad, s) {
		t.Fatalf("ExpEquals true with a flipped bit in v")
	}
	if k.ExpEquals(sig, enc, v[1:], s) {
		t.Fatalf("ExpEquals true with v one byte short")
	}
	if len(prefix) > 0 {
		p2 := append([]byte(nil), prefix...)
		p2[len(p2)-1] ^= 0x01
		if enc2, err := k.NewEncoding(p2, low); err == nil && k.ExpEquals(sig, enc2, v, s) {
			t.Fatalf("ExpEquals true with a flipped bit in the prefix")
		}
	}
}

// TestExpEquals: ExpEquals agrees with Exp and a byte comparison over the
// sizes and exponents of TestExpAgainstMathBig, for digests of 32, 48 and
// 64 bytes and odd lengths, and NewEncoding refuses encodings of the wrong
// length or that can reach n.
func TestExpEquals(t *testing.T) {
	r := mrand.New(mrand.NewPCG(9, 10))
	var s Scratch
	for _, bitLen := range []int{600, 1024, 1025, 2047, 2048, 2049, 3072, 4096, 8192} {
		for _, e := range []int{3, 65537, 1<<31 - 1, int(r.Uint32()>>1) | 1} {
			n := randomOdd(t, r, bitLen)
			k, err := New(n, e)
			if err != nil {
				t.Fatal(err)
			}
			for _, low := range []int{32, 48, 64, 1, 7, 33} {
				for range 3 {
					checkEquals(t, k, randBelow(t, n), low, &s)
				}
			}
			size := k.Size()
			for _, c := range []struct{ prefix, low int }{{size - 32, 31}, {size, 0}, {0, size + 1}} {
				if _, err := k.NewEncoding(make([]byte, c.prefix), c.low); err == nil {
					t.Fatalf("NewEncoding of %d+%d bytes for a %d-byte key accepted", c.prefix, c.low, size)
				}
			}
			if _, err := k.NewEncoding(bytes.Repeat([]byte{0xff}, size-32), 32); err == nil {
				t.Fatal("NewEncoding accepted an encoding above n")
			}
		}
	}
}

// TestExpRSAKeys: real RSA keys of 2048, 3072 and 4096 bits; Exp of a
// signature equals the encoding crypto/rsa signed, through the public key.
func TestExpRSAKeys(t *testing.T) {
	for _, bitLen := range []int{2048, 3072, 4096} {
		priv, err := rsa.GenerateKey(rand.Reader, bitLen)
		if err != nil {
			t.Fatal(err)
		}
		k, err := New(priv.N, priv.E)
		if err != nil {
			t.Fatal(err)
		}
		var s Scratch
		for range 20 {
			m, err := rand.Int(rand.Reader, priv.N)
			if err != nil {
				t.Fatal(err)
			}
			sig := new(big.Int).Exp(m, priv.D, priv.N)
			em := make([]byte, k.Size())
			if !k.Exp(em, sig.FillBytes(make([]byte, k.Size())), &s) {
				t.Fatal("a signature below n refused")
			}
			if !bytes.Equal(em, m.FillBytes(make([]byte, k.Size()))) {
				t.Fatalf("%d bits: s^e mod n is not the signed value", bitLen)
			}
		}
	}
}

// TestExpRefusesWrongLengths: a signature or output buffer of any length
// but Size() is refused without writing.
func TestExpRefusesWrongLengths(t *testing.T) {
	n := randomOdd(t, mrand.New(mrand.NewPCG(3, 4)), 2048)
	k, err := New(n, 65537)
	if err != nil {
		t.Fatal(err)
	}
	var s Scratch
	for _, l := range []int{0, 1, 255, 257, 512} {
		em := make([]byte, 256)
		if k.Exp(em, make([]byte, l), &s) {
			t.Fatalf("signature of %d bytes accepted", l)
		}
		if k.Exp(make([]byte, l), make([]byte, 256), &s) {
			t.Fatalf("output of %d bytes accepted", l)
		}
	}
}

// TestNewRefuses: even, zero, negative or one moduli and even or small
// exponents.
func TestNewRefuses(t *testing.T) {
	for _, c := range []struct {
		n *big.Int
		e int
	}{
		{nil, 65537}, {big.NewInt(0), 65537}, {big.NewInt(-7), 65537}, {big.NewInt(1), 65537},
		{big.NewInt(1 << 20), 65537}, {big.NewInt(1<<20 + 1), 2}, {big.NewInt(1<<20 + 1), 1},
		{big.NewInt(1<<20 + 1), 65536}, {big.NewInt(1<<20 + 1), -3},
	} {
		if _, err := New(c.n, c.e); err == nil {
			t.Errorf("New(%v, %d) accepted", c.n, c.e)
		}
	}
}

// TestAddMulVVW: the chunked z += x·y against the portable loop for every
// length from 1 to 130 words, with all-ones operands (every carry
// propagates) and random ones.
func TestAddMulVVW(t *testing.T) {
	r := mrand.New(mrand.NewPCG(5, 6))
	for l := 1; l <= 130; l++ {
		for _, fill := range []func() uint{func() uint { return ^uint(0) }, func() uint { return uint(r.Uint64()) }} {
			z, x := make([]uint, l), make([]uint, l)
			for i := range z {
				z[i], x[i] = fill(), fill()
			}
			y := fill()
			want := append([]uint(nil), z...)
			wc := addMulVVWGeneric(want, x, y)
			got := append([]uint(nil), z...)
			gc := addMulVVW(got, x, y)
			if gc != wc || !equal(got, want) {
				t.Fatalf("length %d: carry %x, want %x", l, gc, wc)
			}
		}
	}
}

func equal(a, b []uint) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// FuzzExp: any modulus (made odd), exponent (made odd, ≥ 3, below 2¹⁶)
// and value agree with big.Int.Exp.
func FuzzExp(f *testing.F) {
	f.Add([]byte{0xc5, 0x01, 0x77}, []byte{0x02}, uint16(65535))
	f.Add(bytes.Repeat([]byte{0xff}, 256), bytes.Repeat([]byte{0xfe}, 256), uint16(3))
	var s Scratch
	f.Fuzz(func(t *testing.T, nb, xb []byte, e16 uint16) {
		if len(nb) == 0 || len(nb) > 1100 {
			return
		}
		n := new(big.Int).SetBytes(nb)
		n.SetBit(n, 0, 1)
		if n.BitLen() < 2 {
			return
		}
		e := int(e16) | 1
		if e < 3 {
			e = 3
		}
		k, err := New(n, e)
		if err != nil {
			t.Fatal(err)
		}
		x := new(big.Int).SetBytes(xb)
		if x.BitLen() > 8*k.Size() {
			return
		}
		check(t, k, n, e, x, &s)
		checkEquals(t, k, x, min(32, k.Size()), &s)
	})
}

// BenchmarkExp is s^65537 mod n for a 2048-, 3072- and 4096-bit key.
func BenchmarkExp(b *testing.B) {
	for _, bitLen := range []int{2048, 3072, 4096} {
		b.Run(big.NewInt(int64(bitLen)).String(), func(b *testing.B) {
			n := randomOdd(b, mrand.New(mrand.NewPCG(7, 8)), bitLen)
			k, err := New(n, 65537)
			if err != nil {
				b.Fatal(err)
			}
			x, err := rand.Int(rand.Reader, n)
			if err != nil {
				b.Fatal(err)
			}
			sig := x.FillBytes(make([]byte, k.Size()))
			em := make([]byte, k.Size())
			var s Scratch
			want := new(big.Int).Exp(x, big.NewInt(65537), n).FillBytes(make([]byte, k.Size()))
			b.ReportAllocs()
			for b.Loop() {
				if !k.Exp(em, sig, &s) {
					b.Fatal("refused")
				}
			}
			if !bytes.Equal(em, want) {
				b.Fatal("s^e mod n differs from math/big's")
			}
		})
	}
}
