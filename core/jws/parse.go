package jws

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
)

// DefaultMaxTokenSize is the size cap, in bytes, of a token when
// [Parser.MaxTokenSize] is zero: 16 KiB, far above any access token an
// identity provider issues (typically under 2 KiB) and small enough that
// decoding an oversized token is never a cost an attacker can inflate.
const DefaultMaxTokenSize = 16 << 10

// Header is the part of a JWS Protected Header jwksauth uses.
//
// The string fields of a Header returned by [Parser.Parse] are zero-copy
// views into the Parser's buffer: they are valid only until the next call to
// Parse on the same Parser (or until the Parser is put back into its pool).
// Using them for a map lookup or a comparison is fine; a caller that keeps one
// longer must copy it with [strings.Clone] or [Header.Clone].
//
// The key-locating header parameters "jku", "x5u", "jwk", "x5c", "x5t" and
// "x5t#S256" are never used to find a key: trusting a key or a URL that the
// token itself names would let anyone sign tokens. The parser ignores them
// and does not surface their content.
type Header struct {
	// Alg is the "alg" member: never [Unknown] or [None] after a successful
	// parse.
	Alg Algorithm
	// KeyID is the "kid" member, or "" when absent.
	KeyID string
	// Type is the "typ" member, or "" when absent. Compare it with
	// [Header.TypeIs].
	Type string
	// ContentType is the "cty" member, or "" when absent.
	ContentType string
}

// TypeIs reports whether the header's "typ" names the media type want, as
// RFC 7515 §4.1.9 compares them: ASCII-case-insensitively, as media types
// are (RFC 9110 §8.3.1), with an "application/" prefix optional on either
// side when no other '/' follows it. So with want "at+jwt" (RFC 9068),
// "at+jwt", "AT+JWT" and "application/at+jwt" all match. There is no
// Unicode case folding: "ſecevent+jwt" (U+017F, a long s) does not match
// "secevent+jwt". An empty want matches only an absent (or empty) "typ".
func (h *Header) TypeIs(want string) bool {
	return asciiEqualFold(trimApplication(h.Type), trimApplication(want))
}

// asciiEqualFold reports whether a and b are equal when ASCII letters are
// compared case-insensitively; every other byte must be equal.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// trimApplication removes a case-insensitive "application/" prefix when no
// other '/' follows it (RFC 7515 §4.1.9).
func trimApplication(t string) string {
	const prefix = "application/"
	if len(t) > len(prefix) && asciiEqualFold(t[:len(prefix)], prefix) &&
		strings.IndexByte(t[len(prefix):], '/') < 0 {
		return t[len(prefix):]
	}
	return t
}

// Clone returns a copy of h whose strings no longer share the Parser's
// buffer, safe to keep after the next [Parser.Parse].
func (h Header) Clone() Header {
	h.KeyID = strings.Clone(h.KeyID)
	h.Type = strings.Clone(h.Type)
	h.ContentType = strings.Clone(h.ContentType)
	return h
}

// Token is a parsed compact JWS. A Token returned by [Parser.Parse] belongs
// to the Parser: it and every slice and string in it (except SigningInput,
// which is part of the caller's token string) are valid only until the next
// call to Parse on that Parser. Use [Token.Clone] to keep one.
type Token struct {
	// Header is the decoded, checked protected header.
	Header Header
	// SigningInput is the JWS Signing Input, header "." payload exactly as
	// they appear in the token (a substring of it): what the signature signs.
	SigningInput string
	// Payload is the decoded payload: a JWT claims set for an access token,
	// left to the claims layer to decode. It is never empty.
	Payload []byte
	// Signature is the decoded signature. It is never empty.
	Signature []byte
}

// Clone returns a deep copy of t that does not share the Parser's buffers.
func (t *Token) Clone() *Token {
	return &Token{
		Header:       t.Header.Clone(),
		SigningInput: t.SigningInput,
		Payload:      bytes.Clone(t.Payload),
		Signature:    bytes.Clone(t.Signature),
	}
}

