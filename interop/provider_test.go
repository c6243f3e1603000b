//go:build interop

package interop

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
)

// audience is the aud of every access token the providers issue.
const audience = "api://reports"

// algorithms are the signing algorithms the providers use.
var algorithms = []string{"RS256", "PS256", "ES256", "EdDSA"}

// unknownKIDCooldown bounds how often an app refreshes an issuer's keys
// for an unknown kid (the core's default cooldown is 5 s). The rotation
// steps are at least this far apart, as real rotations are.
const unknownKIDCooldown = 6 * time.Second

func providerKeys(t *testing.T, prefix string) []signingKey {
	var keys []signingKey
	for _, alg := range algorithms {
		keys = append(keys, newKey(t, alg, prefix+"-"+strings.ToLower(alg)+"-1"))
	}
	return keys
}

// TestProvider runs every example app, as a process, against two
// instances of each real OpenID provider at once: npm oidc-provider and
// zitadel/oidc's OP, both over HTTPS. The two kinds run in parallel.
func TestProvider(t *testing.T) {
	for _, kind := range []providerKind{oidcProvider, zitadel} {
		t.Run(kind.Name, func(t *testing.T) {
			t.Parallel()
			testProvider(t, kind)
		})
	}
}

func testProvider(t *testing.T, kind providerKind) {
	ca := newPKI(t)
	keysA, keysB := providerKeys(t, "a"), providerKeys(t, "b")
	a := startProvider(t, kind, ca, keysA)
	b := startProvider(t, kind, ca, keysB)
	apps := startApps(t, map[string]string{
		"ISSUER_URL":    a.Issuer + "," + b.Issuer,
		"AUDIENCE":      audience,
		"TOKEN_TYPE":    kind.TokenType,
		"SSL_CERT_FILE": ca.CAFile, // the apps trust the test CA, and only it
	})
	lastRefresh := time.Now() // the apps fetched the keys when they started
	waitCooldown := func() {
		if d := time.Until(lastRefresh.Add(unknownKIDCooldown)); d > 0 {
			time.Sleep(d)
		}
	}

	// A token that expires a second after it is issued: accepted now,
	// refused at the end once exp and the leeway have passed.
	short := a.Token(t, "ES256", "reports:read", 1)
	expectOK(t, apps, "/api/profile", short, a.Issuer)

	t.Run("algorithms", func(t *testing.T) {
		for _, pr := range []*provider{a, b} {
			for _, alg := range algorithms {
				tok := pr.Token(t, alg, "reports:read", 0)
				p := decodeJWT(t, tok)
				if p.Alg != alg || p.Typ != kind.TokenType || p.Iss != pr.Issuer || !audienceHas(p.Aud, audience) {
					t.Fatalf("%s token: header/claims %+v; want alg %s, typ %s, iss %s, aud %s", alg, p, alg, kind.TokenType, pr.Issuer, audience)
				}
				expectOK(t, apps, "/api/profile", tok, pr.Issuer)
				expectOK(t, apps, "/api/reports", tok, "")
			}
		}
	})

	t.Run("scopes", func(t *testing.T) {
		reader := a.Token(t, "RS256", "reports:read", 0)
		writer := a.Token(t, "PS256", "reports:write", 0)
		admin := b.Token(t, "EdDSA", "admin", 0)
		all := b.Token(t, "ES256", "reports:read reports:write admin", 0)
		for _, ap := range apps {
			cases := []struct {
				name, method, path, token string
				want                      int
			}{
				{"reader lists", "GET", "/api/reports", reader, 200},
				{"reader posts", "POST", "/api/reports", reader, 403},
				{"reader admin", "GET", "/api/admin", reader, 403},
				{"writer posts", "POST", "/api/reports", writer, 201},
				{"writer lists", "GET", "/api/reports", writer, 403},
				{"admin", "GET", "/api/admin", admin, 200},
				{"admin lists", "GET", "/api/reports", admin, 403},
				{"all lists", "GET", "/api/reports", all, 200},
				{"all posts", "POST", "/api/reports", all, 201},
				{"all admin", "GET", "/api/admin", all, 200},
				{"no token", "GET", "/api/reports", "", 401},
			}
			for _, c := range cases {
				body := ""
				if c.method == "POST" {
					body = `{"title":"Q3 revenue"}`
				}
				res := call(t, c.method, ap.URL+c.path, c.token, body)
				if res.Status != c.want {
					t.Errorf("%s: %s: %s %s = %d, want %d: %s", ap.Name, c.name, c.method, c.path, res.Status, c.want, res.Body)
					continue
				}
				switch c.want {
				case 201:
					if res.Header.Get("Location") == "" {
						t.Errorf("%s: %s: 201 without Location", ap.Name, c.name)
					}
				case 403:
					if ch := res.Header.Get("WWW-Authenticate"); !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, `scope="`) {
						t.Errorf("%s: %s: WWW-Authenticate %q, want insufficient_scope with scope", ap.Name, c.name, ch)
					}
				case 401:
					if ch := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer") || strings.Contains(ch, "error=") {
						t.Errorf("%s: %s: WWW-Authenticate %q, want a Bearer challenge without error", ap.Name, c.name, ch)
					}
				}
			}
		}
	})

	t.Run("two providers", func(t *testing.T) {
		// Both configured issuers at once, and a third one nobody
		// configured, whose tokens are refused before any key is fetched.
		c := startProvider(t, kind, ca, providerKeys(t, "c"))
		for _, alg := range algorithms {
			expectOK(t, apps, "/api/profile", a.Token(t, alg, "admin", 0), a.Issuer)
			expectOK(t, apps, "/api/profile", b.Token(t, alg, "admin", 0), b.Issuer)
			expectInvalid(t, apps, "/api/profile", c.Token(t, alg, "admin", 0))
		}
		c.Stop()
	})

	t.Run("rotation", func(t *testing.T) {
		// oidc-provider's documented rotation: the new key appended
		// (published, not signing), then moved to the front (signing), then
		// the old key removed; its processes reloaded at each step. No
		// valid token may be refused on the way.
		oldRS, newRS := keysA[0], newKey(t, "RS256", "a-rs256-2")
		rest := keysA[1:]
		var issued []string // tokens signed with a key still published
		step := func(name string, keys []signingKey, wantKID string, keep func(kid string) bool) {
			a.Restart(keys)
			tok := a.Token(t, "RS256", "reports:read", 0)
			if kid := decodeJWT(t, tok).KID; kid != wantKID {
				t.Fatalf("%s: the provider signed with kid %q, want %q", name, kid, wantKID)
			}
			kept := issued[:0]
			for _, old := range issued {
				if keep(decodeJWT(t, old).KID) {
					kept = append(kept, old)
				}
			}
			issued = append(kept, tok)
			for _, tk := range issued {
				expectOK(t, apps, "/api/reports", tk, "")
			}
		}
		issued = append(issued, a.Token(t, "RS256", "reports:read", 0))
		all := func(string) bool { return true }
		step("new key appended", append(append([]signingKey{oldRS}, rest...), newRS), oldRS.KID, all)
		waitCooldown()
		step("new key signs", append(append([]signingKey{newRS}, rest...), oldRS), newRS.KID, all)
		lastRefresh = time.Now() // the apps fetched the keys for the new kid
		step("old key removed", append([]signingKey{newRS}, rest...), newRS.KID, func(kid string) bool { return kid != oldRS.KID })
		keysA = append([]signingKey{newRS}, rest...)
	})

	t.Run("outage", func(t *testing.T) {
		// Tokens never shown to the apps (so no verified-token cache
		// holds them), checked while their issuer is down: the apps verify
		// them with the keys they cached.
		var fresh []string
		for _, alg := range algorithms {
			fresh = append(fresh, a.Token(t, alg, "reports:read", 0))
		}
		a.Stop()
		for _, tok := range fresh {
			expectOK(t, apps, "/api/profile", tok, a.Issuer)
		}
		expectOK(t, apps, "/api/profile", b.Token(t, "RS256", "reports:read", 0), b.Issuer)

		// Recovery: the provider comes back with a new signing key, which
		// the apps fetch on its first token.
		waitCooldown()
		rs3 := newKey(t, "RS256", "a-rs256-3")
		keysA = append([]signingKey{rs3}, keysA...)
		a.Start(keysA)
		tok := a.Token(t, "RS256", "reports:read", 0)
		if kid := decodeJWT(t, tok).KID; kid != rs3.KID {
			t.Fatalf("after recovery the provider signed with kid %q, want %q", kid, rs3.KID)
		}
		expectOK(t, apps, "/api/profile", tok, a.Issuer)
		lastRefresh = time.Now()
	})

	t.Run("expired", func(t *testing.T) {
		exp := time.Unix(decodeJWT(t, short).Exp, 0)
		deadline := exp.Add(jwksauth.DefaultLeeway + time.Second)
		if d := time.Until(deadline); d > 0 {
			if d > time.Minute {
				t.Fatalf("the short token expires at %v, more than a minute away", exp)
			}
			time.Sleep(d)
		}
		expectInvalid(t, apps, "/api/profile", short)
	})

	for _, ap := range apps {
		if code := ap.proc.Stop(); code != 0 {
			t.Errorf("%s exited with status %d after SIGTERM\nstderr:\n%s", ap.Name, code, ap.proc.Stderr())
		}
	}
}

