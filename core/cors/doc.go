// Package cors holds jwksauth's one CORS policy type, [Policy], validated
// once by [New] into a [Compiled] policy that every adapter maps onto its
// framework's own CORS middleware: rs/cors for net/http, gin-contrib/cors,
// Echo's middleware and Fiber's cors middleware. The package imports no web
// framework and no other jwksauth package; it only decides, it never writes
// a response.
//
// # Security decisions
//
// The rules of the Fetch standard's CORS protocol that matter for a bearer-
// token API are made here, once, so that the four adapters cannot disagree:
//
//   - Origins are listed explicitly: exact origins such as
//     "https://app.example.com", or patterns whose leftmost label is a
//     wildcard, "https://*.example.com". A pattern matches exactly one label
//     in place of the "*", like a TLS wildcard certificate (RFC 6125): it
//     matches "https://app.example.com" but neither the apex
//     "https://example.com" nor "https://a.b.example.com". "*" alone allows
//     every origin and is refused together with credentials.
//   - The "null" origin is refused: sandboxed iframes, file: pages and
//     cross-origin redirects all send it, so allowing it allows anyone.
//   - Origins are compared with the serialization browsers send (lowercase
//     scheme and host, no default port, no path), byte for byte. Configured
//     origins are normalized to that form; anything that cannot be an origin
//     (a path, a trailing slash, a query, userinfo, a non-ASCII host) is an
//     error rather than a silent non-match.
//   - Allowed request headers are an explicit list that always includes
//     Authorization and Content-Type; the browser's Access-Control-Request-
//     Headers is never echoed back.
//   - WWW-Authenticate and Retry-After are always exposed, so that a script
//     can read why a request got 401, 403 or 503 and when to retry.
//   - A zero [Policy] installs nothing, and [New] never produces a policy
//     without origins: several frameworks read an empty origin list as
//     "allow every origin".
//
// # For adapter authors
//
// Hand [Compiled.AllowOrigin] to the framework's origin callback
// (AllowOriginFunc in rs/cors, gin-contrib/cors and Echo, AllowOriginsFunc
// in Fiber) rather than translating [Compiled.Patterns] into the framework's
// own wildcard syntax: rs/cors and Echo let a "*" span several labels, which
// is wider than this package's one-label rule. The CORS middleware belongs
// outside authentication, so that preflights need no token and 401, 403 and
// 503 answers to an allowed origin still carry CORS headers.
package cors
