package jwksauth

// TokenCacheLen reports the number of entries in a's verified-token cache,
// after pending maintenance, for tests.
func TokenCacheLen(a *Authenticator) int {
	if a.tokens == nil {
		return 0
	}
	a.tokens.cache.CleanUp()
	return a.tokens.cache.EstimatedSize()
}
