package benchmarks

import (
	"context"
	"strconv"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
)

// Algorithms are the signature algorithms measured.
var algorithms = []jws.Algorithm{jws.RS256, jws.ES256, jws.EdDSA}

func newEnv(tb testing.TB, alg jws.Algorithm) *Env {
	tb.Helper()
	e, err := NewEnv(alg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Close)
	return e
}

func verifiers(tb testing.TB, e *Env) []*Verifier {
	tb.Helper()
	vs, err := e.Verifiers(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		for _, v := range vs {
			v.Close()
		}
	})
	return vs
}

// TestVerifiersCheckAlike proves that every verifier measured accepts a
// valid token and rejects one of another audience, of another issuer, an
// expired one and one without exp: none is measured doing less than
// jwksauth.
func TestVerifiersCheckAlike(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			e := newEnv(t, alg)
			for _, v := range verifiers(t, e) {
				if err := e.CheckRejects(context.Background(), v); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// BenchmarkVerify verifies one realistic access token (about 850 bytes for
// RS256) with the standard-library floor, jwksauth (verified-token cache off
// and on) and each peer, serially and with b.RunParallel. Keys come from the
// issuer's JWKS over loopback HTTP, cached by each library. The ratio/…
// sub-benchmarks time each verifier in alternating batches with the floor
// and report the median ratio (x-floor).
//
//	go test -run '^$' -bench BenchmarkVerify -benchmem -count 6 .
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	for _, alg := range algorithms {
		b.Run(alg.String(), func(b *testing.B) {
			e := newEnv(b, alg)
			tok, err := e.Token()
			if err != nil {
				b.Fatal(err)
			}
			floor, err := e.Floor(tok)
			if err != nil {
				b.Fatal(err)
			}
			vs := verifiers(b, e)
			for _, v := range vs {
				if err := e.CheckRejects(ctx, v); err != nil {
					b.Fatal(err)
				}
			}
			type fn = func() error
			cases := []struct {
				name string
				f    fn
			}{{NameFloor, floor}}
			for _, v := range vs {
				cases = append(cases, struct {
					name string
					f    fn
				}{v.Name, func() error { return v.Verify(ctx, tok) }})
			}
			// ratio: each verifier timed in alternating batches with the
			// floor, for a ratio that the machine's drift cannot skew.
			for _, c := range cases[1:] {
				b.Run("ratio/"+c.name, func(b *testing.B) {
					if err := c.f(); err != nil {
						b.Fatal(err)
					}
					reportRatio(b, c.f, floor)
				})
			}
			for _, mode := range []string{"serial", "parallel"} {
				for _, c := range cases {
					b.Run(mode+"/"+c.name, func(b *testing.B) {
						if err := c.f(); err != nil {
							b.Fatal(err)
						}
						b.ReportAllocs()
						if mode == "serial" {
							for b.Loop() {
								if err := c.f(); err != nil {
									b.Fatal(err)
								}
							}
							return
						}
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if err := c.f(); err != nil {
									b.Error(err)
									return
								}
							}
						})
					})
				}
			}
		})
	}
}

// BenchmarkTokenCacheHit is jwksauth's verified-token cache hit for RS256
// tokens of about 1 KB and 4 KB.
//
//	go test -run '^$' -bench BenchmarkTokenCacheHit -benchmem -count 6 .
func BenchmarkTokenCacheHit(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, jws.RS256)
	v, err := e.NewJWKSAuth(ctx, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(v.Close)
	for _, size := range []int{1 << 10, 4 << 10} {
		tok, err := e.Mint(1, size)
		if err != nil {
			b.Fatal(err)
		}
		if len(tok) > size {
			b.Fatalf("token of %d bytes for %d", len(tok), size)
		}
		b.Run(sizeName(size), func(b *testing.B) {
			if err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func sizeName(n int) string {
	if n%1024 == 0 {
		return strconv.Itoa(n/1024) + "KB"
	}
	return strconv.Itoa(n) + "B"
}
