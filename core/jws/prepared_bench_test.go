package jws_test

import (
	"fmt"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
)

// BenchmarkRSAPrepared verifies RS256 and PS256 (and the 384/512 variants on
// 2048 bits) with the prepared key (fast: modulus precomputed once) and with
// crypto/rsa (stdlib: rsa.VerifyPKCS1v15 / rsa.VerifyPSS through Verify),
// side by side for keys of 2048, 3072 and 4096 bits. Both include hashing
// the signing input. Compare the pairs within one run:
//
//	go test -run '^$' -bench BenchmarkRSAPrepared -count 6 ./core/jws/ | benchstat -col /impl -
func BenchmarkRSAPrepared(b *testing.B) {
	keys := rsaKeysBySize(b)
	input := "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUuY29tIiwic3ViIjoiMjQ4Mjg5NzYxMDAxIn0"
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
			for _, impl := range []struct {
				name   string
				verify func() error
			}{
				{"fast", func() error { return prepared.Verify(alg, input, sig) }},
				{"stdlib", func() error { return jws.Verify(alg, &priv.PublicKey, input, sig) }},
			} {
				b.Run(fmt.Sprintf("alg=%v/bits=%d/impl=%s", alg, bits, impl.name), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if err := impl.verify(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
