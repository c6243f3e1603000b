package jwksauth

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/jwksauth/jwksauth/core/claims"
	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/store"
)

// DefaultMaxTokenSize is the largest token accepted when
// [Config.MaxTokenSize] is zero: 16 KiB. Access tokens are usually under
// 2 KiB; Entra tokens with many groups reach 5–8 KiB.
const DefaultMaxTokenSize = 16 << 10

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat when
// [Issuer.Leeway] is zero: 30 seconds.
const DefaultLeeway = claims.DefaultLeeway

// NoLeeway, as [Issuer.Leeway], asks for no clock-skew tolerance at all
// (the zero value means [DefaultLeeway]).
const NoLeeway = claims.NoLeeway

// Config configures an [Authenticator]. It is plain data; the zero value of
// every field means its documented default. [New] validates it.
type Config struct {
	// Issuers are the identity providers whose tokens are accepted; at least
	// one, unless IssuerTemplates are set. A token is routed to the issuer whose URL equals its iss claim
	// exactly; a token from any other issuer is rejected before any network
	// I/O.
	Issuers []Issuer

	// Realm is the realm attribute of WWW-Authenticate challenges (RFC 6750
	// §3). Default: no realm attribute.
	Realm string

	// MaxTokenSize bounds the token's length in bytes, checked when the
	// token is extracted, before any decoding. A longer token is answered
	// 401 invalid_token ([ErrTokenMalformed]), like every other malformed
	// token: the credential is present, it is the token that is unusable.
	// Default: [DefaultMaxTokenSize]; negative is an error.
	MaxTokenSize int

	// TokenCookie, when set, is the name of a cookie that may carry the token
	// instead of the Authorization header. Default: the header only.
	//
	// A browser attaches cookies to cross-site requests too, so a cookie
	// token makes every state-changing route open to cross-site request
	// forgery (CSRF) unless the application defends it: set the cookie
	// SameSite=Strict (or Lax, with no state change on GET), Secure and
	// HttpOnly, check the Origin (or Sec-Fetch-Site) header of unsafe
	// methods (net/http's CrossOriginProtection does both), or require a
	// CSRF token. A bearer token in the Authorization header is not sent
	// by the browser on its own and needs none of this.
	TokenCookie string

	// TokenQuery, when set, is the name of a query parameter that may carry
	// the token (RFC 6750 §2.3). Tokens in URLs end up in logs and browser
	// history: enable it only for clients that cannot send headers
	// (EventSource, WebSocket upgrades). Default: disabled.
	TokenQuery string

	// HTTPClient fetches discovery documents and key sets for every issuer
	// that has no client of its own. Default: a client with connect and total
	// timeouts that refuses cross-origin redirects (see package jwks).
	HTTPClient *http.Client

	// Clock is the source of time for claim checks and the key caches.
	// Default: the wall clock.
	Clock clock.Clock

	// Logger receives key-set events (fetch failures, rotations, stale
	// serves). Default: silent.
	Logger *slog.Logger

	// TokenCache configures the cache of verified tokens. Default: see
	// [TokenCacheConfig].
	TokenCache TokenCacheConfig

	// Resource describes the protected resource (RFC 9728 metadata, RFC
	// 8707 audience). Default: none; see [ResourceConfig].
	Resource ResourceConfig

	// DPoP configures DPoP proof checking (RFC 9449) for the issuers whose
	// [Issuer].DPoP is not disabled. Default: see [DPoPConfig].
	DPoP DPoPConfig

	// Replay records the identifiers of DPoP proofs, each for its window,
	// so that a proof is used once. Give every replica of a service the
	// same shared store (package stores/jwksredis), or a proof replayed to
	// another replica is accepted there. When it cannot answer, the proof
	// is refused (503): never a silent accept. Default: an in-memory store
	// of 100,000 entries (one replica).
	Replay store.Replay

	// Revocation, when set, is a deny list of jtis and subjects checked
	// for every verified token, the token cache's hits included (401
	// token_revoked). Default: none.
	Revocation store.Revocation

	// IssuerTemplates accept the tokens of multi-tenant providers whose
	// issuer URL names the tenant (Entra ID's
	// https://login.microsoftonline.com/{tenant}/v2.0): each accepted
	// tenant's issuer is created on first use, in a bounded set. Default:
	// none. See [IssuerTemplate].
	IssuerTemplates []IssuerTemplate

	// RequestIssuers, when set, narrows the accepted issuers per request,
	// for an API that serves each tenant at its own host or path: a token
	// of issuer iss is accepted on a request to host and path (as the
	// adapter saw them: [Credentials].Host and Path) only when it returns
	// true (401 issuer_invalid otherwise, before any key lookup). It must
	// be fast and must not block. Default: every issuer on every request.
	RequestIssuers func(host, path, iss string) bool

	// RevocationPolicy says what happens when Revocation cannot answer:
	// [store.FailClosed] answers 503 (the default), [store.FailOpen]
	// accepts the token and logs it at Warn.
	RevocationPolicy store.RevocationPolicy
}

