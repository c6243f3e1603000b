package claims

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecode checks Decode against a reference built on encoding/json: both
// must accept exactly the same payloads, agree on every decoded field, and
// an accepted payload must decode again to the same claims (valid stays
// valid) and unmarshal with encoding/json.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		keycloakToken, auth0Token, oktaToken, entraV2Token, entraV1AppToken, oidcProviderToken, realistic600,
		`{}`, ` {"a" : [ 1 , 2.5e-3 , -0 , true , null , { } ] } `, `{"exp":1.5}`, `{"exp":1e9}`, `{"exp":-1}`,
		`{"exp":253402300799.9}`, `{"exp":253402300800}`, `{"exp":"1"}`, `{"aud":["a",1]}`, `{"aud":null}`,
		`{"exp":1,"exp":1}`, `{"a":1,"A":1}`, `{"k":1,"\u212a":1}`, `{"a":{"b":1,"b":2}}`, `{"\u0061":1,"a":2}`,
		`{"iss":"\ud83d\ude00\n\/"}`, `{"iss":"\ud800"}`, `{"iss":"\udc00x"}`, `{"a":"\u00"}`, `{"a":01}`, `{"a":NaN}`,
		`{"scope":"a  b a","scp":["b c",""]}`, `{"scope":null,"scp":5}`, "{\"a\":\"\x7f\xff\"}", "{\"a\":\"\t\"}",
		`[]`, `""`, `nul`, `{"a":tru}`, `{"a":1}}`, strings.Repeat("[", 70) + strings.Repeat("]", 70),
		`{"a.b":{"c":1},"a":{"b":{"c":2}}}`, "\ufeff{}", `{"ſ":1,"s":2}`, `{"scope":"a\u0020b","scp":["\u0020c"]}`,
	} {
		f.Add([]byte(s))
	}
	opts := &DecodeOptions{ScopeClaims: []string{"scope", "scp", "permissions"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := slices.Clone(data)
		c, err := Decode(data, opts)
		if !bytes.Equal(data, orig) {
			t.Fatal("Decode modified its input")
		}
		want, reason := reference(data, opts.ScopeClaims)
		if (err == nil) != (reason == "") {
			t.Fatalf("Decode error %v, reference says %q, for %q", err, reason, data)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			return
		}
		compareReference(t, c, want)
		again, err := Decode(c.Raw(), opts)
		if err != nil {
			t.Fatalf("valid payload invalid on second decoding: %v", err)
		}
		compareReference(t, again, want)
		var m map[string]any
		if err := c.Decode(&m); err != nil {
			t.Fatalf("accepted payload does not unmarshal: %v", err)
		}
		for _, name := range []string{"iss", "exp", "a", "scope"} {
			if _, inMap := m[name]; c.Has(name) != (inMap && m[name] != nil) {
				t.Fatalf("Has(%q) = %v, map has %v", name, c.Has(name), m[name])
			}
		}
	})
}

type refClaims struct {
	iss, sub, jti string
	aud, scopes   []string
	exp, nbf, iat time.Time
	expOK         [3]bool
	approximate   [3]bool // exponent form: compared within float64 precision
}

