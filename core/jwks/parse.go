package jwks

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/jwksauth/jwksauth/core/jws"
)

// maxRSAKeyBits is the largest RSA modulus accepted, the limit of
// crypto/rsa: a larger key would cost a verification far more CPU than any
// real identity provider asks for.
const maxRSAKeyBits = 16384

// ParseSet parses a JWK Set document (RFC 7517 §5) into verification keys,
// with lestrrat-go/jwx validating each JWK. It is what [Cache] runs on every
// download and [ParseStatic] on its input, and it may be used on its own.
//
// Each key is converted into its standard library type ([Key.Public]), its
// RFC 7638 thumbprint is computed, and the algorithms it may verify are
// fixed once ([Key.Algorithms]): those that fit its type, curve and size
// (see [jws.AlgorithmsFor]), narrowed to the JWK's "alg" when it has one.
// A JWK whose "use" is neither "sig" nor absent, whose "key_ops" lacks
// "verify", or whose "alg" does not fit it yields no key. Private members
// ("d", "p", …) are ignored: only the public part is kept.
//
// A key that cannot be used is skipped and reported in skipped, one
// [*KeyError] each: malformed or invalid material ([ErrInvalidKey]), an
// unsupported type, curve or alg or an RSA modulus under 2048 bits
// ([ErrUnsupportedKey]), a symmetric key ([ErrSymmetricKey]: a fetched set
// never supplies HMAC secrets), an encryption key ([ErrNotSigningKey]).
// Skipped keys are not fatal.
//
// err is non-nil, wrapping [ErrInvalidKeySet], only when the document
// itself is malformed: not a JSON object, or without a "keys" array. A
// well-formed document with no usable key returns no keys and a nil err;
// whether that is acceptable is the caller's decision ([Cache] refuses it).
func ParseSet(data []byte) (keys []*Key, skipped []error, err error) {
	var doc struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, nil, fmt.Errorf("%w: not a JSON object", ErrInvalidKeySet)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidKeySet, err)
	}
	if doc.Keys == nil {
		return nil, nil, fmt.Errorf(`%w: no "keys" array`, ErrInvalidKeySet)
	}
	for i, raw := range *doc.Keys {
		k, err := cacheParseJWK(raw)
		if err != nil {
			skipped = append(skipped, &KeyError{Index: i, KID: cacheRawKID(raw), Err: err})
			continue
		}
		keys = append(keys, k)
	}
	return keys, skipped, nil
}

// cacheRawKID reads the "kid" of a JWK that failed to parse, for the
// report; "" if there is none.
func cacheRawKID(raw json.RawMessage) string {
	var hint struct {
		KID string `json:"kid"`
	}
	if json.Unmarshal(raw, &hint) != nil {
		return ""
	}
	return hint.KID
}

// cacheParseJWK turns one JWK of a fetched set into a verification key.
func cacheParseJWK(raw json.RawMessage) (*Key, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.TrimSpace(raw)[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidKey)
	}
	var hint struct {
		Kty any `json:"kty"`
	}
	if err := json.Unmarshal(raw, &hint); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	switch hint.Kty {
	case "RSA", "EC", "OKP", "oct":
	case nil:
		return nil, fmt.Errorf(`%w: no "kty"`, ErrUnsupportedKey)
	default:
		if kty, ok := hint.Kty.(string); ok {
			return nil, fmt.Errorf("%w: key type %.16q", ErrUnsupportedKey, kty)
		}
		return nil, fmt.Errorf(`%w: "kty" is not a string`, ErrInvalidKey)
	}
	jk, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	if jk.KeyType() == jwa.OctetSeq {
		return nil, ErrSymmetricKey
	}
	// Only the public part is ever used; a private JWK in a published set
	// is the provider's mistake, not a reason to hold its secret.
	if isPriv, err := jwk.IsPrivateKey(jk); err == nil && isPriv {
		if jk, err = jk.PublicKey(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
	}
	use := jk.KeyUsage()
	switch use {
	case "", string(jwk.ForSignature):
	case string(jwk.ForEncryption):
		return nil, fmt.Errorf(`%w: use "enc"`, ErrNotSigningKey)
	default:
		return nil, fmt.Errorf("%w: use %.32q", ErrUnsupportedKey, use)
	}
	if _, present := jk.Get(jwk.KeyOpsKey); present {
		verify := false
		for _, op := range jk.KeyOps() {
			verify = verify || op == jwk.KeyOpVerify
		}
		if !verify {
			return nil, fmt.Errorf(`%w: key_ops without "verify"`, ErrNotSigningKey)
		}
	}
	switch jk.KeyType() {
	case jwa.RSA, jwa.EC:
	case jwa.OKP:
		if ok, isOKP := jk.(jwk.OKPPublicKey); isOKP {
			switch ok.Crv() {
			case jwa.Ed25519:
			case jwa.X25519, jwa.X448:
				return nil, fmt.Errorf("%w: curve %s is for key agreement", ErrNotSigningKey, ok.Crv())
			default:
				return nil, fmt.Errorf("%w: curve %.16q", ErrUnsupportedKey, ok.Crv().String())
			}
		}
	default:
		return nil, fmt.Errorf("%w: key type %.16q", ErrUnsupportedKey, jk.KeyType().String())
	}
	if ec, isEC := jk.(jwk.ECDSAPublicKey); isEC {
		if _, ok := jwk.CurveForAlgorithm(ec.Crv()); !ok {
			return nil, fmt.Errorf("%w: curve %.16q", ErrUnsupportedKey, ec.Crv().String())
		}
	}
	if r, isRSA := jk.(jwk.RSAPublicKey); isRSA && len(bytes.TrimLeft(r.E(), "\x00")) > 4 {
		return nil, fmt.Errorf("%w: RSA exponent too large", ErrInvalidKey)
	}
	if err := jk.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	var pub any
	if err := jk.Raw(&pub); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	var alg string
	if a := jk.Algorithm(); a != nil {
		alg = a.String()
	}
	tp, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: thumbprint: %w", ErrInvalidKey, err)
	}
	return cacheNewKey(jk.KeyID(), pub, alg, use, base64.RawURLEncoding.EncodeToString(tp))
}

