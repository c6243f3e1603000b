package otel_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/telemetry"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// BenchmarkAuthenticateTelemetry times Authenticate on the token-cache hit
// path, the hot path where telemetry weighs most, with:
//
//   - noop: explicit no-op providers (telemetry switched off);
//   - global: nil providers and no SDK installed (the default);
//   - sdk: a real SDK MeterProvider with a ManualReader (metrics on: a
//     counter, a histogram with the clock read twice, the cache-hit
//     counter), checked afterwards to hold b.N verifications.
//
// Compare ns/op and allocs/op of sdk and noop inside one run:
//
//	cd tests/otel && go test -run '^$' -bench AuthenticateTelemetry -benchmem -count 6
func BenchmarkAuthenticateTelemetry(b *testing.B) {
	idp := jwkstest.NewIssuer(b, jwkstest.WithAudience(audience))
	tok := idp.MustMint(map[string]any{"scope": "openid profile email reports:read"})
	run := func(b *testing.B, mp metric.MeterProvider, tp trace.TracerProvider, check func(b *testing.B)) {
		a, err := jwksauth.New(jwksauth.Config{
			Issuers:        []jwksauth.Issuer{{URL: idp.URL(), Audiences: []string{audience}}},
			MeterProvider:  mp,
			TracerProvider: tp,
		})
		if err != nil {
			b.Fatal(err)
		}
		defer a.Close()
		ctx := context.Background()
		if err := a.Ready(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, tok); err != nil { // fill the token cache
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := a.Authenticate(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if check != nil {
			check(b)
		}
	}
	b.Run("noop", func(b *testing.B) { run(b, metricnoop.NewMeterProvider(), tracenoop.NewTracerProvider(), nil) })
	b.Run("global", func(b *testing.B) { run(b, nil, nil, nil) })
	b.Run("sdk", func(b *testing.B) {
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		defer mp.Shutdown(context.Background())
		run(b, mp, tracenoop.NewTracerProvider(), func(b *testing.B) {
			m := (&metrics{t: b, reader: reader}).collect()
			if hits := m.sum(telemetry.MetricTokenCacheHits, nil); hits != int64(b.N) {
				b.Fatalf("%d cache hits recorded for b.N=%d", hits, b.N)
			}
			if n := m.sum(telemetry.MetricVerifications, map[string]any{telemetry.AttrOutcome: "success"}); n != int64(b.N)+1 {
				b.Fatalf("%d verifications recorded for b.N+1=%d", n, b.N+1)
			}
		})
	})
}

// newHitAuthenticator returns an Authenticator for idp with the given
// providers, its keys loaded and tok in its token cache.
func newHitAuthenticator(tb testing.TB, idp *jwkstest.Issuer, tok string, mp metric.MeterProvider, tp trace.TracerProvider) *jwksauth.Authenticator {
	tb.Helper()
	a, err := jwksauth.New(jwksauth.Config{
		Issuers:        []jwksauth.Issuer{{URL: idp.URL(), Audiences: []string{audience}}},
		MeterProvider:  mp,
		TracerProvider: tp,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = a.Close() })
	if err := a.Ready(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if _, err := a.Authenticate(context.Background(), tok); err != nil {
		tb.Fatal(err)
	}
	return a
}

// BenchmarkTelemetryOverhead measures what metrics add to a token-cache
// hit, robustly on a loaded machine: it times an Authenticator with no-op
// providers and one with a real SDK MeterProvider in alternating batches of
// 64 calls (which goes first alternates too) and reports the median of the
// per-call differences as extra-ns/op; "global" does the same for nil
// providers without an SDK installed against no-op ones. ns/op is the two
// timed together and means little; B/op is the benchmark's own list of
// differences (allocs/op is 0, and TestNoAllocationsWithMetrics holds
// Authenticate to zero allocations).
//
//	cd tests/otel && go test -run '^$' -bench TelemetryOverhead -count 6
func BenchmarkTelemetryOverhead(b *testing.B) {
	idp := jwkstest.NewIssuer(b, jwkstest.WithAudience(audience))
	tok := idp.MustMint(map[string]any{"scope": "openid profile email reports:read"})
	noop := newHitAuthenticator(b, idp, tok, metricnoop.NewMeterProvider(), tracenoop.NewTracerProvider())
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	for _, c := range []struct {
		name string
		a    *jwksauth.Authenticator
	}{
		{"sdk", newHitAuthenticator(b, idp, tok, mp, tracenoop.NewTracerProvider())},
		{"global", newHitAuthenticator(b, idp, tok, nil, nil)},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			const batch = 64
			batchOf := func(a *jwksauth.Authenticator) time.Duration {
				start := time.Now()
				for range batch {
					if _, err := a.Authenticate(ctx, tok); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(start)
			}
			var diffs []float64
			flip := false
			b.ReportAllocs()
			for b.Loop() {
				var base, with time.Duration
				if flip {
					with, base = batchOf(c.a), batchOf(noop)
				} else {
					base, with = batchOf(noop), batchOf(c.a)
				}
				flip = !flip
				diffs = append(diffs, float64(with-base)/batch)
			}
			slices.Sort(diffs)
			b.ReportMetric(diffs[len(diffs)/2], "extra-ns/op")
		})
	}
}

// TestNoAllocationsWithMetrics holds the token-cache hit path to zero
// allocations with a real SDK MeterProvider, as with no-op providers.
func TestNoAllocationsWithMetrics(t *testing.T) {
	idp := jwkstest.NewIssuer(t, jwkstest.WithAudience(audience))
	tok := idp.MustMint(nil)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	for name, a := range map[string]*jwksauth.Authenticator{
		"sdk":    newHitAuthenticator(t, idp, tok, mp, tracenoop.NewTracerProvider()),
		"noop":   newHitAuthenticator(t, idp, tok, metricnoop.NewMeterProvider(), tracenoop.NewTracerProvider()),
		"global": newHitAuthenticator(t, idp, tok, nil, nil),
	} {
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := a.Authenticate(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per cache hit, want 0", name, allocs)
		}
	}
	m := (&metrics{t: t, reader: reader}).collect()
	if n := m.sum(telemetry.MetricTokenCacheHits, nil); n < 1000 {
		t.Errorf("%d cache hits recorded by the SDK, want at least 1000", n)
	}
}
