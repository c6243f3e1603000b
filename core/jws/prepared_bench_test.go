package jws_test

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
)

// BenchmarkPrepared verifies with the prepared key (impl=fast: RSA modulus
// precomputed once, Ed25519 point decoded once) and with the standard
// library (impl=stdlib: rsa.VerifyPKCS1v15, rsa.VerifyPSS, ed25519.Verify
// through Verify), for RS256 and PS256 on keys of 2048, 3072 and 4096 bits,
// the 384/512 variants on 2048 bits, and EdDSA. Both include hashing the
// signing input. impl=ratio times the two in alternating batches and
// reports fast/stdlib, the median over batch pairs: on a loaded machine
// that ratio holds where the separate ns/op figures drift.
//
//	go test -run '^$' -bench BenchmarkPrepared -count 6 ./core/jws/
func BenchmarkPrepared(b *testing.B) {
	keys := rsaKeysBySize(b)
	input := "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUuY29tIiwic3ViIjoiMjQ4Mjg5NzYxMDAxIn0"
	type pair struct {
		name         string
		fast, stdlib func() error
	}
	var pairs []pair
	for _, bits := range []int{2048, 3072, 4096} {
		priv := keys[bits]
		prepared := jws.Prepare(&priv.PublicKey)
		if !prepared.Accelerated() {
			b.Fatalf("%d-bit key not accelerated (FIPS 140 mode?)", bits)
		}
		algs := []jws.Algorithm{jws.RS256, jws.PS256}
		if bits == 2048 {
			algs = rsaAlgs
		}
		for _, alg := range algs {
			sig := signRaw(b, alg, priv, input)
			pairs = append(pairs, pair{
				fmt.Sprintf("alg=%v/bits=%d", alg, bits),
				func() error { return prepared.Verify(alg, input, sig) },
				func() error { return jws.Verify(alg, &priv.PublicKey, input, sig) },
			})
		}
	}
	edPriv := getKeys(b).ed
	edPub := edPriv.Public().(ed25519.PublicKey)
	edPrepared := jws.Prepare(edPub)
	if !edPrepared.Accelerated() {
		b.Fatal("Ed25519 key not accelerated (FIPS 140 mode?)")
	}
	edSig := ed25519.Sign(edPriv, []byte(input))
	pairs = append(pairs, pair{
		"alg=EdDSA/bits=256",
		func() error { return edPrepared.Verify(jws.EdDSA, input, edSig) },
		func() error { return jws.Verify(jws.EdDSA, edPub, input, edSig) },
	})
	for _, p := range pairs {
		for _, impl := range []struct {
			name   string
			verify func() error
		}{{"fast", p.fast}, {"stdlib", p.stdlib}} {
			b.Run(p.name+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := impl.verify(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(p.name+"/impl=ratio", func(b *testing.B) {
			b.ReportMetric(alternateRatio(b, p.fast, p.stdlib), "fast/stdlib")
		})
	}
}

// alternateRatio runs a and b in alternating batches of 4 calls (which
// goes first alternates too) until b.Loop ends, and returns the median over
// batch pairs of a's time divided by b's.
func alternateRatio(tb *testing.B, a, b func() error) float64 {
	const batch = 4
	run := func(f func() error) time.Duration {
		start := time.Now()
		for range batch {
			if err := f(); err != nil {
				tb.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var ratios []float64
	for i := 0; tb.Loop(); i++ {
		var ta, tbb time.Duration
		if i%2 == 0 {
			ta, tbb = run(a), run(b)
		} else {
			tbb, ta = run(b), run(a)
		}
		ratios = append(ratios, float64(ta)/float64(tbb))
	}
	if len(ratios) == 0 {
		return 0
	}
	slices.Sort(ratios)
	return ratios[len(ratios)/2]
}