// expectOK checks that every app answers 200 to GET path with token; for
// /api/profile, that the profile names the issuer iss and the audience.
func expectOK(t *testing.T, apps []app, path, token, iss string) {
	t.Helper()
	for _, ap := range apps {
		res := call(t, http.MethodGet, ap.URL+path, token, "")
		if res.Status != http.StatusOK {
			t.Errorf("%s: GET %s with a valid %s token = %d: %s\nWWW-Authenticate: %s",
				ap.Name, path, tokenLabel(t, token), res.Status, res.Body, res.Header.Get("WWW-Authenticate"))
			continue
		}
		if path != "/api/profile" {
			continue
		}
		var p struct {
			Sub    string   `json:"sub"`
			Iss    string   `json:"iss"`
			Aud    []string `json:"aud"`
			Scopes []string `json:"scopes"`
		}
		if err := json.Unmarshal(res.Body, &p); err != nil {
			t.Errorf("%s: profile: %v: %s", ap.Name, err, res.Body)
			continue
		}
		if p.Iss != iss || p.Sub != "interop" || !slices.Contains(p.Aud, audience) {
			t.Errorf("%s: profile %s; want iss %s, sub interop, aud %s", ap.Name, res.Body, iss, audience)
		}
	}
}

// expectInvalid checks that every app answers 401 invalid_token.
func expectInvalid(t *testing.T, apps []app, path, token string) {
	t.Helper()
	for _, ap := range apps {
		res := call(t, http.MethodGet, ap.URL+path, token, "")
		ch := res.Header.Get("WWW-Authenticate")
		if res.Status != http.StatusUnauthorized || !strings.Contains(ch, `error="invalid_token"`) {
			t.Errorf("%s: GET %s with %s = %d, WWW-Authenticate %q; want 401 invalid_token", ap.Name, path, tokenLabel(t, token), res.Status, ch)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s: 401 with Content-Type %q, want application/problem+json", ap.Name, ct)
		}
	}
}

func tokenLabel(t *testing.T, tok string) string {
	p := decodeJWT(t, tok)
	return fmt.Sprintf("%s (kid %s, iss %s)", p.Alg, p.KID, p.Iss)
}

func audienceHas(aud any, want string) bool {
	switch v := aud.(type) {
	case string:
		return v == want
	case []any:
		return slices.Contains(v, any(want))
	}
	return false
}
