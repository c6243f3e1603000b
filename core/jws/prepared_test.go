package jws_test

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/fips140"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
)

// The tests of this file hold the RSA fast path of PreparedKey (a modulus
// precomputed once, RFC 8017 encodings checked by jwksauth) to exactly what
// crypto/rsa decides, on every input: Wycheproof vectors (vectors_test.go
// runs both on each), random keys of several sizes, encodings crafted to
// break one check at a time and signed with the raw private operation, and a
// fuzz target.

var rsaAlgs = []jws.Algorithm{jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512}

// sizedKeys are RSA keys of sizes where the encodings differ: 2048, 3072
// and 4096 bits, and 2049 and 3073, where PSS's emLen is one byte shorter
// than the modulus (modBits-1 is a multiple of 8).
var (
	sizedOnce sync.Once
	sizedKeys map[int]*rsa.PrivateKey
)

func rsaKeysBySize(tb testing.TB) map[int]*rsa.PrivateKey {
	tb.Helper()
	sizedOnce.Do(func() {
		sizedKeys = map[int]*rsa.PrivateKey{2048: getKeys(tb).rsa2048, 3072: getKeys(tb).rsa3072}
		for _, bits := range []int{2049, 3073, 4096} {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				panic(err)
			}
			sizedKeys[bits] = k
		}
	})
	return sizedKeys
}

// reference verifies with crypto/rsa directly, the way RFC 7518 asks:
// PKCS #1 v1.5, or PSS with MGF1 over the same hash and a salt as long as
// the hash.
func reference(alg jws.Algorithm, pub *rsa.PublicKey, input string, sig []byte) error {
	h := hashOf(alg)
	hh := h.New()
	hh.Write([]byte(input))
	digest := hh.Sum(nil)
	switch alg {
	case jws.PS256, jws.PS384, jws.PS512:
		return rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	return rsa.VerifyPKCS1v15(pub, h, digest, sig)
}

// agree verifies with the prepared key and with crypto/rsa and fails the
// test unless both accept or both reject; a rejection must wrap
// ErrSignature. It returns whether the signature verified.
func agree(tb testing.TB, p *jws.PreparedKey, alg jws.Algorithm, input string, sig []byte) bool {
	tb.Helper()
	got := p.Verify(alg, input, sig)
	want := reference(alg, p.Key().(*rsa.PublicKey), input, sig)
	if (got == nil) != (want == nil) {
		tb.Fatalf("%v: prepared key says %v, crypto/rsa says %v (sig %x)", alg, got, want, sig)
	}
	if got != nil && !errors.Is(got, jws.ErrSignature) {
		tb.Fatalf("%v: rejection %v does not wrap ErrSignature", alg, got)
	}
	return got == nil
}

// rawSign computes em^d mod n: the RSA signature whose verification
// recovers exactly em, whatever em encodes. em must be below n.
func rawSign(tb testing.TB, priv *rsa.PrivateKey, em []byte) []byte {
	tb.Helper()
	m := new(big.Int).SetBytes(em)
	if m.Cmp(priv.N) >= 0 {
		tb.Fatalf("rawSign: em is not below the modulus")
	}
	// CRT with the key's precomputed values: much faster than m^d mod n.
	p, q := priv.Primes[0], priv.Primes[1]
	m1 := new(big.Int).Exp(m, priv.Precomputed.Dp, p)
	m2 := new(big.Int).Exp(m, priv.Precomputed.Dq, q)
	h := new(big.Int).Sub(m1, m2)
	h.Mul(h, priv.Precomputed.Qinv).Mod(h, p)
	s := h.Mul(h, q).Add(h, m2)
	return s.FillBytes(make([]byte, priv.Size()))
}

// digestInfo is the DER DigestInfo prefix of RFC 8017 §9.2 note 1.
func digestInfo(h crypto.Hash) []byte {
	oid := map[crypto.Hash]byte{crypto.SHA256: 1, crypto.SHA384: 2, crypto.SHA512: 3}[h]
	return []byte{0x30, byte(0x11 + h.Size()), 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, oid, 0x05, 0x00, 0x04, byte(h.Size())}
}

// pkcs1EM builds EMSA-PKCS1-v1_5(digest) of k bytes (RFC 8017 §9.2),
// written here independently of the code under test.
func pkcs1EM(k int, h crypto.Hash, digest []byte) []byte {
	t := append(digestInfo(h), digest...)
	em := make([]byte, k)
	em[1] = 0x01
	for i := 2; i < k-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(t):], t)
	return em
}