// Parser parses compact JWS tokens, reusing its buffers and its JSON parser
// from one call to the next so that a warm Parser does not allocate. It also
// remembers the last protected header it accepted: tokens signed with one
// key share their header byte for byte, and a repeat skips decoding it.
//
// A Parser is not safe for concurrent use. Keep one per goroutine, or pool
// them:
//
//	var parsers = sync.Pool{New: func() any { return new(jws.Parser) }}
//
//	p := parsers.Get().(*jws.Parser)
//	defer parsers.Put(p) // only once nothing from the Token is used any more
//
// The zero value is ready to use.
type Parser struct {
	// MaxTokenSize is the largest token, in bytes, that Parse accepts; the
	// check comes first, before any decoding. Zero (or a negative value)
	// means [DefaultMaxTokenSize] (16 KiB).
	MaxTokenSize int

	json   fastjson.Parser
	buf    []byte   // the decoded header (when new), then payload and signature
	keys   [][]byte // header member names, for the duplicate check
	values [][]byte // header member values, in plain headers
	tok    Token

	// The last header part this Parser accepted, as it appears in the
	// token, and what it decoded to, with the strings in lastStrs. Tokens
	// from one issuer's key share one header byte for byte, and equal
	// bytes decode and check the same way, so a repeat skips the header's
	// decoding and parsing.
	lastPart   []byte
	lastHeader Header
	lastStrs   []byte
}

// Parse parses a compact JWS (RFC 7515 §7.1). It checks, in this order:
//
//   - the size cap ([Parser.MaxTokenSize]);
//   - the structure: exactly three dot-separated parts, a non-empty header
//     and payload (a JWT's payload is a claims set, never empty); the JWS JSON
//     serialization is rejected;
//   - the header: strict unpadded base64url ('=', '+', '/', whitespace, line
//     breaks and non-canonical encodings with non-zero trailing bits are
//     rejected, in every part); a valid UTF-8 JSON object (RFC 8259, strictly)
//     without duplicate member names (RFC 8725 §2.6: one defined behaviour,
//     rejection); names are case-sensitive, so "ALG" is not "alg"; "alg"
//     present and a string; "kid", "typ" and "cty" strings when present;
//     "b64" a boolean when present and never false (RFC 7797 unencoded
//     payloads are unsupported); no "crit" at all (a malformed "crit" is
//     reported as such; a well-formed one names an extension jwksauth does
//     not understand, which RFC 7515 §4.1.11 requires rejecting); then "alg"
//     a registered algorithm other than "none" ([ErrAlgorithm]);
//   - the payload's base64url;
//   - a non-empty signature, and its base64url.
//
// Every failure wraps [ErrTokenMalformed] or [ErrAlgorithm], with a message
// that names the failed check and never contains any part of the token.
// Parse does not verify the signature (see [Verify]) and does not interpret
// the payload.
//
// The returned Token belongs to p and is valid until the next call to Parse.
// After warm-up Parse does not allocate, neither to accept nor to reject.
func (p *Parser) Parse(token string) (*Token, error) {
	p.tok = Token{}
	limit := p.MaxTokenSize
	if limit <= 0 {
		limit = DefaultMaxTokenSize
	}
	if len(token) > limit {
		return nil, errTooLarge
	}
	if len(token) == 0 {
		return nil, errEmpty
	}
	if token[0] == '{' {
		return nil, errJSONSerialization
	}

	// Split into exactly three parts.
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return nil, errTooFewParts
	}
	dot2 := strings.IndexByte(token[dot1+1:], '.')
	if dot2 < 0 {
		return nil, errTooFewParts
	}
	dot2 += dot1 + 1
	if strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return nil, errTooManyParts
	}
	headerPart, payloadPart, sigPart := token[:dot1], token[dot1+1:dot2], token[dot2+1:]
	if len(headerPart) == 0 {
		return nil, errNoHeader
	}
	if len(payloadPart) == 0 {
		return nil, errNoPayload
	}

	pLen := decodedLen(len(payloadPart))
	sLen := decodedLen(len(sigPart))
	repeat := string(p.lastPart) == headerPart
	if need := max(pLen+sLen, decodedLen(len(headerPart))); cap(p.buf) < need {
		p.buf = make([]byte, need)
	}
	if repeat {
		p.tok.Header = p.lastHeader
	} else {
		hLen := decodedLen(len(headerPart))
		hdr := p.buf[:hLen:hLen]
		if !decodePart(hdr, headerPart) {
			return nil, errHeaderBase64
		}
		if err := p.parseHeader(hdr); err != nil {
			return nil, err
		}
		p.remember(headerPart)
	}
	buf := p.buf[:pLen+sLen]
	payload, sig := buf[:pLen:pLen], buf[pLen:]

	if !decodePart(payload, payloadPart) {
		return nil, errPayloadBase64
	}
	if len(sigPart) == 0 {
		return nil, errNoSignature
	}
	if !decodePart(sig, sigPart) {
		return nil, errSignatureBase64
	}

	p.tok.SigningInput = token[:dot2]
	p.tok.Payload = payload
	p.tok.Signature = sig
	return &p.tok, nil
}

