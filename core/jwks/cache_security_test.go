package jwks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// tlsIssuer is an https identity provider that answers as
// https://example.com (the httptest certificate covers example.com and
// *.example.com, on any port), reached through client, which dials the
// server for every example.com host and the network otherwise.
type tlsIssuer struct {
	srv          *httptest.Server
	client       *http.Client
	jwksURI      string // the discovery document's jwks_uri
	body         []byte
	jwksRequests atomic.Int64
}

const tlsIssuerURL = "https://example.com"

func newTLSIssuer(t *testing.T, jwksURI string, keys ...*testKey) *tlsIssuer {
	t.Helper()
	ti := &tlsIssuer{jwksURI: jwksURI, body: jwksDoc(t, keys...)}
	ti.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": tlsIssuerURL, "jwks_uri": ti.jwksURI})
		case "/jwks":
			ti.jwksRequests.Add(1)
			_, _ = w.Write(ti.body)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ti.srv.Close)
	tr := ti.srv.Client().Transport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		switch host = strings.ToLower(host); {
		case host == "example.com" || strings.HasSuffix(host, ".example.com"):
			addr = ti.srv.Listener.Addr().String()
		case host != "localhost" && !net.ParseIP(host).IsLoopback():
			return nil, fmt.Errorf("test dialer: %s is neither example.com nor loopback", host)
		}
		return d.DialContext(ctx, network, addr)
	}
	ti.client = &http.Client{Transport: tr}
	t.Cleanup(tr.CloseIdleConnections)
	return ti
}

// Issue 11, defect 3: a jwks_uri taken from an https issuer's discovery
// document may not send the key fetch to plain http, loopback included,
// unless InsecureAllowHTTP says so; a loopback issuer may name a loopback
// http jwks_uri.
func TestCacheDiscoveredJWKSURIPlainHTTP(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	plain := newIdP(t, clk, newECKey(t, "plain")) // http://127.0.0.1:port
	localhost := strings.Replace(plain.URL(), "127.0.0.1", "localhost", 1)
	for _, tt := range []struct {
		name     string
		jwksURI  string
		insecure bool
		want     error // nil: the fetch reaches the plain server
	}{
		{"https issuer, http 127.0.0.1 jwks_uri", plain.URL(), false, jwks.ErrInsecureURL},
		{"https issuer, http localhost jwks_uri", localhost, false, jwks.ErrInsecureURL},
		{"https issuer, http jwks_uri, InsecureAllowHTTP", plain.URL(), true, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := plain.jwksRequests.Load()
			ti := newTLSIssuer(t, tt.jwksURI, newECKey(t, "tls"))
			tc := startTestCache(t, clk, ti.jwksRequests.Load, func(o *jwks.CacheOptions) {
				o.Issuer, o.HTTPClient, o.InsecureAllowHTTP = tlsIssuerURL, ti.client, tt.insecure
			})
			err := tc.Refresh(context.Background())
			got := plain.jwksRequests.Load() - before
			if tt.want == nil {
				if err != nil || got != 1 {
					t.Fatalf("Refresh: %v, %d requests to the http jwks_uri, want nil and 1", err, got)
				}
				tc.mustKey("plain")
				return
			}
			wantErr(t, err, jwks.ErrDiscovery)
			wantErr(t, err, tt.want)
			if got != 0 {
				t.Fatalf("%d requests reached the plain-http loopback service", got)
			}
		})
	}
	t.Run("loopback issuer, http loopback jwks_uri", func(t *testing.T) {
		other := newIdP(t, clk, newECKey(t, "a"))
		other.configure(func(o *testIdP) { o.jwksURI = plain.URL() })
		tc := newTestCache(t, other, func(o *jwks.CacheOptions) { o.URL, o.Issuer = "", other.srv.URL })
		if err := tc.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		tc.mustKey("plain")
	})
}

