package jwks

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/jwksauth/jwksauth/core/jws"
)

// Static is a fixed set of verification keys, for service-to-service
// tokens whose keys are configured rather than discovered. It implements
// [Source] without goroutines, network or clock; it never changes, so
// [Static.Contains] is true for its keys for ever.
//
// A key without a kid in a Static set also verifies tokens whose kid
// matches no key of the set (a single PEM key verifies whatever kid its
// issuer stamps); a key with a kid only verifies tokens with that kid or
// without one. Lookups otherwise follow [Source.Key].
type Static struct {
	set *cacheSet
}

// NewStatic returns a static set of keys. Each key must be complete, as
// [NewStaticKey], [ParseSet] and the other constructors of this package
// make them: a Public key or (for HMAC) a Secret, never both, and a
// non-empty Algorithms that fits it. At least one key is required.
func NewStatic(keys ...*Key) (*Static, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidKeySet)
	}
	for i, k := range keys {
		if err := staticCheck(k); err != nil {
			return nil, fmt.Errorf("jwks: static key %d: %w", i, err)
		}
	}
	return &Static{set: newCacheSet(keys, true)}, nil
}

// staticCheck verifies that a hand-made key is consistent.
func staticCheck(k *Key) error {
	switch {
	case k == nil:
		return fmt.Errorf("%w: nil key", ErrInvalidKey)
	case k.Algorithms.Empty():
		return fmt.Errorf("%w: no algorithms", ErrInvalidKey)
	case k.Public != nil && k.Secret != nil:
		return fmt.Errorf("%w: both a public key and a secret", ErrInvalidKey)
	case k.Secret != nil:
		if fit := jws.AlgorithmsForSecret(k.Secret); k.Algorithms.Intersect(fit) != k.Algorithms {
			return fmt.Errorf("%w: algorithms %s do not fit a %d-byte secret", ErrUnsupportedKey, k.Algorithms, len(k.Secret))
		}
	default:
		if fit := jws.AlgorithmsFor(k.Public); k.Algorithms.Intersect(fit) != k.Algorithms {
			return fmt.Errorf("%w: algorithms %s do not fit the key", ErrUnsupportedKey, k.Algorithms)
		}
	}
	return nil
}

// NewStaticKey returns the verification key for a standard library public
// key (*rsa.PublicKey of 2048 bits or more, *ecdsa.PublicKey on P-256,
// P-384 or P-521, or ed25519.PublicKey), to pass to [NewStatic]. kid may be
// "". alg restricts the key to one algorithm, which must fit it;
// [jws.Unknown] allows every algorithm that fits (see [jws.AlgorithmsFor]).
func NewStaticKey(kid string, pub crypto.PublicKey, alg jws.Algorithm) (*Key, error) {
	tp, err := cacheThumbprint(pub)
	if err != nil {
		return nil, err
	}
	var name string
	if alg != jws.Unknown {
		if name = alg.String(); name == "" || alg == jws.None {
			return nil, fmt.Errorf("%w: algorithm %d", ErrUnsupportedKey, alg)
		}
	}
	return cacheNewKey(kid, pub, name, "", tp)
}

// NewStaticSymmetric returns a static set holding one HMAC secret, for
// tokens signed with alg (HS256, HS384 or HS512). HMAC is only ever
// enabled this way, by explicit configuration: a fetched key set never
// supplies secrets. RFC 7518 §3.2 requires a secret at least as long as the
// hash: 32 bytes for HS256, 48 for HS384, 64 for HS512. The secret is
// copied.
func NewStaticSymmetric(kid string, secret []byte, alg jws.Algorithm) (*Static, error) {
	if !alg.IsSymmetric() {
		return nil, fmt.Errorf("%w: %q is not an HMAC algorithm", ErrUnsupportedKey, alg.String())
	}
	if !jws.AlgorithmsForSecret(secret).Has(alg) {
		return nil, fmt.Errorf("%w: a %d-byte secret is too short for %s", ErrUnsupportedKey, len(secret), alg)
	}
	secret = bytes.Clone(secret)
	tp, err := cacheThumbprint(secret)
	if err != nil {
		return nil, err
	}
	k := &Key{ID: kid, Algorithm: alg, Algorithms: jws.Algorithms(alg), Secret: secret, Thumbprint: tp}
	return &Static{set: newCacheSet([]*Key{k}, true)}, nil
}

// ParseStatic returns a static set from a JWKS document (see [ParseSet]).
// Keys that are not meant for signatures ([ErrNotSigningKey], such as the
// encryption key many providers publish) are left out; any other key that
// cannot be used is an error, since configuration should say exactly what
// it means. Symmetric keys are refused: use [NewStaticSymmetric].
func ParseStatic(jwksJSON []byte) (*Static, error) {
	keys, skipped, err := ParseSet(jwksJSON)
	if err != nil {
		return nil, err
	}
	for _, e := range skipped {
		if !errors.Is(e, ErrNotSigningKey) {
			return nil, e
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKeySet, errCacheNoKeys)
	}
	return &Static{set: newCacheSet(keys, true)}, nil
}

// ParsePEM returns a static set from PEM-encoded public keys: PKIX
// "PUBLIC KEY", PKCS #1 "RSA PUBLIC KEY" and "CERTIFICATE" blocks, in any
// number. A certificate only carries the key: its chain and validity
// period are not checked. The keys have no kid, so they verify tokens with
// any kid (see [Static]). Private key blocks are refused: a verifier
// needs only the public key.
func ParsePEM(data []byte) (*Static, error) {
	var keys []*Key
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		var pub any
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			var cert *x509.Certificate
			if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
				pub = cert.PublicKey
			}
		default:
			return nil, fmt.Errorf("%w: PEM block %.32q", ErrUnsupportedKey, block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: PEM block %d: %w", ErrInvalidKey, len(keys), err)
		}
		k, err := NewStaticKey("", pub, jws.Unknown)
		if err != nil {
			return nil, fmt.Errorf("jwks: PEM block %d: %w", len(keys), err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no PEM public key", ErrInvalidKey)
	}
	return &Static{set: newCacheSet(keys, true)}, nil
}

// Key returns the key with ID kid that may verify alg; see [Source.Key]
// and [Static] for keys without a kid. ctx is unused: a static set never
// waits.
func (s *Static) Key(_ context.Context, kid string, alg jws.Algorithm) (*Key, error) {
	k, r := s.set.lookup(kid, alg)
	if r == cacheHit {
		return k, nil
	}
	return nil, cacheLookupError(r, kid, alg)
}

// Contains reports whether k is one of the set's keys.
func (s *Static) Contains(k *Key) bool { return s.set.contains(k) }

// Keys returns the set's keys, in the order they were given.
func (s *Static) Keys() []*Key { return append([]*Key(nil), s.set.keys...) }
