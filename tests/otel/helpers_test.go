package otel_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// metrics reads a ManualReader.
type metrics struct {
	t      testing.TB
	reader *sdkmetric.ManualReader
	rm     metricdata.ResourceMetrics
}

func (m *metrics) collect() *metrics {
	m.t.Helper()
	m.rm = metricdata.ResourceMetrics{}
	if err := m.reader.Collect(context.Background(), &m.rm); err != nil {
		m.t.Fatalf("Collect: %v", err)
	}
	return m
}

// matches reports whether set holds every attribute of want.
func matches(set attribute.Set, want map[string]any) bool {
	for k, v := range want {
		got, ok := set.Value(attribute.Key(k))
		if !ok || got.AsInterface() != v {
			return false
		}
	}
	return true
}

func (m *metrics) find(name string) (metricdata.Metrics, bool) {
	for _, sm := range m.rm.ScopeMetrics {
		for _, mm := range sm.Metrics {
			if mm.Name == name {
				return mm, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// sum adds the int64 points of counter or gauge name whose attributes
// include want.
func (m *metrics) sum(name string, want map[string]any) int64 {
	m.t.Helper()
	mm, ok := m.find(name)
	if !ok {
		return 0
	}
	var n int64
	switch d := mm.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				n += p.Value
			}
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				n += p.Value
			}
		}
	default:
		m.t.Fatalf("%s: %T is not an int64 sum or gauge", name, mm.Data)
	}
	return n
}

// gauge returns the float64 gauge point of name whose attributes include
// want, and whether there is one.
func (m *metrics) gauge(name string, want map[string]any) (float64, bool) {
	m.t.Helper()
	mm, ok := m.find(name)
	if !ok {
		return 0, false
	}
	for _, p := range mm.Data.(metricdata.Gauge[float64]).DataPoints {
		if matches(p.Attributes, want) {
			return p.Value, true
		}
	}
	return 0, false
}

// histCount returns the count of the histogram points of name whose
// attributes include want, and their bucket counts summed.
func (m *metrics) histCount(name string, want map[string]any) (uint64, []uint64) {
	m.t.Helper()
	mm, ok := m.find(name)
	if !ok {
		return 0, nil
	}
	var n uint64
	var buckets []uint64
	for _, p := range mm.Data.(metricdata.Histogram[float64]).DataPoints {
		if matches(p.Attributes, want) {
			n += p.Count
			if buckets == nil {
				buckets = make([]uint64, len(p.BucketCounts))
			}
			for i, c := range p.BucketCounts {
				buckets[i] += c
			}
		}
	}
	return n, buckets
}

// waitFor collects until cond holds, for at most 10 s of real time (the
// key cache fetches in real time on its own goroutine).
func (m *metrics) waitFor(what string, cond func(*metrics) bool) {
	m.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond(m.collect()) {
		if time.Now().After(deadline) {
			m.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