// Issue 11, defect 3: with StrictJWKSURIOrigin, the discovered jwks_uri
// must be on the issuer's origin; without it, another https origin is
// followed.
func TestCacheStrictJWKSURIOrigin(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	for _, tt := range []struct {
		jwksURI   string
		sameOrign bool
	}{
		{"https://example.com/jwks", true},
		{"https://EXAMPLE.com:443/jwks", true},
		{"https://keys.example.com/jwks", false},
		{"https://example.com:8443/jwks", false},
	} {
		for _, strict := range []bool{false, true} {
			name := tt.jwksURI
			if strict {
				name += "/strict"
			}
			t.Run(name, func(t *testing.T) {
				ti := newTLSIssuer(t, tt.jwksURI, newECKey(t, "a"))
				tc := startTestCache(t, clk, ti.jwksRequests.Load, func(o *jwks.CacheOptions) {
					o.Issuer, o.HTTPClient, o.StrictJWKSURIOrigin = tlsIssuerURL, ti.client, strict
				})
				err := tc.Refresh(context.Background())
				if strict && !tt.sameOrign {
					wantErr(t, err, jwks.ErrDiscovery)
					wantErr(t, err, jwks.ErrJWKSURIOrigin)
					if n := ti.jwksRequests.Load(); n != 0 {
						t.Fatalf("%d key requests to another origin", n)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				tc.mustKey("a")
			})
		}
	}
}

// Issue 11, defect 4: a kid sent before its key is published (an attacker
// predicting the next kid) does not delay the rotation: the key is accepted
// within one cooldown of its first token, and the provider still sees at
// most one request per cooldown.
func TestCacheKIDBeforePublication(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	a := newECKey(t, "key-1")
	idp := newIdP(t, clk, a)
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.MaxWait = 2 * time.Second })
	tc.ready()
	tc.quiet(cooldown)
	begin := clk.Now()

	// The attacker sends the next kid; the fetch it starts does not find it.
	_, err := tc.key("key-2")
	wantErr(t, err, jwks.ErrKeyNotFound)
	tc.ev.want(t, jwks.EventNotModified)
	tc.park()
	clk.Advance(time.Second)
	tc.park()

	// The provider publishes key-2 and signs with it; its tokens arrive
	// every 100 ms from now on, and clients retry.
	idp.setKeys(a, newECKey(t, "key-2"))
	first := clk.Now()
	var accepted time.Time
	for accepted.IsZero() {
		if _, err := tc.key("key-2"); err == nil {
			accepted = clk.Now()
			break
		} else {
			wantErr(t, err, jwks.ErrKeyNotFound)
		}
		if clk.Now().Sub(first) > 3*cooldown {
			t.Fatalf("key-2 still refused %v after its first token", clk.Now().Sub(first))
		}
		clk.Advance(100 * time.Millisecond)
		tc.park()
	}
	if d := accepted.Sub(first); d > cooldown {
		t.Fatalf("key-2 accepted %v after its first token, more than one cooldown (%v)", d, cooldown)
	}
	reqs := 0
	for _, at := range idp.requests() {
		if !at.Before(begin) {
			reqs++
		}
	}
	if limit := int(clk.Now().Sub(begin)/cooldown) + 1; reqs > limit {
		t.Fatalf("%d requests in %v, more than one per cooldown", reqs, clk.Now().Sub(begin))
	}
}

