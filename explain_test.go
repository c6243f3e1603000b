package jwksauth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// TestExplain checks that Explain names the failing step and returns the
// same error and answer as Authenticate followed by Check.
func TestExplain(t *testing.T) {
	clk := jwkstest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAudience("api"))
	a, err := jwksauth.New(jwksauth.Config{
		Clock:   clk,
		Issuers: []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{"api"}, TokenType: "at+jwt"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	now := clk.Now()
	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{"iss": iss.URL(), "aud": "api", "exp": now.Add(time.Hour).Unix(), "scope": "read"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	at := jwkstest.WithType("at+jwt")
	for _, tc := range []struct {
		name string
		tok  string
		reqs []jwksauth.Requirement
		step string
		want error
	}{
		{"valid", iss.MustMint(claims(nil), at), []jwksauth.Requirement{jwksauth.Scopes("read")}, "", nil},
		{"malformed", "a.b", nil, "parse", jwksauth.ErrTokenMalformed},
		{"issuer", iss.MustMint(claims(map[string]any{"iss": "https://other"}), at), nil, "issuer", jwksauth.ErrIssuer},
		{"key", iss.MustMint(claims(nil), at, jwkstest.WithUnknownKID()), nil, "key", jwksauth.ErrKeyNotFound},
		{"signature", iss.MustMint(claims(nil), at, jwkstest.WithBadSignature()), nil, "signature", jwksauth.ErrSignature},
		{"typ", iss.MustMint(claims(nil)), nil, "typ", jwksauth.ErrTokenType},
		{"expired", iss.MustMint(claims(map[string]any{"exp": now.Add(-time.Hour).Unix()}), at), nil, "claims", jwksauth.ErrTokenExpired},
		{"audience", iss.MustMint(claims(map[string]any{"aud": "x"}), at), nil, "claims", jwksauth.ErrAudience},
		{"scope", iss.MustMint(claims(nil), at), []jwksauth.Requirement{jwksauth.Scopes("write")}, "requirements", jwksauth.ErrInsufficientScope},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := a.Explain(ctx, tc.tok, tc.reqs...)
			if ex.Step != tc.step || !errors.Is(ex.Err, tc.want) || (tc.want == nil) != (ex.Err == nil) {
				t.Fatalf("step %q err %v; want %q %v", ex.Step, ex.Err, tc.step, tc.want)
			}
			// The same verdict as the request path.
			c, err := a.Authenticate(ctx, tc.tok)
			if err == nil {
				err = jwksauth.Check(c, tc.reqs...)
			}
			if (err == nil) != (ex.Err == nil) || err != nil && err.Error() != ex.Err.Error() {
				t.Fatalf("Authenticate+Check: %v; Explain: %v", err, ex.Err)
			}
			if got := a.Answer(err); err != nil && (got.Status != ex.Answer.Status || got.Challenge != ex.Answer.Challenge) {
				t.Fatalf("answer %+v, Explain %+v", got, ex.Answer)
			}
			if tc.step != "parse" && ex.Header == nil {
				t.Fatal("no header reported")
			}
			if tc.step != "parse" && ex.Claims == nil {
				t.Fatal("no claims reported")
			}
			if (tc.step == "" || tc.step == "claims" || tc.step == "typ" || tc.step == "requirements") && ex.Key == nil {
				t.Fatal("no key reported")
			}
		})
	}
}