// reference decodes data the slow, obviously correct way, and returns why
// it must be rejected ("" when it must be accepted).
func reference(data []byte, scopeClaims []string) (refClaims, string) {
	var r refClaims
	if !utf8.Valid(data) {
		return r, "UTF-8"
	}
	if !json.Valid(data) {
		return r, "JSON"
	}
	if reason := refStructure(data); reason != "" {
		return r, reason
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return r, "not an object"
	}
	str := func(name string, dst *string) string {
		v, ok := m[name]
		if !ok {
			return ""
		}
		s, ok := v.(string)
		if !ok {
			return name + " type"
		}
		*dst = s
		return ""
	}
	for name, dst := range map[string]*string{"iss": &r.iss, "sub": &r.sub, "jti": &r.jti} {
		if reason := str(name, dst); reason != "" {
			return r, reason
		}
	}
	if v, ok := m["aud"]; ok {
		switch v := v.(type) {
		case string:
			r.aud = []string{v}
		case []any:
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return r, "aud element type"
				}
				r.aud = append(r.aud, s)
			}
		default:
			return r, "aud type"
		}
	}
	for i, name := range []string{"exp", "nbf", "iat"} {
		v, ok := m[name]
		if !ok {
			continue
		}
		n, ok := v.(json.Number)
		if !ok {
			return r, name + " type"
		}
		t, approx, ok := refNumericDate(string(n))
		if !ok {
			return r, name + " range"
		}
		*[]*time.Time{&r.exp, &r.nbf, &r.iat}[i] = t
		r.expOK[i], r.approximate[i] = true, approx
	}
	for _, name := range scopeClaims {
		var strs []string
		switch v := m[name].(type) {
		case nil:
		case string:
			strs = []string{v}
		case []any:
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return r, "scope element type"
				}
				strs = append(strs, s)
			}
		default:
			return r, "scope type"
		}
		for _, s := range strs {
			for _, f := range strings.Split(s, " ") {
				if f != "" && !slices.Contains(r.scopes, f) {
					r.scopes = append(r.scopes, f)
				}
			}
		}
	}
	return r, ""
}

// refStructure walks the tokens: nesting depth, names equal under case
// folding in one object, unpaired surrogate escapes.
func refStructure(data []byte) string {
	if refLoneSurrogate(data) {
		return "surrogate"
	}
	type frame struct {
		object bool
		names  []string
		key    bool // next string token is a name
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			return "tokens"
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{object: d == '{', key: d == '{'})
				if len(stack) > MaxDepth {
					return "depth"
				}
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top == nil || !top.object {
			continue
		}
		if top.key {
			name := tok.(string)
			for _, prev := range top.names {
				if strings.EqualFold(prev, name) {
					return "duplicate"
				}
			}
			top.names = append(top.names, name)
			top.key = false
		} else {
			top.key = true
		}
	}
}

func refLoneSurrogate(data []byte) bool {
	s := string(data)
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		i++
		if i >= len(s) || s[i] != 'u' || i+5 > len(s) {
			continue
		}
		r, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
		if err != nil {
			continue
		}
		switch {
		case r >= 0xdc00 && r <= 0xdfff:
			return true
		case r >= 0xd800 && r < 0xdc00:
			if i+11 > len(s) || s[i+5:i+7] != `\u` {
				return true
			}
			r2, err := strconv.ParseUint(s[i+7:i+11], 16, 32)
			if err != nil || r2 < 0xdc00 || r2 > 0xdfff {
				return true
			}
			i += 10
		default:
			i += 4
		}
	}
	return false
}

// refNumericDate reads a NumericDate: decimal forms exactly (seconds and
// the first nine fraction digits), exponent forms as float64.
func refNumericDate(n string) (time.Time, bool, bool) {
	if strings.HasPrefix(n, "-") {
		return time.Time{}, false, false
	}
	if strings.ContainsAny(n, "eE") {
		f, err := strconv.ParseFloat(n, 64)
		if err != nil || f >= MaxNumericDate+1 {
			return time.Time{}, false, false
		}
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), true, true
	}
	whole, frac, _ := strings.Cut(n, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec > MaxNumericDate {
		return time.Time{}, false, false
	}
	frac = (frac + "000000000")[:9]
	nsec, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(sec, nsec).UTC(), false, true
}

