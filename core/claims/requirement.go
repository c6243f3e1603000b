package claims

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Requirement is an authorization rule of a route, checked against verified
// claims: scopes, claim values, roles, and compositions of them. A token
// that fails it is answered 403 insufficient_scope (RFC 6750 §3.1).
//
// Build requirements with [Scopes], [AnyScope], [ClaimEquals],
// [ClaimContains], [Roles], [AnyRole], the [Path] methods, [All], [Any] and
// [Func], once, when routes are set up. A Requirement is immutable, safe for
// concurrent use and comparable (== compares identity; it never panics as
// a map key).
//
// Constructors never panic. An invalid construction (no scope, an invalid
// scope or path, a nil func) yields a Requirement whose [Requirement.Err]
// reports the mistake — check it at setup — and whose Check always fails.
//
// The zero Requirement requires nothing: its Check accepts any claims.
type Requirement struct{ n *node }

type kind uint8

const (
	kindScopes kind = iota + 1
	kindAnyScope
	kindEquals
	kindContains
	kindRoles
	kindAnyRole
	kindAll
	kindAny
	kindFunc
	kindACR
	kindMaxAuthAge
)

type node struct {
	kind     kind
	needs    []string // scopes the route needs: own, or the union of children's
	items    []string // scopes, roles or values
	path     Path
	eq       eqValue
	children []*node
	name     string
	fn       func(*Claims) bool
	maxAge   time.Duration // kindMaxAuthAge
	err      error
}

// Scopes requires every one of scopes in [Claims].Scopes. Scopes are
// matched exactly and must be RFC 6749 §3.3 scope tokens (printable ASCII,
// no space, quote or backslash). The check reads the normalized scopes; it
// never parses the claims set.
func Scopes(scopes ...string) Requirement {
	return scopeReq(kindScopes, "Scopes", scopes)
}

// AnyScope requires at least one of scopes in [Claims].Scopes; see
// [Scopes].
func AnyScope(scopes ...string) Requirement {
	return scopeReq(kindAnyScope, "AnyScope", scopes)
}

func scopeReq(k kind, fn string, scopes []string) Requirement {
	n := &node{kind: k, items: dedupe(scopes)}
	if len(scopes) == 0 {
		n.err = fmt.Errorf("jwksauth: %s: no scope", fn)
	}
	for _, s := range scopes {
		if !validScopeToken(s) {
			n.err = fmt.Errorf("jwksauth: %s: %q is not a valid scope token (RFC 6749 §3.3)", fn, s)
			break
		}
	}
	n.needs = n.items
	return Requirement{n}
}

func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// ClaimEquals requires the claim at path (see [ParsePath]) to equal value:
// a string, a bool, or a number (any Go integer or float type, or a
// json.Number). Numbers compare by value: 1 equals 1.0. Any other type of
// value makes the requirement invalid.
func ClaimEquals(path string, value any) Requirement { return ParsePath(path).Equals(value) }

// ClaimContains requires the claim at path (see [ParsePath]) to contain
// every one of values: as elements when it is an array, as space-separated
// words when it is a string (a string equal to the one value matches too).
func ClaimContains(path string, values ...string) Requirement {
	return ParsePath(path).Contains(values...)
}

// Roles requires every one of roles at path (see [ParsePath]): an array of
// strings containing them, or — for one role — a string equal to it. Role
// names are compared exactly and may contain spaces (Okta group names do).
// Common paths: "realm_access.roles" and "resource_access.<client>.roles"
// (Keycloak), "roles" (Entra ID), "groups" (Okta), a namespaced claim such
// as "https://example.com/roles" (Auth0 Actions).
func Roles(path string, roles ...string) Requirement { return ParsePath(path).Roles(roles...) }

// AnyRole requires at least one of roles at path; see [Roles].
func AnyRole(path string, roles ...string) Requirement { return ParsePath(path).AnyRole(roles...) }

// Equals is [ClaimEquals] at p.
func (p Path) Equals(value any) Requirement {
	n := &node{kind: kindEquals, path: p}
	var err error
	n.eq, err = compileEq(value)
	n.err = errors.Join(pathErr("ClaimEquals", p), err)
	return Requirement{n}
}

// Contains is [ClaimContains] at p.
func (p Path) Contains(values ...string) Requirement {
	return listReq(kindContains, "ClaimContains", p, values, "value")
}

// Roles is [Roles] at p.
func (p Path) Roles(roles ...string) Requirement {
	return listReq(kindRoles, "Roles", p, roles, "role")
}

