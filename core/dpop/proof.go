package dpop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/core/store"
)

// The reasons a DPoP request is rejected (RFC 9449 §7.1).
var (
	// ErrInvalidProof: the DPoP proof is missing, malformed, or fails a
	// check of RFC 9449 §4.3 (invalid_dpop_proof).
	ErrInvalidProof = errors.New("jwksauth: invalid DPoP proof")
	// ErrUseNonce: the proof lacks the server's current nonce, or carries
	// a stale one (use_dpop_nonce); the answer carries a fresh DPoP-Nonce.
	ErrUseNonce = errors.New("jwksauth: DPoP nonce required")
	// ErrBinding: the access token is not bound to the proof's key (its
	// cnf.jkt differs), is DPoP-bound but presented without a proof, or is
	// not bound while DPoP is required (invalid_token).
	ErrBinding = errors.New("jwksauth: access token not bound to the DPoP key")
)

// Defaults of [Options].
const (
	// DefaultWindow is how old a proof's iat may be: five minutes.
	DefaultWindow = 5 * time.Minute
	// DefaultLeeway is how far in the future a proof's iat may be: 30 s.
	DefaultLeeway = 30 * time.Second
	// DefaultMaxSize bounds a proof's length: 8 KiB (an RSA-4096 jwk
	// header makes a proof of about 1.5 KiB).
	DefaultMaxSize = 8 << 10
	// maxJTI bounds a proof's jti, stored for the window.
	maxJTI = 256
)

// Options configures a [Verifier].
type Options struct {
	// Algorithms are the proof algorithms accepted. Default: every
	// asymmetric algorithm jws verifies. Symmetric ones are an error.
	Algorithms jws.AlgorithmSet
	// Window is how old a proof's iat may be. Default: [DefaultWindow].
	Window time.Duration
	// Leeway is how far in the future a proof's iat may be. Default:
	// [DefaultLeeway].
	Leeway time.Duration
	// Replay records each proof's jti (with its key's thumbprint) for the
	// window; a proof whose jti was seen is rejected. Share one store
	// across the replicas of a service, or a proof replayed to another
	// replica is accepted there. Required.
	Replay store.Replay
	// Nonces, when set, makes proofs carry a server nonce (RFC 9449 §8).
	// Default: none required.
	Nonces *NonceSource
	// MaxSize bounds a proof's length. Default: [DefaultMaxSize].
	MaxSize int
}

// Verifier checks DPoP proofs. Build it with [NewVerifier]; it is
// immutable and safe for concurrent use.
type Verifier struct {
	algs    jws.AlgorithmSet
	window  time.Duration
	leeway  time.Duration
	replay  store.Replay
	nonces  *NonceSource
	maxSize int
}

// NewVerifier validates o and returns its Verifier.
func NewVerifier(o Options) (*Verifier, error) {
	v := &Verifier{algs: o.Algorithms, window: o.Window, leeway: o.Leeway, replay: o.Replay, nonces: o.Nonces, maxSize: o.MaxSize}
	if v.algs.Empty() {
		v.algs = jws.Asymmetric
	}
	if !v.algs.Intersect(jws.Symmetric).Empty() {
		return nil, errors.New("jwksauth: DPoP proofs are signed with asymmetric keys only")
	}
	if v.window == 0 {
		v.window = DefaultWindow
	}
	if v.leeway == 0 {
		v.leeway = DefaultLeeway
	}
	if v.maxSize == 0 {
		v.maxSize = DefaultMaxSize
	}
	switch {
	case v.window < 0 || v.leeway < 0 || v.maxSize < 0:
		return nil, errors.New("jwksauth: negative DPoP window, leeway or size")
	case v.replay == nil:
		return nil, errors.New("jwksauth: DPoP needs a replay store")
	}
	return v, nil
}

// Algorithms returns the accepted proof algorithms, for the algs attribute
// of DPoP challenges.
func (v *Verifier) Algorithms() jws.AlgorithmSet { return v.algs }

// Nonces returns the nonce source, or nil when nonces are not required.
func (v *Verifier) Nonces() *NonceSource { return v.nonces }

