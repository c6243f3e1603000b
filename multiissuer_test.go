package jwksauth_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// TestMultiIssuerScopeClaimsEmpty is the authorization bypass of issue 11:
// an issuer configured to read no scope claim at all must grant no scope,
// whatever other issuers are configured beside it and in whatever order.
func TestMultiIssuerScopeClaimsEmpty(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	a := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience))
	b := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience))
	for _, order := range []string{"b-first", "b-second"} {
		t.Run(order, func(t *testing.T) {
			issuers := []jwksauth.Issuer{
				{URL: a.URL(), Audiences: []string{testAudience}},
				{URL: b.URL(), Audiences: []string{testAudience}, ScopeClaims: []string{}},
			}
			if order == "b-first" {
				slices.Reverse(issuers)
			}
			auth := newMultiAuth(t, clk, issuers)
			c, err := auth.Authenticate(context.Background(), b.MustMint(map[string]any{"scope": "admin", "scp": []string{"admin"}}))
			if err != nil {
				t.Fatalf("issuer b: %v", err)
			}
			if len(c.Scopes) != 0 {
				t.Fatalf("issuer b reads no scope claim, yet the token grants %v", c.Scopes)
			}
			if err := jwksauth.Check(c, jwksauth.Scopes("admin")); !errors.Is(err, jwksauth.ErrInsufficientScope) {
				t.Fatalf("Scopes(admin) on issuer b's token: err = %v, want ErrInsufficientScope", err)
			}
			c, err = auth.Authenticate(context.Background(), a.MustMint(map[string]any{"scope": "admin"}))
			if err != nil || !c.HasScope("admin") {
				t.Fatalf("issuer a: err = %v, scopes %v", err, c)
			}
		})
	}
}

