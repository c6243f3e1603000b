package load

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/benchmarks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// TestModels runs both load models briefly against net/http with jwksauth
// and checks the counts: every valid token answered 200, every token naming
// a random kid 401, and the open model sent what its rate scheduled.
func TestModels(t *testing.T) {
	env, err := benchmarks.NewEnv(jws.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	ctx := context.Background()
	app, err := env.NewApp(ctx, benchmarks.NetHTTP, benchmarks.NameJWKSAuth, benchmarks.AppOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app.Serve(ln)
	url := "http://" + ln.Addr().String() + benchmarks.Route
	toks, err := mint(env, 8)
	if err != nil {
		t.Fatal(err)
	}
	c := Client()
	defer c.CloseIdleConnections()
	valid := func(i int, _ time.Duration) string { return toks[i%len(toks)] }

	open := newRecorder()
	if err := Open(ctx, c, url, 100, 300*time.Millisecond, valid, http.StatusOK, open); err != nil {
		t.Fatal(err)
	}
	if s := open.stats(0.3); s.Requests != 30 || s.Failures != 0 || s.P50 <= 0 || s.P999 < s.P50 {
		t.Errorf("open model: %+v, want 30 requests, none failed, ordered percentiles", s)
	}

	random := newRecorder()
	rnd := func(i int, _ time.Duration) string { return benchmarks.RandomKID(toks[0], env.Alg) }
	if err := Open(ctx, c, url, 50, 100*time.Millisecond, rnd, http.StatusUnauthorized, random); err != nil {
		t.Fatal(err)
	}
	if s := random.stats(0.1); s.Requests != 5 || s.Failures != 0 {
		t.Errorf("random kids: %+v, want 5 requests answered 401", s)
	}

	closed := newRecorder()
	Closed(ctx, c, url, 4, 200*time.Millisecond, valid, http.StatusOK, closed)
	if s := closed.stats(0.2); s.Requests == 0 || s.Failures != 0 {
		t.Errorf("closed model: %+v, want requests, none failed", s)
	}

	// A failure is counted as one.
	wrong := newRecorder()
	Closed(ctx, c, url, 1, 50*time.Millisecond, valid, http.StatusTeapot, wrong)
	if s := wrong.stats(0.05); s.Failures == 0 || s.Failures != s.Requests {
		t.Errorf("unexpected statuses: %+v, want every request failed", s)
	}
}
