package jwksauth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/core/claims"
	"github.com/jwksauth/jwksauth/core/jwks"
)

// Answer is the HTTP answer to a rejected request, computed in one place for
// every adapter: the status and headers of the table below, the answers
// table of docs/design.md (RFC 6750 §3 challenges, Retry-After for 503) and
// a small RFC 9457 problem body.
//
//	situation                                        status  WWW-Authenticate
//	no token                                          401    Bearer realm="…"
//	malformed request: two Authorization headers,
//	token in two places (ErrInvalidRequest)           400    Bearer realm="…", error="invalid_request", …
//	token malformed (any syntax, too long), invalid,
//	expired, wrong iss/aud, bad signature, unknown
//	key, failed validator                             401    Bearer realm="…", error="invalid_token", …
//	step-up requirement not met
//	(ErrInsufficientUserAuthentication)               401    Bearer realm="…", error="insufficient_user_authentication", acr_values="…", max_age="…"
//	route requirement not met (ErrInsufficientScope)  403    Bearer realm="…", error="insufficient_scope", scope="…"
//	keys unavailable (ErrKeysUnavailable)             503    none; Retry-After
//
// The description is chosen from a fixed text per reason (plus, for 403, the
// route's own requirement, which is configuration, not token data): it never
// echoes the token, a claim value, or key material. The precise error, for
// logs, is the error itself.
type Answer struct {
	// Status is the HTTP status code.
	Status int
	// Code is a stable, machine-readable reason ("token_expired"), also in
	// the body. Codes never change meaning once published.
	Code string
	// Description is a short human-readable text safe to show to a client.
	Description string
	// Challenge is the WWW-Authenticate header value, or "" when none is sent.
	Challenge string
	// RetryAfter is the Retry-After header in seconds (503 only), or 0.
	RetryAfter int
	// Scopes are the scopes a route needs, for a 403 answer.
	Scopes []string
	// ACRValues are the authentication context classes a step-up answer
	// (ErrInsufficientUserAuthentication) asks for, or nil.
	ACRValues []string
	// MaxAge is the largest accepted time since the user's authentication,
	// in seconds, that a step-up answer asks for, or 0.
	MaxAge int
	// DPoPChallenge is a second WWW-Authenticate value, the DPoP challenge
	// (RFC 9449 §7.1), when DPoP is enabled and the first challenge is a
	// Bearer one; "" otherwise.
	DPoPChallenge string
	// DPoPNonce is the DPoP-Nonce header (RFC 9449 §9), or "".
	DPoPNonce string
}

// AnswerOptions are the attributes of answers that come from the
// configuration rather than from the error.
type AnswerOptions struct {
	// Realm is the realm attribute of challenges; "" for none.
	Realm string
	// ResourceMetadata is the URL of the protected-resource metadata
	// document (RFC 9728 §5.1), sent as the resource_metadata attribute of
	// every challenge; "" for none. [Authenticator.AnswerOptions] fills it
	// from [Config.Resource].
	ResourceMetadata string
	// DPoPAlgs, when not empty, are the DPoP proof algorithms (space
	// separated): 401 answers then carry a DPoP challenge too, and DPoP
	// errors are answered with the DPoP scheme (RFC 9449 §7.1).
	DPoPAlgs string
	// DPoPNonce, when not empty, is sent as DPoP-Nonce (RFC 9449 §8).
	DPoPNonce string
}

// ProblemContentType is the media type of an [Answer]'s body (RFC 9457).
const ProblemContentType = "application/problem+json"

type reason struct {
	code   string
	status int
	// rfc6750 is the error attribute, "" for none (missing token, 503).
	rfc6750 string
	desc    string
}

