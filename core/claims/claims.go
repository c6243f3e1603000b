package claims

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// Claims are the claims of a JWT access token (RFC 7519 §4, RFC 9068 §2.2),
// as [Decode] returns them: the registered claims in typed fields, the
// scopes normalized once, and the whole claims set for everything else.
//
// Claims are immutable once returned: they may be cached and shared between
// goroutines, and callers must not modify them (nor the elements of their
// slices). They never point into the payload handed to [Decode].
//
// Every field is empty or zero when its claim is absent. A copy of a Claims
// value shares the claims set and its lazily parsed forms. A Claims built
// as a literal (in a handler's tests, say) works with [Requirement.Check]
// and [Validation.Validate] through its fields; it has no raw claims set,
// so its other accessors report nothing and [Claims.Decode] fails.
type Claims struct {
	// Issuer is iss: the issuer identifier.
	Issuer string
	// Subject is sub: the principal the token is about.
	Subject string
	// Audience is aud, a string or an array of strings in the token, always
	// a slice here (nil when absent or empty).
	Audience []string
	// Expiry is exp; the zero time.Time when absent (an exp of 0 is 1970,
	// not zero). Always in UTC, to the nanosecond of fractional dates.
	Expiry time.Time
	// NotBefore is nbf; the zero time.Time when absent.
	NotBefore time.Time
	// IssuedAt is iat; the zero time.Time when absent.
	IssuedAt time.Time
	// ID is jti: the token's unique identifier.
	ID string
	// Scopes are the scopes granted, normalized once from the claims named
	// by [DecodeOptions].ScopeClaims (default: scope and scp): split at
	// spaces, duplicates removed, first occurrence order kept.
	Scopes []string

	raw  string     // the claims set: the JSON payload, copied
	lazy *lazyState // nil for a Claims built as a literal
}

// lazyState is what the accessors compute once, on first use. It is
// allocated with the Claims (one allocation) and shared by copies of it.
type lazyState struct {
	mapOnce   sync.Once
	m         map[string]any // the claims set, parsed
	namesOnce sync.Once
	names     []string // top-level names with a non-null value
}

// claimsAndState is the allocation of a decoded Claims, with room for the
// Audience and Scopes of most tokens.
type claimsAndState struct {
	c    Claims
	l    lazyState
	strs [8]string
}

// claims returns the claims set as a map (nil when there is none). It is
// parsed on the first call only, with encoding/json and UseNumber; the
// payload already passed [Decode]'s stricter checks.
func (c *Claims) claims() map[string]any {
	if c.lazy == nil {
		return nil
	}
	c.lazy.mapOnce.Do(func() {
		dec := json.NewDecoder(strings.NewReader(c.raw))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) == nil {
			c.lazy.m = m
		}
	})
	return c.lazy.m
}

// Raw returns a copy of the claims set: the token's JSON payload, exactly
// as it was signed. It is nil for a Claims that was not decoded.
func (c *Claims) Raw() []byte {
	if c.raw == "" {
		return nil
	}
	return []byte(c.raw)
}

