package claims

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// defaultScopeClaims are the scope claims when DecodeOptions.ScopeClaims is
// nil; never modified.
var defaultScopeClaims = []string{"scope", "scp"}

// DecodeOptions configures [Decode]. The zero value, like a nil
// *DecodeOptions, means the documented defaults.
type DecodeOptions struct {
	// ScopeClaims names the top-level claims whose values are normalized,
	// in this order, into [Claims].Scopes. Each must be a string of
	// space-separated scopes or an array of such strings (each split at
	// spaces too); null counts as absent; any other type is [ErrMalformed].
	// Duplicates are removed, first occurrence kept. Names are
	// case-sensitive; registered claim names (iss, sub, aud, exp, nbf, iat,
	// jti) are ignored here. An empty, non-nil slice normalizes no claim.
	//
	// Default (nil): "scope" (RFC 8693 §4.2, RFC 9068: a space-separated
	// string; Keycloak, Auth0, oidc-provider) and "scp" (Okta: an array;
	// Entra ID: a space-separated string). Add "permissions" for Auth0 RBAC
	// (an array of strings): []string{"scope", "scp", "permissions"}.
	ScopeClaims []string
}

// DefaultScopeClaims returns the scope claims [Decode] reads when
// [DecodeOptions].ScopeClaims is nil: "scope" and "scp", in a new slice.
func DefaultScopeClaims() []string { return []string{"scope", "scp"} }

// MaxDepth is the deepest nesting of arrays and objects [Decode] accepts;
// deeper payloads are [ErrMalformed]. Access tokens nest three or four
// levels.
const MaxDepth = 64

// maxPooled is the largest payload whose decoder state returns to the pool,
// so that one huge token does not pin a huge buffer.
const maxPooled = 64 << 10

// span locates a string's contents in the payload (or, once unescaped, in
// the claims' copy of it).
type span struct {
	start, end int
	esc        bool // has escape sequences: unescape before use
}

// scopeSpan is one string of a scope claim.
type scopeSpan struct {
	claim int // index in the scope claim names
	span
}

// decodeState is one decoding's scratch space, pooled.
type decodeState struct {
	s     []byte // the payload
	i     int    // read position
	plain bool   // s has no backslash and no control byte
	high  bool   // s has non-ASCII bytes
	depth int

	keys  []nameRef // names of the objects being visited, a stack
	tab   []uint64  // name tables of large objects, a stack
	fold  []byte    // scratch: a folded name
	unesc []byte    // unescaped names, one after the other
	tmp   []byte    // scratch: an unescaped value

	scopeClaims   []string
	iss, sub, jti span
	aud           []span
	exp, nbf, iat date
	scopes        []scopeSpan
	stab          []int32 // scope deduplication table
	fields        []int32 // scratch: scope fields, start and end offsets
	uniq          []int32 // the scope fields without duplicates
	lastScope     []byte  // the last single scope string split, when scopeKept
	scopeKept     bool    // d.uniq holds lastScope's split, relative to it
}

type date struct {
	sec, nsec int64
	ok        bool
}

func (d date) time() time.Time {
	if !d.ok {
		return time.Time{}
	}
	return time.Unix(d.sec, d.nsec).UTC()
}

var statePool = sync.Pool{New: func() any { return new(decodeState) }}

// Decode decodes a JWT claims set (the JSON payload of the token) into a new
// [Claims]. opts may be nil, meaning the defaults.
//
// The payload must be an I-JSON object (RFC 7493): valid JSON (RFC 8259)
// and UTF-8, no unpaired surrogate escapes, no two member names in any
// object that are equal or differ only in case, nesting at most [MaxDepth]
// deep. Member names are case-sensitive: "Exp" is not exp. The registered
// claims must have their RFC 7519 types (iss, sub, jti strings; aud a
// string or an array of strings; exp, nbf, iat NumericDates: non-negative
// integer or fractional numbers up to [MaxNumericDate]); null is not
// accepted for them. Anything else is an error wrapping [ErrMalformed],
// whose message never contains token data.
//
// Decode checks no claim value (expiry, issuer, audience): that is
// [Validation.Validate]'s job. The result shares no memory with payload,
// which the caller may reuse at once.
//
// Decode is safe for concurrent use. It runs on unverified tokens (the
// issuer is chosen by iss before the signature is checked), so its cost is
// linear in the payload's size for any input, hostile ones included.
func Decode(payload []byte, opts *DecodeOptions) (*Claims, error) {
	scopeClaims := defaultScopeClaims
	if opts != nil && opts.ScopeClaims != nil {
		scopeClaims = opts.ScopeClaims
	}
	d := statePool.Get().(*decodeState)
	c, err := d.decode(payload, scopeClaims)
	d.reset()
	if len(payload) <= maxPooled {
		statePool.Put(d)
	}
	return c, err
}

