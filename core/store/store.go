package store

import (
	"context"
	"errors"
	"time"
)

// ErrUnavailable: the store cannot answer (a shared store is down or too
// slow). What a caller does then is its policy: jwksauth fails closed for
// replay checks and follows [RevocationPolicy] for revocation.
var ErrUnavailable = errors.New("jwksauth: store unavailable")

// Replay records identifiers that may be used once.
type Replay interface {
	// Use records key until exp and reports whether this is its first use:
	// true the first time, false for every later use before exp. Keys
	// already namespaced by the caller (issuer, purpose) are opaque here.
	// An error wraps [ErrUnavailable] when the store cannot tell; the
	// caller must then not assume the key is fresh.
	Use(ctx context.Context, key string, exp time.Time) (fresh bool, err error)
}

// Revocation is a deny list of tokens.
type Revocation interface {
	// Revoked reports whether the token t describes is revoked: its jti is
	// on the list, or its subject is, with the token issued before the
	// subject's entry was made. An error wraps [ErrUnavailable] when the
	// store cannot tell.
	Revoked(ctx context.Context, t Token) (bool, error)
	// Revoke adds e to the list.
	Revoke(ctx context.Context, e Entry) error
}

// Token is what a revocation check needs of a verified token.
type Token struct {
	Issuer, Subject, ID string
	// IssuedAt is iat; zero when absent (a subject's revocation then
	// covers the token).
	IssuedAt time.Time
}

// Entry is one revocation.
type Entry struct {
	// Issuer scopes the entry: a subject or jti is only meaningful within
	// its issuer. Required.
	Issuer string
	// ID, when set, revokes the token with this jti.
	ID string
	// Subject, when set (and ID is not), revokes every token of the
	// subject issued before Before.
	Subject string
	// Before is the instant before which the subject's tokens are revoked;
	// zero means the time of the call to Revoke.
	Before time.Time
	// Until is when the entry may be forgotten: no token it covers is
	// valid any longer then (the token's exp, or for a subject now plus the
	// longest token lifetime). Required.
	Until time.Time
}

// Validate checks e.
func (e Entry) Validate() error {
	switch {
	case e.Issuer == "":
		return errors.New("jwksauth: revocation entry without an issuer")
	case e.ID == "" && e.Subject == "":
		return errors.New("jwksauth: revocation entry names neither a jti nor a subject")
	case e.Until.IsZero():
		return errors.New("jwksauth: revocation entry without an expiry (Until)")
	}
	return nil
}

// RevocationPolicy says what to do with a token when the revocation store
// cannot answer.
type RevocationPolicy uint8

const (
	// FailClosed rejects the token (503, keys of the problem: ours): no
	// revoked token is ever accepted. The default.
	FailClosed RevocationPolicy = iota
	// FailOpen accepts the token, and logs and counts it: availability
	// over revocation, for short store outages.
	FailOpen
)

// ErrRevoked: the token is on the deny list (HTTP 401 invalid_token).
var ErrRevoked = errors.New("jwksauth: token revoked")