// Decode unmarshals the claims set into v with encoding/json, e.g. into a
// struct of the application's own claims. v gets its own copy; the claims
// stay unchanged.
//
// Member names match field names exactly (case-sensitively), as in
// encoding/json/v2 and as JWT claim names are (RFC 7519 §4): a member whose
// name equals a field's only when case is ignored is left out, at any
// depth, so a claim "Scope" never fills a field tagged `json:"scope"`
// (encoding/json alone would fill it). Tag every field with its claim's
// exact name: an untagged field Name receives only a claim "Name". Values
// of types that unmarshal themselves (json.Unmarshaler), of interfaces and
// of maps are passed on as they are. Numbers keep their exact text
// (json.Number, UseNumber).
//
// An error wraps [ErrMalformed] when there is no claims set, or is
// encoding/json's when the claims do not fit v.
func (c *Claims) Decode(v any) error {
	if c.raw == "" {
		return fmt.Errorf("%w: no raw claims set (Claims not produced by Decode)", ErrMalformed)
	}
	raw := c.raw
	if t := reflect.TypeOf(v); t != nil && t.Kind() == reflect.Pointer {
		if m := c.claims(); m != nil {
			if kept, dropped := caseVariants(any(m), t.Elem(), 0); dropped {
				b, err := json.Marshal(kept)
				if err != nil {
					return fmt.Errorf("%w: %w", ErrMalformed, err)
				}
				raw = string(b)
			}
		}
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// Has reports whether the top-level claim name is present with a value
// other than null. Names are case-sensitive. Has does not build the map
// the accessors use: its first call lists the top-level names in one scan
// of the claims set (well under a microsecond for a typical token).
func (c *Claims) Has(name string) bool {
	if c.lazy == nil {
		return c.hasField(name)
	}
	c.lazy.namesOnce.Do(func() { c.lazy.names = topNames(c.raw) })
	return slices.Contains(c.lazy.names, name)
}

// hasField answers Has for a Claims built as a literal.
func (c *Claims) hasField(name string) bool {
	switch name {
	case "iss":
		return c.Issuer != ""
	case "sub":
		return c.Subject != ""
	case "aud":
		return c.Audience != nil
	case "exp":
		return !c.Expiry.IsZero()
	case "nbf":
		return !c.NotBefore.IsZero()
	case "iat":
		return !c.IssuedAt.IsZero()
	case "jti":
		return c.ID != ""
	}
	return false
}

// HasScope reports whether scope is among [Claims].Scopes.
func (c *Claims) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

// ClientID returns the OAuth client the token was issued to: client_id
// (RFC 9068, oidc-provider, Keycloak service accounts), else azp (Keycloak,
// Entra ID v2), else cid (Okta), else appid (Entra ID v1). "" when none is
// a string.
func (c *Claims) ClientID() string {
	for _, name := range [...]string{"client_id", "azp", "cid", "appid"} {
		if s := c.StringClaim(name); s != "" {
			return s
		}
	}
	return ""
}

// AuthorizedParty returns azp, the party the token was issued to (OIDC
// Core §2), or "".
func (c *Claims) AuthorizedParty() string { return c.StringClaim("azp") }

// TenantID returns tid, the Entra ID tenant, or "".
func (c *Claims) TenantID() string { return c.StringClaim("tid") }

// Email returns email, or "". Whether the address was verified is the
// email_verified claim: c.BoolClaim("email_verified").
func (c *Claims) Email() string { return c.StringClaim("email") }

// Roles returns the top-level roles claim (Entra ID app roles, and the
// usual name of custom role claims): its strings when it is an array, the
// string itself when it is a string, else nil. For roles elsewhere — Keycloak
// realm_access.roles, Okta groups, Auth0 namespaced claims — use
// [Claims.Strings] with a [Path]. The slice is the caller's.
func (c *Claims) Roles() []string { return c.Strings(rolesPath) }

var rolesPath = ClaimPath("roles")

// StringClaim returns the top-level claim name when it is a string, else
// "". Like every accessor that reads a claim other than the typed fields,
// it parses the claims set on the first call (see [Claims.Get]).
func (c *Claims) StringClaim(name string) string {
	s, _ := c.claims()[name].(string)
	return s
}

// BoolClaim returns the top-level claim name when it is a boolean, else
// false.
func (c *Claims) BoolClaim(name string) bool {
	b, _ := c.claims()[name].(bool)
	return b
}

// Strings returns the strings at p: an array's string elements (others
// skipped), or a lone string as a one-element slice; nil when p names
// neither. The slice is the caller's.
func (c *Claims) Strings(p Path) []string {
	v, ok := p.lookup(c.claims())
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Get returns the value at path, a dotted path as [ParsePath] reads it
// ("realm_access.roles", "https://example.com/roles"), and whether it
// exists. Values are what encoding/json gives with UseNumber: string,
// json.Number, bool, nil (JSON null), []any, map[string]any; arrays and
// objects are copies the caller may keep and modify.
//
// The first call of Get or of any other accessor parses the claims set
// once (encoding/json, some microseconds); later calls read the parsed
// form. Get parses path on every call: for a path used on every request,
// parse it once with [ParsePath] or [ClaimPath] and call [Claims.Lookup].
func (c *Claims) Get(path string) (any, bool) {
	return c.Lookup(ParsePath(path))
}

// Lookup is [Claims.Get] with a path parsed beforehand.
func (c *Claims) Lookup(p Path) (any, bool) {
	v, ok := p.lookup(c.claims())
	if !ok {
		return nil, false
	}
	return deepCopy(v), true
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}
