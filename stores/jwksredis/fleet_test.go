package jwksredis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/core/store"
	"github.com/jwksauth/jwksauth/jwkstest"
	"github.com/jwksauth/jwksauth/stores/jwksredis"
)

const apiURL = "https://api.example.com/reports"

// fleet is n Authenticators, each with its own store on one shared Redis,
// as the replicas of a service behind a load balancer.
func fleet(t *testing.T, r *redisServer, iss *jwkstest.Issuer, n int) []*jwksauth.Authenticator {
	t.Helper()
	var out []*jwksauth.Authenticator
	for i := 0; i < n; i++ {
		s := r.replica(t, nil)
		a, err := jwksauth.New(jwksauth.Config{
			Issuers:    []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{jwkstest.DefaultAudience}, DPoP: jwksauth.DPoPAllowed}},
			Replay:     s,
			Revocation: s,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := a.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		out = append(out, a)
	}
	return out
}

func request(scheme, token string, proofs ...string) jwksauth.Credentials {
	return jwksauth.Credentials{
		Authorization: []string{scheme + " " + token}, DPoP: proofs,
		Method: "GET", Scheme: "https", Host: "api.example.com", Path: "/reports",
	}
}

// TestFleet: a DPoP proof accepted by one replica is refused by the others,
// a revocation made through one replica reaches all, and both survive a
// Redis restart that loses every key.
func TestFleet(t *testing.T) {
	r := startRedis(t)
	iss := jwkstest.NewIssuer(t)
	replicas := fleet(t, r, iss, 3)
	holder, err := jwkstest.NewKey(jws.ES256)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, _ := iss.Mint(map[string]any{"jti": "tok-1", "cnf": map[string]any{"jkt": holder.Thumbprint()}})
	proof, _ := holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: tok})
	if _, err := replicas[0].AuthenticateRequest(ctx, request("DPoP", tok, proof), false); err != nil {
		t.Fatalf("replica 0: %v", err)
	}
	for i, a := range replicas[1:] {
		if _, err := a.AuthenticateRequest(ctx, request("DPoP", tok, proof), false); !errors.Is(err, jwksauth.ErrDPoPProof) {
			t.Fatalf("the proof replayed to replica %d: %v", i+1, err)
		}
	}

	// Revocation through replica 2 reaches replica 0 within the sync interval.
	plain, _ := iss.Mint(map[string]any{"jti": "tok-2"})
	if _, err := replicas[0].Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	revoker, _ := jwksredis.New(ctx, jwksredis.Options{Client: r.client()})
	defer revoker.Close()
	if err := revoker.Revoke(ctx, store.Entry{Issuer: iss.URL(), ID: "tok-2", Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, a := range replicas {
		eventually(t, "revocation on a replica", func() bool {
			_, err := a.Authenticate(ctx, plain)
			return errors.Is(err, jwksauth.ErrTokenRevoked)
		})
	}

	// Redis restarts and loses everything: replay checks fail closed while
	// it is down (503), and afterwards the revocation still holds.
	r.stop()
	p2, _ := holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: tok})
	_, err = replicas[1].AuthenticateRequest(ctx, request("DPoP", tok, p2), false)
	if !errors.Is(err, jwksauth.ErrStoreUnavailable) || replicas[1].Answer(err).Status != 503 {
		t.Fatalf("Redis down: %v, want 503 (fail closed)", err)
	}
	r.start()
	eventually(t, "replay checks back", func() bool {
		p, _ := holder.DPoP(jwkstest.DPoPProof{Method: "GET", URL: apiURL, AccessToken: tok})
		_, err := replicas[1].AuthenticateRequest(ctx, request("DPoP", tok, p), false)
		return err == nil
	})
	late := fleet(t, r, iss, 1)[0]
	eventually(t, "the revocation survives the restart", func() bool {
		_, err := late.Authenticate(ctx, plain)
		return errors.Is(err, jwksauth.ErrTokenRevoked)
	})
}

// BenchmarkRevocationCheck measures the hot path with revocation on a
// shared store: a token-cache hit plus the local revocation lookup, no
// round trip to Redis.
func BenchmarkRevocationCheck(b *testing.B) {
	r := startRedisB(b)
	iss := jwkstest.NewIssuer(b)
	c := r.client()
	defer c.Close()
	s, err := jwksredis.New(context.Background(), jwksredis.Options{Client: c})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, rev := range []bool{false, true} {
		cfg := jwksauth.Config{Issuers: []jwksauth.Issuer{{URL: iss.URL(), Audiences: []string{jwkstest.DefaultAudience}}}}
		name := "off"
		if rev {
			cfg.Revocation, name = s, "redis"
		}
		a, err := jwksauth.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		tok, _ := iss.Mint(map[string]any{"jti": "bench"})
		if _, err := a.Authenticate(context.Background(), tok); err != nil {
			b.Fatal(err)
		}
		b.Run("cache-hit/revocation-"+name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := a.Authenticate(context.Background(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		a.Close()
	}
}
