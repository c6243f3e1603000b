package jws_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jwksauth/jwksauth/core/jws"
)

// FuzzParse asserts, for any input: Parse does not panic; a successful parse
// yields parts that re-encode to the input's parts, a header that
// encoding/json also reads as an object with the same "alg" and "kid", and
// the same result on a second parse (valid stays valid); a failed parse wraps
// a sentinel, does not echo the token and fails again the same way (invalid
// stays invalid); Verify never panics on whatever parsed, and a seed token
// signed with a test key verifies with it.
func FuzzParse(f *testing.F) {
	k := getKeys(f)
	payload := `{"iss":"https://issuer.example","sub":"alice","aud":"api","exp":1900000000}`
	valid := map[string]jws.Algorithm{}
	for _, alg := range allAlgorithms {
		tok := mint(f, alg, k.privateFor(alg), `{"alg":"`+alg.String()+`","kid":"k-`+alg.String()+`","typ":"at+jwt"}`, payload)
		valid[tok] = alg
		f.Add(tok)
	}
	rs := mint(f, jws.RS256, k.rsa2048, `{"alg":"RS256"}`, payload)
	parts := strings.Split(rs, ".")
	for _, s := range []string{
		"", ".", "..", "...", "a.b.c", "e30.e30.e30",
		rs + ".", rs + "=", parts[0] + "=." + parts[1] + "." + parts[2],
		parts[0] + "." + parts[1] + "\n." + parts[2],
		parts[0] + ".." + parts[2],
		encS(`{"alg":"none"}`) + "." + parts[1] + ".",
		encS(`{"alg":"RS256","alg":"RS256"}`) + "." + parts[1] + "." + parts[2],
		encS(`{"alg":"RS256","crit":["exp"],"exp":1}`) + "." + parts[1] + "." + parts[2],
		encS(`{"alg":"RS256","b64":false,"crit":["b64"]}`) + "." + parts[1] + "." + parts[2],
		encS(`{"alg":"RS256","kid":"\ud800"}`) + "." + parts[1] + "." + parts[2],
		encS(`{"alg":"RS256","jwk":{"kty":"oct","k":"AAAA"}}`) + "." + parts[1] + "." + parts[2],
		`{"payload":"e30","signatures":[]}`,
		strings.Repeat("A", 100) + "." + strings.Repeat("B", 100) + "." + strings.Repeat("C", 100),
	} {
		f.Add(s)
	}

	var p, other jws.Parser
	f.Fuzz(func(t *testing.T, token string) {
		checkParse(t, k, &p, &other, token, valid)
	})
}

// FuzzParseHeader fuzzes the decoded protected header, the part of the token
// the JSON parser reads, behind a fixed payload and signature.
func FuzzParseHeader(f *testing.F) {
	k := getKeys(f)
	for _, h := range []string{
		`{"alg":"RS256"}`, `{"alg":"ES256","kid":"k1","typ":"at+jwt","cty":"JWT"}`,
		`{"alg":"EdDSA","kid":"a\u0062c\/"}`, ` {"alg" : "PS256" , "x":[1,2.5e-3,true,null,{}]} `,
		`{"alg":"RS256","alg":"RS256"}`, `{"alg":"RS256","\u0061lg":"none"}`, `{"ALG":"RS256"}`,
		`{"alg":"none"}`, `{"alg":"RS256","crit":["exp"],"exp":1}`, `{"alg":"RS256","b64":false}`,
		`{"alg":"RS256","b64":true}`, `{"alg":"RS256","kid":"\ud800"}`, `{"alg":"RS256","kid":"\ud83d\ude00"}`,
		`{"alg":"RS256","jku":"https://x","jwk":{"kty":"RSA"},"x5c":["a"]}`, `{"alg":"RS256","x":NaN}`,
		`{"alg":"RS256",}`, `[]`, `"RS256"`, "{\"alg\":\"RS256\",\"kid\":\"\xff\"}",
	} {
		f.Add([]byte(h))
	}
	var p, other jws.Parser
	f.Fuzz(func(t *testing.T, header []byte) {
		checkParse(t, k, &p, &other, enc(header)+"."+encS(`{"sub":"x"}`)+".AAAA", nil)
	})
}