func (d *decodeState) reset() {
	d.s = nil
	d.i, d.depth = 0, 0
	d.keys = d.keys[:0]
	d.tab = d.tab[:0]
	d.unesc = d.unesc[:0]
	d.scopeClaims = nil
	d.iss, d.sub, d.jti = span{}, span{}, span{}
	d.aud = d.aud[:0]
	d.exp, d.nbf, d.iat = date{}, date{}, date{}
	d.scopes = d.scopes[:0]
}

func (d *decodeState) decode(payload []byte, scopeClaims []string) (*Claims, error) {
	if len(payload) > math.MaxInt32 { // offsets are int32
		return nil, errTooLarge
	}
	// First pass: read the payload as plain (no backslash, no control byte
	// in any string), the shape of nearly every access token. Every string
	// it reads checks that it is plain, and notes non-ASCII bytes.
	d.s, d.plain, d.high, d.scopeClaims = payload, true, false, scopeClaims
	if err := d.top(); err == nil {
		if d.high && !utf8.Valid(payload) {
			return nil, errNotUTF8
		}
		return d.build(payload), nil
	}
	// The first pass failed: the payload is malformed, or a string has an
	// escape or a control byte. The general pass decides, from the start,
	// after classifying the whole payload.
	d.reset()
	high, esc, ctl := class(payload)
	if high && !utf8.Valid(payload) {
		return nil, errNotUTF8
	}
	d.s, d.plain, d.high, d.scopeClaims = payload, !esc && !ctl, high, scopeClaims
	if err := d.top(); err != nil {
		return nil, err
	}
	return d.build(payload), nil
}

// top scans the claims object, extracting what the Claims keep.
func (d *decodeState) top() error {
	d.ws()
	if d.i >= len(d.s) {
		return errSyntax
	}
	if d.s[d.i] != '{' {
		if d.value() == nil {
			if d.ws(); d.i == len(d.s) {
				return errNotObject
			}
		}
		return errSyntax
	}
	d.i++
	d.depth++
	ks := newKeySet(d)
	if d.ws(); d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
	} else if d.plain {
		if err := d.membersPlain(&ks); err != nil {
			return err
		}
	} else {
		for {
			k, ref, err := d.name()
			if err != nil {
				return err
			}
			if d.add(&ks, k, ref) {
				return errDuplicate
			}
			if err := d.member(k); err != nil {
				return err
			}
			if d.ws(); d.i >= len(d.s) {
				return errSyntax
			}
			if d.s[d.i] == '}' {
				d.i++
				break
			}
			if d.s[d.i] != ',' {
				return errSyntax
			}
			d.i++
			d.ws()
		}
	}
	if d.ws(); d.i != len(d.s) {
		return errSyntax
	}
	return nil
}

// membersPlain is the member loop of top for a plain payload (no backslash
// and no control byte anywhere): the same grammar, checks and errors as the
// general loop, with the read position kept in a local variable rather than
// in d (a store and a load per step otherwise) and every string's end found
// by quoteEnd. Values other than strings and integer dates go through the
// general path. It starts at the first member's name and ends after the
// closing brace.
func (d *decodeState) membersPlain(ks *keySet) error {
	s := d.s
	i := d.i
	for {
		if i >= len(s) || s[i] != '"' {
			return errSyntax
		}
		start := i + 1
		end := d.quoteEnd(start)
		if end < 0 {
			return errSyntax
		}
		k := s[start:end]
		if i = skipSpaces(s, end+1); i >= len(s) || s[i] != ':' {
			return errSyntax
		}
		i = skipSpaces(s, i+1)
		if d.add(ks, k, nameRef{start: int32(start), end: int32(end)}) {
			return errDuplicate
		}
		var err error
		if i, err = d.memberPlain(k, i); err != nil {
			return err
		}
		if i = skipSpaces(s, i); i >= len(s) {
			return errSyntax
		}
		switch s[i] {
		case '}':
			d.i = i + 1
			return nil
		case ',':
			i = skipSpaces(s, i+1)
		default:
			return errSyntax
		}
	}
}

