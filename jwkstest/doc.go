// Package jwkstest is a test kit for code that verifies JWT access tokens
// issued by OpenID Connect identity providers, in the spirit of
// [net/http/httptest]: an identity provider on loopback that a verifier
// talks to over real HTTP, and a fake clock.
//
// # The issuer
//
// [Start] (or [NewIssuer] in a test) runs an [Issuer]: OpenID Connect
// discovery (OpenID Connect Discovery 1.0) at [Issuer.DiscoveryURL] and a
// JWKS (RFC 7517) at [Issuer.JWKSURL], served by a [jwks.Handler]. Its
// identifier, [Issuer.URL], is "http://127.0.0.1:PORT", optionally with a
// path ([WithPath]); [Issuer.StartSibling] puts several issuers on the same
// listeners.
//
// Keys are RSA (2048 bits, or 3072 and 4096), ECDSA P-256, P-384 and P-521,
// and Ed25519 ([NewKey], [Issuer.GenerateKey]). RSA keys are recycled
// through a pool shared by the package, so a suite generates only as many
// as it has issuers open at once. The key set rotates at runtime:
// [Issuer.AddKey], [Issuer.UseKey], [Issuer.Rotate], [Issuer.RemoveKey].
//
// # Tokens
//
// [Issuer.Mint] signs a token with any claims over sensible defaults (iss,
// sub, aud, iat, exp, typ, kid), with the standard library only, never with
// the verifier under test. [MintOption]s make the tokens a verifier must
// reject: a flipped signature bit, "alg": "none", HS256 keyed with the
// public key (PEM or JWK), "jku"/"x5u"/"jwk"/"x5c" headers, non-canonical
// base64url, duplicate or case-variant member names, a missing or unknown
// kid, verbatim header or payload JSON, a signature of the wrong length, a
// DER-encoded ECDSA signature, a key that is not published.
//
// # Outages and counters
//
// [Issuer.SetJWKSFault] and [Issuer.SetDiscoveryFault] switch an endpoint
// into a [Fault]: connections refused, a hanging answer, 500, 404, a body
// that is not JSON, an oversize body, a slow trickle, an empty key set, a
// dropped connection. [Issuer.JWKSRequests], [Issuer.DiscoveryRequests] and
// [Issuer.IfNoneMatch] tell what verifiers asked for;
// [Issuer.WaitJWKSRequests] waits for a request without sleeping.
//
// # Time
//
// [Clock] is a fake [clock.Clock] that moves only when told; pass it to the
// code under test and to the issuer ([WithClock]) so that tokens are valid
// at fake time.
//
// The package does not import testing: example applications can use an
// Issuer as a development identity provider.
package jwkstest