// Issuer configures one identity provider.
type Issuer struct {
	// URL is the issuer identifier, compared exactly (byte for byte) with the
	// token's iss claim, and the base of OIDC discovery
	// (URL + "/.well-known/openid-configuration"). Required.
	URL string

	// JWKSURL, when set, is the key set's URL and discovery is skipped.
	// Default: found through OIDC discovery.
	JWKSURL string

	// Keys, when set, is a fixed key source: no network I/O at all. Build one
	// with [jwks.ParseStatic] (a JWKS document), [jwks.ParsePEM] or, for a
	// shared secret, [jwks.NewStaticSymmetric]. A static source
	// with a symmetric key is the only way HS256/384/512 are ever accepted.
	// Default: the remote key set at JWKSURL or found through discovery.
	Keys jwks.Source

	// Audiences are the accepted aud values: the token's aud (string or
	// array) must contain at least one. Required unless
	// InsecureSkipAudience is set.
	Audiences []string

	// InsecureSkipAudience accepts tokens whatever their audience: any token
	// the issuer minted for any other service is then accepted here too.
	// Default: false.
	InsecureSkipAudience bool

	// Algorithms is the allowlist of signature algorithms ("RS256", "ES256",
	// "EdDSA", …). Default: every asymmetric algorithm jwksauth verifies
	// (RS*, PS*, ES*, EdDSA, Ed25519). "none" is never accepted; HS256/384/512
	// only with a symmetric key in Keys.
	Algorithms []string

	// Leeway is the clock skew tolerated on exp, nbf and iat. Default:
	// [DefaultLeeway]; use [NoLeeway] for none.
	Leeway time.Duration

	// TokenType, when set, is the required typ header, compared as RFC 8725
	// §3.11 and RFC 9068 say (case-insensitively, "application/" optional),
	// e.g. "at+jwt". Default: typ is not checked.
	TokenType string

	// MaxAge, when set, rejects tokens issued (iat) longer ago; iat becomes
	// required. Default: no limit beyond exp.
	MaxAge time.Duration

	// RequiredClaims names claims that must be present. exp is always
	// required. Default: none more.
	RequiredClaims []string

	// Validators are run after every built-in check; an error rejects the
	// token with 401 (it is wrapped in [ErrInvalidClaim]). Route-level
	// authorization belongs in a [Requirement] (403) instead.
	Validators []func(*Claims) error

	// ScopeClaims names the claims normalized into [Claims].Scopes:
	// "scope" (space-separated string), "scp" (array or string),
	// "permissions" (array, Auth0 RBAC). A scope claim of another JSON type
	// rejects the token as malformed. Default: scope and scp.
	ScopeClaims []string

	// DPoP says whether the issuer's tokens may or must be DPoP-bound
	// (RFC 9449): [DPoPDisabled] (the default), [DPoPAllowed] or
	// [DPoPRequired]. See [DPoPConfig] for the proof checks.
	DPoP DPoPMode

	// Cache tunes the remote key set (TTL clamps, refresh, cooldowns,
	// staleness, limits). Its HTTPClient, Clock and Logger fields are filled
	// from the Config when nil. Its Issuer and URL fields must be left empty:
	// they come from URL and JWKSURL above (setting them is an error).
	// Default: the defaults of [jwks.CacheOptions].
	Cache jwks.CacheOptions
}

// TokenCacheConfig configures the cache of verified tokens: a repeated token
// is answered by a lookup plus the time checks instead of a signature check.
type TokenCacheConfig struct {
	// Disabled turns the cache off. Default: on.
	Disabled bool
	// Size bounds the number of entries. Default: 10,000.
	Size int
}
