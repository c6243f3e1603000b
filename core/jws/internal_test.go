package jws

import (
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// derReference is the encoding/asn1 DER of SEQUENCE { r, s }.
func derReference(t testing.TB, r, s []byte) []byte {
	b, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestECDSADER(t *testing.T) {
	ff := func(n int) []byte { return bytes.Repeat([]byte{0xff}, n) }
	zeros := func(n int) []byte { return make([]byte, n) }
	with := func(b []byte, i int, v byte) []byte { b = append([]byte(nil), b...); b[i] = v; return b }
	tests := []struct {
		name string
		r, s []byte
	}{
		{"zero zero", zeros(32), zeros(32)},
		{"one one", with(zeros(32), 31, 1), with(zeros(32), 31, 1)},
		{"high bit", ff(32), ff(32)},
		{"no high bit", with(ff(32), 0, 0x7f), with(ff(32), 0, 0x7f)},
		{"leading zeros", with(zeros(32), 5, 0x80), with(zeros(32), 30, 0x01)},
		{"P-384 high bit", ff(48), with(ff(48), 0, 0x01)},
		{"P-521 max", with(ff(66), 0, 0x01), with(ff(66), 0, 0x01)},
		{"P-521 long form length", ff(66), ff(66)},
		{"P-521 small", with(zeros(66), 65, 9), with(zeros(66), 0, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf [maxECDSADER]byte
			got := ecdsaDER(buf[:0], tt.r, tt.s)
			if want := derReference(t, tt.r, tt.s); !bytes.Equal(got, want) {
				t.Fatalf("ecdsaDER = %x, want %x", got, want)
			}
			if len(got) > maxECDSADER {
				t.Fatalf("%d bytes, more than maxECDSADER", len(got))
			}
		})
	}
}

// FuzzECDSADER checks ecdsaDER against encoding/asn1 for every R and S of
// equal length up to 66 bytes.
func FuzzECDSADER(f *testing.F) {
	f.Add(bytes.Repeat([]byte{0xff}, 64))
	f.Add(make([]byte, 132))
	f.Add(append([]byte{0, 0x80}, make([]byte, 94)...))
	f.Fuzz(func(t *testing.T, sig []byte) {
		if len(sig)%2 != 0 || len(sig) > 132 {
			return
		}
		r, s := sig[:len(sig)/2], sig[len(sig)/2:]
		var buf [maxECDSADER]byte
		got := ecdsaDER(buf[:0], r, s)
		if want := derReference(t, r, s); !bytes.Equal(got, want) {
			t.Fatalf("ecdsaDER(%x, %x) = %x, want %x", r, s, got, want)
		}
	})
}

// TestDecodePartLineBreaks checks that any CR or LF, anywhere in a part,
// makes it fail, for every length (encoding/base64 skips them).
func TestDecodePartLineBreaks(t *testing.T) {
	for n := 0; n <= 40; n++ {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(i*37 + n)
		}
		part := base64.RawURLEncoding.EncodeToString(raw)
		dst := make([]byte, decodedLen(len(part)))
		if !decodePart(dst, part) || !bytes.Equal(dst, raw) {
			t.Fatalf("canonical part of %d bytes rejected", n)
		}
		for _, brk := range []string{"\n", "\r", "\r\n", "\n\n\n", "\n\r\n\r"} {
			for pos := 0; pos <= len(part); pos++ {
				bad := part[:pos] + brk + part[pos:]
				dst := make([]byte, decodedLen(len(bad)))
				if decodePart(dst, bad) {
					t.Fatalf("part %q with %q at %d accepted", part, brk, pos)
				}
			}
		}
	}
}

// plainObject reports whether plainMembers accepts b.
func plainObject(b []byte) bool {
	_, _, ok := plainMembers(b, nil, nil)
	return ok
}

func TestPlainObject(t *testing.T) {
	tests := []struct {
		in    string
		plain bool
	}{
		{`{}`, true},
		{`{"alg":"RS256"}`, true},
		{`{"alg":"RS256","kid":"k1","typ":"at+jwt"}`, true},
		{`{"":""}`, true},
		{`{"alg":"RS256",}`, false},
		{`{"alg":"RS256"}}`, false},
		{`{"alg":"RS256"`, false},
		{`{"alg":"RS256""kid":"x"}`, false},
		{`{"alg" :"RS256"}`, false},
		{`{ "alg":"RS256"}`, false},
		{`{"alg":1}`, false},
		{`{"alg":true}`, false},
		{`{"alg":null}`, false},
		{`{"alg":["RS256"]}`, false},
		{`{"alg":{"a":"b"}}`, false},
		{`{"alg":"RS\u0032"}`, false},
		{`{"alg":"RS256\"}`, false},
		{"{\"alg\":\"RS\x01\"}", false},
		{`{"alg"}`, false},
		{`{"alg":}`, false},
		{`{,}`, false},
		{`{"a":"b",}`, false},
		{`[]`, false},
		{`"x"`, false},
		{``, false},
		{`{`, false},
		{`}`, false},
	}
	for _, tt := range tests {
		if got := plainObject([]byte(tt.in)); got != tt.plain {
			t.Errorf("plainObject(%q) = %v, want %v", tt.in, got, tt.plain)
		}
	}
}

// FuzzPlainObject checks that whatever plainObject accepts (as valid UTF-8)
// is valid JSON for both encoding/json and fastjson's strict validator.
func FuzzPlainObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"alg":"RS256","kid":"k"}`, `{"a":"b","c":"d"}`, `{"a":"\u00e9"}`, `{"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) || !plainObject(b) {
			return
		}
		if !json.Valid(b) {
			t.Fatalf("plainObject accepted %q, encoding/json rejects it", b)
		}
		if err := fastjson.ValidateBytes(b); err != nil {
			t.Fatalf("plainObject accepted %q, fastjson rejects it: %v", b, err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("plainObject accepted %q, not an object of strings: %v", b, err)
		}
	})
}

// FuzzPlainHeader checks that the plain-header path gives exactly what the
// general JSON path gives (error and header fields) for every header
// plainObject accepts.
func FuzzPlainHeader(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"alg":"RS256"}`, `{"alg":"RS256","kid":"k1","typ":"at+jwt"}`, `{"alg":"none"}`,
		`{"alg":"RS256","alg":"RS256"}`, `{"alg":"RS256","b64":"true"}`, `{"alg":"RS256","crit":"x"}`,
		`{"kid":"k"}`, `{"alg":""}`, `{"alg":"HS256","cty":"JWT","x5u":"https://x"}`, `{"":"","a":"b"}`,
		`{"alg":"ES256","kid":"é"}`,
	} {
		f.Add([]byte(s))
	}
	var plain, general Parser
	f.Fuzz(func(t *testing.T, hdr []byte) {
		if !utf8.Valid(hdr) {
			return
		}
		var ok bool
		if plain.keys, plain.values, ok = plainMembers(hdr, plain.keys[:0], plain.values[:0]); !ok {
			return
		}
		plain.tok, general.tok = Token{}, Token{}
		errPlain := plain.parsePlainHeader()
		errGeneral := general.parseJSONHeader(hdr)
		if errPlain != errGeneral {
			t.Fatalf("header %q: plain path %v, general path %v", hdr, errPlain, errGeneral)
		}
		if errPlain == nil && plain.tok.Header != general.tok.Header {
			t.Fatalf("header %q: plain path %+v, general path %+v", hdr, plain.tok.Header, general.tok.Header)
		}
	})
}
