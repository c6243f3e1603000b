package jwksmcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/resource"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// DefaultMaxBody bounds the request body [Middleware] reads to find the
// tool a tools/call names, when tool requirements are configured: 1 MiB. A
// larger body of such a request is answered 413.
const DefaultMaxBody = 1 << 20

// Guard protects one MCP endpoint with one Authenticator. Build it with
// [New]; it is immutable and safe for concurrent use.
type Guard struct {
	a        *jwksauth.Authenticator
	reqs     []jwksauth.Requirement
	tools    map[string][]jwksauth.Requirement
	maxBody  int64
	onError  func(http.ResponseWriter, *http.Request, error)
	metadata http.Handler
	metaPath string
}

// Option configures a [Guard].
type Option func(*Guard)

// WithRequirements requires reqs of every request to the endpoint, after
// authentication (403 insufficient_scope, or 401 step-up for [jwksauth.ACR]
// and [jwksauth.MaxAuthAge]). Default: authentication only.
func WithRequirements(reqs ...jwksauth.Requirement) Option {
	return func(g *Guard) { g.reqs = append(g.reqs, reqs...) }
}

// WithToolRequirements requires, for a tools/call of each named tool, the
// requirements given, on top of [WithRequirements]. The middleware reads
// the JSON-RPC message (bounded by [WithMaxBody]) to find the tool, and
// answers an unmet requirement at the HTTP level: 403 insufficient_scope
// with scope="…" naming what that tool needs, as the MCP specification's
// scope challenge says, so that the client can ask for more scopes. The
// scopes are listed in the metadata's scopes_supported. Default: none.
func WithToolRequirements(tools map[string][]jwksauth.Requirement) Option {
	return func(g *Guard) {
		if g.tools == nil {
			g.tools = map[string][]jwksauth.Requirement{}
		}
		for name, reqs := range tools {
			g.tools[name] = append(g.tools[name], reqs...)
		}
	}
}

// WithMaxBody bounds the body read to find a tools/call's tool. Default:
// [DefaultMaxBody].
func WithMaxBody(n int64) Option { return func(g *Guard) { g.maxBody = n } }

// WithErrorHandler replaces the default answer to a rejected request (the
// core's answer under the Authenticator's realm and resource, with its
// challenge and problem body). Default: [jwksauth.Authenticator.WriteError].
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err error)) Option {
	return func(g *Guard) { g.onError = h }
}

// New returns a Guard for a. It panics, as route setup in every jwksauth
// adapter does, on a nil Authenticator, an Authenticator without a
// [jwksauth.ResourceConfig], an invalid requirement, or a non-positive
// body bound.
func New(a *jwksauth.Authenticator, opts ...Option) *Guard {
	if a == nil {
		panic("jwksmcp: New: nil *jwksauth.Authenticator")
	}
	m, ok := a.ResourceMetadata()
	if !ok {
		panic("jwksmcp: New: the Authenticator has no Resource configured; MCP servers must publish protected-resource metadata (RFC 9728)")
	}
	g := &Guard{a: a, maxBody: DefaultMaxBody}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("jwksmcp: New: option %d is nil", i))
		}
		o(g)
	}
	if g.maxBody <= 0 {
		panic(fmt.Sprintf("jwksmcp: New: WithMaxBody(%d) is not positive", g.maxBody))
	}
	all := slices.Clone(g.reqs)
	for _, name := range sortedNames(g.tools) {
		all = append(all, g.tools[name]...)
	}
	for i, r := range all {
		if err := r.Err(); err != nil {
			panic(fmt.Sprintf("jwksmcp: New: requirement %d (%v): %v", i, r, err))
		}
		for _, s := range r.NeededScopes() {
			if !slices.Contains(m.ScopesSupported, s) {
				m.ScopesSupported = append(m.ScopesSupported, s)
			}
		}
	}
	h, err := resource.NewHandler(m, resource.HandlerOptions{})
	if err != nil {
		panic(fmt.Sprintf("jwksmcp: New: metadata: %v", err))
	}
	g.metadata, g.metaPath = h, a.ResourceMetadataPath()
	return g
}

// ResourceMetadataPath returns where [Guard.MountResourceMetadata] serves
// the metadata document.
func (g *Guard) ResourceMetadataPath() string { return g.metaPath }

// ResourceMetadataHandler returns the handler of the metadata document:
// the Authenticator's, with the scopes of every requirement of the Guard
// added to scopes_supported.
func (g *Guard) ResourceMetadataHandler() http.Handler { return g.metadata }

// MountResourceMetadata mounts the metadata document on mux at
// [Guard.ResourceMetadataPath], outside authentication. mux is an
// [http.ServeMux], a chi router or anything with the same Handle method.
func (g *Guard) MountResourceMetadata(mux interface{ Handle(string, http.Handler) }) {
	mux.Handle(g.metaPath, g.metadata)
}

