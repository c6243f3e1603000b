// Package interop holds jwksauth's interoperability tests: the example apps,
// run as processes, against a real OpenID provider (npm oidc-provider over
// HTTPS with a test CA) and a real browser (Chromium driven by
// playwright-core). They need Node.js and `npm ci` in this folder, and
// Chromium for the browser tests, so they are built only with the
// "interop" build tag:
//
//	make interop   # provider tests
//	make e2e       # browser tests
//
// See the repository's README (Testing) and docs/decisions/0019.
package interop