// TestMultiIssuerPerIssuerSettings checks that every per-issuer setting
// applies to its own issuer's tokens and to no other, with two and with
// three issuers configured, the configured issuer first, in the middle or
// last.
func TestMultiIssuerPerIssuerSettings(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	kitOpts := []jwkstest.Option{jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience), jwkstest.WithAlgorithms(jws.RS256, jws.ES256)}
	plainA := jwkstest.NewIssuer(t, kitOpts...)
	plainC := jwkstest.NewIssuer(t, kitOpts...)
	special := jwkstest.NewIssuer(t, kitOpts...)
	banned := errors.New("subject is banned")

	tests := []struct {
		name      string
		configure func(*jwksauth.Issuer)
		claims    map[string]any
		opts      []jwkstest.MintOption
		// want is what the configured issuer answers; a plain issuer
		// accepts the same token.
		want error
		// check, when set, inspects the claims the configured issuer
		// (special) and a plain one (plain) returned.
		check func(t *testing.T, special, plain *jwksauth.Claims)
	}{
		{
			name:      "audiences",
			configure: func(i *jwksauth.Issuer) { i.Audiences = []string{"api://special"} },
			want:      jwksauth.ErrAudience,
		},
		{
			name:      "algorithms",
			configure: func(i *jwksauth.Issuer) { i.Algorithms = []string{"ES256"} },
			opts:      []jwkstest.MintOption{jwkstest.WithSigningAlgorithm(jws.RS256)},
			want:      jwksauth.ErrAlgorithm,
		},
		{
			name:      "leeway",
			configure: func(i *jwksauth.Issuer) { i.Leeway = jwksauth.NoLeeway },
			claims:    map[string]any{"exp": epoch.Add(-10 * time.Second)},
			want:      jwksauth.ErrTokenExpired,
		},
		{
			name:      "token type",
			configure: func(i *jwksauth.Issuer) { i.TokenType = "at+jwt" },
			opts:      []jwkstest.MintOption{jwkstest.WithType("JWT")},
			want:      jwksauth.ErrTokenType,
		},
		{
			name:      "max age",
			configure: func(i *jwksauth.Issuer) { i.MaxAge = 10 * time.Minute },
			claims:    map[string]any{"iat": epoch.Add(-20 * time.Minute)},
			want:      jwksauth.ErrTokenTooOld,
		},
		{
			name:      "required claims",
			configure: func(i *jwksauth.Issuer) { i.RequiredClaims = []string{"client_id"} },
			want:      jwksauth.ErrMissingClaim,
		},
		{
			name: "validators",
			configure: func(i *jwksauth.Issuer) {
				i.Validators = []func(*jwksauth.Claims) error{func(c *jwksauth.Claims) error {
					if c.Subject == "banned" {
						return banned
					}
					return nil
				}}
			},
			claims: map[string]any{"sub": "banned"},
			want:   jwksauth.ErrInvalidClaim,
		},
		{
			name:      "scope claims: none",
			configure: func(i *jwksauth.Issuer) { i.ScopeClaims = []string{} },
			claims:    map[string]any{"scope": "admin", "scp": []string{"root"}},
			check: func(t *testing.T, special, plain *jwksauth.Claims) {
				if len(special.Scopes) != 0 {
					t.Errorf("configured issuer: scopes %v, want none", special.Scopes)
				}
				if !plain.HasScope("admin") || !plain.HasScope("root") {
					t.Errorf("plain issuer: scopes %v, want admin and root", plain.Scopes)
				}
			},
		},
		{
			name:      "scope claims: permissions only",
			configure: func(i *jwksauth.Issuer) { i.ScopeClaims = []string{"permissions"} },
			claims:    map[string]any{"scope": "admin", "permissions": []string{"read:orders"}},
			check: func(t *testing.T, special, plain *jwksauth.Claims) {
				if !slices.Equal(special.Scopes, []string{"read:orders"}) {
					t.Errorf("configured issuer: scopes %v, want [read:orders]", special.Scopes)
				}
				if !slices.Equal(plain.Scopes, []string{"admin"}) {
					t.Errorf("plain issuer: scopes %v, want [admin]", plain.Scopes)
				}
			},
		},
		{
			// An issuer that reads only permissions is not held to the
			// default claims' types: an unrelated scp object is just a
			// claim. A plain issuer reads scp, and an object there is
			// malformed.
			name:      "scope claims: the default claims' types are not checked for another list",
			configure: func(i *jwksauth.Issuer) { i.ScopeClaims = []string{"permissions"} },
			claims:    map[string]any{"scp": map[string]any{"x": 1}, "permissions": []string{"read:orders"}},
			check: func(t *testing.T, special, plain *jwksauth.Claims) {
				if !slices.Equal(special.Scopes, []string{"read:orders"}) {
					t.Errorf("configured issuer: scopes %v, want [read:orders]", special.Scopes)
				}
			},
			want: nil, // the plain issuer's answer is checked below
		},
	}
	layouts := []struct {
		name     string
		issuers  []*jwkstest.Issuer
		position int
	}{
		{"two issuers, configured first", []*jwkstest.Issuer{special, plainA}, 0},
		{"two issuers, configured last", []*jwkstest.Issuer{plainA, special}, 1},
		{"three issuers, configured in the middle", []*jwkstest.Issuer{plainA, special, plainC}, 1},
	}
	for _, tt := range tests {
		for _, lay := range layouts {
			for _, cached := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/token-cache=%v", tt.name, lay.name, cached), func(t *testing.T) {
					issuers := make([]jwksauth.Issuer, len(lay.issuers))
					for i, k := range lay.issuers {
						issuers[i] = jwksauth.Issuer{URL: k.URL(), Audiences: []string{testAudience}}
						if i == lay.position {
							tt.configure(&issuers[i])
						}
					}
					auth := newMultiAuthCache(t, clk, issuers, cached)
					ctx := context.Background()
					// Twice, so that a cached verification answers the same.
					for round := range 2 {
						sc, err := auth.Authenticate(ctx, special.MustMint(tt.claims, tt.opts...))
						if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
							t.Fatalf("round %d: configured issuer: err = %v, want %v", round, err, tt.want)
						}
						for _, plain := range lay.issuers {
							if plain == special {
								continue
							}
							pc, err := auth.Authenticate(ctx, plain.MustMint(tt.claims, tt.opts...))
							if _, scpObject := tt.claims["scp"].(map[string]any); scpObject {
								if !errors.Is(err, jwksauth.ErrTokenMalformed) {
									t.Fatalf("round %d: plain issuer, scp object: err = %v, want ErrTokenMalformed", round, err)
								}
								pc = nil
							} else if err != nil {
								t.Fatalf("round %d: plain issuer: %v (the setting leaked to another issuer)", round, err)
							}
							if tt.check != nil {
								tt.check(t, sc, orEmpty(pc))
							}
						}
					}
				})
			}
		}
	}
}