// remember keeps part, a header part just accepted, and p.tok.Header, its
// decoded form, for the next Parse; the strings move into p's own buffer,
// since the header they view is about to be overwritten by the payload.
func (p *Parser) remember(part string) {
	p.lastPart = append(p.lastPart[:0], part...)
	h := p.tok.Header
	p.lastStrs = append(append(append(p.lastStrs[:0], h.KeyID...), h.Type...), h.ContentType...)
	kid, typ := len(h.KeyID), len(h.KeyID)+len(h.Type)
	h.KeyID = toString(p.lastStrs[:kid])
	h.Type = toString(p.lastStrs[kid:typ])
	h.ContentType = toString(p.lastStrs[typ:])
	p.lastHeader = h
	p.tok.Header = h
}

// parseHeader checks the decoded header and fills p.tok.Header.
func (p *Parser) parseHeader(hdr []byte) error {
	if !utf8.Valid(hdr) {
		return errHeaderUTF8
	}
	// A header of the plainest shape (nearly all of them) is valid JSON by
	// construction and is read directly, without the JSON parser.
	var ok bool
	if p.keys, p.values, ok = plainMembers(hdr, p.keys[:0], p.values[:0]); ok {
		return p.parsePlainHeader()
	}
	return p.parseJSONHeader(hdr)
}

// parseJSONHeader is parseHeader for any header, with the JSON parser.
func (p *Parser) parseJSONHeader(hdr []byte) error {
	v, err := p.json.ParseBytes(hdr)
	if err != nil {
		return errHeaderJSON
	}
	if v.Type() != fastjson.TypeObject {
		return errHeaderNotObject
	}
	// fastjson's parser is lenient (it accepts NaN, unknown escapes, control
	// characters in strings); its validator is strict RFC 8259.
	if fastjson.ValidateBytes(hdr) != nil {
		return errHeaderJSON
	}
	obj, _ := v.Object()

	var alg, kid, typ, cty, crit, b64v *fastjson.Value
	p.keys = p.keys[:0]
	obj.Visit(func(k []byte, v *fastjson.Value) {
		p.keys = append(p.keys, k)
		switch string(k) {
		case "alg":
			alg = v
		case "kid":
			kid = v
		case "typ":
			typ = v
		case "cty":
			cty = v
		case "crit":
			crit = v
		case "b64":
			b64v = v
		}
	})
	if p.duplicateKey() {
		return errHeaderDuplicate
	}

	if alg == nil {
		return errNoAlg
	}
	algName, err := alg.StringBytes()
	if err != nil {
		return errAlgNotString
	}
	h := &p.tok.Header
	var ok bool
	if h.KeyID, ok = optionalString(kid); !ok {
		return errKidNotString
	}
	if h.Type, ok = optionalString(typ); !ok {
		return errTypNotString
	}
	if h.ContentType, ok = optionalString(cty); !ok {
		return errCtyNotString
	}
	if b64v != nil {
		switch b64v.Type() {
		case fastjson.TypeTrue:
		case fastjson.TypeFalse:
			return errB64False
		default:
			return errB64NotBool
		}
	}
	if crit != nil {
		return p.checkCrit(crit)
	}

	return setAlg(h, algName)
}

// setAlg sets h.Alg from the "alg" member's value: a registered algorithm
// other than "none".
func setAlg(h *Header, name []byte) error {
	switch h.Alg = ParseAlgorithmBytes(name); h.Alg {
	case None:
		return errAlgNone
	case Unknown:
		return errAlgUnknown
	}
	return nil
}

// duplicateKey reports whether two of p.keys, the header's member names,
// are equal. It sorts p.keys when there are more than eight.
func (p *Parser) duplicateKey() bool {
	if len(p.keys) <= 8 { // the usual three or four: compare pairwise
		for i := 1; i < len(p.keys); i++ {
			for _, k := range p.keys[:i] {
				if bytes.Equal(k, p.keys[i]) {
					return true
				}
			}
		}
		return false
	}
	slices.SortFunc(p.keys, bytes.Compare)
	for i := 1; i < len(p.keys); i++ {
		if bytes.Equal(p.keys[i-1], p.keys[i]) {
			return true
		}
	}
	return false
}

