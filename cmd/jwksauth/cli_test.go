package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

var bin string

// TestMain builds the command once; the tests run the binary as a process.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jwksauth-cli")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "jwksauth")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, o.String(), e.String()}
}

func TestCheck(t *testing.T) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAudience("api"))
	now := time.Now()
	base := func(extra map[string]any) map[string]any {
		c := map[string]any{"iss": iss.URL(), "aud": "api", "sub": "u", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "scope": "read"}
		for k, v := range extra {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		tok    string
		args   []string
		code   int
		wants  []string
		status int
	}{
		{"valid", iss.MustMint(base(nil)), []string{"--scope", "read"}, 0, []string{"signature  OK", "PASS: the token is accepted"}, 200},
		{"expired", iss.MustMint(base(map[string]any{"exp": now.Add(-3 * time.Minute).Unix(), "iat": now.Add(-13 * time.Minute).Unix()})), nil, 1, []string{"exp        FAIL  expired 3 min ago", "FAIL at claims", "HTTP answer: 401", `error="invalid_token"`}, 401},
		{"not yet valid", iss.MustMint(base(map[string]any{"nbf": now.Add(10 * time.Minute).Unix()})), nil, 1, []string{"nbf        FAIL  not valid yet: becomes valid in "}, 401},
		{"wrong audience", iss.MustMint(base(map[string]any{"aud": "other"})), nil, 1, []string{`aud        FAIL  ["other"] contains none of ["api"]`, "FAIL at claims"}, 401},
		{"wrong issuer", iss.MustMint(base(map[string]any{"iss": "https://evil.example"})), nil, 1, []string{"iss        FAIL", "FAIL at issuer"}, 401},
		{"unknown kid", iss.MustMint(base(nil), jwkstest.WithUnknownKID()), nil, 1, []string{"key        FAIL  kid unknown-", "the issuer publishes no such key"}, 401},
		{"bad signature", iss.MustMint(base(nil), jwkstest.WithBadSignature()), nil, 1, []string{"signature  FAIL"}, 401},
		{"insufficient scope", iss.MustMint(base(nil)), []string{"--scope", "write"}, 1, []string{"scopes     FAIL  required: write; present: read", "HTTP answer: 403", `scope="write"`}, 403},
		{"wrong type", iss.MustMint(base(nil)), []string{"--type", "at+jwt"}, 1, []string{"typ        FAIL"}, 401},
		{"escape sequences", iss.MustMint(base(map[string]any{"aud": "\x1b[31mred"}), jwkstest.WithHeader("typ", "\x1b]0;title\a")), nil, 1, []string{`typ=\x1b]0;title\a`, `aud        FAIL  ["\x1b[31mred"]`}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"check", "--issuer", iss.URL(), "--audience", "api", "-"}, tc.args...)
			r := runCLI(t, tc.tok, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, w := range tc.wants {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, r.stdout)
				}
			}
			sig := tc.tok[strings.LastIndexByte(tc.tok, '.')+1:]
			if strings.Contains(r.stdout+r.stderr, sig) || strings.Contains(r.stdout+r.stderr, tc.tok) {
				t.Fatal("the token or its signature was printed")
			}
			if strings.ContainsRune(r.stdout+r.stderr, 0x1b) {
				t.Fatal("an escape character from the token reached the terminal")
			}
			// The JSON shape carries the same verdict.
			rj := runCLI(t, tc.tok, append(args, "--json")...)
			var rep struct {
				Pass   bool
				Answer struct{ Status int }
				Steps  []struct{ Name, Verdict, Detail string }
			}
			if err := json.Unmarshal([]byte(rj.stdout), &rep); err != nil {
				t.Fatalf("--json: %v\n%s", err, rj.stdout)
			}
			if rj.code != tc.code || rep.Pass != (tc.code == 0) || rep.Answer.Status != tc.status {
				t.Fatalf("--json: exit %d pass %v status %d", rj.code, rep.Pass, rep.Answer.Status)
			}
		})
	}
	// Keys unavailable (the issuer is down): 503 with Retry-After, exit 1.
	r := runCLI(t, iss.MustMint(base(nil)), "check", "--issuer", iss.URL(), "--jwks-url", "http://127.0.0.1:1/jwks", "--audience", "api", "--timeout", "5s", "-")
	if r.code != 1 || !strings.Contains(r.stdout, "HTTP answer: 503") || !strings.Contains(r.stdout, "Retry-After: ") || !strings.Contains(r.stdout, "FAIL at key") {
		t.Fatalf("issuer down: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Usage errors exit 2.
	for _, args := range [][]string{{"check"}, {"check", "--audience", "api", "x"}, {"check", "--issuer", iss.URL(), "x"}, {"nosuch"}, {"check", "--bogus"}} {
		if r := runCLI(t, "", args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}

func TestIssuerWithSkippedKey(t *testing.T) {
	iss := jwkstest.NewIssuer(t)
	resp, err := http.Get(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Keys []json.RawMessage }
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	// The kit's keys plus an encryption key, which the cache skips.
	encJWK := json.RawMessage(`{"kty":"EC","kid":"enc-1","use":"enc","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`)
	doc.Keys = append(doc.Keys, encJWK)
	body, _ := json.Marshal(doc)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=30")
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	}))
	defer srv.Close()
	r := runCLI(t, "", "issuer", iss.URL(), "--jwks-url", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, w := range []string{"enc-1", `skipped: jwks: not a signature verification key: use "enc"`, "usable (", "TTL            1m0s (provider said 30s, raised to MinTTL)", `ETag           "v1"`} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, r.stdout)
		}
	}
	// Through discovery, with the kit's own set.
	if r := runCLI(t, "", "issuer", iss.URL()); r.code != 0 || !strings.Contains(r.stdout, "discovery  "+iss.URL()) {
		t.Fatalf("discovery: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// An issuer that cannot be fetched fails with 1.
	srv.Close()
	if r := runCLI(t, "", "issuer", "http://127.0.0.1:1", "--jwks-url", srv.URL); r.code != 1 {
		t.Fatalf("dead issuer: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestKeysEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			d := dir + alg
			sched := []string{"--dir", d, "--alg", alg, "--pre-publish", "2s", "--max-age", "1s", "--rotation-period", "1h", "--max-token-lifetime", "1m", "--leeway", "1s"}
			r := runCLI(t, "", append([]string{"keys", "generate"}, sched...)...)
			if r.code != 0 || strings.Count(r.stdout, alg) != 2 || !strings.Contains(r.stdout, " active ") || !strings.Contains(r.stdout, " next ") {
				t.Fatalf("generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if fi, err := os.Stat(filepath.Join(d, "keyset.json")); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", err, fi)
			}
			// Too early to rotate: exit 1. (An hour of pre-publish for this
			// call, so that a slow machine cannot make the key old enough.)
			if r := runCLI(t, "", append(append([]string{"keys", "rotate"}, sched...), "--pre-publish", "1h")...); r.code != 1 || !strings.Contains(r.stderr, "not published long enough") {
				t.Fatalf("early rotate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			// Serve, and fetch with package jwks's Cache.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv := exec.CommandContext(ctx, bin, append([]string{"keys", "serve", "--addr", "127.0.0.1:0", "--check-interval", "1s"}, sched...)...)
			out, _ := srv.StdoutPipe()
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Wait()
			defer cancel()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			url := strings.TrimSpace(line[strings.Index(line, "http://"):])
			cache, err := jwks.NewCache(jwks.CacheOptions{URL: url, MinTTL: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			if err := cache.Ready(ctx); err != nil {
				t.Fatal(err)
			}
			mint := append([]string{"mint", "--dev", "--issuer", "https://issuer.test", "--audience", "api", "--lifetime", "1m"}, sched...)
			check := func(tok string) result {
				return runCLI(t, tok, "check", "--issuer", "https://issuer.test", "--jwks-url", url, "--audience", "api", "-")
			}
			tok := strings.TrimSpace(runCLI(t, "", mint...).stdout)
			if r := check(tok); r.code != 0 {
				t.Fatalf("check of a minted token: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			// After pre-publish, rotate; the new active key was already served.
			time.Sleep(2100 * time.Millisecond) // the key directory runs on the wall clock
			r = runCLI(t, "", append([]string{"keys", "rotate"}, sched...)...)
			if r.code != 0 {
				t.Fatalf("rotate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			tok2 := strings.TrimSpace(runCLI(t, "", mint...).stdout)
			if r := check(tok2); r.code != 0 {
				t.Fatalf("check after rotation: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := check(tok); r.code != 0 {
				t.Fatalf("the retiring key's token: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			r = runCLI(t, "", append([]string{"keys", "list", "--json"}, sched...)...)
			var l struct{ Keys []struct{ State string } }
			if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
				t.Fatal(err, r.stdout)
			}
			var states []string
			for _, k := range l.Keys {
				states = append(states, k.State)
			}
			if strings.Join(states, ",") != "retiring,active,next" {
				t.Fatalf("states %v", states)
			}
			// The retiring key can be withdrawn at once; the active one cannot.
			r = runCLI(t, "", append([]string{"keys", "list", "--json"}, sched...)...)
			var ids struct{ Keys []struct{ Kid, State string } }
			_ = json.Unmarshal([]byte(r.stdout), &ids)
			if r := runCLI(t, "", append(append([]string{"keys", "withdraw"}, sched...), "--", ids.Keys[1].Kid)...); r.code != 1 || !strings.Contains(r.stderr, "rotate with force first") {
				t.Fatalf("withdraw active: exit %d %s", r.code, r.stderr)
			}
			if _, err := cache.Key(ctx, ids.Keys[0].Kid, jws.ParseAlgorithm(alg)); err != nil {
				t.Fatalf("the retiring key is not served before its withdrawal: %v", err)
			}
			if r := runCLI(t, "", append(append([]string{"keys", "withdraw"}, sched...), "--", ids.Keys[0].Kid)...); r.code != 0 || !strings.Contains(r.stdout, "retired") {
				t.Fatalf("withdraw retiring: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			// The server adopts the change within its check interval (1 s
			// here): the withdrawn key leaves the served set.
			deadline := time.Now().Add(10 * time.Second)
			for {
				if err := cache.Refresh(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := cache.Key(ctx, ids.Keys[0].Kid, jws.ParseAlgorithm(alg)); errors.Is(err, jwks.ErrKeyNotFound) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the withdrawn key is still served")
				}
				time.Sleep(200 * time.Millisecond)
			}

			// mint without --dev is refused.
			if r := runCLI(t, "", append([]string{"mint", "--issuer", "x", "--audience", "y"}, sched...)...); r.code != 2 || !strings.Contains(r.stderr, "--dev") {
				t.Fatalf("mint without --dev: exit %d %s", r.code, r.stderr)
			}
		})
	}
	// A world-readable directory is refused.
	bad := filepath.Join(t.TempDir(), "open")
	os.MkdirAll(bad, 0o755)
	os.Chmod(bad, 0o755)
	if r := runCLI(t, "", "keys", "list", "--dir", bad); r.code != 2 || !strings.Contains(r.stderr, "chmod 700") {
		t.Fatalf("open dir: exit %d %s", r.code, r.stderr)
	}
}

func TestMintKit(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "mint", "--dev", "--kit", "--alg", "EdDSA", "--audience", "api", "--scope", "read")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cancel()
	tok, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stderr).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "issuer http://127.0.0.1:") {
		t.Fatalf("stderr %q, %v", line, err)
	}
	url := strings.Fields(line)[1]
	r := runCLI(t, tok, "check", "--issuer", url, "--audience", "api", "--scope", "read", "--type", "at+jwt", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "alg=EdDSA") {
		t.Fatalf("check of a kit token: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Without --dev: refused, exit 2.
	if r := runCLI(t, "", "mint", "--kit", "--audience", "api"); r.code != 2 || !strings.Contains(r.stderr, "pass --dev") {
		t.Fatalf("mint --kit without --dev: exit %d %s", r.code, r.stderr)
	}
}

// TestCheckKeyReasons checks the key step's explanations: a kid published
// but skipped by the key cache (use "enc"), and a key published for another
// algorithm than the token's.
func TestCheckKeyReasons(t *testing.T) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAudience("api"))
	resp, err := http.Get(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Keys []json.RawMessage }
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	doc.Keys = append(doc.Keys, json.RawMessage(`{"kty":"EC","kid":"enc-1","use":"enc","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`))
	body, _ := json.Marshal(doc)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	claims := map[string]any{"iss": iss.URL(), "aud": "api", "exp": time.Now().Add(time.Minute).Unix()}
	for _, tc := range []struct {
		name string
		tok  string
		want string
	}{
		{"use enc", iss.MustMint(claims, jwkstest.WithHeader("kid", "enc-1")), `key        FAIL  kid enc-1 is published but skipped by the key cache: jwks: not a signature verification key: use "enc"`},
		{"alg mismatch", iss.MustMint(claims, jwkstest.WithHeader("alg", "RS384")), "not for the token's alg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.tok, "check", "--issuer", iss.URL(), "--jwks-url", srv.URL, "--audience", "api", "-")
			if r.code != 1 || !strings.Contains(r.stdout, tc.want) || !strings.Contains(r.stdout, "FAIL at key") {
				t.Fatalf("exit %d, want 1 and %q:\n%s%s", r.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}