// memberPlain reads the value, at s[i], of the top-level member k of a
// plain payload, and returns the position after it.
func (d *decodeState) memberPlain(k []byte, i int) (int, error) {
	var err error
	switch string(k) {
	case "iss":
		d.iss, i, err = d.plainString(i, errIssType)
		return i, err
	case "sub":
		d.sub, i, err = d.plainString(i, errSubType)
		return i, err
	case "jti":
		d.jti, i, err = d.plainString(i, errJtiType)
		return i, err
	case "exp", "nbf", "iat":
		sec, end, ok := plainSeconds(d.s, i)
		if !ok {
			break // fractions, exponents and errors: the general path
		}
		dt := date{sec: sec, ok: true}
		switch k[0] {
		case 'e':
			d.exp = dt
		case 'n':
			d.nbf = dt
		default:
			d.iat = dt
		}
		return end, nil
	case "aud":
	default:
		if i < len(d.s) && d.s[i] == '"' && !d.isScopeClaim(k) {
			end := d.quoteEnd(i + 1)
			if end < 0 {
				return i, errSyntax
			}
			return end + 1, nil
		}
	}
	d.i = i
	err = d.member(k)
	return d.i, err
}

// isScopeClaim reports whether k names one of the scope claims. Names of
// the same length are common ("email" and "scope"): the first byte is
// compared before the rest.
func (d *decodeState) isScopeClaim(k []byte) bool {
	for _, name := range d.scopeClaims {
		if len(name) == len(k) && (len(k) == 0 || name[0] == k[0]) && name == string(k) {
			return true
		}
	}
	return false
}

// plainString reads the string at d.s[i] of a plain payload, or reports
// wrongType when there is none.
func (d *decodeState) plainString(i int, wrongType error) (span, int, error) {
	if i >= len(d.s) || d.s[i] != '"' {
		return span{}, i, wrongType
	}
	end := d.quoteEnd(i + 1)
	if end < 0 {
		return span{}, i, errSyntax
	}
	return span{start: i + 1, end: end}, end + 1, nil
}

// quoteEnd returns the index of the '"' that closes the string whose
// contents start at d.s[start], in a payload read as plain: -1 when there
// is none, or when a backslash or a control byte comes first (the string is
// not plain, and the general pass must read it). It sets d.high when the
// bytes it read include non-ASCII ones.
func (d *decodeState) quoteEnd(start int) int {
	s := d.s
	var high uint64
	j := start
	// Eight bytes at a time: the lowest byte flagged by any of the three
	// tests is exact (a false flag only ever follows a true one), so it is
	// the string's end if it is a quote, and a reason to give up otherwise.
	for ; j+8 <= len(s); j += 8 {
		x := binary.LittleEndian.Uint64(s[j:])
		high |= x
		q := x ^ (lo8 * '"')
		b := x ^ (lo8 * '\\')
		quote := (q - lo8) &^ q & hi8
		if m := quote | ((b-lo8)&^b|(x-lo8*0x20)&^x)&hi8; m != 0 {
			if high&hi8 != 0 {
				d.high = true
			}
			if first := m & -m; first&quote != 0 {
				return j + bits.TrailingZeros64(first)/8
			}
			return -1
		}
	}
	if high&hi8 != 0 {
		d.high = true
	}
	for ; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return j
		case c == '\\' || c < 0x20:
			return -1
		case c >= 0x80:
			d.high = true
		}
	}
	return -1
}

