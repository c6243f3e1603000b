package jwkstest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jwksauth/jwksauth/core/jws"
)

// MintOption changes a token minted by [Issuer.Mint]. Most of them make a
// deliberately broken or hostile token, for testing that a verifier rejects
// it.
type MintOption func(*kitMint)

type kitMember struct {
	name  string
	value any
}

type kitMint struct {
	key         *Key
	unpublished bool
	signAlg     jws.Algorithm
	headers     []kitMember
	noHeaders   []string
	noClaims    []string
	unknownKID  bool
	algNone     bool
	hmacKey     int // 0, kitHMACPEM or kitHMACJWK
	embedJWK    bool
	x5c         bool
	rawHeader   []byte
	rawPayload  []byte
	dupHeaders  []kitMember
	dupClaims   []kitMember
	b64         Base64Variant
	b64Parts    Part
	badSig      bool
	sigLen      int // -1: as signed
	der         bool
	sigFunc     func([]byte) []byte
}

const (
	kitHMACPEM = 1
	kitHMACJWK = 2
)

// Part names parts of a compact JWS, for [WithNonCanonicalBase64]. Parts
// combine with |.
type Part uint8

// The parts of a compact JWS.
const (
	PartHeader Part = 1 << iota
	PartPayload
	PartSignature
	// AllParts is every part.
	AllParts = PartHeader | PartPayload | PartSignature
)

// Base64Variant is a non-canonical base64url encoding, one that a lenient
// decoder accepts and RFC 7515 §2 forbids.
type Base64Variant uint8

// The non-canonical encodings.
const (
	// Base64Padded adds "=" padding.
	Base64Padded Base64Variant = iota + 1
	// Base64Standard uses the standard alphabet ("+" and "/" instead of "-"
	// and "_"), without padding.
	Base64Standard
	// Base64TrailingBits sets unused low bits of the last character, so the
	// part decodes (leniently) to the same bytes with another spelling.
	Base64TrailingBits
)

// WithKey signs the token with k instead of the signing key; the header's
// "alg" and "kid" are k's. With a key the issuer does not publish, it is a
// token signed by an unknown key; add WithHeader("kid", published kid) for
// one that claims a published key's kid.
func WithKey(k *Key) MintOption { return func(m *kitMint) { m.key = k } }

// WithUnpublishedKey signs the token with a key of the signing key's
// algorithm that the issuer never publishes, with its own kid.
func WithUnpublishedKey() MintOption { return func(m *kitMint) { m.unpublished = true } }

// WithSigningAlgorithm signs with alg instead of the key's algorithm, and
// says so in the header: an RSA key signs PS256 instead of RS256, say,
// while its JWK names RS256. alg must fit the key.
func WithSigningAlgorithm(alg jws.Algorithm) MintOption {
	return func(m *kitMint) { m.signAlg = alg }
}

// WithHeader sets a header member, after the defaults ("alg", "typ", "kid")
// and the other options, so it overrides them; the signature is still made
// with the key's algorithm whatever "alg" says. The name is used verbatim:
// WithHeader("ALG", "none") adds a case-variant member beside "alg".
func WithHeader(name string, value any) MintOption {
	return func(m *kitMint) { m.headers = append(m.headers, kitMember{name, value}) }
}

// WithoutHeader removes header members, defaults included.
func WithoutHeader(names ...string) MintOption {
	return func(m *kitMint) { m.noHeaders = append(m.noHeaders, names...) }
}

// WithoutClaims removes claims, defaults ("iss", "sub", "aud", "iat",
// "exp") included.
func WithoutClaims(names ...string) MintOption {
	return func(m *kitMint) { m.noClaims = append(m.noClaims, names...) }
}

// WithType sets the "typ" header, "JWT" by default; "at+jwt" for an access
// token of RFC 9068.
func WithType(typ string) MintOption { return WithHeader("typ", typ) }

// WithoutKID leaves the "kid" header out.
func WithoutKID() MintOption { return WithoutHeader("kid") }

// WithUnknownKID puts a random kid that nobody publishes in the header; the
// signature is the signing key's, valid.
func WithUnknownKID() MintOption { return func(m *kitMint) { m.unknownKID = true } }

// WithAlgNone makes an unsecured JWS (RFC 7515 §A.5): header "alg": "none"
// and an empty signature, so the token ends with ".".
func WithAlgNone() MintOption { return func(m *kitMint) { m.algNone = true } }

