package rotate_test

import (
	"context"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks/rotate"
	"github.com/jwksauth/jwksauth/core/jws"
)

// BenchmarkSign measures Manager.Sign (claims to compact JWS with the
// active key) for each key type.
func BenchmarkSign(b *testing.B) {
	for _, alg := range []jws.Algorithm{jws.ES256, jws.EdDSA, jws.RS256} {
		b.Run(alg.String(), func(b *testing.B) {
			m, err := rotate.New(context.Background(), rotate.Config{Store: &rotate.MemStore{}, Schedule: rotate.Schedule{Algorithm: alg}, Manual: true})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			claims := map[string]any{"iss": "https://issuer.example", "aud": "api", "sub": "user-1", "exp": time.Now().Add(30 * time.Minute).Unix()}
			b.ReportAllocs()
			for b.Loop() {
				tok, err := m.Sign(claims, "at+jwt")
				if err != nil || len(tok) < 100 {
					b.Fatal(err)
				}
			}
		})
	}
}
