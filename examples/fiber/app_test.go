package main

// This file is the same in every example app (examples/*/app_test.go). It
// needs nothing but this app and the jwksauth test kit, so it stays with
// the app when the app is copied out as a template (make template): it
// starts the app in this process against an issuer of the test kit and
// walks every route.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/jwkstest"
)

// TestApp starts the app against a development issuer (jwkstest's OpenID
// Connect provider on loopback) and walks every route: the answers with
// the right scopes, 403 without them, 401 without a token or with an
// expired one. Then it stops the app as SIGTERM would.
func TestApp(t *testing.T) {
	const audience = "api://app-test"
	iss := jwkstest.NewIssuer(t, jwkstest.WithAudience(audience), jwkstest.WithSubject("alice"))
	base, stop := startApp(t, map[string]string{
		"ISSUER_URL": iss.URL(),
		"AUDIENCE":   audience,
		"ADDR":       "127.0.0.1:0",
	})

	token := func(scope string) string { return iss.MustMint(map[string]any{"scope": scope}) }
	now := time.Now()
	expired := iss.MustMint(map[string]any{"scope": "admin", "iat": now.Add(-2 * time.Hour), "exp": now.Add(-time.Hour)})
	steps := []struct {
		name, method, path, token, body string
		want                            int
	}{
		{"health needs no token", "GET", "/healthz", "", "", 200},
		{"profile without a token", "GET", "/api/profile", "", "", 401},
		{"profile with an expired token", "GET", "/api/profile", expired, "", 401},
		{"profile", "GET", "/api/profile", token("openid"), "", 200},
		{"reports", "GET", "/api/reports", token("reports:read"), "", 200},
		{"reports without reports:read", "GET", "/api/reports", token("admin"), "", 403},
		{"create a report", "POST", "/api/reports", token("reports:write"), `{"title":"Q3 revenue"}`, 201},
		{"create a report without reports:write", "POST", "/api/reports", token("reports:read"), `{"title":"Q3 revenue"}`, 403},
		{"create a report without a title", "POST", "/api/reports", token("reports:write"), `{}`, 400},
		{"admin", "GET", "/api/admin", token("admin"), "", 200},
		{"admin without admin", "GET", "/api/admin", token("reports:read reports:write"), "", 403},
		{"admin without a token", "GET", "/api/admin", "", "", 401},
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, s := range steps {
		req, err := http.NewRequest(s.method, base+s.path, strings.NewReader(s.body))
		if err != nil {
			t.Fatal(err)
		}
		if s.token != "" {
			req.Header.Set("Authorization", "Bearer "+s.token)
		}
		if s.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		_ = res.Body.Close()
		if err != nil {
			t.Fatalf("%s: reading the body: %v", s.name, err)
		}
		if res.StatusCode != s.want {
			t.Errorf("%s: %s %s answered %d, want %d: %s", s.name, s.method, s.path, res.StatusCode, s.want, body)
			continue
		}
		switch {
		case s.want == 401 || s.want == 403:
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q, want a Bearer challenge", s.name, res.Header.Get("WWW-Authenticate"))
			}
		case s.path == "/api/profile":
			var p struct {
				Sub    string   `json:"sub"`
				Iss    string   `json:"iss"`
				Scopes []string `json:"scopes"`
			}
			if err := json.Unmarshal(body, &p); err != nil || p.Sub != "alice" || p.Iss != iss.URL() || len(p.Scopes) != 1 || p.Scopes[0] != "openid" {
				t.Errorf("%s: profile %s (%v), want sub alice, iss %s, scopes [openid]", s.name, body, err, iss.URL())
			}
		case s.want == 201:
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/api/reports/") {
				t.Errorf("%s: Location %q, want /api/reports/…", s.name, loc)
			}
		}
	}

	if code := stop(); code != exitOK {
		t.Fatalf("exit status %d after shutdown, want %d", code, exitOK)
	}
}

// TestDevIssuer checks DEV_ISSUER=1: the development build (-tags dev)
// starts its issuer and prints a curl command for every route; a
// production build refuses it with exit status 2 and names the build that
// has it.
func TestDevIssuer(t *testing.T) {
	env := map[string]string{"DEV_ISSUER": "1", "ADDR": "127.0.0.1:0"}
	if !devBuild {
		var stdout, stderr syncBuffer
		code := run(t.Context(), mapEnv(env), &stdout, &stderr)
		if code != exitUsage {
			t.Fatalf("DEV_ISSUER=1 without -tags dev: exit status %d, want %d\nstderr:\n%s", code, exitUsage, stderr.String())
		}
		if !strings.Contains(stderr.String(), "-tags dev") {
			t.Errorf("stderr does not name the development build (-tags dev):\n%s", stderr.String())
		}
		if strings.Contains(stdout.String(), "listening on") {
			t.Errorf("the app listened:\n%s", stdout.String())
		}
		return
	}
	base, stop, stdout := startAppOutput(t, env)
	for _, route := range []string{"/healthz", "/api/profile", "-X POST " + base + "/api/reports", "/api/reports", "/api/admin"} {
		if !strings.Contains(stdout.String(), route) {
			t.Errorf("no printed curl command for %s:\n%s", route, stdout.String())
		}
	}
	if n := strings.Count(stdout.String(), "# expect "); n < 5 {
		t.Errorf("%d printed commands, want one per route and more:\n%s", n, stdout.String())
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit status %d after shutdown, want %d", code, exitOK)
	}
}

// startApp runs the app in this process with the environment env and
// returns its base URL once it listens, and a function that stops it (as
// SIGTERM does) and returns its exit status.
func startApp(t *testing.T, env map[string]string) (base string, stop func() int) {
	base, stop, _ = startAppOutput(t, env)
	return base, stop
}

var listeningLine = regexp.MustCompile(`listening on (http://\S+)`)

func startAppOutput(t *testing.T, env map[string]string) (string, func() int, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, mapEnv(env), &stdout, &stderr) }()
	stopped := false
	stop := func() int {
		t.Helper()
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatalf("the app did not stop within 20s\nstderr:\n%s", stderr.String())
			return -1
		}
	}
	t.Cleanup(func() {
		if !stopped {
			cancel()
			<-done
		}
	})

	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		if m := listeningLine.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stop, &stdout
		}
		select {
		case <-stdout.written():
		case code := <-done:
			stopped = true
			t.Fatalf("the app exited with status %d before listening\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		case <-timeout.C:
			t.Fatalf("the app printed no listening line within 20s\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
	}
}

// mapEnv is a getenv reading env only, so the test's own environment never
// leaks into the app's settings.
func mapEnv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// syncBuffer is a buffer the app writes while the test reads it.
type syncBuffer struct {
	mu     sync.Mutex
	b      strings.Builder
	signal chan struct{} // a value after each write, at most one pending
}

func (s *syncBuffer) written() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.signal == nil {
		s.signal = make(chan struct{}, 1)
	}
	return s.signal
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.signal == nil {
		s.signal = make(chan struct{}, 1)
	}
	select {
	case s.signal <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
