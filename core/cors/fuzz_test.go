package cors_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth/core/cors"
)

// FuzzOrigin builds a policy from one AllowedOrigins entry. Whatever the
// input, New does not panic, and either refuses it with ErrInvalidPolicy or
// accepts it; an accepted entry is idempotent under normalization and
// matches exactly the origins it names.
func FuzzOrigin(f *testing.F) {
	for _, s := range []string{
		"https://app.example.com", "http://localhost:3000", "HTTPS://App.Example.COM:443",
		"https://*.example.com", "https://*.example.com:8443", "http://[::1]:8080",
		"http://127.0.0.1", "http://127.1", "https://*.com", "https://*example.com",
		"https://app.example.com/", "null", "*", "", "https://a@b.example.com",
		"https://bücher.example", "http://[::ffff:1.2.3.4]", "https://app.example.com:0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := cors.New(origins(s))
		if err != nil {
			if !errors.Is(err, cors.ErrInvalidPolicy) {
				t.Fatalf("New(%q) = %v, not ErrInvalidPolicy", s, err)
			}
			return
		}
		if s == "*" {
			return
		}
		all := c.Policy().AllowedOrigins
		if len(all) != 1 || len(c.Origins())+len(c.Patterns()) != 1 {
			t.Fatalf("New(%q): AllowedOrigins %q, Origins %q, Patterns %q; want one entry", s, all, c.Origins(), c.Patterns())
		}
		n := all[0]

		// Normalization is idempotent.
		c2, err := cors.New(origins(n))
		if err != nil {
			t.Fatalf("normalized %q of %q refused: %v", n, s, err)
		}
		if got := c2.Policy().AllowedOrigins; !slices.Equal(got, all) {
			t.Fatalf("normalizing %q again gave %q", n, got)
		}

		if len(c.Origins()) == 1 {
			// An exact origin matches itself, and nothing one byte off.
			if !c.AllowOrigin(n) {
				t.Fatalf("policy %q does not allow its own origin %q", s, n)
			}
			for _, o := range []string{n + "/", n + ".evil.com", n + "x", n + ":1", "x" + n, n[:len(n)-1], swapScheme(n)} {
				if c.AllowOrigin(o) {
					t.Fatalf("policy %q allows %q", s, o)
				}
			}
			return
		}

		// A pattern matches one label in place of the "*", not the
		// pattern itself, not the apex and not two labels.
		one := strings.Replace(n, "*", "a", 1)
		apex := strings.Replace(n, "*.", "", 1)
		two := strings.Replace(n, "*", "a.b", 1)
		if !c.AllowOrigin(one) {
			t.Fatalf("pattern %q does not allow %q", n, one)
		}
		for _, o := range []string{n, apex, two, one + "/", one + ".evil.com", swapScheme(one), strings.Replace(n, "*", "A", 1)} {
			if c.AllowOrigin(o) {
				t.Fatalf("pattern %q allows %q", n, o)
			}
		}
	})
}

func swapScheme(o string) string {
	if s, ok := strings.CutPrefix(o, "https://"); ok {
		return "http://" + s
	}
	return "https://" + strings.TrimPrefix(o, "http://")
}