// pssEM builds EMSA-PSS-ENCODE(digest) (RFC 8017 §9.1.1) for a modulus of
// modBits bits, with the given salt, as k bytes (a leading zero when emLen
// is k-1).
func pssEM(k, modBits int, h crypto.Hash, digest, salt []byte) []byte {
	emBits := modBits - 1
	emLen := (emBits + 7) / 8
	hLen := h.Size()
	mp := append(append(make([]byte, 8), digest...), salt...)
	hh := h.New()
	hh.Write(mp)
	H := hh.Sum(nil)
	db := make([]byte, emLen-hLen-1)
	db[len(db)-len(salt)-1] = 0x01
	copy(db[len(db)-len(salt):], salt)
	mask := mgf1(h, H, len(db))
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0xff >> (8*emLen - emBits)
	em := append(append(db, H...), 0xbc)
	return append(make([]byte, k-emLen), em...)
}

func mgf1(h crypto.Hash, seed []byte, n int) []byte {
	var out []byte
	for c := uint32(0); len(out) < n; c++ {
		hh := h.New()
		hh.Write(seed)
		hh.Write(binary.BigEndian.AppendUint32(nil, c))
		out = hh.Sum(out)
	}
	return out[:n]
}

func digestOf(h crypto.Hash, input string) []byte {
	hh := h.New()
	hh.Write([]byte(input))
	return hh.Sum(nil)
}

func isPSS(alg jws.Algorithm) bool { return alg == jws.PS256 || alg == jws.PS384 || alg == jws.PS512 }

// TestPreparedRSARandomKeys signs with crypto/rsa on keys of 2048, 2049,
// 3072, 3073 and 4096 bits, for every RSA algorithm, and requires the
// prepared key to accept exactly what crypto/rsa accepts: the signature, and
// not the signature with a flipped bit, a changed message, another
// algorithm's signature, a value at or above the modulus, or a length off by
// one.
func TestPreparedRSARandomKeys(t *testing.T) {
	for bits, priv := range rsaKeysBySize(t) {
		p := jws.Prepare(&priv.PublicKey)
		if !p.Accelerated() && !fips140.Enabled() {
			t.Fatalf("%d-bit key: fast path not taken", bits)
		}
		for _, alg := range rsaAlgs {
			t.Run(fmt.Sprintf("%d/%v", bits, alg), func(t *testing.T) {
				for i := range 4 {
					input := fmt.Sprintf("eyJhbGciOiJ%v.payload-%d", alg, i)
					sig := signRaw(t, alg, priv, input)
					if !agree(t, p, alg, input, sig) {
						t.Fatal("valid signature rejected")
					}
					flipped := bytes.Clone(sig)
					flipped[i*7%len(sig)] ^= 1 << (i % 8)
					if agree(t, p, alg, input, flipped) {
						t.Fatal("flipped signature accepted")
					}
					if agree(t, p, alg, input+"x", sig) {
						t.Fatal("changed message accepted")
					}
					other := rsaAlgs[(slicesIndex(rsaAlgs, alg)+1+i)%len(rsaAlgs)]
					if agree(t, p, other, input, sig) {
						t.Fatalf("%v signature accepted as %v", alg, other)
					}
				}
				input := "header.payload"
				n := priv.N.FillBytes(make([]byte, priv.Size()))
				nMinus1 := new(big.Int).Sub(priv.N, big.NewInt(1)).FillBytes(make([]byte, priv.Size()))
				ones := bytes.Repeat([]byte{0xff}, priv.Size())
				sig := signRaw(t, alg, priv, input)
				for name, s := range map[string][]byte{
					"N": n, "N-1": nMinus1, "all ones": ones, "zero": make([]byte, priv.Size()),
					"one":        append(make([]byte, priv.Size()-1), 1),
					"short":      sig[1:],
					"long":       append([]byte{0}, sig...),
					"empty":      nil,
					"sig+N":      new(big.Int).Add(new(big.Int).SetBytes(sig), priv.N).Bytes(),
					"truncated0": append(make([]byte, 0, len(sig)), sig[:len(sig)-1]...),
				} {
					if agree(t, p, alg, input, s) {
						t.Fatalf("%s accepted", name)
					}
					if err := p.Verify(alg, input, s); !errors.Is(err, jws.ErrSignature) {
						t.Fatalf("%s: %v, want ErrSignature", name, err)
					}
				}
			})
		}
	}
}

