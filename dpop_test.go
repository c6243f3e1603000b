package jwksauth_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/core/store"
	"github.com/jwksauth/jwksauth/jwkstest"
)

const apiURL = "https://api.example.com/reports"

// dpopReq describes a request to apiURL with a token and a proof.
func dpopReq(scheme, token string, proofs ...string) jwksauth.Credentials {
	return jwksauth.Credentials{
		Authorization: []string{scheme + " " + token},
		DPoP:          proofs,
		Method:        "GET", Scheme: "https", Host: "api.example.com", Path: "/reports",
	}
}

func TestDPoP(t *testing.T) {
	holder, err := jwkstest.NewKey(jws.ES256) // the client's key
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := newEnv(t, func(c *jwksauth.Config) { c.Issuers[0].DPoP = jwksauth.DPoPAllowed })
	now := e.clock.Now()
	bound := e.mint(t, map[string]any{"cnf": map[string]any{"jkt": holder.Thumbprint()}})
	unbound := e.mint(t, nil)
	proof := func(mutate func(*jwkstest.DPoPProof)) string {
		p := jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: bound, IssuedAt: now}
		if mutate != nil {
			mutate(&p)
		}
		s, err := holder.DPoP(p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := proof(nil)
	tests := []struct {
		name string
		cr   jwksauth.Credentials
		want error
		code string
	}{
		{"bound token, DPoP scheme, valid proof", dpopReq("DPoP", bound, good), nil, ""},
		{"replayed proof", dpopReq("DPoP", bound, good), jwksauth.ErrDPoPProof, "invalid_dpop_proof"},
		{"bound token as a bearer token", dpopReq("Bearer", bound), jwksauth.ErrDPoPBinding, "token_binding_invalid"},
		{"bound token as a bearer token, with a proof", dpopReq("Bearer", bound, proof(nil)), jwksauth.ErrDPoPBinding, "token_binding_invalid"},
		{"bound token without a proof", dpopReq("DPoP", bound), jwksauth.ErrDPoPProof, "invalid_dpop_proof"},
		{"unbound token with the DPoP scheme", dpopReq("DPoP", unbound, proof(func(p *jwkstest.DPoPProof) { p.AccessToken = unbound })), jwksauth.ErrDPoPBinding, "token_binding_invalid"},
		{"unbound bearer token, DPoP allowed", dpopReq("Bearer", unbound), nil, ""},
		{"proof for another URL", dpopReq("DPoP", bound, proof(func(p *jwkstest.DPoPProof) { p.URL = "https://api.example.com/admin" })), jwksauth.ErrDPoPProof, "invalid_dpop_proof"},
		{"proof for another method", dpopReq("DPoP", bound, proof(func(p *jwkstest.DPoPProof) { p.Method = "POST" })), jwksauth.ErrDPoPProof, "invalid_dpop_proof"},
		{"proof of another key", dpopReq("DPoP", bound, otherKeyProof(t, bound, now)), jwksauth.ErrDPoPBinding, "token_binding_invalid"},
		{"proof for another token", dpopReq("DPoP", bound, proof(func(p *jwkstest.DPoPProof) { p.AccessToken = unbound })), jwksauth.ErrDPoPProof, "invalid_dpop_proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.auth.AuthenticateRequest(ctx, tt.cr, false)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("AuthenticateRequest: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("AuthenticateRequest: %v, want %v", err, tt.want)
			}
			a := e.auth.Answer(err)
			if a.Status != 401 || a.Code != tt.code || !strings.HasPrefix(a.Challenge, "DPoP ") || !strings.Contains(a.Challenge, `algs="`) {
				t.Fatalf("answer: %d %s %q", a.Status, a.Code, a.Challenge)
			}
		})
	}
	// A DPoP-bound token without a request (Authenticate) is refused.
	if _, err := e.auth.Authenticate(ctx, bound); !errors.Is(err, jwksauth.ErrDPoPBinding) {
		t.Fatalf("Authenticate(bound): %v", err)
	}
	// A missing token is answered with both challenges.
	a := e.auth.Answer(jwksauth.ErrTokenMissing)
	h := http.Header{}
	a.Header(h)
	if ch := h.Values("WWW-Authenticate"); len(ch) != 2 || !strings.HasPrefix(ch[0], "Bearer") || !strings.HasPrefix(ch[1], "DPoP ") || !strings.Contains(ch[1], `algs="`) {
		t.Fatalf("challenges: %q", ch)
	}
}

