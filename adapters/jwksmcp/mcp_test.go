package jwksmcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksmcp"
	"github.com/jwksauth/jwksauth/jwkstest"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// env is an MCP server (the SDK's streamable HTTP handler) behind a Guard,
// on a loopback server, and the kit's issuer that mints its tokens.
type env struct {
	iss      *jwkstest.Issuer
	auth     *jwksauth.Authenticator
	srv      *httptest.Server
	resource string
}

type whoamiOut struct {
	Subject string   `json:"subject"`
	Scopes  []string `json:"scopes"`
}

func newEnv(t *testing.T, opts ...jwksmcp.Option) *env {
	t.Helper()
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	e := &env{srv: srv, resource: srv.URL + "/mcp"}
	e.iss = jwkstest.NewIssuer(t, jwkstest.WithAudience(e.resource))
	a, err := jwksauth.New(jwksauth.Config{
		Issuers:  []jwksauth.Issuer{{URL: e.iss.URL()}},
		Resource: jwksauth.ResourceConfig{URI: e.resource, RequireAudience: true, Scopes: []string{"mcp:tools"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	e.auth = a

	server := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "v0.0.1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "whoami", Description: "the caller"},
		func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, whoamiOut, error) {
			c, ok := jwksmcp.ClaimsFromTokenInfo(req.Extra.TokenInfo)
			if !ok {
				return nil, whoamiOut{}, errors.New("no claims")
			}
			return nil, whoamiOut{Subject: c.Subject, Scopes: req.Extra.TokenInfo.Scopes}, nil
		})
	mcp.AddTool(server, &mcp.Tool{Name: "delete_report", Description: "deletes a report"},
		func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, whoamiOut, error) {
			return nil, whoamiOut{Subject: "deleted"}, nil
		})
	g := jwksmcp.New(a, append([]jwksmcp.Option{
		jwksmcp.WithRequirements(jwksauth.Scopes("mcp:tools")),
		jwksmcp.WithToolRequirements(map[string][]jwksauth.Requirement{"delete_report": {jwksauth.Scopes("reports:write")}}),
	}, opts...)...)
	mux := http.NewServeMux()
	g.MountResourceMetadata(mux)
	mux.Handle("/mcp", g.Middleware(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)))
	handler = mux
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	tok, err := e.iss.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// bearer adds a token to every request of an MCP client.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func (e *env) connect(t *testing.T, token string) (*mcp.ClientSession, error) {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "v0.0.1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:             e.resource,
		HTTPClient:           &http.Client{Transport: bearer{token, http.DefaultTransport}},
		DisableStandaloneSSE: true,
		MaxRetries:           -1,
	}, nil)
	if err == nil {
		t.Cleanup(func() { _ = cs.Close() })
	}
	return cs, err
}