func slicesIndex(s []jws.Algorithm, a jws.Algorithm) int {
	for i, x := range s {
		if x == a {
			return i
		}
	}
	return -1
}

// TestPreparedRSACraftedEncodings signs encoded messages built here with
// one check of RFC 8017 broken at a time (the raw private operation signs
// any block) and requires the prepared key and crypto/rsa to agree on each,
// and the broken ones to be rejected: the fast path does each check
// crypto/rsa does, byte for byte.
func TestPreparedRSACraftedEncodings(t *testing.T) {
	for bits, priv := range rsaKeysBySize(t) {
		p := jws.Prepare(&priv.PublicKey)
		k := priv.Size()
		for _, alg := range rsaAlgs {
			t.Run(fmt.Sprintf("%d/%v", bits, alg), func(t *testing.T) {
				h := hashOf(alg)
				input := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9"
				digest := digestOf(h, input)
				var good []byte
				cases := map[string][]byte{}
				if isPSS(alg) {
					salt := bytes.Repeat([]byte{0x5a}, h.Size())
					good = pssEM(k, bits, h, digest, salt)
					emLen := (bits - 1 + 7) / 8
					lead := k - emLen // 1 when emLen is k-1
					mut := func(name string, f func(em []byte)) {
						em := bytes.Clone(good)
						f(em)
						cases[name] = em
					}
					mut("trailer 0xbd", func(em []byte) { em[k-1] = 0xbd })
					mut("trailer 0x00", func(em []byte) { em[k-1] = 0 })
					mut("H changed", func(em []byte) { em[k-2] ^= 1 })
					if top := 8*emLen - (bits - 1); top > 0 {
						// The top bit set, the next three cleared: still below
						// the modulus (whose top byte is at least 0xb5 for
						// keys crypto/rsa generates), so it can be signed.
						mut("leftmost bit set", func(em []byte) { em[lead] = 0x80 | em[lead]&0x0f })
					}
					if lead == 1 {
						// The modulus's top byte is 0x01 here: a leading 0x01
						// followed by 0x00 stays below it.
						mut("leading byte not zero", func(em []byte) { em[0], em[1] = 1, 0 })
					}
					cases["salt 0"] = pssEM(k, bits, h, digest, nil)
					cases["salt 20"] = pssEM(k, bits, h, digest, salt[:20])
					cases["salt hLen+1"] = pssEM(k, bits, h, digest, append(bytes.Clone(salt), 1))
					cases["salt 2·hLen"] = pssEM(k, bits, h, digest, bytes.Repeat([]byte{1}, 2*h.Size()))
					cases["other digest"] = pssEM(k, bits, h, digestOf(h, input+"."), salt)
					// DB with a non-zero PS byte, and without the 0x01
					// separator: unmask, change, re-mask.
					for name, change := range map[string]func(db []byte, psLen int){
						"PS byte not zero":   func(db []byte, psLen int) { db[psLen/2] = 1 },
						"separator 0x00":     func(db []byte, psLen int) { db[psLen] = 0 },
						"separator 0x02":     func(db []byte, psLen int) { db[psLen] = 2 },
						"PS first byte 0x7f": func(db []byte, psLen int) { db[0] = 0x7f >> (8*emLen - (bits - 1)) },
					} {
						em := bytes.Clone(good)
						e := em[lead:]
						hLen := h.Size()
						db := e[:emLen-hLen-1]
						H := e[emLen-hLen-1 : emLen-1]
						mask := mgf1(h, H, len(db))
						for i := range db {
							db[i] ^= mask[i]
						}
						change(db, emLen-2*hLen-2)
						for i := range db {
							db[i] ^= mask[i]
						}
						db[0] &= 0xff >> (8*emLen - (bits - 1))
						cases[name] = em
					}
				} else {
					good = pkcs1EM(k, h, digest)
					tLen := len(digestInfo(h)) + h.Size()
					mut := func(name string, f func(em []byte) []byte) {
						cases[name] = f(bytes.Clone(good))
					}
					mut("block type 2", func(em []byte) []byte { em[1] = 2; return em })
					mut("block type 0", func(em []byte) []byte { em[1] = 0; return em })
					mut("padding byte 0xfe", func(em []byte) []byte { em[10] = 0xfe; return em })
					mut("last padding byte 0", func(em []byte) []byte { em[k-tLen-2] = 0; return em })
					mut("separator 0xff", func(em []byte) []byte { em[k-tLen-1] = 0xff; return em })
					mut("DigestInfo changed", func(em []byte) []byte { em[k-tLen+3] ^= 1; return em })
					mut("digest changed", func(em []byte) []byte { em[k-1] ^= 1; return em })
					// DigestInfo without the NULL parameters (Wycheproof's
					// "acceptable"): crypto/rsa rejects it, and so must we.
					mut("no NULL parameters", func(em []byte) []byte {
						di := digestInfo(h)
						di = append(append([]byte{0x30, di[1] - 2, 0x30, 0x0b}, di[4:15]...), di[17:]...)
						t2 := append(di, digest...)
						out := make([]byte, k)
						out[1] = 1
						for i := 2; i < k-len(t2)-1; i++ {
							out[i] = 0xff
						}
						copy(out[k-len(t2):], t2)
						return out
					})
					// Garbage after the digest with a shorter padding: the
					// Bleichenbacher 2006 shape; only full comparison stops it.
					mut("garbage after digest", func(em []byte) []byte {
						t2 := append(append(digestInfo(h), digest...), 0xde, 0xad)
						out := make([]byte, k)
						out[1] = 1
						for i := 2; i < k-len(t2)-1; i++ {
							out[i] = 0xff
						}
						copy(out[k-len(t2):], t2)
						return out
					})
					other := jws.RS256
					if alg == jws.RS256 {
						other = jws.RS512
					}
					cases["other hash's encoding"] = pkcs1EM(k, hashOf(other), digestOf(hashOf(other), input))
				}
				if !agree(t, p, alg, input, rawSign(t, priv, good)) {
					t.Fatal("the correctly built encoding is rejected")
				}
				for name, em := range cases {
					if agree(t, p, alg, input, rawSign(t, priv, em)) {
						t.Errorf("%s: accepted", name)
					}
				}
			})
		}
	}
}

