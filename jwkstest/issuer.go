package jwkstest

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// ErrClosed is returned by the methods of an [Issuer] that was closed.
var ErrClosed = errors.New("jwkstest: issuer closed")

// ErrNotPublished is returned, wrapped with the kid, when a key is asked
// for by a kid the issuer does not publish.
var ErrNotPublished = errors.New("jwkstest: kid not published")

// The paths, under the issuer's own path, of the two documents.
const (
	// DiscoveryPath is where discovery lives under the issuer URL (OpenID
	// Connect Discovery 1.0 §4).
	DiscoveryPath = "/.well-known/openid-configuration"
	// JWKSPath is where the JWKS lives under the JWKS listener's URL and the
	// issuer's path.
	JWKSPath = "/.well-known/jwks.json"
)

// Issuer is an OpenID Connect identity provider for tests, in the spirit of
// [net/http/httptest.Server]: real HTTP on loopback, keys it can rotate,
// tokens it mints (good and deliberately broken), an outage switch per
// endpoint, and counters of what verifiers asked.
//
// An Issuer serves on two loopback listeners, so that each endpoint can be
// refused on its own ([FaultRefuse] closes the listener):
//
//   - the issuer listener: [Issuer.URL] is "http://127.0.0.1:PORT" plus the
//     [WithPath] path, the issuer identifier, and discovery is served at
//     [Issuer.DiscoveryURL], that URL plus [DiscoveryPath];
//   - the JWKS listener, another port: the key set at [Issuer.JWKSURL],
//     served by a [jwks.Handler] (ETag, 304, Cache-Control, CORS).
//
// Issuers started with [Issuer.StartSibling] share both listeners under
// other paths. All methods are safe for concurrent use. Close releases
// everything; a closed Issuer's methods return [ErrClosed] where they can
// fail.
type Issuer struct {
	cfg        *kitConfig
	disc, keys *kitEndpoint
	url        string
	jwksURL    string
	discRoutes map[string]http.HandlerFunc
	jwksRoutes map[string]http.HandlerFunc
	handler    *jwks.Handler // the published keys
	empty      *jwks.Handler // {"keys":[]} for FaultEmpty

	mu        sync.Mutex
	published []*Key
	signer    *Key
	spare     map[jws.Algorithm]*Key // unpublished keys for Mint options, made on first use
	leased    []*rsa.PrivateKey      // RSA keys borrowed from the pool
	faults    [2]kitFaultState       // by kitDiscovery, kitJWKS
	closed    bool
	closing   chan struct{}
	inflight  sync.WaitGroup

	countMu   sync.Mutex
	counts    [2]int
	inm       []string
	countedCh chan struct{} // closed and replaced at every request counted
}

// The two endpoints, as indexes.
const (
	kitDiscovery = 0
	kitJWKS      = 1
)

type kitFaultState struct {
	fault   Fault
	release chan struct{} // closed when fault changes
}

// TB is the part of [testing.TB] that [NewIssuer] uses; *testing.T,
// *testing.B and *testing.F satisfy it. It keeps the package free of the
// testing import, so example applications can link it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// NewIssuer starts an Issuer like [Start], fails the test if it cannot, and
// closes it when the test ends.
func NewIssuer(tb TB, opts ...Option) *Issuer {
	tb.Helper()
	iss, err := Start(opts...)
	if err != nil {
		tb.Fatalf("jwkstest.NewIssuer: %v", err)
		return nil
	}
	tb.Cleanup(iss.Close)
	return iss
}

// Start starts an Issuer on two new loopback listeners. Without options it
// publishes and signs with one new RS256 key, mints tokens for
// [DefaultAudience] and [DefaultSubject] valid for [DefaultTokenLifetime]
// from the wall clock, and serves the JWKS with Cache-Control max-age of
// five minutes. The caller must Close it.
func Start(opts ...Option) (*Issuer, error) {
	cfg, err := kitNewConfig(opts)
	if err != nil {
		return nil, err
	}
	disc, err := kitNewEndpoint()
	if err != nil {
		return nil, err
	}
	keys, err := kitNewEndpoint()
	if err != nil {
		disc.leave(false)
		return nil, err
	}
	return kitStart(cfg, disc, keys)
}

