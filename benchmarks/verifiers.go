package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	jwtmw "github.com/auth0/go-jwt-middleware/v2"
	auth0jwks "github.com/auth0/go-jwt-middleware/v2/jwks"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v2/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v2/jwt"
)

// Verifier is one library's complete verification of a token: signature
// with a key from a remote JWKS, exp (required), iss and aud.
type Verifier struct {
	// Name identifies the library in benchmark names and charts.
	Name string
	// Verify verifies a token and returns nil only if it is valid.
	Verify func(ctx context.Context, token string) error
	// Close releases the library's background refreshes.
	Close func()
}

// Peer names, as they appear in benchmark names, load results and charts.
const (
	NameFloor        = "floor"
	NameJWKSAuth     = "jwksauth"
	NameJWKSAuthHit  = "jwksauth-cached"
	NameKeyfunc      = "keyfunc"
	NameJWX          = "jwx"
	NameGoOIDC       = "go-oidc"
	NameAuth0        = "auth0"
	NameUnprotected  = "unprotected"
	NameEchoJWT      = "echo-jwt"
	NameFiberJWT     = "fiber-contrib-jwt"
	NameGinKeyfunc   = "gin-keyfunc"
	errPrefixVerifys = "benchmarks: "
)

// PeerOptions tune the peers' key caches alike for the load scenarios.
type PeerOptions struct {
	// Refresh is the key set's refresh interval (keyfunc's RefreshInterval,
	// auth0's cache TTL, jwx's refresh interval). Zero: each library's default.
	Refresh time.Duration
}

// NewJWKSAuth is jwksauth's Authenticator.Authenticate, with the verified-token
// cache on or off.
func (e *Env) NewJWKSAuth(ctx context.Context, tokenCache bool) (*Verifier, error) {
	a, err := e.NewAuthenticator(ctx, tokenCache, nil)
	if err != nil {
		return nil, err
	}
	name := NameJWKSAuth
	if tokenCache {
		name = NameJWKSAuthHit
	}
	return &Verifier{
		Name: name,
		Verify: func(ctx context.Context, tok string) error {
			_, err := a.Authenticate(ctx, tok)
			return err
		},
		Close: func() { _ = a.Close() },
	}, nil
}

// NewKeyfunc returns a keyfunc v3 key function on the issuer's JWKS, and a
// golang-jwt v5 parser that checks what jwksauth checks: the algorithm,
// exp (required), iss, aud, with jwksauth's leeway.
func (e *Env) NewKeyfunc(ctx context.Context, o PeerOptions) (keyfunc.Keyfunc, *jwt.Parser, error) {
	// Refresh errors (the outage scenario) are expected: not logged.
	quiet := func(string) func(context.Context, error) { return func(context.Context, error) {} }
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{e.JWKSURL()}, keyfunc.Override{RefreshInterval: o.Refresh, RefreshErrorHandlerFunc: quiet})
	if err != nil {
		return nil, nil, fmt.Errorf("keyfunc: %w", err)
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{e.Alg.String()}),
		jwt.WithIssuer(e.URL()),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
	)
	return kf, p, nil
}

// NewKeyfuncVerifier is keyfunc v3 with golang-jwt v5 (jwt.MapClaims, the
// claims type golang-jwt and the framework middlewares use by default).
func (e *Env) NewKeyfuncVerifier(ctx context.Context, o PeerOptions) (*Verifier, error) {
	ctx, cancel := context.WithCancel(ctx)
	kf, p, err := e.NewKeyfunc(ctx, o)
	if err != nil {
		cancel()
		return nil, err
	}
	return &Verifier{
		Name: NameKeyfunc,
		Verify: func(_ context.Context, tok string) error {
			_, err := p.Parse(tok, kf.Keyfunc)
			return err
		},
		Close: cancel,
	}, nil
}

// NewJWXVerifier is jwx v2: a jwk.Cache of the issuer's JWKS and jwt.Parse
// with the key set, iss, aud, required exp and jwksauth's leeway.
func (e *Env) NewJWXVerifier(ctx context.Context, o PeerOptions) (*Verifier, error) {
	ctx, cancel := context.WithCancel(ctx)
	c := jwk.NewCache(ctx)
	var regOpts []jwk.RegisterOption
	if o.Refresh > 0 {
		regOpts = append(regOpts, jwk.WithMinRefreshInterval(o.Refresh), jwk.WithRefreshInterval(o.Refresh))
	}
	if err := c.Register(e.JWKSURL(), regOpts...); err != nil {
		cancel()
		return nil, fmt.Errorf("jwx register: %w", err)
	}
	if _, err := c.Refresh(ctx, e.JWKSURL()); err != nil {
		cancel()
		return nil, fmt.Errorf("jwx refresh: %w", err)
	}
	set := jwk.NewCachedSet(c, e.JWKSURL())
	opts := []jwxjwt.ParseOption{
		jwxjwt.WithKeySet(set),
		jwxjwt.WithValidate(true),
		jwxjwt.WithIssuer(e.URL()),
		jwxjwt.WithAudience(Audience),
		jwxjwt.WithRequiredClaim("exp"),
		jwxjwt.WithAcceptableSkew(Leeway),
	}
	return &Verifier{
		Name: NameJWX,
		Verify: func(_ context.Context, tok string) error {
			_, err := jwxjwt.ParseString(tok, opts...)
			return err
		},
		Close: cancel,
	}, nil
}

