package jwksauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/core/dpop"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/core/store"
)

// DPoPMode says whether an issuer's tokens may, or must, be
// sender-constrained with DPoP (RFC 9449).
type DPoPMode uint8

const (
	// DPoPDisabled: the DPoP scheme is not taken for the issuer's tokens
	// and cnf.jkt is ignored. The default.
	DPoPDisabled DPoPMode = iota
	// DPoPAllowed: bearer tokens are accepted, and DPoP-bound tokens
	// (cnf.jkt) are accepted only with the DPoP scheme and a valid proof;
	// a bound token sent as a bearer token is refused.
	DPoPAllowed
	// DPoPRequired: only DPoP-bound tokens with a valid proof.
	DPoPRequired
)

// String returns "disabled", "allowed" or "required".
func (m DPoPMode) String() string {
	switch m {
	case DPoPDisabled:
		return "disabled"
	case DPoPAllowed:
		return "allowed"
	case DPoPRequired:
		return "required"
	}
	return fmt.Sprintf("DPoPMode(%d)", uint8(m))
}

// ParseDPoPMode parses "disabled", "allowed" or "required" (and "" as
// disabled), for settings read from the environment.
func ParseDPoPMode(s string) (DPoPMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "disabled":
		return DPoPDisabled, nil
	case "allowed":
		return DPoPAllowed, nil
	case "required":
		return DPoPRequired, nil
	}
	return 0, fmt.Errorf("%w: DPoP mode %q: want disabled, allowed or required", ErrConfig, s)
}

// DPoPConfig configures DPoP proof checking for the issuers whose
// [Issuer].DPoP is not [DPoPDisabled].
type DPoPConfig struct {
	// Algorithms are the proof algorithms accepted (also the algs attribute
	// of DPoP challenges). Default: ES256, ES384, ES512, EdDSA, PS256,
	// RS256 and the rest of the asymmetric ones.
	Algorithms []string
	// Window is how old a proof's iat may be. Default: 5 minutes.
	Window time.Duration
	// Leeway is how far in the future a proof's iat may be. Default: 30 s.
	Leeway time.Duration
	// Nonces makes proofs carry a server nonce (RFC 9449 §8): every answer
	// carries DPoP-Nonce, and a proof without the current one is answered
	// 401 use_dpop_nonce. Default: off.
	Nonces bool
	// NonceKey keys the nonces (at least 32 bytes). Give every replica the
	// same key, or a nonce issued by one is refused by another. Default: a
	// random key (one replica).
	NonceKey []byte
	// NonceLifetime is how long a nonce is accepted. Default: 5 minutes.
	NonceLifetime time.Duration
	// TrustForwarded rebuilds the URL the client used (htu) from the
	// Forwarded header (RFC 7239: proto and host of the first element) or
	// else X-Forwarded-Proto and X-Forwarded-Host. Set it only behind a
	// proxy that sets these headers and strips the client's own: a client
	// could otherwise name any URL. Default: false (the request's own
	// scheme and Host).
	TrustForwarded bool
}

// newDPoP builds the proof verifier when an issuer takes DPoP.
func newDPoP(cfg *Config, replay store.Replay) (*dpop.Verifier, error) {
	o := dpop.Options{Window: cfg.DPoP.Window, Leeway: cfg.DPoP.Leeway, Replay: replay}
	for _, name := range cfg.DPoP.Algorithms {
		alg := jws.ParseAlgorithm(name)
		if alg == jws.Unknown || alg == jws.None || alg.IsSymmetric() {
			return nil, fmt.Errorf("%w: DPoP algorithm %q (asymmetric ones only)", ErrConfig, name)
		}
		o.Algorithms = o.Algorithms.With(alg)
	}
	if cfg.DPoP.Nonces {
		ns, err := dpop.NewNonceSource(cfg.DPoP.NonceKey, cfg.DPoP.NonceLifetime)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		o.Nonces = ns
	} else if cfg.DPoP.NonceKey != nil || cfg.DPoP.NonceLifetime != 0 {
		return nil, fmt.Errorf("%w: DPoP NonceKey or NonceLifetime without Nonces", ErrConfig)
	}
	v, err := dpop.NewVerifier(o)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return v, nil
}

// DPoPEnabled reports whether an issuer takes DPoP: adapters then fill the
// request fields of [Credentials].
func (a *Authenticator) DPoPEnabled() bool { return a.dpop != nil }

// ErrDPoPProof: the DPoP proof is missing, malformed or fails a check of
// RFC 9449 §4.3 (401 with a DPoP challenge, error="invalid_dpop_proof").
var ErrDPoPProof = dpop.ErrInvalidProof

// ErrDPoPNonce: the proof lacks the server's current nonce (401
// error="use_dpop_nonce", with a fresh DPoP-Nonce header).
var ErrDPoPNonce = dpop.ErrUseNonce

// ErrDPoPBinding: the token and the request disagree on DPoP: a
// DPoP-bound token sent as a bearer token, an unbound token sent with the
// DPoP scheme or to an issuer that requires DPoP, or a proof signed by
// another key than cnf.jkt names (401 invalid_token).
var ErrDPoPBinding = dpop.ErrBinding