func orEmpty(c *jwksauth.Claims) *jwksauth.Claims {
	if c == nil {
		return &jwksauth.Claims{}
	}
	return c
}

func newMultiAuth(t *testing.T, clk *jwkstest.Clock, issuers []jwksauth.Issuer) *jwksauth.Authenticator {
	t.Helper()
	return newMultiAuthCache(t, clk, issuers, false)
}

func newMultiAuthCache(t *testing.T, clk *jwkstest.Clock, issuers []jwksauth.Issuer, cached bool) *jwksauth.Authenticator {
	t.Helper()
	for i := range issuers {
		issuers[i].Cache = jwks.CacheOptions{MaxWait: 2 * time.Second}
	}
	auth, err := jwksauth.New(jwksauth.Config{
		Clock:      clk,
		TokenCache: jwksauth.TokenCacheConfig{Disabled: !cached},
		Issuers:    issuers,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = auth.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := auth.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	return auth
}

// TestMultiIssuerTemplateScopeClaims: a tenant issuer created from a
// template reads its own scope claims, beside a static issuer that reads
// others: an empty list grants nothing, and a tenant reading only
// permissions is not held to the static issuer's scp type check.
func TestMultiIssuerTemplateScopeClaims(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	base, tenant := tenants(t, clk)
	static := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience(testAudience))
	for _, tt := range []struct {
		name   string
		scopes []string
		claims map[string]any
		want   []string
	}{
		{"no scope claim", []string{}, map[string]any{"tid": "a", "scope": "admin", "scp": []string{"root"}}, nil},
		{"permissions only", []string{"permissions"}, map[string]any{"tid": "a", "scp": map[string]any{"x": 1}, "permissions": []string{"read:orders"}}, []string{"read:orders"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			auth := newMultiAuthTemplates(t, clk, []jwksauth.Issuer{{URL: static.URL(), Audiences: []string{testAudience}}},
				[]jwksauth.IssuerTemplate{{
					Pattern: base + "/{tenant}/v2.0", Tenants: []string{"a"}, TenantClaim: "tid",
					Issuer: jwksauth.Issuer{Audiences: []string{testAudience}, ScopeClaims: tt.scopes},
				}})
			ctx := context.Background()
			c, err := auth.Authenticate(ctx, tenant["a"].MustMint(tt.claims))
			if err != nil {
				t.Fatalf("tenant a: %v", err)
			}
			if !slices.Equal(c.Scopes, tt.want) {
				t.Fatalf("tenant a: scopes %v, want %v", c.Scopes, tt.want)
			}
			c, err = auth.Authenticate(ctx, static.MustMint(map[string]any{"scope": "admin"}))
			if err != nil || !c.HasScope("admin") {
				t.Fatalf("static issuer: %v", err)
			}
		})
	}
}

func newMultiAuthTemplates(t *testing.T, clk *jwkstest.Clock, issuers []jwksauth.Issuer, templates []jwksauth.IssuerTemplate) *jwksauth.Authenticator {
	t.Helper()
	auth, err := jwksauth.New(jwksauth.Config{
		Clock:           clk,
		TokenCache:      jwksauth.TokenCacheConfig{Disabled: true},
		Issuers:         issuers,
		IssuerTemplates: templates,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = auth.Close() })
	return auth
}
