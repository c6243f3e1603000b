// Command charts draws the charts of docs/benchmarks.md from the benchmarks
// module's results, and prints the tables of that page in Markdown:
//
//	go run ./cmd/charts -bench results/bench.txt -load results/load.json -out ../docs/images
//
// writes bench-cost.png (per-verification cost per library and algorithm,
// from BenchmarkVerify) and bench-load.png (p99 and p99.9 latency of valid
// tokens per load scenario in the open model, from cmd/load), and prints
// the tables to standard output. Each value of a benchmark is the median of
// its runs (-count).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/jwksauth/jwksauth/benchmarks"
	"github.com/jwksauth/jwksauth/benchmarks/load"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "charts:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	benchFile := flag.String("bench", "results/bench.txt", "go test -bench output (make bench)")
	loadFile := flag.String("load", "results/load.json", "cmd/load output (make bench-load)")
	out := flag.String("out", "../docs/images", "directory of the PNG files")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	bs, err := readBench(*benchFile)
	if err != nil {
		return err
	}
	if err := costChart(bs, filepath.Join(*out, "bench-cost.png")); err != nil {
		return err
	}
	benchTables(w, bs)
	rep, err := readLoad(*loadFile)
	if err != nil {
		return err
	}
	if err := loadChart(rep, filepath.Join(*out, "bench-load.png")); err != nil {
		return err
	}
	loadTables(w, rep)
	return nil
}

// result is one benchmark's measurements over its runs.
type result struct {
	ns, allocs, bytes []float64
	metrics           map[string][]float64
}

// bench maps a benchmark's name, without the GOMAXPROCS suffix, to its runs.
type bench map[string]*result