// parsePlainHeader is parseHeader for a header of the plainest shape, whose
// member names and values [plainMembers] put in p.keys and p.values. It
// applies the same checks in the same order, and gives the same results, as
// the general path (FuzzPlainHeader compares them): every value is a
// string, so a "b64" or "crit" member is of the wrong type.
func (p *Parser) parsePlainHeader() error {
	h := &p.tok.Header
	var alg []byte
	var b64, crit bool
	for i, name := range p.keys {
		value := p.values[i]
		switch string(name) {
		case "alg":
			alg = value
		case "kid":
			h.KeyID = toString(value)
		case "typ":
			h.Type = toString(value)
		case "cty":
			h.ContentType = toString(value)
		case "crit":
			crit = true
		case "b64":
			b64 = true
		}
	}
	if p.duplicateKey() {
		return errHeaderDuplicate
	}
	switch {
	case alg == nil:
		return errNoAlg
	case b64:
		return errB64NotBool
	case crit:
		return errCritMalformed
	}
	return setAlg(h, alg)
}

// plainMembers reports whether b, already known to be valid UTF-8, is a JSON
// object of the plainest shape: no whitespace, every member value a string,
// and no escape sequence or control character in any name or value, like
// {"alg":"RS256","kid":"k1","typ":"at+jwt"}. Such a text is valid JSON by
// construction; it is the shape of nearly every JWS header. When it is,
// plainMembers appends each member's name and value (the strings' contents,
// views into b) to names and values.
func plainMembers(b []byte, names, values [][]byte) ([][]byte, [][]byte, bool) {
	n := len(b)
	if n < 2 || b[0] != '{' || b[n-1] != '}' {
		return names, values, false
	}
	if n == 2 {
		return names, values, true // {}
	}
	i := 1
	for {
		start := i + 1
		if i = plainString(b, i); i < 0 || i >= n || b[i] != ':' {
			return names, values, false
		}
		names = append(names, b[start:i-1])
		start = i + 2
		if i = plainString(b, i+1); i < 0 || i >= n {
			return names, values, false
		}
		values = append(values, b[start:i-1])
		switch b[i] {
		case ',':
			i++
		case '}':
			return names, values, i == n-1
		default:
			return names, values, false
		}
	}
}

// plainString returns the index after the JSON string that starts at b[i]
// if it has no escape sequence or control character, else -1.
func plainString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; i < len(b); i++ {
		if !plainStringByte[b[i]] {
			if b[i] == '"' {
				return i + 1
			}
			return -1
		}
	}
	return -1
}

// plainStringByte tells the bytes that may appear as themselves inside a
// plain JSON string: all but '"', '\\' and the control characters. It is
// never modified.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// checkCrit reports why a "crit" header is rejected: it is malformed (RFC
// 7515 §4.1.11: a non-empty array of names of members present in the header,
// none of them registered by the JWS/JWA specifications) or, well-formed, it
// names an extension, and jwksauth understands none.
func (p *Parser) checkCrit(crit *fastjson.Value) error {
	names, err := crit.Array()
	if err != nil || len(names) == 0 {
		return errCritMalformed
	}
	slices.SortFunc(p.keys, bytes.Compare) // for the binary search below
	for _, n := range names {
		name, err := n.StringBytes()
		if err != nil || len(name) == 0 {
			return errCritMalformed
		}
		if _, found := slices.BinarySearchFunc(p.keys, name, bytes.Compare); !found {
			return errCritMissing
		}
		switch string(name) {
		case "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc", "zip":
			return errCritRegistered
		}
	}
	return errCritUnsupported
}

// optionalString returns the string value of v as a view into the JSON
// parser's buffer; "" and true when v is nil (absent), false when v is not
// a string.
func optionalString(v *fastjson.Value) (string, bool) {
	if v == nil {
		return "", true
	}
	b, err := v.StringBytes()
	if err != nil {
		return "", false
	}
	return toString(b), true
}

// toString returns a read-only string view of b without copying.
func toString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// toBytes returns a read-only []byte view of s without copying. The result
// must never be written to.
func toBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
