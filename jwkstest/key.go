package jwkstest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// DefaultRSABits is the RSA modulus size of the keys [NewKey] and an
// [Issuer] generate unless told otherwise ([NewRSAKey], [WithRSABits]).
const DefaultRSABits = 2048

// ErrUnsupported is returned, wrapped with detail, when a key, algorithm or
// token variant is asked for that the kit cannot make: an HMAC or "none"
// signing key, an algorithm that does not fit the key, an RSA size other
// than 2048, 3072 or 4096, a DER signature from a key that is not ECDSA.
var ErrUnsupported = errors.New("jwkstest: unsupported")

// Key is a signing key of a test issuer: a private key with its kid and JWS
// algorithm. A Key is immutable and safe for concurrent use. The kit signs
// with the standard library only (crypto/rsa, crypto/ecdsa, crypto/ed25519,
// crypto/hmac), never with the verifier under test.
type Key struct {
	kid  string
	alg  jws.Algorithm
	priv crypto.Signer
	jwk  []byte // public JWK, exactly as published
	pem  []byte // public key, PKIX PEM
}

// kitRSAPool recycles RSA keys, whose generation is slow (tens of
// milliseconds for 2048 bits, more under the race detector): an [Issuer]
// takes its RSA keys from the pool and gives them back on Close, so a test
// suite generates only as many RSA keys as it has issuers open at once, and
// no two open issuers share key material.
var kitRSAPool = struct {
	mu   sync.Mutex
	free map[int][]*rsa.PrivateKey
}{free: map[int][]*rsa.PrivateKey{}}

// kitRSAPoolMax bounds the keys kept per size.
const kitRSAPoolMax = 16

func kitTakeRSA(bits int) (*rsa.PrivateKey, error) {
	switch bits {
	case 2048, 3072, 4096:
	default:
		return nil, fmt.Errorf("%w: RSA key of %d bits (want 2048, 3072 or 4096)", ErrUnsupported, bits)
	}
	kitRSAPool.mu.Lock()
	if free := kitRSAPool.free[bits]; len(free) > 0 {
		k := free[len(free)-1]
		kitRSAPool.free[bits] = free[:len(free)-1]
		kitRSAPool.mu.Unlock()
		return k, nil
	}
	kitRSAPool.mu.Unlock()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, fmt.Errorf("jwkstest: generating an RSA key: %w", err)
	}
	return k, nil
}

func kitReturnRSA(k *rsa.PrivateKey) {
	bits := k.N.BitLen()
	kitRSAPool.mu.Lock()
	defer kitRSAPool.mu.Unlock()
	if len(kitRSAPool.free[bits]) < kitRSAPoolMax {
		kitRSAPool.free[bits] = append(kitRSAPool.free[bits], k)
	}
}

// NewKey returns a new key for alg: RSA of [DefaultRSABits] for RS256,
// RS384, RS512, PS256, PS384 and PS512; P-256, P-384 or P-521 for ES256,
// ES384 and ES512; Ed25519 for EdDSA and Ed25519. Its kid is derived from
// the key's RFC 7638 thumbprint. RSA keys may come from the kit's pool of
// keys given back by closed issuers, never from a key an open issuer holds.
func NewKey(alg jws.Algorithm) (*Key, error) { return NewRSAKey(alg, DefaultRSABits) }

// NewRSAKey is [NewKey] with the RSA modulus size bits (2048, 3072 or
// 4096) for an RSA algorithm; bits is ignored for the others.
func NewRSAKey(alg jws.Algorithm, bits int) (*Key, error) {
	priv, err := kitGenerate(alg, bits)
	if err != nil {
		return nil, err
	}
	return NewKeyFromSigner("", alg, priv)
}

func kitGenerate(alg jws.Algorithm, bits int) (crypto.Signer, error) {
	switch alg {
	case jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512:
		return kitTakeRSA(bits)
	case jws.ES256, jws.ES384, jws.ES512:
		k, err := ecdsa.GenerateKey(kitCurve(alg), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwkstest: generating an EC key: %w", err)
		}
		return k, nil
	case jws.EdDSA, jws.Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwkstest: generating an Ed25519 key: %w", err)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("%w: signing key for alg %q", ErrUnsupported, alg)
	}
}

func kitCurve(alg jws.Algorithm) elliptic.Curve {
	switch alg {
	case jws.ES384:
		return elliptic.P384()
	case jws.ES512:
		return elliptic.P521()
	default:
		return elliptic.P256()
	}
}

// NewKeyFromSigner wraps an existing private key (*rsa.PrivateKey of at
// least 2048 bits, *ecdsa.PrivateKey on P-256, P-384 or P-521, or
// ed25519.PrivateKey) as a Key for alg, which must fit it. An empty kid is
// derived from the key's thumbprint. Use it for a fixed key, for example
// one parsed from a PEM constant so that output stays the same from run to
// run.
func NewKeyFromSigner(kid string, alg jws.Algorithm, priv crypto.Signer) (*Key, error) {
	if alg == jws.Unknown || alg == jws.None || alg.IsSymmetric() {
		return nil, fmt.Errorf("%w: signing key for alg %q", ErrUnsupported, alg)
	}
	if err := kitFits(alg, priv); err != nil {
		return nil, err
	}
	pk := jwks.PublishedKey{ID: kid, Algorithm: alg, Use: "sig", Key: priv}
	if kid == "" {
		tp, err := pk.Thumbprint()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
		}
		pk.ID = strings.ToLower(alg.String()) + "-" + tp[:16]
	}
	j, err := pk.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return &Key{
		kid:  pk.ID,
		alg:  alg,
		priv: priv,
		jwk:  j,
		pem:  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
	}, nil
}

