package claims

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNewValidationErrors(t *testing.T) {
	ok := ValidationOptions{Issuer: "https://issuer.example", Audiences: []string{"api"}}
	tests := []struct {
		name   string
		modify func(*ValidationOptions)
	}{
		{"no issuer", func(o *ValidationOptions) { o.Issuer = "" }},
		{"no audience", func(o *ValidationOptions) { o.Audiences = nil }},
		{"empty audience", func(o *ValidationOptions) { o.Audiences = []string{"api", ""} }},
		{"negative leeway", func(o *ValidationOptions) { o.Leeway = -time.Second }},
		{"negative max age", func(o *ValidationOptions) { o.MaxAge = -time.Minute }},
		{"empty required claim", func(o *ValidationOptions) { o.RequiredClaims = []string{""} }},
		{"nil validator", func(o *ValidationOptions) { o.Validators = []func(*Claims) error{nil} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.modify(&o)
			if v, err := NewValidation(o); err == nil || v != nil {
				t.Errorf("NewValidation = %v, %v; want an error", v, err)
			}
		})
	}
	for _, o := range []ValidationOptions{
		ok,
		{Issuer: "x", InsecureSkipAudience: true},
		{Issuer: "x", Audiences: []string{"a"}, Leeway: NoLeeway, MaxAge: time.Hour},
	} {
		if _, err := NewValidation(o); err != nil {
			t.Errorf("NewValidation(%+v): %v", o, err)
		}
	}
}

