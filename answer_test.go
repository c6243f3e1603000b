package jwksauth_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
)

func TestAnswerFor(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		challenge  string // exact WWW-Authenticate, "" for none
		retryAfter int
	}{
		{"missing", jwksauth.ErrTokenMissing, 401, "token_missing", `Bearer realm="api"`, 0},
		{"invalid request", fmt.Errorf("%w: two headers", jwksauth.ErrInvalidRequest), 400, "invalid_request",
			`Bearer realm="api", error="invalid_request", error_description="The request does not carry a bearer token in a valid form"`, 0},
		{"expired", &jwksauth.ExpiredError{Expiry: time.Unix(1, 0), Now: time.Unix(2, 0)}, 401, "token_expired",
			`Bearer realm="api", error="invalid_token", error_description="The access token expired"`, 0},
		{"malformed", fmt.Errorf("%w: x", jwksauth.ErrTokenMalformed), 401, "token_malformed",
			`Bearer realm="api", error="invalid_token", error_description="The access token is malformed"`, 0},
		{"signature", fmt.Errorf("%w: x", jwksauth.ErrSignature), 401, "signature_invalid", "", 0},
		{"audience", fmt.Errorf("%w: x", jwksauth.ErrAudience), 401, "audience_invalid", "", 0},
		{"issuer", fmt.Errorf("%w: x", jwksauth.ErrIssuer), 401, "issuer_invalid", "", 0},
		{"not yet valid", fmt.Errorf("%w: x", jwksauth.ErrTokenNotYetValid), 401, "token_not_yet_valid", "", 0},
		{"issued in future", fmt.Errorf("%w: x", jwksauth.ErrTokenIssuedInFuture), 401, "token_issued_in_future", "", 0},
		{"too old", fmt.Errorf("%w: x", jwksauth.ErrTokenTooOld), 401, "token_too_old", "", 0},
		{"type", fmt.Errorf("%w: x", jwksauth.ErrTokenType), 401, "token_type_invalid", "", 0},
		{"algorithm", fmt.Errorf("%w: x", jwksauth.ErrAlgorithm), 401, "algorithm_not_allowed", "", 0},
		{"key not found", fmt.Errorf("%w: x", jwksauth.ErrKeyNotFound), 401, "key_not_found", "", 0},
		{"key ambiguous", fmt.Errorf("%w: x", jwksauth.ErrKeyAmbiguous), 401, "key_ambiguous", "", 0},
		{"missing claim", fmt.Errorf("%w: x", jwksauth.ErrMissingClaim), 401, "claim_missing", "", 0},
		{"invalid claim", fmt.Errorf("%w: x", jwksauth.ErrInvalidClaim), 401, "claim_invalid", "", 0},
		{"scope", &jwksauth.RequirementError{Scopes: []string{"reports:write"}, Description: `missing scope "reports:write"`}, 403, "insufficient_scope",
			`Bearer realm="api", error="insufficient_scope", error_description="missing scope 'reports:write'", scope="reports:write"`, 0},
		{"keys unavailable", fmt.Errorf("%w: idp down", jwksauth.ErrKeysUnavailable), 503, "keys_unavailable", "", 1},
		{"keys unavailable with hint", &jwksauth.UnavailableError{RetryAfter: 2500 * time.Millisecond, Err: errors.New("x")}, 503, "keys_unavailable", "", 3},
		{"unknown error", errors.New("boom"), 500, "internal_error", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := jwksauth.AnswerFor(tt.err, "api")
			if a.Status != tt.status || a.Code != tt.code {
				t.Fatalf("status, code = %d, %q; want %d, %q", a.Status, a.Code, tt.status, tt.code)
			}
			if tt.challenge != "" && a.Challenge != tt.challenge {
				t.Fatalf("challenge = %s\nwant        %s", a.Challenge, tt.challenge)
			}
			switch tt.status {
			case 401, 400, 403:
				if !strings.HasPrefix(a.Challenge, `Bearer realm="api"`) {
					t.Fatalf("challenge = %q, want a Bearer challenge", a.Challenge)
				}
			default:
				if a.Challenge != "" {
					t.Fatalf("status %d with challenge %q", a.Status, a.Challenge)
				}
			}
			if a.RetryAfter != tt.retryAfter {
				t.Fatalf("RetryAfter = %d, want %d", a.RetryAfter, tt.retryAfter)
			}

			rec := httptest.NewRecorder()
			jwksauth.WriteError(rec, tt.err, "api")
			if rec.Code != tt.status {
				t.Fatalf("written status %d", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != jwksauth.ProblemContentType {
				t.Fatalf("Content-Type %q", got)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != a.Challenge {
				t.Fatalf("WWW-Authenticate %q, want %q", got, a.Challenge)
			}
			if (rec.Header().Get("Retry-After") != "") != (tt.retryAfter > 0) {
				t.Fatalf("Retry-After %q", rec.Header().Get("Retry-After"))
			}
			var body struct {
				Type, Title, Code, Detail string
				Status                    int
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if body.Status != tt.status || body.Code != tt.code || body.Title != http.StatusText(tt.status) || body.Detail == "" {
				t.Fatalf("body = %+v", body)
			}
		})
	}
}

func TestAnswerNoRealm(t *testing.T) {
	a := jwksauth.AnswerFor(jwksauth.ErrTokenMissing, "")
	if a.Challenge != "Bearer" {
		t.Fatalf("challenge = %q, want %q", a.Challenge, "Bearer")
	}
	a = jwksauth.AnswerFor(jwksauth.ErrSignature, `we"ird\realm`)
	if strings.ContainsAny(strings.TrimSuffix(strings.TrimPrefix(a.Challenge, `Bearer realm="`), `"`), `\`) {
		t.Fatalf("realm not sanitized: %q", a.Challenge)
	}
}