func compareReference(t *testing.T, c *Claims, r refClaims) {
	t.Helper()
	if c.Issuer != r.iss || c.Subject != r.sub || c.ID != r.jti {
		t.Fatalf("iss/sub/jti = %q/%q/%q, reference %q/%q/%q", c.Issuer, c.Subject, c.ID, r.iss, r.sub, r.jti)
	}
	if !slices.Equal(c.Audience, r.aud) {
		t.Fatalf("Audience = %q, reference %q", c.Audience, r.aud)
	}
	if !slices.Equal(c.Scopes, r.scopes) {
		t.Fatalf("Scopes = %q, reference %q", c.Scopes, r.scopes)
	}
	for i, got := range []time.Time{c.Expiry, c.NotBefore, c.IssuedAt} {
		want := []time.Time{r.exp, r.nbf, r.iat}[i]
		if got.IsZero() != !r.expOK[i] {
			t.Fatalf("date %d present = %v, reference %v", i, !got.IsZero(), r.expOK[i])
		}
		d := got.Sub(want)
		if r.approximate[i] && math.Abs(float64(d)) <= 1e-15*float64(want.UnixNano())+1e4 {
			continue
		}
		if d != 0 {
			t.Fatalf("date %d = %v, reference %v", i, got, want)
		}
	}
}

// FuzzPlainPath checks that the fast paths for plain payloads (no backslash,
// no control byte) decide exactly as the general, byte-by-byte path: the
// same error and the same claims for every input.
func FuzzPlainPath(f *testing.F) {
	for _, s := range []string{
		realistic600, keycloakToken, auth0Token, oktaToken, `{}`, `{"exp":1767225600,"iat":1,"nbf":2.5}`,
		`{"iss":"a","sub":"b","jti":"c","aud":["x","y"],"scope":"p q","x":{"y":[1,"z"]}}`, `{"iss":1}`,
		`{"exp":"1"}`, `{"a" : "b" , "c":"d"}`, `{"a":"b"`, `{"a":"b",}`, `{"a""b"}`, `{"exp":01}`,
		`{"scope":null,"scp":"a"}`, `{"a":1,"a":2}`, `{"exp":1e3}`, `{"exp":12345678901234}`,
		// Payloads the first, plain pass must hand to the general pass.
		`{"iss":"a\"b"}`, `{"iss":"abcdefghijklmnop\u0041"}`, "{\"iss\":\"abcdefghij\tk\"}", "{\n\"iss\":\"a\"\n}",
		"{\"a\":{\n\"b\":\"c\"}}", `{"é":"ü","iss":"x"}`, "{\"iss\":\"\xff\"}", "{\"\xe9\":1}", `{"scope":"a\u0020b c"}`,
		`{"sub":"` + strings.Repeat("long", 40) + `\n"}`, `{"x":["a","b\\"]}`, "{\"x\":[\"a\",\"b\x01\"]}",
	} {
		f.Add([]byte(s))
	}
	opts := []string{"scope", "scp", "permissions"}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := statePool.Get().(*decodeState)
		fast, fastErr := d.decode(data, opts)
		d.reset()
		general, generalErr := decodeGeneral(data, opts)
		if fastErr != generalErr { // fixed errors, or comparable values (scopeTypeErr)
			t.Fatalf("%q: fast path %v, general path %v", data, fastErr, generalErr)
		}
		if fastErr == nil && !reflect.DeepEqual(publicFields(fast), publicFields(general)) {
			t.Fatalf("%q: fast path %+v, general path %+v", data, publicFields(fast), publicFields(general))
		}
	})
}

// decodeGeneral is Decode with the plain-payload fast paths turned off.
func decodeGeneral(payload []byte, scopeClaims []string) (*Claims, error) {
	d := new(decodeState)
	high, _, _ := class(payload)
	if high && !utf8.Valid(payload) {
		return nil, errNotUTF8
	}
	d.s, d.plain, d.high, d.scopeClaims = payload, false, high, scopeClaims
	if err := d.top(); err != nil {
		return nil, err
	}
	return d.build(payload), nil
}

// publicFields is c without its lazily computed state, for comparison.
func publicFields(c *Claims) Claims {
	v := *c
	v.lazy = nil
	return v
}
