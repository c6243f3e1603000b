package jwksauth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth"
)

func TestExtractToken(t *testing.T) {
	const tok = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
	tests := []struct {
		name    string
		cr      jwksauth.Credentials
		want    string
		wantErr error
	}{
		{"header", jwksauth.Credentials{Authorization: []string{"Bearer " + tok}}, tok, nil},
		{"lowercase scheme", jwksauth.Credentials{Authorization: []string{"bearer " + tok}}, tok, nil},
		{"uppercase scheme", jwksauth.Credentials{Authorization: []string{"BEARER " + tok}}, tok, nil},
		{"several spaces", jwksauth.Credentials{Authorization: []string{"Bearer   " + tok}}, tok, nil},
		{"surrounding blanks", jwksauth.Credentials{Authorization: []string{"  Bearer " + tok + " "}}, tok, nil},
		{"token68 padding", jwksauth.Credentials{Authorization: []string{"Bearer abc=="}}, "abc==", nil},
		{"nothing", jwksauth.Credentials{}, "", jwksauth.ErrTokenMissing},
		{"basic scheme", jwksauth.Credentials{Authorization: []string{"Basic dXNlcjpwYXNz"}}, "", jwksauth.ErrTokenMissing},
		{"dpop scheme", jwksauth.Credentials{Authorization: []string{"DPoP " + tok}}, "", jwksauth.ErrTokenMissing},
		{"bearer prefix of another word", jwksauth.Credentials{Authorization: []string{"Bearerx " + tok}}, "", jwksauth.ErrTokenMissing},
		{"empty header", jwksauth.Credentials{Authorization: []string{""}}, "", jwksauth.ErrInvalidRequest},
		{"bearer without token", jwksauth.Credentials{Authorization: []string{"Bearer"}}, "", jwksauth.ErrTokenMalformed},
		{"bearer with blank token", jwksauth.Credentials{Authorization: []string{"Bearer   "}}, "", jwksauth.ErrTokenMalformed},
		{"two tokens in one header", jwksauth.Credentials{Authorization: []string{"Bearer a b"}}, "", jwksauth.ErrTokenMalformed},
		{"comma list", jwksauth.Credentials{Authorization: []string{"Bearer a, Bearer b"}}, "", jwksauth.ErrTokenMalformed},
		{"two headers", jwksauth.Credentials{Authorization: []string{"Bearer " + tok, "Bearer " + tok}}, "", jwksauth.ErrInvalidRequest},
		{"only padding", jwksauth.Credentials{Authorization: []string{"Bearer =="}}, "", jwksauth.ErrTokenMalformed},
		{"padding inside", jwksauth.Credentials{Authorization: []string{"Bearer a=b"}}, "", jwksauth.ErrTokenMalformed},
		{"control character", jwksauth.Credentials{Authorization: []string{"Bearer a\x00b"}}, "", jwksauth.ErrTokenMalformed},
		{"cookie", jwksauth.Credentials{Cookie: []string{tok}}, tok, nil},
		{"query", jwksauth.Credentials{Query: []string{tok}}, tok, nil},
		{"empty cookie is absent", jwksauth.Credentials{Cookie: []string{""}}, "", jwksauth.ErrTokenMissing},
		{"header and cookie", jwksauth.Credentials{Authorization: []string{"Bearer " + tok}, Cookie: []string{tok}}, "", jwksauth.ErrInvalidRequest},
		{"cookie and query", jwksauth.Credentials{Cookie: []string{tok}, Query: []string{tok}}, "", jwksauth.ErrInvalidRequest},
		{"two cookies", jwksauth.Credentials{Cookie: []string{tok, tok}}, "", jwksauth.ErrInvalidRequest},
		{"two query values", jwksauth.Credentials{Query: []string{tok, tok}}, "", jwksauth.ErrInvalidRequest},
		{"basic header and cookie", jwksauth.Credentials{Authorization: []string{"Basic eA=="}, Cookie: []string{tok}}, tok, nil},
		{"bad cookie", jwksauth.Credentials{Cookie: []string{"a b"}}, "", jwksauth.ErrTokenMalformed},
		{"non-ASCII", jwksauth.Credentials{Authorization: []string{"Bearer a\u00e9b"}}, "", jwksauth.ErrTokenMalformed},
		{"bad query value", jwksauth.Credentials{Query: []string{"a\"b"}}, "", jwksauth.ErrTokenMalformed},
		{"malformed token beside a good one is a malformed request", jwksauth.Credentials{Authorization: []string{"Bearer " + tok}, Cookie: []string{"a b"}}, "", jwksauth.ErrInvalidRequest},
		{"malformed header beside a cookie is a malformed request", jwksauth.Credentials{Authorization: []string{"Bearer a b"}, Cookie: []string{tok}}, "", jwksauth.ErrInvalidRequest},
		{"oversize", jwksauth.Credentials{Authorization: []string{"Bearer " + strings.Repeat("a", jwksauth.DefaultMaxTokenSize+1)}}, "", jwksauth.ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jwksauth.ExtractToken(tt.cr)
			// One answer per class: a malformed request is 400
			// invalid_request, a malformed token 401 invalid_token.
			if errors.Is(err, jwksauth.ErrInvalidRequest) && errors.Is(err, jwksauth.ErrTokenMalformed) {
				t.Fatalf("err = %v matches both ErrInvalidRequest and ErrTokenMalformed", err)
			}
			if err != nil && tt.wantErr != jwksauth.ErrTokenMissing {
				a := jwksauth.AnswerFor(err, "")
				wantStatus, wantAttr := 401, `error="invalid_token"`
				if tt.wantErr == jwksauth.ErrInvalidRequest {
					wantStatus, wantAttr = 400, `error="invalid_request"`
				}
				if a.Status != wantStatus || !strings.Contains(a.Challenge, wantAttr) {
					t.Fatalf("answer %d %q, want %d with %s", a.Status, a.Challenge, wantStatus, wantAttr)
				}
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("token = %q, want %q", got, tt.want)
			}
			if err != nil && len(tok) > 0 && strings.Contains(err.Error(), tok) {
				t.Fatalf("error message echoes the token: %v", err)
			}
		})
	}
}

func TestExclusions(t *testing.T) {
	ex, err := jwksauth.NewExclusions("/healthz", "/public/")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want bool
	}{
		{"/healthz", true},
		{"/public/", true},
		{"/public/info", true},
		{"/public/a/b", true},
		{"/public", false},
		{"/healthz/", false},
		{"/healthzz", false},
		{"/HEALTHZ", false},
		{"//healthz", false},
		{"/healthz/../api/admin", false},
		{"/public/../api/admin", false},
		{"/public/./info", false},
		{"/public//info", false},
		{"/health%7A", false},
		{"/%68ealthz", false},
		{"/public/%2e%2e/api/admin", false},
		{"/healthz%2F..%2Fapi", false},
		{"/healthz?x=1", false},
		{"healthz", false},
		{"", false},
		{"/api/admin", false},
		{`/public\..\api`, false},
	}
	for _, tt := range tests {
		if got := ex.Match(tt.path); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	var none *jwksauth.Exclusions
	if none.Match("/healthz") {
		t.Error("nil Exclusions matched")
	}
	for _, bad := range []string{"/", "healthz", "/a/../b", "//x", "/a%20b", ""} {
		if _, err := jwksauth.NewExclusions(bad); !errors.Is(err, jwksauth.ErrConfig) {
			t.Errorf("NewExclusions(%q) err = %v, want ErrConfig", bad, err)
		}
	}
}
