package jwkstest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

type kitDiscoveryDoc struct {
	Issuer                string   `json:"issuer"`
	JWKSURI               string   `json:"jwks_uri"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	ResponseTypes         []string `json:"response_types_supported"`
	SubjectTypes          []string `json:"subject_types_supported"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
}

func kitDiscover(t *testing.T, iss *jwkstest.Issuer) kitDiscoveryDoc {
	t.Helper()
	res, body, err := kitGet(t, iss.DiscoveryURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("discovery: %s, Content-Type %q", res.Status, res.Header.Get("Content-Type"))
	}
	var doc kitDiscoveryDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("discovery: %v: %s", err, body)
	}
	return doc
}

// kitKIDs fetches the JWKS over HTTP and returns its kids.
func kitKIDs(t *testing.T, iss *jwkstest.Issuer) []string {
	t.Helper()
	set, err := jwk.Parse(kitMustGet(t, iss.JWKSURL()))
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for i := range set.Len() {
		k, _ := set.Key(i)
		kids = append(kids, k.KeyID())
	}
	return kids
}

func TestIssuerDiscovery(t *testing.T) {
	tests := []struct {
		name       string
		opts       []jwkstest.Option
		wantPath   string
		wantIssuer func(iss *jwkstest.Issuer) string
		wantAlgs   []string
	}{
		{"default", nil, "", (*jwkstest.Issuer).URL, []string{"RS256"}},
		{"path", []jwkstest.Option{jwkstest.WithPath("/realms/a"), jwkstest.WithAlgorithms(jws.ES256)}, "/realms/a",
			(*jwkstest.Issuer).URL, []string{"ES256"}},
		{"several algorithms", []jwkstest.Option{jwkstest.WithAlgorithms(jws.EdDSA, jws.ES384, jws.ES256)}, "",
			(*jwkstest.Issuer).URL, []string{"ES256", "ES384", "EdDSA"}},
		{"mismatching issuer", []jwkstest.Option{jwkstest.WithDiscoveryIssuer("https://evil.example"), jwkstest.WithAlgorithms(jws.ES256)}, "",
			func(*jwkstest.Issuer) string { return "https://evil.example" }, []string{"ES256"}},
	}
	urlRE := regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := jwkstest.NewIssuer(t, tt.opts...)
			if base, ok := strings.CutSuffix(iss.URL(), tt.wantPath); !ok || !urlRE.MatchString(base) {
				t.Errorf("URL() = %q, want http://127.0.0.1:PORT%s", iss.URL(), tt.wantPath)
			}
			if iss.DiscoveryURL() != iss.URL()+"/.well-known/openid-configuration" {
				t.Errorf("DiscoveryURL() = %q", iss.DiscoveryURL())
			}
			ju, err := url.Parse(iss.JWKSURL())
			if err != nil || ju.Hostname() != "127.0.0.1" || ju.Path != tt.wantPath+"/.well-known/jwks.json" {
				t.Errorf("JWKSURL() = %q", iss.JWKSURL())
			}
			doc := kitDiscover(t, iss)
			if doc.Issuer != tt.wantIssuer(iss) {
				t.Errorf("issuer %q, want %q", doc.Issuer, tt.wantIssuer(iss))
			}
			if doc.JWKSURI != iss.JWKSURL() {
				t.Errorf("jwks_uri %q, want %q", doc.JWKSURI, iss.JWKSURL())
			}
			if doc.AuthorizationEndpoint == "" || doc.TokenEndpoint == "" ||
				!slices.Equal(doc.ResponseTypes, []string{"code"}) || !slices.Equal(doc.SubjectTypes, []string{"public"}) {
				t.Errorf("required members missing: %+v", doc)
			}
			if !slices.Equal(doc.SigningAlgs, tt.wantAlgs) {
				t.Errorf("id_token_signing_alg_values_supported %v, want %v", doc.SigningAlgs, tt.wantAlgs)
			}
			if got := kitKIDs(t, iss); !slices.Equal(got, iss.PublishedKIDs()) || len(got) != len(tt.wantAlgs) {
				t.Errorf("JWKS kids %v, PublishedKIDs %v", got, iss.PublishedKIDs())
			}
			if iss.DiscoveryRequests() != 1 || iss.JWKSRequests() != 1 {
				t.Errorf("counters %d/%d, want 1/1", iss.DiscoveryRequests(), iss.JWKSRequests())
			}
			res, _, err := kitGet(t, iss.URL()+"/nothing-here", nil)
			if err != nil || res.StatusCode != 404 {
				t.Errorf("unknown path: %v %v", res, err)
			}
		})
	}
}