// reasons maps each sentinel to its answer; the first match wins, so more
// specific sentinels come first.
var reasons = []struct {
	err error
	reason
}{
	{ErrTokenMissing, reason{"token_missing", http.StatusUnauthorized, "", "A bearer token is required"}},
	{ErrInvalidRequest, reason{"invalid_request", http.StatusBadRequest, "invalid_request", "The request does not carry a bearer token in a valid form"}},
	{ErrKeysUnavailable, reason{"keys_unavailable", http.StatusServiceUnavailable, "", "The signing keys of the issuer are unavailable; retry later"}},
	{ErrStoreUnavailable, reason{"store_unavailable", http.StatusServiceUnavailable, "", "A shared store this service needs is unavailable; retry later"}},
	{ErrDPoPNonce, reason{"use_dpop_nonce", http.StatusUnauthorized, "use_dpop_nonce", "Resend the request with a DPoP proof carrying the server's nonce"}},
	{ErrDPoPProof, reason{"invalid_dpop_proof", http.StatusUnauthorized, "invalid_dpop_proof", "The DPoP proof is invalid"}},
	{ErrDPoPBinding, reason{"token_binding_invalid", http.StatusUnauthorized, "invalid_token", "The access token and its DPoP proof do not match"}},
	{ErrTokenRevoked, reason{"token_revoked", http.StatusUnauthorized, "invalid_token", "The access token was revoked"}},
	{ErrInsufficientUserAuthentication, reason{"insufficient_user_authentication", http.StatusUnauthorized, "insufficient_user_authentication", "A stronger or more recent authentication is required"}},
	{ErrInsufficientScope, reason{"insufficient_scope", http.StatusForbidden, "insufficient_scope", "The token does not grant what this resource requires"}},
	{ErrTokenExpired, reason{"token_expired", http.StatusUnauthorized, "invalid_token", "The access token expired"}},
	{ErrTokenNotYetValid, reason{"token_not_yet_valid", http.StatusUnauthorized, "invalid_token", "The access token is not valid yet"}},
	{ErrTokenIssuedInFuture, reason{"token_issued_in_future", http.StatusUnauthorized, "invalid_token", "The access token was issued in the future"}},
	{ErrTokenTooOld, reason{"token_too_old", http.StatusUnauthorized, "invalid_token", "The access token is older than this service accepts"}},
	{ErrIssuer, reason{"issuer_invalid", http.StatusUnauthorized, "invalid_token", "The access token's issuer is not accepted"}},
	{ErrAudience, reason{"audience_invalid", http.StatusUnauthorized, "invalid_token", "The access token is not meant for this service"}},
	{ErrTokenType, reason{"token_type_invalid", http.StatusUnauthorized, "invalid_token", "The token is not an access token of the required type"}},
	{ErrAlgorithm, reason{"algorithm_not_allowed", http.StatusUnauthorized, "invalid_token", "The access token's signature algorithm is not accepted"}},
	{ErrKeyAmbiguous, reason{"key_ambiguous", http.StatusUnauthorized, "invalid_token", "The access token does not identify its signing key"}},
	{ErrKeyNotFound, reason{"key_not_found", http.StatusUnauthorized, "invalid_token", "The access token's signing key is unknown"}},
	{ErrSignature, reason{"signature_invalid", http.StatusUnauthorized, "invalid_token", "The access token's signature is invalid"}},
	{ErrMissingClaim, reason{"claim_missing", http.StatusUnauthorized, "invalid_token", "The access token lacks a required claim"}},
	{ErrInvalidClaim, reason{"claim_invalid", http.StatusUnauthorized, "invalid_token", "The access token's claims are not accepted"}},
	{ErrTokenMalformed, reason{"token_malformed", http.StatusUnauthorized, "invalid_token", "The access token is malformed"}},
	{context.DeadlineExceeded, reason{"keys_unavailable", http.StatusServiceUnavailable, "", "The signing keys of the issuer are unavailable; retry later"}},
	{context.Canceled, reason{"request_canceled", http.StatusServiceUnavailable, "", "The request was canceled"}},
}

var internalReason = reason{"internal_error", http.StatusInternalServerError, "", "The token could not be checked"}

// reasonCodes are the distinct codes of reasons, then internal_error: the
// values of the jwksauth.reason metric attribute.
var reasonCodes = func() []string {
	var codes []string
	for _, r := range reasons {
		if !slices.Contains(codes, r.code) {
			codes = append(codes, r.code)
		}
	}
	return append(codes, internalReason.code)
}()

// reasonIndex returns the index in reasonCodes of err's code.
func reasonIndex(err error) int {
	for _, e := range reasons {
		if errors.Is(err, e.err) {
			return slices.Index(reasonCodes, e.code)
		}
	}
	return len(reasonCodes) - 1
}

// AnswerFor returns the answer to err for a resource protected under realm
// (the realm attribute is omitted when realm is ""). err is any error that
// [Authenticator.Authenticate], [Authenticator.ExtractToken] or a
// [Requirement] returned; an error that matches none of the package's
// sentinels is a 500 with no challenge: a bug, not the client's fault.
func AnswerFor(err error, realm string) Answer {
	return AnswerWith(err, AnswerOptions{Realm: realm})
}

// AnswerWith is [AnswerFor] with every configured attribute of the
// challenge: the realm and the resource_metadata URL (RFC 9728 §5.1). A
// step-up error ([ErrInsufficientUserAuthentication]) is answered 401 with
// error="insufficient_user_authentication" and the acr_values and max_age
// attributes of RFC 9470 §3.
func AnswerWith(err error, o AnswerOptions) Answer {
	r := internalReason
	for _, e := range reasons {
		if errors.Is(err, e.err) {
			r = e.reason
			break
		}
	}
	a := Answer{Status: r.status, Code: r.code, Description: r.desc}
	if r.status == http.StatusServiceUnavailable {
		a.RetryAfter = 1
		var ue *jwks.UnavailableError
		if errors.As(err, &ue) && ue.RetryAfter > time.Second {
			a.RetryAfter = int((ue.RetryAfter + time.Second - 1) / time.Second)
		}
	}
	var re *claims.RequirementError
	if r.status == http.StatusForbidden && errors.As(err, &re) {
		a.Scopes = re.Scopes
		if d := safeText(re.Description); d != "" {
			a.Description = d
		}
	}
	var se *claims.StepUpError
	if r.rfc6750 == "insufficient_user_authentication" && errors.As(err, &se) {
		a.ACRValues = se.ACRValues
		a.MaxAge = int(se.MaxAge / time.Second)
		if d := safeText(se.Description); d != "" {
			a.Description = d
		}
	}
	if r.status == http.StatusUnauthorized || r.status == http.StatusBadRequest || r.status == http.StatusForbidden {
		dpopError := o.DPoPAlgs != "" && (r.code == "use_dpop_nonce" || r.code == "invalid_dpop_proof" || r.code == "token_binding_invalid")
		switch {
		case dpopError:
			a.Challenge = a.challenge(o, "DPoP", r.rfc6750)
		default:
			a.Challenge = a.challenge(o, "Bearer", r.rfc6750)
			if o.DPoPAlgs != "" && r.status == http.StatusUnauthorized {
				a.DPoPChallenge = (&Answer{}).challenge(o, "DPoP", "")
			}
		}
	}
	a.DPoPNonce = o.DPoPNonce
	return a
}

