package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/jwkstest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestEndToEnd builds the server, runs it as a process against the kit's
// issuer, and plays an MCP client: it discovers the metadata from the 401,
// gets a token from the authorization server the metadata names, calls a
// tool with the SDK's client, and meets the scope challenge of a tool it
// has no scope for.
func TestEndToEnd(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mcp-example")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	resource := "http://" + addr + "/mcp"
	iss := jwkstest.NewIssuer(t, jwkstest.WithAudience(resource))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "ISSUER_URL="+iss.URL(), "RESOURCE="+resource, "ADDR="+addr)
	cmd.Stderr = &logWriter{t: t}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	started := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		started <- line
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-started:
		if !strings.Contains(line, "listening on http://"+addr) {
			t.Fatalf("the server said %q", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}

	// 1. Unauthenticated: 401 with the metadata's URL.
	res := post(t, resource, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`)
	m := regexp.MustCompile(`resource_metadata="([^"]+)"`).FindStringSubmatch(res.Header.Get("WWW-Authenticate"))
	if res.StatusCode != 401 || m == nil {
		t.Fatalf("no token: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	// 2. The metadata: the resource and its authorization server.
	mres, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	err = json.NewDecoder(mres.Body).Decode(&doc)
	mres.Body.Close()
	if err != nil || doc.Resource != resource || len(doc.AuthorizationServers) != 1 || doc.AuthorizationServers[0] != iss.URL() ||
		strings.Join(doc.ScopesSupported, " ") != "reports:write reports:read" && strings.Join(doc.ScopesSupported, " ") != "reports:read reports:write" {
		t.Fatalf("metadata %+v (%v)", doc, err)
	}
	// 3. A token from that authorization server, for this resource, with
	// reports:read: the SDK's client lists the reports.
	tok, err := iss.Mint(map[string]any{"sub": "alice", "aud": doc.Resource, "scope": "reports:read"})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "v0"}, nil).Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: resource, HTTPClient: &http.Client{Transport: bearer(tok)}, DisableStandaloneSSE: true, MaxRetries: -1,
	}, nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer cs.Close()
	out, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_reports", Arguments: map[string]any{}})
	if err != nil || out.IsError {
		t.Fatalf("list_reports: %v %+v", err, out)
	}
	if b, _ := json.Marshal(out.StructuredContent); !strings.Contains(string(b), "Q1 revenue") {
		t.Fatalf("list_reports = %s", b)
	}
	// 4. create_report needs reports:write: the scope challenge.
	res = post(t, resource, tok, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_report","arguments":{"title":"x"}}}`)
	ch := res.Header.Get("WWW-Authenticate")
	if res.StatusCode != 403 || !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, `scope="reports:write"`) {
		t.Fatalf("create_report without the scope: %d %q", res.StatusCode, ch)
	}
	// 5. A token with the scope creates the report, owned by its subject.
	writer, err := iss.Mint(map[string]any{"sub": "bob", "aud": resource, "scope": "reports:write"})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "v0"}, nil).Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: resource, HTTPClient: &http.Client{Transport: bearer(writer)}, DisableStandaloneSSE: true, MaxRetries: -1,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	out, err = ws.CallTool(ctx, &mcp.CallToolParams{Name: "create_report", Arguments: map[string]any{"title": "Q3"}})
	if b, _ := json.Marshal(out.StructuredContent); err != nil || out.IsError || !strings.Contains(string(b), `"owner":"bob"`) {
		t.Fatalf("create_report: %v %s", err, b)
	}
	// 6. A token for another resource is refused.
	other, _ := iss.Mint(map[string]any{"aud": "https://other.example.com/mcp", "scope": "reports:read"})
	if res := post(t, resource, other, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`); res.StatusCode != 401 {
		t.Fatalf("another resource's token: %d", res.StatusCode)
	}
}

func TestSettings(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"nothing":      {},
		"no resource":  {"ISSUER_URL": "https://idp.example.com"},
		"no issuer":    {"RESOURCE": "https://mcp.example.com/mcp"},
		"bad resource": {"ISSUER_URL": "https://idp.example.com", "RESOURCE": "http://mcp.example.com/mcp"},
	} {
		var stderr strings.Builder
		code := run(context.Background(), func(k string) string { return env[k] }, io.Discard, &stderr)
		if code != exitUsage || stderr.Len() == 0 {
			t.Errorf("%s: exit %d, stderr %q", name, code, stderr.String())
		}
	}
}

type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

func post(t *testing.T, url, token, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// logWriter copies the server's log into the test's.
type logWriter struct{ t *testing.T }

func (w *logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
