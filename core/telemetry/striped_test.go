package telemetry

import (
	"runtime"
	"sync"
	"testing"
)

// TestCounterSums: concurrent adds to a striped counter and to a plain one
// are all counted, and the striped one spreads them over more than one cell.
func TestCounterSums(t *testing.T) {
	for _, striped := range []bool{false, true} {
		c := newCounter(striped)
		if want := 1; !striped && len(c.cells) != want {
			t.Fatalf("plain counter with %d cells", len(c.cells))
		}
		if striped && (len(c.cells) < 2 || len(c.cells) > maxStripes || len(c.cells)&(len(c.cells)-1) != 0) {
			t.Fatalf("striped counter with %d cells (GOMAXPROCS %d)", len(c.cells), runtime.GOMAXPROCS(0))
		}
		const workers, adds = 8, 10_000
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range adds {
					c.Add(1)
				}
			})
		}
		wg.Wait()
		if got := c.Load(); got != workers*adds {
			t.Fatalf("striped=%v: %d, want %d", striped, got, workers*adds)
		}
		used := 0
		for i := range c.cells {
			if c.cells[i].n.Load() > 0 {
				used++
			}
		}
		if striped && used < 2 {
			t.Fatalf("striped counter used %d of %d cells", used, len(c.cells))
		}
	}
}

// BenchmarkCounterParallel is the add of a token-cache hit from every core.
func BenchmarkCounterParallel(b *testing.B) {
	for _, striped := range []bool{false, true} {
		name := "plain"
		if striped {
			name = "striped"
		}
		b.Run(name, func(b *testing.B) {
			c := newCounter(striped)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.Add(1)
				}
			})
			if got := c.Load(); got != int64(b.N) {
				b.Fatalf("counted %d of %d adds", got, b.N)
			}
		})
	}
}

// BenchmarkCounterSerial is the same add from one goroutine.
func BenchmarkCounterSerial(b *testing.B) {
	for _, striped := range []bool{false, true} {
		name := "plain"
		if striped {
			name = "striped"
		}
		b.Run(name, func(b *testing.B) {
			c := newCounter(striped)
			n := int64(0)
			for b.Loop() {
				c.Add(1)
				n++
			}
			if got := c.Load(); got != n {
				b.Fatalf("counted %d of %d adds", got, n)
			}
		})
	}
}
