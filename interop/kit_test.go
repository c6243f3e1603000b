//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/examples/blackbox"
)

// Bounds of the tests, in real time: generous limits, not expectations.
const (
	startTimeout   = 30 * time.Second // a provider or an app accepting connections
	requestTimeout = 10 * time.Second // one HTTP request
)

// frameworks are the example apps, by directory under examples/.
var frameworks = []string{"nethttp", "gin", "echo", "fiber"}

// appBinaries maps a framework to its app binary, built by TestMain.
var appBinaries = map[string]string{}

// zitadelOP is the binary of the second provider (zitadelop), built by TestMain.
var zitadelOP string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if _, err := os.Stat(filepath.Join("node_modules", "oidc-provider")); err != nil {
		fmt.Fprintln(os.Stderr, "interop: node_modules is missing: run `npm ci` in interop/ (make interop and make e2e do)")
		return 1
	}
	dir, err := os.MkdirTemp("", "jwksauth-interop-apps-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := buildApps(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	zitadelOP = filepath.Join(dir, "zitadelop")
	if b, err := exec.Command("go", "build", "-o", zitadelOP, "./zitadelop").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building zitadelop: %v\n%s", err, b)
		return 1
	}
	return m.Run()
}

// buildApps builds every example app into dir, concurrently.
func buildApps(dir string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(frameworks))
	for i, fw := range frameworks {
		out := filepath.Join(dir, fw)
		appBinaries[fw] = out
		wg.Go(func() {
			cmd := exec.Command("go", "build", "-o", out, ".")
			cmd.Dir = filepath.Join("..", "examples", fw)
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("building examples/%s: %w\n%s", fw, err, b)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// pki is the test CA and the provider's server certificate, as PEM files.
type pki struct {
	CAFile, CertFile, KeyFile string
	Pool                      *x509.CertPool
}

// newPKI creates a CA and a certificate for 127.0.0.1 signed by it, valid
// for an hour, in a temporary folder.
func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "jwksauth interop test CA"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, srvKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKeyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{
		CAFile:   filepath.Join(dir, "ca.pem"),
		CertFile: filepath.Join(dir, "server.pem"),
		KeyFile:  filepath.Join(dir, "server-key.pem"),
		Pool:     x509.NewCertPool(),
	}
	p.Pool.AddCert(ca)
	writePEM(t, p.CAFile, "CERTIFICATE", caDER)
	writePEM(t, p.CertFile, "CERTIFICATE", srvDER)
	writePEM(t, p.KeyFile, "PRIVATE KEY", srvKeyDER)
	return p
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// signingKey is a private key the provider signs with.
type signingKey struct {
	KID, Alg string
	priv     crypto.Signer
}

// newKey generates a key for alg (RS256, PS256, ES256 or EdDSA).
func newKey(t *testing.T, alg, kid string) signingKey {
	t.Helper()
	var (
		priv crypto.Signer
		err  error
	)
	switch alg {
	case "RS256", "PS256":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("newKey: unknown algorithm %q", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{KID: kid, Alg: alg, priv: priv}
}

// jwk is the private JWK of k, as oidc-provider reads it.
func (k signingKey) jwk() map[string]any {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	m := map[string]any{"kid": k.KID, "alg": k.Alg, "use": "sig"}
	switch p := k.priv.(type) {
	case *rsa.PrivateKey:
		p.Precompute()
		m["kty"] = "RSA"
		m["n"] = b64(p.N.Bytes())
		m["e"] = b64(big.NewInt(int64(p.E)).Bytes())
		m["d"] = b64(p.D.Bytes())
		m["p"] = b64(p.Primes[0].Bytes())
		m["q"] = b64(p.Primes[1].Bytes())
		m["dp"] = b64(p.Precomputed.Dp.Bytes())
		m["dq"] = b64(p.Precomputed.Dq.Bytes())
		m["qi"] = b64(p.Precomputed.Qinv.Bytes())
	case *ecdsa.PrivateKey:
		ecdh, _ := p.ECDH()
		pub := ecdh.PublicKey().Bytes() // 0x04 || X || Y
		m["kty"], m["crv"] = "EC", "P-256"
		m["x"], m["y"] = b64(pub[1:33]), b64(pub[33:])
		m["d"] = b64(ecdh.Bytes())
	case ed25519.PrivateKey:
		m["kty"], m["crv"] = "OKP", "Ed25519"
		m["x"] = b64(p.Public().(ed25519.PublicKey))
		m["d"] = b64(p.Seed())
	}
	return m
}

// providerKind is an OpenID provider implementation the tests run.
type providerKind struct {
	Name      string
	TokenType string // the typ header of its access tokens
	command   func() *exec.Cmd
}

// The providers: npm oidc-provider, and zitadel/oidc's OP (zitadelop).
var (
	oidcProvider = providerKind{Name: "oidc-provider", TokenType: "at+jwt", command: func() *exec.Cmd {
		return exec.Command("node", filepath.Join("provider", "server.mjs"))
	}}
	zitadel = providerKind{Name: "zitadel", TokenType: "JWT", command: func() *exec.Cmd {
		return exec.Command(zitadelOP)
	}}
)

// provider is one provider process on loopback.
type provider struct {
	kind   providerKind
	t      *testing.T
	pki    *pki
	port   int
	secret string
	dir    string
	Issuer string
	client *http.Client

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *lockedBuffer
}

// startProvider starts a provider on a free loopback port signing with
// keys (the first key of each algorithm signs). The test's cleanup stops it.
func startProvider(t *testing.T, kind providerKind, p *pki, keys []signingKey) *provider {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	pr := &provider{
		kind: kind, t: t, pki: p, port: port, dir: t.TempDir(),
		secret: base64.RawURLEncoding.EncodeToString(secret),
		Issuer: "https://127.0.0.1:" + strconv.Itoa(port),
		client: &http.Client{
			Timeout:   requestTimeout,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.Pool}},
		},
	}
	t.Cleanup(pr.Stop)
	pr.Start(keys)
	return pr
}

// Start starts the provider (again) with keys, on its port, and waits until
// it accepts connections.
func (pr *provider) Start(keys []signingKey) {
	t := pr.t
	t.Helper()
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.cmd != nil {
		t.Fatal("provider already running")
	}
	set := map[string]any{"keys": []any{}}
	for _, k := range keys {
		set["keys"] = append(set["keys"].([]any), k.jwk())
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	jwksFile := filepath.Join(pr.dir, "jwks.json")
	if err := os.WriteFile(jwksFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := pr.kind.command()
	cmd.Env = append(os.Environ(),
		"PORT="+strconv.Itoa(pr.port),
		"JWKS_FILE="+jwksFile,
		"TLS_CERT="+pr.pki.CertFile,
		"TLS_KEY="+pr.pki.KeyFile,
		"CLIENT_SECRET="+pr.secret,
		"NODE_NO_WARNINGS=1",
	)
	// The provider stops when its standard input closes: it never outlives
	// this process.
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	pr.out = &lockedBuffer{}
	cmd.Stderr = pr.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the provider (node): %v", err)
	}
	pr.cmd, pr.done = cmd, make(chan struct{})
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(pr.out, line)
			if strings.HasPrefix(line, "listening on ") {
				once.Do(func() { close(listening) })
			}
		}
		_ = cmd.Wait()
		close(pr.done)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-listening:
	case <-pr.done:
		pr.cmd = nil
		t.Fatalf("the provider exited before listening:\n%s", pr.out)
	case <-timer.C:
		t.Fatalf("the provider did not listen within %v:\n%s", startTimeout, pr.out)
	}
}

// Stop stops the provider (SIGTERM, then a kill after a bound) and waits
// for it to exit. Stopping a stopped provider does nothing.
func (pr *provider) Stop() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.cmd == nil {
		return
	}
	_ = pr.cmd.Process.Signal(os.Interrupt)
	timer := time.NewTimer(5 * time.Second)
	defer timer.Stop()
	select {
	case <-pr.done:
	case <-timer.C:
		_ = pr.cmd.Process.Kill()
		<-pr.done
	}
	pr.cmd = nil
}

// Restart stops the provider and starts it again with keys, on the same
// port: oidc-provider's documented way to change its keys is a new key set
// and a reload of its processes.
func (pr *provider) Restart(keys []signingKey) {
	pr.t.Helper()
	pr.Stop()
	pr.Start(keys)
}

// Token gets an access token with the client_credentials grant: signed
// with alg, with scope, valid for ttl seconds.
func (pr *provider) Token(t *testing.T, alg, scope string, ttl int) string {
	t.Helper()
	resource := "https://reports.jwksauth.test/" + alg
	if ttl > 0 {
		resource += "/ttl/" + strconv.Itoa(ttl)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}, "resource": {resource}}
	req, err := http.NewRequest(http.MethodPost, pr.tokenEndpoint(t), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("interop", pr.secret)
	res, err := pr.client.Do(req)
	if err != nil {
		t.Fatalf("token request to %s: %v", pr.Issuer, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("token request to %s: %s\n%s", pr.Issuer, res.Status, body)
	}
	return tok.AccessToken
}

// tokenEndpoint reads the token endpoint from the provider's discovery
// document.
func (pr *provider) tokenEndpoint(t *testing.T) string {
	t.Helper()
	res, err := pr.client.Get(pr.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("discovery of %s: %v", pr.Issuer, err)
	}
	defer res.Body.Close()
	var doc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&doc); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("discovery of %s: %s, %v", pr.Issuer, res.Status, err)
	}
	if doc.Issuer != pr.Issuer || !strings.HasPrefix(doc.TokenEndpoint, pr.Issuer+"/") {
		t.Fatalf("discovery of %s: issuer %q, token endpoint %q", pr.Issuer, doc.Issuer, doc.TokenEndpoint)
	}
	return doc.TokenEndpoint
}

