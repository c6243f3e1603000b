package claims

import (
	"errors"
	"fmt"
	"strings"
)

// Path addresses a value inside the claims set: a top-level claim, or a
// member of nested objects such as Keycloak's realm_access.roles. Build one
// with [ParsePath] (the dotted form) or [ClaimPath] (exact segments), once,
// when the route or requirement is set up; looking it up does no string
// parsing.
//
// A Path is immutable and may be shared. The zero Path is invalid: its
// [Path.Err] reports it and it matches nothing.
type Path struct{ p *pathData }

type pathData struct {
	display string
	segs    []string
	// names[i][k] is the member name tried at segment i spanning k+1
	// segments: segs[i:i+k+1] joined by ".", longest first at lookup. For a
	// ClaimPath only the one-segment names exist.
	names [][]string
	err   error
}

// maxDottedSegments bounds a dotted path, whose lookup may try every way of
// grouping its segments into names.
const maxDottedSegments = 16

// ParsePath parses a dotted path: "realm_access.roles",
// "resource_access.my-client.roles", "https://example.com/roles".
//
// Since claim names may themselves contain dots (Auth0 namespaced claims
// are URLs, Keycloak client IDs may be "my.client"), the dots are not
// simply separators: at each level the lookup tries the longest run of
// the remaining segments, joined by dots, that names a member and leads to
// a value, then shorter ones. So "https://example.com/roles" finds the
// top-level claim of that name, and "resource_access.my.client.roles" finds
// the client "my.client". For a name that this rule cannot reach, use
// [ClaimPath].
//
// A path that is empty, has an empty segment ("a..b", ".a") or more than
// 16 segments is invalid: [Path.Err] reports it, and requirements built on
// it report it in turn. ParsePath never panics.
func ParsePath(dotted string) Path {
	d := &pathData{display: dotted}
	switch {
	case dotted == "":
		d.err = errors.New("jwksauth: empty claim path")
		return Path{d}
	case strings.Count(dotted, ".") >= maxDottedSegments:
		d.err = fmt.Errorf("jwksauth: claim path %q has more than %d segments", dotted, maxDottedSegments)
		return Path{d}
	}
	d.segs = strings.Split(dotted, ".")
	for _, s := range d.segs {
		if s == "" {
			d.err = fmt.Errorf("jwksauth: claim path %q has an empty segment", dotted)
			return Path{d}
		}
	}
	d.names = make([][]string, len(d.segs))
	for i := range d.segs {
		for j := i + 1; j <= len(d.segs); j++ {
			d.names[i] = append(d.names[i], strings.Join(d.segs[i:j], "."))
		}
	}
	return Path{d}
}

// ClaimPath builds a path from exact member names, one per level, with no
// dot interpretation: ClaimPath("https://example.com/claims", "roles") is
// the roles member of the top-level claim "https://example.com/claims".
// No segment at all, or an empty segment, makes the path invalid (see
// [Path.Err]).
func ClaimPath(segments ...string) Path {
	d := &pathData{display: strings.Join(segments, "."), segs: append([]string(nil), segments...)}
	if len(segments) == 0 {
		d.err = errors.New("jwksauth: empty claim path")
		return Path{d}
	}
	for _, s := range segments {
		if s == "" {
			d.err = fmt.Errorf("jwksauth: claim path %q has an empty segment", d.display)
			return Path{d}
		}
	}
	d.names = make([][]string, len(segments))
	for i, s := range d.segs {
		d.names[i] = []string{s}
	}
	return Path{d}
}

// String returns the path as written: the dotted form, or the segments
// joined by dots.
func (p Path) String() string {
	if p.p == nil {
		return ""
	}
	return p.p.display
}

// Err reports why the path is invalid, or nil.
func (p Path) Err() error {
	if p.p == nil {
		return errors.New("jwksauth: zero claim path")
	}
	return p.p.err
}

// lookup finds the value at p in m.
func (p Path) lookup(m map[string]any) (any, bool) {
	if p.p == nil || p.p.err != nil || m == nil {
		return nil, false
	}
	return p.p.find(m, 0)
}

func (d *pathData) find(obj map[string]any, i int) (any, bool) {
	names := d.names[i]
	for k := len(names) - 1; k >= 0; k-- {
		v, ok := obj[names[k]]
		if !ok {
			continue
		}
		next := i + k + 1
		if next == len(d.segs) {
			return v, true
		}
		if m, ok := v.(map[string]any); ok {
			if r, ok := d.find(m, next); ok {
				return r, true
			}
		}
	}
	return nil, false
}
