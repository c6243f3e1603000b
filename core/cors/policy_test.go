package cors_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/cors"
)

func origins(o ...string) cors.Policy { return cors.Policy{AllowedOrigins: o} }

func TestIsZero(t *testing.T) {
	tests := []struct {
		name string
		p    cors.Policy
		want bool
	}{
		{"zero", cors.Policy{}, true},
		{"empty non-nil slices", cors.Policy{AllowedOrigins: []string{}, AllowedMethods: []string{}, AllowedHeaders: []string{}, ExposedHeaders: []string{}}, true},
		{"origins", origins("https://a.example.com"), false},
		{"methods", cors.Policy{AllowedMethods: []string{"GET"}}, false},
		{"headers", cors.Policy{AllowedHeaders: []string{"X-A"}}, false},
		{"exposed", cors.Policy{ExposedHeaders: []string{"X-A"}}, false},
		{"credentials", cors.Policy{AllowCredentials: true}, false},
		{"max age", cors.Policy{MaxAge: time.Minute}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.IsZero(); got != tt.want {
				t.Fatalf("IsZero() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestZeroPolicy(t *testing.T) {
	if err := (cors.Policy{}).Validate(); err != nil {
		t.Fatalf("Validate() of the zero policy = %v, want nil", err)
	}
	c, err := cors.New(cors.Policy{})
	if !errors.Is(err, cors.ErrZeroPolicy) || c != nil {
		t.Fatalf("New(zero) = %v, %v; want nil, ErrZeroPolicy", c, err)
	}
	if errors.Is(err, cors.ErrInvalidPolicy) {
		t.Fatal("ErrZeroPolicy must not claim the zero policy is invalid")
	}
}

func TestValidateValid(t *testing.T) {
	valid := []cors.Policy{
		origins("*"),
		origins("https://app.example.com"),
		origins("http://localhost:3000"),
		origins("http://127.0.0.1:8080"),
		origins("http://[::1]:8080"),
		origins("https://*.example.com"),
		origins("https://*.example.com:8443"),
		origins("https://xn--bcher-kva.example"),
		origins("https://_dev.example.com"),
		origins("HTTPS://App.Example.COM:443"),
		{AllowedOrigins: []string{"https://app.example.com"}, AllowCredentials: true},
		{AllowedOrigins: []string{"https://*.example.com"}, AllowCredentials: true},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"get", "OPTIONS", "PROPFIND"}, AllowedHeaders: []string{"x-request-id"}, ExposedHeaders: []string{"ETag"}, MaxAge: time.Hour},
		{AllowedOrigins: []string{"https://a.example.com"}, MaxAge: time.Second},
		{AllowedOrigins: []string{"https://a.example.com"}, MaxAge: 48 * time.Hour},
	}
	for _, p := range valid {
		t.Run(strings.Join(p.AllowedOrigins, ","), func(t *testing.T) {
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			if _, err := cors.New(p); err != nil {
				t.Fatalf("New() = %v", err)
			}
		})
	}
}

func TestValidateInvalid(t *testing.T) {
	tests := []struct {
		name string
		p    cors.Policy
		want string // a piece of the message
	}{
		{"star with credentials", cors.Policy{AllowedOrigins: []string{"*"}, AllowCredentials: true}, "AllowCredentials"},
		{"star among others", origins("*", "https://a.example.com"), `"*" must be the only entry`},
		{"star twice", origins("*", "*"), `"*" must be the only entry`},
		{"no origins, methods set", cors.Policy{AllowedMethods: []string{"GET"}}, "AllowedOrigins is empty"},
		{"no origins, credentials", cors.Policy{AllowCredentials: true}, "AllowedOrigins is empty"},
		{"no origins, max age", cors.Policy{MaxAge: time.Minute}, "AllowedOrigins is empty"},
		{"empty origin", origins(""), "empty origin"},
		{"null", origins("null"), `"null" origin is refused`},
		{"NULL", origins("NULL"), `"null" origin is refused`},
		{"no scheme", origins("app.example.com"), "scheme://host"},
		{"scheme only", origins("https://"), "no host"},
		{"ftp", origins("ftp://app.example.com"), `"http" or "https"`},
		{"file", origins("file://"), `"http" or "https"`},
		{"ws", origins("wss://app.example.com"), `"http" or "https"`},
		{"trailing slash", origins("https://app.example.com/"), "must not end with a slash"},
		{"path", origins("https://app.example.com/app"), "must not have a path"},
		{"backslash", origins(`https://app.example.com\x`), "must not have a path"},
		{"query", origins("https://app.example.com?x=1"), "query"},
		{"fragment", origins("https://app.example.com#x"), "fragment"},
		{"userinfo", origins("https://user@app.example.com"), "userinfo"},
		{"userinfo with password", origins("https://u:p@app.example.com"), "userinfo"},
		{"space", origins("https://app.example.com "), "space"},
		{"unicode host", origins("https://bücher.example"), "punycode"},
		{"empty port", origins("https://app.example.com:"), "colon without a port"},
		{"port zero", origins("https://app.example.com:0"), "between 1 and 65535"},
		{"port too big", origins("https://app.example.com:65536"), "between 1 and 65535"},
		{"port sign", origins("https://app.example.com:+80"), "decimal number"},
		{"two colons", origins("https://app.example.com:80:80"), "more than one colon"},
		{"trailing dot", origins("https://app.example.com."), "empty label"},
		{"double dot", origins("https://app..example.com"), "empty label"},
		{"bad char", origins("https://app!.example.com"), "letters, digits"},
		{"percent", origins("https://app%2e.example.com"), "letters, digits"},
		{"long label", origins("https://" + strings.Repeat("a", 64) + ".example.com"), "1 to 63"},
		{"long host", origins("https://" + strings.Repeat("a.", 127) + "com"), "253"},
		{"short ipv4", origins("http://127.1"), "IPv4"},
		{"octal ipv4", origins("http://0177.0.0.1"), "IPv4"},
		{"hex ipv4", origins("http://0x7f.0.0.1"), "IPv4"},
		{"numeric tld", origins("https://app.example.123"), "IPv4"},
		{"ipv6 no bracket", origins("http://::1"), "more than one colon"},
		{"ipv6 unclosed", origins("http://[::1"), "closing bracket"},
		{"ipv6 junk", origins("http://[::1]x"), "after the IPv6"},
		{"ipv6 invalid", origins("http://[::g]"), "invalid IPv6"},
		{"ipv6 v4", origins("http://[127.0.0.1]"), "invalid IPv6"},
		{"ipv6 zone", origins("http://[fe80::1%25eth0]"), "zone"},
		{"ipv6 mapped", origins("http://[::ffff:127.0.0.1]"), "IPv4-mapped"},
		{"wildcard glued", origins("https://*example.com"), "whole leftmost label"},
		{"wildcard inner", origins("https://app.*.example.com"), "whole leftmost label"},
		{"wildcard twice", origins("https://*.*.example.com"), "whole leftmost label"},
		{"wildcard partial", origins("https://app-*.example.com"), "whole leftmost label"},
		{"wildcard suffix", origins("https://example.*"), "whole leftmost label"},
		{"wildcard tld", origins("https://*.com"), "top-level domain"},
		{"wildcard alone", origins("https://*"), "whole leftmost label"},
		{"wildcard scheme", origins("*://app.example.com"), `"http" or "https"`},
		{"wildcard ip", origins("http://*.0.0.1"), "IP address"},
		{"wildcard ipv6", origins("http://*.[::1]"), "more than one colon"},
		{"wildcard port", origins("https://*.example.com:*"), "decimal number"},
		{"method star", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, AllowedMethods: []string{"*"}}, "list the methods"},
		{"method space", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, AllowedMethods: []string{"GE T"}}, "HTTP token"},
		{"method empty", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, AllowedMethods: []string{""}}, "HTTP token"},
		{"method connect", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, AllowedMethods: []string{"connect"}}, "forbid"},
		{"method trace", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, AllowedMethods: []string{"TRACE"}}, "forbid"},
		{"header star", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, AllowedHeaders: []string{"*"}}, "list the headers"},
		{"header colon", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, AllowedHeaders: []string{"X-A:"}}, "HTTP token"},
		{"exposed star", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, ExposedHeaders: []string{"*"}}, "ExposedHeaders[0]"},
		{"exposed empty", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, ExposedHeaders: []string{""}}, "HTTP token"},
		{"negative max age", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, MaxAge: -time.Second}, "negative"},
		{"sub-second max age", cors.Policy{AllowedOrigins: []string{"https://a.example.com"}, MaxAge: 500 * time.Millisecond}, "below one second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if !errors.Is(err, cors.ErrInvalidPolicy) {
				t.Fatalf("Validate() = %v, want ErrInvalidPolicy", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %q, want it to mention %q", err, tt.want)
			}
			c, nerr := cors.New(tt.p)
			if c != nil || nerr == nil || nerr.Error() != err.Error() {
				t.Fatalf("New() = %v, %v; want nil and the error of Validate", c, nerr)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := cors.Policy{
		AllowedOrigins:   []string{"https://ok.example.com", "https://a.example.com/", "*"},
		AllowedMethods:   []string{"TRACE"},
		AllowCredentials: true,
		MaxAge:           -1,
	}.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	for _, want := range []string{`AllowedOrigins[1] "https://a.example.com/"`, "only entry", "AllowCredentials", "AllowedMethods[0]", "MaxAge"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNormalization(t *testing.T) {
	c, err := cors.New(cors.Policy{
		AllowedOrigins: []string{
			"HTTPS://App.Example.COM:443", "https://app.example.com", // same origin twice
			"http://localhost:80", "http://localhost:03000",
			"https://*.Example.com:8443", "https://*.example.com:8443",
			"http://[0:0:0:0:0:0:0:1]:8080", "HTTP://[::AB]",
		},
		AllowedMethods:   []string{"get", "Patch", "GET", "propfind"},
		AllowedHeaders:   []string{"x-request-id", "authorization", "X-Request-ID", "content-type", "if-match"},
		ExposedHeaders:   []string{"etag", "www-authenticate", "x-ratelimit-remaining", "Retry-After"},
		AllowCredentials: true,
		MaxAge:           90*time.Minute + 999*time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	check("Origins", c.Origins(), []string{"https://app.example.com", "http://localhost", "http://localhost:3000", "http://[::1]:8080", "http://[::ab]"})
	check("Patterns", c.Patterns(), []string{"https://*.example.com:8443"})
	check("Methods", c.Methods(), []string{"GET", "PATCH", "PROPFIND"})
	check("Headers", c.Headers(), []string{"Authorization", "Content-Type", "X-Request-Id", "If-Match"})
	check("ExposedHeaders", c.ExposedHeaders(), []string{"WWW-Authenticate", "Retry-After", "ETag", "X-Ratelimit-Remaining"})
	if !c.AllowCredentials() || c.AllowAnyOrigin() {
		t.Errorf("AllowCredentials() = %v, AllowAnyOrigin() = %v", c.AllowCredentials(), c.AllowAnyOrigin())
	}
	if c.MaxAge() != 90*time.Minute || c.MaxAgeSeconds() != 5400 {
		t.Errorf("MaxAge() = %v, MaxAgeSeconds() = %d; want 1h30m0s, 5400", c.MaxAge(), c.MaxAgeSeconds())
	}

	// The normalized policy compiles to the same thing.
	p := c.Policy()
	check("Policy().AllowedOrigins", p.AllowedOrigins, []string{"https://app.example.com", "http://localhost", "http://localhost:3000", "https://*.example.com:8443", "http://[::1]:8080", "http://[::ab]"})
	c2, err := cors.New(p)
	if err != nil {
		t.Fatalf("New(c.Policy()) = %v", err)
	}
	if got := c2.Policy(); !policyEqual(got, p) {
		t.Errorf("recompiled policy %+v, want %+v", got, p)
	}

	// Accessors return copies.
	o := c.Origins()
	o[0] = "https://evil.example"
	if c.AllowOrigin("https://evil.example") || c.Origins()[0] != "https://app.example.com" {
		t.Error("mutating Origins() changed the policy")
	}
}

func policyEqual(a, b cors.Policy) bool {
	return slices.Equal(a.AllowedOrigins, b.AllowedOrigins) && slices.Equal(a.AllowedMethods, b.AllowedMethods) &&
		slices.Equal(a.AllowedHeaders, b.AllowedHeaders) && slices.Equal(a.ExposedHeaders, b.ExposedHeaders) &&
		a.AllowCredentials == b.AllowCredentials && a.MaxAge == b.MaxAge
}

func TestDefaults(t *testing.T) {
	c, err := cors.New(origins("https://app.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Methods(), []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}; !slices.Equal(got, want) {
		t.Errorf("Methods() = %q, want %q", got, want)
	}
	if got, want := c.Headers(), []string{"Authorization", "Content-Type"}; !slices.Equal(got, want) {
		t.Errorf("Headers() = %q, want %q", got, want)
	}
	if got, want := c.ExposedHeaders(), []string{"WWW-Authenticate", "Retry-After"}; !slices.Equal(got, want) {
		t.Errorf("ExposedHeaders() = %q, want %q", got, want)
	}
	if c.MaxAge() != cors.DefaultMaxAge || c.MaxAgeSeconds() != 600 {
		t.Errorf("MaxAge() = %v (%d s), want %v", c.MaxAge(), c.MaxAgeSeconds(), cors.DefaultMaxAge)
	}
	if c.AllowCredentials() {
		t.Error("AllowCredentials() = true by default")
	}

	anyC, err := cors.New(origins("*"))
	if err != nil {
		t.Fatal(err)
	}
	if !anyC.AllowAnyOrigin() || len(anyC.Origins()) != 0 || len(anyC.Patterns()) != 0 {
		t.Errorf("AllowAnyOrigin() = %v, Origins() = %q, Patterns() = %q", anyC.AllowAnyOrigin(), anyC.Origins(), anyC.Patterns())
	}
	if got := anyC.Policy().AllowedOrigins; !slices.Equal(got, []string{"*"}) {
		t.Errorf("Policy().AllowedOrigins = %q", got)
	}
}
