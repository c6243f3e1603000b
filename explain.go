package jwksauth

import (
	"context"
	"fmt"
	"time"

	"github.com/jwksauth/jwksauth/core/claims"
	"github.com/jwksauth/jwksauth/core/jws"
)

// Explanation is the step-by-step account of one verification, for
// debugging tools such as the jwksauth command. Its parts never contain the
// token or its signature.
type Explanation struct {
	// Header is the token's decoded JOSE header; nil if it did not parse.
	Header *jws.Header
	// Claims are the decoded (unverified when Err is set) claims; nil if
	// the payload did not decode.
	Claims *Claims
	// Key is the key the token was checked with; nil if none was found.
	Key *KeyInfo
	// Step names the step that failed: "parse", "issuer", "alg", "key",
	// "signature", "typ", "claims", "requirements"; "" on success.
	Step string
	// Err is the verification's error, exactly as [Authenticator.Authenticate]
	// followed by [Check] returns it; nil when the token passes.
	Err error
	// Answer is the HTTP answer a client gets for Err (200 on success).
	Answer Answer
	// Now is the time the claims were checked at.
	Now time.Time
}

// KeyInfo describes the key a token was checked with.
type KeyInfo struct {
	// ID is the key's kid.
	ID string
	// Algorithms are the algorithms the key may verify.
	Algorithms string
	// Thumbprint is the key's RFC 7638 thumbprint.
	Thumbprint string
}

// Explain verifies token as [Authenticator.Authenticate] does, through the
// same parser, issuer routing, key source, signature check and claims
// validation, then checks reqs with [Check], and records how far it got. It
// bypasses the verified-token cache, so every step runs. It is meant for
// diagnostics, not for the request path.
func (a *Authenticator) Explain(ctx context.Context, token string, reqs ...Requirement) *Explanation {
	ex := &Explanation{Now: a.clock.Now()}
	fail := func(step string, err error) *Explanation {
		ex.Step, ex.Err, ex.Answer = step, err, a.Answer(err)
		return ex
	}
	var p jws.Parser
	p.MaxTokenSize = a.maxTokenSize
	tok, err := p.Parse(token)
	if err != nil {
		return fail("parse", err)
	}
	h := tok.Header.Clone()
	ex.Header = &h
	iss, c, err := a.route(tok.Payload)
	if c != nil {
		ex.Claims = c
	}
	if err != nil {
		if c == nil {
			// Decoded for the report only: the token is rejected already.
			ex.Claims, _ = claims.Decode(tok.Payload, nil)
		}
		return fail("issuer", err)
	}
	if !iss.algs.Has(tok.Header.Alg) {
		return fail("alg", fmt.Errorf("%w: %s is not allowed for this issuer", ErrAlgorithm, tok.Header.Alg))
	}
	key, err := iss.keys.Key(ctx, tok.Header.KeyID, tok.Header.Alg)
	if err != nil {
		return fail("key", err)
	}
	ex.Key = &KeyInfo{ID: key.ID, Algorithms: key.Algorithms.String(), Thumbprint: key.Thumbprint}
	if err := a.verify(key, tok); err != nil {
		return fail("signature", err)
	}
	if iss.typ != "" && !tok.Header.TypeIs(iss.typ) {
		return fail("typ", fmt.Errorf("%w: typ does not match the required %q", ErrTokenType, iss.typ))
	}
	if err := iss.validation.Validate(c, ex.Now); err != nil {
		return fail("claims", err)
	}
	if err := Check(c, reqs...); err != nil {
		return fail("requirements", err)
	}
	ex.Answer = Answer{Status: 200}
	return ex
}