func TestIssuerJWKSCaching(t *testing.T) {
	tests := []struct {
		name string
		opts []jwkstest.Option
		want string
	}{
		{"default", nil, "public, max-age=300"},
		{"max-age", []jwkstest.Option{jwkstest.WithJWKSMaxAge(time.Minute)}, "public, max-age=60"},
		{"no-cache", []jwkstest.Option{jwkstest.WithJWKSMaxAge(-1)}, "public, no-cache"},
		{"no-store", []jwkstest.Option{jwkstest.WithJWKSNoStore()}, "no-store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := jwkstest.NewIssuer(t, append(tt.opts, jwkstest.WithAlgorithms(jws.EdDSA))...)
			res, _, err := kitGet(t, iss.JWKSURL(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Header.Get("Cache-Control"); got != tt.want {
				t.Errorf("Cache-Control %q, want %q", got, tt.want)
			}
			etag := res.Header.Get("Etag")
			res, _, err = kitGet(t, iss.JWKSURL(), http.Header{"If-None-Match": {etag}})
			if err != nil || res.StatusCode != http.StatusNotModified {
				t.Fatalf("revalidation: %v %v", res, err)
			}
			if got := iss.IfNoneMatch(); !slices.Equal(got, []string{etag}) {
				t.Errorf("IfNoneMatch() = %q, want [%s]", got, etag)
			}
		})
	}
}

func TestIssuerOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opt  jwkstest.Option
	}{
		{"path without slash", jwkstest.WithPath("realms/a")},
		{"path with trailing slash", jwkstest.WithPath("/realms/")},
		{"path with dot-dot", jwkstest.WithPath("/a/../b")},
		{"path with query", jwkstest.WithPath("/a?b")},
		{"path root", jwkstest.WithPath("/")},
		{"rsa bits", jwkstest.WithRSABits(1024)},
		{"no algorithm", jwkstest.WithAlgorithms()},
		{"bad algorithm", jwkstest.WithAlgorithms(jws.HS256)},
		{"no keys", jwkstest.WithKeys()},
		{"nil key", jwkstest.WithKeys(nil)},
		{"oversize", jwkstest.WithOversizeBytes(0)},
		{"slow interval", jwkstest.WithSlowInterval(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := jwkstest.Start(tt.opt)
			if err == nil {
				iss.Close()
				t.Fatal("Start succeeded")
			}
		})
	}
	t.Run("duplicate keys", func(t *testing.T) {
		k, err := jwkstest.NewKey(jws.EdDSA)
		if err != nil {
			t.Fatal(err)
		}
		if iss, err := jwkstest.Start(jwkstest.WithKeys(k, k)); err == nil {
			iss.Close()
			t.Fatal("Start succeeded with one key twice")
		}
	})
	kitNoGoroutines(t)
}

// kitFakeTB records what NewIssuer does with its TB.
type kitFakeTB struct {
	fatal    string
	cleanups []func()
}

func (tb *kitFakeTB) Helper()                           {}
func (tb *kitFakeTB) Fatalf(format string, args ...any) { tb.fatal = fmt.Sprintf(format, args...) }
func (tb *kitFakeTB) Cleanup(f func())                  { tb.cleanups = append(tb.cleanups, f) }

func TestNewIssuer(t *testing.T) {
	t.Run("closes at cleanup", func(t *testing.T) {
		tb := &kitFakeTB{}
		iss := jwkstest.NewIssuer(tb, jwkstest.WithAlgorithms(jws.ES256))
		if iss == nil || tb.fatal != "" || len(tb.cleanups) != 1 {
			t.Fatalf("NewIssuer: %v, fatal %q, %d cleanups", iss, tb.fatal, len(tb.cleanups))
		}
		kitMustGet(t, iss.DiscoveryURL())
		tb.cleanups[0]()
		if _, _, err := kitGet(t, iss.DiscoveryURL(), nil); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("after cleanup: %v, want connection refused", err)
		}
	})
	t.Run("fails the test", func(t *testing.T) {
		tb := &kitFakeTB{}
		if iss := jwkstest.NewIssuer(tb, jwkstest.WithRSABits(1)); iss != nil || tb.fatal == "" {
			t.Errorf("NewIssuer with a bad option: %v, fatal %q", iss, tb.fatal)
		}
	})
}

