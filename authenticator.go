package jwksauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"

	"github.com/jwksauth/jwksauth/core/claims"
	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/core/dpop"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/core/store"
)

// Claims are the verified claims of a token; see [claims.Claims]. They are
// immutable and may be shared: a cached verification hands the same *Claims
// to every request that carries the same token.
type Claims = claims.Claims

// Authenticator verifies bearer tokens against the configured issuers. It is
// safe for concurrent use; create one with [New] and release its background
// key refreshes with [Authenticator.Close].
type Authenticator struct {
	issuers      map[string]*issuer
	single       *issuer // the only issuer, when there is one
	clock        clock.Clock
	logger       *slog.Logger
	realm        string
	maxTokenSize int
	cookie       string
	query        string
	parsers      sync.Pool // *jws.Parser
	tokens       *tokenCache
	// routeDecode decodes a token before its issuer is known: the
	// issuers' common options when they all read the same scope claims,
	// else options that read no scope claim (the routed issuer's own
	// options then decode the claims again).
	routeDecode *claims.DecodeOptions
	// verify checks a token's signature: verifyWith, except in the
	// benchmark that times everything but the signature.
	verify func(*jwks.Key, *jws.Token) error

	closeOnce sync.Once

	// resource is the protected-resource configuration (RFC 9728), nil
	// when none is configured; resourceMetadataURL is the
	// resource_metadata attribute of challenges.
	resource            *resourceState
	resourceMetadataURL string

	// DPoP and revocation (see dpop.go): dpop is nil when no issuer takes
	// DPoP; revocation is nil when none is configured.
	dpop             *dpop.Verifier
	dpopAlgs         string // the algs attribute of DPoP challenges
	trustForwarded   bool
	revocation       store.Revocation
	revocationPolicy store.RevocationPolicy

	// Multi-tenant issuers (see tenant.go) and the per-request filter.
	cfg            Config // for the issuers of tenants, created on demand
	templates      []*tenantSet
	requestIssuers func(host, path, iss string) bool
}

// issuer is one configured issuer, ready for the hot path.
type issuer struct {
	url        string
	keys       jwks.Source
	cache      *jwks.Cache // nil for a static or caller-supplied source
	algs       jws.AlgorithmSet
	typ        string
	decode     claims.DecodeOptions
	validation *claims.Validation
	dpop       DPoPMode
}

// New validates cfg and returns an Authenticator. It starts each remote
// issuer's key cache in the background but performs no network I/O itself:
// an identity provider that is down does not make New fail (requests answer
// 503 until keys arrive). Call [Authenticator.Ready] to wait for the keys,
// e.g. in a readiness probe.
func New(cfg Config) (*Authenticator, error) {
	if len(cfg.Issuers) == 0 && len(cfg.IssuerTemplates) == 0 {
		return nil, fmt.Errorf("%w: no issuer configured", ErrConfig)
	}
	if cfg.MaxTokenSize < 0 {
		return nil, fmt.Errorf("%w: MaxTokenSize %d is negative", ErrConfig, cfg.MaxTokenSize)
	}
	a := &Authenticator{
		issuers:      make(map[string]*issuer, len(cfg.Issuers)),
		clock:        clock.OrReal(cfg.Clock),
		logger:       cfg.Logger,
		realm:        cfg.Realm,
		maxTokenSize: cfg.MaxTokenSize,
		cookie:       cfg.TokenCookie,
		query:        cfg.TokenQuery,
		verify:       verifyWith,
	}
	if a.maxTokenSize == 0 {
		a.maxTokenSize = DefaultMaxTokenSize
	}
	if a.logger == nil {
		a.logger = slog.New(slog.DiscardHandler)
	}
	res, resURL, err := newResource(&cfg)
	if err != nil {
		return nil, err
	}
	a.resource, a.resourceMetadataURL = res, resURL
	a.revocation, a.revocationPolicy = cfg.Revocation, cfg.RevocationPolicy
	if a.revocationPolicy > store.FailOpen {
		return nil, fmt.Errorf("%w: RevocationPolicy %d", ErrConfig, a.revocationPolicy)
	}
	a.cfg, a.requestIssuers = cfg, cfg.RequestIssuers
	for _, t := range cfg.IssuerTemplates {
		ts, err := newTenantSet(t)
		if err != nil {
			return nil, err
		}
		a.templates = append(a.templates, ts)
	}
	dpopIssuers := slices.Clone(cfg.Issuers)
	for _, t := range cfg.IssuerTemplates {
		dpopIssuers = append(dpopIssuers, Issuer{URL: t.Pattern, DPoP: t.Issuer.DPoP})
	}
	for _, ic := range dpopIssuers {
		if ic.DPoP > DPoPRequired {
			return nil, fmt.Errorf("%w: issuer %q: DPoP mode %d", ErrConfig, ic.URL, ic.DPoP)
		}
		if ic.DPoP != DPoPDisabled && a.dpop == nil {
			replay := cfg.Replay
			if replay == nil {
				replay = store.NewMemory(store.MemoryOptions{Clock: a.clock})
			}
			if a.dpop, err = newDPoP(&cfg, replay); err != nil {
				return nil, err
			}
			a.trustForwarded = cfg.DPoP.TrustForwarded
			a.dpopAlgs = algNames(a.dpop.Algorithms())
		}
	}
	maxSize := a.maxTokenSize
	a.parsers.New = func() any { return &jws.Parser{MaxTokenSize: maxSize} }
	for i := range cfg.Issuers {
		// A duplicate is refused before its key cache is started.
		if _, dup := a.issuers[cfg.Issuers[i].URL]; dup {
			a.Close()
			return nil, fmt.Errorf("%w: issuer %q configured twice", ErrConfig, cfg.Issuers[i].URL)
		}
		iss, err := newIssuer(&cfg, &cfg.Issuers[i], a)
		if err != nil {
			// newIssuer closed what it started; a.Close stops the
			// issuers before this one.
			a.Close()
			return nil, fmt.Errorf("issuer %d (%q): %w", i, cfg.Issuers[i].URL, err)
		}
		a.issuers[iss.url] = iss
	}
	if len(a.issuers) == 1 {
		for _, iss := range a.issuers {
			a.single = iss
		}
	}
	a.routeDecode = routeDecodeOptions(a.issuers, cfg.IssuerTemplates)
	tc, err := newTokenCache(cfg.TokenCache, a.clock)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.tokens = tc
	return a, nil
}