// cacheNewKey checks the public key material, fixes the algorithms it may
// verify and builds the [Key]. jwkAlg is the JWK "alg" ("" when absent).
func cacheNewKey(kid string, pub crypto.PublicKey, jwkAlg, use, thumbprint string) (*Key, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p == nil || p.N == nil || p.N.Sign() <= 0 {
			return nil, fmt.Errorf("%w: empty RSA modulus", ErrInvalidKey)
		}
		if bits := p.N.BitLen(); bits < jws.MinRSAKeyBits || bits > maxRSAKeyBits {
			return nil, fmt.Errorf("%w: RSA key of %d bits (%d to %d required)", ErrUnsupportedKey, bits, jws.MinRSAKeyBits, maxRSAKeyBits)
		}
		if p.E < 3 || p.E&1 == 0 || p.E > 1<<31-1 {
			return nil, fmt.Errorf("%w: RSA exponent %d", ErrInvalidKey, p.E)
		}
	case *ecdsa.PublicKey:
		if p == nil {
			return nil, fmt.Errorf("%w: empty EC key", ErrInvalidKey)
		}
		switch p.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return nil, fmt.Errorf("%w: EC curve", ErrUnsupportedKey)
		}
		// Re-parsing the encoding validates the point (on the curve, not
		// the identity) and yields the standard library's canonical key.
		enc, err := p.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
		if pub, err = ecdsa.ParseUncompressedPublicKey(p.Curve, enc); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: Ed25519 key of %d bytes", ErrInvalidKey, len(p))
		}
	default:
		return nil, fmt.Errorf("%w: key type %T", ErrUnsupportedKey, pub)
	}
	algs := jws.AlgorithmsFor(pub)
	if algs.Empty() {
		return nil, fmt.Errorf("%w: no algorithm fits the key", ErrUnsupportedKey)
	}
	var named jws.Algorithm
	if jwkAlg != "" {
		named = jws.ParseAlgorithm(jwkAlg)
		switch {
		case named == jws.Unknown && cacheIsEncryptionAlg(jwkAlg):
			return nil, fmt.Errorf("%w: alg %.32q", ErrNotSigningKey, jwkAlg)
		case named == jws.Unknown:
			return nil, fmt.Errorf("%w: alg %.32q", ErrUnsupportedKey, jwkAlg)
		case !algs.Has(named):
			return nil, fmt.Errorf("%w: alg %s does not fit the key", ErrUnsupportedKey, named)
		}
		algs = jws.Algorithms(named)
	}
	k := &Key{
		ID:         kid,
		Algorithm:  named,
		Use:        use,
		Algorithms: algs,
		Public:     pub,
		Thumbprint: thumbprint,
	}
	// Prepared once here, off the request path: for an RSA key, its
	// modulus in Montgomery form; for Ed25519, its decoded point (see
	// jws.PreparedKey).
	if p := jws.Prepare(pub); p.Accelerated() {
		k.prepared = p
	}
	return k, nil
}

// cacheIsEncryptionAlg reports whether name is a JWE key-management
// algorithm (RFC 7518 §4), which marks a key published for encryption.
func cacheIsEncryptionAlg(name string) bool {
	for _, p := range [...]string{"RSA1_5", "RSA-OAEP", "ECDH-ES", "A128", "A192", "A256", "PBES2", "dir"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// cacheThumbprint computes the RFC 7638 SHA-256 thumbprint of a standard
// library public key or of an HMAC secret ([]byte).
func cacheThumbprint(key any) (string, error) {
	jk, err := jwk.FromRaw(key)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	tp, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("%w: thumbprint: %w", ErrInvalidKey, err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// errCacheNoKeys is reported when a set parses but holds no usable key.
var errCacheNoKeys = errors.New("no usable key")