// TestPreparedFallback: keys the fast path does not take verify through
// crypto/rsa, with the same outcome as Verify.
func TestPreparedFallback(t *testing.T) {
	k := getKeys(t)
	input := "a.b"
	sig := signRaw(t, jws.RS256, k.rsa1024, input)
	small := jws.Prepare(&k.rsa1024.PublicKey)
	if small.Accelerated() {
		t.Fatal("a 1024-bit key was accelerated")
	}
	if err := small.Verify(jws.RS256, input, sig); !errors.Is(err, jws.ErrAlgorithm) {
		t.Fatalf("1024-bit key: %v, want ErrAlgorithm", err)
	}
	even := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2048), E: 65537}
	if jws.Prepare(even).Accelerated() {
		t.Fatal("an even modulus was accelerated")
	}
	for _, e := range []int{-3, 0, 1, 2, 4, 65536, 1 << 31} {
		pub := &rsa.PublicKey{N: k.rsa2048.N, E: e}
		p := jws.Prepare(pub)
		if p.Accelerated() {
			t.Fatalf("exponent %d accelerated", e)
		}
		s := signRaw(t, jws.RS256, k.rsa2048, input)
		if got, want := p.Verify(jws.RS256, input, s), jws.Verify(jws.RS256, pub, input, s); (got == nil) != (want == nil) || got == nil {
			t.Fatalf("exponent %d: %v / %v, want both to reject", e, got, want)
		}
	}
	// Exponents crypto/rsa accepts are all taken, up to 2^31-1.
	for _, e := range []int{3, 65537, 1<<31 - 1} {
		if !jws.Prepare(&rsa.PublicKey{N: k.rsa2048.N, E: e}).Accelerated() && !fips140.Enabled() {
			t.Fatalf("exponent %d not accelerated", e)
		}
	}
	// Not prepared: no key, ECDSA, an HMAC secret, an Ed25519 key of the
	// wrong length or whose encoding is not a point (y = 2 is not on the
	// curve).
	notPoint := make(ed25519.PublicKey, 32)
	notPoint[0] = 2
	for _, key := range []any{nil, &k.p256.PublicKey, []byte("0123456789abcdef0123456789abcdef"), ed25519.PublicKey(make([]byte, 31)), notPoint} {
		p := jws.Prepare(key)
		if p.Accelerated() {
			t.Fatalf("%T accelerated", key)
		}
	}
	// Non-RSA algorithms and HMAC go through Verify: same errors.
	p := jws.Prepare(&k.rsa2048.PublicKey)
	for _, alg := range []jws.Algorithm{jws.HS256, jws.ES256, jws.EdDSA, jws.None, jws.Unknown} {
		if err := p.Verify(alg, input, sig); !errors.Is(err, jws.ErrAlgorithm) {
			t.Fatalf("%v with an RSA key: %v, want ErrAlgorithm", alg, err)
		}
	}
}

