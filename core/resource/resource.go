package resource

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrInvalid: a resource identifier or a metadata document is not what
// RFC 9728 allows.
var ErrInvalid = errors.New("jwksauth: invalid protected-resource metadata")

// WellKnown is the well-known URI suffix of RFC 9728 §3.
const WellKnown = "/.well-known/oauth-protected-resource"

// Metadata is a protected-resource metadata document (RFC 9728 §2). Only
// the members a resource server built on jwksauth can state truthfully are
// here; empty members are omitted from the JSON.
type Metadata struct {
	// Resource is the resource identifier: an https URL (http only for a
	// loopback host, for development) with no fragment and no query.
	// Required.
	Resource string `json:"resource"`
	// AuthorizationServers are the issuer identifiers of the authorization
	// servers whose tokens the resource accepts.
	AuthorizationServers []string `json:"authorization_servers,omitempty"`
	// ScopesSupported are the scopes a client may request for this resource.
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// BearerMethodsSupported are the ways a bearer token may be sent:
	// "header" (RFC 6750 §2.1) and "query" (§2.3).
	BearerMethodsSupported []string `json:"bearer_methods_supported,omitempty"`
	// ResourceSigningAlgValuesSupported are the JWS algorithms the resource
	// uses to sign its responses (not the algorithms of the tokens it
	// accepts).
	ResourceSigningAlgValuesSupported []string `json:"resource_signing_alg_values_supported,omitempty"`
	// ResourceName is a human-readable name of the resource.
	ResourceName string `json:"resource_name,omitempty"`
	// ResourceDocumentation is a URL of documentation for developers.
	ResourceDocumentation string `json:"resource_documentation,omitempty"`
	// ResourcePolicyURI is a URL of the resource's data-use policy.
	ResourcePolicyURI string `json:"resource_policy_uri,omitempty"`
	// ResourceTOSURI is a URL of the resource's terms of service.
	ResourceTOSURI string `json:"resource_tos_uri,omitempty"`
	// DPoPSigningAlgValuesSupported are the JWS algorithms accepted in DPoP
	// proofs (RFC 9449), when the resource takes DPoP-bound tokens.
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported,omitempty"`
	// DPoPBoundAccessTokensRequired states that every token must be
	// DPoP-bound.
	DPoPBoundAccessTokensRequired bool `json:"dpop_bound_access_tokens_required,omitempty"`
}

// Validate checks m: the resource identifier (see [ParseResource]), every
// authorization server an https URL (http on loopback), every URL member
// absolute, and the bearer methods the defined ones.
func (m *Metadata) Validate() error {
	if _, err := ParseResource(m.Resource); err != nil {
		return err
	}
	for _, as := range m.AuthorizationServers {
		if err := checkURL("authorization server", as, true); err != nil {
			return err
		}
	}
	for name, u := range map[string]string{
		"resource_documentation": m.ResourceDocumentation,
		"resource_policy_uri":    m.ResourcePolicyURI,
		"resource_tos_uri":       m.ResourceTOSURI,
	} {
		if u != "" {
			if err := checkURL(name, u, false); err != nil {
				return err
			}
		}
	}
	for _, bm := range m.BearerMethodsSupported {
		switch bm {
		case "header", "body", "query":
		default:
			return fmt.Errorf("%w: bearer method %q is not header, body or query", ErrInvalid, bm)
		}
	}
	for _, s := range m.ScopesSupported {
		if !scopeToken(s) {
			return fmt.Errorf("%w: %q is not a scope token (RFC 6749 §3.3)", ErrInvalid, s)
		}
	}
	return nil
}

// ParseResource parses and checks a resource identifier (RFC 9728 §1.2,
// RFC 8707 §2): an absolute https URL — http only when the host is
// loopback, for development — with a host, no user information, no
// fragment and no query (RFC 9728 allows a query but the well-known URL of
// §3.1 has no place for it, so such a resource could not publish its
// metadata).
func ParseResource(resource string) (*url.URL, error) {
	if resource == "" {
		return nil, fmt.Errorf("%w: no resource identifier", ErrInvalid)
	}
	u, err := url.Parse(resource)
	if err != nil {
		return nil, fmt.Errorf("%w: resource %q: %w", ErrInvalid, resource, err)
	}
	switch {
	case u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())):
		return nil, fmt.Errorf("%w: resource %q: not an https URL (http is accepted for loopback hosts only)", ErrInvalid, resource)
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%w: resource %q: no host", ErrInvalid, resource)
	case u.User != nil:
		return nil, fmt.Errorf("%w: resource %q: user information is not allowed", ErrInvalid, resource)
	case u.Fragment != "" || strings.Contains(resource, "#"):
		return nil, fmt.Errorf("%w: resource %q: a fragment is not allowed", ErrInvalid, resource)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("%w: resource %q: a query is not supported", ErrInvalid, resource)
	}
	return u, nil
}

// WellKnownPath returns the path at which the metadata of resource is
// served on resource's host (RFC 9728 §3.1): the well-known suffix, with
// the resource's path, less a terminating slash, appended.
// "https://api.example.com" and "https://api.example.com/" give
// "/.well-known/oauth-protected-resource"; "https://example.com/api/v1"
// gives "/.well-known/oauth-protected-resource/api/v1".
func WellKnownPath(resource string) (string, error) {
	u, err := ParseResource(resource)
	if err != nil {
		return "", err
	}
	return WellKnown + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// MetadataURL returns the URL of resource's metadata document, for the
// resource_metadata attribute of challenges: resource's scheme and host
// with [WellKnownPath].
func MetadataURL(resource string) (string, error) {
	u, err := ParseResource(resource)
	if err != nil {
		return "", err
	}
	return u.Scheme + "://" + u.Host + WellKnown + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

func checkURL(what, s string, issuer bool) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname())) {
		return fmt.Errorf("%w: %s %q is not an absolute https URL", ErrInvalid, what, s)
	}
	if issuer && (u.RawQuery != "" || u.Fragment != "") {
		return fmt.Errorf("%w: %s %q has a query or fragment (RFC 8414 §2)", ErrInvalid, what, s)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func scopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
