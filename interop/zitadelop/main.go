// Command zitadelop is the second OpenID provider of jwksauth's interop
// tests: the OpenID Provider of github.com/zitadel/oidc (OpenID Certified),
// with the example storage of that module, on loopback over HTTPS. It keeps
// the same contract as provider/server.mjs (oidc-provider) so that the same
// tests run against both:
//
//	PORT, TLS_CERT, TLS_KEY, JWKS_FILE, CLIENT_SECRET (client id "interop")
//
// A client_credentials token request's resource parameter
// https://reports.jwksauth.test/<ALG>[/ttl/<seconds>] picks the signing
// algorithm and the lifetime; the token is a JWT with aud "api://reports".
// The first key of an algorithm in JWKS_FILE signs. It prints "listening on
// https://…" once it accepts connections, and stops on SIGINT or SIGTERM or
// when its standard input closes.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const (
	clientID       = "interop"
	audience       = "api://reports"
	resourcePrefix = "https://reports.jwksauth.test/"
	defaultTTL     = 300 * time.Second
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "zitadelop:", err)
		os.Exit(1)
	}
}

func run() error {
	env := func(name string) (string, error) {
		if v := os.Getenv(name); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("%s is not set", name)
	}
	vals := map[string]string{}
	for _, name := range []string{"PORT", "TLS_CERT", "TLS_KEY", "JWKS_FILE", "CLIENT_SECRET"} {
		v, err := env(name)
		if err != nil {
			return err
		}
		vals[name] = v
	}
	b, err := os.ReadFile(vals["JWKS_FILE"])
	if err != nil {
		return err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return fmt.Errorf("JWKS_FILE: %w", err)
	}
	issuer := "https://127.0.0.1:" + vals["PORT"]
	st := &store{
		Storage: storage.NewStorage(storage.NewUserStore(issuer)),
		keys:    set.Keys,
		secret:  vals["CLIENT_SECRET"],
	}
	cryptoKey := sha256.Sum256([]byte(vals["CLIENT_SECRET"]))
	provider, err := op.NewOpenIDProvider(issuer, &op.Config{
		CryptoKey:                cryptoKey,
		DefaultLogoutRedirectURI: "/",
		CodeMethodS256:           true,
		GrantTypeRefreshToken:    false,
		SupportedScopes:          []string{oidc.ScopeOpenID, "reports:read", "reports:write", "admin"},
	}, st, op.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+vals["PORT"])
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           withResource(provider),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(l, vals["TLS_CERT"], vals["TLS_KEY"]) }()
	fmt.Println("issuer", issuer)
	fmt.Println("listening on", issuer)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stdinClosed := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	select {
	case <-ctx.Done():
	case <-stdinClosed:
	case err := <-errc:
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// request is what the resource parameter of a token request asked for.
type request struct {
	alg jose.SignatureAlgorithm
	ttl time.Duration
}

type requestKey struct{}

// withResource reads the resource parameter of token requests into the
// request's context, where the storage finds the algorithm and lifetime.
func withResource(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth/token") {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
			req, err := parseResource(r.PostForm.Get("resource"))
			if err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = fmt.Fprintf(w, `{"error":"invalid_target","error_description":%q}`, err.Error())
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), requestKey{}, req))
		}
		next.ServeHTTP(w, r)
	})
}

func parseResource(resource string) (request, error) {
	req := request{alg: jose.RS256, ttl: defaultTTL}
	if resource == "" {
		return req, nil
	}
	rest, ok := strings.CutPrefix(resource, resourcePrefix)
	if !ok {
		return req, errors.New("unknown resource")
	}
	parts := strings.Split(rest, "/")
	switch jose.SignatureAlgorithm(parts[0]) {
	case jose.RS256, jose.PS256, jose.ES256, jose.EdDSA:
		req.alg = jose.SignatureAlgorithm(parts[0])
	default:
		return req, errors.New("unknown algorithm")
	}
	switch {
	case len(parts) == 1:
	case len(parts) == 3 && parts[1] == "ttl":
		s, err := strconv.Atoi(parts[2])
		if err != nil || s <= 0 {
			return req, errors.New("bad ttl")
		}
		req.ttl = time.Duration(s) * time.Second
	default:
		return req, errors.New("bad resource")
	}
	return req, nil
}

func requestFrom(ctx context.Context) request {
	if r, ok := ctx.Value(requestKey{}).(request); ok {
		return r
	}
	return request{alg: jose.RS256, ttl: defaultTTL}
}

// store is the example storage of zitadel/oidc with the test's keys, the
// test's client, and JWT access tokens for the resource.
type store struct {
	*storage.Storage
	keys   []jose.JSONWebKey
	secret string
}

func (s *store) SigningKey(ctx context.Context) (op.SigningKey, error) {
	alg := requestFrom(ctx).alg
	for _, k := range s.keys {
		if jose.SignatureAlgorithm(k.Algorithm) == alg {
			return signingKey{k}, nil
		}
	}
	return nil, fmt.Errorf("no %s key", alg)
}

func (s *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA}, nil
}

func (s *store) KeySet(context.Context) ([]op.Key, error) {
	keys := make([]op.Key, 0, len(s.keys))
	for _, k := range s.keys {
		keys = append(keys, publicKey{k.Public()})
	}
	return keys, nil
}

func (s *store) ClientCredentials(_ context.Context, id, secret string) (op.Client, error) {
	if id != clientID || secret != s.secret {
		return nil, errors.New("wrong client or secret")
	}
	return jwtClient{id: id}, nil
}

func (s *store) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	if id != clientID {
		return nil, errors.New("wrong client")
	}
	return &oidc.JWTTokenRequest{Subject: id, Audience: []string{audience}, Scopes: scopes}, nil
}

// GetPrivateClaimsFromScopes puts the granted scopes into the access
// token: zitadel/oidc's OP leaves the scope claim of JWT access tokens to
// the storage.
func (s *store) GetPrivateClaimsFromScopes(_ context.Context, _, _ string, scopes []string) (map[string]any, error) {
	return map[string]any{"scope": strings.Join(scopes, " ")}, nil
}

func (s *store) CreateAccessToken(ctx context.Context, _ op.TokenRequest) (string, time.Time, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", time.Time{}, err
	}
	return hex.EncodeToString(id), time.Now().Add(requestFrom(ctx).ttl), nil
}

type signingKey struct{ k jose.JSONWebKey }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm {
	return jose.SignatureAlgorithm(k.k.Algorithm)
}
func (k signingKey) Key() any   { return k.k.Key }
func (k signingKey) ID() string { return k.k.KeyID }

type publicKey struct{ k jose.JSONWebKey }

func (k publicKey) ID() string                         { return k.k.KeyID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.SignatureAlgorithm(k.k.Algorithm) }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.k.Key }

// jwtClient is the test's client: client_credentials only, JWT access
// tokens.
type jwtClient struct{ id string }

func (c jwtClient) GetID() string                       { return c.id }
func (c jwtClient) RedirectURIs() []string              { return nil }
func (c jwtClient) PostLogoutRedirectURIs() []string    { return nil }
func (c jwtClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c jwtClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c jwtClient) ResponseTypes() []oidc.ResponseType  { return nil }
func (c jwtClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}
func (c jwtClient) LoginURL(string) string              { return "" }
func (c jwtClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c jwtClient) IDTokenLifetime() time.Duration      { return time.Hour }
func (c jwtClient) DevMode() bool                       { return false }
func (c jwtClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c jwtClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c jwtClient) IsScopeAllowed(string) bool           { return true }
func (c jwtClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c jwtClient) ClockSkew() time.Duration             { return 0 }
