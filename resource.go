package jwksauth

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/jwksauth/jwksauth/core/resource"
)

// ResourceConfig describes the protected resource itself (RFC 9728,
// RFC 8707): its canonical identifier, which clients use as the resource
// indicator when they ask for tokens and which MCP servers must state, and
// the metadata document that tells clients where to get tokens.
//
// When URI is set, the Authenticator serves the metadata document
// ([Authenticator.ResourceMetadataHandler], mounted by every adapter at
// [Authenticator.ResourceMetadataPath]) and every challenge carries its URL
// as the resource_metadata attribute (RFC 9728 §5.1).
type ResourceConfig struct {
	// URI is the canonical resource identifier, e.g.
	// "https://api.example.com" or "https://example.com/mcp": an https URL
	// (http for loopback hosts only) with no query or fragment. Default:
	// "" (no metadata, no resource_metadata attribute).
	URI string

	// RequireAudience requires every token's aud to contain URI (RFC 8707
	// §2), in addition to the issuer's Audiences; an issuer may then leave
	// Audiences empty. The MCP authorization specification requires it.
	// Default: false (only the issuers' Audiences are checked).
	RequireAudience bool

	// Scopes are the scopes_supported of the metadata: the scopes a client
	// may ask for. Collect a route's with [Requirement.NeededScopes].
	// Default: none listed.
	Scopes []string

	// Name is the human-readable resource_name. Default: none.
	Name string

	// Documentation, PolicyURI and TOSURI are the resource_documentation,
	// resource_policy_uri and resource_tos_uri URLs. Default: none.
	Documentation, PolicyURI, TOSURI string

	// MetadataURL is the resource_metadata URL of challenges. Default: the
	// well-known URL derived from URI (RFC 9728 §3.1); set it when the
	// document is served elsewhere (behind a gateway that rewrites paths).
	MetadataURL string

	// MaxAge is how long clients may cache the document. Default: one
	// hour; negative sends Cache-Control no-store.
	MaxAge time.Duration
}

// resourceState is the configured resource, ready to serve.
type resourceState struct {
	metadata resource.Metadata
	path     string
	handler  http.Handler
}

// newResource builds the metadata document from the configuration.
func newResource(cfg *Config) (*resourceState, string, error) {
	rc := cfg.Resource
	if rc.URI == "" {
		if rc.RequireAudience || len(rc.Scopes) > 0 || rc.Name != "" || rc.Documentation != "" ||
			rc.PolicyURI != "" || rc.TOSURI != "" || rc.MetadataURL != "" {
			return nil, "", fmt.Errorf("%w: Resource settings without Resource.URI", ErrConfig)
		}
		return nil, "", nil
	}
	path, err := resource.WellKnownPath(rc.URI)
	if err != nil {
		return nil, "", fmt.Errorf("%w: Resource.URI: %w", ErrConfig, err)
	}
	m := resource.Metadata{
		Resource:               rc.URI,
		ScopesSupported:        slices.Clone(rc.Scopes),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           rc.Name,
		ResourceDocumentation:  rc.Documentation,
		ResourcePolicyURI:      rc.PolicyURI,
		ResourceTOSURI:         rc.TOSURI,
	}
	if cfg.TokenQuery != "" {
		m.BearerMethodsSupported = append(m.BearerMethodsSupported, "query")
	}
	for _, ic := range cfg.Issuers {
		if !slices.Contains(m.AuthorizationServers, ic.URL) {
			m.AuthorizationServers = append(m.AuthorizationServers, ic.URL)
		}
	}
	h, err := resource.NewHandler(m, resource.HandlerOptions{MaxAge: rc.MaxAge})
	if err != nil {
		return nil, "", fmt.Errorf("%w: Resource: %w", ErrConfig, err)
	}
	url := rc.MetadataURL
	if url == "" {
		url, _ = resource.MetadataURL(rc.URI)
	}
	return &resourceState{metadata: m, path: path, handler: h}, url, nil
}

// ResourceMetadata returns the protected-resource metadata document built
// from [Config.Resource], and false when no resource is configured. The
// slices are the caller's.
func (a *Authenticator) ResourceMetadata() (resource.Metadata, bool) {
	if a.resource == nil {
		return resource.Metadata{}, false
	}
	m := a.resource.metadata
	m.AuthorizationServers = slices.Clone(m.AuthorizationServers)
	m.ScopesSupported = slices.Clone(m.ScopesSupported)
	m.BearerMethodsSupported = slices.Clone(m.BearerMethodsSupported)
	return m, true
}

// ResourceMetadataPath returns the path at which the metadata document is
// served (RFC 9728 §3.1: "/.well-known/oauth-protected-resource" followed
// by the resource's path), or "" when no resource is configured.
func (a *Authenticator) ResourceMetadataPath() string {
	if a.resource == nil {
		return ""
	}
	return a.resource.path
}

// ResourceMetadataHandler returns the handler serving the metadata
// document (JSON, cacheable, readable from any origin; see
// [resource.NewHandler]), or nil when no resource is configured. Mount it,
// outside authentication, at [Authenticator.ResourceMetadataPath]; every
// adapter has a helper that does.
func (a *Authenticator) ResourceMetadataHandler() http.Handler {
	if a.resource == nil {
		return nil
	}
	return a.resource.handler
}
