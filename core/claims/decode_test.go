package claims

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustDecode(t testing.TB, payload string, opts *DecodeOptions) *Claims {
	t.Helper()
	c, err := Decode([]byte(payload), opts)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return c
}

func unix(sec, nsec int64) time.Time { return time.Unix(sec, nsec).UTC() }

func TestDecodeFixtures(t *testing.T) {
	withPermissions := &DecodeOptions{ScopeClaims: []string{"scope", "scp", "permissions"}}
	tests := []struct {
		name    string
		payload string
		opts    *DecodeOptions
		want    Claims
	}{
		{"keycloak", keycloakToken, nil, Claims{
			Issuer:   "https://sso.example.com/realms/acme",
			Subject:  "f3c2a1b0-9d8e-4c7b-a6f5-e4d3c2b1a090",
			Audience: []string{"orders-api", "account"},
			Expiry:   unix(1767225900, 0), IssuedAt: unix(1767225600, 0),
			ID:     "onrtac:5f8e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b",
			Scopes: []string{"openid", "profile", "email", "orders:read"},
		}},
		{"auth0 default scope claims", auth0Token, nil, Claims{
			Issuer:   "https://acme.eu.auth0.com/",
			Subject:  "auth0|64f1c2d3e4b5a6978812345a",
			Audience: []string{"https://api.acme.example", "https://acme.eu.auth0.com/userinfo"},
			Expiry:   unix(1767312000, 0), IssuedAt: unix(1767225600, 0),
			Scopes: []string{"openid", "profile", "email", "read:reports"},
		}},
		{"auth0 with permissions", auth0Token, withPermissions, Claims{
			Issuer:   "https://acme.eu.auth0.com/",
			Subject:  "auth0|64f1c2d3e4b5a6978812345a",
			Audience: []string{"https://api.acme.example", "https://acme.eu.auth0.com/userinfo"},
			Expiry:   unix(1767312000, 0), IssuedAt: unix(1767225600, 0),
			Scopes: []string{"openid", "profile", "email", "read:reports", "write:reports"},
		}},
		{"okta", oktaToken, nil, Claims{
			Issuer:   "https://acme.okta.com/oauth2/default",
			Subject:  "jane.doe@example.com",
			Audience: []string{"api://default"},
			Expiry:   unix(1767229200, 0), IssuedAt: unix(1767225600, 0),
			ID:     "AT.2n8Vf9kQwX3yZ7bC1dE5fG9hJ2kL6mN0pQ4rS8tU",
			Scopes: []string{"openid", "profile", "orders.read"},
		}},
		{"entra v2", entraV2Token, nil, Claims{
			Issuer:   "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
			Subject:  "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
			Audience: []string{"api://7c3e1f2a-4b5d-4e6f-8a9b-0c1d2e3f4a5b"},
			Expiry:   unix(1767229500, 0), NotBefore: unix(1767225600, 0), IssuedAt: unix(1767225600, 0),
			Scopes: []string{"Orders.Read", "Orders.Write"},
		}},
		{"entra v1 app-only", entraV1AppToken, nil, Claims{
			Issuer:   "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
			Subject:  "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
			Audience: []string{"https://orders.contoso.com"},
			Expiry:   unix(1767229500, 0), NotBefore: unix(1767225600, 0), IssuedAt: unix(1767225600, 0),
		}},
		{"oidc-provider", oidcProviderToken, nil, Claims{
			Issuer:   "https://op.example.org",
			Subject:  "user-été-1234",
			Audience: []string{"https://api.example.org"},
			Expiry:   unix(1767229200, 0), IssuedAt: unix(1767225600, 250000000),
			ID:     "tUlNQ3Bb2cD4eF5gH6iJ7kL8mN9oP0qR",
			Scopes: []string{"openid", "api:read", "api:write"},
		}},
		{"no scope claims configured", keycloakToken, &DecodeOptions{ScopeClaims: []string{}}, Claims{
			Issuer:   "https://sso.example.com/realms/acme",
			Subject:  "f3c2a1b0-9d8e-4c7b-a6f5-e4d3c2b1a090",
			Audience: []string{"orders-api", "account"},
			Expiry:   unix(1767225900, 0), IssuedAt: unix(1767225600, 0),
			ID: "onrtac:5f8e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustDecode(t, tt.payload, tt.opts)
			assertClaims(t, c, &tt.want)
			if string(c.Raw()) != tt.payload {
				t.Errorf("Raw() differs from the payload")
			}
		})
	}
}

