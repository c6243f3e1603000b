package jwks

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Inspection is what a [Cache] would do with an issuer's key set right now:
// the documents it fetches, the keys it keeps or skips, and its cache
// decision. [Inspect] builds one; the jwksauth command prints it.
type Inspection struct {
	// DiscoveryURL is the discovery document fetched, "" in URL mode.
	DiscoveryURL string `json:"discovery_url,omitempty"`
	// JWKSURL is the key set's URL.
	JWKSURL string `json:"jwks_url"`
	// Keys are the usable keys, in document order.
	Keys []InspectedKey `json:"keys"`
	// CacheControl is the Cache-Control header of the key set response.
	CacheControl string `json:"cache_control"`
	// ETag is the ETag header, sent back as If-None-Match on refresh.
	ETag string `json:"etag"`
	// ProviderTTL is the freshness the response grants (max-age minus Age,
	// or Expires minus Date) before clamping; zero with ProviderSaid false.
	ProviderTTL time.Duration `json:"provider_ttl_ns"`
	// ProviderSaid reports whether the response states a freshness at all.
	ProviderSaid bool `json:"provider_said"`
	// TTL is the freshness the cache uses: ProviderTTL clamped to
	// [MinTTL, MaxTTL], or DefaultTTL.
	TTL time.Duration `json:"ttl_ns"`
	// Clamp names the rule that set TTL: "none", "min_ttl", "max_ttl" or
	// "default_ttl".
	Clamp string `json:"clamp"`
	// RefreshAfter is when, from the fetch, the background refresh starts at
	// the latest (TTL minus RefreshAhead, each capped at TTL/4; up to Jitter
	// earlier).
	RefreshAfter time.Duration `json:"refresh_after_ns"`
	// Jitter is the largest random amount taken off RefreshAfter.
	Jitter time.Duration `json:"jitter_ns"`
	// MaxStale is how long the set keeps serving after TTL while refreshes
	// fail.
	MaxStale time.Duration `json:"max_stale_ns"`
}

// InspectedKey is one JWK of an inspected set.
type InspectedKey struct {
	// Index is the JWK's position in the document.
	Index int `json:"index"`
	// KID is its "kid".
	KID string `json:"kid"`
	// Kty, Alg and Use are its members, "" when absent.
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	// Size is the RSA modulus size in bits, or the curve name.
	Size string `json:"size"`
	// Usable reports whether the cache keeps the key.
	Usable bool `json:"usable"`
	// Skipped is why the cache skips it; "" when usable.
	Skipped string `json:"skipped,omitempty"`
	// Algorithms are the algorithms the key may verify.
	Algorithms string `json:"algorithms,omitempty"`
}

// Inspect fetches the discovery document (in Issuer mode) and the key set
// exactly as a [Cache] with opts would — the same URL rules, client,
// timeouts, size cap and parser — and reports each key and the cache
// decision. It does not start a Cache and keeps nothing.
func Inspect(ctx context.Context, opts CacheOptions) (*Inspection, error) {
	cfg, err := cacheConfigure(opts)
	if err != nil {
		return nil, err
	}
	client, own := fetchClient(cfg.HTTPClient, cfg.Timeout)
	if own != nil {
		defer own.CloseIdleConnections()
	}
	get := func(u string) (*fetchResponse, error) {
		ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
		return fetchDoc(ctx, client, u, fetchValidators{}, cfg.MaxBodySize, false)
	}
	ins := &Inspection{}
	if cfg.jwksURL != nil {
		ins.JWKSURL = cfg.jwksURL.String()
	} else {
		ins.DiscoveryURL = cfg.discoveryURL.String()
		resp, err := get(ins.DiscoveryURL)
		if err != nil {
			return ins, fmt.Errorf("%w: %w", ErrDiscovery, err)
		}
		var doc discoveryDoc
		if err := json.Unmarshal(resp.body, &doc); err != nil {
			return ins, fmt.Errorf("%w: %w", ErrDiscovery, err)
		}
		if doc.Issuer != cfg.Issuer {
			return ins, fmt.Errorf("%w: document issuer %.256q differs from the configured %q", ErrDiscovery, doc.Issuer, cfg.Issuer)
		}
		u, err := fetchParseURL(doc.JWKSURI, cfg.InsecureAllowHTTP)
		if err != nil || doc.JWKSURI == "" {
			return ins, fmt.Errorf("%w: jwks_uri %.256q: %w", ErrDiscovery, doc.JWKSURI, errors.Join(err, errors.New("unusable")))
		}
		ins.JWKSURL = u.String()
	}
	resp, err := get(ins.JWKSURL)
	if err != nil {
		return ins, err
	}
	ins.CacheControl = resp.header.Get("Cache-Control")
	ins.ETag = resp.header.Get("ETag")
	now := cfg.Clock.Now()
	ins.ProviderTTL, ins.ProviderSaid = fetchFreshness(resp.header, now)
	switch {
	case !ins.ProviderSaid:
		ins.TTL, ins.Clamp = cfg.DefaultTTL, "default_ttl"
	case ins.ProviderTTL < cfg.MinTTL:
		ins.TTL, ins.Clamp = cfg.MinTTL, "min_ttl"
	case ins.ProviderTTL > cfg.MaxTTL:
		ins.TTL, ins.Clamp = cfg.MaxTTL, "max_ttl"
	default:
		ins.TTL, ins.Clamp = ins.ProviderTTL, "none"
	}
	ahead := max(min(cfg.RefreshAhead, ins.TTL/4), 0)
	ins.RefreshAfter = ins.TTL - ahead
	ins.Jitter = max(min(cfg.Jitter, ins.TTL/4), 0)
	ins.MaxStale = max(cfg.MaxStale, 0)

	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	keys, skipped, err := ParseSet(resp.body)
	if err != nil {
		return ins, err
	}
	_ = json.Unmarshal(resp.body, &doc)
	why := map[int]string{}
	for _, s := range skipped {
		var ke *KeyError
		if errors.As(s, &ke) {
			why[ke.Index] = ke.Err.Error()
		}
	}
	k := 0
	for i, raw := range doc.Keys {
		var m struct {
			Kid, Kty, Alg, Use, Crv string
			N                       []byte
		}
		_ = json.Unmarshal(raw, &struct {
			Kid *string `json:"kid"`
			Kty *string `json:"kty"`
			Alg *string `json:"alg"`
			Use *string `json:"use"`
			Crv *string `json:"crv"`
		}{&m.Kid, &m.Kty, &m.Alg, &m.Use, &m.Crv})
		ik := InspectedKey{Index: i, KID: m.Kid, Kty: m.Kty, Alg: m.Alg, Use: m.Use, Size: m.Crv}
		if w, bad := why[i]; bad {
			ik.Skipped = w
		} else if k < len(keys) {
			key := keys[k]
			k++
			ik.Usable = true
			ik.Algorithms = key.Algorithms.String()
			switch p := key.Public.(type) {
			case *rsa.PublicKey:
				ik.Size = fmt.Sprintf("%d bits", p.N.BitLen())
			case *ecdsa.PublicKey:
				ik.Size = p.Curve.Params().Name
			case ed25519.PublicKey:
				ik.Size = "Ed25519"
			}
		}
		ins.Keys = append(ins.Keys, ik)
	}
	if len(keys) == 0 {
		return ins, fmt.Errorf("%w: no usable key", ErrInvalidKeySet)
	}
	return ins, nil
}
