package blackbox

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// runResource checks RESOURCE (RFC 9728 metadata, resource_metadata in
// challenges, aud must contain it) and ACR_ADMIN (RFC 9470 step-up on GET
// /api/admin).
func runResource(t *testing.T, start Starter) {
	const resource = "https://api.blackbox.example"
	iss := jwkstest.NewIssuer(t, jwkstest.WithAudience(Audience))
	p := start(t, map[string]string{
		"ISSUER_URL": iss.URL(),
		"AUDIENCE":   Audience,
		"ADDR":       "127.0.0.1:0",
		"RESOURCE":   resource,
		"ACR_ADMIN":  "phr,phrh",
	})
	c := newClient(t, p.URL())

	res := c.do("GET", "/.well-known/oauth-protected-resource", nil, nil)
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
	}
	if res.status != 200 || json.Unmarshal(res.body, &doc) != nil || doc.Resource != resource ||
		len(doc.AuthorizationServers) != 1 || doc.AuthorizationServers[0] != iss.URL() {
		t.Fatalf("metadata: %d %s", res.status, res.body)
	}
	res = c.do("GET", "/api/profile", nil, nil)
	if res.status != 401 || !strings.Contains(res.header.Get("WWW-Authenticate"), `resource_metadata="`+resource+`/.well-known/oauth-protected-resource"`) {
		t.Fatalf("no token: %d %q", res.status, res.header.Get("WWW-Authenticate"))
	}
	aud := []string{Audience, resource}
	if res := c.do("GET", "/api/profile", bearer(iss.MustMint(nil)), nil); res.status != 401 {
		t.Fatalf("token without the resource in aud: %d, want 401", res.status)
	}
	if res := c.do("GET", "/api/profile", bearer(iss.MustMint(map[string]any{"aud": aud})), nil); res.status != 200 {
		t.Fatalf("token for the resource: %d %s", res.status, res.body)
	}
	weak := iss.MustMint(map[string]any{"aud": aud, "scope": "admin", "acr": "pwd"})
	res = c.do("GET", "/api/admin", bearer(weak), nil)
	if res.status != 401 {
		t.Fatalf("admin with a password login: %d, want 401", res.status)
	}
	checkProblem(t, res, "insufficient_user_authentication", `error="insufficient_user_authentication"`)
	if ch := res.header.Get("WWW-Authenticate"); !strings.Contains(ch, `acr_values="phr phrh"`) {
		t.Errorf("step-up challenge %q lacks acr_values", ch)
	}
	strong := iss.MustMint(map[string]any{"aud": aud, "scope": "admin", "acr": "phrh"})
	if res := c.do("GET", "/api/admin", bearer(strong), nil); res.status != 200 {
		t.Fatalf("admin with phrh: %d %s", res.status, res.body)
	}
	if code := p.Signal(interrupt); code != 0 {
		t.Fatalf("exit status after SIGINT: %d, want 0\nstderr:\n%s", code, p.Stderr())
	}
}

// runDPoP checks DPOP=required, and that two instances sharing REDIS_URL
// refuse a DPoP proof replayed from one to the other.
func runDPoP(t *testing.T, start Starter) {
	redisAddr := startRedis(t)
	iss := jwkstest.NewIssuer(t, jwkstest.WithAudience(Audience))
	env := map[string]string{
		"ISSUER_URL": iss.URL(),
		"AUDIENCE":   Audience,
		"ADDR":       "127.0.0.1:0",
		"DPOP":       "required",
		"REDIS_URL":  "redis://" + redisAddr + "/0",
	}
	a, b := start(t, env), start(t, env)
	ca, cb := newClient(t, a.URL()), newClient(t, b.URL())
	holder, err := jwkstest.NewKey(jws.ES256)
	if err != nil {
		t.Fatal(err)
	}
	tok := iss.MustMint(map[string]any{"cnf": map[string]any{"jkt": holder.Thumbprint()}})
	proof := func(base string) string {
		s, err := holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: base + "/api/profile", AccessToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	dpop := func(proof string) http.Header {
		return http.Header{"Authorization": {"DPoP " + tok}, "Dpop": {proof}}
	}
	if res := ca.do("GET", "/api/profile", bearer(iss.MustMint(nil)), nil); res.status != 401 {
		t.Fatalf("bearer token with DPOP=required: %d, want 401", res.status)
	}
	if res := ca.do("GET", "/api/profile", bearer(tok), nil); res.status != 401 {
		t.Fatalf("DPoP-bound token as a bearer token: %d, want 401", res.status)
	}
	// The two instances stand for replicas behind one load balancer: a
	// request to B carrying A's Host header names the same URL (htu), as
	// both replicas would see it behind the balancer.
	viaB := func(proof string) int {
		req, _ := http.NewRequest("GET", b.URL()+"/api/profile", nil)
		req.Host = strings.TrimPrefix(a.URL(), "http://")
		req.Header = dpop(proof)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	pa := proof(a.URL())
	if res := ca.do("GET", "/api/profile", dpop(pa), nil); res.status != 200 {
		t.Fatalf("valid DPoP request to A: %d %s", res.status, res.body)
	}
	res := ca.do("GET", "/api/profile", dpop(pa), nil)
	if res.status != 401 {
		t.Fatalf("proof replayed to A: %d, want 401", res.status)
	}
	checkProblem(t, res, "invalid_dpop_proof", `error="invalid_dpop_proof"`)
	if code := viaB(pa); code != 401 {
		t.Fatalf("A's proof replayed to B (shared REDIS_URL): %d, want 401", code)
	}
	if code := viaB(proof(a.URL())); code != 200 {
		t.Fatalf("a fresh proof through B: %d, want 200", code)
	}
	_ = cb
	_ = a.Signal(interrupt)
	_ = b.Signal(interrupt)
}

// startRedis runs Debian's redis-server on a loopback port for the test
// and returns its address.
func startRedis(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not installed: run scripts/deps.sh (Debian's redis-server)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr); err == nil {
			c.Close()
			return addr
		}
		select {
		case <-ctx.Done():
			t.Fatal("redis-server did not start")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
