package main

// This file is the same in every example app (examples/*/settings.go): the
// settings read from the environment, the Authenticator built from them,
// and the development issuer. main.go holds what is framework-specific.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the app failed while running
	exitUsage = 2 // invalid settings: nothing was started
)

// settings is the app's configuration, read from the environment.
type settings struct {
	Addr      string      // ADDR: where to listen; default 127.0.0.1:8080
	Issuers   []string    // ISSUER_URL: issuer URLs, comma-separated
	Audiences []string    // AUDIENCE: accepted audiences, comma-separated
	TokenType string      // TOKEN_TYPE: required typ header, e.g. at+jwt; default: not checked
	CORS      cors.Policy // CORS_ORIGINS: allowed browser origins, comma-separated; default: no CORS. CORS_CREDENTIALS=1: they may send credentials; default: off
	Dev       bool        // DEV_ISSUER: run a development issuer on loopback
	Metrics   string      // METRICS_ADDR: where to serve /metrics and /readyz; default: not served
}

// errSettings marks an invalid setting: the app exits with [exitUsage].
var errSettings = errors.New("invalid settings")

const usage = `Settings (environment variables):
  ISSUER_URL    issuer URL(s), comma-separated; keys are found through <issuer>/.well-known/openid-configuration
  AUDIENCE      accepted audience(s) of the tokens, comma-separated (required with ISSUER_URL)
  ADDR          listen address (default 127.0.0.1:8080)
  CORS_ORIGINS  allowed browser origins, comma-separated, e.g. https://app.example.com,https://*.example.com
  CORS_CREDENTIALS=1  let those origins send credentialed requests (cookies, TLS client certificates); default off
  TOKEN_TYPE    required "typ" header of the tokens, e.g. at+jwt (default: not checked)
  METRICS_ADDR  listen address of /metrics (Prometheus) and /readyz (key health), e.g. 127.0.0.1:9090 (default: not served)
  DEV_ISSUER=1  instead of ISSUER_URL: start a development issuer on loopback and print curl commands`

// loadSettings reads the settings through getenv (os.Getenv). Every error
// wraps errSettings.
func loadSettings(getenv func(string) string) (settings, error) {
	s := settings{
		Addr:      getenv("ADDR"),
		Issuers:   splitList(getenv("ISSUER_URL")),
		Audiences: splitList(getenv("AUDIENCE")),
		TokenType: strings.TrimSpace(getenv("TOKEN_TYPE")),
		Metrics:   getenv("METRICS_ADDR"),
	}
	if s.Metrics != "" {
		if _, _, err := net.SplitHostPort(s.Metrics); err != nil {
			return s, fmt.Errorf("%w: METRICS_ADDR=%q: %w", errSettings, s.Metrics, err)
		}
	}
	if s.Addr == "" {
		s.Addr = "127.0.0.1:8080"
	}
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return s, fmt.Errorf("%w: ADDR=%q: %w", errSettings, s.Addr, err)
	}
	if v := getenv("DEV_ISSUER"); v != "" {
		dev, err := strconv.ParseBool(v)
		if err != nil {
			return s, fmt.Errorf("%w: DEV_ISSUER=%q: want 1 or 0", errSettings, v)
		}
		s.Dev = dev
	}
	switch {
	case s.Dev && getenv("ISSUER_URL") != "":
		return s, fmt.Errorf("%w: ISSUER_URL and DEV_ISSUER are both set; DEV_ISSUER replaces a real issuer, so set only one", errSettings)
	case !s.Dev && getenv("ISSUER_URL") == "":
		return s, fmt.Errorf("%w: ISSUER_URL is not set. Set it to your identity provider's issuer URL, "+
			"or set DEV_ISSUER=1 to try the app with a development issuer (never in production)", errSettings)
	case !s.Dev && len(s.Audiences) == 0:
		return s, fmt.Errorf("%w: AUDIENCE is not set: name the audience your identity provider puts in tokens for this API", errSettings)
	}
	for _, list := range []struct{ name, value string }{
		{"ISSUER_URL", getenv("ISSUER_URL")}, {"AUDIENCE", getenv("AUDIENCE")}, {"CORS_ORIGINS", getenv("CORS_ORIGINS")},
	} {
		for _, item := range strings.Split(list.value, ",") {
			if list.value != "" && strings.TrimSpace(item) == "" {
				return s, fmt.Errorf("%w: %s=%q has an empty entry", errSettings, list.name, list.value)
			}
		}
	}
	if getenv("CORS_CREDENTIALS") != "" && len(splitList(getenv("CORS_ORIGINS"))) == 0 {
		return s, fmt.Errorf("%w: CORS_CREDENTIALS is set without CORS_ORIGINS: name the origins that may send credentials", errSettings)
	}
	if origins := splitList(getenv("CORS_ORIGINS")); len(origins) > 0 {
		s.CORS = cors.Policy{AllowedOrigins: origins}
		if v := getenv("CORS_CREDENTIALS"); v != "" {
			allow, err := strconv.ParseBool(v)
			if err != nil {
				return s, fmt.Errorf("%w: CORS_CREDENTIALS=%q: want 1 or 0", errSettings, v)
			}
			s.CORS.AllowCredentials = allow
		}
		if err := s.CORS.Validate(); err != nil {
			return s, fmt.Errorf("%w: CORS_ORIGINS: %w", errSettings, err)
		}
	}
	return s, nil
}

// splitList splits a comma-separated setting, trimming spaces; "" is nil.
func splitList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// The development issuer's defaults.
const (
	devAudience = "api://jwksauth-example"
	devSubject  = "dev-user"
)

// startDevIssuer starts the development issuer (jwkstest's OpenID Connect
// provider, on two loopback ports) and points s at it. It exists only for
// DEV_ISSUER=1: anyone can ask it for tokens.
func startDevIssuer(s *settings) (*jwkstest.Issuer, error) {
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
func printDevCommands(w io.Writer, base string, iss *jwkstest.Issuer, s settings) error {
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