// skipSpaces skips the spaces at s[i]. The other whitespace bytes are
// control bytes: a plain payload has none, and the first pass leaves
// payloads that do to the general pass (its next check fails).
func skipSpaces(s []byte, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// member reads the value of the top-level member k.
func (d *decodeState) member(k []byte) (err error) {
	switch string(k) {
	case "iss":
		d.iss, err = d.stringValue(errIssType)
	case "sub":
		d.sub, err = d.stringValue(errSubType)
	case "jti":
		d.jti, err = d.stringValue(errJtiType)
	case "aud":
		err = d.stringList(errAudType, func(sp span) { d.aud = append(d.aud, sp) })
	case "exp":
		d.exp, err = d.dateValue(errExpType)
	case "nbf":
		d.nbf, err = d.dateValue(errNbfType)
	case "iat":
		d.iat, err = d.dateValue(errIatType)
	default:
		for i, name := range d.scopeClaims {
			if string(k) == name && !bytes.HasPrefix(d.s[d.i:], []byte("null")) {
				err = d.stringList(errWrongType, func(sp span) {
					d.scopes = append(d.scopes, scopeSpan{i, sp})
				})
				if err == errWrongType {
					err = scopeTypeError(name)
				}
				return err
			}
		}
		return d.value()
	}
	return err
}

func (d *decodeState) stringValue(wrongType error) (span, error) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return span{}, wrongType
	}
	return d.str()
}

// stringList reads a string or an array of strings, handing each to f.
func (d *decodeState) stringList(wrongType error, f func(span)) error {
	if d.i >= len(d.s) {
		return errSyntax
	}
	switch d.s[d.i] {
	case '"':
		sp, err := d.str()
		if err == nil {
			f(sp)
		}
		return err
	case '[':
	default:
		return wrongType
	}
	d.i++
	if d.ws(); d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return nil
	}
	for {
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return wrongType
		}
		sp, err := d.str()
		if err != nil {
			return err
		}
		f(sp)
		if d.ws(); d.i >= len(d.s) {
			return errSyntax
		}
		switch d.s[d.i] {
		case ']':
			d.i++
			return nil
		case ',':
			d.i++
			d.ws()
		default:
			return errSyntax
		}
	}
}

func (d *decodeState) dateValue(wrongType error) (date, error) {
	if d.i >= len(d.s) || (d.s[d.i] != '-' && (d.s[d.i] < '0' || d.s[d.i] > '9')) {
		return date{}, wrongType
	}
	// Nearly every date is a plain integer: read it in one pass.
	if sec, end, ok := plainSeconds(d.s, d.i); ok {
		d.i = end
		return date{sec: sec, ok: true}, nil
	}
	start := d.i
	if err := d.number(); err != nil {
		return date{}, err
	}
	sec, nsec, ok := parseNumericDate(d.s[start:d.i])
	if !ok {
		return date{}, wrongType
	}
	return date{sec, nsec, true}, nil
}

// plainSeconds reads the integer of 1 to 12 digits, without a leading zero,
// at s[i], when no fraction, exponent or further digit follows it, and it
// is at most MaxNumericDate. Otherwise ok is false and the general number
// path decides.
func plainSeconds(s []byte, i int) (sec int64, end int, ok bool) {
	if i >= len(s) || s[i] < '1' || s[i] > '9' {
		return 0, 0, false
	}
	j := i
	for ; j < len(s) && j-i < 12; j++ {
		c := s[j] - '0'
		if c > 9 {
			break
		}
		sec = sec*10 + int64(c)
	}
	if j < len(s) {
		if c := s[j]; c-'0' <= 9 || c == '.' || c == 'e' || c == 'E' {
			return 0, 0, false
		}
	}
	return sec, j, sec <= MaxNumericDate
}

// errWrongType stands for the error of a scope claim of the wrong type
// until its message, which names the claim, is needed.
var errWrongType = malformed("scope claim is not a string or an array of strings")

func scopeTypeError(name string) error { return scopeTypeErr{name} }

// scopeTypeErr is the error of a scope claim that is neither a string nor
// an array of strings. It is a comparable value: two decodings that fail on
// the same claim return equal errors.
type scopeTypeErr struct{ claim string }

func (e scopeTypeErr) Error() string {
	return ErrMalformed.Error() + ": scope claim " + strconv.Quote(e.claim) + " is not a string or an array of strings"
}

func (e scopeTypeErr) Unwrap() error { return ErrMalformed }