// WithHS256PublicKeyPEM makes the classic key-confusion attack: "alg":
// "HS256", the signing key's kid, and an HMAC-SHA256 signature keyed with
// the public key's PEM ([Key.PublicPEM], PKIX with its trailing newline).
// A verifier that lets the token's alg pick the algorithm for an RSA or EC
// key accepts it.
func WithHS256PublicKeyPEM() MintOption { return func(m *kitMint) { m.hmacKey = kitHMACPEM } }

// WithHS256PublicKeyJWK is [WithHS256PublicKeyPEM] with the public key's
// JWK as published ([Key.PublicJWK]) as the HMAC key.
func WithHS256PublicKeyJWK() MintOption { return func(m *kitMint) { m.hmacKey = kitHMACJWK } }

// WithJKU sets the "jku" header to url: a key set URL the verifier must
// never fetch. Combine with WithKey(attacker.SigningKey()) and another
// Issuer's JWKSURL for a complete attack.
func WithJKU(url string) MintOption { return WithHeader("jku", url) }

// WithX5U sets the "x5u" header to url, a certificate URL the verifier must
// never fetch.
func WithX5U(url string) MintOption { return WithHeader("x5u", url) }

// WithEmbeddedJWK signs the token with an attacker key (an unpublished key,
// or the [WithKey] key) and embeds its public JWK in the "jwk" header
// (CVE-2018-0114): a verifier must not trust a key the token brings.
func WithEmbeddedJWK() MintOption { return func(m *kitMint) { m.embedJWK = true } }

// WithX5C signs the token with an attacker key (an unpublished key, or the
// [WithKey] key) and puts a self-signed certificate of it in the "x5c"
// header.
func WithX5C() MintOption { return func(m *kitMint) { m.x5c = true } }

// WithNonCanonicalBase64 encodes parts (0 means [AllParts]) with variant.
// Each selected part the variant can apply to is changed, and at least one
// is: when none could be, whitespace is appended to the header or payload
// JSON (still valid JSON), which also changes the signature. Padding and
// trailing bits need a part whose length is not a multiple of three. The
// standard alphabet needs a "-" or "_" in the canonical encoding: a
// signature nearly always has one, while ASCII JSON has one only where it
// holds a ">", "?" or "~" (add a member such as "note": "~~~" to be sure).
// Mint fails, wrapping [ErrUnsupported], if the variant cannot apply
// (padding of a P-384 signature alone, say).
func WithNonCanonicalBase64(variant Base64Variant, parts Part) MintOption {
	return func(m *kitMint) {
		if parts == 0 {
			parts = AllParts
		}
		m.b64, m.b64Parts = variant, parts
	}
}

// WithDuplicateHeader appends a second member called name, with value, to
// the header JSON, after the member of that name if there is one: the
// header then holds the name twice (RFC 8725 §3.4, RFC 7515 §5.2).
func WithDuplicateHeader(name string, value any) MintOption {
	return func(m *kitMint) { m.dupHeaders = append(m.dupHeaders, kitMember{name, value}) }
}

// WithDuplicateClaim is [WithDuplicateHeader] for the claims.
func WithDuplicateClaim(name string, value any) MintOption {
	return func(m *kitMint) { m.dupClaims = append(m.dupClaims, kitMember{name, value}) }
}

// WithRawHeader uses header verbatim as the header JSON (no default, no
// check), signed with the signing key's algorithm.
func WithRawHeader(header []byte) MintOption {
	return func(m *kitMint) { m.rawHeader = bytes.Clone(header) }
}

// WithRawPayload uses payload verbatim as the claims JSON (no default, no
// check).
func WithRawPayload(payload []byte) MintOption {
	return func(m *kitMint) { m.rawPayload = bytes.Clone(payload) }
}

// WithBadSignature flips one bit in the middle of the signature.
func WithBadSignature() MintOption { return func(m *kitMint) { m.badSig = true } }

// WithSignatureLength truncates the signature to n bytes or extends it with
// zero bytes to n: 63 or 65 bytes for ES256, 255 or 257 for RS256.
func WithSignatureLength(n int) MintOption {
	return func(m *kitMint) {
		if n < 0 {
			n = 0
		}
		m.sigLen = n
	}
}

// WithDERSignature makes an ECDSA signature in ASN.1 DER, as crypto/ecdsa
// and X.509 write it, instead of the fixed-size r||s that RFC 7518 §3.4
// requires. It fails for a key that is not ECDSA.
func WithDERSignature() MintOption { return func(m *kitMint) { m.der = true } }

