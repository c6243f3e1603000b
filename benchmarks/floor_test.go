package benchmarks

import (
	"bytes"
	"encoding/asn1"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestDERSignature compares the stack encoder with encoding/asn1 on random
// halves, leading zeros and high bits included.
func TestDERSignature(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		rs := make([]byte, 64)
		for j := range rs {
			rs[j] = byte(r.Uint32())
		}
		switch i % 4 {
		case 1:
			rs[0], rs[1] = 0, 0x7f
		case 2:
			rs[32] = 0x80
		case 3:
			clear(rs[:31])
		}
		want, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(rs[:32]), new(big.Int).SetBytes(rs[32:])})
		if err != nil {
			t.Fatal(err)
		}
		var buf [72]byte
		if got := DERSignature(&buf, rs); !bytes.Equal(got, want) {
			t.Fatalf("%x: got %x, want %x", rs, got, want)
		}
	}
}
