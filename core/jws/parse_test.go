package jws_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
)

const canaryKid = "kid-canary-7f3e"

func TestParse(t *testing.T) {
	k := getKeys(t)
	rsaKey := k.privateFor(jws.RS256)
	const payload = `{"iss":"https://issuer.example","sub":"alice"}`
	good := func(header string) string { return mint(t, jws.RS256, rsaKey, header, payload) }
	// unsigned builds header.payload.signature from raw parts, no crypto.
	unsigned := func(header, payload, sig string) string {
		return encS(header) + "." + encS(payload) + "." + sig
	}
	validSig := enc(bytes.Repeat([]byte{7}, 256))

	tests := []struct {
		name      string
		token     string
		max       int // Parser.MaxTokenSize
		wantErr   error
		wantHdr   jws.Header
		wantTypIs string // when set, Header.TypeIs must report true
	}{
		// Accepted.
		{name: "minimal", token: good(`{"alg":"RS256"}`), wantHdr: jws.Header{Alg: jws.RS256}},
		{name: "kid typ cty", token: good(`{"alg":"RS256","kid":"` + canaryKid + `","typ":"at+jwt","cty":"JWT"}`),
			wantHdr: jws.Header{Alg: jws.RS256, KeyID: canaryKid, Type: "at+jwt", ContentType: "JWT"}, wantTypIs: "application/AT+JWT"},
		{name: "whitespace and escapes in header", token: good(" {\n\t\"alg\" : \"RS256\" , \"kid\":\"a\\u0062c\\/d\" } "),
			wantHdr: jws.Header{Alg: jws.RS256, KeyID: "abc/d"}},
		{name: "escaped member name is the same name", token: good(`{"\u0061lg":"RS256"}`), wantHdr: jws.Header{Alg: jws.RS256}},
		{name: "case-variant names are other members", token: good(`{"alg":"RS256","Alg":"none","ALG":"HS256","KID":"x"}`),
			wantHdr: jws.Header{Alg: jws.RS256}},
		{name: "unknown members ignored", token: good(`{"alg":"RS256","x-custom":{"a":[1,2.5e3,true,null]}}`), wantHdr: jws.Header{Alg: jws.RS256}},
		{name: "key-locating headers ignored", token: good(`{"alg":"RS256","kid":"k1","jku":"https://attacker.example/jwks","x5u":"https://attacker.example/cert",` +
			`"jwk":{"kty":"oct","k":"AAAA"},"x5c":["MIIB"],"x5t":"dGh1bWI","x5t#S256":"dGh1bWI"}`),
			wantHdr: jws.Header{Alg: jws.RS256, KeyID: "k1"}},
		{name: "b64 true", token: good(`{"alg":"RS256","b64":true}`), wantHdr: jws.Header{Alg: jws.RS256}},
		{name: "HS256 parses (allowlisting is the caller's)", token: unsigned(`{"alg":"HS256"}`, payload, validSig), wantHdr: jws.Header{Alg: jws.HS256}},
		{name: "Ed25519 fully-specified", token: unsigned(`{"alg":"Ed25519"}`, payload, validSig), wantHdr: jws.Header{Alg: jws.Ed25519}},
		{name: "non-JSON payload is not this layer's concern", token: unsigned(`{"alg":"ES256"}`, "foo", validSig), wantHdr: jws.Header{Alg: jws.ES256}},
		{name: "at the size cap", token: unsigned(`{"alg":"ES256"}`, payload, validSig), max: len(unsigned(`{"alg":"ES256"}`, payload, validSig)),
			wantHdr: jws.Header{Alg: jws.ES256}},

		// Size and structure.
		{name: "over the size cap", token: unsigned(`{"alg":"ES256"}`, payload, validSig), max: len(unsigned(`{"alg":"ES256"}`, payload, validSig)) - 1,
			wantErr: jws.ErrTokenMalformed},
		{name: "over the default size cap", token: unsigned(`{"alg":"ES256"}`, strings.Repeat("a", jws.DefaultMaxTokenSize), validSig), wantErr: jws.ErrTokenMalformed},
		{name: "empty", token: "", wantErr: jws.ErrTokenMalformed},
		{name: "JSON serialization", token: `{"payload":"Zm9v","signatures":[{"protected":"eyJhbGciOiJIUzI1NiJ9","signature":"AAAA"}]}`, wantErr: jws.ErrTokenMalformed},
		{name: "one part", token: encS(`{"alg":"RS256"}`), wantErr: jws.ErrTokenMalformed},
		{name: "two parts", token: encS(`{"alg":"RS256"}`) + "." + encS(payload), wantErr: jws.ErrTokenMalformed},
		{name: "four parts", token: good(`{"alg":"RS256"}`) + ".AAAA", wantErr: jws.ErrTokenMalformed},
		{name: "four parts, empty last", token: good(`{"alg":"RS256"}`) + ".", wantErr: jws.ErrTokenMalformed},
		{name: "five parts (JWE)", token: encS(`{"alg":"RSA-OAEP","enc":"A128GCM"}`) + ".AAAA.AAAA.AAAA.AAAA", wantErr: jws.ErrTokenMalformed},
		{name: "empty header", token: "." + encS(payload) + "." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "empty payload", token: encS(`{"alg":"RS256"}`) + ".." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "empty signature", token: unsigned(`{"alg":"RS256"}`, payload, ""), wantErr: jws.ErrTokenMalformed},
		{name: "only dots", token: "..", wantErr: jws.ErrTokenMalformed},

		// Strict base64url.
		{name: "padding in header", token: encS(`{"alg":"RS256"}`) + "=." + encS(payload) + "." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "padding in payload", token: encS(`{"alg":"RS256"}`) + "." + encS("ab") + "==." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "padding in signature", token: unsigned(`{"alg":"RS256"}`, payload, enc([]byte{1, 2, 3, 4})+"=="), wantErr: jws.ErrTokenMalformed},
		{name: "plus in payload", token: encS(`{"alg":"RS256"}`) + ".ab+d." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "slash in signature", token: unsigned(`{"alg":"RS256"}`, payload, "ab/d"), wantErr: jws.ErrTokenMalformed},
		{name: "space in header", token: encS(`{"alg":"RS256"}`)[:4] + " " + encS(`{"alg":"RS256"}`)[4:] + "." + encS(payload) + "." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "tab in signature", token: unsigned(`{"alg":"RS256"}`, payload, "\t"+validSig), wantErr: jws.ErrTokenMalformed},
		{name: "LF in payload", token: encS(`{"alg":"RS256"}`) + "." + encS(payload)[:4] + "\n" + encS(payload)[4:] + "." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "CR in header", token: "\r" + unsigned(`{"alg":"RS256"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "CRLF in signature", token: unsigned(`{"alg":"RS256"}`, payload, validSig[:8]+"\r\n"+validSig[8:]), wantErr: jws.ErrTokenMalformed},
		{name: "non-canonical trailing bits in payload", token: encS(`{"alg":"RS256"}`) + ".AB." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "non-canonical trailing bits in signature", token: unsigned(`{"alg":"RS256"}`, payload, "AAB"), wantErr: jws.ErrTokenMalformed},
		{name: "impossible length in payload", token: encS(`{"alg":"RS256"}`) + ".AAAAA." + validSig, wantErr: jws.ErrTokenMalformed},
		{name: "standard alphabet header", token: strings.ReplaceAll(strings.ReplaceAll(encS(`{"alg":"RS256","kid":"??>>"}`), "-", "+"), "_", "/") +
			"." + encS(payload) + "." + validSig, wantErr: jws.ErrTokenMalformed},

		// Header JSON.
		{name: "header not UTF-8", token: unsigned("{\"alg\":\"RS256\",\"kid\":\"\xff\xfe\"}", payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header truncated", token: unsigned(`{"alg":"RS256"`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header trailing comma", token: unsigned(`{"alg":"RS256",}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header trailing data", token: unsigned(`{"alg":"RS256"} {}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header NaN", token: unsigned(`{"alg":"RS256","x":NaN}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header invalid escape", token: unsigned(`{"alg":"RS256","kid":"\x41"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header control char in string", token: unsigned("{\"alg\":\"RS256\",\"kid\":\"a\x01\"}", payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header leading zero number", token: unsigned(`{"alg":"RS256","x":01}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header single quotes", token: unsigned(`{'alg':'RS256'}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header is an array", token: unsigned(`["alg","RS256"]`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header is a string", token: unsigned(`"RS256"`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header is null", token: unsigned(`null`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header is a number", token: unsigned(`42`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header empty object", token: unsigned(`{}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "header deeply nested", token: unsigned(`{"alg":"RS256","x":`+strings.Repeat("[", 400)+strings.Repeat("]", 400)+`}`, payload, validSig), wantErr: jws.ErrTokenMalformed},

		// Duplicate and case-variant names.
		{name: "duplicate alg", token: unsigned(`{"alg":"RS256","alg":"RS256"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "duplicate alg, second none", token: unsigned(`{"alg":"RS256","alg":"none"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "duplicate alg through an escape", token: unsigned(`{"alg":"RS256","\u0061lg":"HS256"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "duplicate kid", token: unsigned(`{"kid":"a","alg":"RS256","kid":"b"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "duplicate unknown member", token: unsigned(`{"alg":"RS256","x":1,"y":2,"x":3}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "duplicate jku", token: unsigned(`{"jku":"a","alg":"RS256","jku":"b"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "upper-case ALG only", token: unsigned(`{"ALG":"RS256"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "Alg only", token: unsigned(`{"Alg":"RS256"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},

		// Member types.
		{name: "alg number", token: unsigned(`{"alg":256}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "alg null", token: unsigned(`{"alg":null}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "alg array", token: unsigned(`{"alg":["RS256"]}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "alg object", token: unsigned(`{"alg":{"name":"RS256"}}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "kid number", token: unsigned(`{"alg":"RS256","kid":1}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "kid null", token: unsigned(`{"alg":"RS256","kid":null}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "typ bool", token: unsigned(`{"alg":"RS256","typ":true}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "cty object", token: unsigned(`{"alg":"RS256","cty":{}}`, payload, validSig), wantErr: jws.ErrTokenMalformed},
		{name: "b64 string", token: unsigned(`{"alg":"RS256","b64":"false"}`, payload, validSig), wantErr: jws.ErrTokenMalformed},

		// crit and b64.
		{name: "crit naming a present extension", token: good(`{"alg":"RS256","exp":1,"crit":["exp"]}`), wantErr: jws.ErrTokenMalformed},
		{name: "crit empty", token: good(`{"alg":"RS256","crit":[]}`), wantErr: jws.ErrTokenMalformed},
		{name: "crit string", token: good(`{"alg":"RS256","exp":1,"crit":"exp"}`), wantErr: jws.ErrTokenMalformed},
		{name: "crit non-string entry", token: good(`{"alg":"RS256","crit":[1]}`), wantErr: jws.ErrTokenMalformed},
		{name: "crit empty-string entry", token: good(`{"alg":"RS256","crit":[""]}`), wantErr: jws.ErrTokenMalformed},
		{name: "crit naming an absent member", token: good(`{"alg":"RS256","crit":["exp"]}`), wantErr: jws.ErrTokenMalformed},
		{name: "crit naming a registered parameter", token: good(`{"alg":"RS256","crit":["alg"]}`), wantErr: jws.ErrTokenMalformed},
		{name: "crit null", token: good(`{"alg":"RS256","crit":null}`), wantErr: jws.ErrTokenMalformed},
		{name: "b64 false with crit (RFC 7797)", token: good(`{"alg":"RS256","b64":false,"crit":["b64"]}`), wantErr: jws.ErrTokenMalformed},
		{name: "b64 false without crit", token: good(`{"alg":"RS256","b64":false}`), wantErr: jws.ErrTokenMalformed},
		{name: "b64 true with crit", token: good(`{"alg":"RS256","b64":true,"crit":["b64"]}`), wantErr: jws.ErrTokenMalformed},

		// Algorithms.
		{name: "alg none", token: unsigned(`{"alg":"none"}`, payload, ""), wantErr: jws.ErrAlgorithm},
		{name: "alg none with a signature", token: unsigned(`{"alg":"none"}`, payload, validSig), wantErr: jws.ErrAlgorithm},
		{name: "alg NONE", token: unsigned(`{"alg":"NONE"}`, payload, ""), wantErr: jws.ErrAlgorithm},
		{name: "alg None", token: unsigned(`{"alg":"None"}`, payload, validSig), wantErr: jws.ErrAlgorithm},
		{name: "alg lower-case rs256", token: unsigned(`{"alg":"rs256"}`, payload, validSig), wantErr: jws.ErrAlgorithm},
		{name: "alg empty", token: unsigned(`{"alg":""}`, payload, validSig), wantErr: jws.ErrAlgorithm},
		{name: "alg unknown", token: unsigned(`{"alg":"ES256K"}`, payload, validSig), wantErr: jws.ErrAlgorithm},
		{name: "alg with trailing space", token: unsigned(`{"alg":"RS256 "}`, payload, validSig), wantErr: jws.ErrAlgorithm},
		{name: "alg with NUL", token: unsigned(`{"alg":"RS256\u0000"}`, payload, validSig), wantErr: jws.ErrAlgorithm},
		{name: "alg Ed448", token: unsigned(`{"alg":"Ed448"}`, payload, validSig), wantErr: jws.ErrAlgorithm},
	}
	var p jws.Parser
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.MaxTokenSize = tt.max
			tok, err := p.Parse(tt.token)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Parse succeeded, want %v", tt.wantErr)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Parse error = %v, want one wrapping %v", err, tt.wantErr)
				}
				if tok != nil {
					t.Errorf("Parse returned a token with error %v", err)
				}
				assertNoTokenInError(t, err, tt.token)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tok.Header != tt.wantHdr {
				t.Errorf("Header = %+v, want %+v", tok.Header, tt.wantHdr)
			}
			if tt.wantTypIs != "" && !tok.Header.TypeIs(tt.wantTypIs) {
				t.Errorf("TypeIs(%q) = false for typ %q", tt.wantTypIs, tok.Header.Type)
			}
			parts := strings.Split(tt.token, ".")
			if tok.SigningInput != parts[0]+"."+parts[1] {
				t.Errorf("SigningInput = %q, want header.payload", tok.SigningInput)
			}
			if got := enc(tok.Payload); got != parts[1] {
				t.Errorf("Payload re-encodes to %q, want %q", got, parts[1])
			}
			if got := enc(tok.Signature); got != parts[2] {
				t.Errorf("Signature re-encodes to %q, want %q", got, parts[2])
			}
		})
	}
}

// assertNoTokenInError fails if the error message contains any part of the
// token, or the canary kid.
func assertNoTokenInError(t *testing.T, err error, token string) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, canaryKid) {
		t.Errorf("error %q contains the kid", msg)
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 6 && strings.Contains(msg, part) {
			t.Errorf("error %q contains a token part", msg)
		}
		if len(part) >= 12 && strings.Contains(msg, part[:12]) {
			t.Errorf("error %q contains the start of a token part", msg)
		}
	}
}

func TestParseMessagesNeverEchoHeaderValues(t *testing.T) {
	// Values of every header member that can fail, set to a canary.
	headers := []string{
		`{"alg":"` + canaryKid + `"}`,
		`{"alg":"RS256","kid":"` + canaryKid + `","kid":"` + canaryKid + `"}`,
		`{"alg":"RS256","` + canaryKid + `":1,"crit":["` + canaryKid + `"]}`,
		`{"alg":"RS256","crit":["` + canaryKid + `"]}`,
		`{"` + canaryKid + `":"RS256"}`,
		`{"alg":"RS256","typ":["` + canaryKid + `"]}`,
	}
	var p jws.Parser
	for _, h := range headers {
		tok := encS(h) + "." + encS("{}") + ".AAAA"
		_, err := p.Parse(tok)
		if err == nil {
			t.Fatalf("Parse(%s) succeeded", h)
		}
		assertNoTokenInError(t, err, tok)
	}
}

func TestParseReuse(t *testing.T) {
	k := getKeys(t)
	a := mint(t, jws.ES256, k.privateFor(jws.ES256), `{"alg":"ES256","kid":"first-key-id","typ":"JWT"}`, strings.Repeat("A", 500))
	b := mint(t, jws.EdDSA, k.privateFor(jws.EdDSA), `{"alg":"EdDSA","kid":"k2"}`, "short")
	var p jws.Parser
	for range 3 {
		for _, tc := range []struct {
			token   string
			alg     jws.Algorithm
			kid     string
			payload string
		}{{a, jws.ES256, "first-key-id", strings.Repeat("A", 500)}, {b, jws.EdDSA, "k2", "short"}} {
			tok, err := p.Parse(tc.token)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Header.Alg != tc.alg || tok.Header.KeyID != tc.kid || string(tok.Payload) != tc.payload {
				t.Fatalf("got %+v %q", tok.Header, tok.Payload)
			}
			if err := jws.Verify(tok.Header.Alg, k.publicFor(tc.alg), tok.SigningInput, tok.Signature); err != nil {
				t.Fatal(err)
			}
			// A failed parse in between must not disturb the next one.
			if _, err := p.Parse("garbage"); err == nil {
				t.Fatal("garbage parsed")
			}
		}
	}
}

// TestParseRepeatedHeader covers the repeat of a header part (tokens from
// one key share it): the repeat gives the same header as a fresh parse,
// whatever was parsed in between, a header differing in one byte is parsed
// afresh (and rejected when bad), and alternating headers do not allocate.
func TestParseRepeatedHeader(t *testing.T) {
	k := getKeys(t)
	key := k.privateFor(jws.ES256)
	h1 := `{"alg":"ES256","kid":"key-one","typ":"at+jwt","cty":"JWT"}`
	h2 := `{"alg":"ES256","kid":"k2"}`
	want1 := jws.Header{Alg: jws.ES256, KeyID: "key-one", Type: "at+jwt", ContentType: "JWT"}
	want2 := jws.Header{Alg: jws.ES256, KeyID: "k2"}
	a1 := mint(t, jws.ES256, key, h1, "payload one")
	a2 := mint(t, jws.ES256, key, h1, strings.Repeat("payload two, a longer one ", 20))
	b := mint(t, jws.ES256, key, h2, "payload three")
	parts := strings.SplitN(a1, ".", 2)
	badHeader := encS(`{"alg":"ES256","kid":"key-one","typ":"at+jwt","cty":"JWT","alg":"x"}`) + "." + parts[1]
	var p, fresh jws.Parser
	for i, tc := range []struct {
		token string
		want  jws.Header
		ok    bool
	}{
		{a1, want1, true}, {a2, want1, true}, {a1, want1, true}, {badHeader, jws.Header{}, false},
		{a2, want1, true}, {b, want2, true}, {a1, want1, true}, {"garbage", jws.Header{}, false}, {a2, want1, true},
	} {
		tok, err := p.Parse(tc.token)
		if (err == nil) != tc.ok {
			t.Fatalf("step %d: err %v, want ok=%v", i, err, tc.ok)
		}
		if err != nil {
			continue
		}
		if tok.Header != tc.want {
			t.Fatalf("step %d: header %+v, want %+v", i, tok.Header, tc.want)
		}
		ref, err := (&fresh).Parse(tc.token)
		if err != nil || ref.Header != tok.Header || string(ref.Payload) != string(tok.Payload) || string(ref.Signature) != string(tok.Signature) {
			t.Fatalf("step %d: repeat differs from a fresh parse: %+v vs %+v (%v)", i, tok.Header, ref.Header, err)
		}
		fresh = jws.Parser{}
		if err := jws.Verify(tok.Header.Alg, k.publicFor(jws.ES256), tok.SigningInput, tok.Signature); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, tok := range []string{a1, b, a2} {
			if _, err := p.Parse(tok); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("alternating headers allocate %v times, want 0", allocs)
	}
}

func TestTokenClone(t *testing.T) {
	k := getKeys(t)
	var p jws.Parser
	tok, err := p.Parse(mint(t, jws.ES256, k.privateFor(jws.ES256), `{"alg":"ES256","kid":"keep-me","typ":"at+jwt"}`, "payload-one"))
	if err != nil {
		t.Fatal(err)
	}
	kept := tok.Clone()
	if _, err := p.Parse(mint(t, jws.ES256, k.privateFor(jws.ES256), `{"alg":"ES256","kid":"zzzzzzz","typ":"xxxxxx"}`, "PAYLOAD-TWO")); err != nil {
		t.Fatal(err)
	}
	if kept.Header.KeyID != "keep-me" || kept.Header.Type != "at+jwt" || string(kept.Payload) != "payload-one" {
		t.Fatalf("clone changed after the next Parse: %+v %q", kept.Header, kept.Payload)
	}
	if err := jws.Verify(kept.Header.Alg, k.publicFor(jws.ES256), kept.SigningInput, kept.Signature); err != nil {
		t.Fatal(err)
	}
}

func TestParseAllocs(t *testing.T) {
	k := getKeys(t)
	token := mint(t, jws.RS256, k.privateFor(jws.RS256), `{"alg":"RS256","kid":"2024-key","typ":"at+jwt"}`, strings.Repeat(`{"scope":"read write"}`, 20))
	var p jws.Parser
	if _, err := p.Parse(token); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := p.Parse(token); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Parse allocates %v times per call after warm-up, want 0", allocs)
	}
	// Rejections do not allocate either.
	bad := []string{"", "a.b", "e30.e30.AAAA", encS(`{"alg":"none"}`) + ".e30.", encS(`{"alg":"RS256","alg":"RS256"}`) + ".e30.AAAA"}
	allocs = testing.AllocsPerRun(100, func() {
		for _, b := range bad {
			if _, err := p.Parse(b); err == nil {
				t.Fatal("parsed")
			}
		}
	})
	if allocs != 0 {
		t.Errorf("rejecting allocates %v times, want 0", allocs)
	}
}

func TestHeaderTypeIs(t *testing.T) {
	tests := []struct {
		typ, want string
		match     bool
	}{
		{"at+jwt", "at+jwt", true},
		{"AT+JWT", "at+jwt", true},
		{"application/at+jwt", "at+jwt", true},
		{"Application/AT+JWT", "at+jwt", true},
		{"at+jwt", "application/at+jwt", true},
		{"JWT", "jwt", true},
		{"application/jwt", "JWT", true},
		{"", "", true},
		{"", "at+jwt", false},
		{"at+jwt", "", false},
		{"jwt", "at+jwt", false},
		{"application/", "application/", true},
		{"application/", "", false},
		{"application/at+jwt/x", "at+jwt/x", false},
		{"application/vnd.example/x", "application/vnd.example/x", true},
		{"text/at+jwt", "at+jwt", false},
		{"applicationat+jwt", "at+jwt", false},
		{"at+jwt; charset=utf-8", "at+jwt", false},
		// ASCII case-insensitive only, as media types compare (RFC 9110
		// §8.3.1): no Unicode folding. U+017F (long s) folds to 's', U+212A
		// (Kelvin sign) to 'k'.
		{"\u017fecevent+jwt", "secevent+jwt", false},
		{"secevent+jwt", "\u017fecevent+jwt", false},
		{"\u017fECEVENT+JWT", "secevent+jwt", false},
		{"application/\u017fecevent+jwt", "secevent+jwt", false},
		{"\u212a+jwt", "k+jwt", false},
		{"\u0430t+jwt", "at+jwt", false}, // Cyrillic a
		{"SECEVENT+JWT", "secevent+jwt", true},
		{"APPLICATION/secevent+jwt", "secevent+jwt", true},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"~"+tt.want, func(t *testing.T) {
			h := jws.Header{Type: tt.typ}
			if got := h.TypeIs(tt.want); got != tt.match {
				t.Errorf("Header{Type: %q}.TypeIs(%q) = %v, want %v", tt.typ, tt.want, got, tt.match)
			}
		})
	}
}
