package jwksauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth"
)

const testResource = "https://api.example.com/orders"

func TestResourceMetadata(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) {
		c.TokenQuery = "access_token"
		c.Resource = jwksauth.ResourceConfig{
			URI:           testResource,
			Scopes:        jwksauth.All(jwksauth.Scopes("orders:read"), jwksauth.AnyScope("orders:write", "admin")).NeededScopes(),
			Name:          "Orders API",
			Documentation: "https://docs.example.com/orders",
		}
	})
	if got, want := e.auth.ResourceMetadataPath(), "/.well-known/oauth-protected-resource/orders"; got != want {
		t.Fatalf("ResourceMetadataPath = %q, want %q", got, want)
	}
	srv := httptest.NewServer(e.auth.ResourceMetadataHandler())
	defer srv.Close()
	res, err := http.Get(srv.URL + e.auth.ResourceMetadataPath())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET metadata: %d %s %v", res.StatusCode, body, err)
	}
	want := map[string]any{
		"resource":                 testResource,
		"authorization_servers":    []any{e.iss.URL()},
		"scopes_supported":         []any{"orders:read", "orders:write", "admin"},
		"bearer_methods_supported": []any{"header", "query"},
		"resource_name":            "Orders API",
		"resource_documentation":   "https://docs.example.com/orders",
	}
	for k, v := range want {
		got, _ := json.Marshal(doc[k])
		w, _ := json.Marshal(v)
		if string(got) != string(w) {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	if len(doc) != len(want) {
		t.Errorf("document has %d members, want %d: %s", len(doc), len(want), body)
	}
	m, ok := e.auth.ResourceMetadata()
	if !ok || m.Resource != testResource {
		t.Fatalf("ResourceMetadata = %+v, %v", m, ok)
	}
	m.AuthorizationServers[0] = "changed"
	if m2, _ := e.auth.ResourceMetadata(); m2.AuthorizationServers[0] != e.iss.URL() {
		t.Error("ResourceMetadata shares its slices")
	}
}

func TestResourceMetadataInChallenges(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) { c.Resource = jwksauth.ResourceConfig{URI: testResource} })
	const attr = `resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/orders"`
	expired := e.mint(t, map[string]any{"exp": epoch.Add(-time.Hour).Unix()})
	_, errExpired := e.auth.Authenticate(context.Background(), expired)
	c, err := e.auth.Authenticate(context.Background(), e.mint(t, map[string]any{"scope": "a"}))
	if err != nil {
		t.Fatal(err)
	}
	errScope := e.auth.Check(c, jwksauth.Scopes("b"))
	for name, tc := range map[string]struct {
		err    error
		status int
	}{
		"missing token":   {jwksauth.ErrTokenMissing, 401},
		"expired token":   {errExpired, 401},
		"missing scope":   {errScope, 403},
		"invalid request": {jwksauth.ErrInvalidRequest, 400},
	} {
		a := e.auth.Answer(tc.err)
		if a.Status != tc.status || !strings.Contains(a.Challenge, attr) || !strings.HasPrefix(a.Challenge, `Bearer realm="orders"`) {
			t.Errorf("%s: %d %s", name, a.Status, a.Challenge)
		}
	}
	if a := e.auth.Answer(errScope); !strings.Contains(a.Challenge, `scope="b"`) {
		t.Errorf("403 without the scope the operation needs: %s", a.Challenge)
	}
	if a := e.auth.Answer(jwksauth.ErrKeysUnavailable); a.Challenge != "" {
		t.Errorf("503 with a challenge: %s", a.Challenge)
	}
	rec := httptest.NewRecorder()
	e.auth.WriteError(rec, jwksauth.ErrTokenMissing)
	if rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), attr) {
		t.Errorf("WriteError: %d %v", rec.Code, rec.Header())
	}
	// Without a resource, no attribute.
	plain := newEnv(t, nil)
	if a := plain.auth.Answer(jwksauth.ErrTokenMissing); strings.Contains(a.Challenge, "resource_metadata") {
		t.Errorf("challenge without a resource: %s", a.Challenge)
	}
	if plain.auth.ResourceMetadataHandler() != nil || plain.auth.ResourceMetadataPath() != "" {
		t.Error("metadata without a resource")
	}
}

func TestResourceMetadataURLOverride(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) {
		c.Resource = jwksauth.ResourceConfig{URI: testResource, MetadataURL: "https://gw.example.com/meta/orders"}
	})
	if a := e.auth.Answer(jwksauth.ErrTokenMissing); !strings.Contains(a.Challenge, `resource_metadata="https://gw.example.com/meta/orders"`) {
		t.Errorf("challenge: %s", a.Challenge)
	}
}