// Issue 11: a fetch asked for by a lookup that missed (at once or deferred
// to the end of the cooldown), by Refresh or by Ready sends
// Cache-Control: no-cache, so that a cache between us and the provider
// cannot answer with the set we are looking past; a scheduled refresh does
// not.
func TestCacheForcedRefreshNoCache(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk, newECKey(t, "a"))
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.MaxWait = 2 * time.Second })
	tc.ready()
	last := func() string {
		cc := idp.cacheControls()
		return cc[len(cc)-1]
	}
	if ev := tc.fetchAfter(9 * time.Minute); ev.Kind != jwks.EventNotModified || last() != "" {
		t.Fatalf("scheduled refresh: %+v, Cache-Control %q, want none", ev, last())
	}
	tc.quiet(cooldown)
	_, err := tc.key("rotated") // the cooldown has passed: a fetch at once
	wantErr(t, err, jwks.ErrKeyNotFound)
	tc.ev.want(t, jwks.EventNotModified)
	tc.park()
	if got := last(); got != "no-cache" {
		t.Fatalf("unknown-kid fetch: Cache-Control %q, want no-cache", got)
	}
	_, err = tc.key("other") // within the cooldown: deferred to its end
	wantErr(t, err, jwks.ErrKeyNotFound)
	n := len(idp.cacheControls())
	tc.fetchAfter(cooldown)
	if len(idp.cacheControls()) != n+1 || last() != "no-cache" {
		t.Fatalf("deferred unknown-kid fetch: Cache-Control %q, want no-cache", last())
	}
	if err := tc.Refresh(context.Background()); err != nil || last() != "no-cache" {
		t.Fatalf("Refresh: %v, Cache-Control %q, want no-cache", err, last())
	}
	tc.ev.want(t, jwks.EventNotModified)
	tc.park()
	if ev := tc.fetchAfter(9 * time.Minute); ev.Kind != jwks.EventNotModified || last() != "" {
		t.Fatalf("scheduled refresh: %+v, Cache-Control %q, want none", ev, last())
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Issue 11: keys the library cannot use — post-quantum AKP (ML-DSA), Ed448,
// secp256k1, an unknown kty, malformed members — are skipped one by one,
// each logged and reported with its reason, and the good key published
// beside them verifies.
func TestCacheSkipsUnusableKeys(t *testing.T) {
	priv := newECKey(t, "good").priv
	good, err := jwkstest.NewKeyFromSigner("good", jws.ES256, priv)
	if err != nil {
		t.Fatal(err)
	}
	unusable := []struct {
		jwk    string
		kid    string
		want   error
		reason string
	}{
		{`{"kty":"AKP","alg":"ML-DSA-44","pub":"AAAA","kid":"pq"}`, "pq", jwks.ErrUnsupportedKey, `key type "AKP"`},
		{`{"kty":"OKP","crv":"Ed448","x":"X9dEm1m0Yf0s54fsYWrUah2hNCSFpw4fig6nXYDpZ3jt8SR2m0bHBhvWeD3x5Q9s0foavq_oJWGA","kid":"ed448"}`, "ed448", jwks.ErrUnsupportedKey, `curve "Ed448"`},
		{`{"kty":"EC","crv":"secp256k1","x":"WbbUrslu7R8Wl8g5yEJKb8m8h9oCVxNH0b5WEv0s1qA","y":"qWwUz41xIJSt0rkBjZf2fLoXZd_oYv3d7wIEeAMvDXE","kid":"k1"}`, "k1", jwks.ErrUnsupportedKey, `curve "secp256k1"`},
		{`{"kty":"XYZ","kid":"unknown-kty"}`, "unknown-kty", jwks.ErrUnsupportedKey, `key type "XYZ"`},
		{`{"kid":"no-kty","n":"AQAB","e":"AQAB"}`, "no-kty", jwks.ErrUnsupportedKey, `no "kty"`},
		{`{"kty":"RSA","n":"!!!","e":"AQAB","kid":"bad-n"}`, "bad-n", jwks.ErrInvalidKey, "key n"},
		{`{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","kid":"short-x"}`, "short-x", jwks.ErrInvalidKey, `invalid "x" length`},
		{`{"kty":"EC","crv":"P-256","kid":"no-x"}`, "no-x", jwks.ErrInvalidKey, "field x is missing"},
		{`{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"short-ed"}`, "short-ed", jwks.ErrInvalidKey, "Ed25519 key of 3 bytes"},
		{`{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"use-number","use":5}`, "use-number", jwks.ErrInvalidKey, "key use"},
		{`{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"ops-string","key_ops":"verify"}`, "ops-string", jwks.ErrInvalidKey, "key key_ops"},
		{`{"kty":"RSA","kid":7}`, "", jwks.ErrInvalidKey, "key kid"},
		{`[1]`, "", jwks.ErrInvalidKey, "not a JSON object"},
	}
	var doc bytes.Buffer
	doc.WriteString(`{"keys":[`)
	doc.Write(good.PublicJWK())
	for _, u := range unusable {
		doc.WriteString(",")
		doc.WriteString(u.jwk)
	}
	doc.WriteString(`]}`)

	clk := jwkstest.NewClock(testStart)
	idp := newIdP(t, clk)
	idp.setBody(doc.Bytes())
	var logs syncBuffer
	var mu sync.Mutex
	var skipped []*jwks.KeyError
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		next := o.OnEvent
		o.OnEvent = func(ev jwks.Event) {
			if ev.Kind == jwks.EventKeySkipped {
				var ke *jwks.KeyError
				if !errors.As(ev.Err, &ke) {
					t.Errorf("key_skipped event without a *KeyError: %v", ev.Err)
				}
				mu.Lock()
				skipped = append(skipped, ke)
				mu.Unlock()
			}
			next(ev)
		}
	})
	tc.ready()

	// The good key verifies a token it signed.
	input := []byte("eyJhbGciOiJFUzI1NiIsImtpZCI6Imdvb2QifQ.eyJzdWIiOiJ4In0")
	sig, err := good.Sign(input)
	if err != nil {
		t.Fatal(err)
	}
	k := tc.mustKey("good")
	if err := jws.Verify(jws.ES256, k.Public, string(input), sig); err != nil {
		t.Fatalf("the good key does not verify: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(skipped) != len(unusable) {
		t.Fatalf("%d keys skipped, want %d: %v", len(skipped), len(unusable), skipped)
	}
	out := logs.String()
	for i, u := range unusable {
		ke := skipped[i]
		if ke.Index != i+1 || ke.KID != u.kid || !errors.Is(ke, u.want) || !strings.Contains(ke.Error(), u.reason) {
			t.Errorf("%s: reported as %v (index %d, kid %q), want %v with %q at index %d", u.jwk, ke, ke.Index, ke.KID, u.want, u.reason, i+1)
		}
		if !strings.Contains(out, "jwks: key skipped") || !strings.Contains(out, strings.ReplaceAll(u.reason, `"`, `\"`)) {
			t.Errorf("%s: reason %q not logged", u.jwk, u.reason)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", out)
	}
}

// A lookup that joins a fetch already running, for a kid published after
// that fetch was answered, is not left to the next scheduled refresh: a
// follow-up fetch runs at the end of the cooldown, without any further
// token, and picks the key up.
func TestCacheLateJoinerFollowUp(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	a := newECKey(t, "a")
	idp := newIdP(t, clk, a)
	tc := newTestCache(t, idp, func(o *jwks.CacheOptions) { o.MaxWait = 2 * time.Second })
	tc.ready()
	tc.quiet(cooldown)

	// The server takes its answer (the old set) when the request arrives
	// and sends it once released.
	hold := make(chan struct{})
	arrived := make(chan struct{}, 1)
	idp.configure(func(idp *testIdP) {
		old := idp.body
		idp.route = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/jwks" {
				return false
			}
			idp.jwksRequests.Add(1)
			arrived <- struct{}{}
			<-hold
			_, _ = w.Write(old)
			return true
		}
	})
	var wg sync.WaitGroup
	wg.Go(func() { _, err := tc.key("x"); wantErr(t, err, jwks.ErrKeyNotFound) })
	<-arrived
	idp.setKeys(a, newECKey(t, "n")) // published while the fetch is in flight
	wg.Go(func() { _, err := tc.key("n"); wantErr(t, err, jwks.ErrKeyNotFound) })
	if !clk.WaitForTimers(2, 10*time.Second) {
		t.Fatal("the lookups are not waiting for the fetch")
	}
	idp.configure(func(idp *testIdP) { idp.route = nil })
	close(hold)
	wg.Wait()
	tc.ev.want(t, jwks.EventNotModified) // the held answer: the old set again
	tc.park()

	if ev := tc.fetchAfter(cooldown); ev.Kind != jwks.EventFetched || ev.Added != 1 {
		t.Fatalf("follow-up fetch: %+v", ev)
	}
	tc.mustKey("n")
}