// TestPreparedRSAExponents checks a key with e = 3, where signatures of
// small messages have telltale forms, and e = 2^31-1, the largest exponent
// crypto/rsa accepts: the fast path raises to the full exponent.
func TestPreparedRSAExponents(t *testing.T) {
	for _, e := range []int{3, 65537, 1<<31 - 1} {
		priv := getKeys(t).rsa2048 // e = 65537
		if e != priv.E {
			priv = genKeyWithE(t, e)
		}
		p := jws.Prepare(&priv.PublicKey)
		for _, alg := range rsaAlgs {
			input := "x.y"
			h := hashOf(alg)
			var em []byte
			if isPSS(alg) {
				em = pssEM(priv.Size(), priv.N.BitLen(), h, digestOf(h, input), bytes.Repeat([]byte{7}, h.Size()))
			} else {
				em = pkcs1EM(priv.Size(), h, digestOf(h, input))
			}
			if !agree(t, p, alg, input, rawSign(t, priv, em)) {
				t.Fatalf("e=%d %v: valid signature rejected", e, alg)
			}
		}
	}
}

// genKeyWithE makes a 2048-bit RSA key with public exponent e (crypto/rsa
// only generates e = 65537).
func genKeyWithE(tb testing.TB, e int) *rsa.PrivateKey {
	tb.Helper()
	E := big.NewInt(int64(e))
	one := big.NewInt(1)
	for range 1000 {
		p, err := rand.Prime(rand.Reader, 1024)
		if err != nil {
			tb.Fatal(err)
		}
		q, err := rand.Prime(rand.Reader, 1024)
		if err != nil {
			tb.Fatal(err)
		}
		n := new(big.Int).Mul(p, q)
		if p.Cmp(q) == 0 || n.BitLen() != 2048 {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(E, phi)
		if d == nil {
			continue
		}
		priv := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: e}, D: d, Primes: []*big.Int{p, q}}
		priv.Precompute()
		return priv
	}
	tb.Fatal("no key found")
	return nil
}

