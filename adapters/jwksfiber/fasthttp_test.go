package jwksfiber_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/adapters/jwksfiber"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// largeToken mints a token of about n bytes, with many groups, like an
// Entra ID token of a user in many groups.
func largeToken(t testing.TB, iss *jwkstest.Issuer, n int) string {
	t.Helper()
	var groups []string
	for i := 0; len(groups)*36*4/3 < n; i++ {
		groups = append(groups, fmt.Sprintf("%08d-0000-4000-8000-%012d", i, i))
	}
	tok := iss.MustMint(map[string]any{"groups": groups})
	if len(tok) < n {
		t.Fatalf("token of %d bytes, want at least %d", len(tok), n)
	}
	return tok
}

// TestLargeTokens shows what the package documentation says: with Fiber's
// default ReadBufferSize (4096 bytes), a request with a 6 KB token is
// answered 431 by fasthttp before any handler runs; with the documented
// ReadBufferSize it is authenticated.
func TestLargeTokens(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := largeToken(t, iss, 6<<10)

	for _, tt := range []struct {
		name   string
		cfg    fiber.Config
		status int
		body   string
	}{
		{"default ReadBufferSize", fiber.Config{}, http.StatusRequestHeaderFieldsTooLarge, ""},
		{"ReadBufferSize 16 KiB", fiber.Config{ReadBufferSize: 16 << 10}, http.StatusOK, "sub="},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ran bool
			app := newApp(tt.cfg)
			app.Use(func(c *fiber.Ctx) error { ran = true; return c.Next() })
			app.Use(jwksfiber.Middleware(a))
			app.Get("/me", me)
			base := serve(t, app)
			check(t, do(t, base, call{path: "/me", auth: bearer(tok)}), tt.status, tt.body, nil)
			if ran != (tt.status == http.StatusOK) {
				t.Errorf("a handler ran: %v", ran)
			}
		})
	}
}

// TestBufferReuse checks that nothing of a request outlives it although
// the token reaches the core as a view of fasthttp's buffer: on one
// keep-alive connection (so one reused buffer), tokens of the same length
// alternate, the verified-token cache answers repeats, and claims kept
// after their handler returned stay intact.
func TestBufferReuse(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	subs := []string{"user-aaaa", "user-bbbb", "user-cccc"}
	var toks []string
	for _, s := range subs {
		toks = append(toks, iss.MustMint(map[string]any{"sub": s}))
	}
	forged := []byte(toks[0])
	// A bad signature of the same length: another base64url character in
	// the middle of the signature.
	if forged[len(forged)-5] == 'A' {
		forged[len(forged)-5] = 'B'
	} else {
		forged[len(forged)-5] = 'A'
	}
	toks = append(toks, string(forged))

	var (
		mu   sync.Mutex
		kept []*jwksauth.Claims
	)
	app := newApp()
	app.Use(jwksfiber.Middleware(a))
	app.Get("/me", func(c *fiber.Ctx) error {
		cl, _ := jwksfiber.Claims(c)
		mu.Lock()
		kept = append(kept, cl)
		mu.Unlock()
		return me(c)
	})
	base := serve(t, app)

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	for round := range 5 {
		for i, tok := range toks {
			fmt.Fprintf(conn, "GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", tok)
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if i == len(subs) {
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("round %d: forged token answered %d", round, resp.StatusCode)
				}
				continue
			}
			if want := "sub=" + subs[i]; resp.StatusCode != http.StatusOK || string(body) != want {
				t.Fatalf("round %d token %d: %d %q, want 200 %q", round, i, resp.StatusCode, body, want)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, cl := range kept {
		if want := subs[i%len(subs)]; cl == nil || cl.Subject != want || cl.StringClaim("sub") != want || !strings.Contains(string(cl.Raw()), want) {
			t.Fatalf("claims %d kept after the request: %+v, want sub %q", i, cl, want)
		}
	}
}

// TestRawRequestLine sends request lines that net/http clients cannot, to
// show that exclusions read the path as sent and fail closed whatever
// Fiber's router makes of it.
func TestRawRequestLine(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)

	for _, tt := range []struct {
		name   string
		cfg    fiber.Config
		target string
		status int
	}{
		{"excluded", fiber.Config{}, "/healthz", 200},
		{"excluded, absolute form", fiber.Config{}, "http://x/healthz", 200},
		{"excluded, query", fiber.Config{}, "/healthz?a=/../me", 200},
		{"fragment", fiber.Config{}, "/me#/healthz", 401},
		{"dot-dot", fiber.Config{}, "/public/../me", 401},
		{"dot-dot, absolute form", fiber.Config{}, "http://x/public/../me", 401},
		{"backslash", fiber.Config{}, `/public/..\me`, 401},
		{"routed case-insensitively", fiber.Config{}, "/HEALTHZ", 401},
		{"routed without trailing slash", fiber.Config{}, "/healthz/", 401},
		{"escaped, routed with UnescapePath", fiber.Config{UnescapePath: true}, "/health%7A", 401},
		{"escaped slash, routed with UnescapePath", fiber.Config{UnescapePath: true}, "/public%2F..%2Fme", 401},
		{"excluded, strict routing", fiber.Config{StrictRouting: true, CaseSensitive: true}, "/public/x", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.ReadBufferSize = 16 << 10
			base := serve(t, globalApp(a, tt.cfg))
			conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", tt.target)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s: %d, want %d", tt.target, resp.StatusCode, tt.status)
			}
		})
	}
}

// TestHeaderNamesNotNormalized checks that with Fiber's
// DisableHeaderNormalizing (fasthttp's DisableHeaderNamesNormalizing), under
// which fasthttp looks header names up byte for byte, every Authorization header still reaches the core
// whatever the case of its name: two of them are still a 400, and one in
// lower case (as HTTP/2 proxies forward it) still authenticates.
func TestHeaderNamesNotNormalized(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	a := newAuth(t, iss, nil)
	tok := iss.MustMint(nil)
	for _, normalize := range []bool{true, false} {
		app := newApp(fiber.Config{ReadBufferSize: 16 << 10, DisableHeaderNormalizing: !normalize})
		app.Use(jwksfiber.Middleware(a))
		app.Get("/me", me)
		base := serve(t, app)
		for _, tt := range []struct {
			name    string
			headers string
			status  int
			body    string
		}{
			{"canonical", "Authorization: Bearer " + tok, 200, "sub="},
			{"lower case", "authorization: Bearer " + tok, 200, "sub="},
			{"upper case", "AUTHORIZATION: Bearer " + tok, 200, "sub="},
			{"two, differently cased", "Authorization: Bearer " + tok + "\r\nauthorization: Bearer " + tok, 400, "invalid_request"},
			{"two, upper and canonical", "AUTHORIZATION: Bearer " + tok + "\r\nAuthorization: Bearer x.y.z", 400, "invalid_request"},
			{"two, lower case both", "authorization: Bearer " + tok + "\r\nauthorization: Bearer " + tok, 400, "invalid_request"},
		} {
			t.Run(fmt.Sprintf("normalize=%v/%s", normalize, tt.name), func(t *testing.T) {
				status, body := rawRequest(t, base, "GET /me HTTP/1.1\r\nHost: x\r\n"+tt.headers+"\r\nConnection: close\r\n\r\n")
				if status != tt.status || !strings.Contains(body, tt.body) {
					t.Fatalf("status %d, body %q; want %d with %q", status, body, tt.status, tt.body)
				}
			})
		}
	}
}

// rawRequest sends req as is on a new connection and returns the status
// and body of the answer.
func rawRequest(t *testing.T, base, req string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
