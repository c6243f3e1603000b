package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// Timeouts of the suite's own requests, in real time. They only bound a
// broken adapter; a conforming one answers each request at once.
const (
	requestTimeout = 10 * time.Second
	maxBody        = 1 << 20
	// unknownIssuerWait is how long the unknown-issuer case watches the
	// attacker's issuer for a late fetch.
	unknownIssuerWait = 100 * time.Millisecond
)

// suite is one run of the table against one mounted application.
type suite struct {
	opts    Options
	setup   *Setup
	policy  *cors.Compiled
	host    string // 127.0.0.1:PORT of the application
	client  *http.Client
	a, b, c *jwkstest.Issuer // healthy, unreachable, not configured
	d       *jwkstest.Issuer // healthy, its tokens must be DPoP-bound
	holder  *jwkstest.Key    // the DPoP client's key
	tok     tokens
	cases   []*tcase
	records map[string]record // by case name
	used    map[string]bool   // record keys whose statuses were observed
}

// tokens are the tokens the cases send, minted once per run.
type tokens struct {
	rs256, es256, lowercase, large    string
	read, write, admin, optional      string
	expired, audience, unknownIssuer  string
	badSignature, unknownKID, algNone string
	hs256, issuerB                    string
	padded, standardB64               string
	stepUpStrong, stepUpWeak          string
}

// Subjects of the valid tokens: each case proves that its own token's
// claims reached the handler.
const (
	subRS256     = "user-rs256"
	subES256     = "user-es256"
	subLowercase = "user-lowercase"
	subLarge     = "user-large-token"
	subRead      = "user-reports-read"
	subWrite     = "user-reports-write"
	subAdmin     = "user-admin"
	subOptional  = "user-optional"
	subStepUp    = "user-step-up"
	subDPoP      = "user-dpop"
)

// newSuite builds the issuers, the Authenticator, the tokens and the
// cases, validates opts, and mounts the application. It fails t on any
// error of its own or of the Mount.
func newSuite(t *testing.T, mount Mount, opts Options) *suite {
	t.Helper()
	s := &suite{opts: opts, used: map[string]bool{}}

	// Issuer A: healthy, RS256 (signing) and ES256 keys.
	s.a = jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.RS256, jws.ES256), jwkstest.WithAudience(Audience))
	// Issuer B: configured, but its endpoints refuse connections from the
	// start, so nothing is ever cached: its tokens get 503.
	s.b = jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.ES256), jwkstest.WithAudience(Audience))
	if err := s.b.SetFault(jwkstest.FaultRefuse); err != nil {
		t.Fatalf("conformance: issuer B outage: %v", err)
	}
	// Issuer C: healthy and reachable, but not configured: the attacker.
	s.c = jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.ES256), jwkstest.WithAudience(Audience))
	// Issuer D: healthy, DPoP required (RFC 9449).
	s.d = jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.ES256), jwkstest.WithAudience(Audience))
	var err error
	if s.holder, err = jwkstest.NewKey(jws.ES256); err != nil {
		t.Fatalf("conformance: DPoP key: %v", err)
	}

	auth, err := jwksauth.New(jwksauth.Config{
		DPoP:     jwksauth.DPoPConfig{Algorithms: []string{"ES256", "EdDSA"}},
		Realm:    Realm,
		Resource: jwksauth.ResourceConfig{URI: Resource, Scopes: resourceScopes()},
		Issuers: []jwksauth.Issuer{
			{
				URL:       s.a.URL(),
				Audiences: []string{Audience},
				// No fetch of A's keys starts by itself during the run:
				// the unknown-kid case answers from the loaded set, and
				// the unknown-issuer case can count A's requests.
				Cache: jwks.CacheOptions{UnknownKIDCooldown: time.Hour},
			},
			{
				URL:       s.d.URL(),
				Audiences: []string{Audience},
				DPoP:      jwksauth.DPoPRequired,
			},
			{
				URL:       s.b.URL(),
				Audiences: []string{Audience},
				Cache:     jwks.CacheOptions{MaxWait: 200 * time.Millisecond},
			},
		},
	})
	if err != nil {
		t.Fatalf("conformance: jwksauth.New: %v", err)
	}
	t.Cleanup(func() { _ = auth.Close() })

	s.policy, err = cors.New(policy())
	if err != nil {
		t.Fatalf("conformance: the suite's CORS policy: %v", err)
	}
	s.setup = &Setup{Auth: auth, CORS: policy(), Exclusions: []string{"/healthz", "/public/", "/optional/"}}

	if err := s.mint(); err != nil {
		t.Fatalf("conformance: minting tokens: %v", err)
	}
	// Load A's keys before any request, so that no case waits for them and
	// A's request counters stand still during the run.
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	warm, err := s.a.Mint(map[string]any{"sub": "warm-up"})
	if err != nil {
		t.Fatalf("conformance: minting the warm-up token: %v", err)
	}
	if _, err := auth.Authenticate(ctx, warm); err != nil {
		t.Fatalf("conformance: the suite's Authenticator rejects a valid token of issuer A (a bug in the core or jwkstest, not in the adapter): %v", err)
	}

	s.cases = s.table()
	if s.records, err = opts.validate(s.cases); err != nil {
		t.Fatalf("conformance: %v", err)
	}

	base := mount(t, s.setup)
	if s.host, err = checkBase(base); err != nil {
		t.Fatalf("conformance: %v", err)
	}
	tr := &http.Transport{Proxy: nil, DisableCompression: true, ResponseHeaderTimeout: requestTimeout}
	s.client = &http.Client{
		Transport: tr,
		Timeout:   requestTimeout,
		// A redirect is an answer to record, never followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(tr.CloseIdleConnections)
	return s
}