// topNames returns the top-level member names of raw, a payload Decode
// accepted, whose value is not null: slices of raw, or unescaped copies.
func topNames(raw string) []string {
	d := statePool.Get().(*decodeState)
	defer func() {
		d.reset()
		if len(raw) <= maxPooled {
			statePool.Put(d)
		}
	}()
	b := []byte(raw)
	_, esc, ctl := class(b)
	d.s, d.plain = b, !esc && !ctl
	d.ws()
	d.i++ // '{'
	var names []string
	for d.ws(); d.i < len(d.s) && d.s[d.i] != '}'; d.ws() {
		sp, err := d.nameSpan()
		if err != nil {
			return names
		}
		if !bytes.HasPrefix(d.s[d.i:], []byte("null")) {
			if sp.esc {
				names = append(names, string(appendUnescaped(nil, b[sp.start:sp.end])))
			} else {
				names = append(names, raw[sp.start:sp.end])
			}
		}
		if d.value() != nil {
			return names
		}
		if d.ws(); d.i < len(d.s) && d.s[d.i] == ',' {
			d.i++
		}
	}
	return names
}

// The JSON grammar (RFC 8259), strictly.

func (d *decodeState) ws() {
	if d.i < len(d.s) && d.s[d.i] > ' ' {
		return // minified JSON: no whitespace at all
	}
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value skips one value, checking it.
func (d *decodeState) value() error {
	if d.i >= len(d.s) {
		return errSyntax
	}
	switch c := d.s[d.i]; {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return errSyntax
}

func (d *decodeState) literal(lit string) error {
	if !bytes.HasPrefix(d.s[d.i:], []byte(lit)) {
		return errSyntax
	}
	d.i += len(lit)
	return nil
}

func (d *decodeState) object() error {
	if d.depth++; d.depth > MaxDepth {
		return errDepth
	}
	d.i++
	ks := newKeySet(d)
	if d.ws(); d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		d.depth--
		return nil
	}
	for {
		k, ref, err := d.name()
		if err != nil {
			return err
		}
		if d.add(&ks, k, ref) {
			return errDuplicate
		}
		if err := d.value(); err != nil {
			return err
		}
		if d.ws(); d.i >= len(d.s) {
			return errSyntax
		}
		switch d.s[d.i] {
		case '}':
			d.i++
			d.depth--
			d.keys = d.keys[:ks.base]
			if ks.tab >= 0 {
				d.tab = d.tab[:ks.tab]
			}
			return nil
		case ',':
			d.i++
			d.ws()
		default:
			return errSyntax
		}
	}
}

// name reads a member name and the colon after it, and returns the name,
// unescaped, and where it is.
func (d *decodeState) name() ([]byte, nameRef, error) {
	sp, err := d.nameSpan()
	if err != nil {
		return nil, nameRef{}, err
	}
	if !sp.esc {
		return d.s[sp.start:sp.end], nameRef{start: int32(sp.start), end: int32(sp.end)}, nil
	}
	start := len(d.unesc)
	d.unesc = appendUnescaped(d.unesc, d.s[sp.start:sp.end])
	return d.unesc[start:], nameRef{start: int32(start), end: int32(len(d.unesc)), unesc: true}, nil
}

// nameSpan reads a member name and the colon after it, and returns the
// name's span.
func (d *decodeState) nameSpan() (span, error) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return span{}, errSyntax
	}
	sp, err := d.str()
	if err != nil {
		return span{}, err
	}
	if d.i < len(d.s) && d.s[d.i] == ':' { // minified
		d.i++
	} else if d.ws(); d.i < len(d.s) && d.s[d.i] == ':' {
		d.i++
	} else {
		return span{}, errSyntax
	}
	d.ws()
	return sp, nil
}

func (d *decodeState) array() error {
	if d.depth++; d.depth > MaxDepth {
		return errDepth
	}
	d.i++
	if d.ws(); d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		d.depth--
		return nil
	}
	for {
		if err := d.value(); err != nil {
			return err
		}
		if d.ws(); d.i >= len(d.s) {
			return errSyntax
		}
		switch d.s[d.i] {
		case ']':
			d.i++
			d.depth--
			return nil
		case ',':
			d.i++
			d.ws()
		default:
			return errSyntax
		}
	}
}

