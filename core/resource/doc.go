// Package resource provides OAuth 2.0 protected-resource metadata as
// specified in RFC 9728: the document a resource server publishes at
// /.well-known/oauth-protected-resource so that clients learn which
// authorization servers issue its tokens, which scopes it knows and how it
// takes a bearer token, and the resource_metadata attribute that points
// clients at it from a 401 challenge (RFC 9728 §5.1).
//
// The Model Context Protocol's authorization specification (revision
// 2025-06-18 onward) requires MCP servers to publish this document and to
// name it in their challenges.
//
// The package is framework-free: [NewHandler] returns an [http.Handler]
// that every adapter mounts at the path [WellKnownPath] gives.
package resource
