package jws

import (
	"errors"
	"fmt"
)

// The sentinel errors of package jws. Every error returned by [Parser.Parse],
// [Verify] and [VerifyHMAC] wraps exactly one of them, so callers match with
// [errors.Is] and never compare error strings. The wrapped messages say
// precisely which check failed but never contain the token or any part of it
// (no header values, no kid, no payload bytes), so they are safe to log and to
// return to a client.
var (
	// ErrTokenMalformed reports a token that is not a well-formed compact JWS
	// jwksauth accepts: too large, not three dot-separated parts, an empty
	// header, payload or signature, a part that is not strict unpadded
	// base64url, a header that is not a JSON object, a duplicate header member,
	// a header member of the wrong type, a "crit" header (jwksauth understands
	// no extension) or an unencoded payload (RFC 7797 "b64": false).
	ErrTokenMalformed = errors.New("jws: malformed token")

	// ErrAlgorithm reports an algorithm that cannot be used: "alg" is "none"
	// or not a registered name jwksauth knows, or the key handed to [Verify]
	// or [VerifyHMAC] does not fit the algorithm (wrong key type, wrong curve,
	// an RSA key under 2048 bits, an HMAC secret shorter than the hash output,
	// an HMAC algorithm given to [Verify]). Callers that enforce an allowlist
	// report a disallowed algorithm with it too.
	ErrAlgorithm = errors.New("jws: unacceptable algorithm")

	// ErrSignature reports a signature that does not verify with the key, or
	// whose length is wrong for the algorithm and key.
	ErrSignature = errors.New("jws: invalid signature")
)

// wrap returns err wrapped with a precise message. The parse errors are
// built once, at package initialization, so that rejecting garbage does not
// allocate; they are never modified.
func wrap(err error, msg string) error { return fmt.Errorf("%w: %s", err, msg) }

var (
	errTooLarge           = wrap(ErrTokenMalformed, "token is larger than the parser's MaxTokenSize")
	errEmpty              = wrap(ErrTokenMalformed, "token is empty")
	errJSONSerialization  = wrap(ErrTokenMalformed, "JWS JSON serialization is not supported, only the compact serialization (header.payload.signature)")
	errTooFewParts        = wrap(ErrTokenMalformed, "token does not have three dot-separated parts")
	errTooManyParts       = wrap(ErrTokenMalformed, "token has more than three dot-separated parts (a JWE, or not a JWS)")
	errNoHeader           = wrap(ErrTokenMalformed, "header part is empty")
	errNoPayload          = wrap(ErrTokenMalformed, "payload part is empty")
	errNoSignature        = wrap(ErrTokenMalformed, "signature part is empty")
	errHeaderBase64       = wrap(ErrTokenMalformed, "header is not strict unpadded base64url (RFC 7515 §2)")
	errPayloadBase64      = wrap(ErrTokenMalformed, "payload is not strict unpadded base64url (RFC 7515 §2)")
	errSignatureBase64    = wrap(ErrTokenMalformed, "signature is not strict unpadded base64url (RFC 7515 §2)")
	errHeaderUTF8         = wrap(ErrTokenMalformed, "header is not valid UTF-8")
	errHeaderJSON         = wrap(ErrTokenMalformed, "header is not valid JSON")
	errHeaderNotObject    = wrap(ErrTokenMalformed, "header is not a JSON object")
	errHeaderDuplicate    = wrap(ErrTokenMalformed, "header has a duplicate member name")
	errNoAlg              = wrap(ErrTokenMalformed, `header has no "alg" member`)
	errAlgNotString       = wrap(ErrTokenMalformed, `header "alg" is not a string`)
	errKidNotString       = wrap(ErrTokenMalformed, `header "kid" is not a string`)
	errTypNotString       = wrap(ErrTokenMalformed, `header "typ" is not a string`)
	errCtyNotString       = wrap(ErrTokenMalformed, `header "cty" is not a string`)
	errB64NotBool         = wrap(ErrTokenMalformed, `header "b64" is not a boolean`)
	errB64False           = wrap(ErrTokenMalformed, `unencoded payload ("b64": false, RFC 7797) is not supported`)
	errCritMalformed      = wrap(ErrTokenMalformed, `header "crit" is not a non-empty array of strings`)
	errCritMissing        = wrap(ErrTokenMalformed, `header "crit" names a member the header does not have`)
	errCritRegistered     = wrap(ErrTokenMalformed, `header "crit" names a parameter registered by RFC 7515/7518`)
	errCritUnsupported    = wrap(ErrTokenMalformed, "unsupported critical header parameter")
	errAlgNone            = wrap(ErrAlgorithm, `alg "none" is never accepted`)
	errAlgUnknown         = wrap(ErrAlgorithm, "alg is not a registered algorithm jwksauth supports")
	errVerifyUnknownAlg   = wrap(ErrAlgorithm, "algorithm cannot verify (unknown or none)")
	errVerifyHMACWithKey  = wrap(ErrAlgorithm, "HMAC algorithm given a public key: an HMAC signature is only verified with VerifyHMAC and an explicitly configured secret")
	errVerifyNotHMAC      = wrap(ErrAlgorithm, "VerifyHMAC called with an algorithm that is not HS256, HS384 or HS512")
	errHMACSecretTooShort = wrap(ErrAlgorithm, "HMAC secret is shorter than the hash output (RFC 7518 §3.2)")
)
