package claims

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// The payload is first classified by one SWAR pass (8 bytes at a time):
// only payloads with non-ASCII bytes pay for UTF-8 validation, and only
// those with backslashes or control bytes pay for a byte-by-byte scan of
// their strings; the others find a string's end with one IndexByte.

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// class reports which kinds of bytes b contains: any byte >= 0x80 (high),
// a backslash (esc), any byte < 0x20 (ctl).
func class(b []byte) (high, esc, ctl bool) {
	var accHigh, accEsc, accCtl uint64
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		accHigh |= x
		y := x ^ (lo8 * '\\')
		accEsc |= (y - lo8) &^ y
		accCtl |= (x - lo8*0x20) &^ x
		b = b[8:]
	}
	high = accHigh&hi8 != 0
	esc = accEsc&hi8 != 0
	ctl = accCtl&hi8 != 0
	for _, c := range b {
		high = high || c >= 0x80
		esc = esc || c == '\\'
		ctl = ctl || c < 0x20
	}
	return high, esc, ctl
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// MaxNumericDate is the latest NumericDate accepted, in seconds since the
// epoch: 9999-12-31T23:59:59Z. Later values are rejected as [ErrMalformed].
const MaxNumericDate = 253402300799

// parseNumericDate reads s, a valid JSON number, as a NumericDate (RFC 7519
// §2): seconds since the epoch, integer or fractional, between 0 and
// MaxNumericDate. Fractions are kept to the nanosecond (truncated).
func parseNumericDate(s []byte) (sec, nsec int64, ok bool) {
	if len(s) == 0 || s[0] == '-' {
		return 0, 0, false
	}
	exponent := false
	for _, c := range s {
		exponent = exponent || c == 'e' || c == 'E'
	}
	if exponent {
		f, err := strconv.ParseFloat(string(s), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f >= MaxNumericDate+1 {
			return 0, 0, false
		}
		whole := math.Floor(f)
		sec = int64(whole)
		nsec = int64((f - whole) * 1e9)
		if nsec > 999999999 {
			nsec = 999999999
		}
		return sec, nsec, true
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if i >= 12 { // MaxNumericDate has 12 digits, and JSON has no leading zeros
			return 0, 0, false
		}
		sec = sec*10 + int64(s[i]-'0')
		i++
	}
	if sec > MaxNumericDate {
		return 0, 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		scale := int64(1e8)
		for ; i < len(s) && scale > 0; i++ {
			nsec += int64(s[i]-'0') * scale
			scale /= 10
		}
	}
	return sec, nsec, true
}

// Duplicate and case-variant member names.
//
// Two member names of one object are rejected when they are equal under
// Unicode simple case folding ([strings.EqualFold]): exact duplicates (RFC
// 8725 §2.6, RFC 7493 §2.3) and names that differ only in case, which
// encoding/json — used by [Claims.Decode] — would match to the same struct
// field. Small objects compare names pairwise behind a 64-bit filter; an
// object with more than maxLinearKeys names switches to an open-addressing
// table keyed by a seeded hash of the folded name, so that a payload of
// thousands of names costs linear time, not quadratic.

const maxLinearKeys = 32

var hashSeed = maphash.MakeSeed()

// keySet tracks the names of one object being visited. Its names are
// d.keys[base:]; its table, once it has one, is d.tab[tab : tab+tabLen].
// Names are kept as offsets, not slices: the stack holds no pointers.
type keySet struct {
	base     int
	bloom    uint64
	nonASCII bool
	tab      int
	tabLen   int
}

func newKeySet(d *decodeState) keySet { return keySet{base: len(d.keys), tab: -1} }

// add records k and reports whether it duplicates (case-insensitively) a
// name already seen in the object.
func (d *decodeState) add(ks *keySet, k []byte, ref nameRef) (dup bool) {
	if ks.tab >= 0 {
		if d.tabInsert(ks, len(d.keys), k) {
			return true
		}
		d.keys = append(d.keys, ref)
		if n := len(d.keys) - ks.base; 2*n > ks.tabLen {
			d.tabBuild(ks, 2*ks.tabLen)
		}
		return false
	}
	ascii := (d.plain && !d.high) || isASCII(k) // escapes may make non-ASCII names
	if !ascii || ks.nonASCII {
		for _, p := range d.keys[ks.base:] {
			if bytes.EqualFold(d.nameAt(p), k) {
				return true
			}
		}
		ks.nonASCII = ks.nonASCII || !ascii
	} else {
		bit := uint64(1) << foldBucket(k)
		if ks.bloom&bit != 0 {
			for _, p := range d.keys[ks.base:] {
				if int(p.end-p.start) == len(k) && bytes.EqualFold(d.nameAt(p), k) {
					return true
				}
			}
		}
		ks.bloom |= bit
	}
	d.keys = append(d.keys, ref)
	if len(d.keys)-ks.base > maxLinearKeys {
		d.tabBuild(ks, 4*maxLinearKeys)
	}
	return false
}

// nameRef locates a member name: in the payload, or, when it had escapes,
// in d.unesc, unescaped.
type nameRef struct {
	start, end int32
	unesc      bool
}

func (d *decodeState) nameAt(r nameRef) []byte {
	if r.unesc {
		return d.unesc[r.start:r.end]
	}
	return d.s[r.start:r.end]
}

// tabBuild (re)builds the object's table with size slots (a power of two).
// The object's table is always the last one in d.tab: a nested object's
// table is released before its parent sees its next name. A slot holds the
// name's hash in its high 32 bits and its index in d.keys, plus one, in its
// low 32 bits (0: empty), so that growing never hashes a name again and a
// probe compares hashes before names.
func (d *decodeState) tabBuild(ks *keySet, size int) {
	if ks.tab < 0 {
		ks.tab = len(d.tab)
		d.tab = append(d.tab, make([]uint64, size)...)
		ks.tabLen = size
		for i := ks.base; i < len(d.keys); i++ {
			d.tabInsert(ks, i, d.nameAt(d.keys[i]))
		}
		return
	}
	old, oldLen := ks.tab, ks.tabLen
	d.tab = append(d.tab, make([]uint64, size)...)
	ks.tab, ks.tabLen = old+oldLen, size
	for _, e := range d.tab[old : old+oldLen] {
		if e != 0 {
			d.tabPut(ks, e)
		}
	}
	copy(d.tab[old:], d.tab[ks.tab:ks.tab+size])
	d.tab = d.tab[:old+size]
	ks.tab = old
}

func (d *decodeState) tabPut(ks *keySet, e uint64) {
	mask := uint64(ks.tabLen - 1)
	tab := d.tab[ks.tab : ks.tab+ks.tabLen]
	for j := (e >> 32) & mask; ; j = (j + 1) & mask {
		if tab[j] == 0 {
			tab[j] = e
			return
		}
	}
}

// tabInsert puts index i (of d.keys) for name k into the table unless a
// case-insensitively equal name is there already.
func (d *decodeState) tabInsert(ks *keySet, i int, k []byte) (dup bool) {
	d.fold = appendFold(d.fold[:0], k)
	h := maphash.Bytes(hashSeed, d.fold) >> 32
	mask := uint64(ks.tabLen - 1)
	tab := d.tab[ks.tab : ks.tab+ks.tabLen]
	for j := h & mask; ; j = (j + 1) & mask {
		e := tab[j]
		if e == 0 {
			tab[j] = h<<32 | uint64(i+1)
			return false
		}
		if e>>32 == h && bytes.EqualFold(d.nameAt(d.keys[uint32(e)-1]), k) {
			return true
		}
	}
}

// appendFold appends the case-folded form of k: every rune replaced by the
// smallest rune of its simple-folding orbit, as encoding/json folds names.
// Names equal under [bytes.EqualFold] have equal folded forms.
func appendFold(dst, k []byte) []byte {
	for i := 0; i < len(k); {
		c := k[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(k[i:])
		dst = utf8.AppendRune(dst, foldRune(r))
		i += n
	}
	return dst
}

func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// foldBucket is a case-insensitive 6-bit digest of an ASCII name.
func foldBucket(k []byte) uint {
	if len(k) == 0 {
		return 0
	}
	return (uint(len(k))*7 + uint(upper(k[0]))*3 + uint(upper(k[len(k)-1]))) & 63
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
