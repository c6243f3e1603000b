package jwksauth

import (
	"container/list"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jwksauth/jwksauth/core/claims"
)

// Defaults of [IssuerTemplate].
const (
	// DefaultMaxTenants bounds the tenants of a template when
	// [IssuerTemplate].MaxTenants is zero: 1,000.
	DefaultMaxTenants = 1000
	// DefaultTenantIdle is how long an unused tenant keeps its key cache
	// when [IssuerTemplate].IdleTimeout is zero: one hour.
	DefaultTenantIdle = time.Hour
)

// TenantPlaceholder is the placeholder of [IssuerTemplate].Pattern.
const TenantPlaceholder = "{tenant}"

// IssuerTemplate accepts the tokens of a multi-tenant provider whose issuer
// URL names the tenant, such as Entra ID's
// "https://login.microsoftonline.com/{tenant}/v2.0": a token whose iss
// matches the pattern, for a tenant the template accepts, is routed to that
// tenant's issuer, created on first use (with its own key cache) and kept in
// a bounded set. A tenant that is not accepted is rejected (401
// issuer_invalid) before any network request.
type IssuerTemplate struct {
	// Pattern is the issuer URL with one [TenantPlaceholder], e.g.
	// "https://login.microsoftonline.com/{tenant}/v2.0". Required; https
	// (or http on loopback, or with Issuer.Cache.InsecureAllowHTTP).
	Pattern string

	// Tenants is the allowlist of tenant identifiers. Either Tenants or
	// Accept is required: a template never accepts any tenant by default.
	Tenants []string

	// Accept decides which tenants are accepted, for lists too large or
	// too dynamic for Tenants (a database of customers). It runs on the
	// request path for a tenant not yet in the set, so it must be fast; it
	// must not block on the network for an attacker's tenant. Default:
	// only Tenants.
	Accept func(tenant string) bool

	// TenantClaim, when set, names a claim that must equal the tenant,
	// e.g. "tid" for Entra ID (401 claim_invalid otherwise). Default: none.
	TenantClaim string

	// Issuer holds every other setting of each tenant's issuer
	// (Audiences, Algorithms, Leeway, TokenType, ScopeClaims, DPoP, Cache,
	// …). Its URL, JWKSURL and Keys must be empty: the URL comes from the
	// pattern and the keys from each tenant's discovery.
	Issuer Issuer

	// MaxTenants bounds the tenants whose issuer is kept; the least
	// recently used one is closed beyond it. Default: [DefaultMaxTenants].
	MaxTenants int

	// IdleTimeout closes a tenant's issuer unused for that long. Default:
	// [DefaultTenantIdle].
	IdleTimeout time.Duration
}

// tenantSet is one template, ready to route.
type tenantSet struct {
	prefix, suffix string
	allow          map[string]bool
	accept         func(string) bool
	claim          string
	base           Issuer
	max            int
	idle           time.Duration

	mu    sync.Mutex
	byURL map[string]*list.Element // of *tenant
	lru   *list.List               // most recent first
}

type tenant struct {
	url      string
	iss      *issuer
	lastUsed time.Time
}

func newTenantSet(t IssuerTemplate) (*tenantSet, error) {
	prefix, suffix, ok := strings.Cut(t.Pattern, TenantPlaceholder)
	switch {
	case !ok || strings.Contains(suffix, TenantPlaceholder):
		return nil, fmt.Errorf("%w: pattern %q must contain %s exactly once", ErrConfig, t.Pattern, TenantPlaceholder)
	case len(t.Tenants) == 0 && t.Accept == nil:
		return nil, fmt.Errorf("%w: pattern %q: set Tenants or Accept (a template never accepts every tenant)", ErrConfig, t.Pattern)
	case t.Issuer.URL != "" || t.Issuer.JWKSURL != "" || t.Issuer.Keys != nil:
		return nil, fmt.Errorf("%w: pattern %q: Issuer.URL, JWKSURL and Keys come from the pattern", ErrConfig, t.Pattern)
	case t.MaxTenants < 0 || t.IdleTimeout < 0:
		return nil, fmt.Errorf("%w: pattern %q: negative MaxTenants or IdleTimeout", ErrConfig, t.Pattern)
	}
	ts := &tenantSet{
		prefix: prefix, suffix: suffix, accept: t.Accept, claim: t.TenantClaim, base: t.Issuer,
		max: t.MaxTenants, idle: t.IdleTimeout,
		byURL: map[string]*list.Element{}, lru: list.New(),
	}
	if ts.max == 0 {
		ts.max = DefaultMaxTenants
	}
	if ts.idle == 0 {
		ts.idle = DefaultTenantIdle
	}
	if len(t.Tenants) > 0 {
		ts.allow = map[string]bool{}
		for _, id := range t.Tenants {
			if !validTenant(id) {
				return nil, fmt.Errorf("%w: pattern %q: tenant %q (letters, digits, '.', '_', '-'; at most 128)", ErrConfig, t.Pattern, id)
			}
			ts.allow[id] = true
		}
	}
	return ts, nil
}

