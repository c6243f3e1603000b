// Package claims provides the claims of JWT access tokens (RFC 7519,
// RFC 9068): a fast, strict decoder, the claim checks of an issuer, and the
// authorization requirements of routes.
//
// # Decoding
//
// [Decode] turns a token's JSON payload into an immutable [*Claims]: the
// registered claims in typed fields, the granted scopes normalized once into
// [Claims].Scopes, and a private copy of the payload for everything else. It
// runs on every token not yet cached, before the signature is checked (the
// issuer is chosen by iss), so it is built for speed and for hostile input:
// one strict pass over the payload with pooled scratch space and no tree;
// two allocations (the payload's copy, which the kept strings are sliced
// from, and the Claims, with room for the Audience and Scopes of most
// tokens); cost linear in the payload whatever its shape.
//
// It is strict where decoders disagree (RFC 8725 §2.6): the payload must be
// an I-JSON object (RFC 7493) — valid UTF-8 and JSON, no unpaired surrogate
// escapes, and no two names in any object that are equal or differ only in
// case. Exact duplicates are the classic parser-differential attack;
// case variants are rejected too because encoding/json, which
// [Claims.Decode] uses, matches struct fields case-insensitively. Names are
// otherwise case-sensitive: "Exp" is an unknown claim, not exp. Registered
// claims of the wrong type are rejected, never ignored.
//
// # Scopes
//
// Which claims hold scopes is configurable ([DecodeOptions].ScopeClaims,
// default "scope" and "scp"): a space-separated string
// (scope in Keycloak, Auth0, oidc-provider; scp in Entra ID) or an array of
// strings (scp in Okta; "permissions" in Auth0 RBAC, read once ScopeClaims
// names it: []string{"scope", "scp", "permissions"}).
//
// # Other claims
//
// The accessors ([Claims.ClientID], [Claims.Roles], [Claims.Get], …) parse
// the payload once, on first use, into a map shared by later calls; a
// request that uses none of them never pays for it. A [Path] addresses
// nested claims such as Keycloak's realm_access.roles, and claims whose
// names contain dots or slashes, such as Auth0's
// "https://example.com/roles".
//
// # Validation
//
// A [Validation], built once per issuer with [NewValidation], checks exp,
// nbf and iat with a leeway, iss, aud, a maximum token age, required claims
// and custom validators, at a time the caller passes: this package never
// reads the clock.
//
// # Requirements
//
// A [Requirement] is a route's authorization rule: [Scopes], [AnyScope],
// [ClaimEquals], [ClaimContains], [Roles], [AnyRole], composed with [All]
// and [Any], or any [Func]. An unmet requirement is a [*RequirementError]
// naming the scopes the route needs (for the scope attribute of RFC 6750's
// insufficient_scope answer) and what is missing.
//
// # Errors
//
// Every error wraps one of the sentinels of errors.go ([ErrMalformed],
// [ErrExpired], …); match them with [errors.Is]. Messages name claims but
// never contain their values.
package claims
