package benchmarks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jwksauth/jwksauth/core/jws"
)

// errFloor is the floor's answer to a signature that does not verify.
var errFloor = errors.New(errPrefixVerifys + "floor: signature does not verify")

// Floor returns the bare signature check of tok with the fastest
// standard-library call, the signature already decoded and the key already
// of its concrete type: what no verifier can avoid. RS256:
// rsa.VerifyPKCS1v15 of the SHA-256 digest; ES256: the raw r||s re-encoded
// to ASN.1 DER on the stack, then ecdsa.VerifyASN1; EdDSA: ed25519.Verify.
func (e *Env) Floor(tok string) (func() error, error) {
	dot := strings.LastIndexByte(tok, '.')
	if dot < 0 {
		return nil, fmt.Errorf("%sfloor: not a JWS", errPrefixVerifys)
	}
	input := []byte(tok[:dot])
	sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if err != nil {
		return nil, fmt.Errorf("%sfloor: %w", errPrefixVerifys, err)
	}
	pub := e.Issuer.SigningKey().PublicKey()
	switch e.Alg {
	case jws.RS256:
		k := pub.(*rsa.PublicKey)
		return func() error {
			h := sha256.Sum256(input)
			return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig)
		}, nil
	case jws.ES256:
		k := pub.(*ecdsa.PublicKey)
		if len(sig) != 64 {
			return nil, fmt.Errorf("%sfloor: ES256 signature of %d bytes", errPrefixVerifys, len(sig))
		}
		return func() error {
			h := sha256.Sum256(input)
			var buf [72]byte
			if !ecdsa.VerifyASN1(k, h[:], DERSignature(&buf, sig)) {
				return errFloor
			}
			return nil
		}, nil
	case jws.EdDSA:
		k := pub.(ed25519.PublicKey)
		return func() error {
			if !ed25519.Verify(k, input, sig) {
				return errFloor
			}
			return nil
		}, nil
	}
	return nil, fmt.Errorf("%sno floor for %v", errPrefixVerifys, e.Alg)
}

// DERSignature encodes the fixed-size r||s of a P-256 signature (RFC 7518
// §3.4) as the ASN.1 DER SEQUENCE { r INTEGER, s INTEGER } that
// ecdsa.VerifyASN1 takes, into buf.
func DERSignature(buf *[72]byte, rs []byte) []byte {
	n := 2
	for _, half := range [2][]byte{rs[:32], rs[32:]} {
		for len(half) > 1 && half[0] == 0 {
			half = half[1:]
		}
		pad := half[0]&0x80 != 0
		l := len(half)
		if pad {
			l++
		}
		buf[n], buf[n+1] = 0x02, byte(l)
		n += 2
		if pad {
			buf[n] = 0
			n++
		}
		n += copy(buf[n:], half)
	}
	buf[0], buf[1] = 0x30, byte(n-2)
	return buf[:n]
}