func otherKeyProof(t *testing.T, token string, now time.Time) string {
	t.Helper()
	k, err := jwkstest.NewKey(jws.ES256)
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.DPoP(jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: token, IssuedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDPoPRequired(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) { c.Issuers[0].DPoP = jwksauth.DPoPRequired })
	if _, err := e.auth.AuthenticateRequest(context.Background(), dpopReq("Bearer", e.mint(t, nil)), false); !errors.Is(err, jwksauth.ErrDPoPBinding) {
		t.Fatalf("unbound bearer token: %v", err)
	}
}

func TestDPoPDisabled(t *testing.T) {
	// No issuer takes DPoP: the DPoP scheme is no token at all.
	e := newEnv(t, nil)
	if _, err := e.auth.AuthenticateRequest(context.Background(), dpopReq("DPoP", e.mint(t, nil)), false); !errors.Is(err, jwksauth.ErrTokenMissing) {
		t.Fatalf("DPoP scheme, DPoP off: %v", err)
	}
	if e.auth.DPoPEnabled() {
		t.Fatal("DPoPEnabled without a DPoP issuer")
	}
	if a := e.auth.Answer(jwksauth.ErrTokenMissing); a.DPoPChallenge != "" {
		t.Fatalf("DPoP challenge with DPoP off: %q", a.DPoPChallenge)
	}
}

func TestDPoPNonce(t *testing.T) {
	holder, _ := jwkstest.NewKey(jws.ES256)
	e := newEnv(t, func(c *jwksauth.Config) {
		c.Issuers[0].DPoP = jwksauth.DPoPRequired
		c.DPoP = jwksauth.DPoPConfig{Nonces: true, NonceKey: []byte(strings.Repeat("n", 32))}
	})
	ctx := context.Background()
	tok := e.mint(t, map[string]any{"cnf": map[string]any{"jkt": holder.Thumbprint()}})
	p, _ := holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: tok, IssuedAt: e.clock.Now()})
	_, err := e.auth.AuthenticateRequest(ctx, dpopReq("DPoP", tok, p), false)
	if !errors.Is(err, jwksauth.ErrDPoPNonce) {
		t.Fatalf("no nonce: %v", err)
	}
	a := e.auth.Answer(err)
	h := http.Header{}
	a.Header(h)
	nonce := h.Get("DPoP-Nonce")
	if a.Code != "use_dpop_nonce" || nonce == "" || !strings.Contains(a.Challenge, `error="use_dpop_nonce"`) {
		t.Fatalf("answer: %+v %v", a, h)
	}
	p, _ = holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: tok, IssuedAt: e.clock.Now(), Nonce: nonce})
	if _, err := e.auth.AuthenticateRequest(ctx, dpopReq("DPoP", tok, p), false); err != nil {
		t.Fatalf("with the nonce: %v", err)
	}
}

func TestDPoPForwarded(t *testing.T) {
	holder, _ := jwkstest.NewKey(jws.EdDSA)
	for _, trust := range []bool{false, true} {
		e := newEnv(t, func(c *jwksauth.Config) {
			c.Issuers[0].DPoP = jwksauth.DPoPRequired
			c.DPoP.TrustForwarded = trust
		})
		tok := e.mint(t, map[string]any{"cnf": map[string]any{"jkt": holder.Thumbprint()}})
		for name, set := range map[string]func(*jwksauth.Credentials){
			"Forwarded": func(cr *jwksauth.Credentials) {
				cr.Forwarded = []string{`for=192.0.2.1;proto=https;host="api.example.com", for=10.0.0.1`}
			},
			"X-Forwarded": func(cr *jwksauth.Credentials) {
				cr.XForwardedProto, cr.XForwardedHost = []string{"https"}, []string{"api.example.com"}
			},
		} {
			p, _ := holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: tok, IssuedAt: e.clock.Now()})
			cr := dpopReq("DPoP", tok, p)
			cr.Scheme, cr.Host = "http", "10.0.0.7:8080" // what the app sees behind the proxy
			set(&cr)
			_, err := e.auth.AuthenticateRequest(context.Background(), cr, false)
			if trust && err != nil {
				t.Errorf("%s trusted: %v", name, err)
			}
			if !trust && !errors.Is(err, jwksauth.ErrDPoPProof) {
				t.Errorf("%s not trusted: %v, want ErrDPoPProof (the proxy's headers are ignored)", name, err)
			}
		}
	}
}

