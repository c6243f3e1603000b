package jwks_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// hitCache returns a loaded Cache on the wall clock holding a set of n
// keys: n-1 RSA keys and one P-256 key with kid "ec".
func hitCache(tb testing.TB, n int, mod ...func(*jwks.CacheOptions)) *jwks.Cache {
	tb.Helper()
	keys := []*testKey{newECKey(tb, "ec")}
	for i := 1; i < n; i++ {
		keys = append(keys, newTestKey(tb, "rsa-"+string(rune('a'+i)), rsaKey(tb, i%3)))
	}
	idp := newIdP(tb, nil, keys...)
	o := jwks.CacheOptions{URL: idp.URL()}
	for _, m := range mod {
		m(&o)
	}
	c, err := jwks.NewCache(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	if err := c.Ready(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

// A cache hit, by kid and without one, and Contains allocate nothing, on
// a Cache and on a Static.
func TestCacheHitAllocs(t *testing.T) {
	c := hitCache(t, 3)
	k, err := c.Key(bg, "ec", jws.ES256)
	if err != nil {
		t.Fatal(err)
	}
	buf := []byte("ec")
	kid := unsafe.String(&buf[0], len(buf)) // a zero-copy view, as the request path passes it
	static, err := jwks.NewStatic(k)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(){
		"cache kid": func() {
			if got, err := c.Key(bg, kid, jws.ES256); err != nil || got != k {
				t.Fatal(err)
			}
		},
		"cache no kid": func() {
			if got, err := c.Key(bg, "", jws.ES256); err != nil || got != k {
				t.Fatal(err)
			}
		},
		"cache contains": func() {
			if !c.Contains(k) {
				t.Fatal("not contained")
			}
		},
		"static kid": func() {
			if got, err := static.Key(bg, "ec", jws.ES256); err != nil || got != k {
				t.Fatal(err)
			}
		},
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs per lookup, want 0", name, n)
		}
	}
}

func BenchmarkCacheHit(b *testing.B) {
	for _, size := range []int{1, 4, 16} {
		c := hitCache(b, size)
		for _, kid := range []string{"ec", ""} {
			name := "kid"
			if kid == "" {
				name = "no_kid"
			}
			b.Run(name+"/keys="+strconv.Itoa(size), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if k, err := c.Key(bg, kid, jws.ES256); err != nil || k == nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/keys="+strconv.Itoa(size)+"/parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if k, err := c.Key(bg, kid, jws.ES256); err != nil || k == nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}

func BenchmarkCacheContains(b *testing.B) {
	c := hitCache(b, 4)
	k, err := c.Key(bg, "ec", jws.ES256)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !c.Contains(k) {
				b.Fatal("not contained")
			}
		}
	})
}

// BenchmarkCacheNegative measures a flood of one repeated unknown kid,
// answered from the negative cache: no lock, no allocation.
func BenchmarkCacheNegative(b *testing.B) {
	c := hitCache(b, 1, func(o *jwks.CacheOptions) { o.UnknownKIDCooldown = time.Hour })
	// The lookup is deferred by the cooldown; Refresh runs the fetch it
	// asked for, which remembers the kid for the cooldown.
	if _, err := c.Key(bg, "unknown", jws.ES256); !errors.Is(err, jwks.ErrKeyNotFound) {
		b.Fatal(err)
	}
	if err := c.Refresh(bg); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Key(bg, "unknown", jws.ES256); err != jwks.ErrKeyNotFound {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCacheUnknownDeferred measures a flood of distinct unknown kids
// within the cooldown: each is answered at once, without a lock (the
// error names the kid, hence its allocations).
func BenchmarkCacheUnknownDeferred(b *testing.B) {
	c := hitCache(b, 1, func(o *jwks.CacheOptions) { o.UnknownKIDCooldown = time.Hour })
	kids := make([]string, 4096)
	for i := range kids {
		kids[i] = "unknown-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			if _, err := c.Key(bg, kids[i%len(kids)], jws.ES256); !errors.Is(err, jwks.ErrKeyNotFound) {
				b.Fatal(err)
			}
		}
	})
}
