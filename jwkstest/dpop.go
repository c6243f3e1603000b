package jwkstest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// DPoPProof describes a DPoP proof (RFC 9449 §4.2) for [Key.DPoP]. Zero
// fields get the values of a valid proof; the others make the hostile
// proofs a verifier must reject.
type DPoPProof struct {
	// Method and URL are htm and htu.
	Method, URL string
	// AccessToken, when set, makes ath its SHA-256 hash.
	AccessToken string
	// Nonce, when set, is the nonce claim.
	Nonce string
	// IssuedAt is iat. Default: time.Now().
	IssuedAt time.Time
	// ID is jti. Default: 16 random bytes, base64url.
	ID string
	// Typ is the typ header. Default: "dpop+jwt".
	Typ string
	// Header and Claims add or replace members of the header and the
	// claims; a nil value removes the member.
	Header, Claims map[string]any
	// PrivateJWK puts the private key's members in the jwk header.
	PrivateJWK bool
	// BadSignature flips a bit of the signature.
	BadSignature bool
}

// Thumbprint returns the RFC 7638 thumbprint of the key's public JWK,
// base64url: the cnf.jkt of tokens bound to it.
func (k *Key) Thumbprint() string {
	var j map[string]any
	_ = json.Unmarshal(k.jwk, &j) // the kit's own JSON
	var canon []byte
	switch j["kty"] {
	case "EC":
		canon, _ = json.Marshal(struct {
			Crv any `json:"crv"`
			Kty any `json:"kty"`
			X   any `json:"x"`
			Y   any `json:"y"`
		}{j["crv"], j["kty"], j["x"], j["y"]})
	case "RSA":
		canon, _ = json.Marshal(struct {
			E   any `json:"e"`
			Kty any `json:"kty"`
			N   any `json:"n"`
		}{j["e"], j["kty"], j["n"]})
	default: // OKP
		canon, _ = json.Marshal(struct {
			Crv any `json:"crv"`
			Kty any `json:"kty"`
			X   any `json:"x"`
		}{j["crv"], j["kty"], j["x"]})
	}
	sum := sha256.Sum256(canon)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// DPoP signs a DPoP proof with the key, its public JWK in the jwk header.
func (k *Key) DPoP(p DPoPProof) (string, error) {
	var jwk map[string]any
	if err := json.Unmarshal(k.jwk, &jwk); err != nil {
		return "", err
	}
	if p.PrivateJWK {
		switch priv := k.priv.(type) {
		case *ecdsa.PrivateKey:
			b, err := priv.Bytes()
			if err != nil {
				return "", err
			}
			jwk["d"] = base64.RawURLEncoding.EncodeToString(b)
		case *rsa.PrivateKey:
			jwk["d"] = base64.RawURLEncoding.EncodeToString(priv.D.Bytes())
		case ed25519.PrivateKey:
			jwk["d"] = base64.RawURLEncoding.EncodeToString(priv.Seed())
		}
	}
	typ := p.Typ
	if typ == "" {
		typ = "dpop+jwt"
	}
	header := map[string]any{"typ": typ, "alg": k.alg.String(), "jwk": jwk}
	iat := p.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	id := p.ID
	if id == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		id = base64.RawURLEncoding.EncodeToString(b)
	}
	claims := map[string]any{"jti": id, "htm": p.Method, "htu": p.URL, "iat": iat.Unix()}
	if p.AccessToken != "" {
		sum := sha256.Sum256([]byte(p.AccessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if p.Nonce != "" {
		claims["nonce"] = p.Nonce
	}
	override(header, p.Header)
	override(claims, p.Claims)
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	sig, err := k.Sign([]byte(input))
	if err != nil {
		return "", fmt.Errorf("jwkstest: DPoP proof: %w", err)
	}
	if p.BadSignature {
		sig[len(sig)/2] ^= 1
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func override(dst, src map[string]any) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
}
