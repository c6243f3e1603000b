package jws

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// stdStrict is the reference decodePart must agree with: encoding/base64's
// strict unpadded base64url, except that it skips CR and LF, which
// decodePart rejects.
var stdStrict = base64.RawURLEncoding.Strict()

// referenceDecode decodes src the way decodePart must, with encoding/base64.
func referenceDecode(src string) ([]byte, bool) {
	if strings.ContainsAny(src, "\r\n") {
		return nil, false
	}
	out, err := stdStrict.DecodeString(src)
	return out, err == nil
}

func checkDecodePart(t *testing.T, src string) {
	t.Helper()
	want, wantOK := referenceDecode(src)
	if len(src)%4 == 1 {
		if wantOK {
			t.Fatalf("reference accepted a 4k+1 length: %q", src)
		}
		if decodePart(make([]byte, decodedLen(len(src))), src) {
			t.Fatalf("decodePart(%q) accepted a 4k+1 length", src)
		}
		return
	}
	// A guard byte after dst catches writes past its end.
	buf := make([]byte, decodedLen(len(src))+1)
	buf[len(buf)-1] = 0xa5
	dst := buf[:len(buf)-1]
	ok := decodePart(dst, src)
	if ok != wantOK {
		t.Fatalf("decodePart(%q) = %v, encoding/base64 says %v", src, ok, wantOK)
	}
	if ok && !bytes.Equal(dst, want) {
		t.Fatalf("decodePart(%q) = %x, want %x", src, dst, want)
	}
	if buf[len(buf)-1] != 0xa5 {
		t.Fatalf("decodePart(%q) wrote past the end of dst", src)
	}
}

// TestDecodePart compares decodePart with encoding/base64 for every length
// up to 200 and every byte value at every position of a 20-character part,
// so each table entry and each tail shape is exercised.
func TestDecodePart(t *testing.T) {
	for n := 0; n <= 150; n++ {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(i*131 + n*7)
		}
		enc := base64.RawURLEncoding.EncodeToString(raw)
		checkDecodePart(t, enc)
		if len(enc) > 0 {
			// Every non-canonical last character (non-zero trailing bits).
			for _, c := range []byte(base64URLAlphabet) {
				checkDecodePart(t, enc[:len(enc)-1]+string(c))
			}
		}
	}
	base := base64.RawURLEncoding.EncodeToString([]byte("fifteen bytes!!"))
	for pos := range len(base) {
		for c := range 256 {
			checkDecodePart(t, base[:pos]+string([]byte{byte(c)})+base[pos+1:])
		}
	}
	for _, s := range []string{"", "A", "AA", "AAA", "AAAA", "AA==", "AAA=", "A===", "+/+/", "-_-_", "QQ", "QR", "QUI", "QUJ"} {
		checkDecodePart(t, s)
	}
	if decodePart(make([]byte, 2), "AAAA") {
		t.Fatal("decodePart accepted a dst of the wrong length")
	}
}

// FuzzDecodePart: decodePart agrees with encoding/base64's strict decoder
// on any input, and never writes past dst.
func FuzzDecodePart(f *testing.F) {
	for _, s := range []string{"", "QQ", "QR", "QUI", "QUJD", "eyJhbGciOiJSUzI1NiJ9", "a+b/", "ab==", "ab\ncd", "ab\r\ncd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkDecodePart(t, src)
	})
}

// BenchmarkDecodePart decodes an 856-character part (a 642-byte payload)
// with decodePart and with encoding/base64's strict decoder.
//
//	go test -run '^$' -bench DecodePart ./core/jws/
func BenchmarkDecodePart(b *testing.B) {
	raw := make([]byte, 642)
	for i := range raw {
		raw[i] = byte(i * 131)
	}
	src := base64.RawURLEncoding.EncodeToString(raw)
	dst := make([]byte, len(raw))
	b.Run("jws", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if !decodePart(dst, src) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("encoding-base64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if n, err := stdStrict.Decode(dst, toBytes(src)); err != nil || n != len(dst) {
				b.Fatal("rejected")
			}
		}
	})
}