// TestPreparedFIPSMode runs the test binary again with GODEBUG=fips140=on:
// the standard library must then verify every RSA signature itself.
func TestPreparedFIPSMode(t *testing.T) {
	if fips140.Enabled() {
		// Only this key: the child need not generate the shared ones.
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		p := jws.Prepare(&priv.PublicKey)
		if p.Accelerated() {
			t.Fatal("fast path taken in FIPS 140 mode")
		}
		_, edPriv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if jws.Prepare(edPriv.Public()).Accelerated() {
			t.Fatal("Ed25519 fast path taken in FIPS 140 mode")
		}
		input := "a.b"
		if err := p.Verify(jws.RS256, input, signRaw(t, jws.RS256, priv, input)); err != nil {
			t.Fatalf("FIPS mode: %v", err)
		}
		return
	}
	if os.Getenv("JWKSAUTH_FIPS_CHILD") != "" {
		t.Fatal("child process is not in FIPS 140 mode")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPreparedFIPSMode$", "-test.count", "1")
	cmd.Env = append(os.Environ(), "GODEBUG=fips140=on", "JWKSAUTH_FIPS_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("FIPS child: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("PASS")) {
		t.Fatalf("FIPS child did not pass:\n%s", out)
	}
}

// FuzzPreparedRSA requires the prepared key and crypto/rsa to agree on every
// input: a fuzzed signature (mode 0), a fuzzed encoded message signed with
// the raw private operation so that every byte of the block the padding
// check reads is under the fuzzer's control (mode 1), and a fuzzed key: a
// modulus or exponent changed by the fuzzer (mode 2). The message (and so
// the hash) is fuzzed too.
//
//	go test -run '^$' -fuzz FuzzPreparedRSA -fuzztime 60s ./core/jws/
func FuzzPreparedRSA(f *testing.F) {
	keys := rsaKeysBySize(f)
	sizes := []int{2048, 2049, 3072}
	prepared := map[int]*jws.PreparedKey{}
	for _, bits := range sizes {
		prepared[bits] = jws.Prepare(&keys[bits].PublicKey)
	}
	input := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9"
	for ki, bits := range sizes {
		priv := keys[bits]
		for ai, alg := range rsaAlgs {
			sig := signRaw(f, alg, priv, input)
			em := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(priv.E)), priv.N).FillBytes(make([]byte, priv.Size()))
			f.Add(uint8(ki), uint8(ai), uint8(0), input, sig, []byte(nil))
			f.Add(uint8(ki), uint8(ai), uint8(1), input, em, []byte(nil))
			f.Add(uint8(ki), uint8(ai), uint8(2), input, sig, []byte{0, 0, 2})
			f.Add(uint8(ki), uint8(ai), uint8(2), input, sig, []byte{1, 0, 0, 0, 2})
			f.Add(uint8(ki), uint8(ai), uint8(0), input+"x", sig, []byte(nil))
		}
	}
	f.Fuzz(func(t *testing.T, ki, ai, mode uint8, msg string, data, keyMut []byte) {
		bits := sizes[int(ki)%len(sizes)]
		priv := keys[bits]
		alg := rsaAlgs[int(ai)%len(rsaAlgs)]
		p := prepared[bits]
		switch mode % 3 {
		case 0:
			agree(t, p, alg, msg, data)
		case 1:
			em := make([]byte, priv.Size())
			copy(em[max(0, len(em)-len(data)):], data[max(0, len(data)-len(em)):])
			if new(big.Int).SetBytes(em).Cmp(priv.N) >= 0 {
				em[0] = 0
			}
			agree(t, p, alg, msg, rawSign(t, priv, em))
		case 2:
			// keyMut[0] picks the modulus (odd) or the exponent (even);
			// the rest is XORed into its low-order bytes.
			pub := &rsa.PublicKey{N: new(big.Int).Set(priv.N), E: priv.E}
			if len(keyMut) > 0 {
				delta := new(big.Int).SetBytes(keyMut[1:])
				if keyMut[0]&1 == 1 {
					pub.N.Xor(pub.N, delta)
				} else if len(keyMut) <= 9 {
					pub.E ^= int(delta.Int64())
				}
			}
			got := jws.Prepare(pub).Verify(alg, msg, data)
			want := jws.Verify(alg, pub, msg, data) // crypto/rsa, on the same rules
			if (got == nil) != (want == nil) ||
				errors.Is(got, jws.ErrSignature) != errors.Is(want, jws.ErrSignature) ||
				errors.Is(got, jws.ErrAlgorithm) != errors.Is(want, jws.ErrAlgorithm) {
				t.Fatalf("%v, N bits %d, e %d: prepared %v, Verify %v", alg, pub.N.BitLen(), pub.E, got, want)
			}
		}
	})
}

