package claims

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// sizedPayload pads realistic600 with group names up to about size bytes.
func sizedPayload(size int) []byte {
	if size <= len(realistic600) {
		// Drop optional claims from the end until it fits.
		p := realistic600
		for len(p) > size {
			i := strings.LastIndex(p, `,"`)
			p = p[:i] + "}"
		}
		return []byte(p)
	}
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(realistic600, "}"))
	b.WriteString(`,"groups":["/staff"`)
	for i := 0; b.Len() < size-40; i++ {
		fmt.Fprintf(&b, `,"/org/team-%d/members"`, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkDecode(b *testing.B) {
	run := func(b *testing.B, payload []byte) {
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for b.Loop() {
			c, err := Decode(payload, nil)
			if err != nil || len(c.Scopes) == 0 {
				b.Fatalf("Decode: %v", err)
			}
		}
	}
	b.Run("600B", func(b *testing.B) { run(b, []byte(realistic600)) })
	for _, size := range []int{512, 1024, 2048, 4096} {
		p := sizedPayload(size)
		b.Run(fmt.Sprintf("%.1fKB", float64(size)/1024), func(b *testing.B) { run(b, p) })
	}
	b.Run("escaped", func(b *testing.B) { run(b, []byte(oidcProviderToken)) })
	b.Run("pretty", func(b *testing.B) { run(b, []byte(keycloakToken)) })
}

func BenchmarkValidate(b *testing.B) {
	c := mustDecode(b, realistic600, nil)
	now := time.Unix(1767225700, 0)
	run := func(b *testing.B, opts ValidationOptions) {
		v, err := NewValidation(opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := v.Validate(c, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	base := ValidationOptions{Issuer: "https://sso.example.com/realms/acme", Audiences: []string{"billing", "orders-api"}}
	b.Run("typical", func(b *testing.B) { run(b, base) })
	full := base
	full.MaxAge, full.RequiredClaims = time.Hour, []string{"sub", "azp", "sid"}
	full.Validators = []func(*Claims) error{func(c *Claims) error { return nil }}
	b.Run("full", func(b *testing.B) { run(b, full) })
}

func BenchmarkRequirement(b *testing.B) {
	c := mustDecode(b, realistic600, nil)
	run := func(b *testing.B, r Requirement) {
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := r.Check(c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("scopes", func(b *testing.B) { run(b, All(Scopes("orders:read", "email"), AnyScope("x", "openid"))) })
	b.Run("role", func(b *testing.B) { run(b, Roles("realm_access.roles", "admin")) })
	b.Run("role-first-use", func(b *testing.B) {
		// The first claim or role check on a token parses its claims set.
		r := Roles("realm_access.roles", "admin")
		payload := []byte(realistic600)
		b.ReportAllocs()
		for b.Loop() {
			c, err := Decode(payload, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Check(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmet", func(b *testing.B) {
		r := Scopes("orders:write")
		b.ReportAllocs()
		for b.Loop() {
			if r.Check(c) == nil {
				b.Fatal("requirement met")
			}
		}
	})
}