// str reads a string at d.s[d.i] == '"' and returns its contents' span.
// In a plain payload (no backslash, no control byte anywhere) the closing
// quote is all there is to find.
func (d *decodeState) str() (span, error) {
	start := d.i + 1
	if d.plain {
		end := d.quoteEnd(start)
		if end < 0 {
			return span{}, errSyntax
		}
		d.i = end + 1
		return span{start: start, end: end}, nil
	}
	esc := false
	for i := start; i < len(d.s); {
		switch c := d.s[i]; {
		case c == '"':
			d.i = i + 1
			return span{start, i, esc}, nil
		case c == '\\':
			n, err := escapeLen(d.s[i:])
			if err != nil {
				return span{}, err
			}
			i += n
			esc = true
		case c < 0x20:
			return span{}, errControl
		default:
			i++
		}
	}
	return span{}, errSyntax
}

// escapeLen returns the length of the escape sequence at b[0] == '\\':
// only the escapes of RFC 8259 §7, and \uXXXX surrogates only as a
// high-low pair (RFC 7493 §2.1: I-JSON has no unpaired surrogates, and
// decoders disagree on what they mean).
func escapeLen(b []byte) (int, error) {
	if len(b) < 2 {
		return 0, errSyntax
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
	default:
		return 0, errEscape
	}
	r, ok := hex4(b[2:])
	switch {
	case !ok:
		return 0, errEscape
	case r >= 0xdc00 && r <= 0xdfff:
		return 0, errSurrogate
	case r < 0xd800 || r > 0xdfff:
		return 6, nil
	}
	if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
		return 0, errSurrogate
	}
	if r2, ok := hex4(b[8:]); !ok || r2 < 0xdc00 || r2 > 0xdfff {
		return 0, errSurrogate
	}
	return 12, nil
}

// appendUnescaped appends the unescaped form of b, the contents of a
// string whose escapes str validated.
func appendUnescaped(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '\\')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		b = b[i:]
		switch c := b[1]; c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(b[2:])
			if utf16.IsSurrogate(r) {
				r2, _ := hex4(b[8:])
				r = utf16.DecodeRune(r, r2)
				b = b[6:]
			}
			dst = utf8.AppendRune(dst, r)
			b = b[6:]
			continue
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
		b = b[2:]
	}
}

// number reads a number of RFC 8259 §6 grammar.
func (d *decodeState) number() error {
	s, i := d.s, d.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return errNumber
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return errNumber
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return errNumber
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return errNumber
		}
	}
	d.i = i
	return nil
}

