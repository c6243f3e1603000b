package otel_test

import (
	"context"
	"testing"

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
