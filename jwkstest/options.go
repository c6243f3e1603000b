package jwkstest

import (
	"fmt"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/core/jws"
)

// Defaults of an [Issuer]; each can be changed with an [Option].
const (
	// DefaultAudience is the "aud" of minted tokens ([WithAudience]).
	DefaultAudience = "jwkstest"
	// DefaultSubject is the "sub" of minted tokens ([WithSubject]).
	DefaultSubject = "jwkstest-user"
	// DefaultTokenLifetime is "exp" minus "iat" of minted tokens
	// ([WithTokenLifetime]).
	DefaultTokenLifetime = time.Hour
	// DefaultOversizeBytes is the body size of [FaultOversize]
	// ([WithOversizeBytes]): 50 MB, streamed without being held in memory.
	DefaultOversizeBytes = 50 << 20
	// DefaultSlowInterval is the delay between two bytes of [FaultSlow]
	// ([WithSlowInterval]).
	DefaultSlowInterval = 100 * time.Millisecond
)

// Option configures an [Issuer] at [Start].
type Option func(*kitConfig)

type kitConfig struct {
	algs         []jws.Algorithm
	keys         []*Key
	rsaBits      int
	path         string
	maxAge       time.Duration
	noStore      bool
	clock        clock.Clock
	discIssuer   string
	audience     []string
	subject      string
	lifetime     time.Duration
	oversize     int64
	slowInterval time.Duration
	errs         []error
}

func kitNewConfig(opts []Option) (*kitConfig, error) {
	c := &kitConfig{
		algs:         []jws.Algorithm{jws.RS256},
		rsaBits:      DefaultRSABits,
		audience:     []string{DefaultAudience},
		subject:      DefaultSubject,
		lifetime:     DefaultTokenLifetime,
		oversize:     DefaultOversizeBytes,
		slowInterval: DefaultSlowInterval,
		clock:        clock.Real,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if len(c.errs) > 0 {
		return nil, c.errs[0]
	}
	return c, nil
}

func (c *kitConfig) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("jwkstest: "+format, args...))
}

// WithAlgorithms makes the issuer start with one new key per algorithm, all
// published, the first one signing. The default is one RS256 key.
func WithAlgorithms(algs ...jws.Algorithm) Option {
	return func(c *kitConfig) {
		if len(algs) == 0 {
			c.fail("WithAlgorithms: no algorithm")
			return
		}
		c.algs = append([]jws.Algorithm(nil), algs...)
	}
}

// WithKeys makes the issuer start with these keys, all published, the first
// one signing, instead of generating keys ([WithAlgorithms] is then
// ignored). Use it with [NewKeyFromSigner] for a key that is the same on
// every run.
func WithKeys(keys ...*Key) Option {
	return func(c *kitConfig) {
		if len(keys) == 0 {
			c.fail("WithKeys: no key")
			return
		}
		for _, k := range keys {
			if k == nil {
				c.fail("WithKeys: nil key")
				return
			}
		}
		c.keys = append([]*Key(nil), keys...)
	}
}

// WithRSABits sets the modulus size of the RSA keys the issuer generates:
// 2048 (the default), 3072 or 4096. Larger keys are slow to generate.
func WithRSABits(bits int) Option {
	return func(c *kitConfig) {
		switch bits {
		case 2048, 3072, 4096:
			c.rsaBits = bits
		default:
			c.fail("WithRSABits(%d): want 2048, 3072 or 4096", bits)
		}
	}
}

// WithPath puts the issuer under a path, as Keycloak does with realms: with
// "/realms/a" the issuer identifier is "http://127.0.0.1:PORT/realms/a" and
// discovery is at "<issuer>/.well-known/openid-configuration". The path must
// begin with "/", must not end with "/", and holds only unreserved URL
// characters and "/". The default is no path.
func WithPath(path string) Option {
	return func(c *kitConfig) {
		if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") || strings.Contains(path, "//") ||
			strings.Contains(path, "/./") || strings.Contains(path, "/../") ||
			strings.HasSuffix(path, "/.") || strings.HasSuffix(path, "/..") {
			c.fail("WithPath(%q): want /segment[/segment…]", path)
			return
		}
		for _, r := range path {
			if !(r == '/' || r == '-' || r == '.' || r == '_' || r == '~' ||
				'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
				c.fail("WithPath(%q): character %q not allowed", path, r)
				return
			}
		}
		c.path = path
	}
}

// WithJWKSMaxAge sets the Cache-Control max-age of the JWKS; zero means the
// [jwks.DefaultHandlerMaxAge] of five minutes, a negative value sends
// "no-cache" (see [jwks.HandlerConfig]).
func WithJWKSMaxAge(d time.Duration) Option {
	return func(c *kitConfig) { c.maxAge = d }
}

// WithJWKSNoStore makes the JWKS answer "Cache-Control: no-store".
func WithJWKSNoStore() Option {
	return func(c *kitConfig) { c.noStore = true }
}

// WithClock sets the clock that gives minted tokens their default "iat" and
// "exp", for example a fake [Clock] so that tokens are valid at fake time.
// The default is [clock.Real]. Faults that take time ([FaultSlow]) always
// use real time.
func WithClock(c clock.Clock) Option {
	return func(cfg *kitConfig) { cfg.clock = clock.OrReal(c) }
}

// WithDiscoveryIssuer makes the discovery document claim another "issuer"
// than the issuer's URL, to test that a verifier rejects a mismatching
// document (OpenID Connect Discovery 1.0 §4.3). Tokens keep the real URL as
// "iss".
func WithDiscoveryIssuer(issuer string) Option {
	return func(c *kitConfig) { c.discIssuer = issuer }
}

// WithAudience sets the default "aud" of minted tokens: a string for one
// audience, an array for several. With no argument, tokens have no "aud"
// unless the claims give one. The default is [DefaultAudience].
func WithAudience(aud ...string) Option {
	return func(c *kitConfig) { c.audience = append([]string(nil), aud...) }
}

// WithSubject sets the default "sub" of minted tokens; the default is
// [DefaultSubject].
func WithSubject(sub string) Option {
	return func(c *kitConfig) { c.subject = sub }
}

// WithTokenLifetime sets "exp" minus "iat" of minted tokens; the default is
// [DefaultTokenLifetime].
func WithTokenLifetime(d time.Duration) Option {
	return func(c *kitConfig) { c.lifetime = d }
}

// WithOversizeBytes sets the body size of [FaultOversize]; the default is
// [DefaultOversizeBytes].
func WithOversizeBytes(n int64) Option {
	return func(c *kitConfig) {
		if n <= 0 {
			c.fail("WithOversizeBytes(%d): want a positive size", n)
			return
		}
		c.oversize = n
	}
}

// WithSlowInterval sets the real-time delay between two bytes of
// [FaultSlow]; the default is [DefaultSlowInterval].
func WithSlowInterval(d time.Duration) Option {
	return func(c *kitConfig) {
		if d <= 0 {
			c.fail("WithSlowInterval(%v): want a positive duration", d)
			return
		}
		c.slowInterval = d
	}
}
