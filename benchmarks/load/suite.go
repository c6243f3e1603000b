package load

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/jwksauth/jwksauth/benchmarks"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// Options configure a Suite. Zero values mean the documented defaults.
type Options struct {
	// Frameworks of the closed model. Default: every framework.
	Frameworks []string
	// Scenarios to run. Default: Scenarios.
	Scenarios []string
	// OpenAuths are the protections of the net/http app compared in the open
	// model. Default: jwksauth, keyfunc, auth0.
	OpenAuths []string
	// Closed and Open turn the models on; both false means both.
	Closed, Open bool
	// Clients of the closed model. Default: 64.
	Clients int
	// ClosedDuration and OpenDuration are the measured time of each run.
	// Defaults: 5 s and 10 s.
	ClosedDuration, OpenDuration time.Duration
	// Warmup precedes every measurement, unrecorded. Default: 1 s.
	Warmup time.Duration
	// Rate of the open model, requests per second. Default: a quarter of
	// the closed model's capacity for net/http with jwksauth at rest.
	Rate float64
	// FloodRate is the rate of random-kid requests in the flood scenario.
	// Default: 200.
	FloodRate float64
	// Rounds repeats the whole suite, each round running every app under
	// every scenario once, so that the runs of one scenario are spread
	// over the suite's time and a neighbour's burst lands in one round, not
	// in one scenario. Readers take the median over rounds. Default: 1.
	Rounds int
	// Log receives a line per finished run. Default: none.
	Log func(string)
}

func (o *Options) defaults() {
	if len(o.Frameworks) == 0 {
		o.Frameworks = benchmarks.Frameworks
	}
	if len(o.Scenarios) == 0 {
		o.Scenarios = Scenarios
	}
	if len(o.OpenAuths) == 0 {
		o.OpenAuths = []string{benchmarks.NameJWKSAuth, benchmarks.NameKeyfunc, benchmarks.NameAuth0}
	}
	if !o.Closed && !o.Open {
		o.Closed, o.Open = true, true
	}
	if o.Clients == 0 {
		o.Clients = 64
	}
	if o.ClosedDuration == 0 {
		o.ClosedDuration = 5 * time.Second
	}
	if o.OpenDuration == 0 {
		o.OpenDuration = 10 * time.Second
	}
	if o.Warmup == 0 {
		o.Warmup = time.Second
	}
	if o.FloodRate == 0 {
		o.FloodRate = 200
	}
	if o.Rounds <= 0 {
		o.Rounds = 1
	}
	if o.Log == nil {
		o.Log = func(string) {}
	}
}

// warmTokens is the number of tokens cycled during a warm-up; the measured
// requests use others.
const warmTokens = 256

// closedPool is the number of distinct tokens the closed model cycles
// through (jwksauth runs there with its verified-token cache off, so that
// every request pays the signature).
const closedPool = 1024

// rotationQuiet is the least time between an app's start (its first key
// fetch) and the rotation: jwksauth's default UnknownKIDCooldown (5 s) plus
// a second. Within the cooldown after a fetch, an unknown kid is answered
// 401 until the next fetch the cooldown allows.
const rotationQuiet = 6 * time.Second

