package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/jwksauth/jwksauth/core/jws"
)

// publicJWK is the jwk header of a proof, with the members a public key of
// the supported types has.
type publicJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	N   string `json:"n"`
	E   string `json:"e"`
	// Private members: their presence rejects the proof (RFC 9449 §4.3
	// point 7).
	D  *json.RawMessage `json:"d"`
	P  *json.RawMessage `json:"p"`
	Q  *json.RawMessage `json:"q"`
	DP *json.RawMessage `json:"dp"`
	DQ *json.RawMessage `json:"dq"`
	QI *json.RawMessage `json:"qi"`
	K  *json.RawMessage `json:"k"`
	OT *json.RawMessage `json:"oth"`
}

// maxRSABits bounds the RSA keys a proof may carry, so that a client
// cannot make the server verify with a huge modulus.
const maxRSABits = 8192

// key returns the public key j describes and its RFC 7638 thumbprint.
func (j *publicJWK) key() (crypto.PublicKey, string, error) {
	if j.D != nil || j.P != nil || j.Q != nil || j.DP != nil || j.DQ != nil || j.QI != nil || j.K != nil || j.OT != nil {
		return nil, "", fmt.Errorf("%w: the jwk header carries private key members", ErrInvalidProof)
	}
	var (
		pub   crypto.PublicKey
		canon string // the RFC 7638 canonical JSON
	)
	switch j.Kty {
	case "EC":
		var curve elliptic.Curve
		size := 0
		switch j.Crv {
		case "P-256":
			curve, size = elliptic.P256(), 32
		case "P-384":
			curve, size = elliptic.P384(), 48
		case "P-521":
			curve, size = elliptic.P521(), 66
		default:
			return nil, "", fmt.Errorf("%w: unsupported EC curve in the jwk header", ErrInvalidProof)
		}
		x, err1 := decodeFixed(j.X, size)
		y, err2 := decodeFixed(j.Y, size)
		if err1 != nil || err2 != nil {
			return nil, "", fmt.Errorf("%w: malformed EC coordinates in the jwk header", ErrInvalidProof)
		}
		point := append(append([]byte{4}, x...), y...)
		k, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, "", fmt.Errorf("%w: the jwk header's point is not on its curve", ErrInvalidProof)
		}
		pub = k
		canon = `{"crv":"` + j.Crv + `","kty":"EC","x":"` + j.X + `","y":"` + j.Y + `"}`
	case "RSA":
		n, err1 := decodeB64(j.N)
		e, err2 := decodeB64(j.E)
		if err1 != nil || err2 != nil || len(n) == 0 || n[0] == 0 || len(e) == 0 || e[0] == 0 || len(e) > 4 {
			return nil, "", fmt.Errorf("%w: malformed RSA members in the jwk header", ErrInvalidProof)
		}
		if bits := new(big.Int).SetBytes(n).BitLen(); bits < jws.MinRSAKeyBits || bits > maxRSABits {
			return nil, "", fmt.Errorf("%w: RSA key of %d bits in the jwk header (want %d to %d)", ErrInvalidProof, bits, jws.MinRSAKeyBits, maxRSABits)
		}
		ev := 0
		for _, b := range e {
			ev = ev<<8 | int(b)
		}
		if ev < 3 || ev%2 == 0 {
			return nil, "", fmt.Errorf("%w: invalid RSA exponent in the jwk header", ErrInvalidProof)
		}
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: ev}
		canon = `{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`
	case "OKP":
		if j.Crv != "Ed25519" {
			return nil, "", fmt.Errorf("%w: unsupported OKP curve in the jwk header", ErrInvalidProof)
		}
		x, err := decodeFixed(j.X, ed25519.PublicKeySize)
		if err != nil {
			return nil, "", fmt.Errorf("%w: malformed Ed25519 key in the jwk header", ErrInvalidProof)
		}
		pub = ed25519.PublicKey(x)
		canon = `{"crv":"Ed25519","kty":"OKP","x":"` + j.X + `"}`
	default:
		return nil, "", fmt.Errorf("%w: unsupported key type in the jwk header", ErrInvalidProof)
	}
	sum := sha256.Sum256([]byte(canon))
	return pub, base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// decodeB64 decodes strict, unpadded base64url.
func decodeB64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "=+/") {
		return nil, fmt.Errorf("not base64url")
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

func decodeFixed(s string, size int) ([]byte, error) {
	b, err := decodeB64(s)
	if err != nil || len(b) != size {
		return nil, fmt.Errorf("want %d bytes", size)
	}
	return b, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint, base64url-encoded
// (the form of cnf.jkt), of a public JWK in JSON. It accepts the key types
// a proof may carry: EC P-256/384/521, RSA and Ed25519.
func Thumbprint(jwkJSON []byte) (string, error) {
	var j publicJWK
	if err := json.Unmarshal(jwkJSON, &j); err != nil {
		return "", fmt.Errorf("%w: jwk: %w", ErrInvalidProof, err)
	}
	_, tp, err := j.key()
	return tp, err
}