// StartSibling starts another Issuer on the same two listeners as iss,
// under another path given with [WithPath] (the options are not inherited),
// for tests that need several issuers on one host, as with Keycloak realms.
// Siblings share listeners, so a [FaultRefuse] of one refuses the endpoint
// for all; other faults, keys and counters are each issuer's own. Each
// sibling must be closed; the listeners close with the last one.
func (iss *Issuer) StartSibling(opts ...Option) (*Issuer, error) {
	cfg, err := kitNewConfig(opts)
	if err != nil {
		return nil, err
	}
	iss.mu.Lock()
	if iss.closed {
		iss.mu.Unlock()
		return nil, ErrClosed
	}
	iss.disc.acquire()
	iss.keys.acquire()
	iss.mu.Unlock()
	return kitStart(cfg, iss.disc, iss.keys)
}

func kitStart(cfg *kitConfig, disc, keys *kitEndpoint) (_ *Issuer, err error) {
	iss := &Issuer{
		cfg:       cfg,
		disc:      disc,
		keys:      keys,
		url:       disc.url() + cfg.path,
		jwksURL:   keys.url() + cfg.path + JWKSPath,
		spare:     map[jws.Algorithm]*Key{},
		closing:   make(chan struct{}),
		countedCh: make(chan struct{}),
	}
	for i := range iss.faults {
		iss.faults[i].release = make(chan struct{})
	}
	defer func() {
		if err != nil {
			disc.leave(false)
			keys.leave(false)
			for _, k := range iss.leased {
				kitReturnRSA(k)
			}
		}
	}()
	hcfg := jwks.HandlerConfig{MaxAge: cfg.maxAge, NoStore: cfg.noStore}
	if iss.handler, err = jwks.NewHandler(hcfg); err != nil {
		return nil, fmt.Errorf("jwkstest: %w", err)
	}
	if iss.empty, err = jwks.NewHandler(hcfg); err != nil {
		return nil, fmt.Errorf("jwkstest: %w", err)
	}
	initial := cfg.keys
	if initial == nil {
		for _, alg := range cfg.algs {
			k, err := iss.GenerateKey(alg)
			if err != nil {
				return nil, err
			}
			initial = append(initial, k)
		}
	}
	for _, k := range initial {
		if err := iss.AddKey(k); err != nil {
			return nil, err
		}
	}
	iss.signer = initial[0]

	iss.discRoutes = map[string]http.HandlerFunc{cfg.path + DiscoveryPath: iss.serveDiscovery}
	iss.jwksRoutes = map[string]http.HandlerFunc{cfg.path + JWKSPath: iss.serveJWKS}
	if err := disc.route(iss.discRoutes); err != nil {
		return nil, err
	}
	if err := keys.route(iss.jwksRoutes); err != nil {
		disc.unroute(iss.discRoutes)
		return nil, err
	}
	return iss, nil
}

// URL returns the issuer identifier: "http://127.0.0.1:PORT" plus the
// [WithPath] path. It is the "iss" of minted tokens and the "issuer" of the
// discovery document (unless [WithDiscoveryIssuer]).
func (iss *Issuer) URL() string { return iss.url }

// DiscoveryURL returns the URL of the discovery document, [Issuer.URL] plus
// [DiscoveryPath].
func (iss *Issuer) DiscoveryURL() string { return iss.url + DiscoveryPath }

// JWKSURL returns the URL of the key set, on the JWKS listener; it is the
// discovery document's "jwks_uri".
func (iss *Issuer) JWKSURL() string { return iss.jwksURL }

// Close shuts the issuer down: hanging and trickling requests are ended,
// borrowed RSA keys go back to the kit's pool (keys obtained from this
// issuer must not be used afterwards), and when no sibling remains, the
// listeners close. Close returns once every request handler and connection
// of the issuer has finished. It may be called more than once.
func (iss *Issuer) Close() {
	iss.mu.Lock()
	if iss.closed {
		iss.mu.Unlock()
		return
	}
	iss.closed = true
	close(iss.closing)
	refDisc := iss.faults[kitDiscovery].fault == FaultRefuse
	refJWKS := iss.faults[kitJWKS].fault == FaultRefuse
	leased := iss.leased
	iss.leased = nil
	iss.mu.Unlock()

	iss.disc.unroute(iss.discRoutes)
	iss.keys.unroute(iss.jwksRoutes)
	iss.inflight.Wait()
	iss.disc.leave(refDisc)
	iss.keys.leave(refJWKS)
	for _, k := range leased {
		kitReturnRSA(k)
	}
}