// policy returns the suite's CORS policy, a fresh copy each time.
func policy() cors.Policy {
	return cors.Policy{
		AllowedOrigins:   []string{AllowedOrigin, AllowedOriginPattern},
		AllowedHeaders:   []string{ExtraAllowedHeader},
		ExposedHeaders:   []string{ExtraExposedHeader},
		AllowCredentials: true,
		MaxAge:           time.Hour,
	}
}

// mint makes every token of the table.
func (s *suite) mint() error {
	var ecKey *jwkstest.Key
	for _, kid := range s.a.PublishedKIDs() {
		k, err := s.a.PublishedKey(kid)
		if err != nil {
			return err
		}
		if k.Algorithm() == jws.ES256 {
			ecKey = k
		}
	}
	if ecKey == nil {
		return fmt.Errorf("issuer A publishes no ES256 key")
	}
	now := time.Now()
	groups := make([]string, 0, 130)
	for i := range cap(groups) {
		groups = append(groups, fmt.Sprintf("group-%04d-0123456789abcdef0123", i))
	}
	for _, m := range []struct {
		dst    *string
		iss    *jwkstest.Issuer
		claims map[string]any
		opts   []jwkstest.MintOption
	}{
		{&s.tok.rs256, s.a, map[string]any{"sub": subRS256}, nil},
		{&s.tok.es256, s.a, map[string]any{"sub": subES256}, []jwkstest.MintOption{jwkstest.WithKey(ecKey)}},
		{&s.tok.lowercase, s.a, map[string]any{"sub": subLowercase}, nil},
		{&s.tok.large, s.a, map[string]any{"sub": subLarge, "groups": groups}, nil},
		{&s.tok.read, s.a, map[string]any{"sub": subRead, "scope": "openid reports:read"}, nil},
		{&s.tok.write, s.a, map[string]any{"sub": subWrite, "scope": "reports:read reports:write"}, nil},
		{&s.tok.admin, s.a, map[string]any{"sub": subAdmin, "scope": "admin"}, nil},
		{&s.tok.optional, s.a, map[string]any{"sub": subOptional}, nil},
		{&s.tok.expired, s.a, map[string]any{"iat": now.Add(-2 * time.Hour), "exp": now.Add(-time.Hour)}, nil},
		{&s.tok.audience, s.a, map[string]any{"aud": "api://another-service"}, nil},
		{&s.tok.unknownIssuer, s.c, nil, nil},
		{&s.tok.badSignature, s.a, nil, []jwkstest.MintOption{jwkstest.WithBadSignature()}},
		{&s.tok.unknownKID, s.a, nil, []jwkstest.MintOption{jwkstest.WithUnknownKID()}},
		{&s.tok.algNone, s.a, nil, []jwkstest.MintOption{jwkstest.WithAlgNone()}},
		{&s.tok.hs256, s.a, nil, []jwkstest.MintOption{jwkstest.WithHS256PublicKeyPEM()}},
		{&s.tok.issuerB, s.b, nil, nil},
		{&s.tok.padded, s.a, nil, []jwkstest.MintOption{jwkstest.WithNonCanonicalBase64(jwkstest.Base64Padded, jwkstest.PartPayload)}},
		{&s.tok.standardB64, s.a, nil, []jwkstest.MintOption{jwkstest.WithNonCanonicalBase64(jwkstest.Base64Standard, 0)}},
		{&s.tok.stepUpStrong, s.a, map[string]any{"sub": subStepUp, "scope": "admin", "acr": StepUpACR, "auth_time": now.Add(-time.Minute).Unix()}, nil},
		{&s.tok.stepUpWeak, s.a, map[string]any{"sub": subStepUp, "scope": "admin", "acr": "pwd", "auth_time": now.Add(-time.Minute).Unix()}, nil},
	} {
		tok, err := m.iss.Mint(m.claims, m.opts...)
		if err != nil {
			return err
		}
		*m.dst = tok
	}
	if n := len(s.tok.large); n < 5<<10 || n > 7<<10 {
		return fmt.Errorf("the large token has %d bytes, want about 6 KiB", n)
	}
	return nil
}

