package jwksauth

import "github.com/jwksauth/jwksauth/core/claims"

// Requirement is an authorization rule of a route (scopes, claim values,
// roles, and compositions of them), checked after verification; a token
// that fails it is answered 403 insufficient_scope. See [claims.Requirement].
//
// Constructors never panic: an invalid construction yields a Requirement
// whose Err method reports the mistake (adapters check it when routes are set
// up) and whose Check always fails.
type Requirement = claims.Requirement

// Path addresses a value inside the claims; see [claims.Path].
type Path = claims.Path

// Requirement constructors, re-exported from package claims.
var (
	// Scopes requires every one of scopes.
	Scopes = claims.Scopes
	// AnyScope requires at least one of scopes.
	AnyScope = claims.AnyScope
	// ClaimEquals requires the claim at a dot path to equal a value.
	ClaimEquals = claims.ClaimEquals
	// ClaimContains requires the claim at a dot path (array or
	// space-separated string) to contain every value.
	ClaimContains = claims.ClaimContains
	// Roles requires every role in the array at a dot path, e.g. Keycloak's
	// "realm_access.roles" or Entra's "roles".
	Roles = claims.Roles
	// AnyRole requires at least one role in the array at a dot path.
	AnyRole = claims.AnyRole
	// All requires every one of its requirements.
	All = claims.All
	// Any requires at least one of its requirements.
	Any = claims.Any
	// Func requires a custom predicate, named for the error description.
	Func = claims.Func
	// ClaimPath builds a path from segments, for claim names that contain
	// dots themselves (Auth0's "https://example.com/roles").
	ClaimPath = claims.ClaimPath
	// ParsePath parses a dotted path ("realm_access.roles").
	ParsePath = claims.ParsePath
)