func TestResourceAudience(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) {
		c.Resource = jwksauth.ResourceConfig{URI: testResource, RequireAudience: true}
	})
	ctx := context.Background()
	if _, err := e.auth.Authenticate(ctx, e.mint(t, map[string]any{"aud": []string{testAudience, testResource}})); err != nil {
		t.Errorf("token for the resource and the audience: %v", err)
	}
	if _, err := e.auth.Authenticate(ctx, e.mint(t, map[string]any{"aud": testAudience})); !errors.Is(err, jwksauth.ErrAudience) {
		t.Errorf("token without the resource: %v, want ErrAudience", err)
	}
	if _, err := e.auth.Authenticate(ctx, e.mint(t, map[string]any{"aud": testResource})); !errors.Is(err, jwksauth.ErrAudience) {
		t.Errorf("token for the resource but none of the issuer's audiences: %v, want ErrAudience", err)
	}
	if _, err := e.auth.Authenticate(ctx, e.mint(t, map[string]any{"aud": testResource + "/"})); !errors.Is(err, jwksauth.ErrAudience) {
		t.Errorf("resource compared loosely: %v", err)
	}

	// With the resource as the only audience (the MCP way).
	only := newEnv(t, func(c *jwksauth.Config) {
		c.Issuers[0].Audiences = nil
		c.Resource = jwksauth.ResourceConfig{URI: testResource, RequireAudience: true}
	})
	if _, err := only.auth.Authenticate(ctx, only.mint(t, map[string]any{"aud": testResource})); err != nil {
		t.Errorf("token for the resource: %v", err)
	}
	if _, err := only.auth.Authenticate(ctx, only.mint(t, map[string]any{"aud": "https://other.example.com"})); !errors.Is(err, jwksauth.ErrAudience) {
		t.Errorf("token for another resource: %v, want ErrAudience", err)
	}
}

func TestResourceConfigErrors(t *testing.T) {
	for name, rc := range map[string]jwksauth.ResourceConfig{
		"http resource":             {URI: "http://api.example.com"},
		"fragment":                  {URI: "https://api.example.com/#x"},
		"query":                     {URI: "https://api.example.com/?x"},
		"audience without resource": {RequireAudience: true},
		"scopes without resource":   {Scopes: []string{"a"}},
		"invalid scope":             {URI: "https://api.example.com", Scopes: []string{"a b"}},
		"invalid documentation":     {URI: "https://api.example.com", Documentation: "docs"},
	} {
		_, err := jwksauth.New(jwksauth.Config{
			Issuers:  []jwksauth.Issuer{{URL: "https://idp.example.com", Audiences: []string{"x"}}},
			Resource: rc,
		})
		if !errors.Is(err, jwksauth.ErrConfig) {
			t.Errorf("%s: New = %v, want ErrConfig", name, err)
		}
	}
}

func TestStepUp(t *testing.T) {
	e := newEnv(t, func(c *jwksauth.Config) { c.Resource = jwksauth.ResourceConfig{URI: testResource} })
	ctx := context.Background()
	verify := func(claims map[string]any) *jwksauth.Claims {
		t.Helper()
		c, err := e.auth.Authenticate(ctx, e.mint(t, claims))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	recent := verify(map[string]any{"scope": "admin", "acr": "phrh", "auth_time": epoch.Add(-time.Minute).Unix()})
	weak := verify(map[string]any{"scope": "admin", "acr": "pwd", "auth_time": epoch.Add(-time.Hour).Unix()})
	admin := []jwksauth.Requirement{jwksauth.Scopes("admin"), jwksauth.ACR("phr", "phrh"), jwksauth.MaxAuthAge(5 * time.Minute)}

	if err := e.auth.Check(recent, admin...); err != nil {
		t.Fatalf("strong, recent authentication: %v", err)
	}
	err := e.auth.Check(weak, admin...)
	var se *jwksauth.StepUpError
	if !errors.Is(err, jwksauth.ErrInsufficientUserAuthentication) || !errors.As(err, &se) {
		t.Fatalf("weak authentication: %v", err)
	}
	if !slices.Equal(se.ACRValues, []string{"phr", "phrh"}) || se.MaxAge != 5*time.Minute {
		t.Errorf("StepUpError = %+v", se)
	}
	a := e.auth.Answer(err)
	if a.Status != 401 || a.Code != "insufficient_user_authentication" {
		t.Fatalf("answer: %+v", a)
	}
	for _, want := range []string{`error="insufficient_user_authentication"`, `acr_values="phr phrh"`, `max_age="300"`, `resource_metadata="`} {
		if !strings.Contains(a.Challenge, want) {
			t.Errorf("challenge %s lacks %s", a.Challenge, want)
		}
	}
	var body map[string]any
	if err := json.Unmarshal(a.Body(), &body); err != nil || body["acr_values"] != "phr phrh" || body["max_age"] != float64(300) {
		t.Errorf("body: %s (%v)", a.Body(), err)
	}
	// A missing scope is a 403, even when the step-up fails too.
	if err := e.auth.Check(weak, jwksauth.Scopes("root"), jwksauth.ACR("phr")); !errors.Is(err, jwksauth.ErrInsufficientScope) {
		t.Errorf("scope and acr missing: %v, want ErrInsufficientScope", err)
	}
	// The Authenticator's clock decides recency: 4 minutes later the recent
	// authentication is 5 minutes old, then older.
	e.clock.Advance(4 * time.Minute)
	if err := e.auth.Check(recent, jwksauth.MaxAuthAge(5*time.Minute)); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	e.clock.Advance(time.Second)
	if err := e.auth.Check(recent, jwksauth.MaxAuthAge(5*time.Minute)); !errors.Is(err, jwksauth.ErrInsufficientUserAuthentication) {
		t.Errorf("past the limit: %v", err)
	}
	// Two requirements merge what they ask for.
	err = e.auth.Check(weak, jwksauth.ACR("phr"), jwksauth.MaxAuthAge(time.Hour-time.Second), jwksauth.ACR("hwk"))
	if !errors.As(err, &se) || !slices.Equal(se.ACRValues, []string{"phr", "hwk"}) || se.MaxAge != time.Hour-time.Second {
		t.Errorf("merged: %v %+v", err, se)
	}
}
