// Package conformance is the one conformance table that every jwksauth
// adapter (net/http, Gin, Echo, Fiber) runs against its own router, in the
// spirit of [net/http/httptest] and OpenTelemetry's tracetest: the security
// decisions — who gets through, who gets which status, who gets CORS
// headers — are proven identical in every framework, and the harmless
// differences between frameworks are recorded per adapter in [Options]
// instead of hidden.
//
// An adapter's test hands [Run] a [Mount] that builds the application from
// the [Setup] the suite made (the [jwksauth.Authenticator], the CORS policy,
// the excluded paths), serves it on loopback and returns its URL:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, func(t *testing.T, s *conformance.Setup) string {
//			app := newApp(s) // the routes contract below, with the adapter's API
//			srv := httptest.NewServer(app)
//			t.Cleanup(srv.Close)
//			return srv.URL
//		}, conformance.Options{Framework: "gin", Statuses: map[string][]int{
//			"cors/disallowed":           {403}, // gin-contrib/cors refuses unknown origins itself
//			"cors/preflight-disallowed": {403},
//		}})
//	}
//
// The suite builds the issuers and the Authenticator itself, so that every
// adapter sees the identical configuration: issuer A, a healthy
// [jwkstest.Issuer] with an RS256 and an ES256 key, minting for [Audience];
// issuer B, configured but with its discovery and key set refusing
// connections from the start, so that its tokens get 503 with Retry-After;
// realm [Realm]. A third issuer, healthy but not configured, plays the
// attacker. Cases run one after the other, each request answered at once;
// the whole table takes well under a second.
//
// # The routes contract
//
// Every adapter mounts exactly this application (see [Routes]):
//
//   - CORS, from [Setup.CORS], at the top level (engine, app, outermost
//     handler), outside authentication: every route, every 404 and every
//     preflight sees it, and a preflight never needs a token.
//   - Below it, the adapter's global middleware, Middleware(auth,
//     exclusions) with [Setup.Exclusions], on everything: it skips
//     "/healthz" (exact), "/public/" and "/optional/" (prefixes), compared
//     with the request path as sent (jwksauth.Exclusions.Match), and
//     requires a valid token everywhere else, unknown paths included.
//   - GET /healthz → 200 "healthz" (excluded exact path).
//   - GET /public/info → 200 "public" (excluded prefix; a prefix route such
//     as /public/* is fine too).
//   - GET /api/profile → 200 "profile" with a valid token.
//   - GET /api/reports → Require(jwksauth.Scopes("reports:read")) →
//     200 "reports-read".
//   - POST /api/reports → Require(jwksauth.Scopes("reports:write")) →
//     201 "reports-write".
//   - GET /api/admin → Require(jwksauth.Scopes("admin")) → 200 "admin".
//   - GET /api/step-up → Require(jwksauth.Scopes("admin"),
//     jwksauth.ACR("phrh")) → 200 "admin-step-up" (mount
//     [Route.Requirements]).
//   - GET /optional/whoami → the adapter's per-route Optional(auth) (the
//     path is excluded from the global middleware) → 200 "whoami": anonymous
//     without a token, authenticated with a valid one, rejected with an
//     invalid one.
//
// Every handler sets the response header X-Route ([RouteHeader]) to its
// name and answers its status with Content-Type application/json and the
// body {"route":"<name>","sub":"<sub>"} ([Body]), where <sub> is the
// subject of the verified claims the adapter stored for the handler
// (jwksauth.ClaimsFromContext or the framework's accessor), or "" when
// there are none. Rejections are the core's answers, written by the
// adapter's default error writer (jwksauth.AnswerFor: status,
// WWW-Authenticate, Retry-After, application/problem+json body with a
// stable code).
//
// # The cases
//
// Each case is a subtest named group/case. Every case checks the status,
// the WWW-Authenticate challenge (none, Bearer realm="conformance" alone, or
// with its error and scope attributes), the problem body's code, Retry-After,
// which handler ran ([RouteHeader] present with the right name for a 2xx,
// absent otherwise, and the body's sub), the CORS headers, and that no
// answer echoes the token. Cases marked recordable accept statuses recorded
// in [Options.Statuses]; the others are security decisions.
//
// auth: the global middleware on GET /api/profile.
//
//   - unknown-issuer: a valid token from an issuer nobody configured →
//     401 invalid_token issuer_invalid, and neither that issuer nor issuer
//     A receives a request (no fetch on attacker input).
//   - missing-token → 401, Bearer realm="conformance" without an error
//     attribute, token_missing.
//   - malformed-token → 401 token_malformed; expired → 401 token_expired;
//     wrong-audience → 401 audience_invalid; bad-signature → 401
//     signature_invalid; unknown-kid → 401 key_not_found; alg-none and
//     hs256-public-key (HS256 keyed with the public key) → 401
//     algorithm_not_allowed.
//   - two-authorization-headers → 400 invalid_request (a malformed
//     request).
//   - bearer-without-token, outside-token68 ("Bearer abc def"),
//     padded-base64, standard-base64, wrong-segment-count → 401
//     invalid_token token_malformed: a present but malformed token is an
//     invalid token (RFC 6750 §3.1), so that the client refreshes it.
//   - basic-scheme: Authorization: Basic … → 401 token_missing.
//   - lowercase-bearer ("bearer <token>"), valid-rs256, valid-es256 → 200
//     with the token's sub.
//   - large-token (recordable): a valid token of about 6 KiB → 200.
//   - keys-unavailable: a token of issuer B → 503 keys_unavailable,
//     Retry-After, no WWW-Authenticate.
//
// scopes: reports-read-granted → 200; reports-write-missing → 403
// insufficient_scope with scope="reports:write"; reports-write-granted →
// 201; admin-missing → 403 with scope="admin"; admin-granted → 200;
// invalid-token-before-scopes → 401 (authentication fails before the
// requirement is looked at).
//
// optional (GET /optional/whoami): anonymous and basic-scheme → 200 with
// sub ""; valid → 200 with the sub; invalid (expired) → 401;
// malformed-token ("Bearer" alone) → 401 token_malformed;
// two-authorization-headers → 400; keys-unavailable → 503.
//
// excluded: exact (/healthz) and prefix (/public/info) → 200 without a
// token; ignores-credentials: /healthz with an expired token → 200 (an
// excluded path is not authenticated at all).
//
// routing: unknown-path-anonymous → 401 (the global middleware sees unknown
// paths too); unknown-path-authenticated → 404 with no handler.
//
// bypass (recordable, never 2xx): requests without a token to
// /healthz/../api/admin (dot-dot), //healthz (double-slash), /HEALTHZ
// (uppercase), /healthz%2F..%2Fapi%2Fadmin (encoded-slashes), /%68ealthz
// (encoded-letter), /public/../api/admin (public-dot-dot),
// /public/%2e%2e/api/admin (public-encoded-dots), /optional/../api/admin
// (optional-dot-dot), /healthz/ (trailing-slash), /healthz;/../api/admin
// (semicolon), and toward /api/profile, which has no requirement of its
// own to catch a mistake: /healthz/../api/profile (dot-dot-profile),
// /healthz%2F..%2Fapi%2Fprofile (encoded-slashes-profile),
// /public/%2e%2e/api/profile (public-encoded-dots-profile) and
// /optional/../api/profile (optional-dot-dot-profile); each sent byte for
// byte. The default is 401 token_missing; a framework that answers before
// the middleware (a 301 to the cleaned path, 400, 404) records it.
// Whatever the status, no handler may run.
//
// cors: the policy allows https://app.example.com exactly and
// https://*.example.org (one label), with credentials, the extra request
// header X-Request-Id and the extra exposed header X-Trace-Id, max age one
// hour.
//
//   - preflight and preflight-pattern-origin (recordable as another 2xx):
//     OPTIONS with Origin and Access-Control-Request-Method/-Headers, no
//     token → 204, Access-Control-Allow-Origin the origin,
//     Access-Control-Allow-Credentials true, Vary listing Origin, the
//     requested method and headers allowed, Access-Control-Max-Age 3600, no
//     challenge, no handler.
//   - preflight-unlisted-header (X-Evil) and preflight-unlisted-method
//     (PROPFIND) (recordable): the answer must not grant them; allowed
//     headers are an explicit list, never the request echoed.
//   - actual, actual-pattern-origin, excluded, 400, 401,
//     401-invalid-token, 403, 503, 404: the answer to an allowed origin
//     carries Access-Control-Allow-Origin (the origin),
//     Access-Control-Allow-Credentials true, Vary: Origin, and
//     Access-Control-Expose-Headers listing WWW-Authenticate, Retry-After and
//     X-Trace-Id, whatever the status.
//   - disallowed/<name> (recordable): GET /healthz from an origin the policy
//     refuses → 200 without Access-Control-Allow-Origin;
//     preflight-disallowed/<name> (recordable): the preflight → 204 without
//     it. The names: suffix (https://app.example.com.evil.com), prefix
//     (https://evilapp.example.com), scheme (http://app.example.com),
//     pattern-apex (https://example.org), pattern-two-labels
//     (https://a.b.example.org), null, pattern-suffix
//     (https://api.example.org.evil.com), unlisted
//     (https://evil.example.net), userinfo-trick
//     (https://app.example.com@evil.example.net).
//
// Requests without an Origin header must get no Access-Control-Allow-Origin.
// An empty Access-Control-Allow-Origin counts as absent: it grants nothing.
//
// resource (RFC 9728): the suite's Authenticator has the resource
// [Resource]. metadata and metadata-ignores-credentials: GET
// [ResourceMetadataPath], served by the global middleware without
// authentication → 200 application/json naming the resource, the
// configured issuers, the routes' scopes and the header bearer method,
// cacheable, with Access-Control-Allow-Origin "*". Every challenge of every
// case carries resource_metadata=[ResourceMetadataURL].
//
// step-up (RFC 9470, GET /api/step-up): acr-met → 200; acr-missing (acr
// "pwd") → 401 insufficient_user_authentication with acr_values="phrh";
// scope-before-acr → 403 insufficient_scope; cors → the same 401 with CORS
// headers.
//
// dpop (RFC 9449): issuer D requires DPoP-bound tokens, so every 401 with a
// Bearer challenge carries a second one, DPoP algs="ES256 EdDSA". On GET
// /api/profile with D's tokens: valid and query-ignored → 200;
// bearer-scheme (a bound token as a bearer token), unbound-token and jkt
// (the proof signed by another key than cnf.jkt names) → 401
// token_binding_invalid; no-proof, two-proofs, typ, alg, signature,
// private-jwk, htm, htu, iat, ath, missing-jti and replay (the proof of
// replay-first sent again) → 401 invalid_dpop_proof, each under a DPoP
// challenge with algs and its error.
//
// # Recorded differences
//
// [Options.Statuses] maps a case name or a group ("bypass",
// "cors/disallowed") to the statuses the adapter answers instead of the
// default; the most specific key applies. A recorded status waives the
// status and the core's answer (problem body, challenge), never which
// handler ran nor the CORS decision. Records are validated before the
// first request (a key that names no case, a security decision, a 2xx for
// a case that must fail) and must each be observed at least once, so that
// they stay true.
package conformance
