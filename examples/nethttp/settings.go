package main

// This file is the same in every example app (examples/*/settings.go): the
// settings read from the environment. dev.go (the development issuer, built
// only with -tags dev) and nodev.go are the same in every app too; main.go
// holds what is framework-specific.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/stores/jwksredis"
	"github.com/redis/go-redis/v9"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the app failed while running
	exitUsage = 2 // invalid settings: nothing was started
)

// settings is the app's configuration, read from the environment.
type settings struct {
	Addr      string            // ADDR: where to listen; default 127.0.0.1:8080
	Issuers   []string          // ISSUER_URL: issuer URLs, comma-separated
	Audiences []string          // AUDIENCE: accepted audiences, comma-separated
	TokenType string            // TOKEN_TYPE: required typ header, e.g. at+jwt; default: not checked
	CORS      cors.Policy       // CORS_ORIGINS: allowed browser origins, comma-separated; default: no CORS. CORS_CREDENTIALS=1: they may send credentials; default: off
	Dev       bool              // DEV_ISSUER: run a development issuer on loopback
	Resource  string            // RESOURCE: the API's canonical URI (RFC 9728 metadata; aud must contain it); default: none
	ACRAdmin  []string          // ACR_ADMIN: acr values GET /api/admin requires (RFC 9470 step-up); default: none
	DPoP      jwksauth.DPoPMode // DPOP: disabled (default), allowed or required (RFC 9449)
	RedisURL  string            // REDIS_URL: the replay and revocation store shared by replicas; default: in memory
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
  RESOURCE      the API's canonical URI, e.g. https://api.example.com: serves /.well-known/oauth-protected-resource,
                names it in every challenge, and requires aud to contain it (default: none)
  ACR_ADMIN     acr values GET /api/admin requires too, comma-separated, e.g. phr,phrh (default: none)
  DPOP          disabled (default), allowed or required: DPoP-bound tokens (RFC 9449)
  REDIS_URL     redis://host:port/db: the DPoP replay and revocation store shared by replicas (default: in memory)
  DEV_ISSUER=1  instead of ISSUER_URL: start a development issuer on loopback and print curl commands
                (development build only: go run -tags dev . or make demo)`

// loadSettings reads the settings through getenv (os.Getenv). Every error
// wraps errSettings.
func loadSettings(getenv func(string) string) (settings, error) {
	s := settings{
		Addr:      getenv("ADDR"),
		Issuers:   splitList(getenv("ISSUER_URL")),
		Audiences: splitList(getenv("AUDIENCE")),
		TokenType: strings.TrimSpace(getenv("TOKEN_TYPE")),
		Resource:  strings.TrimSpace(getenv("RESOURCE")),
		ACRAdmin:  splitList(getenv("ACR_ADMIN")),
		RedisURL:  strings.TrimSpace(getenv("REDIS_URL")),
	}
	mode, err := jwksauth.ParseDPoPMode(getenv("DPOP"))
	if err != nil {
		return s, fmt.Errorf("%w: DPOP=%q: want disabled, allowed or required", errSettings, getenv("DPOP"))
	}
	s.DPoP = mode
	if len(s.ACRAdmin) > 0 {
		if err := jwksauth.ACR(s.ACRAdmin...).Err(); err != nil {
			return s, fmt.Errorf("%w: ACR_ADMIN: %w", errSettings, err)
		}
	}
	if s.RedisURL != "" {
		if _, err := redis.ParseURL(s.RedisURL); err != nil {
			return s, fmt.Errorf("%w: REDIS_URL: %w", errSettings, err)
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
	if s.Dev && !devBuild {
		return s, fmt.Errorf("%w: DEV_ISSUER=1 needs the development build, which this binary is not: "+
			"run `go run -tags dev .` (or `make demo` in the jwksauth repository); "+
			"production builds leave the development issuer out", errSettings)
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

// authConfig is the jwksauth configuration the settings describe. With
// REDIS_URL, the DPoP replay store and the revocation list are shared
// through Redis; the caller calls release when the app stops.
func (s settings) authConfig(ctx context.Context, logger *slog.Logger) (cfg jwksauth.Config, release func(), err error) {
	cfg = jwksauth.Config{Logger: logger}
	for _, url := range s.Issuers {
		cfg.Issuers = append(cfg.Issuers, jwksauth.Issuer{
			URL:       url,
			Audiences: s.Audiences,
			TokenType: s.TokenType,
			DPoP:      s.DPoP,
		})
	}
	if s.Resource != "" {
		cfg.Resource = jwksauth.ResourceConfig{URI: s.Resource, RequireAudience: true, Scopes: []string{"reports:read", "reports:write", "admin"}}
	}
	release = func() {}
	if s.RedisURL != "" {
		opts, err := redis.ParseURL(s.RedisURL)
		if err != nil {
			return cfg, nil, fmt.Errorf("%w: REDIS_URL: %w", errSettings, err)
		}
		client := redis.NewClient(opts)
		shared, err := jwksredis.New(ctx, jwksredis.Options{Client: client, Logger: logger})
		if err != nil {
			_ = client.Close()
			return cfg, nil, err
		}
		cfg.Replay, cfg.Revocation = shared, shared
		release = func() { _ = shared.Close(); _ = client.Close() }
	}
	return cfg, release, nil
}

// adminRequirements are what GET /api/admin requires: the admin scope, and
// the ACR_ADMIN authentication context when set (a weaker login is answered
// 401 insufficient_user_authentication with acr_values).
func (s settings) adminRequirements() []jwksauth.Requirement {
	reqs := []jwksauth.Requirement{jwksauth.Scopes("admin")}
	if len(s.ACRAdmin) > 0 {
		reqs = append(reqs, jwksauth.ACR(s.ACRAdmin...))
	}
	return reqs
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
