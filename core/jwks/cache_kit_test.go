package jwks_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// These tests run the Cache against the project's test issuer
// (jwkstest.Issuer), through discovery, with tokens it mints and the
// signature checked with core/jws: what the request path does.

// verify parses token and checks its signature with the key the cache
// returns for its kid and alg.
func verify(tc *testCache, token string) (*jwks.Key, error) {
	var p jws.Parser
	tok, err := p.Parse(token)
	if err != nil {
		tc.t.Fatalf("parse: %v", err)
	}
	k, err := tc.Key(context.Background(), tok.Header.KeyID, tok.Header.Alg)
	if err != nil {
		return nil, err
	}
	return k, jws.Verify(tok.Header.Alg, k.Public, tok.SigningInput, tok.Signature)
}

func mint(t testing.TB, iss *jwkstest.Issuer) string {
	t.Helper()
	tok, err := iss.Mint(nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Rotation through the test issuer: a rotated-in key verifies within one
// cooldown, the old key keeps verifying while published, a removed key
// stops at the next refresh; unchanged sets are revalidated with 304.
func TestCacheKitRotation(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAlgorithms(jws.ES256))
	tc := newKitCache(t, iss, clk, nil)
	tc.ready()

	oldTok := mint(t, iss)
	oldKey, err := verify(tc, oldTok)
	if err != nil {
		t.Fatalf("first token: %v", err)
	}
	if _, err := iss.Rotate(jws.Unknown); err != nil {
		t.Fatal(err)
	}
	newTok := mint(t, iss)
	_, err = verify(tc, newTok)
	wantErr(t, err, jwks.ErrKeyNotFound) // within the cooldown of the first fetch
	if ev := tc.fetchAfter(cooldown); ev.Kind != jwks.EventFetched || ev.Added != 1 {
		t.Fatalf("rotation fetch: %+v", ev)
	}
	if _, err := verify(tc, newTok); err != nil {
		t.Fatalf("rotated-in key, one cooldown later: %v", err)
	}
	if k, err := verify(tc, oldTok); err != nil || k != oldKey {
		t.Fatalf("old key while still published: %v", err)
	}

	// The kit's JWKS has max-age 5 min: the refresh at 4 min revalidates.
	if ev := tc.fetchAfter(4 * time.Minute); ev.Kind != jwks.EventNotModified {
		t.Fatalf("revalidation: %+v", ev)
	}
	if len(iss.IfNoneMatch()) == 0 {
		t.Fatal("no If-None-Match sent")
	}
	if n := iss.DiscoveryRequests(); n != 1 {
		t.Fatalf("%d discovery requests, want 1", n)
	}

	if err := iss.RemoveKey(oldKey.ID); err != nil {
		t.Fatal(err)
	}
	if ev := tc.fetchAfter(4 * time.Minute); ev.Kind != jwks.EventFetched || ev.Removed != 1 {
		t.Fatalf("removal fetch: %+v", ev)
	}
	_, err = verify(tc, oldTok)
	wantErr(t, err, jwks.ErrKeyNotFound)
	if tc.Contains(oldKey) {
		t.Fatal("removed key still contained")
	}
}

// Every fault of the test issuer's JWKS endpoint keeps the service
// answering with the cached keys, up to MaxStale. (FaultSlow is not among
// them: it trickles bodies, and a revalidating cache gets a bodiless 304;
// TestCacheOutage covers a slow body.)
func TestCacheKitOutage(t *testing.T) {
	for _, f := range []jwkstest.Fault{
		jwkstest.FaultRefuse, jwkstest.FaultHang, jwkstest.Fault500, jwkstest.Fault404,
		jwkstest.FaultGarbage, jwkstest.FaultOversize, jwkstest.FaultEmpty, jwkstest.FaultDrop,
	} {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			clk := jwkstest.NewClock(testStart)
			iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAlgorithms(jws.ES256))
			tc := newKitCache(t, iss, clk, outageOptions)
			tc.ready()
			want := jwks.ErrFetch
			if f == jwkstest.FaultGarbage || f == jwkstest.FaultEmpty {
				want = jwks.ErrInvalidKeySet
			}
			outage(t, tc, iss.SigningKey().KID(), 5*time.Minute, func(on bool) {
				g := jwkstest.FaultNone
				if on {
					g = f
				}
				if err := iss.SetJWKSFault(g); err != nil {
					t.Fatal(err)
				}
			}, want)
		})
	}
}

// A cold start with the issuer refusing connections: NewCache succeeds,
// lookups answer ErrKeysUnavailable, and the cache recovers when the
// issuer returns.
func TestCacheKitColdStart(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAlgorithms(jws.ES256))
	if err := iss.SetFault(jwkstest.FaultRefuse); err != nil {
		t.Fatal(err)
	}
	tc := newKitCache(t, iss, clk, nil)
	ev := tc.ev.want(t, jwks.EventFetchFailed)
	wantErr(t, ev.Err, jwks.ErrDiscovery)
	tc.park()
	tok := mint(t, iss)
	_, err := verify(tc, tok)
	var ue *jwks.UnavailableError
	if !errors.As(err, &ue) || ue.RetryAfter < time.Second || !errors.Is(err, jwks.ErrDiscovery) {
		t.Fatalf("cold start: %v", err)
	}
	if err := iss.SetFault(jwkstest.FaultNone); err != nil {
		t.Fatal(err)
	}
	tc.runUntil(clk.Now().Add(time.Minute))
	if _, err := verify(tc, tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// A discovery document naming another issuer is rejected.
func TestCacheKitDiscoveryMismatch(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithDiscoveryIssuer("https://evil.example"))
	tc := newKitCache(t, iss, clk, nil)
	err := tc.Ready(context.Background())
	wantErr(t, err, jwks.ErrDiscovery)
	wantErr(t, err, jwks.ErrKeysUnavailable)
	if n := iss.JWKSRequests(); n != 0 {
		t.Fatalf("%d JWKS requests after a rejected discovery", n)
	}
}

// Discovery failing after it once succeeded keeps the known jwks_uri.
func TestCacheKitDiscoveryOutage(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAlgorithms(jws.ES256))
	tc := newKitCache(t, iss, clk, nil)
	tc.ready()
	if err := iss.SetDiscoveryFault(jwkstest.Fault500); err != nil {
		t.Fatal(err)
	}
	tc.runUntil(testStart.Add(30 * time.Minute))
	if _, err := verify(tc, mint(t, iss)); err != nil {
		t.Fatalf("with discovery down: %v", err)
	}
	if tc.ev.count(jwks.EventFetchFailed) == 0 {
		t.Fatal("the discovery failure was not reported")
	}
	if iss.DiscoveryRequests() < 2 {
		t.Fatal("discovery was not retried after its TTL")
	}
}

// Timeout bounds discovery too, also with a caller's client that has no
// timeout of its own.
func TestCacheKitDiscoveryHang(t *testing.T) {
	clk := jwkstest.NewClock(testStart)
	iss := jwkstest.NewIssuer(t, jwkstest.WithClock(clk), jwkstest.WithAlgorithms(jws.ES256))
	if err := iss.SetDiscoveryFault(jwkstest.FaultHang); err != nil {
		t.Fatal(err)
	}
	tc := newKitCache(t, iss, clk, func(o *jwks.CacheOptions) {
		o.HTTPClient = &http.Client{}
		o.Timeout = 200 * time.Millisecond
	})
	began := time.Now()
	err := tc.Ready(context.Background())
	wantErr(t, err, jwks.ErrDiscovery)
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("Ready took %v with a 200ms Timeout", d)
	}
}