// enter registers a request handler, unless the issuer is closed.
func (iss *Issuer) enter() bool {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.closed {
		return false
	}
	iss.inflight.Add(1)
	return true
}

// GenerateKey returns a new key for alg that the issuer does not publish;
// [Issuer.AddKey] publishes it. RSA keys have the [WithRSABits] size and
// are borrowed from the kit's pool until Close, so they are distinct from
// the keys of every other open issuer.
func (iss *Issuer) GenerateKey(alg jws.Algorithm) (*Key, error) {
	priv, err := kitGenerate(alg, iss.cfg.rsaBits)
	if err != nil {
		return nil, err
	}
	if r, ok := priv.(*rsa.PrivateKey); ok {
		iss.mu.Lock()
		if iss.closed {
			iss.mu.Unlock()
			kitReturnRSA(r)
			return nil, ErrClosed
		}
		iss.leased = append(iss.leased, r)
		iss.mu.Unlock()
	}
	return NewKeyFromSigner("", alg, priv)
}

// AddKey publishes k in the JWKS, after the keys already published. It does
// not change the signing key.
func (iss *Issuer) AddKey(k *Key) error {
	if k == nil {
		return fmt.Errorf("%w: nil key", ErrUnsupported)
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.closed {
		return ErrClosed
	}
	if err := iss.handler.AddKey(k.Published()); err != nil {
		return fmt.Errorf("jwkstest: %w", err)
	}
	iss.published = append(iss.published, k)
	return nil
}

// UseKey makes the published key kid the signing key of minted tokens.
func (iss *Issuer) UseKey(kid string) error {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.closed {
		return ErrClosed
	}
	for _, k := range iss.published {
		if k.kid == kid {
			iss.signer = k
			return nil
		}
	}
	return fmt.Errorf("%w: %q", ErrNotPublished, kid)
}

// Rotate generates a key for alg ([jws.Unknown]: the signing key's
// algorithm), publishes it, and makes it the signing key. The previous key
// stays published until [Issuer.RemoveKey], as an identity provider keeps it
// while tokens it signed are still valid.
func (iss *Issuer) Rotate(alg jws.Algorithm) (*Key, error) {
	if alg == jws.Unknown {
		alg = iss.SigningKey().Algorithm()
	}
	k, err := iss.GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	if err := iss.AddKey(k); err != nil {
		return nil, err
	}
	if err := iss.UseKey(k.kid); err != nil {
		return nil, err
	}
	return k, nil
}

// RemoveKey withdraws the key kid from the JWKS. Removing the signing key is
// allowed: the issuer keeps signing with it, so that its tokens carry a kid
// that is no longer published, as after a hasty key revocation.
func (iss *Issuer) RemoveKey(kid string) error {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if iss.closed {
		return ErrClosed
	}
	for i, k := range iss.published {
		if k.kid == kid {
			iss.handler.RemoveKey(kid)
			iss.published = append(iss.published[:i:i], iss.published[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("%w: %q", ErrNotPublished, kid)
}

// SigningKey returns the key minted tokens are signed with.
func (iss *Issuer) SigningKey() *Key {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.signer
}

// PublishedKIDs returns the kids of the published keys, in publication
// order.
func (iss *Issuer) PublishedKIDs() []string { return iss.handler.KeyIDs() }

// PublishedKey returns the published key kid.
func (iss *Issuer) PublishedKey(kid string) (*Key, error) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	for _, k := range iss.published {
		if k.kid == kid {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNotPublished, kid)
}

// spareKey returns the issuer's unpublished key for alg, made on first use
// and reused, for the Mint options that sign with a key nobody publishes.
func (iss *Issuer) spareKey(alg jws.Algorithm) (*Key, error) {
	iss.mu.Lock()
	k := iss.spare[alg]
	iss.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, err := iss.GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	if prev := iss.spare[alg]; prev != nil {
		return prev, nil // another Mint won; k's RSA material stays leased until Close
	}
	iss.spare[alg] = k
	return k, nil
}

// kitDiscoveryDoc is the discovery document (OpenID Connect Discovery 1.0
// §3), members in a fixed order.
type kitDiscoveryDoc struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	ResponseTypes         []string `json:"response_types_supported"`
	SubjectTypes          []string `json:"subject_types_supported"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
}

// discoveryDocument renders the discovery document. The authorization and
// token endpoints are placeholders: nothing answers there.
func (iss *Issuer) discoveryDocument() []byte {
	iss.mu.Lock()
	var set jws.AlgorithmSet
	for _, k := range iss.published {
		set = set.With(k.alg)
	}
	iss.mu.Unlock()
	algs := []string{}
	for _, a := range set.List() {
		algs = append(algs, a.String())
	}
	if len(algs) == 0 {
		algs = append(algs, jws.RS256.String()) // required to be listed (Discovery §3)
	}
	issuer := iss.url
	if iss.cfg.discIssuer != "" {
		issuer = iss.cfg.discIssuer
	}
	b, _ := json.Marshal(kitDiscoveryDoc{ // cannot fail: strings only
		Issuer:                issuer,
		AuthorizationEndpoint: iss.url + "/authorize",
		TokenEndpoint:         iss.url + "/token",
		JWKSURI:               iss.jwksURL,
		ResponseTypes:         []string{"code"},
		SubjectTypes:          []string{"public"},
		SigningAlgs:           algs,
	})
	return b
}

func (iss *Issuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	iss.serve(kitDiscovery, w, r)
}

func (iss *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	iss.serve(kitJWKS, w, r)
}

func (iss *Issuer) serve(which int, w http.ResponseWriter, r *http.Request) {
	if !iss.enter() {
		http.Error(w, "issuer closed", http.StatusServiceUnavailable)
		return
	}
	defer iss.inflight.Done()
	iss.count(which, r)
	if iss.fault(which, w, r) {
		iss.serveNormal(which, w, r)
	}
}

// serveNormal serves the endpoint's document without any fault.
func (iss *Issuer) serveNormal(which int, w http.ResponseWriter, r *http.Request) {
	if which == kitJWKS {
		iss.handler.ServeHTTP(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	default:
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	doc := iss.discoveryDocument()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Content-Length", fmt.Sprint(len(doc)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(doc)
	}
}

// count records a request to an endpoint.
func (iss *Issuer) count(which int, r *http.Request) {
	iss.countMu.Lock()
	defer iss.countMu.Unlock()
	iss.counts[which]++
	if which == kitJWKS {
		iss.inm = append(iss.inm, r.Header.Values("If-None-Match")...)
	}
	close(iss.countedCh)
	iss.countedCh = make(chan struct{})
}

// JWKSRequests returns how many requests reached the JWKS endpoint since
// the start or [Issuer.ResetCounters], whatever their method or outcome. A
// connection refused by [FaultRefuse] is not a request.
func (iss *Issuer) JWKSRequests() int {
	iss.countMu.Lock()
	defer iss.countMu.Unlock()
	return iss.counts[kitJWKS]
}

// DiscoveryRequests returns how many requests reached the discovery
// endpoint since the start or [Issuer.ResetCounters].
func (iss *Issuer) DiscoveryRequests() int {
	iss.countMu.Lock()
	defer iss.countMu.Unlock()
	return iss.counts[kitDiscovery]
}

// IfNoneMatch returns the If-None-Match values the JWKS endpoint received,
// one per header line, in arrival order, since the start or
// [Issuer.ResetCounters]. Requests without the header add nothing.
func (iss *Issuer) IfNoneMatch() []string {
	iss.countMu.Lock()
	defer iss.countMu.Unlock()
	return append([]string(nil), iss.inm...)
}

// ResetCounters sets the request counters to zero and forgets the
// If-None-Match values.
func (iss *Issuer) ResetCounters() {
	iss.countMu.Lock()
	defer iss.countMu.Unlock()
	iss.counts = [2]int{}
	iss.inm = nil
}

// WaitJWKSRequests waits until [Issuer.JWKSRequests] is at least n, for at
// most timeout of real time, and reports whether it is. The request has
// reached the issuer, not necessarily been answered: with [FaultHang] it is
// hanging.
func (iss *Issuer) WaitJWKSRequests(n int, timeout time.Duration) bool {
	return iss.waitCount(kitJWKS, n, timeout)
}

// WaitDiscoveryRequests is [Issuer.WaitJWKSRequests] for the discovery
// endpoint.
func (iss *Issuer) WaitDiscoveryRequests(n int, timeout time.Duration) bool {
	return iss.waitCount(kitDiscovery, n, timeout)
}

func (iss *Issuer) waitCount(which, n int, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		iss.countMu.Lock()
		done, ch := iss.counts[which] >= n, iss.countedCh
		iss.countMu.Unlock()
		if done {
			return true
		}
		select {
		case <-ch:
		case <-t.C:
			return false
		}
	}
}
