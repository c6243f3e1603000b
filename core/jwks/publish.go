package jwks

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"unicode/utf8"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// MinPublishedRSABits is the smallest RSA modulus, in bits, that a [Handler]
// publishes (RFC 7518 §3.3 requires at least 2048).
const MinPublishedRSABits = 2048

// ErrNotPublishable is returned, wrapped with the reason, for a
// [PublishedKey] that a [Handler] refuses to publish: a symmetric key, an RSA
// key under [MinPublishedRSABits], an unsupported key type or curve, a
// missing or invalid kid, an alg that does not fit the key, an unknown use.
var ErrNotPublishable = errors.New("jwks: key cannot be published")

// ErrKIDInUse is returned when a key set to publish holds two keys with the
// same kid, or when a key is added under a kid that is already published.
var ErrKIDInUse = errors.New("jwks: kid already published")

// PublishedKey is one key to publish in a JWKS document: a public key (or a
// private key, of which only the public half is ever written) with the JWK
// members "kid", "alg" and "use".
//
// Key holds one of *rsa.PrivateKey, *rsa.PublicKey, *ecdsa.PrivateKey,
// *ecdsa.PublicKey (P-256, P-384 or P-521), ed25519.PrivateKey,
// ed25519.PublicKey, or a [jwk.Key] of type RSA, EC or OKP (Ed25519).
// Symmetric keys ([]byte, "oct" JWKs) are refused: an HMAC secret is never
// published.
//
// The JSON encoding of a PublishedKey ([PublishedKey.MarshalJSON]) is its
// public JWK.
type PublishedKey struct {
	// ID is the JWK "kid". It is required, unless Key is a [jwk.Key] with a
	// kid, which is then used.
	ID string
	// Algorithm is the JWK "alg"; [jws.Unknown] leaves the member out (or, for
	// a [jwk.Key], takes the key's own "alg"). It must fit the key: RS*/PS*
	// for RSA, ES256/ES384/ES512 for P-256/P-384/P-521, EdDSA or Ed25519 for
	// Ed25519. [jws.None] and HMAC algorithms are refused.
	Algorithm jws.Algorithm
	// Use is the JWK "use": "sig", "enc", or "" to leave the member out (or,
	// for a [jwk.Key], to take the key's own "use"). An "enc" key cannot name
	// a signature algorithm.
	Use string
	// Key is the key, private or public; see the type's documentation.
	Key any
}

// MarshalJSON returns the public JWK of k: the members "kty", "kid", "use",
// "alg", then "n" and "e" (RSA), "crv", "x" and "y" (EC) or "crv" and "x"
// (OKP), in that order, and nothing else. No private member is ever written,
// whatever k.Key holds. The output is deterministic.
func (k PublishedKey) MarshalJSON() ([]byte, error) {
	e, err := pubNormalize(k)
	if err != nil {
		return nil, err
	}
	return e.json, nil
}