func newIssuer(cfg *Config, ic *Issuer, a *Authenticator) (*issuer, error) {
	if ic.URL == "" {
		return nil, fmt.Errorf("%w: URL is required", ErrConfig)
	}
	requireResource := cfg.Resource.RequireAudience && cfg.Resource.URI != ""
	if len(ic.Audiences) == 0 && !ic.InsecureSkipAudience && !requireResource {
		return nil, fmt.Errorf("%w: no audience configured; set Audiences (or InsecureSkipAudience to accept tokens meant for any service)", ErrConfig)
	}
	if slices.Contains(ic.Audiences, "") {
		return nil, fmt.Errorf("%w: empty audience", ErrConfig)
	}
	iss := &issuer{url: ic.URL, typ: ic.TokenType, dpop: ic.DPoP}

	// Algorithms: asymmetric by default; symmetric only when asked for by
	// name and backed by a symmetric key in a static source.
	iss.algs = jws.Asymmetric
	if len(ic.Algorithms) > 0 {
		iss.algs = 0
		for _, name := range ic.Algorithms {
			alg := jws.ParseAlgorithm(name)
			if alg == jws.Unknown || alg == jws.None {
				return nil, fmt.Errorf("%w: algorithm %q is not supported", ErrConfig, name)
			}
			iss.algs = iss.algs.With(alg)
		}
	}

	switch {
	case ic.Keys != nil:
		if ic.JWKSURL != "" {
			return nil, fmt.Errorf("%w: both Keys and JWKSURL set", ErrConfig)
		}
		iss.keys = ic.Keys
	default:
		opts := ic.Cache
		if opts.Issuer != "" || opts.URL != "" {
			return nil, fmt.Errorf("%w: set Issuer.URL and Issuer.JWKSURL, not Cache.Issuer or Cache.URL", ErrConfig)
		}
		if ic.JWKSURL != "" {
			opts.URL = ic.JWKSURL
		} else {
			opts.Issuer = ic.URL
		}
		if opts.HTTPClient == nil {
			opts.HTTPClient = cfg.HTTPClient
		}
		if opts.Clock == nil {
			opts.Clock = a.clock
		}
		if opts.Logger == nil {
			opts.Logger = a.logger
		}
		c, err := jwks.NewCache(opts)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		iss.keys, iss.cache = c, c
	}
	if iss.algs.Intersect(jws.Symmetric) != 0 {
		if _, static := iss.keys.(*jwks.Static); !static {
			iss.close()
			return nil, fmt.Errorf("%w: HMAC algorithms need a static symmetric key in Keys", ErrConfig)
		}
	}

	// The effective list, never nil: nil means the default claims, and an
	// empty list means none, so the two must not be confused later.
	iss.decode = claims.DecodeOptions{ScopeClaims: effectiveScopeClaims(ic.ScopeClaims)}
	validators := make([]func(*claims.Claims) error, len(ic.Validators))
	copy(validators, ic.Validators)
	v, err := claims.NewValidation(claims.ValidationOptions{
		Issuer:               ic.URL,
		Audiences:            slices.Clone(ic.Audiences),
		InsecureSkipAudience: ic.InsecureSkipAudience,
		Resource:             resourceAudience(cfg),
		Leeway:               ic.Leeway,
		MaxAge:               ic.MaxAge,
		RequiredClaims:       slices.Clone(ic.RequiredClaims),
		Validators:           validators,
	})
	if err != nil {
		iss.close()
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	iss.validation = v
	return iss, nil
}

// resourceAudience is the audience every token must contain because of
// [ResourceConfig].RequireAudience, or "".
func resourceAudience(cfg *Config) string {
	if cfg.Resource.RequireAudience {
		return cfg.Resource.URI
	}
	return ""
}

func (iss *issuer) close() {
	if iss.cache != nil {
		_ = iss.cache.Close()
	}
}

// Authenticate verifies token and returns its claims. On failure the error
// wraps one of the package's sentinels (see [AnswerFor] for the HTTP answer);
// its message is precise, for logs, and never contains the token.
//
// ctx bounds the wait for a key-set refresh that an unknown kid may trigger.
//
// Authenticate keeps nothing of token after it returns: the claims are
// copies, and the verified-token cache clones what it stores. Adapters may
// therefore pass a zero-copy view of a request buffer that the framework
// reuses (Fiber does).
func (a *Authenticator) Authenticate(ctx context.Context, token string) (*Claims, error) {
	c, err := a.verifyToken(ctx, token, nil)
	if err == nil && (a.dpop != nil || a.revocation != nil) {
		// No request, so no DPoP proof: a DPoP-bound token is refused.
		err = a.afterVerify(ctx, c, token, false, nil)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// verifyToken is the verification of Authenticate: signature and claims.
// cr, when not nil, is the request, for [Config].RequestIssuers.
func (a *Authenticator) verifyToken(ctx context.Context, token string, cr *Credentials) (*Claims, error) {
	now := a.clock.Now()
	if c, ok := a.tokens.lookup(token, now, a); ok {
		if err := a.requestAccepts(cr, c.Issuer); err != nil {
			return nil, err
		}
		return c, nil
	}

	p := a.parsers.Get().(*jws.Parser)
	defer a.parsers.Put(p)
	tok, err := p.Parse(token)
	if err != nil {
		return nil, err
	}

	// Route by the unverified iss, so that no network I/O ever happens for
	// an issuer nobody configured.
	iss, c, err := a.route(tok.Payload)
	if err != nil {
		return nil, err
	}
	if err := a.requestAccepts(cr, iss.url); err != nil {
		return nil, err
	}
	if !iss.algs.Has(tok.Header.Alg) {
		return nil, fmt.Errorf("%w: %s is not allowed for this issuer", ErrAlgorithm, tok.Header.Alg)
	}
	key, err := iss.keys.Key(ctx, tok.Header.KeyID, tok.Header.Alg)
	if err != nil {
		return nil, err
	}
	if err := a.verify(key, tok); err != nil {
		return nil, err
	}
	if iss.typ != "" && !tok.Header.TypeIs(iss.typ) {
		return nil, fmt.Errorf("%w: typ does not match the required %q", ErrTokenType, iss.typ)
	}
	if err := iss.validation.Validate(c, now); err != nil {
		return nil, err
	}
	a.tokens.store(token, c, iss, key)
	return c, nil
}

// verifyWith checks the token's signature with key.
func verifyWith(key *jwks.Key, tok *jws.Token) error {
	if !key.Verifies(tok.Header.Alg) {
		return fmt.Errorf("%w: the key does not allow %s", ErrAlgorithm, tok.Header.Alg)
	}
	if key.Secret != nil {
		return jws.VerifyHMAC(tok.Header.Alg, key.Secret, tok.SigningInput, tok.Signature)
	}
	return jws.Verify(tok.Header.Alg, key.Public, tok.SigningInput, tok.Signature)
}

// scopeFree decodes claims without reading any scope claim: what a token is
// routed with when the issuers read different scope claims.
var scopeFree = claims.DecodeOptions{ScopeClaims: []string{}}

// routeDecodeOptions returns the options a token is decoded with before its
// issuer is known: the issuers' common options when every issuer, and every
// issuer a template may create, reads the same scope claims (one decode),
// else scopeFree, so that no issuer's token is held to another issuer's
// scope claims or their types.
func routeDecodeOptions(issuers map[string]*issuer, templates []IssuerTemplate) *claims.DecodeOptions {
	var common *claims.DecodeOptions
	for _, iss := range issuers {
		if common == nil {
			common = &iss.decode
		} else if !slices.Equal(common.ScopeClaims, iss.decode.ScopeClaims) {
			return &scopeFree
		}
	}
	for _, t := range templates {
		list := effectiveScopeClaims(t.Issuer.ScopeClaims)
		if common == nil {
			common = &claims.DecodeOptions{ScopeClaims: list}
		} else if !slices.Equal(common.ScopeClaims, list) {
			return &scopeFree
		}
	}
	if common == nil {
		return &scopeFree
	}
	return common
}

// effectiveScopeClaims is the list of scope claims an issuer reads: the
// default for nil, none for an empty list. It is never nil, so that the two
// cannot be confused when lists are compared.
func effectiveScopeClaims(list []string) []string {
	if list == nil {
		return claims.DefaultScopeClaims()
	}
	return slices.Clone(list)
}

// route decodes the claims and selects the issuer named by iss; the claims
// returned are decoded with that issuer's own options.
func (a *Authenticator) route(payload []byte) (*issuer, *Claims, error) {
	c, err := claims.Decode(payload, a.routeDecode)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTokenMalformed, err)
	}
	iss := a.single
	if iss == nil || iss.url != c.Issuer {
		if iss, err = a.issuerFor(c.Issuer); err != nil {
			return nil, nil, err
		}
	}
	// The routed issuer's own scope claims, whenever they are not the ones
	// the token was routed with (compared as effective lists: nil never
	// stands for the default here).
	if &iss.decode != a.routeDecode && !slices.Equal(iss.decode.ScopeClaims, a.routeDecode.ScopeClaims) {
		if c, err = claims.Decode(payload, &iss.decode); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrTokenMalformed, err)
		}
	}
	return iss, c, nil
}

