package docsnippets

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth"
)

// realAnswers returns the problem bodies and challenges the core gives for
// every sentinel, and for the route requirements the guides use, under the
// realms the guides use.
func realAnswers(t *testing.T) (bodies, challenges map[string]bool) {
	t.Helper()
	errs := []error{
		jwksauth.ErrTokenMissing, jwksauth.ErrInvalidRequest, jwksauth.ErrTokenType,
		jwksauth.ErrTokenMalformed, jwksauth.ErrAlgorithm, jwksauth.ErrSignature,
		jwksauth.ErrKeyNotFound, jwksauth.ErrKeyAmbiguous, jwksauth.ErrKeysUnavailable,
		jwksauth.ErrTokenExpired, jwksauth.ErrTokenNotYetValid, jwksauth.ErrTokenIssuedInFuture,
		jwksauth.ErrTokenTooOld, jwksauth.ErrIssuer, jwksauth.ErrAudience,
		jwksauth.ErrMissingClaim, jwksauth.ErrInvalidClaim,
	}
	for _, req := range []jwksauth.Requirement{
		jwksauth.Scopes("reports:read"),
		jwksauth.Scopes("reports:write"),
		jwksauth.Scopes("admin"),
		jwksauth.Scopes("read:messages"),
		jwksauth.AnyScope("reports:read", "admin"),
	} {
		err := jwksauth.Check(&jwksauth.Claims{Scopes: []string{"openid"}}, req)
		if !errors.Is(err, jwksauth.ErrInsufficientScope) {
			t.Fatalf("Check(%v) = %v, want ErrInsufficientScope", req, err)
		}
		errs = append(errs, err)
	}
	bodies, challenges = map[string]bool{}, map[string]bool{}
	for _, realm := range []string{"", "reports-api"} {
		for _, err := range errs {
			a := jwksauth.AnswerFor(fmt.Errorf("wrapped: %w", err), realm)
			bodies[string(a.Body())] = true
			if a.Challenge != "" {
				challenges[a.Challenge] = true
			}
		}
	}
	return bodies, challenges
}

var (
	problemLine   = regexp.MustCompile(`\{"type":"about:blank".*\}`)
	challengeLine = regexp.MustCompile(`(?i)^\s*(?:<\s*)?www-authenticate:\s*(.*?)\s*$`)
)

// TestGuidesShowRealAnswers checks that every problem body and every
// WWW-Authenticate header the guides show (outside Go code and the
// "before" code of peers) is one the core really gives, so that a change
// to the answers shows up here.
func TestGuidesShowRealAnswers(t *testing.T) {
	bodies, challenges := realAnswers(t)
	seen := 0
	for _, g := range guides(t) {
		for _, b := range blocks(t, g) {
			if !isOwned(b.doc) || b.lang == "go" || b.lang == "go-before" {
				continue
			}
			for i, line := range strings.Split(b.body, "\n") {
				if strings.Contains(line, "(before)") {
					continue // a peer's answer, quoted for comparison
				}
				if m := problemLine.FindString(line); m != "" {
					seen++
					if !bodies[m] {
						t.Errorf("%s:%d: the core never answers with this body:\n  %s", b.doc, b.line+1+i, m)
					}
				}
				if m := challengeLine.FindStringSubmatch(line); m != nil {
					seen++
					if !challenges[m[1]] {
						t.Errorf("%s:%d: the core never sends this challenge:\n  %s", b.doc, b.line+1+i, m[1])
					}
				}
			}
		}
	}
	t.Logf("checked %d answers shown in the guides", seen)
}