// post sends one JSON-RPC message to the endpoint.
func (e *env) post(t *testing.T, token, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.resource, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

const callDelete = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_report","arguments":{}}}`

func TestDiscoveryFromTheChallenge(t *testing.T) {
	e := newEnv(t)
	// 1. No token: 401 naming the metadata.
	res, _ := e.post(t, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`)
	ch := res.Header.Get("WWW-Authenticate")
	wantURL := e.srv.URL + "/.well-known/oauth-protected-resource/mcp"
	if res.StatusCode != 401 || !strings.Contains(ch, `resource_metadata="`+wantURL+`"`) {
		t.Fatalf("no token: %d %q", res.StatusCode, ch)
	}
	// 2. The metadata names the authorization server and every scope.
	mres, err := http.Get(wantURL)
	if err != nil {
		t.Fatal(err)
	}
	defer mres.Body.Close()
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	if err := json.NewDecoder(mres.Body).Decode(&doc); err != nil || mres.StatusCode != 200 {
		t.Fatalf("metadata: %d %v", mres.StatusCode, err)
	}
	if doc.Resource != e.resource || !slices.Equal(doc.AuthorizationServers, []string{e.iss.URL()}) ||
		!slices.Equal(doc.ScopesSupported, []string{"mcp:tools", "reports:write"}) {
		t.Fatalf("metadata = %+v", doc)
	}
	// 3. A token from that authorization server, for this resource: the
	// SDK's client connects and calls a tool; the claims reach it.
	tok := e.token(t, map[string]any{"sub": "alice", "scope": "mcp:tools reports:read"})
	cs, err := e.connect(t, tok)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	if err != nil || out.IsError {
		t.Fatalf("CallTool whoami: %v %+v", err, out)
	}
	var who whoamiOut
	b, _ := json.Marshal(out.StructuredContent)
	if err := json.Unmarshal(b, &who); err != nil || who.Subject != "alice" || !slices.Equal(who.Scopes, []string{"mcp:tools", "reports:read"}) {
		t.Fatalf("whoami = %s (%v)", b, err)
	}
	// 4. The tool that needs reports:write: the scope challenge, before the
	// SDK runs anything.
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "delete_report", Arguments: map[string]any{}}); err == nil {
		t.Fatal("delete_report without reports:write succeeded")
	}
	res, body := e.post(t, tok, callDelete)
	ch = res.Header.Get("WWW-Authenticate")
	if res.StatusCode != 403 || !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, `scope="reports:write"`) ||
		!strings.Contains(ch, `resource_metadata="`+wantURL+`"`) {
		t.Fatalf("delete_report without the scope: %d %q %s", res.StatusCode, ch, body)
	}
	// 5. With the scope, the same call succeeds.
	writer, err := e.connect(t, e.token(t, map[string]any{"sub": "bob", "scope": "mcp:tools reports:write"}))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := writer.CallTool(ctx, &mcp.CallToolParams{Name: "delete_report", Arguments: map[string]any{}}); err != nil || out.IsError {
		t.Fatalf("delete_report with the scope: %v %+v", err, out)
	}
}

func TestRejections(t *testing.T) {
	e := newEnv(t, jwksmcp.WithMaxBody(4096))
	for name, tc := range map[string]struct {
		token  string
		body   string
		status int
		attr   string
	}{
		"another resource's token": {e.token(t, map[string]any{"aud": "https://other.example.com/mcp", "scope": "mcp:tools"}), callDelete, 401, `error="invalid_token"`},
		"expired":                  {e.token(t, map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "scope": "mcp:tools"}), callDelete, 401, `error="invalid_token"`},
		"endpoint scope missing":   {e.token(t, map[string]any{"scope": "reports:write"}), `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, 403, `scope="mcp:tools"`},
		"tool in a batch":          {e.token(t, map[string]any{"scope": "mcp:tools"}), "[" + callDelete + "]", 403, `scope="reports:write"`},
		"malformed token":          {"a.b", callDelete, 401, `error="invalid_token"`},
		"body over the bound":      {e.token(t, map[string]any{"scope": "mcp:tools"}), `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + strings.Repeat("x", 5000) + `"}}`, 413, ""},
	} {
		t.Run(name, func(t *testing.T) {
			res, body := e.post(t, tc.token, tc.body)
			if res.StatusCode != tc.status || !strings.Contains(res.Header.Get("WWW-Authenticate"), tc.attr) {
				t.Fatalf("%d %q %s", res.StatusCode, res.Header.Get("WWW-Authenticate"), body)
			}
			if strings.Contains(body, tc.token) && len(tc.token) > 10 {
				t.Fatal("the answer echoes the token")
			}
		})
	}
}

func TestVerifier(t *testing.T) {
	e := newEnv(t)
	h := auth.RequireBearerToken(jwksmcp.Verifier(e.auth), nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ti := auth.TokenInfoFromContext(r.Context())
		c, ok := jwksmcp.ClaimsFromTokenInfo(ti)
		if !ok {
			t.Error("no claims in the TokenInfo")
			return
		}
		_, _ = io.WriteString(w, ti.UserID+"|"+c.Subject)
	}))
	good := e.token(t, map[string]any{"sub": "carol"})
	for _, tc := range []struct {
		token  string
		status int
		body   string
	}{
		{good, 200, e.iss.URL() + " carol|carol"},
		{e.token(t, map[string]any{"aud": "x"}), 401, ""},
		{"not-a-token", 401, ""},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+tc.token)
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status || (tc.body != "" && rec.Body.String() != tc.body) {
			t.Errorf("token %.10s…: %d %q", tc.token, rec.Code, rec.Body)
		}
	}
}

func TestNewPanics(t *testing.T) {
	noResource, err := jwksauth.New(jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: "https://idp.example.com", Audiences: []string{"x"}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer noResource.Close()
	withResource, err := jwksauth.New(jwksauth.Config{
		Issuers:  []jwksauth.Issuer{{URL: "https://idp.example.com", Audiences: []string{"x"}}},
		Resource: jwksauth.ResourceConfig{URI: "https://mcp.example.com/mcp"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer withResource.Close()
	for name, f := range map[string]func(){
		"nil authenticator":   func() { jwksmcp.New(nil) },
		"no resource":         func() { jwksmcp.New(noResource) },
		"invalid requirement": func() { jwksmcp.New(withResource, jwksmcp.WithRequirements(jwksauth.Scopes())) },
		"invalid tool scope": func() {
			jwksmcp.New(withResource, jwksmcp.WithToolRequirements(map[string][]jwksauth.Requirement{"x": {jwksauth.Scopes("a b")}}))
		},
		"zero body bound": func() { jwksmcp.New(withResource, jwksmcp.WithMaxBody(0)) },
		"nil handler":     func() { jwksmcp.New(withResource).Middleware(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