// AnyRole is [AnyRole] at p.
func (p Path) AnyRole(roles ...string) Requirement {
	return listReq(kindAnyRole, "AnyRole", p, roles, "role")
}

func listReq(k kind, fn string, p Path, items []string, what string) Requirement {
	n := &node{kind: k, path: p, items: slices.Clone(items)}
	var err error
	if len(items) == 0 {
		err = fmt.Errorf("jwksauth: %s: no %s", fn, what)
	} else if slices.Contains(items, "") {
		err = fmt.Errorf("jwksauth: %s: an empty %s", fn, what)
	}
	n.err = errors.Join(pathErr(fn, p), err)
	return Requirement{n}
}

func pathErr(fn string, p Path) error {
	if err := p.Err(); err != nil {
		return fmt.Errorf("jwksauth: %s: %w", fn, err)
	}
	return nil
}

// All requires every one of reqs. Its failure describes the first unmet
// one; its RequirementError lists the scopes of all of them.
func All(reqs ...Requirement) Requirement { return compose(kindAll, "All", reqs) }

// Any requires at least one of reqs. Its failure describes every
// alternative; its RequirementError lists the scopes of all of them.
func Any(reqs ...Requirement) Requirement { return compose(kindAny, "Any", reqs) }

func compose(k kind, fn string, reqs []Requirement) Requirement {
	n := &node{kind: k}
	if len(reqs) == 0 {
		n.err = fmt.Errorf("jwksauth: %s: no requirement", fn)
	}
	var needs []string
	for i, r := range reqs {
		if r.n == nil {
			// The zero Requirement: satisfied by anything.
			r = Requirement{&node{kind: kindAll}}
		}
		if r.n.err != nil && n.err == nil {
			n.err = fmt.Errorf("jwksauth: %s: requirement %d: %w", fn, i, r.n.err)
		}
		n.children = append(n.children, r.n)
		needs = append(needs, r.n.needs...)
	}
	n.needs = dedupe(needs)
	return Requirement{n}
}

// Func requires f to report true. name identifies the rule in
// descriptions ("requirement \"name\" not met"), so it should say what is
// missing without echoing claim values. f reads the claims and must not
// modify them; it may use any accessor (the claims set is parsed once per
// token, on first use). A nil f or an empty name makes the requirement
// invalid.
func Func(name string, f func(*Claims) bool) Requirement {
	n := &node{kind: kindFunc, name: name, fn: f}
	switch {
	case name == "":
		n.err = errors.New("jwksauth: Func: empty name")
	case f == nil:
		n.err = fmt.Errorf("jwksauth: Func %q: nil func", name)
	}
	return Requirement{n}
}

// Err reports why the requirement is invalid (for [All] and [Any], the
// first invalid part), or nil. Check it when the route is set up.
func (r Requirement) Err() error {
	if r.n == nil {
		return nil
	}
	return r.n.err
}

// IsZero reports whether r is the zero Requirement, which requires nothing.
func (r Requirement) IsZero() bool { return r.n == nil }

// Check returns nil when c meets r, else a [*RequirementError] (matching
// [ErrInsufficientScope]) whose Scopes are the scopes r needs and whose
// Description names what is missing. An invalid requirement (see
// [Requirement.Err]) and nil claims always fail. Scope checks read the
// normalized [Claims].Scopes without allocating; claim and role checks
// read the claims set, parsed once per token on first use.
//
// A step-up requirement ([ACR], [MaxAuthAge]) that is not met, while every
// other part of r is, yields a [*StepUpError] (matching
// [ErrInsufficientUserAuthentication], HTTP 401 as RFC 9470 says) instead:
// the client can fix it by authenticating again. Check reads the wall
// clock for [MaxAuthAge]; [Requirement.CheckAt] takes the time.
func (r Requirement) Check(c *Claims) error { return r.CheckAt(c, time.Now()) }

// CheckAt is [Requirement.Check] at the time now, for callers with their
// own clock (an Authenticator's, a test's fake clock).
func (r Requirement) CheckAt(c *Claims, now time.Time) error {
	n := r.n
	switch {
	case n == nil:
		return nil
	case n.err != nil:
		return &RequirementError{Scopes: slices.Clone(n.needs), Description: "the route's requirement is invalid"}
	case c == nil:
		return &RequirementError{Scopes: slices.Clone(n.needs), Description: "no claims"}
	case n.ok(c, now):
		return nil
	}
	if e := n.stepUp(c, now); e != nil {
		return e
	}
	return &RequirementError{Scopes: slices.Clone(n.needs), Description: n.describe(c, now)}
}

