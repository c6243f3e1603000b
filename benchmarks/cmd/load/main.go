// Command load runs the benchmarks module's load suite (package load) over
// loopback TCP and writes its results as JSON for cmd/charts and a table to
// standard output.
//
//	go run ./cmd/load -out results/load.json
//
// Every run starts a fresh app (and so fresh key caches) on 127.0.0.1; the
// identity provider is a jwkstest issuer on loopback too. Nothing leaves the
// machine, and the whole suite is bounded by its durations (about six
// minutes with the defaults).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/benchmarks"
	"github.com/jwksauth/jwksauth/benchmarks/load"
	"github.com/jwksauth/jwksauth/core/jws"
)

// Report is the JSON document the command writes.
type Report struct {
	// Started is when the suite started (UTC).
	Started time.Time `json:"started"`
	// GoVersion, GOMAXPROCS and CPUs describe the machine.
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUs       int    `json:"cpus"`
	// Alg is the tokens' signing algorithm.
	Alg string `json:"alg"`
	// Results are the runs.
	Results []load.Result `json:"results"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func run() error {
	var (
		out       = flag.String("out", "", "write the results as JSON to this file")
		models    = flag.String("models", "closed,open", "load models to run: closed, open")
		fws       = flag.String("frameworks", "", "frameworks of the closed model (default: nethttp,gin,echo,fiber)")
		scenarios = flag.String("scenarios", "", "scenarios (default: "+strings.Join(load.Scenarios, ",")+")")
		auths     = flag.String("open-auths", "", "protections compared in the open model (default: jwksauth,keyfunc,auth0)")
		clients   = flag.Int("clients", 64, "concurrent clients of the closed model")
		closedD   = flag.Duration("closed-duration", 5*time.Second, "measured time of each closed-model run")
		openD     = flag.Duration("open-duration", 10*time.Second, "measured time of each open-model run")
		warmup    = flag.Duration("warmup", time.Second, "unrecorded warm-up before each run")
		rate      = flag.Float64("rate", 0, "open-model rate in requests/s (0: a quarter of the closed model's net/http capacity with jwksauth)")
		flood     = flag.Float64("flood-rate", 200, "random-kid requests/s in the flood scenario")
		alg       = flag.String("alg", "RS256", "signing algorithm of the tokens")
		rounds    = flag.Int("rounds", 1, "repeat the suite this many times, every scenario once per round (readers take the median)")
	)
	flag.Parse()
	o := load.Options{
		Frameworks: list(*fws), Scenarios: list(*scenarios), OpenAuths: list(*auths),
		Clients: *clients, ClosedDuration: *closedD, OpenDuration: *openD, Warmup: *warmup,
		Rate: *rate, FloodRate: *flood, Rounds: *rounds,
		Log: func(s string) { fmt.Println(s) },
	}
	for _, m := range list(*models) {
		switch m {
		case "closed":
			o.Closed = true
		case "open":
			o.Open = true
		default:
			return fmt.Errorf("unknown model %q", m)
		}
	}
	a := jws.ParseAlgorithm(*alg)
	if a == jws.Unknown {
		return fmt.Errorf("unknown algorithm %q", *alg)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env, err := benchmarks.NewEnv(a)
	if err != nil {
		return err
	}
	defer env.Close()
	rep := Report{Started: time.Now().UTC(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPUs: runtime.NumCPU(), Alg: a.String()}
	rep.Results, err = load.Run(ctx, env, o)
	if err != nil {
		return err
	}
	if *out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}
