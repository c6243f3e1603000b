package claims

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat when
// [ValidationOptions].Leeway is zero: 30 seconds.
const DefaultLeeway = 30 * time.Second

// NoLeeway, as [ValidationOptions].Leeway, asks for no clock-skew
// tolerance at all (the zero value means [DefaultLeeway]).
const NoLeeway time.Duration = -1

// ValidationOptions configures the claim checks of one issuer. It is plain
// data; the zero value of every field means its documented default, and
// [NewValidation] checks it.
type ValidationOptions struct {
	// Issuer is the expected iss, compared byte for byte. Required.
	Issuer string

	// Audiences are the accepted audiences: aud must contain at least one
	// of them, compared byte for byte. Required unless InsecureSkipAudience
	// is set.
	Audiences []string

	// Resource, when set, is the resource identifier the token must have
	// been issued for (RFC 8707 §2, RFC 9728): aud must contain it, compared
	// byte for byte, whatever Audiences and InsecureSkipAudience say. With
	// Resource set, Audiences may be empty. Default: "" (no such check).
	Resource string

	// InsecureSkipAudience accepts any aud, or none. Every token the issuer
	// mints for any other service is then accepted too. Default: false.
	InsecureSkipAudience bool

	// Leeway is the clock skew tolerated on exp, nbf, iat and the maximum
	// age. Default (0): [DefaultLeeway]; [NoLeeway] for none. Other
	// negative values are an error.
	Leeway time.Duration

	// MaxAge, when positive, rejects tokens issued (iat) longer ago than
	// MaxAge (plus the leeway), and makes iat required. Default (0): no
	// limit beyond exp. Negative values are an error.
	MaxAge time.Duration

	// RequiredClaims names top-level claims that must be present with a
	// value other than null (case-sensitive). exp is always required
	// (unless InsecureAllowNoExpiry), iat when MaxAge is set. Checking them
	// does not parse the claims set. Default: none more.
	RequiredClaims []string

	// Validators run in order after every built-in check; the first error
	// rejects the token, wrapped so that it matches [ErrInvalidClaim] (and
	// still the validator's own errors). They must not modify the claims.
	// Route-level authorization (HTTP 403) belongs in a [Requirement].
	Validators []func(*Claims) error

	// InsecureAllowNoExpiry accepts tokens without exp, which then never
	// expire. An exp that is present is still checked. Default: false.
	InsecureAllowNoExpiry bool
}

// Validation checks claims against one issuer's [ValidationOptions]. Build
// it once with [NewValidation]; it is immutable and safe for concurrent
// use.
type Validation struct {
	issuer       string
	audiences    []string
	skipAudience bool
	resource     string
	leeway       time.Duration
	maxAge       time.Duration
	required     []string
	validators   []func(*Claims) error
	allowNoExp   bool
}

// NewValidation checks opts and returns the validation it describes. Its
// errors describe the configuration mistake; they match no sentinel of
// this package.
func NewValidation(opts ValidationOptions) (*Validation, error) {
	v := &Validation{
		issuer:       opts.Issuer,
		audiences:    slices.Clone(opts.Audiences),
		skipAudience: opts.InsecureSkipAudience,
		resource:     opts.Resource,
		leeway:       opts.Leeway,
		maxAge:       opts.MaxAge,
		required:     slices.Clone(opts.RequiredClaims),
		validators:   slices.Clone(opts.Validators),
		allowNoExp:   opts.InsecureAllowNoExpiry,
	}
	switch {
	case v.leeway == 0:
		v.leeway = DefaultLeeway
	case v.leeway == NoLeeway:
		v.leeway = 0
	case v.leeway < 0:
		return nil, fmt.Errorf("jwksauth: Leeway %v is negative (use NoLeeway for none)", opts.Leeway)
	}
	if opts.Issuer == "" {
		return nil, errors.New("jwksauth: Issuer is empty")
	}
	if len(v.audiences) == 0 && !v.skipAudience && v.resource == "" {
		return nil, errors.New("jwksauth: no Audiences (set InsecureSkipAudience to accept any audience)")
	}
	if slices.Contains(v.audiences, "") {
		return nil, errors.New("jwksauth: an empty string in Audiences")
	}
	if v.maxAge < 0 {
		return nil, fmt.Errorf("jwksauth: MaxAge %v is negative", opts.MaxAge)
	}
	if slices.Contains(v.required, "") {
		return nil, errors.New("jwksauth: an empty name in RequiredClaims")
	}
	for i, f := range v.validators {
		if f == nil {
			return nil, fmt.Errorf("jwksauth: Validators[%d] is nil", i)
		}
	}
	return v, nil
}

// Validate checks c at time now (the caller's clock: this package never
// reads the wall clock), cheapest checks first:
//
//  1. exp is present (unless InsecureAllowNoExpiry) and now is before
//     exp + leeway: [ErrMissingClaim], [*ExpiredError] ([ErrExpired]);
//  2. nbf, when present, is at or before now + leeway: [ErrNotYetValid];
//  3. iat, when present, is at or before now + leeway: [ErrIssuedInFuture];
//  4. with MaxAge, iat is present and now - iat <= MaxAge + leeway:
//     [ErrMissingClaim], [ErrTooOld];
//  5. iss equals the issuer: [ErrIssuer];
//  6. aud contains an accepted audience, and the Resource when one is
//     set: [ErrAudience];
//  7. the required claims are present: [ErrMissingClaim];
//  8. the validators accept the claims: [ErrInvalidClaim].
//
// The first failure is returned. Validate allocates only for errors that
// carry data ([*ExpiredError]) or name a claim.
func (v *Validation) Validate(c *Claims, now time.Time) error {
	if v == nil {
		return errors.New("jwksauth: nil *Validation")
	}
	if c == nil {
		return errNilClaims
	}
	if c.Expiry.IsZero() {
		if !v.allowNoExp {
			return errNoExp
		}
	} else if !now.Before(c.Expiry.Add(v.leeway)) {
		return &ExpiredError{Expiry: c.Expiry, Now: now}
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(v.leeway)) {
		return errNotYetValid
	}
	if !c.IssuedAt.IsZero() && c.IssuedAt.After(now.Add(v.leeway)) {
		return errIatFuture
	}
	if v.maxAge > 0 {
		if c.IssuedAt.IsZero() {
			return errNoIat
		}
		if now.Sub(c.IssuedAt) > v.maxAge+v.leeway {
			return errTooOld
		}
	}
	if c.Issuer != v.issuer {
		return errIssMismatch
	}
	if !v.skipAudience && len(v.audiences) > 0 && !v.audienceOK(c.Audience) {
		return errAudMismatch
	}
	if v.resource != "" && !slices.Contains(c.Audience, v.resource) {
		return errResourceMismatch
	}
	for _, name := range v.required {
		if !c.Has(name) {
			return fmt.Errorf("%w: %q", ErrMissingClaim, name)
		}
	}
	for _, f := range v.validators {
		if err := f(c); err != nil {
			if errors.Is(err, ErrInvalidClaim) {
				return err
			}
			return fmt.Errorf("%w: %w", ErrInvalidClaim, err)
		}
	}
	return nil
}

func (v *Validation) audienceOK(aud []string) bool {
	for _, a := range aud {
		for _, want := range v.audiences {
			if a == want {
				return true
			}
		}
	}
	return false
}
