package rotate_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/claims"
	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jwks/rotate"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// consumer is a verifier built from the library's parts: the key cache
// fetching over loopback HTTP, the JWS parser and verifier, the claims
// validation.
type consumer struct {
	cache *jwks.Cache
	val   *claims.Validation
	clk   *jwkstest.Clock
}

func (c *consumer) verify(ctx context.Context, tok string) error {
	var p jws.Parser
	t, err := p.Parse(tok)
	if err != nil {
		return err
	}
	k, err := c.cache.Key(ctx, t.Header.KeyID, t.Header.Alg)
	if err != nil {
		return err
	}
	if err := jws.Verify(t.Header.Alg, k.Public, t.SigningInput, t.Signature); err != nil {
		return err
	}
	cl, err := claims.Decode(t.Payload, nil)
	if err != nil {
		return err
	}
	return c.val.Validate(cl, c.clk.Now())
}

type minted struct {
	tok string
	kid string
	exp time.Time
}

// TestThreeRotationsWithConsumer is the acceptance test: the manager, its
// JWKS handler on a loopback server and package jwks's Cache as a consumer,
// through three full rotations on the fake clock, minting a token every
// minute. Not one valid token is rejected, no verification needs an
// unknown-kid fetch (the next key was always there in time), the handler
// publishes exactly the keys the schedule says, and once a key is retired a
// token it signs is rejected, even one with a fresh exp.
func TestThreeRotationsWithConsumer(t *testing.T) {
	ctx := context.Background()
	clk := jwkstest.NewClock(t0)
	sched := rotate.Schedule{
		Algorithm:        jws.ES256,
		RotationPeriod:   6 * time.Hour,
		PrePublish:       time.Hour,
		MaxTokenLifetime: 30 * time.Minute,
		Leeway:           time.Minute,
		MaxAge:           10 * time.Minute,
	}
	m, err := rotate.New(ctx, rotate.Config{Store: &rotate.MemStore{}, Schedule: sched, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("c") == "valid" {
			fetches.Add(1)
		}
		m.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()

	// Two consumers: one sees only valid tokens (so it never needs an
	// unknown-kid fetch), the other also the tokens of retired keys.
	cache, err := jwks.NewCache(jwks.CacheOptions{URL: srv.URL + "/?c=valid", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	cache2, err := jwks.NewCache(jwks.CacheOptions{URL: srv.URL + "/?c=forged", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer cache2.Close()
	for _, c := range []*jwks.Cache{cache, cache2} {
		if err := c.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	}
	val, err := claims.NewValidation(claims.ValidationOptions{Issuer: "https://issuer.test", Audiences: []string{"api"}, Leeway: sched.Leeway})
	if err != nil {
		t.Fatal(err)
	}
	c := &consumer{cache: cache, val: val, clk: clk}
	c2 := &consumer{cache: cache2, val: val, clk: clk}

	mint := func(signer func([]byte) (string, error)) (string, time.Time) {
		now := clk.Now()
		exp := now.Add(sched.MaxTokenLifetime)
		p, _ := json.Marshal(map[string]any{"iss": "https://issuer.test", "aud": "api", "sub": "u", "iat": now.Unix(), "exp": exp.Unix()})
		tok, err := signer(p)
		if err != nil {
			t.Fatal(err)
		}
		return tok, exp
	}

	const step = time.Minute
	end := t0.Add(3*sched.RotationPeriod + sched.MaxTokenLifetime + sched.Leeway + 2*sched.MaxAge + 10*time.Minute)
	var live []minted
	signers := map[string]rotate.SigningKey{} // a copy of every key that signed, to forge after retirement
	activations := map[string]bool{}
	retiredChecked := map[string]bool{}
	acceptedBeforeRemoval := map[string]bool{}
	steps := 0
	for clk.Now().Before(end) {
		if !clk.WaitForTimers(3, 10*time.Second) {
			t.Fatalf("at %v: the manager and the caches did not all park on a timer", clk.Now())
		}
		before := fetches.Load()
		now := clk.Now()

		// The handler publishes exactly the next, active and retiring keys.
		var want []string
		st := m.Keys()
		for _, s := range st {
			if s.Published {
				want = append(want, s.ID)
			}
		}
		if got := m.Handler().KeyIDs(); !slices.Equal(got, want) {
			t.Fatalf("at %v: published %v, the schedule says %v", now, got, want)
		}

		// Mint with the active key; it verifies at once.
		sk, err := m.SigningKey()
		if err != nil {
			t.Fatal(err)
		}
		signers[sk.ID] = sk
		activations[sk.ID] = true
		tok, exp := mint(func(p []byte) (string, error) { return sk.Sign(p, "at+jwt") })
		live = append(live, minted{tok, sk.ID, exp})

		// Every token not yet expired verifies (every 5th step, all of them;
		// otherwise the newest).
		live = slices.DeleteFunc(live, func(x minted) bool { return !now.Before(x.exp) })
		check := live[len(live)-1:]
		if steps%5 == 0 {
			check = live
		}
		for _, x := range check {
			if err := c.verify(ctx, x.tok); err != nil {
				t.Fatalf("at %v: a valid token of key %s (exp %v) was rejected: %v", now, x.kid, x.exp, err)
			}
		}

		if fetches.Load() != before {
			t.Fatalf("at %v: verification needed a fetch: a key was not published in time", now)
		}

		// A retired key: a token it signs now, with a fresh exp, is
		// rejected once the consumer's cache has had one max-age to
		// refresh; before its removal such a token was accepted.
		for _, s := range st {
			k, ok := signers[s.ID]
			if !ok || s.RemoveAt.IsZero() {
				continue
			}
			forged, _ := mint(func(p []byte) (string, error) { return k.Sign(p, "at+jwt") })
			err := c2.verify(ctx, forged)
			switch {
			case now.Before(s.RemoveAt):
				if err == nil {
					acceptedBeforeRemoval[s.ID] = true
				}
			case !now.Before(s.RemoveAt.Add(sched.MaxAge + step)):
				if !errors.Is(err, jwks.ErrKeyNotFound) {
					t.Fatalf("at %v: a token of key %s, retired at %v, got %v; want ErrKeyNotFound", now, s.ID, s.RemoveAt, err)
				}
				retiredChecked[s.ID] = true
			}
		}
		steps++
		clk.Advance(step)
	}
	if len(activations) != 4 {
		t.Fatalf("%d keys signed, want 4 (three rotations)", len(activations))
	}
	if len(retiredChecked) != 3 {
		t.Fatalf("%d retired keys checked, want 3", len(retiredChecked))
	}
	for kid := range retiredChecked {
		if !acceptedBeforeRemoval[kid] {
			t.Fatalf("key %s: its tokens were never accepted before its removal: the check proves nothing", kid)
		}
	}
	t.Logf("%d steps, %d fetches", steps, fetches.Load())
}

// TestPublicMembersOnly checks on every key type that the handler never
// serializes a private member.
func TestPublicMembersOnly(t *testing.T) {
	for _, alg := range []jws.Algorithm{jws.RS256, jws.ES256, jws.EdDSA} {
		t.Run(alg.String(), func(t *testing.T) {
			clk := jwkstest.NewClock(t0)
			m, err := rotate.New(context.Background(), rotate.Config{Store: &rotate.MemStore{}, Schedule: rotate.Schedule{Algorithm: alg}, Clock: clk, Manual: true})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			sk, err := m.SigningKey()
			if err != nil {
				t.Fatal(err)
			}
			switch sk.Signer.(type) {
			case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			default:
				t.Fatalf("signer %T", sk.Signer)
			}
			rec := httptest.NewRecorder()
			m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			var doc struct{ Keys []map[string]any }
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Keys) != 2 {
				t.Fatalf("%d keys published, want 2 (active and next)", len(doc.Keys))
			}
			allowed := map[string]bool{"kty": true, "kid": true, "use": true, "alg": true, "n": true, "e": true, "crv": true, "x": true, "y": true}
			for _, k := range doc.Keys {
				for name := range k {
					if !allowed[name] {
						t.Errorf("published member %q", name)
					}
				}
				for _, priv := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
					if _, ok := k[priv]; ok {
						t.Errorf("private member %q published", priv)
					}
				}
				if k["alg"] != alg.String() || k["use"] != "sig" {
					t.Errorf("alg/use %v/%v", k["alg"], k["use"])
				}
			}
			if got := rec.Header().Get("Cache-Control"); got != "public, max-age=900" {
				t.Errorf("Cache-Control %q", got)
			}
			// The published set verifies a token the manager signs.
			set, skipped, err := jwks.ParseSet(rec.Body.Bytes())
			if err != nil || len(skipped) > 0 || len(set) != 2 {
				t.Fatalf("ParseSet: %v %v %d", err, skipped, len(set))
			}
			tok, err := m.Sign(map[string]any{"exp": clk.Now().Add(time.Minute).Unix()}, "")
			if err != nil {
				t.Fatal(err)
			}
			var p jws.Parser
			pt, err := p.Parse(tok)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range set {
				if k.ID == pt.Header.KeyID {
					if err := jws.Verify(pt.Header.Alg, k.Public, pt.SigningInput, pt.Signature); err != nil {
						t.Fatal(err)
					}
					return
				}
			}
			t.Fatalf("kid %s not published", pt.Header.KeyID)
		})
	}
}

// TestConcurrentManagersRotateOnce runs several managers on one store at
// once: they agree on one active and one next key, and the store was
// written exactly once per change.
func TestConcurrentManagersRotateOnce(t *testing.T) {
	for _, name := range []string{"mem", "file"} {
		t.Run(name, func(t *testing.T) {
			var store rotate.Store = &rotate.MemStore{}
			if name == "file" {
				fs, err := rotate.NewFileStore(t.TempDir() + "/keys")
				if err != nil {
					t.Fatal(err)
				}
				store = fs
			}
			clk := jwkstest.NewClock(t0)
			sched := rotate.Schedule{RotationPeriod: time.Hour, PrePublish: 10 * time.Minute, MaxTokenLifetime: 5 * time.Minute, Leeway: time.Minute, MaxAge: time.Minute}
			const n = 6
			ms := make([]*rotate.Manager, n)
			errs := make(chan error, n)
			for i := range n {
				go func() {
					m, err := rotate.New(context.Background(), rotate.Config{Store: store, Schedule: sched, Clock: clk, Manual: true})
					ms[i] = m
					errs <- err
				}()
			}
			for range n {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			set, err := store.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) != 2 || set.Version != 1 {
				t.Fatalf("store holds %d keys at version %d; want 2 keys written once", len(set.Keys), set.Version)
			}
			// Every replica steps at the rotation time, concurrently.
			clk.Advance(time.Hour)
			done := make(chan string, n)
			for _, m := range ms {
				go func() {
					if _, err := m.Step(context.Background()); err != nil {
						done <- "error: " + err.Error()
						return
					}
					k, err := m.SigningKey()
					if err != nil {
						done <- "error: " + err.Error()
						return
					}
					done <- k.ID + " " + fmt.Sprint(m.Handler().KeyIDs())
				}()
			}
			var first string
			for i := range n {
				got := <-done
				if i == 0 {
					first = got
				}
				if got != first || len(got) > 6 && got[:6] == "error:" {
					t.Fatalf("replicas disagree: %q vs %q", got, first)
				}
			}
			set, _ = store.Load(context.Background())
			if len(set.Keys) != 3 || set.Version != 2 {
				t.Fatalf("after the rotation: %d keys at version %d; want 3 keys, one more write", len(set.Keys), set.Version)
			}
			for _, m := range ms {
				m.Close()
			}
		})
	}
}

// TestLoopStopsOnClose checks that Close stops the background loop.
func TestLoopStopsOnClose(t *testing.T) {
	clk := jwkstest.NewClock(t0)
	m, err := rotate.New(context.Background(), rotate.Config{Store: &rotate.MemStore{}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if !clk.WaitForTimers(1, 10*time.Second) {
		t.Fatal("the loop did not park on a timer")
	}
	m.Close()
	if n := clk.Timers(); n != 0 {
		t.Fatalf("%d timers pending after Close", n)
	}
}