// Request is what a proof is checked against.
type Request struct {
	// Method is the HTTP method of the request.
	Method string
	// URL is the absolute URL the client sent the request to
	// (scheme://host[:port]/path…); query and fragment are ignored.
	URL string
	// AccessToken is the access token presented with the proof; "" when
	// none (ath is then not checked).
	AccessToken string
	// JKT is the access token's cnf.jkt, the thumbprint its key must have;
	// "" to skip the binding check.
	JKT string
}

// Proof is a verified proof.
type Proof struct {
	// Thumbprint is the RFC 7638 thumbprint of the proof's key.
	Thumbprint string
	// ID is the proof's jti.
	ID string
	// IssuedAt is the proof's iat.
	IssuedAt time.Time
	// Algorithm is the proof's alg.
	Algorithm jws.Algorithm
}

type proofHeader struct {
	Typ  string          `json:"typ"`
	Alg  string          `json:"alg"`
	JWK  json.RawMessage `json:"jwk"`
	Crit json.RawMessage `json:"crit"`
}

type proofClaims struct {
	JTI   *string      `json:"jti"`
	HTM   *string      `json:"htm"`
	HTU   *string      `json:"htu"`
	IAT   *json.Number `json:"iat"`
	ATH   *string      `json:"ath"`
	Nonce *string      `json:"nonce"`
}

// Verify checks the DPoP header values proofs against r at time now (every
// check of RFC 9449 §4.3) and records the proof's jti. It returns the
// proof, or an error wrapping [ErrInvalidProof], [ErrUseNonce] or
// [ErrBinding].
func (v *Verifier) Verify(ctx context.Context, proofs []string, r Request, now time.Time) (*Proof, error) {
	// 1. Exactly one DPoP header, one value.
	if len(proofs) != 1 || strings.Contains(proofs[0], ",") {
		return nil, fmt.Errorf("%w: want exactly one DPoP header, got %d", ErrInvalidProof, len(proofs))
	}
	raw := strings.TrimSpace(proofs[0])
	if raw == "" || len(raw) > v.maxSize {
		return nil, fmt.Errorf("%w: empty or over %d bytes", ErrInvalidProof, v.maxSize)
	}
	// 2. A well-formed compact JWS.
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, fmt.Errorf("%w: not a compact JWS", ErrInvalidProof)
	}
	hb, err1 := decodeB64(parts[0])
	pb, err2 := decodeB64(parts[1])
	sig, err3 := decodeB64(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, fmt.Errorf("%w: not strict base64url", ErrInvalidProof)
	}
	var h proofHeader
	if err := strictObject(hb, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrInvalidProof, err)
	}
	var c proofClaims
	if err := strictObject(pb, &c); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrInvalidProof, err)
	}
	// 3, 4. typ dpop+jwt (a media type: ASCII case-insensitive).
	if !asciiEqualFold(h.Typ, "dpop+jwt") {
		return nil, fmt.Errorf("%w: typ is not dpop+jwt", ErrInvalidProof)
	}
	if len(h.Crit) > 0 {
		return nil, fmt.Errorf("%w: crit is not understood", ErrInvalidProof)
	}
	// 5. An asymmetric algorithm of the allowlist.
	alg := jws.ParseAlgorithm(h.Alg)
	if alg == jws.Unknown || alg == jws.None || alg.IsSymmetric() || !v.algs.Has(alg) {
		return nil, fmt.Errorf("%w: alg %q is not accepted", ErrInvalidProof, safe(h.Alg))
	}
	// 7. A public key in jwk.
	if len(h.JWK) == 0 {
		return nil, fmt.Errorf("%w: no jwk header", ErrInvalidProof)
	}
	var j publicJWK
	if err := strictObject(h.JWK, &j); err != nil {
		return nil, fmt.Errorf("%w: jwk: %w", ErrInvalidProof, err)
	}
	pub, thumb, err := j.key()
	if err != nil {
		return nil, err
	}
	// 6. The signature, with that key.
	if err := jws.Verify(alg, pub, raw[:len(parts[0])+1+len(parts[1])], sig); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalidProof, err)
	}
	// 3. Required claims.
	if c.JTI == nil || *c.JTI == "" || len(*c.JTI) > maxJTI || c.HTM == nil || c.HTU == nil || c.IAT == nil {
		return nil, fmt.Errorf("%w: jti, htm, htu and iat are required (jti at most %d bytes)", ErrInvalidProof, maxJTI)
	}
	// 8. htm.
	if *c.HTM != r.Method {
		return nil, fmt.Errorf("%w: htm does not match the request method", ErrInvalidProof)
	}
	// 9. htu.
	want, err := normalizeHTU(r.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: the request URL: %w", ErrInvalidProof, err)
	}
	got, err := normalizeHTU(*c.HTU)
	if err != nil || got != want {
		return nil, fmt.Errorf("%w: htu does not match the request URL", ErrInvalidProof)
	}
	// 11. iat within the window.
	iat, err := numericDate(*c.IAT)
	if err != nil {
		return nil, fmt.Errorf("%w: iat: %w", ErrInvalidProof, err)
	}
	if iat.After(now.Add(v.leeway)) || iat.Before(now.Add(-v.window)) {
		return nil, fmt.Errorf("%w: iat is outside the accepted window", ErrInvalidProof)
	}
	// 10. The server's nonce.
	if v.nonces != nil {
		if c.Nonce == nil || !v.nonces.Valid(*c.Nonce, now) {
			return nil, ErrUseNonce
		}
	}
	// 12. ath and the key binding.
	if r.AccessToken != "" {
		sum := sha256.Sum256([]byte(r.AccessToken))
		if c.ATH == nil || subtle.ConstantTimeCompare([]byte(*c.ATH), []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) != 1 {
			return nil, fmt.Errorf("%w: ath does not match the access token", ErrInvalidProof)
		}
	}
	if r.JKT != "" && subtle.ConstantTimeCompare([]byte(r.JKT), []byte(thumb)) != 1 {
		return nil, fmt.Errorf("%w: the token's cnf.jkt is not the proof key's thumbprint", ErrBinding)
	}
	// The jti, once within the window.
	fresh, err := v.replay.Use(ctx, "dpop:"+thumb+":"+*c.JTI, iat.Add(v.window+v.leeway))
	if err != nil {
		return nil, fmt.Errorf("%w: the replay store cannot tell whether the proof is new: %w", ErrInvalidProof, err)
	}
	if !fresh {
		return nil, fmt.Errorf("%w: the proof's jti was used before", ErrInvalidProof)
	}
	return &Proof{Thumbprint: thumb, ID: *c.JTI, IssuedAt: iat, Algorithm: alg}, nil
}