// TestPreparedEd25519 requires the prepared Ed25519 key (its point decoded
// once) and ed25519.Verify to agree: valid signatures, flipped bits in R, in
// S and in the message, S replaced by S+L (non-canonical, which both must
// reject), the high bits of S set, wrong lengths.
func TestPreparedEd25519(t *testing.T) {
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	for i := range 8 {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		p := jws.Prepare(pub)
		if !p.Accelerated() && !fips140.Enabled() {
			t.Fatal("Ed25519 key not accelerated")
		}
		input := fmt.Sprintf("eyJhbGciOiJFZERTQSJ9.%d", i)
		sig := ed25519.Sign(priv, []byte(input))
		check := func(name, in string, s []byte, want bool) {
			t.Helper()
			for _, alg := range []jws.Algorithm{jws.EdDSA, jws.Ed25519} {
				got := p.Verify(alg, in, s)
				std := ed25519.Verify(pub, []byte(in), s) && len(s) == ed25519.SignatureSize
				if (got == nil) != std || std != want {
					t.Fatalf("%s %v: prepared %v, ed25519.Verify %v, want %v", name, alg, got, std, want)
				}
				if got != nil && !errors.Is(got, jws.ErrSignature) {
					t.Fatalf("%s: %v does not wrap ErrSignature", name, got)
				}
			}
		}
		check("valid", input, sig, true)
		check("message", input+"x", sig, false)
		for _, bit := range []int{0, 100, 255, 256, 300, 511} {
			s := bytes.Clone(sig)
			s[bit/8] ^= 1 << (bit % 8)
			check(fmt.Sprintf("bit %d", bit), input, s, false)
		}
		// S + L: the same scalar, non-canonical; RFC 8032 and Go reject it.
		sLE := bytes.Clone(sig[32:])
		slicesReverse(sLE)
		sl := new(big.Int).Add(new(big.Int).SetBytes(sLE), l).FillBytes(make([]byte, 32))
		slicesReverse(sl)
		check("S+L", input, append(bytes.Clone(sig[:32]), sl...), false)
		check("short", input, sig[:63], false)
		check("long", input, append(bytes.Clone(sig), 0), false)
	}
}

func slicesReverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

// FuzzPreparedEd25519 requires the prepared key and ed25519.Verify to agree
// on every key (32 fuzzed bytes, which may not be a point: the key is then
// not prepared and both reject), message and signature.
//
//	go test -run '^$' -fuzz FuzzPreparedEd25519 -fuzztime 60s ./core/jws/
func FuzzPreparedEd25519(f *testing.F) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	for _, in := range []string{"", "a.b", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0"} {
		sig := ed25519.Sign(priv, []byte(in))
		f.Add([]byte(pub), in, sig)
		s := bytes.Clone(sig)
		s[63] |= 0x80
		f.Add([]byte(pub), in, s)
	}
	f.Add(make([]byte, 32), "a.b", make([]byte, 64))
	f.Add(bytes.Repeat([]byte{0xff}, 32), "a.b", make([]byte, 64))
	f.Fuzz(func(t *testing.T, key []byte, msg string, sig []byte) {
		if len(key) != ed25519.PublicKeySize {
			return // Fits refuses it before either implementation runs
		}
		got := jws.Prepare(ed25519.PublicKey(key)).Verify(jws.EdDSA, msg, sig)
		want := jws.Verify(jws.EdDSA, ed25519.PublicKey(key), msg, sig)
		if (got == nil) != (want == nil) || errors.Is(got, jws.ErrSignature) != errors.Is(want, jws.ErrSignature) {
			t.Fatalf("prepared %v, Verify %v", got, want)
		}
	})
}