// NewGoOIDCVerifier is go-oidc v3: a RemoteKeySet on the issuer's JWKS and
// an IDTokenVerifier for the issuer with the audience as ClientID. go-oidc
// has no leeway setting for exp (none is applied) and a fixed 5 minutes for
// nbf; a token without exp counts as expired.
func (e *Env) NewGoOIDCVerifier(ctx context.Context) (*Verifier, error) {
	ctx, cancel := context.WithCancel(ctx)
	ks := oidc.NewRemoteKeySet(ctx, e.JWKSURL())
	v := oidc.NewVerifier(e.URL(), ks, &oidc.Config{ClientID: Audience, SupportedSigningAlgs: []string{e.Alg.String()}})
	return &Verifier{
		Name: NameGoOIDC,
		Verify: func(ctx context.Context, tok string) error {
			_, err := v.Verify(ctx, tok)
			return err
		},
		Close: cancel,
	}, nil
}

// expClaims makes auth0's validator require exp: its own checks accept a
// token without one, so a custom claims type asks for it.
type expClaims struct {
	Exp *float64 `json:"exp"`
}

// errNoExp rejects a token without exp in the auth0 peer.
var errNoExp = errors.New(errPrefixVerifys + "exp missing")

// Validate implements validator.CustomClaims.
func (c *expClaims) Validate(context.Context) error {
	if c.Exp == nil {
		return errNoExp
	}
	return nil
}

// NewAuth0Validator is auth0/go-jwt-middleware v2's validator with its caching
// JWKS provider (discovery from the issuer URL), one algorithm (v2 takes one),
// iss, aud, jwksauth's leeway, and a custom claims type that requires exp.
func (e *Env) NewAuth0Validator(o PeerOptions) (*validator.Validator, error) {
	u, err := url.Parse(e.URL())
	if err != nil {
		return nil, fmt.Errorf("auth0: %w", err)
	}
	ttl := o.Refresh
	if ttl == 0 {
		ttl = 5 * time.Minute // the README's example value; v2 has no default
	}
	prov := auth0jwks.NewCachingProvider(u, ttl)
	v, err := validator.New(prov.KeyFunc, validator.SignatureAlgorithm(e.Alg.String()), e.URL(), []string{Audience},
		validator.WithAllowedClockSkew(Leeway),
		validator.WithCustomClaims(func() validator.CustomClaims { return &expClaims{} }))
	if err != nil {
		return nil, fmt.Errorf("auth0: %w", err)
	}
	return v, nil
}

// NewAuth0Verifier is NewAuth0Validator's ValidateToken.
func (e *Env) NewAuth0Verifier(o PeerOptions) (*Verifier, error) {
	v, err := e.NewAuth0Validator(o)
	if err != nil {
		return nil, err
	}
	return &Verifier{
		Name: NameAuth0,
		Verify: func(ctx context.Context, tok string) error {
			_, err := v.ValidateToken(ctx, tok)
			return err
		},
		Close: func() {},
	}, nil
}

// Auth0Middleware is auth0's net/http middleware around NewAuth0Validator.
func (e *Env) Auth0Middleware(o PeerOptions) (*jwtmw.JWTMiddleware, error) {
	v, err := e.NewAuth0Validator(o)
	if err != nil {
		return nil, err
	}
	return jwtmw.New(v.ValidateToken), nil
}

// Verifiers returns jwksauth (token cache off and on) and every peer, keys
// loaded, for the issuer. Close each.
func (e *Env) Verifiers(ctx context.Context) ([]*Verifier, error) {
	var out []*Verifier
	closeAll := func() {
		for _, v := range out {
			v.Close()
		}
	}
	for _, mk := range []func() (*Verifier, error){
		func() (*Verifier, error) { return e.NewJWKSAuth(ctx, false) },
		func() (*Verifier, error) { return e.NewJWKSAuth(ctx, true) },
		func() (*Verifier, error) { return e.NewKeyfuncVerifier(ctx, PeerOptions{}) },
		func() (*Verifier, error) { return e.NewJWXVerifier(ctx, PeerOptions{}) },
		func() (*Verifier, error) { return e.NewGoOIDCVerifier(ctx) },
		func() (*Verifier, error) { return e.NewAuth0Verifier(PeerOptions{}) },
	} {
		v, err := mk()
		if err != nil {
			closeAll()
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CheckRejects verifies that v accepts a fresh token and rejects every
// token of Env.Rejected, so that a verifier measured is doing the checks
// jwksauth does. It returns the first failure.
func (e *Env) CheckRejects(ctx context.Context, v *Verifier) error {
	good, err := e.Token()
	if err != nil {
		return err
	}
	if err := v.Verify(ctx, good); err != nil {
		return fmt.Errorf("%s rejects a valid token: %w", v.Name, err)
	}
	bad, err := e.Rejected()
	if err != nil {
		return err
	}
	for name, tok := range bad {
		if err := v.Verify(ctx, tok); err == nil {
			return fmt.Errorf("%s accepts a token it must reject: %s", v.Name, name)
		}
	}
	return nil
}
