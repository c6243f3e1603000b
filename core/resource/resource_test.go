package resource

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

func TestWellKnownPath(t *testing.T) {
	tests := []struct {
		resource, path, url string
	}{
		{"https://api.example.com", WellKnown, "https://api.example.com" + WellKnown},
		{"https://api.example.com/", WellKnown, "https://api.example.com" + WellKnown},
		{"https://example.com/api/v1", WellKnown + "/api/v1", "https://example.com" + WellKnown + "/api/v1"},
		{"https://example.com/api/v1/", WellKnown + "/api/v1", "https://example.com" + WellKnown + "/api/v1"},
		{"https://example.com:8443/mcp", WellKnown + "/mcp", "https://example.com:8443" + WellKnown + "/mcp"},
		{"https://example.com/a%20b", WellKnown + "/a%20b", "https://example.com" + WellKnown + "/a%20b"},
		{"http://127.0.0.1:8080/mcp", WellKnown + "/mcp", "http://127.0.0.1:8080" + WellKnown + "/mcp"},
		{"http://localhost:8080", WellKnown, "http://localhost:8080" + WellKnown},
		{"http://[::1]:8080", WellKnown, "http://[::1]:8080" + WellKnown},
	}
	for _, tt := range tests {
		p, err := WellKnownPath(tt.resource)
		if err != nil || p != tt.path {
			t.Errorf("WellKnownPath(%q) = %q, %v; want %q", tt.resource, p, err, tt.path)
		}
		u, err := MetadataURL(tt.resource)
		if err != nil || u != tt.url {
			t.Errorf("MetadataURL(%q) = %q, %v; want %q", tt.resource, u, err, tt.url)
		}
	}
}

func TestParseResourceRejects(t *testing.T) {
	for _, r := range []string{
		"",
		"api.example.com",
		"/api",
		"http://api.example.com",
		"ftp://api.example.com",
		"https://",
		"https://user@api.example.com",
		"https://api.example.com/#frag",
		"https://api.example.com/#",
		"https://api.example.com/?x=1",
		"https://api.example.com/?",
		"https:opaque",
		"https://api.example.com/%zz",
	} {
		if _, err := ParseResource(r); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseResource(%q) = %v, want ErrInvalid", r, err)
		}
		if _, err := WellKnownPath(r); !errors.Is(err, ErrInvalid) {
			t.Errorf("WellKnownPath(%q) = %v, want ErrInvalid", r, err)
		}
	}
}

func TestValidate(t *testing.T) {
	good := Metadata{
		Resource:               "https://api.example.com",
		AuthorizationServers:   []string{"https://idp.example.com", "http://127.0.0.1:9000/realms/x"},
		ScopesSupported:        []string{"reports:read"},
		BearerMethodsSupported: []string{"header", "query"},
		ResourceDocumentation:  "https://docs.example.com/api",
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for name, mutate := range map[string]func(*Metadata){
		"http authorization server":     func(m *Metadata) { m.AuthorizationServers = []string{"http://idp.example.com"} },
		"relative authorization server": func(m *Metadata) { m.AuthorizationServers = []string{"/idp"} },
		"issuer with query":             func(m *Metadata) { m.AuthorizationServers = []string{"https://idp.example.com/?a=b"} },
		"bearer method":                 func(m *Metadata) { m.BearerMethodsSupported = []string{"cookie"} },
		"scope with space":              func(m *Metadata) { m.ScopesSupported = []string{"a b"} },
		"documentation not a URL":       func(m *Metadata) { m.ResourceDocumentation = "docs" },
		"no resource":                   func(m *Metadata) { m.Resource = "" },
	} {
		m := good
		mutate(&m)
		if err := m.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", name, err)
		}
		if _, err := NewHandler(m, HandlerOptions{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: NewHandler = %v, want ErrInvalid", name, err)
		}
	}
}

func TestHandler(t *testing.T) {
	m := Metadata{
		Resource:               "https://api.example.com/mcp",
		AuthorizationServers:   []string{"https://idp.example.com"},
		ScopesSupported:        []string{"tools:read", "tools:call"},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Example MCP server",
	}
	h, err := NewHandler(m, HandlerOptions{MaxAge: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	path, _ := WellKnownPath(m.Resource)
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	do := func(method string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}

	res, body := do("GET", map[string]string{"Origin": "https://client.example"})
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if got := res.Header.Get("Cache-Control"); got != "public, max-age=600" {
		t.Errorf("Cache-Control = %q", got)
	}
	if res.Header.Get("Access-Control-Allow-Origin") != "*" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("CORS headers: %v", res.Header)
	}
	var got Metadata
	if err := json.Unmarshal(body, &got); err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("body = %s (%v), want %+v", body, err, m)
	}
	var raw map[string]any
	_ = json.Unmarshal(body, &raw)
	for _, absent := range []string{"resource_documentation", "dpop_bound_access_tokens_required", "jwks_uri"} {
		if _, ok := raw[absent]; ok {
			t.Errorf("empty member %s present: %s", absent, body)
		}
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}

	res, body = do("GET", map[string]string{"If-None-Match": `"other", ` + etag})
	if res.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("conditional GET: %d, %d bytes", res.StatusCode, len(body))
	}
	res, body = do("GET", map[string]string{"If-None-Match": `"other"`})
	if res.StatusCode != 200 || len(body) == 0 {
		t.Errorf("GET with a stale ETag: %d", res.StatusCode)
	}
	res, body = do("HEAD", nil)
	if res.StatusCode != 200 || len(body) != 0 || res.ContentLength <= 0 {
		t.Errorf("HEAD: %d, %d bytes, length %d", res.StatusCode, len(body), res.ContentLength)
	}
	res, _ = do("OPTIONS", map[string]string{"Origin": "https://client.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "*" ||
		res.Header.Get("Access-Control-Allow-Methods") == "" {
		t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
	}
	if res.Header.Get("Access-Control-Allow-Headers") == "authorization" {
		t.Error("preflight echoed the requested headers")
	}
	res, _ = do("POST", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") == "" {
		t.Errorf("POST: %d %v", res.StatusCode, res.Header)
	}
}

func TestHandlerNoStore(t *testing.T) {
	h, err := NewHandler(Metadata{Resource: "https://api.example.com"}, HandlerOptions{MaxAge: -1})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", WellKnown, nil))
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", WellKnown, nil))
	if rec.Body.String() != `{"resource":"https://api.example.com"}` {
		t.Errorf("body = %s", rec.Body)
	}
}
