package jws

import "encoding/binary"

// Strict unpadded base64url (RFC 7515 §2, RFC 4648 §5) decoding, about twice
// as fast as encoding/base64 on token-sized input (see BenchmarkDecodePart
// and docs/decisions/0010-hot-path-budget.md).
//
// Each input byte is looked up in one of four tables, by its position in its
// quantum of four: the entry is the byte's 6-bit value already shifted to its
// place in the quantum's 24 bits, so a quantum is four loads and three ORs.
// Bytes outside the alphabet map to badSextet, which no valid entry has;
// the decoder ORs every entry into one accumulator and checks it once at
// the end, so the loop has no data-dependent branch. '=', '+', '/', spaces,
// CR and LF are all outside the alphabet: unlike encoding/base64, nothing
// is skipped.

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// badSextet marks a byte outside the alphabet in the decoding tables.
const badSextet = 1 << 31

// sextet0..sextet3 are the decoding tables, one per position in a quantum.
// They are never modified after init.
var sextet0, sextet1, sextet2, sextet3 = sextetTables()

func sextetTables() (t0, t1, t2, t3 [256]uint32) {
	for i := range 256 {
		t0[i], t1[i], t2[i], t3[i] = badSextet, badSextet, badSextet, badSextet
	}
	for v := range len(base64URLAlphabet) {
		c := base64URLAlphabet[v]
		t0[c] = uint32(v) << 18
		t1[c] = uint32(v) << 12
		t2[c] = uint32(v) << 6
		t3[c] = uint32(v)
	}
	return
}

// decodedLen is the length of the decoded form of n base64url characters
// without padding (for a valid n: never 4k+1).
func decodedLen(n int) int { return n/4*3 + n%4*6/8 }

// decodePart decodes src, strict unpadded base64url, into dst, which must be
// exactly decodedLen(len(src)) bytes long, and reports whether src was
// canonical: every byte in the alphabet, a length that is not of the form
// 4k+1, and zero bits after the last decoded byte (RFC 4648 §3.5), so that
// one byte string has exactly one encoding. On failure dst holds garbage.
func decodePart(dst []byte, src string) bool {
	if len(src)%4 == 1 || len(dst) != decodedLen(len(src)) {
		return false
	}
	var acc uint32
	n := 0
	// Sixteen characters at a time into twelve bytes, written as two
	// overlapping 8-byte stores: the loop runs while dst has 14 bytes left.
	for len(src) >= 16 && len(dst)-n >= 14 {
		s := src[:16]
		a := sextet0[s[0]] | sextet1[s[1]] | sextet2[s[2]] | sextet3[s[3]]
		b := sextet0[s[4]] | sextet1[s[5]] | sextet2[s[6]] | sextet3[s[7]]
		c := sextet0[s[8]] | sextet1[s[9]] | sextet2[s[10]] | sextet3[s[11]]
		d := sextet0[s[12]] | sextet1[s[13]] | sextet2[s[14]] | sextet3[s[15]]
		acc |= a | b | c | d
		out := dst[n : n+14]
		binary.BigEndian.PutUint64(out, (uint64(a)<<24|uint64(b))<<16)
		binary.BigEndian.PutUint64(out[6:], (uint64(c)<<24|uint64(d))<<16)
		n += 12
		src = src[16:]
	}
	for len(src) >= 4 {
		q := sextet0[src[0]] | sextet1[src[1]] | sextet2[src[2]] | sextet3[src[3]]
		acc |= q
		out := dst[n : n+3]
		out[0], out[1], out[2] = byte(q>>16), byte(q>>8), byte(q)
		n += 3
		src = src[4:]
	}
	switch len(src) {
	case 2: // one byte; the last character's low four bits must be zero
		q := sextet0[src[0]] | sextet1[src[1]]
		if q&0xffff != 0 {
			return false
		}
		acc |= q
		dst[n] = byte(q >> 16)
	case 3: // two bytes; the last character's low two bits must be zero
		q := sextet0[src[0]] | sextet1[src[1]] | sextet2[src[2]]
		if q&0xff != 0 {
			return false
		}
		acc |= q
		dst[n], dst[n+1] = byte(q>>16), byte(q>>8)
	}
	return acc&badSextet == 0
}
