package jwks

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Errors of key lookups. Match them with [errors.Is]; the errors returned
// wrap them with detail. An HTTP layer maps [ErrKeyNotFound] and
// [ErrKeyAmbiguous] to 401 invalid_token (the token is at fault) and
// [ErrKeysUnavailable] to 503 with Retry-After (we are at fault).
var (
	// ErrKeyNotFound means the key set, fresh or refreshed within the
	// bounds of the unknown-kid policy, holds no key for the token's kid
	// that may verify its alg.
	ErrKeyNotFound = errors.New("jwks: no key for kid and alg")

	// ErrKeyAmbiguous means a token without a kid fits several keys of the
	// set, or the set publishes one kid twice with different key material
	// that both fit the token's alg. The token is rejected rather than
	// checked against several keys.
	ErrKeyAmbiguous = errors.New("jwks: several keys fit the token")

	// ErrKeysUnavailable means no usable key can be had right now: nothing
	// was ever loaded, the last good set is older than MaxStale, or the set
	// is stale and the identity provider cannot be reached to look for an
	// unknown kid. The error returned is an [*UnavailableError] carrying a
	// Retry-After hint.
	ErrKeysUnavailable = errors.New("jwks: keys unavailable")

	// ErrClosed means the [Cache] was closed.
	ErrClosed = errors.New("jwks: cache closed")
)

// Errors of fetching a key set. They reach the caller of [Cache.Ready] and
// [Cache.Refresh], the logger and the OnEvent hook, and are wrapped by an
// [*UnavailableError] when a lookup fails because of them.
var (
	// ErrInsecureURL means a discovery or JWKS URL is not https, and is
	// neither a loopback address nor allowed by InsecureAllowHTTP. A
	// jwks_uri found through discovery may use http to a loopback address
	// only when the issuer is a loopback address too.
	ErrInsecureURL = errors.New("jwks: insecure URL")

	// ErrDiscovery means the OpenID Connect discovery document could not
	// be fetched or is invalid: its issuer differs from the configured one,
	// or its jwks_uri is missing or not allowed.
	ErrDiscovery = errors.New("jwks: OpenID Connect discovery failed")

	// ErrJWKSURIOrigin means the jwks_uri of the discovery document is on
	// another origin (scheme, host, port) than the issuer, which
	// CacheOptions.StrictJWKSURIOrigin refuses. It comes wrapped in
	// [ErrDiscovery].
	ErrJWKSURIOrigin = errors.New("jwks: jwks_uri on another origin than the issuer")

	// ErrFetch means a document could not be downloaded: a network error, a
	// timeout, a status other than 200 or 304, or a body larger than
	// MaxBodySize.
	ErrFetch = errors.New("jwks: fetch failed")

	// ErrCrossOriginRedirect means the identity provider redirected a
	// request to another origin (scheme, host or port), which the cache
	// refuses: a JWKS is trusted because of where it was fetched from.
	ErrCrossOriginRedirect = errors.New("jwks: redirect to another origin refused")

	// ErrInvalidKeySet means a JWKS document is not a JSON object with a
	// "keys" array, or holds no usable key. Such a set never replaces a
	// good one.
	ErrInvalidKeySet = errors.New("jwks: invalid key set")
)

// Errors of single keys, reported for each key [ParseSet] skips (wrapped in
// a [*KeyError]) and returned by the static constructors.
var (
	// ErrInvalidKey means a JWK is malformed or its key material is
	// invalid: bad encoding, a point not on its curve, a bad RSA exponent.
	ErrInvalidKey = errors.New("jwks: invalid key")

	// ErrUnsupportedKey means a JWK is well formed but jwksauth does not
	// verify with it: an unknown key type, curve or alg, an RSA modulus
	// under 2048 bits, or an alg that does not fit the key.
	ErrUnsupportedKey = errors.New("jwks: unsupported key")

	// ErrSymmetricKey means a JWK is a symmetric ("oct") key. A key set
	// fetched over the network never supplies HMAC secrets; configure one
	// explicitly with [NewStaticSymmetric].
	ErrSymmetricKey = errors.New("jwks: symmetric key not allowed here")

	// ErrNotSigningKey means a JWK is not meant to verify signatures: its
	// use is "enc", its key_ops lack "verify", or its curve is for key
	// agreement only (X25519, X448). Identity providers commonly publish
	// such keys next to their signing keys; they are skipped silently by
	// [ParseStatic].
	ErrNotSigningKey = errors.New("jwks: not a signature verification key")
)

// UnavailableError is the error of a lookup when no usable key can be had
// right now. It matches [ErrKeysUnavailable] with [errors.Is] and unwraps to
// the cause, typically the last fetch error.
type UnavailableError struct {
	// RetryAfter is how long until the cache next tries to fetch the key
	// set, at least one second: the value for a Retry-After header.
	RetryAfter time.Duration
	// Err is the cause: the last fetch error, or nil when no fetch has
	// finished yet.
	Err error
}

// Error describes the error and its cause.
func (e *UnavailableError) Error() string {
	s := "jwks: keys unavailable (retry after " + strconv.FormatInt(int64(e.RetryAfter/time.Second), 10) + "s)"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is [ErrKeysUnavailable].
func (e *UnavailableError) Is(target error) bool { return target == ErrKeysUnavailable }

// Unwrap returns the cause.
func (e *UnavailableError) Unwrap() error { return e.Err }

// KeyError describes one key that [ParseSet] skipped. It unwraps to one of
// [ErrInvalidKey], [ErrUnsupportedKey], [ErrSymmetricKey] or
// [ErrNotSigningKey].
type KeyError struct {
	// Index is the key's position in the set's "keys" array.
	Index int
	// KID is the key's "kid", "" if it has none or could not be read.
	KID string
	// Err is the reason, wrapping one of the sentinels above.
	Err error
}

// Error describes which key was skipped and why.
func (e *KeyError) Error() string {
	return fmt.Sprintf("jwks: key %d (kid %.64q) skipped: %v", e.Index, e.KID, e.Err)
}

// Unwrap returns the reason.
func (e *KeyError) Unwrap() error { return e.Err }

// fetchSnippet returns a short, sanitized prefix of a response body for an
// error message: printable ASCII only, at most 64 bytes. Bodies are never
// quoted at length: they may be large, and they are not ours to log.
func fetchSnippet(b []byte) string {
	const max = 64
	out := make([]byte, 0, max)
	for _, c := range b {
		if len(out) == max {
			break
		}
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out = append(out, c)
	}
	return string(out)
}
