package jwks_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// The helpers of this file drive a Cache against a real HTTP server whose
// every response the test controls (status, body, Cache-Control, ETag,
// faults), on the fake clock of jwkstest.

// testStart is the fake clock's starting time.
var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testKey is a signing key pair with a kid, published as a JWK.
type testKey struct {
	kid  string
	priv crypto.Signer
	jwk  map[string]any // the public JWK as published
}

// newECKey returns a fresh P-256 key with kid, published with extra JWK
// members (such as "alg" or "use") merged in.
func newECKey(t testing.TB, kid string, extra ...string) *testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return newTestKey(t, kid, priv, extra...)
}

// newTestKey publishes priv's public key under kid; extra is name, value
// pairs of JWK members.
func newTestKey(t testing.TB, kid string, priv crypto.Signer, extra ...string) *testKey {
	t.Helper()
	m := jwkMap(t, priv.Public())
	if kid != "" {
		m["kid"] = kid
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return &testKey{kid: kid, priv: priv, jwk: m}
}

// jwkMap renders a key as a JWK object.
func jwkMap(t testing.TB, key any) map[string]any {
	t.Helper()
	k, err := jwk.FromRaw(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// jwksDoc renders keys as a JWKS document.
func jwksDoc(t testing.TB, keys ...*testKey) []byte {
	t.Helper()
	list := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		list = append(list, k.jwk)
	}
	b, err := json.Marshal(map[string]any{"keys": list})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fault is an outage mode of a testIdP.
type fault int

const (
	faultNone     fault = iota
	faultRefuse         // the connection is closed without an answer
	faultHang           // no answer until the client gives up
	fault500            // 500 Internal Server Error
	faultGarbage        // 200 with a body that is not JSON
	faultOversize       // 200 with a 50 MB body streamed without Content-Length
	faultHugeCL         // 200 announcing 50 MB in Content-Length
	faultSlow           // 200 with the body trickling in slower than the timeout
	faultEmpty          // 200 with {"keys":[]}
	faultNoUsable       // 200 with only an encryption key
)

func (f fault) String() string {
	return [...]string{"none", "refuse", "hang", "500", "garbage", "oversize", "huge-content-length", "slow", "empty", "no-usable-key"}[f]
}

// testIdP is an HTTP server publishing a JWKS at /jwks and a discovery
// document at /.well-known/openid-configuration.
type testIdP struct {
	t   testing.TB
	srv *httptest.Server
	clk *jwkstest.Clock

	mu          sync.Mutex
	body        []byte
	header      http.Header // set on every JWKS response
	etag        bool        // send an ETag and honour If-None-Match
	lastMod     string      // send Last-Modified and honour If-Modified-Since
	fault       fault
	issuer      string // the discovery document's issuer; default: the server URL
	jwksURI     string // the discovery document's jwks_uri; default: <URL>/jwks
	discHeader  http.Header
	requestLog  []time.Time   // fake time of each JWKS request
	cacheCtl    []string      // the Cache-Control header of each JWKS request
	arrived     chan struct{} // receives on each JWKS request, when non-nil
	hangRelease chan struct{}
	route       func(w http.ResponseWriter, r *http.Request) bool // answers first when set

	jwksRequests, discRequests, ifNoneMatch, ifModifiedSince atomic.Int64
}

// newIdP starts a server publishing keys.
func newIdP(t testing.TB, clk *jwkstest.Clock, keys ...*testKey) *testIdP {
	t.Helper()
	idp := &testIdP{t: t, clk: clk, header: http.Header{}, discHeader: http.Header{}, hangRelease: make(chan struct{})}
	idp.body = jwksDoc(t, keys...)
	idp.srv = httptest.NewServer(http.HandlerFunc(idp.serve))
	t.Cleanup(func() {
		close(idp.hangRelease)
		idp.srv.CloseClientConnections()
		idp.srv.Close()
	})
	return idp
}

func (idp *testIdP) URL() string { return idp.srv.URL + "/jwks" }

// setKeys publishes keys.
func (idp *testIdP) setKeys(keys ...*testKey) { idp.setBody(jwksDoc(idp.t, keys...)) }

func (idp *testIdP) setBody(b []byte) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.body = b
}

func (idp *testIdP) setFault(f fault) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.fault = f
}

// setHeader sets a header of every JWKS response ("" deletes it).
func (idp *testIdP) setHeader(name, value string) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	if value == "" {
		idp.header.Del(name)
	} else {
		idp.header.Set(name, value)
	}
}

