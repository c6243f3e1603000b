package rotate

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks"
	"github.com/jwksauth/jwksauth/core/jws"
)

// GenerateRecord generates a key for alg (RS256 with rsaBits ≥ 2048,
// ES256 on P-256, or EdDSA on Ed25519) and returns its record, with the kid
// set to the key's RFC 7638 thumbprint. Created is now; ActivateAt is left
// for the caller.
func GenerateRecord(alg jws.Algorithm, rsaBits int, now time.Time) (Record, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case jws.RS256:
		if rsaBits < 2048 {
			return Record{}, fmt.Errorf("%w: RSA keys of %d bits; at least 2048", ErrSchedule, rsaBits)
		}
		priv, err = rsa.GenerateKey(rand.Reader, rsaBits)
	case jws.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jws.EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return Record{}, fmt.Errorf("%w: cannot generate %s keys (RS256, ES256, EdDSA)", ErrSchedule, alg)
	}
	if err != nil {
		return Record{}, fmt.Errorf("rotate: generating a %s key: %w", alg, err)
	}
	return NewRecord(priv, alg, now)
}

// NewRecord returns the record of an existing private key, with the kid set
// to its RFC 7638 thumbprint.
func NewRecord(priv crypto.Signer, alg jws.Algorithm, now time.Time) (Record, error) {
	pk := jwks.PublishedKey{Algorithm: alg, Use: "sig", Key: priv}
	kid, err := pk.Thumbprint()
	if err != nil {
		return Record{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return Record{}, fmt.Errorf("rotate: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return Record{}, fmt.Errorf("rotate: %w", err)
	}
	return Record{
		ID:         kid,
		Algorithm:  alg.String(),
		Created:    now.UTC(),
		ActivateAt: now.UTC(),
		Private:    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		Public:     string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
	}, nil
}

// SigningKey is a private key with its kid and algorithm: the active key
// of a [Manager], or any key of a stored record.
type SigningKey struct {
	// ID is the kid written in the header of signed tokens.
	ID string
	// Algorithm is the JWS algorithm.
	Algorithm jws.Algorithm
	// Signer is the private key.
	Signer crypto.Signer
}

// PrivateKey parses the record's private key; it fails for a retired key,
// whose private key was erased.
func (r Record) PrivateKey() (SigningKey, error) {
	alg := jws.ParseAlgorithm(r.Algorithm)
	if r.Private == "" {
		return SigningKey{}, fmt.Errorf("%w: key %s has no private key (retired)", ErrStore, r.ID)
	}
	b, _ := pem.Decode([]byte(r.Private))
	if b == nil || b.Type != "PRIVATE KEY" {
		return SigningKey{}, fmt.Errorf("%w: key %s: not a PKCS #8 PEM private key", ErrStore, r.ID)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return SigningKey{}, fmt.Errorf("%w: key %s: %w", ErrStore, r.ID, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return SigningKey{}, fmt.Errorf("%w: key %s: %T is not a signer", ErrStore, r.ID, k)
	}
	return SigningKey{ID: r.ID, Algorithm: alg, Signer: s}, nil
}

// PublicKey parses the record's public key.
func (r Record) PublicKey() (crypto.PublicKey, error) {
	b, _ := pem.Decode([]byte(r.Public))
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w: key %s: not a PKIX PEM public key", ErrStore, r.ID)
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %w", ErrStore, r.ID, err)
	}
	return k, nil
}

// Published returns the record as a key to publish: its public key only.
func (r Record) Published() (jwks.PublishedKey, error) {
	pub, err := r.PublicKey()
	if err != nil {
		return jwks.PublishedKey{}, err
	}
	return jwks.PublishedKey{ID: r.ID, Algorithm: jws.ParseAlgorithm(r.Algorithm), Use: "sig", Key: pub}, nil
}

// Sign returns the compact JWS of payload signed with k, with the header
// {"alg", "kid", "typ"} (typ omitted when empty).
func (k SigningKey) Sign(payload []byte, typ string) (string, error) {
	hdr := struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ,omitempty"`
	}{k.Algorithm.String(), k.ID, typ}
	h, err := json.Marshal(hdr)
	if err != nil {
		return "", fmt.Errorf("rotate: %w", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(payload)
	var sig []byte
	switch k.Algorithm {
	case jws.RS256:
		key, ok := k.Signer.(*rsa.PrivateKey)
		if !ok {
			return "", fmt.Errorf("rotate: RS256 with a %T", k.Signer)
		}
		d := sha256.Sum256([]byte(input))
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	case jws.ES256:
		key, ok := k.Signer.(*ecdsa.PrivateKey)
		if !ok || key.Curve != elliptic.P256() {
			return "", fmt.Errorf("rotate: ES256 needs a P-256 key, not %T", k.Signer)
		}
		d := sha256.Sum256([]byte(input))
		var r, s interface{ FillBytes([]byte) []byte }
		rr, ss, e := ecdsa.Sign(rand.Reader, key, d[:])
		r, s, err = rr, ss, e
		if err == nil {
			sig = make([]byte, 64)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
		}
	case jws.EdDSA:
		key, ok := k.Signer.(ed25519.PrivateKey)
		if !ok {
			return "", fmt.Errorf("rotate: EdDSA with a %T", k.Signer)
		}
		sig = ed25519.Sign(key, []byte(input))
	default:
		return "", fmt.Errorf("rotate: cannot sign with %s", k.Algorithm)
	}
	if err != nil {
		return "", fmt.Errorf("rotate: signing: %w", err)
	}
	return input + "." + enc.EncodeToString(sig), nil
}
