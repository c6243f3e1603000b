package jwksauth

// RouteIssuer routes a token of issuer url as the request path does,
// without a token, for tests and benchmarks of multi-tenant routing.
func RouteIssuer(a *Authenticator, url string) error {
	_, err := a.issuerFor(url)
	return err
}