// WithSignatureFunc rewrites the signature bytes with f before they are
// encoded, after the other signature options.
func WithSignatureFunc(f func(sig []byte) []byte) MintOption {
	return func(m *kitMint) { m.sigFunc = f }
}

// MustMint is [Issuer.Mint] that panics on error, for tests and examples.
func (iss *Issuer) MustMint(claims map[string]any, opts ...MintOption) string {
	tok, err := iss.Mint(claims, opts...)
	if err != nil {
		panic(err)
	}
	return tok
}

// Mint returns a compact JWS (a JWT) signed with the signing key, carrying
// claims over these defaults:
//
//   - "iss": [Issuer.URL]; "sub": [WithSubject] ([DefaultSubject]); "aud":
//     [WithAudience] ([DefaultAudience]; a string for one, an array for
//     several);
//   - "iat": now on the [WithClock] clock; "exp": now plus
//     [WithTokenLifetime] ([DefaultTokenLifetime]);
//   - header "alg": the key's algorithm, "typ": "JWT", "kid": the key's kid.
//
// A claim in claims replaces the default of the same name; a [time.Time]
// value becomes a NumericDate (Unix seconds). Names are used verbatim, so
// {"Exp": …} adds a case-variant member beside "exp". Options remove or
// change anything else. Members are written in sorted order (duplicates
// appended last), so the token is the same for the same input, signatures
// aside (ECDSA and PSS are randomized).
func (iss *Issuer) Mint(claims map[string]any, opts ...MintOption) (string, error) {
	m := kitMint{sigLen: -1}
	for _, o := range opts {
		if o != nil {
			o(&m)
		}
	}
	key := m.key
	if key == nil {
		key = iss.SigningKey()
	}
	if (m.unpublished || m.embedJWK || m.x5c) && m.key == nil {
		spare, err := iss.spareKey(key.alg)
		if err != nil {
			return "", err
		}
		key = spare
	}
	if key == nil || key.priv == nil {
		return "", fmt.Errorf("%w: a Key not made by this package", ErrUnsupported)
	}
	alg := key.alg
	if m.signAlg != jws.Unknown {
		if err := kitFits(m.signAlg, key.priv); err != nil {
			return "", err
		}
		alg = m.signAlg
	}
	now := iss.cfg.clock.Now()

	header := map[string]any{"alg": alg.String(), "typ": "JWT", "kid": key.kid}
	if m.unknownKID {
		var b [8]byte
		_, _ = rand.Read(b[:])
		header["kid"] = "unknown-" + hex.EncodeToString(b[:])
	}
	switch {
	case m.algNone:
		header["alg"] = "none"
	case m.hmacKey != 0:
		header["alg"] = jws.HS256.String()
	}
	if m.embedJWK {
		header["jwk"] = json.RawMessage(key.jwk)
	}
	if m.x5c {
		cert, err := kitSelfSigned(key, now)
		if err != nil {
			return "", err
		}
		header["x5c"] = []string{base64.StdEncoding.EncodeToString(cert)}
	}
	for _, h := range m.headers {
		header[h.name] = h.value
	}
	for _, name := range m.noHeaders {
		delete(header, name)
	}

	payload := map[string]any{
		"iss": iss.url,
		"iat": now.Unix(),
		"exp": now.Add(iss.cfg.lifetime).Unix(),
	}
	if iss.cfg.subject != "" {
		payload["sub"] = iss.cfg.subject
	}
	switch aud := iss.cfg.audience; len(aud) {
	case 0:
	case 1:
		payload["aud"] = aud[0]
	default:
		payload["aud"] = aud
	}
	for name, v := range claims {
		if t, ok := v.(time.Time); ok {
			v = t.Unix()
		}
		payload[name] = v
	}
	for _, name := range m.noClaims {
		delete(payload, name)
	}

	hJSON, pJSON := m.rawHeader, m.rawPayload
	var err error
	if hJSON == nil {
		if hJSON, err = kitObject(header, m.dupHeaders); err != nil {
			return "", err
		}
	}
	if pJSON == nil {
		if pJSON, err = kitObject(payload, m.dupClaims); err != nil {
			return "", err
		}
	}
	if m.b64 == 0 {
		return m.assemble(hJSON, pJSON, key, alg)
	}
	// Find a spelling the variant applies to; see WithNonCanonicalBase64.
	padHeader := m.rawHeader == nil && m.b64Parts&PartHeader != 0
	padPayload := m.rawPayload == nil && (m.b64Parts&PartPayload != 0 || !padHeader)
	for attempt := 0; attempt < 16; attempt++ {
		h, p := hJSON, pJSON
		if padHeader {
			h = append(bytes.Clone(h), strings.Repeat(" ", attempt)...)
		}
		if padPayload {
			p = append(bytes.Clone(p), strings.Repeat(" ", attempt)...)
		}
		tok, err := m.assemble(h, p, key, alg)
		if err != nil {
			return "", err
		}
		if kitNonCanonical(tok, m.b64Parts) {
			return tok, nil
		}
	}
	return "", fmt.Errorf("%w: base64 variant %d cannot apply to the selected parts", ErrUnsupported, m.b64)
}