func (idp *testIdP) configure(f func(idp *testIdP)) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	f(idp)
}

// cacheControls returns the Cache-Control header of each JWKS request so
// far ("" when absent).
func (idp *testIdP) cacheControls() []string {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return append([]string(nil), idp.cacheCtl...)
}

// requests returns the fake times of the JWKS requests so far.
func (idp *testIdP) requests() []time.Time {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return append([]time.Time(nil), idp.requestLog...)
}

func (idp *testIdP) serve(w http.ResponseWriter, r *http.Request) {
	idp.mu.Lock()
	route := idp.route
	idp.mu.Unlock()
	if route != nil && route(w, r) {
		return
	}
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		idp.discRequests.Add(1)
		idp.mu.Lock()
		iss, uri := idp.issuer, idp.jwksURI
		for k, v := range idp.discHeader {
			w.Header()[k] = v
		}
		f := idp.fault
		idp.mu.Unlock()
		if f == fault500 {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		if iss == "" {
			iss = idp.srv.URL
		}
		if uri == "" {
			uri = idp.srv.URL + "/jwks"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": uri})
	case "/jwks":
		idp.serveJWKS(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (idp *testIdP) serveJWKS(w http.ResponseWriter, r *http.Request) {
	idp.jwksRequests.Add(1)
	idp.mu.Lock()
	if idp.clk != nil {
		idp.requestLog = append(idp.requestLog, idp.clk.Now())
	}
	idp.cacheCtl = append(idp.cacheCtl, r.Header.Get("Cache-Control"))
	body, f, etagOn, lastMod, arrived := idp.body, idp.fault, idp.etag, idp.lastMod, idp.arrived
	for k, v := range idp.header {
		w.Header()[k] = v
	}
	idp.mu.Unlock()
	if arrived != nil {
		arrived <- struct{}{}
	}
	if r.Header.Get("If-None-Match") != "" {
		idp.ifNoneMatch.Add(1)
	}
	if r.Header.Get("If-Modified-Since") != "" {
		idp.ifModifiedSince.Add(1)
	}
	switch f {
	case faultRefuse:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("no hijacker")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.(*net.TCPConn).SetLinger(0)
			_ = conn.Close()
		}
		return
	case faultHang:
		select {
		case <-r.Context().Done():
		case <-idp.hangRelease:
		}
		return
	case fault500:
		http.Error(w, "upstream <b>exploded</b>\x00\x01 with a long story that goes on and on and on and on and on", http.StatusInternalServerError)
		return
	case faultGarbage:
		_, _ = io.WriteString(w, "<html>this is not a key set</html>")
		return
	case faultOversize:
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for i := 0; i < (50<<20)/len(chunk); i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	case faultHugeCL:
		w.Header().Set("Content-Length", fmt.Sprint(50<<20))
		_, _ = w.Write([]byte(`{"keys":[`))
		return
	case faultSlow:
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		for _, b := range body {
			if _, err := w.Write([]byte{b}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-idp.hangRelease:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		return
	case faultEmpty:
		_, _ = io.WriteString(w, `{"keys":[]}`)
		return
	case faultNoUsable:
		_, _ = io.WriteString(w, `{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}`)
		return
	}
	if etagOn {
		etag := fmt.Sprintf(`"v-%x"`, hashBytes(body))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if lastMod != "" {
		w.Header().Set("Last-Modified", lastMod)
		if r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(body)
}

// hashBytes is a cheap content hash for ETags.
func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// events records what a Cache reports through OnEvent.
type events struct {
	ch     chan jwks.Event // every event but those of the request path
	counts [16]atomic.Int64
}

func newEvents() *events { return &events{ch: make(chan jwks.Event, 100000)} }

func (e *events) hook(ev jwks.Event) {
	e.counts[ev.Kind].Add(1)
	switch ev.Kind {
	case jwks.EventStaleServed, jwks.EventRefreshDeferred, jwks.EventWaitersFull, jwks.EventNegativeHit:
		// reported by lookups: counted only
	default:
		e.ch <- ev
	}
}

func (e *events) count(k jwks.EventKind) int64 { return e.counts[k].Load() }

// next returns the next event of a fetch outcome (fetched, not modified,
// failed), skipping the others, or fails the test after a real-time
// timeout.
func (e *events) next(t testing.TB) jwks.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-e.ch:
			if ev.Kind == jwks.EventKeySkipped {
				continue
			}
			return ev
		case <-timeout:
			t.Fatal("no fetch event within 10s")
			return jwks.Event{}
		}
	}
}

// want returns the next fetch event and fails unless it is of kind k.
func (e *events) want(t testing.TB, k jwks.EventKind) jwks.Event {
	t.Helper()
	ev := e.next(t)
	if ev.Kind != k {
		t.Fatalf("event %v (err %v), want %v", ev.Kind, ev.Err, k)
	}
	return ev
}

// none fails if a fetch event is pending.
func (e *events) none(t testing.TB) {
	t.Helper()
	for {
		select {
		case ev := <-e.ch:
			if ev.Kind == jwks.EventKeySkipped {
				continue
			}
			t.Fatalf("unexpected event %v (err %v)", ev.Kind, ev.Err)
		default:
			return
		}
	}
}

// testCache is a Cache under test with its clock, server and events.
type testCache struct {
	*jwks.Cache
	t        testing.TB
	clk      *jwkstest.Clock
	ev       *events
	requests func() int64 // JWKS requests the server has seen
}

// newTestCache returns a Cache on idp's /jwks with a fake clock, no jitter
// and a MaxWait of 1 ms of fake time, so that a lookup waits only for a
// fetch that starts at once (a fetch runs in real time, and nothing moves
// the fake clock while the test waits). mod adjusts the options.
func newTestCache(t testing.TB, idp *testIdP, mod func(*jwks.CacheOptions)) *testCache {
	t.Helper()
	return startTestCache(t, idp.clk, idp.jwksRequests.Load, func(o *jwks.CacheOptions) {
		o.URL = idp.URL()
		if mod != nil {
			mod(o)
		}
	})
}

// newKitCache is newTestCache for a jwkstest.Issuer, through discovery.
func newKitCache(t testing.TB, iss *jwkstest.Issuer, clk *jwkstest.Clock, mod func(*jwks.CacheOptions)) *testCache {
	t.Helper()
	return startTestCache(t, clk, func() int64 { return int64(iss.JWKSRequests()) }, func(o *jwks.CacheOptions) {
		o.Issuer = iss.URL()
		if mod != nil {
			mod(o)
		}
	})
}

func startTestCache(t testing.TB, clk *jwkstest.Clock, requests func() int64, mod func(*jwks.CacheOptions)) *testCache {
	t.Helper()
	ev := newEvents()
	o := jwks.CacheOptions{
		Clock:   clk,
		Jitter:  -1,
		MaxWait: time.Millisecond,
		Timeout: 2 * time.Second,
		OnEvent: ev.hook,
	}
	if mod != nil {
		mod(&o)
	}
	c, err := jwks.NewCache(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &testCache{Cache: c, t: t, clk: clk, ev: ev, requests: requests}
}

// ready waits for the first set and for the refresh goroutine to park. A
// machine under load can miss the short timeouts of outage tests, so a
// failed first fetch is retried a few times.
func (tc *testCache) ready() {
	tc.t.Helper()
	var err error
	for range 5 {
		if err = tc.Ready(context.Background()); err == nil {
			break
		}
	}
	if err != nil {
		tc.t.Fatalf("Ready: %v", err)
	}
	for {
		if ev := tc.ev.next(tc.t); ev.Kind == jwks.EventFetched {
			break
		}
	}
	tc.park()
}

// park waits until the refresh goroutine sleeps on its timer.
func (tc *testCache) park() {
	tc.t.Helper()
	if !tc.clk.WaitForTimers(1, 10*time.Second) {
		tc.t.Fatal("the refresh goroutine did not park on a timer")
	}
}

// fetchAfter moves the fake clock by d, which must fire the refresh
// goroutine's timer, and returns the outcome of the fetch it started once
// the goroutine has parked again.
func (tc *testCache) fetchAfter(d time.Duration) jwks.Event {
	tc.t.Helper()
	tc.clk.Advance(d)
	ev := tc.ev.next(tc.t)
	tc.park()
	return ev
}

// runUntil moves the fake clock to end in steps of 10 s, letting each
// fetch that starts finish, then discards the events.
func (tc *testCache) runUntil(end time.Time) {
	tc.t.Helper()
	for tc.clk.Now().Before(end) {
		tc.clk.Advance(min(10*time.Second, end.Sub(tc.clk.Now())))
		tc.park()
	}
	drain(tc)
}

// quiet moves the fake clock by d, which must not start a fetch.
func (tc *testCache) quiet(d time.Duration) {
	tc.t.Helper()
	before := tc.requests()
	tc.clk.Advance(d)
	tc.park()
	if n := tc.requests() - before; n != 0 {
		tc.t.Fatalf("advancing %v started %d fetches", d, n)
	}
	tc.ev.none(tc.t)
}

// key looks kid up for ES256.
func (tc *testCache) key(kid string) (*jwks.Key, error) {
	return tc.Key(context.Background(), kid, jws.ES256)
}

// mustKey fails unless kid is found.
func (tc *testCache) mustKey(kid string) *jwks.Key {
	tc.t.Helper()
	k, err := tc.key(kid)
	if err != nil {
		tc.t.Fatalf("Key(%q): %v", kid, err)
	}
	if k.ID != kid {
		tc.t.Fatalf("Key(%q) returned kid %q", kid, k.ID)
	}
	return k
}

// wantErr fails unless err matches target.
func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

// cacheGoroutines returns the stacks of goroutines running code of the
// Cache, by the frames of this package's cache and fetch code.
func cacheGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "jwks.(*Cache)") || strings.Contains(g, "core/jwks.fetch") {
			out = append(out, g)
		}
	}
	return out
}

var (
	rsaOnce sync.Once
	rsaKeys [3]*rsa.PrivateKey
	rsaErr  error
)

// rsaKey returns one of three 2048-bit RSA keys generated once per run.
func rsaKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		for j := range rsaKeys {
			if rsaKeys[j], rsaErr = rsa.GenerateKey(rand.Reader, 2048); rsaErr != nil {
				return
			}
		}
	})
	if rsaErr != nil {
		t.Fatal(rsaErr)
	}
	return rsaKeys[i]
}

// mustKey parses a test key's JWK as the cache would.
func mustKey(t testing.TB, k *testKey) *jwks.Key {
	t.Helper()
	keys, skipped, err := jwks.ParseSet(jwksDoc(t, k))
	if err != nil || len(skipped) != 0 || len(keys) != 1 {
		t.Fatalf("ParseSet: %v %v %d keys", err, skipped, len(keys))
	}
	return keys[0]
}

func runtimeGoroutines() int { return runtime.NumGoroutine() }

func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