// Middleware returns middleware for the SDK's streamable HTTP handler (or
// any handler of the MCP endpoint). It authenticates the request
// ([jwksauth.Authenticator.AuthenticateRequest]: the Authorization header,
// and the cookie or query parameter when the Config names one), checks
// [WithRequirements] and, for a tools/call, [WithToolRequirements], then
// calls next with the claims in the context ([jwksauth.ClaimsFromContext])
// and the SDK's [auth.TokenInfo] in place, so that tool handlers read
// req.Extra.TokenInfo and [ClaimsFromTokenInfo].
//
// Rejections are the core's answers: 401 with resource_metadata, 403
// insufficient_scope with the scopes the operation needs, 400, 503 with
// Retry-After.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	if next == nil {
		panic("jwksmcp: Middleware wrapped around a nil http.Handler")
	}
	// The SDK keeps its TokenInfo under a context key of its own, which only
	// its RequireBearerToken sets: hand it the claims already verified.
	// Expiry was checked on the Authenticator's clock, with its leeway;
	// the SDK's own check (wall clock, no leeway) must not disagree.
	inner := auth.RequireBearerToken(verified, &auth.RequireBearerTokenOptions{
		ResourceMetadataURL: g.a.AnswerOptions().ResourceMetadata,
		ClockSkew:           sdkSkew,
	})(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := g.a.AuthenticateRequest(r.Context(), g.a.RequestCredentials(r), false)
		if err == nil {
			err = g.a.Check(c, g.reqs...)
		}
		if err == nil && len(g.tools) > 0 {
			err = g.checkTool(w, r, c)
		}
		if err != nil {
			g.fail(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(jwksauth.WithClaims(r.Context(), c), claimsKey{}, c))
		if auth := r.Header.Get("Authorization"); len(auth) < 7 || !strings.EqualFold(auth[:7], "Bearer ") {
			// A token from a cookie or the query, or with the DPoP scheme:
			// the SDK's middleware reads a Bearer header only, and its
			// verifier ignores the value (the claims are verified).
			r.Header = r.Header.Clone()
			r.Header.Set("Authorization", "Bearer verified")
		}
		inner.ServeHTTP(w, r)
	})
}

// sdkSkew disables the SDK's second expiry check: a century.
const sdkSkew = 100 * 365 * 24 * time.Hour

// errTooLarge is the error of a tools/call body over the bound.
var errTooLarge = errors.New("jwksmcp: request body too large")

// checkTool checks the requirements of the tool a tools/call names. It
// reads the body and puts it back for the SDK.
func (g *Guard) checkTool(w http.ResponseWriter, r *http.Request, c *jwksauth.Claims) error {
	if r.Method != http.MethodPost || r.Body == nil {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil // the SDK refuses it
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.maxBody))
	_ = r.Body.Close()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return fmt.Errorf("%w: reading the request body: %w", jwksauth.ErrInvalidRequest, err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	for _, name := range toolCalls(body) {
		if reqs, ok := g.tools[name]; ok {
			if err := g.a.Check(c, reqs...); err != nil {
				return err
			}
		}
	}
	return nil
}

// toolCalls returns the names of the tools a JSON-RPC message (or batch)
// calls. A message it cannot read names none: the SDK answers it.
func toolCalls(body []byte) []string {
	type call struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	body = bytes.TrimSpace(body)
	var msgs []call
	if len(body) > 0 && body[0] == '[' {
		if json.Unmarshal(body, &msgs) != nil {
			return nil
		}
	} else {
		var m call
		if json.Unmarshal(body, &m) != nil {
			return nil
		}
		msgs = []call{m}
	}
	var names []string
	for _, m := range msgs {
		if m.Method == "tools/call" {
			names = append(names, m.Params.Name)
		}
	}
	return names
}

func (g *Guard) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errTooLarge) {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	g.a.RecordAnswer(r.Context(), "mcp", err)
	if g.onError != nil {
		g.onError(w, r, err)
		return
	}
	g.a.WriteError(w, err)
}

// claimsKey is the context key of the claims Middleware verified, for the
// SDK verifier it hands the request to.
type claimsKey struct{}

// verified is the SDK verifier behind Middleware: the claims are already
// verified.
func verified(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
	c, _ := ctx.Value(claimsKey{}).(*jwksauth.Claims)
	if c == nil {
		return nil, fmt.Errorf("%w: no verified claims", auth.ErrInvalidToken)
	}
	return TokenInfo(c), nil
}

// Verifier returns an [auth.TokenVerifier] backed by a, for applications
// that use the SDK's [auth.RequireBearerToken] themselves. Any rejection
// wraps [auth.ErrInvalidToken] (the SDK answers 401) except keys that
// cannot be had right now, which the SDK answers 500; the SDK's answers
// carry no RFC 6750 error attributes, so prefer [Guard.Middleware].
func Verifier(a *jwksauth.Authenticator) auth.TokenVerifier {
	return func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		c, err := a.Authenticate(ctx, token)
		if err != nil {
			if errors.Is(err, jwksauth.ErrKeysUnavailable) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", auth.ErrInvalidToken, err)
		}
		return TokenInfo(c), nil
	}
}

// TokenInfo converts verified claims into the SDK's token information:
// the scopes, the expiry, the user (issuer and subject, so that two
// issuers' subjects never collide in the SDK's session binding) and the
// claims themselves, for [ClaimsFromTokenInfo].
func TokenInfo(c *jwksauth.Claims) *auth.TokenInfo {
	return &auth.TokenInfo{
		Scopes:     slices.Clone(c.Scopes),
		Expiration: c.Expiry,
		UserID:     c.Issuer + " " + c.Subject,
		Extra:      map[string]any{extraClaims: c},
	}
}

// extraClaims is the TokenInfo.Extra key of the claims.
const extraClaims = "jwksauth.claims"

// ClaimsFromTokenInfo returns the verified claims behind ti (a tool
// handler's req.Extra.TokenInfo), and whether there are any.
func ClaimsFromTokenInfo(ti *auth.TokenInfo) (*jwksauth.Claims, bool) {
	if ti == nil {
		return nil, false
	}
	c, ok := ti.Extra[extraClaims].(*jwksauth.Claims)
	return c, ok && c != nil
}

func sortedNames(m map[string][]jwksauth.Requirement) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
