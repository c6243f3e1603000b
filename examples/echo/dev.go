//go:build dev

package main

// This file is the same in every example app (examples/*/dev.go). It is
// compiled only with -tags dev (go run -tags dev ., make demo): the
// development issuer signs tokens for anyone who asks, so production builds
// (without the tag) leave it and the test kit out; nodev.go stands in.

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/jwkstest"
)

// devBuild reports whether this binary has the development issuer.
const devBuild = true

// devIssuer is the development issuer: jwkstest's OpenID Connect provider.
type devIssuer = jwkstest.Issuer

// The development issuer's defaults.
const (
	devAudience = "api://jwksauth-example"
	devSubject  = "dev-user"
)

// startDevIssuer starts the development issuer (jwkstest's OpenID Connect
// provider, on two loopback ports) and points s at it. It exists only for
// DEV_ISSUER=1: anyone can ask it for tokens.
func startDevIssuer(s *settings) (*devIssuer, error) {
	if len(s.Audiences) == 0 {
		s.Audiences = []string{devAudience}
	}
	iss, err := jwkstest.Start(jwkstest.WithAudience(s.Audiences[0]), jwkstest.WithSubject(devSubject))
	if err != nil {
		return nil, err
	}
	s.Issuers = []string{iss.URL()}
	return iss, nil
}

// printDevCommands prints ready-to-paste curl commands calling the app at
// base with tokens of the development issuer: one per route, one answered
// 403, one with an expired token, one without a token.
func printDevCommands(w io.Writer, base string, iss *devIssuer, s settings) error {
	var opts []jwkstest.MintOption
	if s.TokenType != "" {
		opts = append(opts, jwkstest.WithType(s.TokenType))
	}
	mint := func(claims map[string]any) (string, error) { return iss.Mint(claims, opts...) }
	now := time.Now()
	tokens := map[string]map[string]any{
		"profile": {"scope": "openid"},
		"reader":  {"scope": "openid reports:read"},
		"writer":  {"scope": "openid reports:read reports:write"},
		"admin":   {"scope": "openid admin"},
		"expired": {"scope": "openid", "iat": now.Add(-2 * time.Hour), "exp": now.Add(-time.Hour)},
	}
	tok := map[string]string{}
	for name, claims := range tokens {
		t, err := mint(claims)
		if err != nil {
			return err
		}
		tok[name] = t
	}
	auth := func(name string) string { return " -H 'Authorization: Bearer " + tok[name] + "'" }
	cmds := []struct{ comment, line string }{
		{"200: any valid token; the profile shows its claims", "curl -i " + base + "/api/profile" + auth("profile")},
		{"200: scope reports:read", "curl -i " + base + "/api/reports" + auth("reader")},
		{"201: scope reports:write", "curl -i -X POST " + base + "/api/reports" + auth("writer") +
			` -H 'Content-Type: application/json' -d '{"title":"Q3 revenue"}'`},
		{"200: scope admin", "curl -i " + base + "/api/admin" + auth("admin")},
		{"403: insufficient_scope, the token has reports:read but not admin", "curl -i " + base + "/api/admin" + auth("reader")},
		{"401: invalid_token, the token expired an hour ago", "curl -i " + base + "/api/profile" + auth("expired")},
		{"401: no token", "curl -i " + base + "/api/profile"},
		{"200: no token needed", "curl -i " + base + "/healthz"},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nDEV_ISSUER: a development issuer is running at %s.\n", iss.URL())
	fmt.Fprintf(&b, "It signs tokens for anyone who asks: never set DEV_ISSUER in production.\n")
	fmt.Fprintf(&b, "Tokens below: sub %q, aud %q", devSubject, s.Audiences[0])
	if s.TokenType != "" {
		fmt.Fprintf(&b, ", typ %q", s.TokenType)
	}
	fmt.Fprintf(&b, ", valid for %v (until %s).\n\n", jwkstest.DefaultTokenLifetime, now.Add(jwkstest.DefaultTokenLifetime).Format(time.Kitchen))
	for _, c := range cmds {
		fmt.Fprintf(&b, "# expect %s\n%s\n\n", c.comment, c.line)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