// response is what the application answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends r to the application, its path byte for byte as written.
func (s *suite) do(r request) (*response, error) {
	u, err := url.Parse("http://" + s.host + r.path)
	if err != nil {
		return nil, fmt.Errorf("conformance: request target %q: %w", r.path, err)
	}
	if got := u.RequestURI(); got != r.path {
		return nil, fmt.Errorf("conformance: request target %q would be sent as %q", r.path, got)
	}
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	req.URL = u
	if len(r.auth) > 0 {
		req.Header["Authorization"] = slices.Clone(r.auth)
	}
	if len(r.dpop) > 0 {
		req.Header["Dpop"] = slices.Clone(r.dpop)
	}
	if r.origin != "" {
		req.Header.Set("Origin", r.origin)
	}
	if r.acrm != "" {
		req.Header.Set("Access-Control-Request-Method", r.acrm)
	}
	if r.acrh != "" {
		req.Header.Set("Access-Control-Request-Headers", r.acrh)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("request failed: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// run sends one case's request and returns what is wrong with the answer.
func (s *suite) run(c *tcase) []string {
	f := &failures{prefix: c.name}
	if s.opts.Framework != "" {
		f.prefix = s.opts.Framework + ": " + c.name
	}
	var after func(*failures)
	if c.before != nil {
		after = c.before()
	}
	r, err := s.do(c.req)
	if err != nil {
		f.add("%v", err)
		return f.msgs
	}
	rec, recorded := s.records[c.name]
	switch {
	case r.status == c.want.status:
		s.check(c, r, true, f)
	case recorded && slices.Contains(rec.statuses, r.status):
		s.used[rec.key] = true
		s.check(c, r, false, f)
	default:
		want := fmt.Sprint(c.want.status)
		if recorded {
			want += fmt.Sprintf(" (or %v recorded under %q)", rec.statuses, rec.key)
		}
		f.add("status %d, want %s%s", r.status, want, c.hint())
		s.check(c, r, false, f)
	}
	if c.body != nil && r.status == c.want.status {
		c.body(r, f)
	}
	if after != nil {
		after(f)
	}
	return f.msgs
}

// unusedRecords reports the records of Options.Statuses that no case
// needed.
func (s *suite) unusedRecords() []string {
	var out []string
	for _, key := range sortedKeys(s.opts.Statuses) {
		if !s.used[key] {
			out = append(out, fmt.Sprintf("%sOptions.Statuses[%q] = %v was never observed: the adapter now answers the default; remove the record",
				frameworkPrefix(s.opts.Framework), key, s.opts.Statuses[key]))
		}
	}
	return out
}

func frameworkPrefix(fw string) string {
	if fw == "" {
		return ""
	}
	return fw + ": "
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// failures collects the failure messages of one case.
type failures struct {
	prefix string
	msgs   []string
}

func (f *failures) add(format string, args ...any) {
	f.msgs = append(f.msgs, f.prefix+": "+fmt.Sprintf(format, args...))
}

// hint explains a case in a failure message.
func (c *tcase) hint() string {
	var b strings.Builder
	fmt.Fprintf(&b, " [%s %s", c.req.methodOrGet(), c.req.path)
	if c.req.origin != "" {
		fmt.Fprintf(&b, ", Origin %s", c.req.origin)
	}
	b.WriteString("]")
	if c.why != "" {
		b.WriteString(": ")
		b.WriteString(c.why)
	}
	return b.String()
}
