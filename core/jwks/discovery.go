package jwks

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// discoveryState is the cached result of OpenID Connect discovery. Only the
// refresh goroutine touches it.
type discoveryState struct {
	jwksURL    string
	expires    time.Time
	validators fetchValidators
}

// discoveryDoc is the part of the OpenID Provider Metadata (OpenID Connect
// Discovery 1.0 §3) the cache reads.
type discoveryDoc struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// jwksURL returns the JWKS URL to fetch: the configured one, or the one
// discovery found, running discovery when its cached result has expired.
// When discovery fails but an earlier run found a URL, that URL is used
// and the failure is only reported.
func (c *Cache) jwksURL(noCache bool) (string, error) {
	if c.cfg.jwksURL != nil {
		return c.cfg.jwksURL.String(), nil
	}
	d := &c.disc
	now := c.clock.Now()
	if d.jwksURL != "" && now.Before(d.expires) {
		return d.jwksURL, nil
	}
	err := c.discover(noCache)
	if err == nil {
		return d.jwksURL, nil
	}
	if d.jwksURL == "" {
		return "", err
	}
	c.log.Warn("jwks: discovery failed, using the previous jwks_uri", "issuer", c.cfg.Issuer, "jwks_uri", d.jwksURL, "error", err)
	c.emit(Event{Kind: EventFetchFailed, URL: c.cfg.discoveryURL.String(), Err: err})
	return d.jwksURL, nil
}

// discover fetches the discovery document, within Timeout, and records its
// jwks_uri. Errors wrap [ErrDiscovery].
func (c *Cache) discover(noCache bool) error {
	d := &c.disc
	v := d.validators
	if d.jwksURL == "" {
		v = fetchValidators{}
	}
	resp, err := c.get(c.cfg.discoveryURL.String(), v, noCache)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	ttl := c.ttl(resp.header, c.clock.Now())
	if resp.notModified {
		d.expires = c.clock.Now().Add(ttl)
		d.validators = resp.validators
		return nil
	}
	var doc discoveryDoc
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	if doc.Issuer != c.cfg.Issuer {
		return fmt.Errorf("%w: document issuer %.256q differs from the configured %q", ErrDiscovery, doc.Issuer, c.cfg.Issuer)
	}
	if doc.JWKSURI == "" {
		return fmt.Errorf("%w: no jwks_uri", ErrDiscovery)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil {
		return fmt.Errorf("%w: jwks_uri: %w", ErrDiscovery, err)
	}
	if err := c.checkJWKSURI(u); err != nil {
		return fmt.Errorf("%w: jwks_uri: %w", ErrDiscovery, err)
	}
	if d.jwksURL != "" && d.jwksURL != u.String() {
		c.log.Info("jwks: discovery moved the jwks_uri", "issuer", c.cfg.Issuer, "from", d.jwksURL, "to", u.String())
	}
	d.jwksURL = u.String()
	d.expires = c.clock.Now().Add(ttl)
	d.validators = resp.validators
	return nil
}

// discoveryInvalidate makes the next fetch run discovery again, after the
// JWKS URL answered as if it had moved.
func (c *Cache) discoveryInvalidate() { c.disc.expires = time.Time{} }

// checkJWKSURI applies the rules for a jwks_uri taken from the discovery
// document, which the provider (or whoever altered the document) chose:
// https; http only with InsecureAllowHTTP, or to a loopback host when the
// Issuer itself is a loopback host; with StrictJWKSURIOrigin, the Issuer's
// origin.
func (c *Cache) checkJWKSURI(u *url.URL) error {
	if err := fetchCheckURL(u, c.cfg.InsecureAllowHTTP); err != nil {
		return err
	}
	if strings.EqualFold(u.Scheme, "http") && !c.cfg.InsecureAllowHTTP && !c.cfg.issuerLoopback {
		return fmt.Errorf("%w: %.128q is http and the issuer is not a loopback host (set InsecureAllowHTTP to allow it)", ErrInsecureURL, u.Redacted())
	}
	if c.cfg.StrictJWKSURIOrigin {
		if got, want := fetchOrigin(u), fetchOrigin(c.cfg.discoveryURL); got != want {
			return fmt.Errorf("%w: %.128q is not on %s", ErrJWKSURIOrigin, got, want)
		}
	}
	return nil
}