func TestIssuerSiblings(t *testing.T) {
	a := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.ES256))
	b, err := a.StartSibling(jwkstest.WithPath("/realms/b"), jwkstest.WithAlgorithms(jws.EdDSA))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := b.StartSibling(jwkstest.WithPath("/realms/c"), jwkstest.WithAlgorithms(jws.ES384))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if b.URL() != a.URL()+"/realms/b" || c.URL() != a.URL()+"/realms/c" {
		t.Errorf("sibling URLs %q %q, want under %q", b.URL(), c.URL(), a.URL())
	}
	if _, err := a.StartSibling(jwkstest.WithPath("/realms/b")); err == nil {
		t.Error("a second issuer on /realms/b started")
	}
	for _, iss := range []*jwkstest.Issuer{a, b, c} {
		doc := kitDiscover(t, iss)
		if doc.Issuer != iss.URL() || doc.JWKSURI != iss.JWKSURL() {
			t.Errorf("%s: discovery %+v", iss.URL(), doc)
		}
		if kids := kitKIDs(t, iss); !slices.Equal(kids, iss.PublishedKIDs()) {
			t.Errorf("%s: JWKS %v, want %v", iss.URL(), kids, iss.PublishedKIDs())
		}
		if iss.DiscoveryRequests() != 1 || iss.JWKSRequests() != 1 {
			t.Errorf("%s: counters %d/%d, want 1/1 (each issuer counts its own)", iss.URL(), iss.DiscoveryRequests(), iss.JWKSRequests())
		}
	}

	// Faults other than refusal are each issuer's own.
	if err := b.SetJWKSFault(jwkstest.Fault500); err != nil {
		t.Fatal(err)
	}
	if res, _, err := kitGet(t, b.JWKSURL(), nil); err != nil || res.StatusCode != 500 {
		t.Errorf("b under Fault500: %v %v", res, err)
	}
	kitMustGet(t, c.JWKSURL())
	// Refusal closes the shared listener.
	if err := c.SetDiscoveryFault(jwkstest.FaultRefuse); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kitGet(t, a.DiscoveryURL(), nil); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("sibling of a refusing issuer: %v, want connection refused", err)
	}
	// Closing the refusing sibling gives the listener back.
	c.Close()
	kitMustGet(t, a.DiscoveryURL())
	if _, err := c.StartSibling(); !errors.Is(err, jwkstest.ErrClosed) {
		t.Errorf("StartSibling of a closed issuer: %v", err)
	}
	// Closing the first issuer leaves its sibling serving.
	a.Close()
	kitMustGet(t, b.DiscoveryURL())
	if res, _, err := kitGet(t, a.DiscoveryURL(), nil); err != nil || res.StatusCode != 404 {
		t.Errorf("closed issuer's discovery: %v %v, want 404", res, err)
	}
	b.Close()
	if _, _, err := kitGet(t, b.DiscoveryURL(), nil); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after the last sibling closed: %v, want connection refused", err)
	}
	kitNoGoroutines(t)
}

func TestIssuerRotation(t *testing.T) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.ES256))
	first := iss.SigningKey()

	// kidOf returns the kid a freshly minted token carries.
	kidOf := func(t *testing.T) string {
		t.Helper()
		p := kitSplit(t, iss.MustMint(nil))
		return kitMap(t, p.header)["kid"].(string)
	}
	if kidOf(t) != first.KID() {
		t.Fatal("token not signed by the initial key")
	}

	var second, third *jwkstest.Key
	steps := []struct {
		name       string
		do         func(t *testing.T) error
		wantKIDs   func() []string
		wantSigner func() *jwkstest.Key
	}{
		{"rotate same algorithm", func(t *testing.T) (err error) {
			second, err = iss.Rotate(jws.Unknown)
			return err
		}, func() []string { return []string{first.KID(), second.KID()} }, func() *jwkstest.Key { return second }},
		{"rotate to EdDSA", func(t *testing.T) (err error) {
			third, err = iss.Rotate(jws.EdDSA)
			return err
		}, func() []string { return []string{first.KID(), second.KID(), third.KID()} }, func() *jwkstest.Key { return third }},
		{"use the first again", func(t *testing.T) error { return iss.UseKey(first.KID()) },
			func() []string { return []string{first.KID(), second.KID(), third.KID()} }, func() *jwkstest.Key { return first }},
		{"retire the second", func(t *testing.T) error { return iss.RemoveKey(second.KID()) },
			func() []string { return []string{first.KID(), third.KID()} }, func() *jwkstest.Key { return first }},
		{"retire the signing key", func(t *testing.T) error { return iss.RemoveKey(first.KID()) },
			func() []string { return []string{third.KID()} }, func() *jwkstest.Key { return first }},
		{"publish the second again", func(t *testing.T) error { return iss.AddKey(second) },
			func() []string { return []string{third.KID(), second.KID()} }, func() *jwkstest.Key { return first }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(t); err != nil {
				t.Fatal(err)
			}
			if got := iss.PublishedKIDs(); !slices.Equal(got, st.wantKIDs()) {
				t.Errorf("PublishedKIDs() = %v, want %v", got, st.wantKIDs())
			}
			if got := kitKIDs(t, iss); !slices.Equal(got, st.wantKIDs()) {
				t.Errorf("JWKS over HTTP has %v, want %v", got, st.wantKIDs())
			}
			if iss.SigningKey() != st.wantSigner() || kidOf(t) != st.wantSigner().KID() {
				t.Errorf("signing key %s, want %s", iss.SigningKey().KID(), st.wantSigner().KID())
			}
		})
	}

	errs := []struct {
		name string
		err  error
		want error
	}{
		{"UseKey unknown", iss.UseKey("nope"), jwkstest.ErrNotPublished},
		{"UseKey retired", iss.UseKey(first.KID()), jwkstest.ErrNotPublished},
		{"RemoveKey unknown", iss.RemoveKey("nope"), jwkstest.ErrNotPublished},
		{"AddKey twice", iss.AddKey(second), nil},
		{"Rotate HS256", func() error { _, err := iss.Rotate(jws.HS256); return err }(), jwkstest.ErrUnsupported},
	}
	for _, e := range errs {
		t.Run(e.name, func(t *testing.T) {
			if e.err == nil || e.want != nil && !errors.Is(e.err, e.want) {
				t.Errorf("err = %v, want %v", e.err, e.want)
			}
		})
	}
	if k, err := iss.PublishedKey(third.KID()); err != nil || k != third {
		t.Errorf("PublishedKey: %v %v", k, err)
	}
	if _, err := iss.PublishedKey(first.KID()); !errors.Is(err, jwkstest.ErrNotPublished) {
		t.Errorf("PublishedKey of a retired key: %v", err)
	}
}

