package jwks_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// floodScale is the time scale of BenchmarkCacheHitDuringFlood: the
// defaults (cooldown 5 s, MaxWait 2 s) divided by 10, so that a run of a
// few seconds spans several cooldowns while a loopback fetch (about a
// millisecond) stays short beside the cooldown, as a real one is.
const floodScale = 10

// flood sends lookups of random unknown kids to c at a fixed rate (an open
// model: one goroutine per lookup, as one per request, whatever the
// answers' latency), and records how many were open at once.
type flood struct {
	c       *jwks.Cache
	perTick int // lookups started every millisecond
	stop    chan struct{}
	done    sync.WaitGroup

	open, maxOpen atomic.Int64
	n             atomic.Int64
	errs          atomic.Int64 // answers other than ErrKeyNotFound
}

func startFlood(c *jwks.Cache, perSecond int) *flood {
	f := &flood{c: c, perTick: perSecond / 1000, stop: make(chan struct{})}
	f.done.Add(1)
	go f.run()
	return f
}

func (f *flood) run() {
	defer f.done.Done()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-tick.C:
		}
		for range f.perTick {
			f.done.Add(1)
			go f.lookup()
		}
	}
}

func (f *flood) lookup() {
	defer f.done.Done()
	if o := f.open.Add(1); o > f.maxOpen.Load() {
		for m := f.maxOpen.Load(); o > m && !f.maxOpen.CompareAndSwap(m, o); m = f.maxOpen.Load() {
		}
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	_, err := f.c.Key(context.Background(), hex.EncodeToString(b[:]), jws.ES256)
	f.open.Add(-1)
	f.n.Add(1)
	if !errors.Is(err, jwks.ErrKeyNotFound) {
		f.errs.Add(1)
	}
}

// end stops the flood, waits for its lookups and reports its numbers.
func (f *flood) end(b *testing.B) {
	close(f.stop)
	f.done.Wait()
	if n := f.errs.Load(); n > 0 {
		b.Fatalf("%d unknown-kid lookups answered other than ErrKeyNotFound", n)
	}
	if f.n.Load() == 0 {
		b.Fatal("the flood made no lookup")
	}
	b.ReportMetric(float64(f.maxOpen.Load()), "flood-open-max")
}

// BenchmarkCacheHitDuringFlood measures lookups while unknown kids
// arrive, with time scaled by 1/10 (cooldown 500 ms, MaxWait 200 ms for
// the defaults' 5 s and 2 s), in two shapes:
//
//   - mix: b.RunParallel, 8 goroutines per CPU, each looking up a random
//     unknown kid once in 8,192 lookups and the known kid otherwise, as
//     request handlers serving a mix would. ns/op is the mean over all
//     lookups: a lookup held waiting for a fetch holds its goroutine.
//     unknown-mean-us is the unknown lookups' mean latency, valid-p999-ns
//     the known lookups' 99.9th percentile (one in 64 timed, clock reads
//     included). "flood=off" is the same without unknown kids.
//   - open: known-kid lookups in b.RunParallel while random unknown kids
//     arrive at 2,000/s in goroutines of their own (the 200 req/s
//     against the defaults, scaled), whatever their latency.
//     flood-open-max is the most unknown-kid lookups open at once.
//
// On a loaded machine the latencies carry scheduler noise; compare
// before and after within one run.
func BenchmarkCacheHitDuringFlood(b *testing.B) {
	scaled := func(o *jwks.CacheOptions) {
		o.UnknownKIDCooldown = 5 * time.Second / floodScale
		o.MaxWait = 2 * time.Second / floodScale
	}
	for _, unknownEvery := range []int{0, 8192} {
		name := "mix/flood=off"
		if unknownEvery > 0 {
			name = "mix/flood=1in8192"
		}
		b.Run(name, func(b *testing.B) {
			c := hitCache(b, 4, scaled)
			var mu sync.Mutex
			var valid, unknown []time.Duration
			var bad atomic.Int64
			b.SetParallelism(8)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				lv := make([]time.Duration, 0, 1<<12)
				var lu []time.Duration
				var kid [16]byte
				for i := 1; pb.Next(); i++ {
					if unknownEvery > 0 && i%unknownEvery == 0 {
						_, _ = rand.Read(kid[:])
						began := time.Now()
						_, err := c.Key(bg, hex.EncodeToString(kid[:]), jws.ES256)
						lu = append(lu, time.Since(began))
						if !errors.Is(err, jwks.ErrKeyNotFound) {
							bad.Add(1)
						}
						continue
					}
					var began time.Time
					if i%64 == 0 {
						began = time.Now()
					}
					if k, err := c.Key(bg, "ec", jws.ES256); err != nil || k == nil {
						b.Fatal(err)
					}
					if i%64 == 0 {
						lv = append(lv, time.Since(began))
					}
				}
				mu.Lock()
				valid, unknown = append(valid, lv...), append(unknown, lu...)
				mu.Unlock()
			})
			b.StopTimer()
			if n := bad.Load(); n > 0 {
				b.Fatalf("%d unknown kids answered other than ErrKeyNotFound", n)
			}
			if len(valid) > 0 {
				slices.Sort(valid)
				b.ReportMetric(float64(valid[len(valid)*999/1000].Nanoseconds()), "valid-p999-ns")
			}
			if len(unknown) > 0 {
				var sum time.Duration
				for _, d := range unknown {
					sum += d
				}
				b.ReportMetric(float64(sum.Microseconds())/float64(len(unknown)), "unknown-mean-us")
			}
		})
	}
	b.Run("open/flood=2000/s", func(b *testing.B) {
		c := hitCache(b, 4, scaled)
		f := startFlood(c, 2000)
		time.Sleep(2 * 5 * time.Second / floodScale) // two cooldowns: the flood in its steady state
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if k, err := c.Key(bg, "ec", jws.ES256); err != nil || k == nil {
					b.Fatal(err)
				}
			}
		})
		b.StopTimer()
		f.end(b)
	})
}