// ErrTokenRevoked: the token is on the revocation list ([Config].Revocation)
// (401 invalid_token).
var ErrTokenRevoked = store.ErrRevoked

// ErrStoreUnavailable: the replay or revocation store cannot answer and the
// policy is to fail closed (503 with Retry-After).
var ErrStoreUnavailable = store.ErrUnavailable

// afterVerify runs the checks of a verified token that depend on the
// request: DPoP binding and proof, and revocation.
func (a *Authenticator) afterVerify(ctx context.Context, c *Claims, token string, isDPoP bool, cr *Credentials) error {
	if a.dpop != nil {
		mode := DPoPDisabled
		if iss, err := a.issuerFor(c.Issuer); err == nil {
			mode = iss.dpop
		}
		if err := a.checkDPoP(ctx, mode, c, token, isDPoP, cr); err != nil {
			return err
		}
	}
	if a.revocation != nil {
		revoked, err := a.revocation.Revoked(ctx, store.Token{Issuer: c.Issuer, Subject: c.Subject, ID: c.ID, IssuedAt: c.IssuedAt})
		switch {
		case err != nil && a.revocationPolicy == store.FailOpen:
			a.logger.Warn("jwksauth: revocation store unavailable; accepting the token (RevocationPolicy FailOpen)", "issuer", c.Issuer, "err", err)
		case err != nil:
			return fmt.Errorf("%w: revocation check: %w", ErrStoreUnavailable, err)
		case revoked:
			return fmt.Errorf("%w: the token's jti or subject is on the revocation list", ErrTokenRevoked)
		}
	}
	return nil
}

func (a *Authenticator) checkDPoP(ctx context.Context, mode DPoPMode, c *Claims, token string, isDPoP bool, cr *Credentials) error {
	jkt, bound := "", false
	if c.Has("cnf") {
		if v, ok := c.Get("cnf.jkt"); ok {
			jkt, _ = v.(string)
			bound = jkt != ""
		}
	}
	switch {
	case mode == DPoPDisabled && isDPoP:
		return fmt.Errorf("%w: the token's issuer does not take DPoP", ErrDPoPBinding)
	case mode == DPoPDisabled:
		return nil
	case bound && !isDPoP:
		return fmt.Errorf("%w: a DPoP-bound token (cnf.jkt) was sent as a bearer token", ErrDPoPBinding)
	case !bound && isDPoP:
		return fmt.Errorf("%w: the DPoP scheme with a token that is not DPoP-bound", ErrDPoPBinding)
	case !bound && mode == DPoPRequired:
		return fmt.Errorf("%w: the issuer's tokens must be DPoP-bound", ErrDPoPBinding)
	case !bound:
		return nil
	}
	htu, err := a.requestURL(cr)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDPoPProof, err)
	}
	_, err = a.dpop.Verify(ctx, cr.DPoP, dpop.Request{Method: cr.Method, URL: htu, AccessToken: token, JKT: jkt}, a.clock.Now())
	return err
}

// requestURL is the URL the client sent the request to, for htu.
func (a *Authenticator) requestURL(cr *Credentials) (string, error) {
	scheme, host := cr.Scheme, cr.Host
	if a.trustForwarded {
		if fs, fh, ok := forwarded(cr.Forwarded); ok {
			if fs != "" {
				scheme = fs
			}
			if fh != "" {
				host = fh
			}
		} else {
			if len(cr.XForwardedProto) > 0 {
				scheme = strings.TrimSpace(strings.Split(cr.XForwardedProto[0], ",")[0])
			}
			if len(cr.XForwardedHost) > 0 {
				host = strings.TrimSpace(strings.Split(cr.XForwardedHost[0], ",")[0])
			}
		}
	}
	if scheme == "" || host == "" || cr.Method == "" {
		return "", errors.New("the adapter did not describe the request (method, scheme, host)")
	}
	path := cr.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return strings.ToLower(scheme) + "://" + host + path, nil
}

// forwarded reads proto and host of the first element of a Forwarded
// header (RFC 7239 §4).
func forwarded(values []string) (proto, host string, ok bool) {
	if len(values) == 0 {
		return "", "", false
	}
	first, _, _ := strings.Cut(values[0], ",")
	for _, pair := range strings.Split(first, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(pair), "=")
		if !found {
			continue
		}
		v = strings.Trim(v, `"`)
		switch strings.ToLower(k) {
		case "proto":
			proto = v
		case "host":
			host = v
		}
	}
	return proto, host, proto != "" || host != ""
}

// DPoPNonce returns the DPoP nonce clients must put in their proofs now,
// for the DPoP-Nonce header of every answer, or "" when nonces are off.
func (a *Authenticator) DPoPNonce() string {
	if a.dpop == nil || a.dpop.Nonces() == nil {
		return ""
	}
	return a.dpop.Nonces().Current(a.clock.Now())
}

// algNames renders an algorithm set for the algs attribute.
func algNames(s jws.AlgorithmSet) string {
	var names []string
	for _, alg := range s.List() {
		names = append(names, alg.String())
	}
	return strings.Join(names, " ")
}
