package dpop

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// DefaultNonceLifetime is how long a nonce is accepted when
// [NonceSource] is built with a zero lifetime: five minutes.
const DefaultNonceLifetime = 5 * time.Minute

// NonceSource issues and checks server nonces (RFC 9449 §8) without
// storing them: a nonce is the time of its epoch with an HMAC of it, so
// every replica built with the same key accepts every replica's nonces. A
// new nonce is issued every half lifetime; each is accepted for one
// lifetime.
type NonceSource struct {
	key      []byte
	lifetime time.Duration
}

// NewNonceSource returns a source keyed with key (at least 32 bytes; share
// it across the replicas of a service), or with a random key when key is
// nil (one replica only: another replica rejects its nonces). lifetime 0
// means [DefaultNonceLifetime].
func NewNonceSource(key []byte, lifetime time.Duration) (*NonceSource, error) {
	if key == nil {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	if len(key) < 32 {
		return nil, errors.New("jwksauth: a DPoP nonce key must have at least 32 bytes")
	}
	if lifetime == 0 {
		lifetime = DefaultNonceLifetime
	}
	if lifetime < 2*time.Second {
		return nil, errors.New("jwksauth: DPoP nonce lifetime under 2 s")
	}
	return &NonceSource{key: append([]byte(nil), key...), lifetime: lifetime}, nil
}

// Current returns the nonce to hand clients at time now (the DPoP-Nonce
// header).
func (n *NonceSource) Current(now time.Time) string {
	step := int64(n.lifetime / 2)
	epoch := now.UnixNano() / step * step
	return n.make(epoch)
}

// Valid reports whether nonce was issued by a source with the same key
// within one lifetime before now.
func (n *NonceSource) Valid(nonce string, now time.Time) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(nonce)
	if err != nil || len(b) != 8+16 {
		return false
	}
	epoch := int64(binary.BigEndian.Uint64(b[:8]))
	if subtle.ConstantTimeCompare([]byte(n.make(epoch)), []byte(nonce)) != 1 {
		return false
	}
	age := now.UnixNano() - epoch
	return age >= -int64(time.Second) && age <= int64(n.lifetime)
}

func (n *NonceSource) make(epoch int64) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(epoch))
	m := hmac.New(sha256.New, n.key)
	m.Write(b[:8])
	copy(b[8:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}
