package dpop_test

import (
	"context"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/dpop"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/core/store"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// BenchmarkVerify measures a proof's verification against the signature
// check alone (floor): what DPoP adds to a request is one signature
// verification plus the parse, JWK and checks measured here.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []jws.Algorithm{jws.ES256, jws.EdDSA, jws.RS256} {
		b.Run(alg.String(), func(b *testing.B) {
			key, err := jwkstest.NewKey(alg)
			if err != nil {
				b.Fatal(err)
			}
			v, err := dpop.NewVerifier(dpop.Options{Replay: store.NewMemory(store.MemoryOptions{Size: 1 << 22})})
			if err != nil {
				b.Fatal(err)
			}
			proofs := make([]string, 4096)
			now := time.Now()
			for i := range proofs {
				if proofs[i], err = key.DPoP(jwkstest.DPoPProof{Method: "GET", URL: reqURL, AccessToken: token, IssuedAt: now}); err != nil {
					b.Fatal(err)
				}
			}
			req := dpop.Request{Method: "GET", URL: reqURL, AccessToken: token, JKT: key.Thumbprint()}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Each proof once: a replayed one would be rejected early.
				if i%len(proofs) == 0 && i > 0 {
					b.StopTimer()
					v, _ = dpop.NewVerifier(dpop.Options{Replay: store.NewMemory(store.MemoryOptions{Size: 1 << 22})})
					b.StartTimer()
				}
				if _, err := v.Verify(context.Background(), proofs[i%len(proofs):i%len(proofs)+1], req, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
