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

// The requirement constructors below are functions that call package
// claims; see there for the details of each.

// Scopes requires every one of scopes; see [claims.Scopes].
func Scopes(scopes ...string) Requirement { return claims.Scopes(scopes...) }

// AnyScope requires at least one of scopes; see [claims.AnyScope].
func AnyScope(scopes ...string) Requirement { return claims.AnyScope(scopes...) }

// ClaimEquals requires the claim at a dot path to equal value; see
// [claims.ClaimEquals].
func ClaimEquals(path string, value any) Requirement { return claims.ClaimEquals(path, value) }

// ClaimContains requires the claim at a dot path (array or space-separated
// string) to contain every one of values; see [claims.ClaimContains].
func ClaimContains(path string, values ...string) Requirement {
	return claims.ClaimContains(path, values...)
}

// Roles requires every one of roles in the array at a dot path, e.g.
// Keycloak's "realm_access.roles" or Entra's "roles"; see [claims.Roles].
func Roles(path string, roles ...string) Requirement { return claims.Roles(path, roles...) }

// AnyRole requires at least one of roles in the array at a dot path; see
// [claims.AnyRole].
func AnyRole(path string, roles ...string) Requirement { return claims.AnyRole(path, roles...) }

// All requires every one of reqs; see [claims.All].
func All(reqs ...Requirement) Requirement { return claims.All(reqs...) }

// Any requires at least one of reqs; see [claims.Any].
func Any(reqs ...Requirement) Requirement { return claims.Any(reqs...) }

// Func requires the custom predicate f, named name in error descriptions;
// see [claims.Func].
func Func(name string, f func(*Claims) bool) Requirement { return claims.Func(name, f) }

// ClaimPath builds a path from segments, for claim names that contain dots
// themselves (Auth0's "https://example.com/roles"); see [claims.ClaimPath].
func ClaimPath(segments ...string) Path { return claims.ClaimPath(segments...) }

// ParsePath parses a dotted path ("realm_access.roles"); see
// [claims.ParsePath].
func ParsePath(dotted string) Path { return claims.ParsePath(dotted) }