func (n *node) ok(c *Claims, now time.Time) bool {
	switch n.kind {
	case kindScopes:
		for _, s := range n.items {
			if !slices.Contains(c.Scopes, s) {
				return false
			}
		}
		return true
	case kindAnyScope:
		for _, s := range n.items {
			if slices.Contains(c.Scopes, s) {
				return true
			}
		}
		return false
	case kindEquals:
		v, found := n.path.lookup(c.claims())
		return found && n.eq.matches(v)
	case kindContains, kindRoles, kindAnyRole:
		v, found := n.path.lookup(c.claims())
		if !found {
			return false
		}
		if n.kind == kindAnyRole {
			for _, it := range n.items {
				if n.has(v, it) {
					return true
				}
			}
			return false
		}
		for _, it := range n.items {
			if !n.has(v, it) {
				return false
			}
		}
		return true
	case kindAll:
		for _, ch := range n.children {
			if !ch.ok(c, now) {
				return false
			}
		}
		return true
	case kindAny:
		for _, ch := range n.children {
			if ch.ok(c, now) {
				return true
			}
		}
		return false
	case kindFunc:
		return n.fn(c)
	case kindACR:
		acr := c.StringClaim("acr")
		return acr != "" && slices.Contains(n.items, acr)
	case kindMaxAuthAge:
		at, ok := c.authTime()
		return ok && !now.Before(at) && now.Sub(at) <= n.maxAge
	}
	return false
}

// has reports whether the claim value v contains item: as an array element,
// as the whole string, or (ClaimContains only) as a space-separated word.
func (n *node) has(v any, item string) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s == item {
				return true
			}
		}
	case string:
		if v == item {
			return true
		}
		if n.kind == kindContains {
			for w := range strings.SplitSeq(v, " ") {
				if w == item {
					return true
				}
			}
		}
	}
	return false
}

// describe says what c misses, from the requirement's configuration only.
func (n *node) describe(c *Claims, now time.Time) string {
	switch n.kind {
	case kindScopes:
		return "missing " + plural("scope", missing(n.items, func(s string) bool { return slices.Contains(c.Scopes, s) }))
	case kindAnyScope:
		return "one of the " + plural("scope", n.items) + " required"
	case kindEquals, kindContains, kindRoles, kindAnyRole:
		v, found := n.path.lookup(c.claims())
		switch {
		case n.kind == kindAnyRole:
			return "one of the " + plural("role", n.items) + " required at " + n.path.String()
		case n.kind == kindRoles:
			return plural("role", missing(n.items, func(s string) bool { return found && n.has(v, s) })) + " required at " + n.path.String()
		case !found:
			return "claim " + n.path.String() + " missing"
		case n.kind == kindEquals:
			return "claim " + n.path.String() + " does not have the required value"
		}
		return "claim " + n.path.String() + " must contain " + quoteList(missing(n.items, func(s string) bool { return n.has(v, s) }))
	case kindAll:
		for _, ch := range n.children {
			if !ch.ok(c, now) {
				return ch.describe(c, now)
			}
		}
	case kindAny:
		var alts []string
		for _, ch := range n.children {
			alts = append(alts, ch.describe(c, now))
		}
		if len(alts) == 1 {
			return alts[0]
		}
		return "one of these is required: " + strings.Join(alts, "; or ")
	case kindFunc:
		return "requirement " + strconv.Quote(n.name) + " not met"
	case kindACR:
		return "authentication context " + orList(n.items) + " required"
	case kindMaxAuthAge:
		return "authentication within the last " + n.maxAge.String() + " required"
	}
	return "requirement not met"
}

func missing(items []string, has func(string) bool) []string {
	var out []string
	for _, it := range items {
		if !has(it) {
			out = append(out, it)
		}
	}
	return out
}

// plural renders `scope "a"` or `scopes "a", "b"`.
func plural(what string, items []string) string {
	if len(items) == 1 {
		return what + " " + strconv.Quote(items[0])
	}
	return what + "s " + quoteList(items)
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = strconv.Quote(it)
	}
	return strings.Join(q, ", ")
}

