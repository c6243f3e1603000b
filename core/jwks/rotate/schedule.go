package rotate

import (
	"fmt"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
)

// The defaults of [Schedule], with the reasoning in
// docs/decisions/0020-cli-and-key-rotation.md.
const (
	// DefaultRotationPeriod is how long a key signs: 7 days.
	DefaultRotationPeriod = 7 * 24 * time.Hour
	// DefaultPrePublish is how long a key is published before it signs:
	// 24 hours, above the longest cache TTL of the mainstream verifiers
	// (1 hour for package jwks by default, 12 hours plus jitter for
	// Microsoft's ConfigurationManager).
	DefaultPrePublish = 24 * time.Hour
	// DefaultMaxTokenLifetime is the longest lifetime (exp - now) of a token
	// the issuer signs: 1 hour.
	DefaultMaxTokenLifetime = time.Hour
	// DefaultLeeway is the clock skew allowed to verifiers beyond exp:
	// 5 minutes, the largest default among mainstream verifiers.
	DefaultLeeway = 5 * time.Minute
	// DefaultMaxAge is the Cache-Control max-age of the published set:
	// 15 minutes.
	DefaultMaxAge = 15 * time.Minute
	// DefaultAlgorithm is the algorithm of generated keys: ES256.
	DefaultAlgorithm = jws.ES256
)

// Schedule is the rotation schedule. It is plain data: every zero value
// means the documented default. All replicas sharing a [Store] must use the
// same schedule.
type Schedule struct {
	// Algorithm is the algorithm of the keys the manager generates: RS256,
	// ES256 or EdDSA. Default: [DefaultAlgorithm].
	Algorithm jws.Algorithm
	// RSABits is the modulus size of generated RSA keys, at least 2048.
	// Default: 2048.
	RSABits int
	// RotationPeriod is how long each key signs before the next one takes
	// over. Default: [DefaultRotationPeriod].
	RotationPeriod time.Duration
	// PrePublish is how long a key is published before it signs. It must
	// be at least the longest time any verifier caches the key set, and at
	// least MaxAge. Default: [DefaultPrePublish].
	PrePublish time.Duration
	// MaxTokenLifetime bounds exp - iat of every token signed with the
	// managed keys; [Manager.Sign] refuses longer ones. Default:
	// [DefaultMaxTokenLifetime].
	MaxTokenLifetime time.Duration
	// Leeway is the clock skew verifiers allow beyond exp, added to the
	// time a retired key stays published. Default: [DefaultLeeway].
	Leeway time.Duration
	// MaxAge is the Cache-Control max-age of the published set. It must not
	// exceed PrePublish. Default: [DefaultMaxAge], or PrePublish if smaller.
	MaxAge time.Duration
}

// withDefaults returns s with defaults filled in, or an error wrapping
// [ErrSchedule].
func (s Schedule) withDefaults() (Schedule, error) {
	if s.Algorithm == jws.Unknown {
		s.Algorithm = DefaultAlgorithm
	}
	switch s.Algorithm {
	case jws.RS256, jws.ES256, jws.EdDSA:
	default:
		return s, fmt.Errorf("%w: algorithm %s (want RS256, ES256 or EdDSA)", ErrSchedule, s.Algorithm)
	}
	if s.RSABits == 0 {
		s.RSABits = 2048
	}
	if s.RSABits < 2048 || s.RSABits > 8192 {
		return s, fmt.Errorf("%w: RSABits %d (2048 to 8192)", ErrSchedule, s.RSABits)
	}
	def := func(d *time.Duration, v time.Duration, name string) error {
		if *d == 0 {
			*d = v
		}
		if *d < 0 {
			return fmt.Errorf("%w: %s %v is negative", ErrSchedule, name, *d)
		}
		return nil
	}
	for _, f := range []struct {
		d    *time.Duration
		v    time.Duration
		name string
	}{
		{&s.RotationPeriod, DefaultRotationPeriod, "RotationPeriod"},
		{&s.PrePublish, DefaultPrePublish, "PrePublish"},
		{&s.MaxTokenLifetime, DefaultMaxTokenLifetime, "MaxTokenLifetime"},
		{&s.Leeway, DefaultLeeway, "Leeway"},
	} {
		if err := def(f.d, f.v, f.name); err != nil {
			return s, err
		}
	}
	if s.MaxAge == 0 {
		s.MaxAge = min(DefaultMaxAge, s.PrePublish)
	}
	if s.MaxAge < time.Second {
		return s, fmt.Errorf("%w: MaxAge %v is under one second", ErrSchedule, s.MaxAge)
	}
	if s.MaxAge > s.PrePublish {
		return s, fmt.Errorf("%w: MaxAge %v exceeds PrePublish %v: a verifier could cache the set past the next key's activation", ErrSchedule, s.MaxAge, s.PrePublish)
	}
	if s.RotationPeriod < time.Second {
		return s, fmt.Errorf("%w: RotationPeriod %v is under one second", ErrSchedule, s.RotationPeriod)
	}
	return s, nil
}

// removeAfter is how long a key stays published after its last use.
func (s Schedule) removeAfter() time.Duration { return s.MaxTokenLifetime + s.Leeway }