// Run runs the suite against env's issuer and returns one Result per run.
func Run(ctx context.Context, env *benchmarks.Env, o Options) ([]Result, error) {
	o.defaults()
	var out []Result
	pool, err := mint(env, warmTokens+closedPool)
	if err != nil {
		return nil, err
	}
	capacity := 0.0
	rate := o.Rate
	for round := 1; round <= o.Rounds; round++ {
		if o.Closed {
			for _, fw := range o.Frameworks {
				for _, auth := range []string{benchmarks.NameUnprotected, benchmarks.NameJWKSAuth} {
					for _, sc := range o.Scenarios {
						if auth == benchmarks.NameUnprotected && sc != Rest {
							continue
						}
						r, err := runOne(ctx, env, o, "closed", fw, auth, sc, 0, pool)
						if err != nil {
							return out, err
						}
						if fw == benchmarks.NetHTTP && auth == benchmarks.NameJWKSAuth && sc == Rest && capacity == 0 {
							capacity = r.Valid.RPS
						}
						r.Round = round
						o.Log(r.Describe())
						out = append(out, r)
					}
				}
			}
		}
		if !o.Open {
			continue
		}
		if rate <= 0 {
			if capacity == 0 {
				r, err := runOne(ctx, env, o, "closed", benchmarks.NetHTTP, benchmarks.NameJWKSAuth, Rest, 0, pool)
				if err != nil {
					return out, err
				}
				capacity = r.Valid.RPS
			}
			rate = capacity / 4
		}
		need := warmTokens + int(rate*o.OpenDuration.Seconds()) + 1
		if more := need - len(pool); more > 0 {
			extra, err := mint(env, more)
			if err != nil {
				return out, err
			}
			pool = append(pool, extra...)
		}
		for _, auth := range o.OpenAuths {
			for _, sc := range o.Scenarios {
				r, err := runOne(ctx, env, o, "open", benchmarks.NetHTTP, auth, sc, rate, pool)
				if err != nil {
					return out, err
				}
				r.Round = round
				o.Log(r.Describe())
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// mint signs n fresh access tokens in parallel.
func mint(env *benchmarks.Env, n int, opts ...jwkstest.MintOption) ([]string, error) {
	out := make([]string, n)
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				t, err := env.Mint(uint64(i)<<8|uint64(w), benchmarks.TokenSize, opts...)
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = t
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runOne starts a fresh app and measures it under one scenario.
func runOne(ctx context.Context, env *benchmarks.Env, o Options, model, fw, auth, scenario string, rate float64, pool []string) (Result, error) {
	res := Result{Model: model, Framework: fw, Auth: auth, Scenario: scenario, Rate: rate}
	d := o.OpenDuration
	if model == "closed" {
		d = o.ClosedDuration
		res.Rate = float64(o.Clients)
	}
	res.Seconds = d.Seconds()
	appOpts := benchmarks.AppOptions{TokenCache: model == "open"}
	if scenario == Refresh || scenario == Outage {
		appOpts.Refresh = RefreshInterval
	}

	// Rotation: a key the issuer does not publish yet, and the tokens it
	// will sign from half-way on.
	var (
		rotKey  *jwkstest.Key
		rotToks []string
		rotOnce sync.Once
	)
	if scenario == Rotation && auth != benchmarks.NameUnprotected {
		k, err := env.Issuer.GenerateKey(env.Alg)
		if err != nil {
			return res, fmt.Errorf("rotation key: %w", err)
		}
		rotKey = k
		n := closedPool
		if model == "open" {
			n = int(rate*d.Seconds())/2 + 2
		}
		if rotToks, err = mint(env, n, jwkstest.WithKey(k)); err != nil {
			return res, err
		}
		defer func() { _ = env.Issuer.RemoveKey(k.KID()) }()
	}

	app, err := env.NewApp(ctx, fw, auth, appOpts)
	if err != nil {
		return res, err
	}
	defer app.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, fmt.Errorf("listen: %w", err)
	}
	app.Serve(ln)
	url := "http://" + ln.Addr().String() + benchmarks.Route
	client := Client()
	defer client.CloseIdleConnections()

	warm := func(i int, _ time.Duration) string { return pool[i%warmTokens] }
	measured := pool[warmTokens:]
	half := d / 2
	valid := func(i int, t time.Duration) string {
		if rotKey != nil && t >= half {
			rotOnce.Do(func() { _ = env.Issuer.AddKey(rotKey) })
			return rotToks[i%len(rotToks)]
		}
		return measured[i%len(measured)]
	}
	if model == "open" && rotKey != nil {
		first := int(half.Seconds() * rate)
		valid = func(i int, t time.Duration) string {
			if t >= half {
				rotOnce.Do(func() { _ = env.Issuer.AddKey(rotKey) })
				return rotToks[(i-first)%len(rotToks)]
			}
			return measured[i]
		}
	}

	// Warm-up: connections open, keys loaded, code paths hot. A real
	// rotation comes long after a verifier's start-up fetch: the warm-up of
	// a rotation run lasts until the rotation lands at least
	// rotationQuiet after the app loaded its keys.
	warmup := o.Warmup
	if rotKey != nil && warmup+half < rotationQuiet {
		warmup = rotationQuiet - half
	}
	discard := newRecorder()
	if model == "closed" {
		Closed(ctx, client, url, o.Clients, warmup, warm, http.StatusOK, discard)
	} else if err := Open(ctx, client, url, rate, warmup, warm, http.StatusOK, discard); err != nil {
		return res, err
	}

	if scenario == Outage {
		if err := env.Issuer.SetFault(jwkstest.FaultRefuse); err != nil {
			return res, fmt.Errorf("outage: %w", err)
		}
		defer func() { _ = env.Issuer.SetFault(jwkstest.FaultNone) }()
	}

	rec := newRecorder()
	var flood *recorder
	var wg sync.WaitGroup
	if scenario == Flood {
		flood = newRecorder()
		wg.Go(func() {
			random := func(i int, _ time.Duration) string { return benchmarks.RandomKID(pool[i%len(pool)], env.Alg) }
			_ = Open(ctx, client, url, o.FloodRate, d, random, http.StatusUnauthorized, flood)
		})
	}
	if model == "closed" {
		Closed(ctx, client, url, o.Clients, d, valid, http.StatusOK, rec)
	} else if err := Open(ctx, client, url, rate, d, valid, http.StatusOK, rec); err != nil {
		return res, err
	}
	wg.Wait()
	res.Valid = rec.stats(d.Seconds())
	if flood != nil {
		s := flood.stats(d.Seconds())
		res.Flood = &s
	}
	return res, nil
}
