package cors_test

import (
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth/core/cors"
)

func TestAllowOrigin(t *testing.T) {
	c, err := cors.New(origins(
		"https://app.example.com",
		"http://localhost:3000",
		"https://*.example.com",
		"https://*.eu.example.org:8443",
		"http://[::1]:8080",
	))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		origin string
		want   bool
	}{
		// Exact origins.
		{"https://app.example.com", true},
		{"http://localhost:3000", true},
		{"http://[::1]:8080", true},
		{"http://app.example.com", false},       // scheme differs
		{"https://app.example.com:443", false},  // browsers never send the default port
		{"https://app.example.com:8443", false}, // port differs
		{"https://app.example.com/", false},     // an origin has no slash
		{"https://APP.example.com", false},      // case-sensitive: browsers send lowercase hosts
		{"http://localhost", false},
		{"http://localhost:30000", false},
		{"http://localhost:300", false},
		{"https://localhost:3000", false},
		{"http://[::1]", false},
		{"http://[0::1]:8080", false},

		// Wildcard: exactly one label.
		{"https://api.example.com", true},
		{"https://a-b_c.example.com", true},
		{"https://xn--bcher-kva.example.com", true},
		{"https://" + strings.Repeat("a", 63) + ".example.com", true},
		{"https://" + strings.Repeat("a", 64) + ".example.com", false},
		{"https://example.com", false},  // apex
		{"https://.example.com", false}, // empty label
		{"https://a.b.example.com", false},
		{"https://*.example.com", false}, // the pattern itself
		{"http://api.example.com", false},
		{"https://api.example.com:8443", false},
		{"https://api.example.com:443", false},
		{"https://api.example.com/", false},
		{"https://api.example.com.", false},
		{"https://API.example.com", false}, // browsers send lowercase
		{"https://user@api.example.com", false},
		{"https://api:1@x.example.com", false},
		{"https://a/b.example.com", false},
		{"https://a?.example.com", false},
		{"https://a%2e.example.com", false},

		// Look-alikes.
		{"https://evil-example.com", false},
		{"https://evilexample.com", false},
		{"https://example.com.evil.com", false},
		{"https://app.example.com.evil.com", false},
		{"https://a.example.com.evil.com", false},
		{"https://app.example.co", false},
		{"https://app.example.comx", false},
		{"https://xapp.example.com", true}, // one label under the wildcard, legitimately
		{"https://app.example.com\x00", false},
		{"https://app.example.com ", false},
		{" https://app.example.com", false},
		{"https://app.example.com, https://evil.com", false},

		// Pattern with a port and a deeper domain.
		{"https://x.eu.example.org:8443", true},
		{"https://x.eu.example.org", false},
		{"https://eu.example.org:8443", false},
		{"https://x.y.eu.example.org:8443", false},
		{"https://x.eu.example.org:84430", false},
		{"https://x.eu.example.org:844", false},
		{"https://x.eu-example.org:8443", false},

		// Never.
		{"", false},
		{"null", false},
		{"*", false},
		{"file://", false},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			if got := c.AllowOrigin(tt.origin); got != tt.want {
				t.Fatalf("AllowOrigin(%q) = %v, want %v", tt.origin, got, tt.want)
			}
		})
	}
}

func TestAllowOriginAny(t *testing.T) {
	c, err := cors.New(origins("*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"https://evil.com", "http://localhost:1", "null"} {
		if !c.AllowOrigin(o) {
			t.Errorf("AllowOrigin(%q) = false with \"*\"", o)
		}
	}
	if c.AllowOrigin("") {
		t.Error(`AllowOrigin("") = true`)
	}
}

func TestAllowOriginNormalizedConfig(t *testing.T) {
	// Configured spellings that browsers would never send are normalized,
	// so that the entry matches what browsers do send.
	tests := []struct{ config, browser string }{
		{"HTTPS://App.Example.COM", "https://app.example.com"},
		{"https://app.example.com:443", "https://app.example.com"},
		{"http://app.example.com:80", "http://app.example.com"},
		{"http://localhost:08080", "http://localhost:8080"},
		{"https://*.EXAMPLE.com", "https://x.example.com"},
		{"https://*.example.com:443", "https://x.example.com"},
		{"http://[0:0:0:0:0:0:0:1]", "http://[::1]"},
	}
	for _, tt := range tests {
		c, err := cors.New(origins(tt.config))
		if err != nil {
			t.Fatalf("New(%q) = %v", tt.config, err)
		}
		if !c.AllowOrigin(tt.browser) {
			t.Errorf("policy %q does not allow %q", tt.config, tt.browser)
		}
		if c.AllowOrigin(tt.config) && tt.config != tt.browser {
			t.Errorf("policy %q allows the non-serialized %q", tt.config, tt.config)
		}
	}
}

func BenchmarkAllowOrigin(b *testing.B) {
	c, err := cors.New(origins("https://app.example.com", "https://*.example.com", "https://*.example.org"))
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range []string{"https://app.example.com", "https://api.example.org", "https://evil.example.net"} {
		want := o != "https://evil.example.net"
		b.Run(o, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c.AllowOrigin(o) != want {
					b.Fatalf("AllowOrigin(%q) != %v", o, want)
				}
			}
		})
	}
}
