// Package jwksauth authenticates HTTP requests carrying JWT access tokens
// (RFC 9068) from OpenID Connect identity providers, as RFC 6750 describes
// for bearer tokens.
//
// An [Authenticator] is built once from a [Config] naming one or more
// issuers. For each request an adapter (net/http, Gin, Echo, Fiber; see the
// adapters/ modules) hands the request's credentials to
// [Authenticator.ExtractToken], the token to [Authenticator.Authenticate],
// the verified [Claims] to the route's [Requirement], and any error to
// [AnswerFor], which computes the one HTTP answer for it: 400, 401, 403
// insufficient_scope or 503 with Retry-After, with an RFC 6750 challenge and
// an RFC 9457 problem body.
//
// The request path, in order:
//
//  1. extract the token (Authorization header, or a configured cookie or
//     query parameter);
//  2. pre-check it before any cryptography: size, three base64url parts,
//     header JSON without duplicate members, alg in the issuer's allowlist
//     (never none; HMAC only with a configured symmetric key), crit
//     understood; jku, x5u, jwk and x5c never used to find a key;
//  3. route by the unverified iss to a configured issuer — an unknown issuer
//     is rejected with no network I/O;
//  4. find the key by kid in the issuer's cached key set (package jwks);
//  5. verify the signature with the standard library, then exp, nbf, iat,
//     iss, aud, typ, max age, required claims and custom validators;
//  6. check the route's requirements (scopes, claims, roles).
//
// Every rejection wraps one sentinel error ([ErrTokenExpired],
// [ErrAudience], [ErrKeysUnavailable], …) to be matched with [errors.Is].
package jwksauth