// strictObject decodes a JSON object into v, refusing duplicate member
// names (RFC 8725 §3.4 wants one meaning per document) and trailing data.
func strictObject(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return errors.New("invalid JSON")
		}
		name, _ := t.(string)
		if seen[name] {
			return errors.New("duplicate member name")
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return errors.New("invalid JSON")
		}
	}
	if _, err := dec.Token(); err != nil {
		return errors.New("invalid JSON")
	}
	if _, err := dec.Token(); err == nil {
		return errors.New("trailing data")
	}
	d2 := json.NewDecoder(bytes.NewReader(b))
	d2.UseNumber()
	if err := d2.Decode(v); err != nil {
		return errors.New("a member has the wrong type")
	}
	return nil
}

// normalizeHTU returns u without query and fragment, normalized as RFC
// 9449 §4.3 asks (RFC 3986 §6.2.2 and §6.2.3): scheme and host in lower
// case, the default port dropped, an empty path as "/", percent-encoding
// in upper case and unreserved characters decoded.
func normalizeHTU(u string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(p.Scheme)
	if (scheme != "https" && scheme != "http") || p.Host == "" || p.Opaque != "" || p.User != nil {
		return "", errors.New("not an absolute http(s) URL")
	}
	host := strings.ToLower(p.Hostname())
	port := p.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	path := p.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + normalizePercent(path), nil
}

// normalizePercent upper-cases percent-encodings and decodes those of
// unreserved characters.
func normalizePercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, lo := unhex(s[i+1]), unhex(s[i+2])
			if hi >= 0 && lo >= 0 {
				c := byte(hi<<4 | lo)
				if unreserved(c) {
					b.WriteByte(c)
				} else {
					b.WriteByte('%')
					b.WriteString(strings.ToUpper(s[i+1 : i+3]))
				}
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// numericDate reads a NumericDate (seconds, possibly fractional).
func numericDate(n json.Number) (time.Time, error) {
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 253402300799 {
		return time.Time{}, errors.New("not a NumericDate")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// safe keeps an algorithm name printable and short for an error message.
func safe(s string) string {
	if len(s) > 16 {
		s = s[:16]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}