// kitFits reports an error unless alg can sign with priv.
func kitFits(alg jws.Algorithm, priv crypto.Signer) error {
	ok := false
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		switch alg {
		case jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512:
			ok = true
		}
	case *ecdsa.PrivateKey:
		ok = (alg == jws.ES256 || alg == jws.ES384 || alg == jws.ES512) && k.Curve == kitCurve(alg)
	case ed25519.PrivateKey:
		ok = alg == jws.EdDSA || alg == jws.Ed25519
	default:
		return fmt.Errorf("%w: key type %T", ErrUnsupported, priv)
	}
	if !ok {
		return fmt.Errorf("%w: alg %s does not fit a %T", ErrUnsupported, alg, priv)
	}
	return nil
}

// KID returns the key's kid.
func (k *Key) KID() string { return k.kid }

// Algorithm returns the JWS algorithm the key signs with.
func (k *Key) Algorithm() jws.Algorithm { return k.alg }

// PrivateKey returns the private key: *rsa.PrivateKey, *ecdsa.PrivateKey or
// ed25519.PrivateKey.
func (k *Key) PrivateKey() crypto.Signer { return k.priv }

// PublicKey returns the public key: *rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey.
func (k *Key) PublicKey() crypto.PublicKey { return k.priv.Public() }

// PublicJWK returns the key's public JWK, byte for byte as an [Issuer]
// publishes it in its JWKS (members "kty", "kid", "use", "alg" and the
// public parameters).
func (k *Key) PublicJWK() []byte { return bytes.Clone(k.jwk) }

// PublicPEM returns the public key as a PEM "PUBLIC KEY" block (PKIX,
// RFC 5280), with its trailing newline.
func (k *Key) PublicPEM() []byte { return bytes.Clone(k.pem) }

// Published returns the key as a [jwks.PublishedKey] with use "sig", ready
// for a [jwks.Handler].
func (k *Key) Published() jwks.PublishedKey {
	return jwks.PublishedKey{ID: k.kid, Algorithm: k.alg, Use: "sig", Key: k.priv}
}

// Sign returns the JWS signature (RFC 7515 §5.1, RFC 7518 §3) of
// signingInput, the ASCII "<header>.<payload>", with the key's algorithm:
// RSASSA-PKCS1-v1_5, RSASSA-PSS (salt as long as the hash), ECDSA as the
// fixed-size big-endian r||s of RFC 7518 §3.4, or Ed25519.
func (k *Key) Sign(signingInput []byte) ([]byte, error) {
	return kitSign(k.priv, k.alg, signingInput)
}

func kitHash(alg jws.Algorithm) crypto.Hash {
	switch alg {
	case jws.RS384, jws.PS384, jws.ES384, jws.HS384:
		return crypto.SHA384
	case jws.RS512, jws.PS512, jws.ES512, jws.HS512:
		return crypto.SHA512
	default:
		return crypto.SHA256
	}
}

func kitSign(priv crypto.Signer, alg jws.Algorithm, input []byte) ([]byte, error) {
	if err := kitFits(alg, priv); err != nil {
		return nil, err
	}
	if ed, ok := priv.(ed25519.PrivateKey); ok {
		return ed25519.Sign(ed, input), nil
	}
	h := kitHash(alg).New()
	h.Write(input)
	digest := h.Sum(nil)
	switch alg {
	case jws.RS256, jws.RS384, jws.RS512:
		return rsa.SignPKCS1v15(nil, priv.(*rsa.PrivateKey), kitHash(alg), digest)
	case jws.PS256, jws.PS384, jws.PS512:
		return rsa.SignPSS(rand.Reader, priv.(*rsa.PrivateKey), kitHash(alg), digest,
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	default: // ES256, ES384, ES512
		ec := priv.(*ecdsa.PrivateKey)
		der, err := ecdsa.SignASN1(rand.Reader, ec, digest)
		if err != nil {
			return nil, fmt.Errorf("jwkstest: ECDSA signature: %w", err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &rs); err != nil {
			return nil, fmt.Errorf("jwkstest: ECDSA signature: %w", err)
		}
		size := (ec.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size)
		rs.R.FillBytes(sig[:size])
		rs.S.FillBytes(sig[size:])
		return sig, nil
	}
}

// kitSignDER returns an ECDSA signature in ASN.1 DER, the form RFC 7518
// §3.4 forbids in a JWS.
func kitSignDER(priv crypto.Signer, alg jws.Algorithm, input []byte) ([]byte, error) {
	ec, ok := priv.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: DER signature with a %T key (ECDSA only)", ErrUnsupported, priv)
	}
	h := kitHash(alg).New()
	h.Write(input)
	sig, err := ecdsa.SignASN1(rand.Reader, ec, h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("jwkstest: ECDSA signature: %w", err)
	}
	return sig, nil
}
