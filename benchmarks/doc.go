// Package benchmarks measures jwksauth beside the standard-library floor and
// beside the peer libraries users come from (keyfunc v3 with golang-jwt v5,
// jwx v2's jwk.Cache, go-oidc v3, auth0/go-jwt-middleware v2, echo-jwt,
// Fiber's contrib/jwt), on the same tokens from the same local issuer.
//
// It is a module of its own, the only place in the repository where peer
// libraries appear. The benchmarks live in its _test.go files (run them with
// `make bench`); the load suite is the command cmd/load (`make bench-load`);
// cmd/charts draws docs/benchmarks.md's charts from their output
// (`make charts`). The package itself holds what they share: the issuer and
// its tokens ([Env]), every verifier configured to do the checks jwksauth
// does ([Verifiers]), and HTTP servers per framework ([NewServer]).
//
// Every verifier checks the signature, exp (required), iss and aud, and every
// benchmark fails when a verification it measures fails; [CheckRejects]
// proves for each verifier that a token of another audience, of another
// issuer and an expired one are rejected, so no peer is measured doing less
// work than jwksauth.
package benchmarks
