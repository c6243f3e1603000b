package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/telemetry"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// lockedBuffer is the app's stdout, read while the app runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMetricsEndpoint runs the app with METRICS_ADDR against the kit's
// issuer, sends real requests, scrapes /metrics over HTTP and checks the
// series and their values; /readyz reports the issuer ready.
func TestMetricsEndpoint(t *testing.T) {
	idp := jwkstest.NewIssuer(t, jwkstest.WithAudience("reports-api"))
	env := map[string]string{
		"ISSUER_URL":   idp.URL(),
		"AUDIENCE":     "reports-api",
		"ADDR":         "127.0.0.1:0",
		"METRICS_ADDR": "127.0.0.1:0",
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, stdout, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("the app did not stop")
		}
	})

	apiRe := regexp.MustCompile(`listening on (http://\S+)`)
	metricsRe := regexp.MustCompile(`metrics on (http://\S+)`)
	var api, metrics string
	for deadline := time.Now().Add(15 * time.Second); api == "" || metrics == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the app did not start; stdout:\n%s", stdout)
		}
		if m := apiRe.FindStringSubmatch(stdout.String()); m != nil {
			api = m[1]
		}
		if m := metricsRe.FindStringSubmatch(stdout.String()); m != nil {
			metrics = m[1]
		}
	}

	get := func(url, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, string(body)
	}
	valid := idp.MustMint(map[string]any{"scope": "reports:read"})
	for range 3 {
		if s, _ := get(api+"/api/reports", valid); s != 200 {
			t.Fatalf("valid token: %d", s)
		}
	}
	if s, _ := get(api+"/api/profile", idp.MustMint(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})); s != 401 {
		t.Fatalf("expired token: %d", s)
	}
	if s, _ := get(api+"/api/admin", valid); s != 403 {
		t.Fatalf("missing scope: %d", s)
	}

	s, body := get(strings.TrimSuffix(metrics, "/metrics")+"/readyz", "")
	if s != 200 || !strings.Contains(body, `"ready":true`) {
		t.Errorf("readyz: %d %s", s, body)
	}

	// The key cache reports its first fetch just after installing the keys:
	// scrape until that series is there (bounded).
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var s int
		s, text = get(metrics, "")
		if s != 200 {
			t.Fatalf("/metrics: %d", s)
		}
		if strings.Contains(text, `jwksauth_document="jwks"`) || time.Now().After(deadline) {
			break
		}
	}
	iss := `jwksauth_issuer="` + idp.URL() + `"`
	for _, want := range []string{
		// 3 requests and 1 more for the 403 (verified, then refused by the route).
		`jwksauth_verifications_total{` + iss + `,jwksauth_outcome="success",otel_scope_name="github.com/jwksauth/jwksauth",otel_scope_schema_url="",otel_scope_version=""} 4`,
		`jwksauth_verifications_total{` + iss + `,jwksauth_outcome="rejected",jwksauth_reason="token_expired",otel_scope_name="github.com/jwksauth/jwksauth",otel_scope_schema_url="",otel_scope_version=""} 1`,
		`jwksauth_token_cache_hits_total{otel_scope_name="github.com/jwksauth/jwksauth",otel_scope_schema_url="",otel_scope_version=""} 3`,
		`jwksauth_http_answers_total{http_response_status_code="401",jwksauth_adapter="net/http",otel_scope_name="github.com/jwksauth/jwksauth",otel_scope_schema_url="",otel_scope_version=""} 1`,
		`jwksauth_http_answers_total{http_response_status_code="403",jwksauth_adapter="net/http",otel_scope_name="github.com/jwksauth/jwksauth",otel_scope_schema_url="",otel_scope_version=""} 1`,
		`jwksauth_jwks_keys{` + iss + `,otel_scope_name="github.com/jwksauth/jwksauth",otel_scope_schema_url="",otel_scope_version=""} 1`,
		`jwksauth_jwks_stale{` + iss + `,otel_scope_name="github.com/jwksauth/jwksauth",otel_scope_schema_url="",otel_scope_version=""} 0`,
		`jwksauth_jwks_fetches_total{jwksauth_document="jwks",jwksauth_fetch_result="fetched",jwksauth_http_status_class="2xx",` + iss + `,otel_scope_name="github.com/jwksauth/jwksauth",otel_scope_schema_url="",otel_scope_version=""} 1`,
		`jwksauth_verification_duration_seconds_bucket{`,
		`jwksauth_jwks_age_seconds{`,
		`jwksauth_jwks_refresh_in_seconds{`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Every series the exporter writes is named as the catalog predicts
	// (the dashboard and alert rules are checked against the catalog).
	known := map[string]bool{}
	for _, m := range telemetry.Catalog() {
		for _, n := range m.PrometheusNames() {
			known[n] = true
		}
	}
	for _, l := range strings.Split(grepJWKSAuth(text), "\n") {
		if name, _, _ := strings.Cut(l, "{"); !known[name] {
			t.Errorf("series %s is not in telemetry.Catalog", name)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", grepJWKSAuth(text))
	}
}

func grepJWKSAuth(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "jwksauth_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
