// Package otel holds the tests and benchmarks of jwksauth's telemetry
// against the real OpenTelemetry SDK (sdk/metric's ManualReader, sdk/trace's
// span recorder). It is a module of its own so that the SDK never enters
// the core module's go.mod: the core depends on the API modules only.
package otel
