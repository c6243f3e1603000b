package claims

import (
	"errors"
	"fmt"
	"time"
)

// The reasons claims are rejected. Every error this package returns wraps
// exactly one of them; match them with [errors.Is], never by message. The
// root package jwksauth re-exports them. Messages name claims (registered
// names or names from the configuration) but never contain claim values or
// any other token data.
var (
	// ErrMalformed: the claims are not a JSON object this package accepts:
	// invalid JSON or UTF-8, an unpaired surrogate escape, duplicate or
	// case-variant member names, a registered claim of the wrong type, or a
	// NumericDate out of range.
	ErrMalformed = errors.New("jwksauth: malformed claims")

	// ErrExpired: exp is in the past, beyond the leeway. The error is an
	// [*ExpiredError].
	ErrExpired = errors.New("jwksauth: token expired")

	// ErrNotYetValid: nbf is in the future, beyond the leeway.
	ErrNotYetValid = errors.New("jwksauth: token not valid yet")

	// ErrIssuedInFuture: iat is in the future, beyond the leeway.
	ErrIssuedInFuture = errors.New("jwksauth: token issued in the future")

	// ErrTooOld: the token was issued (iat) longer ago than the configured
	// maximum age.
	ErrTooOld = errors.New("jwksauth: token too old")

	// ErrIssuer: iss is not the expected issuer.
	ErrIssuer = errors.New("jwksauth: issuer not accepted")

	// ErrAudience: aud contains none of the accepted audiences.
	ErrAudience = errors.New("jwksauth: audience not accepted")

	// ErrMissingClaim: a required claim is absent (exp, iat when a maximum
	// age is set, or one of the configured required claims).
	ErrMissingClaim = errors.New("jwksauth: required claim missing")

	// ErrInvalidClaim: a custom validator rejected the claims; the
	// validator's error is wrapped too.
	ErrInvalidClaim = errors.New("jwksauth: claims rejected by a validator")

	// ErrInsufficientScope: a route requirement is not met (HTTP 403,
	// RFC 6750 insufficient_scope). The error is a [*RequirementError].
	ErrInsufficientScope = errors.New("jwksauth: insufficient scope")
)

// ExpiredError is the error of an expired token. It matches [ErrExpired].
type ExpiredError struct {
	// Expiry is the token's exp.
	Expiry time.Time
	// Now is the time the token was checked at.
	Now time.Time
}

// Error returns a fixed message; the times are in the fields, not in the
// message, since they are token data.
func (e *ExpiredError) Error() string {
	return ErrExpired.Error() + ": exp is in the past, beyond the leeway"
}

// Is reports whether target is [ErrExpired].
func (e *ExpiredError) Is(target error) bool { return target == ErrExpired }

// RequirementError is the error of an unmet route requirement. It matches
// [ErrInsufficientScope].
type RequirementError struct {
	// Scopes are the scopes the route needs: those of the requirement's
	// [Scopes] and [AnyScope] parts, the union within [All] and [Any]. They
	// are meant for the scope attribute of the RFC 6750 challenge. Empty
	// when the requirement names no scope.
	Scopes []string
	// Description names what is missing, e.g. `missing scope
	// "reports:write"` or `role "admin" required at realm_access.roles`.
	// It is built from the requirement's configuration only and never
	// echoes token data.
	Description string
}

// Error returns the sentinel's message followed by the description.
func (e *RequirementError) Error() string {
	if e.Description == "" {
		return ErrInsufficientScope.Error()
	}
	return ErrInsufficientScope.Error() + ": " + e.Description
}

// Is reports whether target is [ErrInsufficientScope].
func (e *RequirementError) Is(target error) bool { return target == ErrInsufficientScope }

// malformed returns a fixed ErrMalformed error; the detail must never
// contain token data.
func malformed(detail string) error { return fmt.Errorf("%w: %s", ErrMalformed, detail) }

// Fixed errors of the hot path, allocated once.
var (
	errNotUTF8     = malformed("not valid UTF-8")
	errSyntax      = malformed("not valid JSON")
	errNotObject   = malformed("not a JSON object")
	errEscape      = malformed("invalid escape sequence in a string")
	errControl     = malformed("control character in a string")
	errDepth       = malformed("nested deeper than MaxDepth")
	errTooLarge    = malformed("larger than 2 GiB")
	errSurrogate   = malformed("unpaired UTF-16 surrogate escape in a string (RFC 7493 §2.1)")
	errNumber      = malformed("invalid JSON number")
	errDuplicate   = malformed("duplicate member names, or names that differ only in case")
	errNilClaims   = malformed("no claims")
	errIssType     = malformed(`"iss" is not a string`)
	errSubType     = malformed(`"sub" is not a string`)
	errJtiType     = malformed(`"jti" is not a string`)
	errAudType     = malformed(`"aud" is not a string or an array of strings`)
	errExpType     = malformed(`"exp" is not a NumericDate (a non-negative number up to year 9999)`)
	errNbfType     = malformed(`"nbf" is not a NumericDate (a non-negative number up to year 9999)`)
	errIatType     = malformed(`"iat" is not a NumericDate (a non-negative number up to year 9999)`)
	errIssMismatch = fmt.Errorf("%w: iss is not the expected issuer", ErrIssuer)
	errAudMismatch = fmt.Errorf("%w: aud contains none of the accepted audiences", ErrAudience)
	errNoExp       = fmt.Errorf("%w: %q", ErrMissingClaim, "exp")
	errNoIat       = fmt.Errorf("%w: %q (a maximum token age is set)", ErrMissingClaim, "iat")
	errNotYetValid = fmt.Errorf("%w: nbf is in the future, beyond the leeway", ErrNotYetValid)
	errIatFuture   = fmt.Errorf("%w: iat is in the future, beyond the leeway", ErrIssuedInFuture)
	errTooOld      = fmt.Errorf("%w: iat is older than the maximum token age", ErrTooOld)
)

// errResourceMismatch is the error of a token not issued for the
// configured resource (RFC 8707).
var errResourceMismatch = fmt.Errorf("%w: aud does not contain the resource identifier (RFC 8707)", ErrAudience)