// challenge builds an RFC 6750 §3 WWW-Authenticate value, with the
// attributes of RFC 9470 §3 and RFC 9728 §5.1 where they apply.
func (a *Answer) challenge(o AnswerOptions, scheme, errCode string) string {
	var b strings.Builder
	b.WriteString(scheme)
	sep := " "
	attr := func(name, value string) {
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(value)
		b.WriteByte('"')
		sep = ", "
	}
	if o.Realm != "" {
		attr("realm", quoteSafe(o.Realm))
	}
	if scheme == "DPoP" {
		attr("algs", safeText(o.DPoPAlgs))
	}
	if errCode != "" {
		attr("error", errCode)
		if a.Description != "" {
			attr("error_description", safeText(a.Description))
		}
	}
	if len(a.Scopes) > 0 {
		attr("scope", safeText(strings.Join(a.Scopes, " ")))
	}
	if len(a.ACRValues) > 0 {
		attr("acr_values", safeText(strings.Join(a.ACRValues, " ")))
	}
	if a.MaxAge > 0 {
		attr("max_age", strconv.Itoa(a.MaxAge))
	}
	if o.ResourceMetadata != "" {
		attr("resource_metadata", safeText(o.ResourceMetadata))
	}
	return b.String()
}

// safeText keeps the characters RFC 6750 §3 allows in error_description and
// scope (%x20-21 / %x23-5B / %x5D-7E): no quote, no backslash, no control
// or non-ASCII byte.
func safeText(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteByte('\'')
		case c < 0x20 || c > 0x7e || c == '\\':
			// dropped
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// quoteSafe is safeText for the realm, a quoted-string (RFC 9110 §5.6.4).
func quoteSafe(s string) string { return safeText(s) }

// Body returns the answer's RFC 9457 problem document:
//
//	{"type":"about:blank","title":"Unauthorized","status":401,"code":"token_expired","detail":"The access token expired"}
//
// Every value in it comes from this package's fixed texts or the route's
// configuration, never from the request.
func (a Answer) Body() []byte {
	b := make([]byte, 0, 160)
	b = append(b, `{"type":"about:blank","title":`...)
	b = strconv.AppendQuote(b, http.StatusText(a.Status))
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(a.Status), 10)
	b = append(b, `,"code":`...)
	b = strconv.AppendQuote(b, a.Code)
	b = append(b, `,"detail":`...)
	b = strconv.AppendQuote(b, a.Description)
	if len(a.Scopes) > 0 {
		b = append(b, `,"scope":`...)
		b = strconv.AppendQuote(b, strings.Join(a.Scopes, " "))
	}
	if len(a.ACRValues) > 0 {
		b = append(b, `,"acr_values":`...)
		b = strconv.AppendQuote(b, strings.Join(a.ACRValues, " "))
	}
	if a.MaxAge > 0 {
		b = append(b, `,"max_age":`...)
		b = strconv.AppendInt(b, int64(a.MaxAge), 10)
	}
	b = append(b, '}')
	return b
}

// Header sets the answer's headers on h: WWW-Authenticate, Retry-After,
// Content-Type and Cache-Control (no-store, as RFC 6750 §5.3 advises for
// answers about credentials).
func (a Answer) Header(h http.Header) {
	if a.Challenge != "" {
		h.Set("WWW-Authenticate", a.Challenge)
	}
	if a.DPoPChallenge != "" {
		h.Add("WWW-Authenticate", a.DPoPChallenge)
	}
	if a.DPoPNonce != "" {
		h.Set("DPoP-Nonce", a.DPoPNonce)
	}
	if a.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(a.RetryAfter))
	}
	h.Set("Content-Type", ProblemContentType)
	h.Set("Cache-Control", "no-store")
}

// WriteError writes the answer to err (see [AnswerFor]) on w, for a resource
// protected under realm. It is the default error writer of the net/http
// adapter and a convenience for hand-written handlers.
func WriteError(w http.ResponseWriter, err error, realm string) {
	AnswerFor(err, realm).Write(w)
}

// Write writes the answer on w: its headers ([Answer.Header]), status and
// body ([Answer.Body]).
func (a Answer) Write(w http.ResponseWriter) {
	a.Header(w.Header())
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body())
}
