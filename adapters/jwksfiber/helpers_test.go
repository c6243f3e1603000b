package jwksfiber_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

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

func (tk tokens) all() []string {
	return []string{tk.good, tk.reader, tk.expired, tk.badSig, tk.otherAud, tk.unknownKey}
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

// newApp returns a Fiber app for tests: quiet, and with a read buffer
// large enough for big tokens, as the package documentation advises.
func newApp(cfg ...fiber.Config) *fiber.App {
	c := fiber.Config{ReadBufferSize: 16 << 10}
	if len(cfg) > 0 {
		c = cfg[0]
	}
	c.DisableStartupMessage = true
	return fiber.New(c)
}

// serve serves app on a loopback listener until the test ends and returns
// its base URL.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = app.Listener(ln)
	}()
	t.Cleanup(func() {
		// Idle keep-alive connections of the client would hold fasthttp's
		// Shutdown until they time out.
		http.DefaultClient.CloseIdleConnections()
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}

// call is one request of a table.
type call struct {
	method  string // default GET
	path    string // sent as written; may carry a query
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
	// url.Parse neither cleans the path nor drops its escapes, so the
	// request line carries it as written.
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
	resp, err := http.DefaultClient.Do(req)
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

// noToken fails the test if the answer contains any of toks.
func noToken(t *testing.T, res result, toks []string) {
	t.Helper()
	for _, s := range toks {
		if strings.Contains(res.body, s) || strings.Contains(fmt.Sprint(res.header), s) {
			t.Fatal("the answer contains a token")
		}
	}
}