// Ready fetches every remote issuer's keys that are not loaded yet and
// returns the first error, or nil when every issuer has usable keys. Use it
// in a readiness probe or at startup; requests do not need it.
func (a *Authenticator) Ready(ctx context.Context) error {
	var errs []error
	for _, iss := range a.issuers {
		if iss.cache == nil {
			continue
		}
		if err := iss.cache.Ready(ctx); err != nil {
			errs = append(errs, fmt.Errorf("issuer %q: %w", iss.url, err))
		}
	}
	return errors.Join(errs...)
}

// Close stops every background key refresh and the token cache's
// maintenance. Authenticate must not be called after Close.
func (a *Authenticator) Close() error {
	a.closeOnce.Do(func() {
		for _, iss := range a.issuers {
			iss.close()
		}
		for _, ts := range a.templates {
			ts.close()
		}
		if a.tokens != nil {
			a.tokens.close()
		}
	})
	return nil
}

// Realm returns the configured realm of challenges ([Config.Realm]).
func (a *Authenticator) Realm() string { return a.realm }

// TokenCookie returns the name of the cookie that may carry the token, or "".
func (a *Authenticator) TokenCookie() string { return a.cookie }

// TokenQuery returns the name of the query parameter that may carry the
// token, or "" when tokens in URLs are disabled.
func (a *Authenticator) TokenQuery() string { return a.query }

// Answer returns the HTTP answer to err under the configured realm and
// resource ([AnswerOptions]); see [AnswerWith].
func (a *Authenticator) Answer(err error) Answer { return AnswerWith(err, a.AnswerOptions()) }

// AnswerOptions returns the configured attributes of answers: the realm
// ([Config.Realm]) and the resource_metadata URL ([ResourceConfig]).
// Adapters that take a realm of their own replace Realm.
func (a *Authenticator) AnswerOptions() AnswerOptions {
	o := AnswerOptions{Realm: a.realm, ResourceMetadata: a.resourceMetadataURL}
	if a.dpop != nil {
		o.DPoPAlgs = a.dpopAlgs
		o.DPoPNonce = a.DPoPNonce()
	}
	return o
}

// WriteError writes the answer to err on w under the configured realm and
// resource ([Authenticator.Answer]).
func (a *Authenticator) WriteError(w http.ResponseWriter, err error) { a.Answer(err).Write(w) }
