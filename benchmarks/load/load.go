// Package load is the load suite of the benchmarks module: real HTTP over
// loopback TCP with keep-alive against each framework's app, with and
// without authentication, under five scenarios (at rest, during background
// key-set refreshes, beside a flood of unknown kids, during an identity
// provider outage served from stale keys, and across a key rotation).
//
// Two load models:
//
//   - closed: 64 clients, each sending its next request when the last one
//     answered; it measures capacity (requests per second) and the latency a
//     saturated server gives, from each request's send;
//   - open: requests scheduled at a fixed rate whatever the server does, a
//     fresh valid token for each, latency measured from each request's
//     scheduled time, so that a server that stalls is charged for every
//     request that waited behind the stall (no coordinated omission).
//
// Percentiles come from an HdrHistogram (github.com/HdrHistogram/hdrhistogram-go)
// of microseconds with three significant digits.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The scenarios.
const (
	// Rest: keys cached and fresh, nothing happens.
	Rest = "rest"
	// Refresh: every library refreshes the key set in the background every
	// RefreshInterval during the run.
	Refresh = "refresh"
	// Flood: FloodRate requests per second with tokens naming random kids,
	// beside the valid traffic.
	Flood = "flood"
	// Outage: the identity provider refuses connections for the whole run,
	// while the key sets expire every RefreshInterval: keys are served stale.
	Outage = "outage"
	// Rotation: half-way, the provider publishes a new key and signs every
	// token from then on with it.
	Rotation = "rotation"
)

// Scenarios lists the scenarios in report order.
var Scenarios = []string{Rest, Refresh, Flood, Outage, Rotation}

// RefreshInterval is the key-set refresh interval (and TTL) of the refresh
// and outage scenarios, for every library alike.
const RefreshInterval = 2 * time.Second

// Stats are the outcome of one stream of requests.
type Stats struct {
	// Requests is the number of requests sent.
	Requests int64 `json:"requests"`
	// Failures counts answers other than the expected status, and
	// transport errors.
	Failures int64 `json:"failures"`
	// RPS is the rate of answered requests per second of the run.
	RPS float64 `json:"rps"`
	// P50, P99, P999 and Max are latency percentiles in milliseconds.
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

// Result is one run: an app under one scenario and model.
type Result struct {
	// Model is "closed" or "open".
	Model string `json:"model"`
	// Framework and Auth name the app (see benchmarks.NewApp).
	Framework string `json:"framework"`
	Auth      string `json:"auth"`
	// Scenario is one of Scenarios.
	Scenario string `json:"scenario"`
	// Rate is the open model's scheduled rate (requests per second), or
	// the closed model's clients.
	Rate float64 `json:"rate"`
	// Seconds is the measured duration.
	Seconds float64 `json:"seconds"`
	// Valid is the traffic of valid tokens (expected status 200).
	Valid Stats `json:"valid"`
	// Flood is the random-kid traffic of the flood scenario (expected
	// status 401), or nil.
	Flood *Stats `json:"flood,omitempty"`
	// Round numbers the suite's repetition this run belongs to, from 1
	// (Options.Rounds).
	Round int `json:"round,omitempty"`
}

// recorder collects latencies into an HdrHistogram and counts.
type recorder struct {
	mu       sync.Mutex
	h        *hdrhistogram.Histogram
	requests atomic.Int64
	failures atomic.Int64
	answered atomic.Int64
}

func newRecorder() *recorder {
	// 1 µs to 2 minutes, three significant digits.
	return &recorder{h: hdrhistogram.New(1, int64(2*time.Minute/time.Microsecond), 3)}
}

func (r *recorder) record(d time.Duration, ok bool) {
	r.answered.Add(1)
	if !ok {
		r.failures.Add(1)
	}
	us := d.Microseconds()
	if us < 1 {
		us = 1
	}
	r.mu.Lock()
	_ = r.h.RecordValue(us) // values above the range are clamped below by the client timeout
	r.mu.Unlock()
}

func (r *recorder) stats(seconds float64) Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	ms := func(q float64) float64 { return float64(r.h.ValueAtQuantile(q)) / 1000 }
	return Stats{
		Requests: r.requests.Load(),
		Failures: r.failures.Load(),
		RPS:      float64(r.answered.Load()) / seconds,
		P50:      ms(50),
		P99:      ms(99),
		P999:     ms(99.9),
		Max:      float64(r.h.Max()) / 1000,
	}
}

// Client is the load generator's HTTP client: keep-alive over loopback,
// enough idle connections for every concurrent request, a bound on every
// request.
func Client() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        4096,
			MaxIdleConnsPerHost: 4096,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// do sends one GET with the token and reports whether the answer had the
// status want. The body is drained so the connection is kept alive.
func do(ctx context.Context, c *http.Client, url, token string, want int) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode == want
}

// TokenFunc returns the token of the i-th request, scheduled at elapsed
// time t after the stream's start.
type TokenFunc func(i int, t time.Duration) string

// errRate is returned for a rate that is not positive.
var errRate = errors.New("load: rate must be positive")

// Open sends requests to url at rate per second for d, each at its scheduled
// time whatever the server does (one goroutine per request, so no request
// waits for another), and records each latency from its scheduled time.
// It returns when every request has answered or failed.
func Open(ctx context.Context, c *http.Client, url string, rate float64, d time.Duration, tok TokenFunc, want int, rec *recorder) error {
	if rate <= 0 {
		return errRate
	}
	interval := time.Duration(float64(time.Second) / rate)
	n := int(d / interval)
	start := time.Now()
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range n {
		at := time.Duration(i) * interval
		sched := start.Add(at)
		if w := time.Until(sched); w > 0 {
			t := time.NewTimer(w)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		token := tok(i, at)
		rec.requests.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := do(ctx, c, url, token, want)
			rec.record(time.Since(sched), ok)
		}()
	}
	return nil
}

// Closed runs clients concurrent clients against url for d, each sending its
// next request when the last one answered, and records each latency from
// its send.
func Closed(ctx context.Context, c *http.Client, url string, clients int, d time.Duration, tok TokenFunc, want int, rec *recorder) {
	start := time.Now()
	deadline := start.Add(d)
	var seq atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				now := time.Now()
				if !now.Before(deadline) {
					return
				}
				i := int(seq.Add(1) - 1)
				rec.requests.Add(1)
				ok := do(ctx, c, url, tok(i, now.Sub(start)), want)
				rec.record(time.Since(now), ok)
			}
		})
	}
	wg.Wait()
}

// Describe is a one-line summary of r.
func (r Result) Describe() string {
	s := fmt.Sprintf("#%d %-6s %-8s %-16s %-9s rate=%-7.0f req/s=%-8.0f p50=%6.2fms p99=%6.2fms p99.9=%6.2fms max=%7.2fms failed=%d/%d",
		r.Round, r.Model, r.Framework, r.Auth, r.Scenario, r.Rate, r.Valid.RPS, r.Valid.P50, r.Valid.P99, r.Valid.P999, r.Valid.Max, r.Valid.Failures, r.Valid.Requests)
	if f := r.Flood; f != nil {
		s += fmt.Sprintf(" | random kids: p50=%.2fms p99=%.2fms p99.9=%.2fms not-401=%d/%d", f.P50, f.P99, f.P999, f.Failures, f.Requests)
	}
	return s
}
