package jwksauth

import (
	"errors"

	"github.com/jwksauth/jwksauth/core/claims"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// The reasons a request is rejected. Every error that [Authenticator.Authenticate],
// [Authenticator.ExtractToken] or a [Requirement] returns wraps exactly one of
// them; match them with [errors.Is], never by message. [AnswerFor] turns any of
// them into the HTTP answer. Each sentinel is defined in the lowest package
// that detects it and re-exported here, so errors.Is works with either name.
var (
	// ErrTokenMissing: the request carries no bearer token (401, no error attribute).
	ErrTokenMissing = errors.New("jwksauth: no bearer token")
	// ErrInvalidRequest: the request is malformed: two Authorization
	// headers, two cookies or query values of the token's name, a token in
	// more than one place, an empty Authorization header (400
	// invalid_request). A present but malformed token is [ErrTokenMalformed]
	// instead (401 invalid_token), so that the client refreshes it.
	ErrInvalidRequest = errors.New("jwksauth: invalid request")
	// ErrTokenType: the token's typ header is not the required one (RFC 9068 at+jwt).
	ErrTokenType = errors.New("jwksauth: token type not accepted")
	// ErrConfig: New was handed an invalid Config.
	ErrConfig = errors.New("jwksauth: invalid configuration")

	// ErrTokenMalformed: the token is not a well-formed compact JWS/JWT:
	// "Bearer" without a token, characters outside token68 or non-ASCII,
	// longer than [Config.MaxTokenSize], wrong number of parts, padded or
	// standard-alphabet base64, JSON, duplicate or wrongly typed members,
	// crit (401 invalid_token).
	ErrTokenMalformed = jws.ErrTokenMalformed
	// ErrAlgorithm: the token's alg is none, unknown, not allowed for its
	// issuer, or does not fit the key.
	ErrAlgorithm = jws.ErrAlgorithm
	// ErrSignature: the signature does not verify.
	ErrSignature = jws.ErrSignature

	// ErrKeyNotFound: the issuer's key set has no key for the token's kid
	// (after the rate-limited refresh an unknown kid triggers).
	ErrKeyNotFound = jwks.ErrKeyNotFound
	// ErrKeyAmbiguous: the token has no kid and several keys fit its alg.
	ErrKeyAmbiguous = jwks.ErrKeyAmbiguous
	// ErrKeysUnavailable: no usable key can be had right now (IdP down and
	// nothing cached, or the cache too stale); 503 with Retry-After.
	ErrKeysUnavailable = jwks.ErrKeysUnavailable

	// ErrTokenExpired: exp is in the past (beyond the leeway). The error is a
	// [*ExpiredError] carrying the expiry.
	ErrTokenExpired = claims.ErrExpired
	// ErrTokenNotYetValid: nbf is in the future (beyond the leeway).
	ErrTokenNotYetValid = claims.ErrNotYetValid
	// ErrTokenIssuedInFuture: iat is in the future (beyond the leeway).
	ErrTokenIssuedInFuture = claims.ErrIssuedInFuture
	// ErrTokenTooOld: the token is older than the issuer's MaxAge.
	ErrTokenTooOld = claims.ErrTooOld
	// ErrIssuer: iss names no configured issuer.
	ErrIssuer = claims.ErrIssuer
	// ErrAudience: aud contains none of the issuer's audiences.
	ErrAudience = claims.ErrAudience
	// ErrMissingClaim: a claim the issuer requires is absent.
	ErrMissingClaim = claims.ErrMissingClaim
	// ErrInvalidClaim: a custom validator of the issuer rejected the claims (401).
	ErrInvalidClaim = claims.ErrInvalidClaim
	// ErrInsufficientScope: a route requirement is not met (403
	// insufficient_scope). The error is a [*RequirementError] naming what the
	// route needs.
	ErrInsufficientScope = claims.ErrInsufficientScope
)

// ExpiredError is the error of an expired token; it matches [ErrTokenExpired].
type ExpiredError = claims.ExpiredError

// RequirementError is the error of an unmet route requirement; it matches
// [ErrInsufficientScope] and carries the scopes the route needs.
type RequirementError = claims.RequirementError

// UnavailableError is the error of a key set that cannot be had; it matches
// [ErrKeysUnavailable] and carries when to retry.
type UnavailableError = jwks.UnavailableError

// ErrJWKSURIOrigin: a discovered jwks_uri is refused: plain http for an
// issuer that is not loopback, or another origin than the issuer's with
// [jwks.CacheOptions].StrictJWKSURIOrigin. The key set cannot be had (503).
var ErrJWKSURIOrigin = jwks.ErrJWKSURIOrigin