func TestIssuerCounters(t *testing.T) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA))
	if iss.WaitJWKSRequests(1, 10*time.Millisecond) {
		t.Fatal("WaitJWKSRequests reported a request that never came")
	}
	done := make(chan bool)
	go func() { done <- iss.WaitJWKSRequests(3, 30*time.Second) }()

	for _, inm := range []string{"", `"a"`, `W/"b", "c"`} {
		h := http.Header{}
		if inm != "" {
			h.Set("If-None-Match", inm)
		}
		if _, _, err := kitGet(t, iss.JWKSURL(), h); err != nil {
			t.Fatal(err)
		}
	}
	if !<-done {
		t.Fatal("WaitJWKSRequests(3) timed out after 3 requests")
	}
	for range 2 {
		kitMustGet(t, iss.DiscoveryURL())
	}
	if !iss.WaitDiscoveryRequests(2, time.Second) {
		t.Error("WaitDiscoveryRequests(2)")
	}
	// A method the JWKS does not serve is still a request.
	req, _ := http.NewRequest(http.MethodPost, iss.JWKSURL(), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s", res.Status)
	}
	if got := iss.JWKSRequests(); got != 4 {
		t.Errorf("JWKSRequests() = %d, want 4", got)
	}
	if got := iss.DiscoveryRequests(); got != 2 {
		t.Errorf("DiscoveryRequests() = %d, want 2", got)
	}
	if got := iss.IfNoneMatch(); !slices.Equal(got, []string{`"a"`, `W/"b", "c"`}) {
		t.Errorf("IfNoneMatch() = %q", got)
	}
	iss.ResetCounters()
	if iss.JWKSRequests() != 0 || iss.DiscoveryRequests() != 0 || len(iss.IfNoneMatch()) != 0 {
		t.Error("ResetCounters left counts")
	}
	kitMustGet(t, iss.JWKSURL())
	if iss.JWKSRequests() != 1 {
		t.Errorf("after reset: %d", iss.JWKSRequests())
	}
}

func TestIssuerClose(t *testing.T) {
	iss, err := jwkstest.Start(jwkstest.WithAlgorithms(jws.ES256))
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwkstest.NewKey(jws.ES256)
	if err != nil {
		t.Fatal(err)
	}
	iss.Close()
	iss.Close() // twice is fine
	calls := []struct {
		name string
		err  error
	}{
		{"AddKey", iss.AddKey(k)},
		{"UseKey", iss.UseKey(iss.SigningKey().KID())},
		{"RemoveKey", iss.RemoveKey(iss.SigningKey().KID())},
		{"SetJWKSFault", iss.SetJWKSFault(jwkstest.Fault500)},
		{"SetDiscoveryFault", iss.SetDiscoveryFault(jwkstest.Fault500)},
		{"Rotate", func() error { _, err := iss.Rotate(jws.RS256); return err }()},
	}
	for _, c := range calls {
		if !errors.Is(c.err, jwkstest.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", c.name, c.err)
		}
	}
	for _, u := range []string{iss.DiscoveryURL(), iss.JWKSURL()} {
		if _, _, err := kitGet(t, u, nil); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("GET %s after Close: %v, want connection refused", u, err)
		}
	}
	// Minting needs no server.
	if _, err := iss.Mint(nil); err != nil {
		t.Errorf("Mint after Close: %v", err)
	}
	kitNoGoroutines(t)
}