func TestNewValidationCopiesOptions(t *testing.T) {
	o := ValidationOptions{Issuer: "iss", Audiences: []string{"api"}, RequiredClaims: []string{"sub"}}
	v, err := NewValidation(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Audiences[0], o.RequiredClaims[0] = "other", "nope"
	c := &Claims{Issuer: "iss", Subject: "s", Audience: []string{"api"}, Expiry: fixtureNow.Add(time.Hour)}
	if err := v.Validate(c, fixtureNow); err != nil {
		t.Errorf("the validation changed with the caller's slices: %v", err)
	}
}

var errNotStaff = errors.New("not staff")

func TestValidate(t *testing.T) {
	base := ValidationOptions{Issuer: "https://sso.example.com/realms/acme", Audiences: []string{"billing", "orders-api"}}
	now := fixtureNow // keycloak fixture: iat now, exp now+5m
	with := func(f func(*ValidationOptions)) ValidationOptions { o := base; f(&o); return o }
	tests := []struct {
		name    string
		opts    ValidationOptions
		payload string
		now     time.Time
		want    error // nil, or a sentinel
	}{
		{"valid", base, keycloakToken, now, nil},
		{"valid up to the leeway after exp", base, keycloakToken, now.Add(5*time.Minute + 29*time.Second), nil},
		{"expired at exp + leeway", base, keycloakToken, now.Add(5*time.Minute + 30*time.Second), ErrExpired},
		{"expired long ago", base, keycloakToken, now.Add(24 * time.Hour), ErrExpired},
		{"no leeway: expired at exp", with(func(o *ValidationOptions) { o.Leeway = NoLeeway }), keycloakToken, now.Add(5 * time.Minute), ErrExpired},
		{"no leeway: valid just before exp", with(func(o *ValidationOptions) { o.Leeway = NoLeeway }), keycloakToken, now.Add(5*time.Minute - time.Nanosecond), nil},
		{"custom leeway", with(func(o *ValidationOptions) { o.Leeway = 2 * time.Minute }), keycloakToken, now.Add(6 * time.Minute), nil},
		{"fractional exp", base, `{"iss":"https://sso.example.com/realms/acme","aud":"billing","exp":1767225600.5}`, now.Add(30*time.Second + 499*time.Millisecond), nil},
		{"fractional exp passed", base, `{"iss":"https://sso.example.com/realms/acme","aud":"billing","exp":1767225600.5}`, now.Add(30*time.Second + 500*time.Millisecond), ErrExpired},
		{"no exp", base, `{"iss":"https://sso.example.com/realms/acme","aud":"billing"}`, now, ErrMissingClaim},
		{"no exp allowed", with(func(o *ValidationOptions) { o.InsecureAllowNoExpiry = true }), `{"iss":"https://sso.example.com/realms/acme","aud":"billing"}`, now, nil},
		{"exp still checked when allowed absent", with(func(o *ValidationOptions) { o.InsecureAllowNoExpiry = true }), keycloakToken, now.Add(time.Hour), ErrExpired},
		{"Exp is not exp", base, `{"iss":"https://sso.example.com/realms/acme","aud":"billing","Exp":9999999999}`, now, ErrMissingClaim},

		{"nbf within leeway", base, entraLike(now.Add(20 * time.Second)), now, nil},
		{"nbf in the future", base, entraLike(now.Add(31 * time.Second)), now, ErrNotYetValid},
		{"nbf no leeway", with(func(o *ValidationOptions) { o.Leeway = NoLeeway }), entraLike(now.Add(time.Second)), now, ErrNotYetValid},
		{"nbf equal to now, no leeway", with(func(o *ValidationOptions) { o.Leeway = NoLeeway }), entraLike(now), now, nil},

		{"iat within leeway", base, iatLike(now.Add(30 * time.Second)), now, nil},
		{"iat in the future", base, iatLike(now.Add(time.Minute)), now, ErrIssuedInFuture},

		{"max age ok", with(func(o *ValidationOptions) { o.MaxAge = time.Hour }), keycloakToken, now.Add(4 * time.Minute), nil},
		{"max age exceeded", with(func(o *ValidationOptions) { o.MaxAge = time.Minute }), keycloakToken, now.Add(2 * time.Minute), ErrTooOld},
		{"max age within leeway", with(func(o *ValidationOptions) { o.MaxAge = time.Minute }), keycloakToken, now.Add(time.Minute + 30*time.Second), nil},
		{"max age needs iat", with(func(o *ValidationOptions) { o.MaxAge = time.Hour }), `{"iss":"https://sso.example.com/realms/acme","aud":"billing","exp":1767229200}`, now, ErrMissingClaim},

		{"wrong issuer", base, strings.Replace(keycloakToken, "realms/acme", "realms/evil", 1), now, ErrIssuer},
		{"issuer with trailing slash", base, strings.Replace(keycloakToken, "realms/acme\"", "realms/acme/\"", 1), now, ErrIssuer},
		{"issuer case differs", base, strings.Replace(keycloakToken, "sso.example", "SSO.example", 1), now, ErrIssuer},
		{"no issuer", base, `{"aud":"billing","exp":1767229200}`, now, ErrIssuer},

		{"wrong audience", with(func(o *ValidationOptions) { o.Audiences = []string{"billing"} }), keycloakToken, now, ErrAudience},
		{"audience string", with(func(o *ValidationOptions) { o.Audiences = []string{"billing"} }), `{"iss":"https://sso.example.com/realms/acme","aud":"billing","exp":1767229200}`, now, nil},
		{"no audience", base, `{"iss":"https://sso.example.com/realms/acme","exp":1767229200}`, now, ErrAudience},
		{"empty audience array", base, `{"iss":"https://sso.example.com/realms/acme","aud":[],"exp":1767229200}`, now, ErrAudience},
		{"audience skipped", with(func(o *ValidationOptions) { o.Audiences, o.InsecureSkipAudience = nil, true }), `{"iss":"https://sso.example.com/realms/acme","exp":1767229200}`, now, nil},

		{"required claims present", with(func(o *ValidationOptions) { o.RequiredClaims = []string{"sub", "azp", "sid"} }), keycloakToken, now, nil},
		{"required claim missing", with(func(o *ValidationOptions) { o.RequiredClaims = []string{"sub", "tid"} }), keycloakToken, now, ErrMissingClaim},
		{"required claim null", with(func(o *ValidationOptions) { o.RequiredClaims = []string{"tid"} }), `{"iss":"https://sso.example.com/realms/acme","aud":"billing","exp":1767229200,"tid":null}`, now, ErrMissingClaim},
		{"required claim case-sensitive", with(func(o *ValidationOptions) { o.RequiredClaims = []string{"SUB"} }), keycloakToken, now, ErrMissingClaim},

		{"validator accepts", with(func(o *ValidationOptions) {
			o.Validators = []func(*Claims) error{func(c *Claims) error { return nil }}
		}), keycloakToken, now, nil},
		{"validator rejects", with(func(o *ValidationOptions) {
			o.Validators = []func(*Claims) error{func(c *Claims) error {
				if !c.BoolClaim("email_verified") {
					return nil
				}
				return errNotStaff
			}}
		}), keycloakToken, now, ErrInvalidClaim},
		{"validator's own sentinel", with(func(o *ValidationOptions) {
			o.Validators = []func(*Claims) error{func(*Claims) error { return errNotStaff }}
		}), keycloakToken, now, errNotStaff},
		{"validators not run on expired tokens", with(func(o *ValidationOptions) {
			o.Validators = []func(*Claims) error{func(*Claims) error { panic("validator ran") }}
		}), keycloakToken, now.Add(time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewValidation(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			c := mustDecode(t, tt.payload, nil)
			err = v.Validate(c, tt.now)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
			for _, leak := range []string{"evil", "realms/acme", "orders-api", "1767"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error message echoes token data %q: %v", leak, err)
				}
			}
		})
	}
}

func entraLike(nbf time.Time) string {
	return `{"iss":"https://sso.example.com/realms/acme","aud":"billing","exp":1767232800,"nbf":` + unixText(nbf) + `}`
}

func iatLike(iat time.Time) string {
	return `{"iss":"https://sso.example.com/realms/acme","aud":"billing","exp":1767232800,"iat":` + unixText(iat) + `}`
}

func unixText(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func TestExpiredError(t *testing.T) {
	v, _ := NewValidation(ValidationOptions{Issuer: "i", InsecureSkipAudience: true})
	c := &Claims{Issuer: "i", Expiry: fixtureNow}
	err := v.Validate(c, fixtureNow.Add(time.Hour))
	var ee *ExpiredError
	if !errors.As(err, &ee) || !errors.Is(err, ErrExpired) {
		t.Fatalf("Validate = %v, want an *ExpiredError", err)
	}
	if !ee.Expiry.Equal(fixtureNow) || !ee.Now.Equal(fixtureNow.Add(time.Hour)) {
		t.Errorf("ExpiredError = %+v", ee)
	}
	if errors.Is(err, ErrNotYetValid) || errors.Is(err, ErrMalformed) {
		t.Errorf("ExpiredError matches other sentinels")
	}
}

func TestValidateOrder(t *testing.T) {
	// Expired, not yet valid, wrong issuer and audience, missing claim: the
	// cheapest check (exp) answers.
	v, _ := NewValidation(ValidationOptions{Issuer: "i", Audiences: []string{"a"}, RequiredClaims: []string{"x"}})
	c := &Claims{Issuer: "other", Expiry: fixtureNow, NotBefore: fixtureNow.Add(time.Hour)}
	if err := v.Validate(c, fixtureNow.Add(2*time.Hour)); !errors.Is(err, ErrExpired) {
		t.Errorf("Validate = %v, want ErrExpired first", err)
	}
	c.Expiry = fixtureNow.Add(24 * time.Hour)
	if err := v.Validate(c, fixtureNow); !errors.Is(err, ErrNotYetValid) {
		t.Errorf("Validate = %v, want ErrNotYetValid next", err)
	}
	c.NotBefore = time.Time{}
	if err := v.Validate(c, fixtureNow); !errors.Is(err, ErrIssuer) {
		t.Errorf("Validate = %v, want ErrIssuer next", err)
	}
	c.Issuer = "i"
	if err := v.Validate(c, fixtureNow); !errors.Is(err, ErrAudience) {
		t.Errorf("Validate = %v, want ErrAudience next", err)
	}
	c.Audience = []string{"a"}
	if err := v.Validate(c, fixtureNow); !errors.Is(err, ErrMissingClaim) {
		t.Errorf("Validate = %v, want ErrMissingClaim last", err)
	}
}

func TestValidateNil(t *testing.T) {
	v, _ := NewValidation(ValidationOptions{Issuer: "i", InsecureSkipAudience: true})
	if err := v.Validate(nil, fixtureNow); !errors.Is(err, ErrMalformed) {
		t.Errorf("Validate(nil) = %v", err)
	}
	var nilV *Validation
	if err := nilV.Validate(&Claims{}, fixtureNow); err == nil {
		t.Errorf("nil *Validation accepted claims")
	}
}
