package benchmarks

import (
	"slices"
	"testing"
	"time"
)

// alternateBatch is the number of calls timed together in alternate.
const alternateBatch = 8

// alternate times each of fs in batches of alternateBatch calls, one batch
// of each in turn (the order rotating every round) for as long as b runs,
// and returns each round's per-call durations. Things timed this way share
// every drift of the machine's speed (a neighbour's load, frequency
// scaling, a GC cycle), so a ratio taken inside a round is far steadier on a
// shared machine than a ratio of two benchmarks run one after the other.
func alternate(b *testing.B, fs ...func() error) [][]float64 {
	b.Helper()
	var rounds [][]float64
	for i := 0; b.Loop(); i++ {
		r := make([]float64, len(fs))
		for k := range fs {
			j := (k + i) % len(fs)
			start := time.Now()
			for range alternateBatch {
				if err := fs[j](); err != nil {
					b.Fatal(err)
				}
			}
			r[j] = float64(time.Since(start)) / alternateBatch
		}
		rounds = append(rounds, r)
	}
	return rounds
}

// medianOf returns the median of f over the rounds.
func medianOf(rounds [][]float64, f func(r []float64) float64) float64 {
	if len(rounds) == 0 {
		return 0
	}
	vs := make([]float64, len(rounds))
	for i, r := range rounds {
		vs[i] = f(r)
	}
	slices.Sort(vs)
	return vs[len(vs)/2]
}

// reportRatio runs alternate on target and floor and reports target's
// median ns/op, the floor's (floor-ns/op), and the median of the per-round
// ratios target ÷ floor (x-floor).
func reportRatio(b *testing.B, target, floor func() error) {
	b.Helper()
	rounds := alternate(b, target, floor)
	b.ReportMetric(medianOf(rounds, func(r []float64) float64 { return r[0] }), "ns/op")
	b.ReportMetric(medianOf(rounds, func(r []float64) float64 { return r[1] }), "floor-ns/op")
	b.ReportMetric(medianOf(rounds, func(r []float64) float64 { return r[0] / r[1] }), "x-floor")
}

// reportCost runs alternate on a protected route, the same framework's
// unprotected route and the floor, and reports the protected route's
// median ns/op, the auth cost (protected − unprotected, median of rounds,
// auth-ns/op) and the median per-round ratio of that cost to the floor
// (auth-x-floor).
func reportCost(b *testing.B, protected, unprotected, floor func() error) {
	b.Helper()
	rounds := alternate(b, protected, unprotected, floor)
	b.ReportMetric(medianOf(rounds, func(r []float64) float64 { return r[0] }), "ns/op")
	b.ReportMetric(medianOf(rounds, func(r []float64) float64 { return r[0] - r[1] }), "auth-ns/op")
	b.ReportMetric(medianOf(rounds, func(r []float64) float64 { return (r[0] - r[1]) / r[2] }), "auth-x-floor")
}