// Public returns the public half of k.Key as a standard library key
// (*rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey), after the checks
// a [Handler] makes before publishing it (a missing kid aside).
func (k PublishedKey) Public() (crypto.PublicKey, error) {
	e, err := pubNormalizeKey(k, false)
	if err != nil {
		return nil, err
	}
	return e.public, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of k's public key,
// base64url-encoded without padding. It needs no kid: the thumbprint is a
// common way to derive one.
func (k PublishedKey) Thumbprint() (string, error) {
	e, err := pubNormalizeKey(k, false)
	if err != nil {
		return "", err
	}
	var b []byte
	switch e.kty {
	case "RSA":
		b = fmt.Appendf(nil, `{"e":"%s","kty":"RSA","n":"%s"}`, e.e, e.n)
	case "EC":
		b = fmt.Appendf(nil, `{"crv":"%s","kty":"EC","x":"%s","y":"%s"}`, e.crv, e.x, e.y)
	default:
		b = fmt.Appendf(nil, `{"crv":"%s","kty":"OKP","x":"%s"}`, e.crv, e.x)
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// MarshalPublicKeySet returns the JWKS document {"keys":[…]} holding the
// public JWK of each key, in the order given, exactly as a [Handler] serves
// it. It fails if a key cannot be published or two keys share a kid.
func MarshalPublicKeySet(keys ...PublishedKey) ([]byte, error) {
	entries, err := pubNormalizeAll(keys)
	if err != nil {
		return nil, err
	}
	return pubRenderSet(entries), nil
}

// pubEntry is a key ready to publish: its public key and rendered JWK.
type pubEntry struct {
	kid, alg, use string
	kty           string
	n, e          string // RSA
	crv, x, y     string // EC, OKP
	public        crypto.PublicKey
	json          []byte
}

func pubNormalizeAll(keys []PublishedKey) ([]pubEntry, error) {
	entries := make([]pubEntry, 0, len(keys))
	seen := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		e, err := pubNormalize(k)
		if err != nil {
			return nil, err
		}
		if _, dup := seen[e.kid]; dup {
			return nil, fmt.Errorf("%w: %q appears twice", ErrKIDInUse, e.kid)
		}
		seen[e.kid] = struct{}{}
		entries = append(entries, e)
	}
	return entries, nil
}

func pubNormalize(k PublishedKey) (pubEntry, error) { return pubNormalizeKey(k, true) }

// pubNormalizeKey checks k and renders its public JWK. Without needKID, a
// missing kid is allowed (for Public and Thumbprint, which do not use it).
func pubNormalizeKey(k PublishedKey, needKID bool) (pubEntry, error) {
	e := pubEntry{kid: k.ID, use: k.Use}
	alg := k.Algorithm
	raw := k.Key
	if jk, ok := raw.(jwk.Key); ok {
		if jk == nil {
			return e, fmt.Errorf("%w: kid %q: nil jwk.Key", ErrNotPublishable, k.ID)
		}
		if jk.KeyType() == jwa.OctetSeq {
			return e, fmt.Errorf("%w: kid %q: symmetric (oct) key", ErrNotPublishable, k.ID)
		}
		if e.kid == "" {
			e.kid = jk.KeyID()
		}
		if e.use == "" {
			e.use = jk.KeyUsage()
		}
		if alg == jws.Unknown && jk.Algorithm() != nil && jk.Algorithm().String() != "" {
			name := jk.Algorithm().String()
			if alg = jws.ParseAlgorithm(name); alg == jws.Unknown {
				return e, fmt.Errorf("%w: kid %q: jwk alg %q is not a signature algorithm", ErrNotPublishable, e.kid, name)
			}
		}
		var r any
		if err := jk.Raw(&r); err != nil {
			return e, fmt.Errorf("%w: kid %q: %w", ErrNotPublishable, e.kid, err)
		}
		raw = r
	}
	if e.kid == "" && needKID {
		return e, fmt.Errorf("%w: missing kid", ErrNotPublishable)
	}
	if !utf8.ValidString(e.kid) {
		return e, fmt.Errorf("%w: kid %q is not valid UTF-8", ErrNotPublishable, e.kid)
	}
	switch e.use {
	case "", "sig", "enc":
	default:
		return e, fmt.Errorf("%w: kid %q: use %q (want \"sig\", \"enc\" or none)", ErrNotPublishable, e.kid, e.use)
	}
	if alg == jws.None || alg.IsSymmetric() || alg.String() == "" && alg != jws.Unknown {
		return e, fmt.Errorf("%w: kid %q: alg %q is not a public-key signature algorithm", ErrNotPublishable, e.kid, alg)
	}
	if e.use == "enc" && alg != jws.Unknown {
		return e, fmt.Errorf("%w: kid %q: use \"enc\" with signature alg %s", ErrNotPublishable, e.kid, alg)
	}

	b64 := base64.RawURLEncoding.EncodeToString
	switch key := raw.(type) {
	case *rsa.PrivateKey:
		if key == nil {
			return e, fmt.Errorf("%w: kid %q: nil key", ErrNotPublishable, e.kid)
		}
		raw = &key.PublicKey
	case *ecdsa.PrivateKey:
		if key == nil {
			return e, fmt.Errorf("%w: kid %q: nil key", ErrNotPublishable, e.kid)
		}
		raw = &key.PublicKey
	case ed25519.PrivateKey:
		if len(key) != ed25519.PrivateKeySize {
			return e, fmt.Errorf("%w: kid %q: Ed25519 private key of %d bytes", ErrNotPublishable, e.kid, len(key))
		}
		raw = key.Public()
	}
	switch key := raw.(type) {
	case *rsa.PublicKey:
		if key == nil || key.N == nil || key.N.Sign() <= 0 || key.N.Bit(0) == 0 {
			return e, fmt.Errorf("%w: kid %q: invalid RSA modulus", ErrNotPublishable, e.kid)
		}
		if bits := key.N.BitLen(); bits < MinPublishedRSABits {
			return e, fmt.Errorf("%w: kid %q: RSA key of %d bits, at least %d required", ErrNotPublishable, e.kid, bits, MinPublishedRSABits)
		}
		if key.E < 3 || key.E%2 == 0 {
			return e, fmt.Errorf("%w: kid %q: invalid RSA exponent %d", ErrNotPublishable, e.kid, key.E)
		}
		switch alg {
		case jws.Unknown, jws.RS256, jws.RS384, jws.RS512, jws.PS256, jws.PS384, jws.PS512:
		default:
			return e, fmt.Errorf("%w: kid %q: alg %s does not fit an RSA key", ErrNotPublishable, e.kid, alg)
		}
		pub := &rsa.PublicKey{N: new(big.Int).Set(key.N), E: key.E}
		e.kty, e.n, e.e, e.public = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes()), pub
	case *ecdsa.PublicKey:
		if key == nil || key.Curve == nil {
			return e, fmt.Errorf("%w: kid %q: invalid EC key", ErrNotPublishable, e.kid)
		}
		var want jws.Algorithm
		switch key.Curve {
		case elliptic.P256():
			e.crv, want = "P-256", jws.ES256
		case elliptic.P384():
			e.crv, want = "P-384", jws.ES384
		case elliptic.P521():
			e.crv, want = "P-521", jws.ES512
		default:
			return e, fmt.Errorf("%w: kid %q: unsupported curve %s", ErrNotPublishable, e.kid, key.Curve.Params().Name)
		}
		if alg != jws.Unknown && alg != want {
			return e, fmt.Errorf("%w: kid %q: alg %s does not fit curve %s", ErrNotPublishable, e.kid, alg, e.crv)
		}
		point, err := key.Bytes() // 0x04 || X || Y, fixed size, checked on the curve
		if err != nil {
			return e, fmt.Errorf("%w: kid %q: %w", ErrNotPublishable, e.kid, err)
		}
		size := (len(point) - 1) / 2
		pub, err := ecdsa.ParseUncompressedPublicKey(key.Curve, point)
		if err != nil {
			return e, fmt.Errorf("%w: kid %q: %w", ErrNotPublishable, e.kid, err)
		}
		e.kty, e.x, e.y, e.public = "EC", b64(point[1:1+size]), b64(point[1+size:]), pub
	case ed25519.PublicKey:
		if len(key) != ed25519.PublicKeySize {
			return e, fmt.Errorf("%w: kid %q: Ed25519 public key of %d bytes", ErrNotPublishable, e.kid, len(key))
		}
		if alg != jws.Unknown && alg != jws.EdDSA && alg != jws.Ed25519 {
			return e, fmt.Errorf("%w: kid %q: alg %s does not fit an Ed25519 key", ErrNotPublishable, e.kid, alg)
		}
		pub := bytes.Clone(key)
		e.kty, e.crv, e.x, e.public = "OKP", "Ed25519", b64(pub), ed25519.PublicKey(pub)
	case []byte:
		return e, fmt.Errorf("%w: kid %q: symmetric key", ErrNotPublishable, e.kid)
	case nil:
		return e, fmt.Errorf("%w: kid %q: no key", ErrNotPublishable, e.kid)
	default:
		return e, fmt.Errorf("%w: kid %q: unsupported key type %T", ErrNotPublishable, e.kid, raw)
	}
	if alg != jws.Unknown {
		e.alg = alg.String()
	}
	e.json = pubRenderKey(nil, &e)
	return e, nil
}

// pubRenderKey appends the public JWK of e to dst. Only the members named
// here can ever be written.
func pubRenderKey(dst []byte, e *pubEntry) []byte {
	dst = append(dst, `{"kty":`...)
	dst = pubAppendString(dst, e.kty)
	dst = append(dst, `,"kid":`...)
	dst = pubAppendString(dst, e.kid)
	if e.use != "" {
		dst = append(dst, `,"use":`...)
		dst = pubAppendString(dst, e.use)
	}
	if e.alg != "" {
		dst = append(dst, `,"alg":`...)
		dst = pubAppendString(dst, e.alg)
	}
	switch e.kty {
	case "RSA":
		dst = append(dst, `,"n":`...)
		dst = pubAppendString(dst, e.n)
		dst = append(dst, `,"e":`...)
		dst = pubAppendString(dst, e.e)
	case "EC":
		dst = append(dst, `,"crv":`...)
		dst = pubAppendString(dst, e.crv)
		dst = append(dst, `,"x":`...)
		dst = pubAppendString(dst, e.x)
		dst = append(dst, `,"y":`...)
		dst = pubAppendString(dst, e.y)
	case "OKP":
		dst = append(dst, `,"crv":`...)
		dst = pubAppendString(dst, e.crv)
		dst = append(dst, `,"x":`...)
		dst = pubAppendString(dst, e.x)
	}
	return append(dst, '}')
}

func pubRenderSet(entries []pubEntry) []byte {
	n := len(`{"keys":[]}`)
	for i := range entries {
		n += len(entries[i].json) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"keys":[`...)
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, entries[i].json...)
	}
	return append(b, "]}"...)
}

// pubAppendString appends s (valid UTF-8) as a JSON string.
func pubAppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
