// Package jwksmcp protects Model Context Protocol servers built on the
// official Go SDK (github.com/modelcontextprotocol/go-sdk) with jwksauth, as
// the MCP authorization specification (revision 2025-06-18 onward) asks of
// a resource server:
//
//   - [Middleware] authenticates every request to the MCP endpoint with the
//     jwksauth key cache and checks, and hands the SDK its
//     [auth.TokenInfo] (so tool handlers find it in req.Extra.TokenInfo and
//     the SDK binds sessions to the user);
//   - a request without a valid token is answered 401 with the
//     resource_metadata attribute (RFC 9728 §5.1) that starts the client's
//     authorization; a call of a tool whose scopes the token lacks is
//     answered 403 insufficient_scope with the scopes that tool needs (the
//     MCP scope challenge), before the SDK sees it;
//   - [MountResourceMetadata] serves the protected-resource metadata at its
//     well-known path, with the scopes of every tool listed;
//   - [Verifier] is an [auth.TokenVerifier] for applications that keep the
//     SDK's own [auth.RequireBearerToken].
//
// The Authenticator must have a [jwksauth.ResourceConfig] (the MCP server's
// canonical URI), normally with RequireAudience set: the MCP specification
// requires servers to accept only tokens issued for them (RFC 8707).
//
//	a, _ := jwksauth.New(jwksauth.Config{
//		Issuers:  []jwksauth.Issuer{{URL: "https://idp.example.com"}},
//		Resource: jwksauth.ResourceConfig{URI: "https://mcp.example.com/mcp", RequireAudience: true},
//	})
//	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
//	guard := jwksmcp.New(a, jwksmcp.WithToolRequirements(map[string][]jwksauth.Requirement{
//		"delete_report": {jwksauth.Scopes("reports:write")},
//	}))
//	mux := http.NewServeMux()
//	guard.MountResourceMetadata(mux)
//	mux.Handle("/mcp", guard.Middleware(mcpHandler))
package jwksmcp