// build copies what the claims keep into one string: the payload, then the
// unescaped form of every kept string that has escapes. Strings without
// escapes are sliced from the payload's copy. Audience and Scopes share one
// backing array, inside the Claims' allocation when they fit: two
// allocations in all, three for long lists.
func (d *decodeState) build(payload []byte) *Claims {
	size := len(payload)
	extra := func(sp span) {
		if sp.esc {
			size += sp.end - sp.start
		}
	}
	extra(d.iss)
	extra(d.sub)
	extra(d.jti)
	for _, sp := range d.aud {
		extra(sp)
	}
	for _, sp := range d.scopes {
		extra(sp.span)
	}

	var sb strings.Builder
	sb.Grow(size)
	sb.Write(payload)
	if size > len(payload) {
		fix := func(sp *span) {
			if sp.esc {
				d.tmp = appendUnescaped(d.tmp[:0], payload[sp.start:sp.end])
				sp.start = sb.Len()
				sb.Write(d.tmp)
				sp.end, sp.esc = sb.Len(), false
			}
		}
		fix(&d.iss)
		fix(&d.sub)
		fix(&d.jti)
		for i := range d.aud {
			fix(&d.aud[i])
		}
		for i := range d.scopes {
			fix(&d.scopes[i].span)
		}
	}
	s := sb.String()

	cs := &claimsAndState{c: Claims{
		Issuer:    s[d.iss.start:d.iss.end],
		Subject:   s[d.sub.start:d.sub.end],
		ID:        s[d.jti.start:d.jti.end],
		Expiry:    d.exp.time(),
		NotBefore: d.nbf.time(),
		IssuedAt:  d.iat.time(),
		raw:       s[:len(payload)],
	}}
	c := &cs.c
	c.lazy = &cs.l
	// The scopes, deduplicated, as offsets into s (d.uniq), from the
	// scope strings in the configured order of their claims. A token with
	// one scope string equal to the previous one's (tokens of one client
	// share it) reuses its split: offsets relative to the string.
	base := 0
	if len(d.scopes) == 1 { // escapes, if any, are undone above
		sp := d.scopes[0].span
		str := s[sp.start:sp.end]
		if !d.scopeKept || string(d.lastScope) != str {
			d.fields = appendFields(d.fields[:0], str, 0, len(str))
			d.uniq = d.dedupe(d.uniq[:0], str)
			d.scopeKept = len(str) <= maxCachedScope
			if d.scopeKept {
				d.lastScope = append(d.lastScope[:0], str...)
			}
		}
		base = sp.start
	} else {
		d.scopeKept = false
		d.fields = d.fields[:0]
		for claim := range d.scopeClaims {
			for _, sp := range d.scopes {
				if sp.claim == claim {
					d.fields = appendFields(d.fields, s, sp.start, sp.end) // after unescaping: "a\u0020b" is two
				}
			}
		}
		d.uniq = d.dedupe(d.uniq[:0], s)
	}
	scopes := len(d.uniq) / 2
	n := len(d.aud) + scopes
	if n == 0 {
		return c
	}
	arr := cs.strs[:]
	if n > len(arr) {
		arr = make([]string, n)
	}
	for i, sp := range d.aud {
		arr[i] = s[sp.start:sp.end]
	}
	i := len(d.aud)
	c.Audience = arr[:i:i]
	if scopes > 0 {
		for k := 0; k < len(d.uniq); k += 2 {
			arr[i] = s[base+int(d.uniq[k]) : base+int(d.uniq[k+1])]
			i++
		}
		c.Scopes = arr[len(d.aud):i:i]
	}
	return c
}

// maxCachedScope is the longest scope string a decoder state remembers.
const maxCachedScope = 1024

// appendFields appends the start and end offsets of the space-separated
// non-empty fields of s[start:end] to dst.
func appendFields(dst []int32, s string, start, end int) []int32 {
	s = s[:end]
	for j := start; j < len(s); {
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j == len(s) {
			break
		}
		k := j
		for k < len(s) && s[k] != ' ' {
			k++
		}
		dst = append(dst, int32(j), int32(k))
		j = k
	}
	return dst
}

func (d *decodeState) initScopeTable(total int) {
	size := 1
	for size < 2*total {
		size <<= 1
	}
	if cap(d.stab) < size {
		d.stab = make([]int32, size)
	} else {
		d.stab = d.stab[:size]
		clear(d.stab)
	}
}

// dedupe appends the fields d.fields (offsets into s) to dst, skipping
// those equal to one already there. Up to maxLinearKeys fields are
// compared pairwise, more go through a hash table, so that a hostile
// payload costs linear time.
func (d *decodeState) dedupe(dst []int32, s string) []int32 {
	total := len(d.fields) / 2
	if total <= maxLinearKeys {
	next:
		for k := 0; k < len(d.fields); k += 2 {
			f := s[d.fields[k]:d.fields[k+1]]
			for u := 0; u < len(dst); u += 2 {
				if s[dst[u]:dst[u+1]] == f {
					continue next
				}
			}
			dst = append(dst, d.fields[k], d.fields[k+1])
		}
		return dst
	}
	d.initScopeTable(total)
	mask := uint64(len(d.stab) - 1)
	for k := 0; k < len(d.fields); k += 2 {
		f := s[d.fields[k]:d.fields[k+1]]
		for h := maphash.String(hashSeed, f) & mask; ; h = (h + 1) & mask {
			slot := d.stab[h]
			if slot == 0 {
				d.stab[h] = int32(len(dst)/2 + 1)
				dst = append(dst, d.fields[k], d.fields[k+1])
				break
			}
			if u := 2 * (slot - 1); s[dst[u]:dst[u+1]] == f {
				break
			}
		}
	}
	return dst
}
