package jwksgin_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// newAuth returns an Authenticator for iss with realm "api", its keys
// loaded, closed when the test ends. mod, if not nil, changes the Config.
func newAuth(t *testing.T, iss *jwkstest.Issuer, mod func(*jwksauth.Config)) *jwksauth.Authenticator {
	t.Helper()
	cfg := jwksauth.Config{
		Realm:   "api",
		Issuers: []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{jwkstest.DefaultAudience}}},
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := jwksauth.New(cfg)
	if err != nil {
		t.Fatalf("jwksauth.New: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	return a
}

// tokens are the tokens the tables use, minted once per issuer.
type tokens struct {
	good, reader, expired, badSig, otherAud, unknownKey string
}

func mintTokens(t *testing.T, iss *jwkstest.Issuer) tokens {
	t.Helper()
	now := time.Now()
	return tokens{
		good:       iss.MustMint(nil),
		reader:     iss.MustMint(map[string]any{"scope": "reports:read profile"}),
		expired:    iss.MustMint(map[string]any{"iat": now.Add(-2 * time.Hour), "exp": now.Add(-time.Hour)}),
		badSig:     iss.MustMint(nil, jwkstest.WithBadSignature()),
		otherAud:   iss.MustMint(map[string]any{"aud": "someone-else"}),
		unknownKey: iss.MustMint(nil, jwkstest.WithUnpublishedKey()),
	}
}

// call is one request of a table.
type call struct {
	method  string // default GET
	path    string // may carry a query
	auth    []string
	cookies []*http.Cookie
	origin  string
	header  http.Header
}

// result is what a table checks of an answer.
type result struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, base string, c call) result {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	// The path is sent as written: url.Parse neither cleans it nor drops
	// its escapes.
	req, err := http.NewRequest(method, base+c.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range c.auth {
		req.Header.Add("Authorization", v)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// client follows no redirect, so that a table sees the first answer.
var client = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func bearer(tok string) []string { return []string{"Bearer " + tok} }

// check compares res with the expectations: status, body substring, and
// each header (a value "" means the header must be absent; otherwise the
// header must contain it).
func check(t *testing.T, res result, status int, body string, headers map[string]string) {
	t.Helper()
	if res.status != status {
		t.Errorf("status = %d, want %d (body %q)", res.status, status, res.body)
	}
	if body != "" && !strings.Contains(res.body, body) {
		t.Errorf("body = %q, want it to contain %q", res.body, body)
	}
	for k, want := range headers {
		got := strings.Join(res.header.Values(k), ", ")
		switch {
		case want == "" && got != "":
			t.Errorf("header %s = %q, want none", k, got)
		case want != "" && !strings.Contains(got, want):
			t.Errorf("header %s = %q, want it to contain %q", k, got, want)
		}
	}
}

func init() { gin.SetMode(gin.TestMode) }