// checkParse runs the FuzzParse assertions on one input; valid maps seed
// tokens to the algorithm of the test key that signed them.
func checkParse(t *testing.T, k *testKeys, p, other *jws.Parser, token string, valid map[string]jws.Algorithm) {
	{
		tok, err := p.Parse(token)
		if err != nil {
			if tok != nil {
				t.Fatal("token returned with an error")
			}
			if !errors.Is(err, jws.ErrTokenMalformed) && !errors.Is(err, jws.ErrAlgorithm) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			msg := err.Error()
			for _, part := range strings.Split(token, ".") {
				if len(part) >= 8 && strings.Contains(msg, part) {
					t.Fatalf("error %q echoes a token part", msg)
				}
			}
			_, err2 := other.Parse(token)
			if err2 != err { // the parse errors are fixed values
				t.Fatalf("second parse: %v, first: %v", err2, err)
			}
			return
		}

		// Consistent parts.
		if len(token) > jws.DefaultMaxTokenSize {
			t.Fatal("token over the size cap accepted")
		}
		ps := strings.Split(token, ".")
		if len(ps) != 3 {
			t.Fatalf("accepted %d parts", len(ps))
		}
		if tok.SigningInput != ps[0]+"."+ps[1] {
			t.Fatal("SigningInput is not header.payload")
		}
		if len(tok.Payload) == 0 || len(tok.Signature) == 0 {
			t.Fatal("empty payload or signature accepted")
		}
		if enc(tok.Payload) != ps[1] || enc(tok.Signature) != ps[2] {
			t.Fatal("payload or signature does not re-encode to its part")
		}
		hdr, err := base64.RawURLEncoding.Strict().DecodeString(ps[0])
		if err != nil || enc(hdr) != ps[0] {
			t.Fatalf("accepted a non-canonical header encoding (%v)", err)
		}
		if tok.Header.Alg == jws.Unknown || tok.Header.Alg == jws.None {
			t.Fatalf("accepted alg %v", tok.Header.Alg)
		}

		// Differential check of the header against encoding/json.
		if !utf8.Valid(hdr) || !json.Valid(hdr) {
			t.Fatalf("accepted a header encoding/json rejects: %q", hdr)
		}
		var m map[string]any
		if err := json.Unmarshal(hdr, &m); err != nil {
			t.Fatalf("accepted a header that is not an object: %q", hdr)
		}
		if alg, _ := m["alg"].(string); alg != tok.Header.Alg.String() {
			t.Fatalf("alg %q, encoding/json reads %q", tok.Header.Alg, alg)
		}
		if kid, ok := m["kid"].(string); ok && !strings.ContainsRune(kid, utf8.RuneError) && kid != tok.Header.KeyID {
			t.Fatalf("kid %q, encoding/json reads %q", tok.Header.KeyID, kid)
		}
		if _, ok := m["crit"]; ok {
			t.Fatal("accepted a crit header")
		}
		if b, ok := m["b64"]; ok && b != true {
			t.Fatal("accepted b64 other than true")
		}

		// Valid stays valid: another parser, and this one again after a
		// different token, give the same result.
		kept := tok.Clone()
		tok2, err := other.Parse(token)
		if err != nil {
			t.Fatalf("second parser rejects: %v", err)
		}
		if tok2.Header != kept.Header || !bytes.Equal(tok2.Payload, kept.Payload) || !bytes.Equal(tok2.Signature, kept.Signature) {
			t.Fatal("second parse differs")
		}

		// Verify never panics, whatever the algorithm and key.
		for _, key := range []any{&k.rsa2048.PublicKey, &k.p256.PublicKey, &k.p384.PublicKey, &k.p521.PublicKey, k.ed.Public(), nil, k.hmac64} {
			_ = verifyAny(kept.Header.Alg, key, kept.SigningInput, kept.Signature)
		}
		if alg, ok := valid[token]; ok {
			if err := verifyAny(alg, k.publicFor(alg), kept.SigningInput, kept.Signature); err != nil {
				t.Fatalf("seed token signed with %v does not verify: %v", alg, err)
			}
		}
	}
}