// validTenant keeps tenant identifiers to a syntax that cannot change the
// shape of the issuer URL (no '/', '?', '#', '@', '%', ':').
func validTenant(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return s != "." && s != ".."
}

// match returns the tenant of iss, when iss matches the pattern.
func (ts *tenantSet) match(iss string) (string, bool) {
	if len(iss) <= len(ts.prefix)+len(ts.suffix) || !strings.HasPrefix(iss, ts.prefix) || !strings.HasSuffix(iss, ts.suffix) {
		return "", false
	}
	return iss[len(ts.prefix) : len(iss)-len(ts.suffix)], true
}

// issuerFor returns the issuer configured for url, or the tenant issuer of
// a template that accepts it, created on first use. It does no network
// I/O for a tenant it refuses.
func (a *Authenticator) issuerFor(url string) (*issuer, error) {
	if iss := a.issuers[url]; iss != nil {
		return iss, nil
	}
	for _, ts := range a.templates {
		id, ok := ts.match(url)
		if !ok {
			continue
		}
		if !validTenant(id) || !(ts.allow[id] || ts.accept != nil && ts.accept(id)) {
			return nil, fmt.Errorf("%w: the token's tenant is not accepted", ErrIssuer)
		}
		return ts.get(a, url, id)
	}
	return nil, fmt.Errorf("%w: the token's iss names no configured issuer", ErrIssuer)
}

// get returns the tenant's issuer, creating it (and evicting beyond the
// bounds) under the set's lock.
func (ts *tenantSet) get(a *Authenticator, url, id string) (*issuer, error) {
	now := a.clock.Now()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if el, ok := ts.byURL[url]; ok {
		t := el.Value.(*tenant)
		t.lastUsed = now
		ts.lru.MoveToFront(el)
		return t.iss, nil
	}
	// Idle tenants go first, then the least recently used beyond the bound.
	for el := ts.lru.Back(); el != nil; {
		t := el.Value.(*tenant)
		if now.Sub(t.lastUsed) < ts.idle && ts.lru.Len() < ts.max {
			break
		}
		prev := el.Prev()
		ts.lru.Remove(el)
		delete(ts.byURL, t.url)
		t.iss.close()
		el = prev
	}
	ic := ts.base
	ic.URL = url
	if ts.claim != "" {
		claim, want := ts.claim, id
		ic.Validators = append(slices.Clone(ic.Validators), func(c *claims.Claims) error {
			if c.StringClaim(claim) != want {
				return fmt.Errorf("claim %q does not name the issuer's tenant", claim)
			}
			return nil
		})
	}
	cfg := a.cfg
	iss, err := newIssuer(&cfg, &ic, a)
	if err != nil {
		return nil, fmt.Errorf("%w: tenant issuer: %w", ErrConfig, err)
	}
	ts.byURL[url] = ts.lru.PushFront(&tenant{url: url, iss: iss, lastUsed: now})
	return iss, nil
}

// Tenants returns how many tenant issuers are open, over every template.
func (a *Authenticator) Tenants() int {
	n := 0
	for _, ts := range a.templates {
		ts.mu.Lock()
		n += ts.lru.Len()
		ts.mu.Unlock()
	}
	return n
}

func (ts *tenantSet) close() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for el := ts.lru.Front(); el != nil; el = el.Next() {
		el.Value.(*tenant).iss.close()
	}
	ts.lru.Init()
	clear(ts.byURL)
}

// requestAccepts applies [Config].RequestIssuers to a request's issuer.
func (a *Authenticator) requestAccepts(cr *Credentials, iss string) error {
	if a.requestIssuers == nil || cr == nil || a.requestIssuers(cr.Host, cr.Path, iss) {
		return nil
	}
	return fmt.Errorf("%w: the token's issuer is not accepted on this host or path", ErrIssuer)
}
