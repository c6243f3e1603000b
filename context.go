package jwksauth

import "context"

// ctxKey is the unexported context key under which verified claims are stored.
type ctxKey struct{}

// WithClaims returns a copy of ctx carrying c. Adapters call it after a
// successful verification; handlers read the claims back with
// [ClaimsFromContext].
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// ClaimsFromContext returns the verified claims stored in ctx by
// [WithClaims], and whether there were any. A route with optional
// authentication that received no token has none.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(ctxKey{}).(*Claims)
	return c, ok && c != nil
}
