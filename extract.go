package jwksauth

import (
	"errors"
	"fmt"
	"strings"
)

// Credentials is what an adapter reads from a request so that the core can
// find the token in it: the raw values, with no interpretation. Adapters fill
// it the same way for every framework; [Authenticator.ExtractToken] decides.
type Credentials struct {
	// Authorization holds every value of the Authorization header, in order.
	Authorization []string
	// Cookie holds every value of the cookie named by [Config.TokenCookie]
	// (nil when that option is unset or the request carries no such cookie).
	Cookie []string
	// Query holds every value of the query parameter named by
	// [Config.TokenQuery] (nil when that option is unset).
	Query []string

	// DPoP holds every value of the DPoP header (RFC 9449), read only when
	// an issuer takes DPoP ([Authenticator.DPoPEnabled]).
	DPoP []string
	// Method, Scheme ("https" when the connection is TLS, else "http"),
	// Host (the Host header) and Path (the request target's path, as sent)
	// describe the request: a DPoP proof must name it (htm and htu), and
	// [Config].RequestIssuers decides by host and path. Adapters fill them.
	Method, Scheme, Host, Path string
	// Forwarded, XForwardedProto and XForwardedHost hold the values of
	// those headers, read only when [DPoPConfig].TrustForwarded is set:
	// behind a trusted proxy, the URL the client used is rebuilt from them.
	Forwarded, XForwardedProto, XForwardedHost []string
}

// ExtractToken finds the bearer token in c, as RFC 6750 §2 describes.
//
//   - An Authorization header "Bearer <token>" (the scheme matched
//     case-insensitively) is read; a header with another scheme (Basic, DPoP,
//     …) is not a bearer token and counts as absent.
//   - When configured, a cookie ([Config.TokenCookie]) or a query parameter
//     ([Config.TokenQuery]) may carry the token instead.
//
// No token anywhere is [ErrTokenMissing] (401 without an error attribute).
//
// A malformed request is [ErrInvalidRequest] (400 invalid_request): two
// Authorization headers, two cookies or query values of the token's name, a
// token in more than one place, an empty Authorization header.
//
// A credential that is present but malformed is an invalid token,
// [ErrTokenMalformed] (401 invalid_token, as RFC 6750 §3.1 lists
// "malformed" under invalid_token): "Bearer" without a token, characters
// outside the token68 syntax (a space, a comma, a control or non-ASCII
// byte, "=" other than trailing padding), or a token longer than the
// configured maximum. A client refreshes its token on 401, not on 400. The
// same token's other defects (padding or the standard base64 alphabet
// inside a part, a wrong number of segments) are found by
// [Authenticator.Authenticate], with the same answer.
//
// The token itself is never part of an error message.
func (a *Authenticator) ExtractToken(c Credentials) (string, error) {
	return extractToken(c, a.maxTokenSize)
}

// ExtractToken is [Authenticator.ExtractToken] with the default size limit,
// for callers that have no Authenticator (an Authenticator's method honours
// [Config.MaxTokenSize]).
func ExtractToken(c Credentials) (string, error) {
	return extractToken(c, DefaultMaxTokenSize)
}

func extractToken(c Credentials, maxSize int) (string, error) {
	token, _, err := extractCredential(c, maxSize, false)
	return token, err
}

// extractCredential is extractToken that, with dpop set, also takes an
// Authorization header of the DPoP scheme (RFC 9449 §7.1) and reports it.
func extractCredential(c Credentials, maxSize int, dpop bool) (token string, isDPoP bool, err error) {
	var found int
	if len(c.Authorization) > 1 {
		return "", false, fmt.Errorf("%w: %d Authorization headers", ErrInvalidRequest, len(c.Authorization))
	}
	// A malformed credential in the header is reported after the other
	// places are looked at: a token in two places is a malformed request
	// (400) whatever the tokens look like.
	var headerErr error
	if len(c.Authorization) == 1 {
		t, scheme, err := parseAuthorization(c.Authorization[0], maxSize, dpop)
		switch {
		case errors.Is(err, ErrInvalidRequest):
			return "", false, err
		case err != nil:
			headerErr, found = err, 1
		case scheme != "":
			token, found, isDPoP = t, 1, scheme == "DPoP"
		}
	}
	for _, src := range [...]struct {
		name   string
		values []string
	}{{"cookie", c.Cookie}, {"query parameter", c.Query}} {
		switch len(src.values) {
		case 0:
			continue
		case 1:
		default:
			return "", false, fmt.Errorf("%w: the token %s appears %d times", ErrInvalidRequest, src.name, len(src.values))
		}
		v := src.values[0]
		if v == "" {
			continue
		}
		// A token in two places is a malformed request whatever the
		// tokens look like.
		if found > 0 {
			return "", false, fmt.Errorf("%w: a token in more than one place (Authorization header, cookie, query)", ErrInvalidRequest)
		}
		if err := checkToken68(v, maxSize); err != nil {
			return "", false, fmt.Errorf("%w (in the %s)", err, src.name)
		}
		token, found = v, 1
	}
	if headerErr != nil {
		return "", false, headerErr
	}
	if found == 0 {
		return "", false, ErrTokenMissing
	}
	return token, isDPoP, nil
}

// parseAuthorization reads one Authorization header value: the token and
// its scheme, "Bearer" or (with dpop set) "DPoP"; scheme is "" when the
// header uses another scheme.
func parseAuthorization(v string, maxSize int, dpop bool) (token, scheme string, err error) {
	v = strings.Trim(v, " \t")
	if v == "" {
		return "", "", fmt.Errorf("%w: empty Authorization header", ErrInvalidRequest)
	}
	name, rest, _ := strings.Cut(v, " ")
	switch {
	case strings.EqualFold(name, "Bearer"):
		scheme = "Bearer"
	case dpop && strings.EqualFold(name, "DPoP"):
		scheme = "DPoP"
	default:
		// Another authentication scheme (Basic, DPoP when no issuer takes
		// it, …): not a token for us.
		return "", "", nil
	}
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return "", "", fmt.Errorf("%w: %s scheme without a token", ErrTokenMalformed, scheme)
	}
	if err := checkToken68(rest, maxSize); err != nil {
		return "", "", err
	}
	return rest, scheme, nil
}

// checkToken68 enforces RFC 7235 token68 syntax (RFC 6750 b64token) and the
// size limit, without echoing the input. A violation is a malformed token
// (401 invalid_token), not a malformed request.
func checkToken68(t string, maxSize int) error {
	if len(t) > maxSize {
		return fmt.Errorf("%w: token of %d bytes exceeds the limit of %d", ErrTokenMalformed, len(t), maxSize)
	}
	end := len(t)
	for end > 0 && t[end-1] == '=' {
		end--
	}
	if end == 0 {
		return fmt.Errorf("%w: empty token", ErrTokenMalformed)
	}
	for i := 0; i < end; i++ {
		if !token68[t[i]] {
			return fmt.Errorf("%w: the token contains a character outside the token68 syntax at offset %d", ErrTokenMalformed, i)
		}
	}
	return nil
}

// token68 marks the bytes of the RFC 7235 token68 syntax (padding aside).
var token68 = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-._~+/" {
		t[c] = true
	}
	return t
}()