// failing is a store that cannot answer.
type failing struct{}

func (failing) Use(context.Context, string, time.Time) (bool, error) {
	return false, store.ErrUnavailable
}
func (failing) Revoked(context.Context, store.Token) (bool, error) {
	return false, store.ErrUnavailable
}
func (failing) Revoke(context.Context, store.Entry) error { return store.ErrUnavailable }

func TestRevocation(t *testing.T) {
	ctx := context.Background()
	mem := store.NewMemory(store.MemoryOptions{Clock: jwkstest.NewClock(epoch)})
	e := newEnv(t, func(c *jwksauth.Config) {
		c.Revocation = mem
		c.TokenCache.Disabled = false // revocation must reach cached tokens too
	})
	tok := e.mint(t, map[string]any{"jti": "t-1", "sub": "alice"})
	if _, err := e.auth.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := mem.Revoke(ctx, store.Entry{Issuer: e.iss.URL(), ID: "t-1", Until: epoch.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.auth.Authenticate(ctx, tok) // a token-cache hit
	if !errors.Is(err, jwksauth.ErrTokenRevoked) {
		t.Fatalf("revoked, cached token: %v", err)
	}
	if a := e.auth.Answer(err); a.Status != 401 || a.Code != "token_revoked" || !strings.Contains(a.Challenge, `error="invalid_token"`) {
		t.Fatalf("answer: %+v", a)
	}
	// A subject: its tokens issued before the revocation.
	older := e.mint(t, map[string]any{"jti": "t-2", "sub": "bob"})
	if err := mem.Revoke(ctx, store.Entry{Issuer: e.iss.URL(), Subject: "bob", Before: epoch.Add(time.Second), Until: epoch.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.auth.Authenticate(ctx, older); !errors.Is(err, jwksauth.ErrTokenRevoked) {
		t.Fatalf("subject revoked: %v", err)
	}
	e.clock.Advance(2 * time.Second)
	if _, err := e.auth.Authenticate(ctx, e.mint(t, map[string]any{"jti": "t-3", "sub": "bob"})); err != nil {
		t.Fatalf("the subject's new token: %v", err)
	}

	// A store that cannot answer: 503 by default, accepted with FailOpen.
	closed := newEnv(t, func(c *jwksauth.Config) { c.Revocation = failing{} })
	_, err = closed.auth.Authenticate(ctx, closed.mint(t, nil))
	if !errors.Is(err, jwksauth.ErrStoreUnavailable) || closed.auth.Answer(err).Status != 503 {
		t.Fatalf("fail closed: %v", err)
	}
	open := newEnv(t, func(c *jwksauth.Config) { c.Revocation, c.RevocationPolicy = failing{}, store.FailOpen })
	if _, err := open.auth.Authenticate(ctx, open.mint(t, nil)); err != nil {
		t.Fatalf("fail open: %v", err)
	}
}

func TestReplayStoreDown(t *testing.T) {
	holder, _ := jwkstest.NewKey(jws.ES256)
	e := newEnv(t, func(c *jwksauth.Config) {
		c.Issuers[0].DPoP = jwksauth.DPoPRequired
		c.Replay = failing{}
	})
	tok := e.mint(t, map[string]any{"cnf": map[string]any{"jkt": holder.Thumbprint()}})
	p, _ := holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: tok, IssuedAt: e.clock.Now()})
	_, err := e.auth.AuthenticateRequest(context.Background(), dpopReq("DPoP", tok, p), false)
	if !errors.Is(err, jwksauth.ErrStoreUnavailable) || e.auth.Answer(err).Status != 503 {
		t.Fatalf("replay store down: %v (never a silent accept)", err)
	}
}