func readBench(path string) (bench, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bs := make(bench)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || !strings.HasPrefix(fs[0], "Benchmark") {
			continue
		}
		name := fs[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		r := bs[name]
		if r == nil {
			r = &result{metrics: make(map[string][]float64)}
			bs[name] = r
		}
		for i := 2; i+1 < len(fs); i += 2 {
			v, err := strconv.ParseFloat(fs[i], 64)
			if err != nil {
				continue
			}
			switch fs[i+1] {
			case "ns/op":
				r.ns = append(r.ns, v)
			case "allocs/op":
				r.allocs = append(r.allocs, v)
			case "B/op":
				r.bytes = append(r.bytes, v)
			default:
				r.metrics[fs[i+1]] = append(r.metrics[fs[i+1]], v)
			}
		}
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results", path)
	}
	return bs, sc.Err()
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (bs bench) ns(name string) float64 {
	if r := bs[name]; r != nil {
		return median(r.ns)
	}
	return math.NaN()
}

func (bs bench) allocs(name string) float64 {
	if r := bs[name]; r != nil {
		return median(r.allocs)
	}
	return math.NaN()
}

func (bs bench) metric(name, unit string) float64 {
	if r := bs[name]; r != nil {
		return median(r.metrics[unit])
	}
	return math.NaN()
}

var (
	algs = []string{"RS256", "ES256", "EdDSA"}
	libs = []string{benchmarks.NameFloor, benchmarks.NameJWKSAuth, benchmarks.NameJWKSAuthHit,
		benchmarks.NameKeyfunc, benchmarks.NameJWX, benchmarks.NameGoOIDC, benchmarks.NameAuth0}
)

// floorNs is the median of the floor's ns/op over every ratio benchmark of
// alg, where it was timed beside each library.
func floorNs(bs bench, alg string) float64 {
	var vs []float64
	for _, lib := range libs[1:] {
		if r := bs[verifyName(alg, "ratio", lib)]; r != nil {
			vs = append(vs, r.metrics["floor-ns/op"]...)
		}
	}
	return median(vs)
}

// xFloor is lib's median ratio to the floor measured in alternating
// batches (BenchmarkVerify/ALG/ratio/LIB); 1 for the floor itself.
func xFloor(bs bench, alg, lib string) float64 {
	if lib == benchmarks.NameFloor {
		return 1
	}
	return bs.metric(verifyName(alg, "ratio", lib), "x-floor")
}

// speedup is lib's parallel speedup on alg (the median over passes of
// serial ns/op ÷ RunParallel ns/op) and the median over passes of its
// ratio to the floor's speedup in the same pass: a neighbour's burst during
// one pass moves both the same way and cancels out.
func speedup(bs bench, alg, lib string) (float64, float64) {
	at := func(mode, l string) []float64 {
		if r := bs[verifyName(alg, mode, l)]; r != nil {
			return r.ns
		}
		return nil
	}
	s, p := at("serial", lib), at("parallel", lib)
	fs, fp := at("serial", benchmarks.NameFloor), at("parallel", benchmarks.NameFloor)
	n := min(len(s), len(p), len(fs), len(fp))
	var sp, rel []float64
	for i := range n {
		sp = append(sp, s[i]/p[i])
		rel = append(rel, (s[i]/p[i])/(fs[i]/fp[i]))
	}
	return median(sp), median(rel)
}

func verifyName(alg, mode, lib string) string {
	return "BenchmarkVerify/" + alg + "/" + mode + "/" + lib
}

// groupedBars adds one bar chart per series to p, grouped by category, and
// returns them for the legend. base, when positive, is the bottom of the
// bars (for a logarithmic axis, where 0 cannot be drawn).
func groupedBars(p *plot.Plot, names []string, values [][]float64, base float64) error {
	const w = 13
	n := len(names)
	var baseBars *plotter.BarChart
	if base > 0 {
		b, err := plotter.NewBarChart(plotter.Values(make([]float64, len(values[0]))), w)
		if err != nil {
			return err
		}
		for i := range b.Values {
			b.Values[i] = base
		}
		baseBars = b
	}
	for i, name := range names {
		vs := make(plotter.Values, len(values[i]))
		for j, v := range values[i] {
			if math.IsNaN(v) {
				v = 0
			}
			vs[j] = v
		}
		b, err := plotter.NewBarChart(vs, w)
		if err != nil {
			return err
		}
		if baseBars != nil {
			b.StackOn(baseBars)
		}
		b.LineStyle.Width = 0
		b.Color = plotutil.Color(i)
		b.Offset = vg.Length(float64(i)-float64(n-1)/2) * w
		p.Add(b)
		p.Legend.Add(name, b)
	}
	return nil
}

// costChart draws the serial per-verification cost of each library for
// each algorithm.
func costChart(bs bench, path string) error {
	p := plot.New()
	p.Title.Text = "Cost of one verification, serial: the floor × each library's ratio to it (alternating batches, median)"
	p.Y.Label.Text = "time per verification (µs)"
	p.X.Label.Text = "signature algorithm (RS256 token ≈ 850 bytes)"
	values := make([][]float64, len(libs))
	for i, lib := range libs {
		for _, alg := range algs {
			values[i] = append(values[i], floorNs(bs, alg)*xFloor(bs, alg, lib)/1000)
		}
	}
	if err := groupedBars(p, libs, values, 0); err != nil {
		return err
	}
	p.NominalX(algs...)
	top := 0.0
	for _, vs := range values {
		for _, v := range vs {
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	// Room above the bars for the legend.
	p.Y.Min, p.Y.Max = 0, top*1.7
	p.Legend.Top = true
	p.Legend.Left = true
	p.Y.Tick.Marker = plot.DefaultTicks{}
	p.Add(plotter.NewGrid())
	return p.Save(26*vg.Centimeter, 13*vg.Centimeter, path)
}

func benchTables(w io.Writer, bs bench) {
	fmt.Fprintln(w, "### Verification, serial (median µs/op and allocs/op; × floor: median ratio in alternating batches, ratio/…)")
	fmt.Fprintln(w)
	fmt.Fprint(w, "| library |")
	for _, alg := range algs {
		fmt.Fprintf(w, " %s µs | allocs | × floor |", alg)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "|---|")
	for range algs {
		fmt.Fprint(w, "---:|---:|---:|")
	}
	fmt.Fprintln(w)
	for _, lib := range libs {
		fmt.Fprintf(w, "| %s |", lib)
		for _, alg := range algs {
			n := bs.ns(verifyName(alg, "serial", lib))
			fmt.Fprintf(w, " %.2f | %.0f | %.3f |", n/1000, bs.allocs(verifyName(alg, "serial", lib)), xFloor(bs, alg, lib))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Each peer against jwksauth (token cache off): peer's × floor ÷ jwksauth's × floor")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| peer | RS256 | ES256 | EdDSA |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, lib := range libs[3:] {
		fmt.Fprintf(w, "| %s |", lib)
		for _, alg := range algs {
			fmt.Fprintf(w, " %.2f× |", xFloor(bs, alg, lib)/xFloor(bs, alg, benchmarks.NameJWKSAuth))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Parallel speedup (serial ns/op ÷ RunParallel ns/op), and against the floor's own")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Medians over the passes; \"× floor's\" is the median over passes of the library's speedup")
	fmt.Fprintln(w, "divided by the floor's in the same pass.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| library | RS256 | ES256 | EdDSA |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, lib := range libs {
		fmt.Fprintf(w, "| %s |", lib)
		for _, alg := range algs {
			s, rel := speedup(bs, alg, lib)
			fmt.Fprintf(w, " %.2f (%.2f× floor's) |", s, rel)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Token-cache hit (RS256)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| token size | ns/op | allocs/op |")
	fmt.Fprintln(w, "|---|---:|---:|")
	for _, s := range []string{"1KB", "4KB"} {
		n := "BenchmarkTokenCacheHit/" + s
		fmt.Fprintf(w, "| %s | %.0f | %.0f |\n", s, bs.ns(n), bs.allocs(n))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Per framework, in process (RS256): route µs/op and allocs; auth cost = protected − unprotected route and its ratio to the floor, medians of alternating batches (cost/…)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| framework | protection | route µs | allocs | auth cost µs | × floor |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	floor := bs.ns("BenchmarkFramework/" + benchmarks.NameFloor)
	for _, fw := range benchmarks.Frameworks {
		open := bs.ns("BenchmarkFramework/" + fw + "/" + benchmarks.NameUnprotected)
		auths := append([]string{benchmarks.NameUnprotected, benchmarks.NameJWKSAuth, benchmarks.NameJWKSAuthHit}, benchmarks.Auths(fw)...)
		for _, auth := range auths {
			n := "BenchmarkFramework/" + fw + "/" + auth
			route := bs.ns(n)
			cost, ratio := route-open, math.NaN()
			if auth != benchmarks.NameUnprotected {
				c := "BenchmarkFramework/" + fw + "/cost/" + auth
				cost, ratio = bs.metric(c, "auth-ns/op"), bs.metric(c, "auth-x-floor")
			}
			r := "–"
			if !math.IsNaN(ratio) {
				r = fmt.Sprintf("%.3f", ratio)
			}
			fmt.Fprintf(w, "| %s | %s | %.2f | %.0f | %.2f | %s |\n", fw, auth, route/1000, bs.allocs(n), cost/1000, r)
		}
	}
	fmt.Fprintf(w, "\nfloor (RS256, same run): %.2f µs\n\n", floor/1000)
	fmt.Fprintln(w, "### Memory")
	fmt.Fprintln(w)
	for _, n := range []string{"1000", "100000"} {
		fmt.Fprintf(w, "- verified-token cache, %s tokens: %.0f B/token\n", n, bs.metric("BenchmarkTokenCacheMemory/tokens="+n, "B/token"))
	}
	for _, n := range []string{"1", "100", "10000"} {
		k := "BenchmarkAuthenticatorHeap/issuers=" + n
		fmt.Fprintf(w, "- Authenticator with %s issuers: %.0f KiB (%.0f B/issuer)\n", n, bs.metric(k, "B/authenticator")/1024, bs.metric(k, "B/issuer"))
	}
	fmt.Fprintln(w)
}

// report is cmd/load's output.
type report struct {
	GoVersion  string        `json:"go_version"`
	GOMAXPROCS int           `json:"gomaxprocs"`
	Alg        string        `json:"alg"`
	Results    []load.Result `json:"results"`
}

func readLoad(path string) (*report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(r.Results) == 0 {
		return nil, errors.New(path + ": no results")
	}
	return &r, nil
}

// find returns the runs of one app under one scenario merged over the
// suite's rounds: the median of each percentile and of the rate, the
// largest max, requests and failures summed. nil if there is none.
func (r *report) find(model, fw, auth, scenario string) *load.Result {
	var runs []load.Result
	for _, x := range r.Results {
		if x.Model == model && x.Framework == fw && x.Auth == auth && x.Scenario == scenario {
			runs = append(runs, x)
		}
	}
	if len(runs) == 0 {
		return nil
	}
	m := runs[0]
	m.Round = len(runs) // in a merged result: how many rounds it merges
	merge := func(get func(load.Result) *load.Stats) *load.Stats {
		var all []load.Stats
		for _, x := range runs {
			if s := get(x); s != nil {
				all = append(all, *s)
			}
		}
		if len(all) == 0 {
			return nil
		}
		med := func(f func(load.Stats) float64) float64 {
			vs := make([]float64, len(all))
			for i, s := range all {
				vs[i] = f(s)
			}
			return median(vs)
		}
		out := load.Stats{
			RPS:  med(func(s load.Stats) float64 { return s.RPS }),
			P50:  med(func(s load.Stats) float64 { return s.P50 }),
			P99:  med(func(s load.Stats) float64 { return s.P99 }),
			P999: med(func(s load.Stats) float64 { return s.P999 }),
		}
		for _, s := range all {
			out.Requests += s.Requests
			out.Failures += s.Failures
			out.Max = max(out.Max, s.Max)
		}
		return &out
	}
	m.Valid = *merge(func(x load.Result) *load.Stats { return &x.Valid })
	m.Flood = merge(func(x load.Result) *load.Stats { return x.Flood })
	return &m
}

// rounds is the number of rounds in the report.
func (r *report) rounds() int {
	n := 1
	for _, x := range r.Results {
		n = max(n, x.Round)
	}
	return n
}

// openAuths returns the protections of the open model, in order of first
// appearance.
func (r *report) openAuths() []string {
	var out []string
	for _, x := range r.Results {
		if x.Model == "open" && !slices.Contains(out, x.Auth) {
			out = append(out, x.Auth)
		}
	}
	return out
}

// loadChart draws p99 and p99.9 of valid tokens per scenario of the open
// model, one bar per library, side by side, on a logarithmic axis.
func loadChart(r *report, path string) error {
	auths := r.openAuths()
	if len(auths) == 0 {
		return errors.New("no open-model results to chart")
	}
	rate := 0.0
	var row []*plot.Plot
	for _, q := range []struct {
		name string
		get  func(load.Stats) float64
	}{{"p99", func(s load.Stats) float64 { return s.P99 }}, {"p99.9", func(s load.Stats) float64 { return s.P999 }}} {
		p := plot.New()
		values := make([][]float64, len(auths))
		for i, auth := range auths {
			for _, sc := range load.Scenarios {
				v := math.NaN()
				if x := r.find("open", benchmarks.NetHTTP, auth, sc); x != nil {
					v, rate = q.get(x.Valid), x.Rate
				}
				values[i] = append(values[i], v)
			}
		}
		if err := groupedBars(p, auths, values, 0.01); err != nil {
			return err
		}
		p.NominalX(load.Scenarios...)
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Min, p.Y.Max = 0.1, 10000
		p.Y.Label.Text = q.name + " latency of valid tokens (ms, log scale)"
		p.X.Label.Text = "scenario"
		p.Title.Text = q.name
		p.Legend.Top, p.Legend.Left = true, false
		p.Add(plotter.NewGrid())
		row = append(row, p)
	}
	const width, height = 30 * vg.Centimeter, 13 * vg.Centimeter
	img := vgimg.New(width, height)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: 0.3 * vg.Centimeter, PadBottom: 0.3 * vg.Centimeter, PadLeft: 0.3 * vg.Centimeter, PadRight: 0.3 * vg.Centimeter}
	for j, p := range row {
		p.Title.Text += fmt.Sprintf(" of valid tokens: open model at %.0f req/s, fresh token per request", rate)
		p.Draw(tiles.At(dc, j, 0))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func loadTables(w io.Writer, r *report) {
	per := ""
	if n := r.rounds(); n > 1 {
		per = fmt.Sprintf("; median of %d rounds, failures summed", n)
	}
	fmt.Fprintf(w, "### Load, closed model (%s, %d clients%s)\n\n", r.Alg, 64, per)
	fmt.Fprintln(w, "| framework | auth | scenario | req/s | p50 ms | p99 ms | p99.9 ms | p99 ÷ rest | valid failed |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|---:|")
	seen := map[string]bool{}
	for _, y := range r.Results {
		k := y.Model + "/" + y.Framework + "/" + y.Auth + "/" + y.Scenario
		if y.Model != "closed" || seen[k] {
			continue
		}
		seen[k] = true
		x := r.find("closed", y.Framework, y.Auth, y.Scenario)
		rest := r.find("closed", x.Framework, x.Auth, load.Rest)
		fmt.Fprintf(w, "| %s | %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %d / %d |\n", x.Framework, x.Auth, x.Scenario,
			x.Valid.RPS, x.Valid.P50, x.Valid.P99, x.Valid.P999, x.Valid.P99/rest.Valid.P99, x.Valid.Failures, x.Valid.Requests)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "### Load, open model (net/http, fresh %s token per request%s)\n\n", r.Alg, per)
	fmt.Fprintln(w, "| scenario | library | rate | p50 ms | p99 ms | p99.9 ms | p99 ÷ rest | valid failed | random kids p50 / p99 / p99.9 ms |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---|")
	for _, sc := range load.Scenarios {
		for _, auth := range r.openAuths() {
			x := r.find("open", benchmarks.NetHTTP, auth, sc)
			if x == nil {
				continue
			}
			rest := r.find("open", benchmarks.NetHTTP, auth, load.Rest)
			flood := "–"
			if f := x.Flood; f != nil {
				flood = fmt.Sprintf("%.2f / %.2f / %.2f (%d of %d not 401)", f.P50, f.P99, f.P999, f.Failures, f.Requests)
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %d / %d | %s |\n", sc, auth, x.Rate,
				x.Valid.P50, x.Valid.P99, x.Valid.P999, x.Valid.P99/rest.Valid.P99, x.Valid.Failures, x.Valid.Requests, flood)
		}
	}
	fmt.Fprintln(w)
}
