//go:build interop

package interop

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browserTimeout bounds the whole browser run (every app, every case).
const browserTimeout = 3 * time.Minute

// probe is what the page could read of one cross-origin fetch.
type probe struct {
	App             string          `json:"app"`
	Case            string          `json:"case"`
	Origin          string          `json:"origin"`
	Status          int             `json:"status"`
	JSON            json.RawMessage `json:"json"`
	WWWAuthenticate string          `json:"wwwAuthenticate"`
	ContentType     string          `json:"contentType"`
	Location        string          `json:"location"`
	Error           string          `json:"error"`
}

// TestBrowser has Chromium call every example app from a page of another
// origin: the browser, not a Go client, enforces CORS here.
func TestBrowser(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Chromium not found at %s (make e2e installs Debian's chromium): %v", chromium, err)
	}

	ca := newPKI(t)
	idp := startProvider(t, oidcProvider, ca, providerKeys(t, "e2e"))

	// Two page origins on loopback: the one the apps allow, and another.
	pageHandler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>jwksauth e2e</title><p>jwksauth e2e page</p>"))
	})
	page := httptest.NewServer(pageHandler)
	defer page.Close()
	foreign := httptest.NewServer(pageHandler)
	defer foreign.Close()

	env := map[string]string{
		"ISSUER_URL":    idp.Issuer,
		"AUDIENCE":      audience,
		"TOKEN_TYPE":    "at+jwt",
		"SSL_CERT_FILE": ca.CAFile,
		"CORS_ORIGINS":  page.URL,
	}
	plain := startApps(t, env)
	env["CORS_CREDENTIALS"] = "1"
	withCredentials := startApps(t, env)

	type appIn struct {
		Name        string `json:"name"`
		URL         string `json:"url"`
		Credentials bool   `json:"credentials"`
	}
	shots := os.Getenv("E2E_SCREENSHOTS")
	if shots == "" {
		var err error
		if shots, err = os.MkdirTemp("", "jwksauth-e2e-screenshots-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	in := map[string]any{
		"page":        page.URL,
		"foreign":     foreign.URL,
		"screenshots": shots,
		"tokens": map[string]string{
			"reader": idp.Token(t, "RS256", "reports:read", 0),
			"writer": idp.Token(t, "EdDSA", "reports:write", 0),
		},
	}
	var apps []appIn
	for _, a := range plain {
		apps = append(apps, appIn{a.Name, a.URL, false})
	}
	for _, a := range withCredentials {
		apps = append(apps, appIn{a.Name, a.URL, true})
	}
	in["apps"] = apps
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	inFile := filepath.Join(t.TempDir(), "input.json")
	if err := os.WriteFile(inFile, b, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("browser", "run.mjs"), inFile)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "NODE_NO_WARNINGS=1")
	cmd.WaitDelay = 5 * time.Second
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the browser run failed: %v\nstderr:\n%s", err, stderr.String())
	}
	var probes []probe
	if err := json.Unmarshal(out, &probes); err != nil {
		t.Fatalf("the browser run's output: %v\n%s", err, out)
	}
	t.Logf("screenshots in %s", shots)

	seen := map[string]int{}
	for _, p := range probes {
		seen[p.Case]++
		checkProbe(t, p)
	}
	for c, want := range map[string]int{
		"read": 4, "no token": 4, "missing scope": 4, "preflighted post": 4,
		"credentialed not allowed": 4, "foreign origin": 4, "foreign origin simple": 4, "credentialed": 4,
	} {
		if seen[c] != want {
			t.Errorf("case %q ran %d times, want %d (once per app)", c, seen[c], want)
		}
	}
}

// checkProbe checks what the page read in one case.
func checkProbe(t *testing.T, p probe) {
	t.Helper()
	where := p.App + ": " + p.Case
	blocked := strings.Contains(p.Error, "TypeError")
	switch p.Case {
	case "read", "credentialed":
		if p.Status != http.StatusOK || p.Error != "" || len(p.JSON) == 0 || p.JSON[0] != '{' && p.JSON[0] != '[' {
			t.Errorf("%s: status %d, error %q, body %s; want 200 with JSON the page can read", where, p.Status, p.Error, p.JSON)
		}
	case "no token":
		var problem struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
		}
		if p.Status != http.StatusUnauthorized || json.Unmarshal(p.JSON, &problem) != nil || problem.Status != 401 || problem.Code == "" {
			t.Errorf("%s: status %d, error %q, body %s; want 401 with problem JSON", where, p.Status, p.Error, p.JSON)
		}
		if !strings.HasPrefix(p.ContentType, "application/problem+json") {
			t.Errorf("%s: Content-Type %q, want application/problem+json", where, p.ContentType)
		}
		if !strings.HasPrefix(p.WWWAuthenticate, "Bearer") {
			t.Errorf("%s: the page read WWW-Authenticate %q, want the Bearer challenge (exposed by CORS)", where, p.WWWAuthenticate)
		}
	case "missing scope":
		if p.Status != http.StatusForbidden || !strings.Contains(p.WWWAuthenticate, `error="insufficient_scope"`) {
			t.Errorf("%s: status %d, WWW-Authenticate %q, error %q; want 403 insufficient_scope readable by the page", where, p.Status, p.WWWAuthenticate, p.Error)
		}
	case "preflighted post":
		if p.Status != http.StatusCreated || p.Error != "" {
			t.Errorf("%s: status %d, error %q, body %s; want 201 after the preflight", where, p.Status, p.Error, p.JSON)
		}
	case "credentialed not allowed", "foreign origin", "foreign origin simple":
		if !blocked || p.Status != 0 {
			t.Errorf("%s: status %d, error %q; want the browser to block the request (TypeError)", where, p.Status, p.Error)
		}
	default:
		t.Errorf("%s: unexpected case", where)
	}
}
