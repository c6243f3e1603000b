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

// ErrInsufficientUserAuthentication: a step-up requirement ([ACR],
// [MaxAuthAge]) is not met: the user authenticated with a weaker method, or
// too long ago (HTTP 401, RFC 9470 insufficient_user_authentication). The
// error is a [*StepUpError].
var ErrInsufficientUserAuthentication = errors.New("jwksauth: insufficient user authentication")

// StepUpError is the error of an unmet step-up requirement (RFC 9470). It
// matches [ErrInsufficientUserAuthentication] and carries what the client
// must ask the authorization server for: the acr_values and max_age
// attributes of the challenge.
type StepUpError struct {
	// ACRValues are the acceptable authentication context class references,
	// in order of preference; empty when only recency is required.
	ACRValues []string
	// MaxAge is the largest accepted time since the user's last
	// authentication (auth_time); 0 when only the context is required.
	MaxAge time.Duration
	// Description names what is missing, from the requirement's
	// configuration only (never token data).
	Description string
}

// Error returns the sentinel's message followed by the description.
func (e *StepUpError) Error() string {
	if e.Description == "" {
		return ErrInsufficientUserAuthentication.Error()
	}
	return ErrInsufficientUserAuthentication.Error() + ": " + e.Description
}

// Is reports whether target is [ErrInsufficientUserAuthentication].
func (e *StepUpError) Is(target error) bool { return target == ErrInsufficientUserAuthentication }

// ACR requires the token's acr claim (OpenID Connect Core §2: the
// authentication context class reference) to be one of values, e.g.
// ACR("phr", "phrh") for phishing-resistant authentication. Values are
// compared exactly and must be RFC 6749 §3.3 tokens (printable ASCII, no
// space, quote or backslash), since they travel in the space-separated
// acr_values attribute of the challenge.
//
// A token that fails only step-up requirements is answered 401
// insufficient_user_authentication with acr_values (RFC 9470 §3), so that
// the client asks the authorization server for a stronger authentication;
// see [StepUpError].
func ACR(values ...string) Requirement {
	n := &node{kind: kindACR, items: dedupe(values)}
	if len(values) == 0 {
		n.err = errors.New("jwksauth: ACR: no value")
	}
	for _, v := range values {
		if !validScopeToken(v) {
			n.err = fmt.Errorf("jwksauth: ACR: %q is not a valid acr value (printable ASCII, no space, quote or backslash)", v)
			break
		}
	}
	return Requirement{n}
}

// MaxAuthAge requires the user's last authentication (the auth_time claim,
// OpenID Connect Core §2) to be at most d ago: a token without auth_time,
// or with an auth_time in the future, fails it. d is rounded down to whole
// seconds for the challenge's max_age attribute and must be at least one
// second.
//
// A token that fails only step-up requirements is answered 401
// insufficient_user_authentication with max_age (RFC 9470 §3); see [ACR].
func MaxAuthAge(d time.Duration) Requirement {
	n := &node{kind: kindMaxAuthAge, maxAge: d}
	if d < time.Second {
		n.err = fmt.Errorf("jwksauth: MaxAuthAge: %v is less than a second", d)
	}
	return Requirement{n}
}

// isStepUp reports whether n is a step-up leaf.
func (n *node) isStepUp() bool { return n.kind == kindACR || n.kind == kindMaxAuthAge }

// stepUp returns the step-up error for a failed n when the failure is due to
// step-up requirements only (so authenticating again can fix it), else nil.
// Within All, every other part must hold; the failed step-up parts are
// merged. Within Any, every alternative must be a step-up part; they are
// merged too.
func (n *node) stepUp(c *Claims, now time.Time) *StepUpError {
	var e StepUpError
	if !n.collectStepUp(c, now, &e) {
		return nil
	}
	if len(e.ACRValues) == 0 && e.MaxAge == 0 {
		return nil
	}
	var parts []string
	if len(e.ACRValues) > 0 {
		parts = append(parts, "authentication context "+orList(e.ACRValues)+" required")
	}
	if e.MaxAge > 0 {
		parts = append(parts, "authentication within the last "+e.MaxAge.String()+" required")
	}
	e.Description = strings.Join(parts, "; ")
	return &e
}

// collectStepUp merges into e what the failed step-up parts of n ask for;
// it reports false when a failed part of n is not a step-up part.
func (n *node) collectStepUp(c *Claims, now time.Time, e *StepUpError) bool {
	switch {
	case n.isStepUp():
		if n.ok(c, now) {
			return true
		}
		if n.kind == kindACR {
			for _, v := range n.items {
				if !slices.Contains(e.ACRValues, v) {
					e.ACRValues = append(e.ACRValues, v)
				}
			}
		} else if e.MaxAge == 0 || n.maxAge < e.MaxAge {
			e.MaxAge = n.maxAge.Truncate(time.Second)
		}
		return true
	case n.kind == kindAll:
		for _, ch := range n.children {
			if !ch.ok(c, now) && !ch.collectStepUp(c, now, e) {
				return false
			}
		}
		return true
	case n.kind == kindAny:
		if n.ok(c, now) {
			return true
		}
		for _, ch := range n.children {
			if !ch.collectStepUp(c, now, e) {
				return false
			}
		}
		return true
	}
	return n.ok(c, now)
}

// authTime returns the auth_time claim, when it is a NumericDate.
func (c *Claims) authTime() (time.Time, bool) {
	n, ok := c.claims()["auth_time"].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i < 0 || i > maxNumericDate {
			return time.Time{}, false
		}
		return time.Unix(i, 0).UTC(), true
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// maxNumericDate bounds auth_time: year 9999.
const maxNumericDate = 253402300799

// orList renders `"a"` or `"a" or "b"`.
func orList(items []string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = strconv.Quote(it)
	}
	if len(q) <= 2 {
		return strings.Join(q, " or ")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