func dedupe(items []string) []string {
	var out []string
	for _, it := range items {
		if !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out
}

// String describes r for logs and debugging, e.g.
// All(Scopes("orders:read"), Roles(realm_access.roles, "admin")).
func (r Requirement) String() string {
	if r.n == nil {
		return "None"
	}
	var b strings.Builder
	r.n.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	switch n.kind {
	case kindScopes, kindAnyScope:
		b.WriteString(map[kind]string{kindScopes: "Scopes", kindAnyScope: "AnyScope"}[n.kind])
		b.WriteString("(" + quoteList(n.items) + ")")
	case kindEquals:
		fmt.Fprintf(b, "ClaimEquals(%s, %s)", n.path, n.eq)
	case kindContains, kindRoles, kindAnyRole:
		b.WriteString(map[kind]string{kindContains: "ClaimContains", kindRoles: "Roles", kindAnyRole: "AnyRole"}[n.kind])
		b.WriteString("(" + n.path.String() + ", " + quoteList(n.items) + ")")
	case kindAll, kindAny:
		if n.kind == kindAll && len(n.children) == 0 {
			b.WriteString("None")
			return
		}
		if n.kind == kindAll {
			b.WriteString("All(")
		} else {
			b.WriteString("Any(")
		}
		for i, ch := range n.children {
			if i > 0 {
				b.WriteString(", ")
			}
			ch.write(b)
		}
		b.WriteString(")")
	case kindFunc:
		b.WriteString("Func(" + strconv.Quote(n.name) + ")")
	case kindACR:
		b.WriteString("ACR(" + quoteList(n.items) + ")")
	case kindMaxAuthAge:
		b.WriteString("MaxAuthAge(" + n.maxAge.String() + ")")
	}
}

// eqValue is ClaimEquals's value, compiled.
type eqValue struct {
	kind byte // 's' string, 'b' bool, 'i' integer, 'f' float
	s    string
	b    bool
	i    int64
	f    float64
}

func compileEq(v any) (eqValue, error) {
	switch v := v.(type) {
	case string:
		return eqValue{kind: 's', s: v}, nil
	case bool:
		return eqValue{kind: 'b', b: v}, nil
	case int:
		return eqValue{kind: 'i', i: int64(v)}, nil
	case int8:
		return eqValue{kind: 'i', i: int64(v)}, nil
	case int16:
		return eqValue{kind: 'i', i: int64(v)}, nil
	case int32:
		return eqValue{kind: 'i', i: int64(v)}, nil
	case int64:
		return eqValue{kind: 'i', i: v}, nil
	case uint:
		return compileUint(uint64(v))
	case uint8:
		return compileUint(uint64(v))
	case uint16:
		return compileUint(uint64(v))
	case uint32:
		return compileUint(uint64(v))
	case uint64:
		return compileUint(v)
	case float32:
		return compileFloat(float64(v))
	case float64:
		return compileFloat(v)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return eqValue{kind: 'i', i: i}, nil
		}
		f, err := v.Float64()
		if err != nil {
			return eqValue{}, fmt.Errorf("jwksauth: ClaimEquals: %q is not a number", string(v))
		}
		return compileFloat(f)
	}
	return eqValue{}, fmt.Errorf("jwksauth: ClaimEquals: value of type %T (want string, bool or number)", v)
}

func compileUint(u uint64) (eqValue, error) {
	if u > math.MaxInt64 {
		return eqValue{kind: 'f', f: float64(u)}, nil
	}
	return eqValue{kind: 'i', i: int64(u)}, nil
}

func compileFloat(f float64) (eqValue, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return eqValue{}, errors.New("jwksauth: ClaimEquals: value is not a finite number")
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
		return eqValue{kind: 'i', i: int64(f)}, nil
	}
	return eqValue{kind: 'f', f: f}, nil
}

func (e eqValue) matches(v any) bool {
	switch e.kind {
	case 's':
		s, ok := v.(string)
		return ok && s == e.s
	case 'b':
		b, ok := v.(bool)
		return ok && b == e.b
	case 'i', 'f':
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		if e.kind == 'i' {
			if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
				return i == e.i
			}
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return false
		}
		if e.kind == 'i' {
			return f == float64(e.i) && math.Abs(f) < 1<<53
		}
		return f == e.f
	}
	return false
}

func (e eqValue) String() string {
	switch e.kind {
	case 's':
		return strconv.Quote(e.s)
	case 'b':
		return strconv.FormatBool(e.b)
	case 'i':
		return strconv.FormatInt(e.i, 10)
	case 'f':
		return strconv.FormatFloat(e.f, 'g', -1, 64)
	}
	return "?"
}

// NeededScopes returns the scopes r names: those of its [Scopes] and
// [AnyScope] parts, the union within [All] and [Any], in order, without
// duplicates. It is what an unmet r reports in [RequirementError].Scopes,
// and what a resource lists as scopes_supported in its metadata (RFC 9728).
func (r Requirement) NeededScopes() []string {
	if r.n == nil {
		return nil
	}
	return slices.Clone(r.n.needs)
}