// assemble signs and encodes a token from its header and payload JSON.
func (m *kitMint) assemble(hJSON, pJSON []byte, key *Key, alg jws.Algorithm) (string, error) {
	var b strings.Builder
	b.WriteString(m.encode(hJSON, PartHeader))
	b.WriteByte('.')
	b.WriteString(m.encode(pJSON, PartPayload))
	input := []byte(b.String())

	var sig []byte
	var err error
	switch {
	case m.algNone:
	case m.hmacKey != 0:
		secret := key.pem
		if m.hmacKey == kitHMACJWK {
			secret = key.jwk
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(input)
		sig = mac.Sum(nil)
	case m.der:
		sig, err = kitSignDER(key.priv, alg, input)
	default:
		sig, err = kitSign(key.priv, alg, input)
	}
	if err != nil {
		return "", err
	}
	if m.badSig && len(sig) > 0 {
		sig[len(sig)/2] ^= 0x01
	}
	if m.sigLen >= 0 {
		if m.sigLen <= len(sig) {
			sig = sig[:m.sigLen]
		} else {
			sig = append(sig, make([]byte, m.sigLen-len(sig))...)
		}
	}
	if m.sigFunc != nil {
		sig = m.sigFunc(sig)
	}
	b.WriteByte('.')
	b.WriteString(m.encode(sig, PartSignature))
	return b.String(), nil
}

// encode encodes one part, canonically unless the variant selects it.
func (m *kitMint) encode(raw []byte, part Part) string {
	canonical := base64.RawURLEncoding.EncodeToString(raw)
	if m.b64 == 0 || m.b64Parts&part == 0 {
		return canonical
	}
	switch m.b64 {
	case Base64Padded:
		return base64.URLEncoding.EncodeToString(raw)
	case Base64Standard:
		return base64.RawStdEncoding.EncodeToString(raw)
	case Base64TrailingBits:
		if len(raw)%3 == 0 {
			return canonical
		}
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, canonical[len(canonical)-1])
		return canonical[:len(canonical)-1] + string(alphabet[last|1]) // lowest unused bit
	}
	return canonical
}

// kitNonCanonical reports whether one of the selected parts of tok is not
// canonical base64url.
func kitNonCanonical(tok string, parts Part) bool {
	segs := strings.Split(tok, ".")
	for i, p := range []Part{PartHeader, PartPayload, PartSignature} {
		if parts&p == 0 || i >= len(segs) {
			continue
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(segs[i])
		if err != nil || base64.RawURLEncoding.EncodeToString(raw) != segs[i] {
			return true
		}
	}
	return false
}

// kitObject encodes obj as a JSON object with sorted member names and no
// HTML escaping, then appends the duplicate members.
func kitObject(obj map[string]any, dups []kitMember) ([]byte, error) {
	b, err := kitJSON(obj)
	if err != nil {
		return nil, err
	}
	for _, d := range dups {
		name, err := kitJSON(d.name)
		if err != nil {
			return nil, err
		}
		value, err := kitJSON(d.value)
		if err != nil {
			return nil, err
		}
		b = b[:len(b)-1] // the closing brace
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(append(append(append(b, name...), ':'), value...), '}')
	}
	return b, nil
}

func kitJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("jwkstest: encoding token JSON: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// kitSelfSigned returns a self-signed certificate (DER) for k.
func kitSelfSigned(k *Key, now time.Time) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "jwkstest attacker " + k.kid},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.priv.Public(), k.priv)
	if err != nil {
		return nil, fmt.Errorf("jwkstest: self-signed certificate: %w", err)
	}
	return der, nil
}