func assertClaims(t *testing.T, got, want *Claims) {
	t.Helper()
	if got.Issuer != want.Issuer || got.Subject != want.Subject || got.ID != want.ID {
		t.Errorf("iss/sub/jti = %q/%q/%q, want %q/%q/%q", got.Issuer, got.Subject, got.ID, want.Issuer, want.Subject, want.ID)
	}
	if !slices.Equal(got.Audience, want.Audience) {
		t.Errorf("Audience = %q, want %q", got.Audience, want.Audience)
	}
	if !slices.Equal(got.Scopes, want.Scopes) {
		t.Errorf("Scopes = %q, want %q", got.Scopes, want.Scopes)
	}
	for _, tc := range []struct {
		name      string
		got, want time.Time
	}{{"Expiry", got.Expiry, want.Expiry}, {"NotBefore", got.NotBefore, want.NotBefore}, {"IssuedAt", got.IssuedAt, want.IssuedAt}} {
		if !tc.got.Equal(tc.want) || tc.got.IsZero() != tc.want.IsZero() {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
		if !tc.got.IsZero() && tc.got.Location() != time.UTC {
			t.Errorf("%s is not in UTC", tc.name)
		}
	}
}

func TestDecodeAccepts(t *testing.T) {
	deep := strings.Repeat(`{"a":`, MaxDepth-1) + `[1]` + strings.Repeat(`}`, MaxDepth-1)
	tests := []struct {
		name    string
		payload string
		opts    *DecodeOptions
		want    Claims
	}{
		{"empty object", `{}`, nil, Claims{}},
		{"whitespace everywhere", " \t\r\n{ \"iss\" :\t\"a\" ,\n\"exp\" : 5 ,\"x\": [ 1 , { } ] }\n ", nil,
			Claims{Issuer: "a", Expiry: unix(5, 0)}},
		{"fractional NumericDate", `{"exp":1767225600.5,"nbf":0.000000001,"iat":1767225600.123456789999}`, nil,
			Claims{Expiry: unix(1767225600, 500000000), NotBefore: unix(0, 1), IssuedAt: unix(1767225600, 123456789)}},
		{"exponent NumericDate", `{"exp":1.7672256E9,"iat":17672256e2}`, nil,
			Claims{Expiry: unix(1767225600, 0), IssuedAt: unix(1767225600, 0)}},
		{"zero NumericDate is 1970, not absent", `{"exp":0}`, nil, Claims{Expiry: unix(0, 0)}},
		{"integer NumericDates before whitespace, comma and brace", `{"exp":1767225600 ,"nbf":7,"iat":253402300799}`, nil,
			Claims{Expiry: unix(1767225600, 0), NotBefore: unix(7, 0), IssuedAt: unix(253402300799, 0)}},
		{"largest NumericDate", `{"exp":253402300799.999}`, nil, Claims{Expiry: unix(253402300799, 999000000)}},
		{"aud string", `{"aud":"api"}`, nil, Claims{Audience: []string{"api"}}},
		{"aud empty array", `{"aud":[]}`, nil, Claims{}},
		{"names are case-sensitive", `{"Exp":"soon","ISS":1,"Aud":{}}`, nil, Claims{}},
		{"escapes in kept strings", `{"iss":"https:\/\/a.example\/","sub":"\u00e9\ud83d\ude00\"\\\b\f\n\r\t","jti":"\u0000"}`, nil,
			Claims{Issuer: "https://a.example/", Subject: "é😀\"\\\b\f\n\r\t", ID: "\x00"}},
		{"escaped member names", `{"\u0069ss":"a","\u0065xp":7}`, nil, Claims{Issuer: "a", Expiry: unix(7, 0)}},
		{"non-ASCII names and values", `{"名前":"値","iss":"ä"}`, nil, Claims{Issuer: "ä"}},
		{"any unknown values", `{"a":null,"b":true,"c":false,"d":-0.5e-3,"e":1E400,"f":[[],{},""],"g":{"h":{"i":[null]}}}`, nil, Claims{}},
		{"nesting at MaxDepth", deep, nil, Claims{}},
		{"scope duplicates and spacing", `{"scope":"  a b  a c ","scp":["c","d e","",  "a"]}`, nil,
			Claims{Scopes: []string{"a", "b", "c", "d", "e"}}},
		{"scope claims in configured order", `{"scp":"x y","scope":"y z"}`, nil, Claims{Scopes: []string{"y", "z", "x"}}},
		{"scp as string (Entra)", `{"scp":"User.Read Mail.Send"}`, nil, Claims{Scopes: []string{"User.Read", "Mail.Send"}}},
		{"scope as array", `{"scope":["a","b"]}`, nil, Claims{Scopes: []string{"a", "b"}}},
		{"custom scope claim", `{"scope":"a","roles":["b","a"]}`, &DecodeOptions{ScopeClaims: []string{"roles", "scope"}},
			Claims{Scopes: []string{"b", "a"}}},
		{"registered names are never scope claims", `{"aud":"a","scope":"s"}`, &DecodeOptions{ScopeClaims: []string{"aud", "scope"}},
			Claims{Audience: []string{"a"}, Scopes: []string{"s"}}},
		{"non-scope claim of any type", `{"scope":"a","scp":5}`, &DecodeOptions{ScopeClaims: []string{"scope"}},
			Claims{Scopes: []string{"a"}}},
		{"null scope claim is absent", `{"scope":null}`, nil, Claims{}},
		{"escaped spaces split scopes", `{"scope":"a\u0020b\u0020\u0020a","scp":["c\u0020d"]}`, nil, Claims{Scopes: []string{"a", "b", "c", "d"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertClaims(t, mustDecode(t, tt.payload, tt.opts), &tt.want)
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	deep := `{"a":` + strings.Repeat(`[`, MaxDepth) + strings.Repeat(`]`, MaxDepth) + `}`
	many := func(extra string) string {
		var b strings.Builder
		b.WriteString(`{`)
		for i := range 200 {
			fmt.Fprintf(&b, `"claim%d":%d,`, i, i)
		}
		b.WriteString(extra + `}`)
		return b.String()
	}
	tests := []struct {
		name    string
		payload string
		opts    *DecodeOptions
	}{
		{"empty", ``, nil},
		{"only whitespace", " \n", nil},
		{"null", `null`, nil},
		{"array", `[{"iss":"a"}]`, nil},
		{"string", `"SECRET"`, nil},
		{"number", `1`, nil},
		{"unterminated", `{"iss":"SECRET"`, nil},
		{"unterminated string", `{"iss":"SECRET`, nil},
		{"trailing comma", `{"a":1,}`, nil},
		{"leading comma", `{,"a":1}`, nil},
		{"missing colon", `{"a" 1}`, nil},
		{"missing comma", `{"a":1 "b":2}`, nil},
		{"single quotes", `{'a':1}`, nil},
		{"unquoted name", `{a:1}`, nil},
		{"trailing data", `{"a":1}x`, nil},
		{"two objects", `{"a":1}{}`, nil},
		{"byte order mark", "\ufeff{}", nil},
		{"leading zero", `{"a":01}`, nil},
		{"trailing dot", `{"a":1.}`, nil},
		{"leading dot", `{"a":.5}`, nil},
		{"plus sign", `{"a":+1}`, nil},
		{"bare minus", `{"a":-}`, nil},
		{"empty exponent", `{"a":1e}`, nil},
		{"NaN", `{"a":NaN}`, nil},
		{"nan", `{"a":nan}`, nil},
		{"Infinity", `{"a":Infinity}`, nil},
		{"hex", `{"a":0x10}`, nil},
		{"truncated literal", `{"a":tru}`, nil},
		{"capital literal", `{"a":True}`, nil},
		{"unknown escape", `{"a":"SECRET\q"}`, nil},
		{"short unicode escape", `{"a":"\u12"}`, nil},
		{"bad hex escape", `{"a":"\u12g4"}`, nil},
		{"raw newline in string", "{\"a\":\"x\ny\"}", nil},
		{"raw tab in string", "{\"a\":\"x\ty\"}", nil},
		{"raw NUL outside strings", "{\"a\":1\x00}", nil},
		{"lone high surrogate", `{"a":"\ud800"}`, nil},
		{"lone low surrogate", `{"a":"\udc00"}`, nil},
		{"high surrogate then letter", `{"a":"\ud800\u0041"}`, nil},
		{"surrogate in a name", `{"\ud800":1}`, nil},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", nil},
		{"overlong UTF-8", "{\"a\":\"\xc0\xaf\"}", nil},
		{"invalid UTF-8 in a name", "{\"\xfe\":1}", nil},
		{"too deep", deep, nil},
		{"too deep objects", strings.Repeat(`{"a":`, MaxDepth+1) + `1` + strings.Repeat(`}`, MaxDepth+1), nil},

		{"duplicate exp", `{"exp":1,"exp":2}`, nil},
		{"duplicate unknown claim", `{"role":"user","role":"admin"}`, nil},
		{"duplicate through an escape", `{"exp":1,"\u0065xp":2}`, nil},
		{"case variant of a registered claim", `{"exp":1,"EXP":2}`, nil},
		{"case variant of a custom claim", `{"role":"user","Role":"admin"}`, nil},
		{"duplicate nested", `{"realm_access":{"roles":[],"roles":["admin"]}}`, nil},
		{"case variant nested", `{"a":{"roles":[],"ROLES":["admin"]}}`, nil},
		{"duplicate in an object in an array", `{"a":[{"x":1,"x":2}]}`, nil},
		{"Kelvin sign folds to k", `{"k":1,"\u212a":2}`, nil},
		{"long s folds to s", `{"ſ":1,"S":2}`, nil},
		{"non-ASCII case variant", `{"ÄRGER":1,"ärger":2}`, nil},
		{"duplicate among many", many(`"claim17":0`), nil},
		{"case variant among many", many(`"CLAIM199":0`), nil},
		{"non-ASCII case variant among many", many(`"x":{"ſ":1,"s":1}`), nil},

		{"iss number", `{"iss":1}`, nil},
		{"iss null", `{"iss":null}`, nil},
		{"iss array", `{"iss":["SECRET"]}`, nil},
		{"sub boolean", `{"sub":true}`, nil},
		{"jti object", `{"jti":{}}`, nil},
		{"aud number", `{"aud":5}`, nil},
		{"aud null", `{"aud":null}`, nil},
		{"aud object", `{"aud":{"SECRET":1}}`, nil},
		{"aud array of numbers", `{"aud":[1]}`, nil},
		{"aud array with null", `{"aud":["a",null]}`, nil},
		{"aud nested array", `{"aud":[["a"]]}`, nil},
		{"exp string", `{"exp":"1767225600"}`, nil},
		{"exp null", `{"exp":null}`, nil},
		{"exp boolean", `{"exp":true}`, nil},
		{"nbf array", `{"nbf":[1]}`, nil},
		{"iat object", `{"iat":{}}`, nil},
		{"exp negative", `{"exp":-1}`, nil},
		{"exp negative zero", `{"exp":-0}`, nil},
		{"exp after year 9999", `{"exp":253402300800}`, nil},
		{"exp of twelve digits after year 9999", `{"exp":999999999999}`, nil},
		{"exp of thirteen digits", `{"exp":1767225600000}`, nil},
		{"exp with a leading zero", `{"exp":01767225600}`, nil},
		{"exp with a trailing dot", `{"exp":1767225600.}`, nil},
		{"exp with an empty exponent", `{"exp":1767225600e}`, nil},
		{"exp huge integer", `{"exp":99999999999999999999999999}`, nil},
		{"exp huge exponent", `{"exp":1e400}`, nil},
		{"exp huge float", `{"exp":1e20}`, nil},
		{"iat invalid number", `{"iat":1.}`, nil},
		{"scope number", `{"scope":5}`, nil},
		{"scope object", `{"scope":{}}`, nil},
		{"scp array with number", `{"scp":["a",1]}`, nil},
		{"permissions wrong type", `{"permissions":[true]}`, &DecodeOptions{ScopeClaims: []string{"permissions"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode([]byte(tt.payload), tt.opts)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode = %v, %v; want ErrMalformed", c, err)
			}
			if c != nil {
				t.Errorf("claims returned with an error")
			}
			if strings.HasPrefix(tt.name, "too deep") && err != errDepth {
				t.Errorf("error = %v, want errDepth", err)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error message echoes token data: %v", err)
			}
		})
	}
}

func TestDecodeLargeObjects(t *testing.T) {
	// Names enough to use the hash table, including names that only a
	// full comparison tells apart (same length, first and last byte).
	var b strings.Builder
	b.WriteString(`{"scope":"`)
	for i := range 300 {
		fmt.Fprintf(&b, "s%d s%d ", i, i/2) // every scope twice or more
	}
	b.WriteString(`"`)
	for i := range 1000 {
		fmt.Fprintf(&b, `,"a%04dz":{"x%d":%d,"y":[%d]}`, i, i, i, i)
	}
	b.WriteString(`}`)
	c := mustDecode(t, b.String(), nil)
	if len(c.Scopes) != 300 {
		t.Fatalf("len(Scopes) = %d, want 300", len(c.Scopes))
	}
	for i, s := range c.Scopes {
		if s != fmt.Sprintf("s%d", i) {
			t.Fatalf("Scopes[%d] = %q", i, s)
		}
	}
	if !c.Has("a0999z") || c.Has("a1000z") {
		t.Errorf("Has over a large object is wrong")
	}
}

// BenchmarkDecodeLinear decodes hostile payloads of many short names (all
// in one object, or spread over nested objects) and many scopes at 250 and
// 2,000 items, and reports the cost per item: a linear decoder shows the
// same ns/item at both sizes (a quadratic one, eight times more at 2,000).
// Speed is a benchmark's business, not a timed test's:
//
//	go test -run '^$' -bench DecodeLinear ./core/claims/
func BenchmarkDecodeLinear(b *testing.B) {
	shapes := map[string]func(n int) string{
		"flat-names": func(n int) string {
			var sb strings.Builder
			sb.WriteString(`{"z":0`)
			for i := range n {
				fmt.Fprintf(&sb, `,"%x":0`, i)
			}
			return sb.String() + `}`
		},
		"nested-names": func(n int) string {
			var sb strings.Builder
			sb.WriteString(`{"z":{"y":0`)
			for i := range n {
				fmt.Fprintf(&sb, `,"%x":{"%x":0}`, i, i)
			}
			return sb.String() + `}}`
		},
		"scopes": func(n int) string {
			var sb strings.Builder
			sb.WriteString(`{"scope":"`)
			for i := range n {
				fmt.Fprintf(&sb, "%x ", i)
			}
			return sb.String() + `"}`
		},
	}
	for _, name := range []string{"flat-names", "nested-names", "scopes"} {
		for _, n := range []int{250, 2000} { // under maxPooled
			p := []byte(shapes[name](n))
			// Two payloads whose scope strings differ take turns, so that
			// no decoder state sees the same scope string twice in a row
			// (it would reuse its split).
			q := bytes.Replace(p, []byte(`"scope":"`), []byte(`"scope":"q `), 1)
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					in := p
					if i%2 == 1 {
						in = q
					}
					if _, err := Decode(in, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/item")
			})
		}
	}
}

func TestDecodeCopiesPayload(t *testing.T) {
	buf := []byte(oidcProviderToken)
	c, err := Decode(buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'X'
	}
	want := mustDecode(t, oidcProviderToken, nil)
	assertClaims(t, c, want)
	if string(c.Raw()) != oidcProviderToken {
		t.Errorf("Raw changed with the caller's buffer")
	}
	if c.ClientID() != "spa-client" {
		t.Errorf("ClientID = %q after the buffer was reused", c.ClientID())
	}
}

func TestRawIsACopy(t *testing.T) {
	c := mustDecode(t, oktaToken, nil)
	r := c.Raw()
	r[0] = '['
	if string(c.Raw()) != oktaToken {
		t.Errorf("modifying Raw's result changed the claims")
	}
	if (&Claims{}).Raw() != nil {
		t.Errorf("Raw of literal claims is not nil")
	}
}

func TestClaimsConcurrentUse(t *testing.T) {
	c := mustDecode(t, keycloakToken, nil)
	roles := ParsePath("realm_access.roles")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if c.ClientID() != "web-frontend" || !c.Has("sid") || !slices.Contains(c.Strings(roles), "admin") {
					t.Error("concurrent accessor result wrong")
					return
				}
				if err := Roles("realm_access.roles", "admin").Check(c); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestHas(t *testing.T) {
	c := mustDecode(t, `{"iss":"","exp":1,"n":null,"z":0,"o":{},"e\u0073c":1}`, nil)
	for name, want := range map[string]bool{
		"iss": true, "exp": true, "z": true, "o": true, "esc": true,
		"n": false, "sub": false, "ISS": false, "": false, "e\\u0073c": false,
	} {
		if got := c.Has(name); got != want {
			t.Errorf("Has(%q) = %v, want %v", name, got, want)
		}
	}
	lit := &Claims{Issuer: "x", Expiry: fixtureNow}
	for name, want := range map[string]bool{"iss": true, "exp": true, "sub": false, "nbf": false, "aud": false, "tid": false} {
		if got := lit.Has(name); got != want {
			t.Errorf("literal Has(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestAccessors(t *testing.T) {
	tests := []struct {
		name                           string
		payload                        string
		clientID, azp, tid, email      string
		roles                          []string
		emailVerified                  bool
		stringClaim, stringClaimWanted string
	}{
		{name: "keycloak", payload: keycloakToken, clientID: "web-frontend", azp: "web-frontend", email: "jose.mueller@example.com",
			emailVerified: true, stringClaim: "name", stringClaimWanted: "José Müller"},
		{name: "auth0", payload: auth0Token, clientID: "Xk2v8QpR7tYz3mN1bL5cD9fG0hJ4kW6e", azp: "Xk2v8QpR7tYz3mN1bL5cD9fG0hJ4kW6e",
			stringClaim: "https://acme.example/tenant", stringClaimWanted: "t-42"},
		{name: "okta", payload: oktaToken, clientID: "0oa1b2c3d4E5f6G7h8i9", stringClaim: "uid", stringClaimWanted: "00u1a2b3c4D5e6F7g8h9"},
		{name: "entra v2", payload: entraV2Token, clientID: "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9", azp: "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
			tid: "72f988bf-86f1-41af-91ab-2d7cd011db47", roles: []string{"Reports.Admin", "Orders.Read"}, stringClaim: "ver", stringClaimWanted: "2.0"},
		{name: "entra v1 app", payload: entraV1AppToken, clientID: "9b8a7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
			tid: "72f988bf-86f1-41af-91ab-2d7cd011db47", roles: []string{"Orders.ReadWrite.All"}, stringClaim: "idtyp", stringClaimWanted: "app"},
		{name: "oidc-provider", payload: oidcProviderToken, clientID: "spa-client", stringClaim: "exp", stringClaimWanted: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustDecode(t, tt.payload, nil)
			if got := c.ClientID(); got != tt.clientID {
				t.Errorf("ClientID = %q, want %q", got, tt.clientID)
			}
			if got := c.AuthorizedParty(); got != tt.azp {
				t.Errorf("AuthorizedParty = %q, want %q", got, tt.azp)
			}
			if got := c.TenantID(); got != tt.tid {
				t.Errorf("TenantID = %q, want %q", got, tt.tid)
			}
			if got := c.Email(); got != tt.email {
				t.Errorf("Email = %q, want %q", got, tt.email)
			}
			if got := c.BoolClaim("email_verified"); got != tt.emailVerified {
				t.Errorf("BoolClaim(email_verified) = %v", got)
			}
			if got := c.Roles(); !slices.Equal(got, tt.roles) {
				t.Errorf("Roles = %q, want %q", got, tt.roles)
			}
			if got := c.StringClaim(tt.stringClaim); got != tt.stringClaimWanted {
				t.Errorf("StringClaim(%q) = %q, want %q", tt.stringClaim, got, tt.stringClaimWanted)
			}
		})
	}
	lit := &Claims{Issuer: "x"}
	if lit.ClientID() != "" || lit.Roles() != nil || lit.StringClaim("iss") != "" {
		t.Errorf("accessors of literal claims report claims")
	}
}

func TestGetAndLookup(t *testing.T) {
	c := mustDecode(t, keycloakToken, nil)
	a0 := mustDecode(t, auth0Token, nil)
	odd := mustDecode(t, `{"a.b":"flat","a":{"b":{"c":1}},"x":{"y.z":{"w":true}},"n":null,"arr":[1,{"k":"v"}]}`, nil)
	tests := []struct {
		name   string
		c      *Claims
		path   Path
		want   string // fmt.Sprint of the value
		wantOK bool
	}{
		{"top-level", c, ParsePath("azp"), "web-frontend", true},
		{"realm roles", c, ParsePath("realm_access.roles"), "[offline_access uma_authorization default-roles-acme admin]", true},
		{"client roles", c, ParsePath("resource_access.orders-api.roles"), "[orders:read orders:write]", true},
		{"client id with dots", c, ParsePath("resource_access.my.legacy.client.roles"), "[legacy-user]", true},
		{"same by segments", c, ClaimPath("resource_access", "my.legacy.client", "roles"), "[legacy-user]", true},
		{"auth0 namespaced", a0, ParsePath("https://acme.example/roles"), "[analyst admin]", true},
		{"auth0 namespaced by segment", a0, ClaimPath("https://acme.example/roles"), "[analyst admin]", true},
		{"number", c, ParsePath("exp"), "1767225900", true},
		{"boolean", c, ParsePath("email_verified"), "true", true},
		{"object", c, ParsePath("resource_access.account"), "map[roles:[manage-account view-profile]]", true},
		{"longest name first", odd, ParsePath("a.b"), "flat", true},
		{"backtracks to shorter names", odd, ParsePath("a.b.c"), "1", true},
		{"dotted name nested", odd, ParsePath("x.y.z.w"), "true", true},
		{"segments do not join", odd, ClaimPath("x", "y", "z", "w"), "", false},
		{"null exists", odd, ParsePath("n"), "<nil>", true},
		{"no array indexing", odd, ParsePath("arr.1.k"), "", false},
		{"missing", c, ParsePath("realm_access.groups"), "", false},
		{"through a non-object", c, ParsePath("azp.x"), "", false},
		{"case-sensitive", c, ParsePath("AZP"), "", false},
		{"invalid path", c, ParsePath("realm_access..roles"), "", false},
		{"zero path", c, Path{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := tt.c.Lookup(tt.path)
			if ok != tt.wantOK {
				t.Fatalf("Lookup(%s) ok = %v, want %v", tt.path, ok, tt.wantOK)
			}
			if ok && fmt.Sprint(v) != tt.want {
				t.Errorf("Lookup(%s) = %v, want %s", tt.path, v, tt.want)
			}
		})
	}

	// Get parses its argument as ParsePath does.
	for _, path := range []string{"azp", "realm_access.roles", "resource_access.my.legacy.client.roles", "nope", "a..b", ""} {
		v1, ok1 := c.Get(path)
		v2, ok2 := c.Lookup(ParsePath(path))
		if ok1 != ok2 || fmt.Sprint(v1) != fmt.Sprint(v2) {
			t.Errorf("Get(%q) = %v, %v; Lookup = %v, %v", path, v1, ok1, v2, ok2)
		}
	}

	// Values are copies.
	v, _ := c.Get("realm_access.roles")
	v.([]any)[0] = "tampered"
	if v2, _ := c.Get("realm_access.roles"); v2.([]any)[0] != "offline_access" {
		t.Errorf("modifying Get's result changed the claims")
	}
	m, _ := c.Get("resource_access")
	delete(m.(map[string]any), "account")
	if _, ok := c.Get("resource_access.account"); !ok {
		t.Errorf("modifying Get's map changed the claims")
	}
}

func TestPathErrors(t *testing.T) {
	for _, p := range []Path{
		ParsePath(""), ParsePath("."), ParsePath("a..b"), ParsePath(".a"), ParsePath("a."),
		ParsePath(strings.Repeat("a.", maxDottedSegments) + "a"),
		ClaimPath(), ClaimPath("a", ""), {},
	} {
		if p.Err() == nil {
			t.Errorf("path %q: Err() = nil", p)
		}
	}
	for _, p := range []Path{ParsePath("a"), ParsePath(strings.Repeat("a.", maxDottedSegments-1) + "a"), ClaimPath("a.b", "c/d")} {
		if err := p.Err(); err != nil {
			t.Errorf("path %q: %v", p, err)
		}
	}
	if got := ClaimPath("https://x.example/claims", "roles").String(); got != "https://x.example/claims.roles" {
		t.Errorf("String = %q", got)
	}
}

func TestClaimsDecodeInto(t *testing.T) {
	c := mustDecode(t, keycloakToken, nil)
	var v struct {
		Name        string `json:"name"`
		RealmAccess struct {
			Roles []string `json:"roles"`
		} `json:"realm_access"`
		Exp json.Number `json:"exp"`
	}
	if err := c.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if v.Name != "José Müller" || !slices.Contains(v.RealmAccess.Roles, "admin") || v.Exp != "1767225900" {
		t.Errorf("Decode = %+v", v)
	}
	v.RealmAccess.Roles[0] = "tampered"
	if got := c.Strings(ParsePath("realm_access.roles")); got[0] != "offline_access" {
		t.Errorf("modifying the decoded struct changed the claims")
	}
	if err := (&Claims{}).Decode(&v); !errors.Is(err, ErrMalformed) {
		t.Errorf("Decode of literal claims = %v, want ErrMalformed", err)
	}
	var wrong struct {
		Exp string `json:"exp"`
	}
	if err := c.Decode(&wrong); err == nil {
		t.Errorf("Decode into a mismatched struct succeeded")
	}
}

// TestDecodeRepeatedScope covers the reuse of the last scope string's
// split: tokens with the same scope string (deduplicated or not) get the
// same scopes as a fresh decoding, and a token with another string, with
// several scope claims or with escapes in between does not disturb it.
func TestDecodeRepeatedScope(t *testing.T) {
	steps := []struct {
		payload string
		want    []string
	}{
		{`{"sub":"a","scope":"read write read"}`, []string{"read", "write"}},
		{`{"sub":"bb","scope":"read write read"}`, []string{"read", "write"}},
		{`{"exp":1,"sub":"ccc","scope":"read write read","x":"y"}`, []string{"read", "write"}},
		{`{"scope":"read write","scp":["admin","read"]}`, []string{"read", "write", "admin"}},
		{`{"scope":""}`, nil},
		{`{"scope":"read write","scp":["admin","read"]}`, []string{"read", "write", "admin"}},
		{`{"scope":"read write read"}`, []string{"read", "write"}},
		{`{"scope":"` + strings.Repeat("long ", 300) + `"}`, []string{"long"}},
		{`{"scope":"read write read"}`, []string{"read", "write"}},
		{`{"scope":""}`, nil},
		{`{"scope":""}`, nil},
		{`{"scope":"read\u0020write read"}`, []string{"read", "write"}},
		{`{"scope":"read write read "}`, []string{"read", "write"}},
		{`{"scope":"read write read"}`, []string{"read", "write"}},
		{`{"scope":"  "}`, nil},
		{`{"scope":"x"}`, []string{"x"}},
		{`{"scope":"x"}`, []string{"x"}},
		{`{"scp":"x y"}`, []string{"x", "y"}},
	}
	d := new(decodeState)
	for i, st := range steps {
		c, err := d.decode([]byte(st.payload), defaultScopeClaims)
		d.reset()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !slices.Equal(c.Scopes, st.want) {
			t.Fatalf("step %d: scopes %q, want %q", i, c.Scopes, st.want)
		}
		fresh, err := decodeGeneral([]byte(st.payload), defaultScopeClaims)
		if err != nil || !slices.Equal(fresh.Scopes, c.Scopes) {
			t.Fatalf("step %d: a fresh decoding gives %q (%v)", i, fresh.Scopes, err)
		}
	}
}

// TestDecodeManyScopes covers deduplication beyond the pairwise limit (the
// hash table), in one scope string and across scope claims, against a
// plain map-based reference.
func TestDecodeManyScopes(t *testing.T) {
	var one strings.Builder
	var arr []string
	for i := range 300 {
		fmt.Fprintf(&one, " s%d  s%d", i%97, i%41)
		arr = append(arr, fmt.Sprintf("s%d x%d", i%53, i%7))
	}
	arrJSON, _ := json.Marshal(arr)
	payloads := []string{
		`{"scope":"` + one.String() + `"}`,
		`{"scope":"` + one.String() + `","scp":` + string(arrJSON) + `}`,
		`{"scp":` + string(arrJSON) + `}`,
	}
	for _, p := range payloads {
		for range 2 { // the second decoding may reuse the split
			c := mustDecode(t, p, nil)
			var raw struct {
				Scope string          `json:"scope"`
				Scp   json.RawMessage `json:"scp"`
			}
			if err := json.Unmarshal([]byte(p), &raw); err != nil {
				t.Fatal(err)
			}
			var fields []string
			fields = append(fields, strings.Fields(raw.Scope)...)
			var list []string
			_ = json.Unmarshal(raw.Scp, &list)
			for _, s := range list {
				fields = append(fields, strings.Fields(s)...)
			}
			var want []string
			seen := map[string]bool{}
			for _, f := range fields {
				if !seen[f] {
					seen[f] = true
					want = append(want, f)
				}
			}
			if !slices.Equal(c.Scopes, want) {
				t.Fatalf("scopes %d %q..., want %d %q...", len(c.Scopes), c.Scopes[:5], len(want), want[:5])
			}
		}
	}
}

// TestClaimsDecodeIntoCaseSensitive checks that Claims.Decode matches member
// names to fields exactly, as encoding/json/v2 does: a member whose name
// differs from a field's only in case (ASCII or Unicode folding) is ignored,
// at any depth, so "Scope" never fills a field tagged "scope".
func TestClaimsDecodeIntoCaseSensitive(t *testing.T) {
	type role struct {
		Name string `json:"name"`
	}
	type embedded struct {
		Tenant string `json:"tenant"`
	}
	type target struct {
		embedded
		Scope  string `json:"scope"`
		Name   string // untagged: the JSON name is "Name"
		Admin  bool   `json:"admin,omitempty"`
		Access struct {
			Roles []string `json:"roles"`
		} `json:"realm_access"`
		Roles    []role            `json:"roles"`
		ByTenant map[string]role   `json:"by_tenant"`
		Ptr      *role             `json:"ptr"`
		Skipped  string            `json:"-"`
		Raw      json.RawMessage   `json:"raw"`
		Any      any               `json:"any"`
		Extra    map[string]string `json:"extra"`
	}
	tests := []struct {
		name    string
		payload string
		want    target
	}{
		{"exact names fill", `{"scope":"read","Name":"n","admin":true,"tenant":"t","realm_access":{"roles":["r"]},"roles":[{"name":"a"}],"by_tenant":{"x":{"name":"b"}},"ptr":{"name":"c"},"raw":{"Scope":1},"any":{"Scope":1},"extra":{"Scope":"kept"}}`,
			target{embedded: embedded{"t"}, Scope: "read", Name: "n", Admin: true, Access: struct {
				Roles []string `json:"roles"`
			}{[]string{"r"}},
				Roles: []role{{"a"}}, ByTenant: map[string]role{"x": {"b"}}, Ptr: &role{"c"}, Raw: json.RawMessage(`{"Scope":1}`), Any: map[string]any{"Scope": json.Number("1")}, Extra: map[string]string{"Scope": "kept"}}},
		{"case variants are ignored", `{"Scope":"admin","name":"n","ADMIN":true,"Tenant":"t","Realm_Access":{"roles":["r"]}}`, target{}},
		{"nested case variants are ignored", `{"realm_access":{"Roles":["admin"]},"roles":[{"NAME":"a"}],"by_tenant":{"x":{"Name":"b"}},"ptr":{"nAme":"c"}}`,
			target{Roles: []role{{}}, ByTenant: map[string]role{"x": {}}, Ptr: &role{}}},
		{"Unicode folding is not matching", "{\"\u017fcope\":\"admin\",\"\u212aey\":1}", target{}},
		{"a skipped field stays skipped", `{"-":"x","Skipped":"y"}`, target{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustDecode(t, tt.payload, &DecodeOptions{ScopeClaims: []string{}})
			var got target
			if err := c.Decode(&got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Decode =\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}