// jwtParts decodes a token's header and payload, unverified: what the test
// checks about the tokens the provider issued.
type jwtParts struct {
	Alg, KID, Typ string
	Iss           string
	Aud           any
	Scope         string
	Exp           int64
}

func decodeJWT(t *testing.T, tok string) jwtParts {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %d parts", len(parts))
	}
	var h struct{ Alg, Kid, Typ string }
	var c struct {
		Iss   string `json:"iss"`
		Aud   any    `json:"aud"`
		Scope string `json:"scope"`
		Exp   int64  `json:"exp"`
	}
	for i, v := range []any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("token part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("token part %d: %v", i, err)
		}
	}
	return jwtParts{Alg: h.Alg, KID: h.Kid, Typ: h.Typ, Iss: c.Iss, Aud: c.Aud, Scope: c.Scope, Exp: c.Exp}
}

// app is one example app running as a process.
type app struct {
	Name string
	URL  string
	proc *blackbox.Process
}

// startApps starts every example app with env, concurrently, and waits
// until each listens. The test's cleanup stops them.
func startApps(t *testing.T, env map[string]string) []app {
	t.Helper()
	apps := make([]app, len(frameworks))
	for i, fw := range frameworks {
		e := map[string]string{"ADDR": "127.0.0.1:0"}
		for k, v := range env {
			e[k] = v
		}
		apps[i] = app{Name: fw, proc: blackbox.Command(appBinaries[fw])(t, e)}
	}
	for i := range apps {
		apps[i].URL = apps[i].proc.URL()
	}
	return apps
}

// response is an app's answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

var appClient = &http.Client{Timeout: requestTimeout}

// call sends one request to an app; token "" sends none.
func call(t *testing.T, method, url, token string, body string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := appClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
