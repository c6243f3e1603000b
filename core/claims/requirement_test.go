package claims

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRequirements(t *testing.T) {
	kc := mustDecode(t, keycloakToken, nil)
	a0 := mustDecode(t, auth0Token, nil)
	a0p := mustDecode(t, auth0Token, &DecodeOptions{ScopeClaims: []string{"scope", "permissions"}})
	okta := mustDecode(t, oktaToken, nil)
	e2 := mustDecode(t, entraV2Token, nil)
	e1 := mustDecode(t, entraV1AppToken, nil)
	op := mustDecode(t, oidcProviderToken, nil)
	adfs := mustDecode(t, `{"role":"admin","group":"Domain Users"}`, nil)
	const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"

	tests := []struct {
		name       string
		req        Requirement
		c          *Claims
		wantErr    bool
		wantScopes []string // RequirementError.Scopes
		wantDesc   string   // RequirementError.Description
	}{
		// Scopes, on the normalized Scopes of each provider's shape.
		{"keycloak scope", Scopes("orders:read"), kc, false, nil, ""},
		{"keycloak scope missing", Scopes("orders:read", "orders:write"), kc, true,
			[]string{"orders:read", "orders:write"}, `missing scope "orders:write"`},
		{"scopes missing", Scopes("a", "b"), kc, true, []string{"a", "b"}, `missing scopes "a", "b"`},
		{"scopes deduplicated", Scopes("a", "a"), kc, true, []string{"a"}, `missing scope "a"`},
		{"auth0 scope string", Scopes("read:reports", "openid"), a0, false, nil, ""},
		{"auth0 permission needs the permissions claim", Scopes("write:reports"), a0, true, []string{"write:reports"}, `missing scope "write:reports"`},
		{"auth0 permission", Scopes("write:reports"), a0p, false, nil, ""},
		{"okta scp array", Scopes("orders.read", "openid"), okta, false, nil, ""},
		{"entra scp string", Scopes("Orders.Write"), e2, false, nil, ""},
		{"entra app token has no scopes", Scopes("Orders.Read"), e1, true, []string{"Orders.Read"}, `missing scope "Orders.Read"`},
		{"oidc-provider scope", Scopes("api:write"), op, false, nil, ""},
		{"scopes are case-sensitive", Scopes("orders.READ"), okta, true, []string{"orders.READ"}, `missing scope "orders.READ"`},
		{"any scope", AnyScope("orders:write", "email"), kc, false, nil, ""},
		{"any scope missing", AnyScope("x", "y"), kc, true, []string{"x", "y"}, `one of the scopes "x", "y" required`},

		// Roles at paths.
		{"keycloak realm role", Roles("realm_access.roles", "admin"), kc, false, nil, ""},
		{"keycloak realm role missing", Roles("realm_access.roles", "admin", "superuser"), kc, true,
			nil, `role "superuser" required at realm_access.roles`},
		{"keycloak roles missing", Roles("realm_access.roles", "a", "b"), kc, true, nil, `roles "a", "b" required at realm_access.roles`},
		{"keycloak client role", Roles("resource_access.orders-api.roles", "orders:write"), kc, false, nil, ""},
		{"keycloak other client's role", Roles("resource_access.account.roles", "orders:write"), kc, true,
			nil, `role "orders:write" required at resource_access.account.roles`},
		{"keycloak client id with dots", Roles("resource_access.my.legacy.client.roles", "legacy-user"), kc, false, nil, ""},
		{"keycloak client id by segments", ClaimPath("resource_access", "my.legacy.client", "roles").Roles("legacy-user"), kc, false, nil, ""},
		{"keycloak any role", AnyRole("realm_access.roles", "x", "admin"), kc, false, nil, ""},
		{"keycloak any role missing", AnyRole("realm_access.roles", "x", "y"), kc, true, nil, `one of the roles "x", "y" required at realm_access.roles`},
		{"auth0 namespaced roles", Roles("https://acme.example/roles", "admin", "analyst"), a0, false, nil, ""},
		{"auth0 namespaced roles by segment", ClaimPath("https://acme.example/roles").AnyRole("admin"), a0, false, nil, ""},
		{"okta groups with spaces", Roles("groups", "Sales Team"), okta, false, nil, ""},
		{"okta group words are not groups", Roles("groups", "Sales"), okta, true, nil, `role "Sales" required at groups`},
		{"entra app roles", Roles("roles", "Reports.Admin"), e2, false, nil, ""},
		{"entra app-only roles", AnyRole("roles", "Orders.ReadWrite.All"), e1, false, nil, ""},
		{"roles claim absent", Roles("groups", "admin"), kc, true, nil, `role "admin" required at groups`},
		{"single role as a string", Roles("role", "admin"), adfs, false, nil, ""},
		{"single role string with spaces", Roles("group", "Domain Users"), adfs, false, nil, ""},
		{"single role string is not a list", Roles("group", "Users"), adfs, true, nil, `role "Users" required at group`},
		{"roles on an object", Roles("realm_access", "roles"), kc, true, nil, `role "roles" required at realm_access`},

		// Claim values.
		{"entra tenant", ClaimEquals("tid", tid), e2, false, nil, ""},
		{"entra other tenant", ClaimEquals("tid", "00000000-0000-0000-0000-000000000000"), e2, true, nil, `claim tid does not have the required value`},
		{"claim missing", ClaimEquals("tid", tid), kc, true, nil, `claim tid missing`},
		{"boolean", ClaimEquals("email_verified", true), kc, false, nil, ""},
		{"boolean differs", ClaimEquals("email_verified", false), kc, true, nil, `claim email_verified does not have the required value`},
		{"integer", ClaimEquals("ver", 1), okta, false, nil, ""},
		{"integer as float", ClaimEquals("ver", 1.0), okta, false, nil, ""},
		{"integer as uint8", ClaimEquals("ver", uint8(1)), okta, false, nil, ""},
		{"integer as json.Number", ClaimEquals("ver", json.Number("1")), okta, false, nil, ""},
		{"number is not a string", ClaimEquals("ver", "1"), okta, true, nil, `claim ver does not have the required value`},
		{"string is not a number", ClaimEquals("ver", 2), e2, true, nil, `claim ver does not have the required value`},
		{"fraction", ClaimEquals("iat", 1767225600.25), op, false, nil, ""},
		{"fraction differs", ClaimEquals("iat", 1767225600), op, true, nil, `claim iat does not have the required value`},
		{"namespaced string", ClaimEquals("https://acme.example/tenant", "t-42"), a0, false, nil, ""},
		{"array is not a value", ClaimEquals("realm_access.roles", "admin"), kc, true, nil, `claim realm_access.roles does not have the required value`},
		{"client id", ClaimEquals("client_id", "spa-client"), op, false, nil, ""},
		{"contains array elements", ClaimContains("groups", "Admins", "Everyone"), okta, false, nil, ""},
		{"contains missing element", ClaimContains("groups", "Admins", "Root"), okta, true, nil, `claim groups must contain "Root"`},
		{"contains words", ClaimContains("scope", "email", "openid"), kc, false, nil, ""},
		{"contains whole string", ClaimContains("azp", "web-frontend"), kc, false, nil, ""},
		{"contains partial word", ClaimContains("scope", "orders"), kc, true, nil, `claim scope must contain "orders"`},
		{"contains on absent claim", ClaimContains("groups", "x"), kc, true, nil, `claim groups missing`},
		{"contains nested", ClaimContains("resource_access.orders-api.roles", "orders:read"), kc, false, nil, ""},

		// Compositions.
		{"all", All(Scopes("orders:read"), Roles("realm_access.roles", "admin")), kc, false, nil, ""},
		{"all fails on the first unmet", All(Scopes("orders:read"), Roles("realm_access.roles", "superuser"), Scopes("x")), kc, true,
			[]string{"orders:read", "x"}, `role "superuser" required at realm_access.roles`},
		{"any", Any(Scopes("x"), Roles("realm_access.roles", "admin")), kc, false, nil, ""},
		{"any fails", Any(Scopes("x"), AnyScope("y", "x")), kc, true, []string{"x", "y"},
			`one of these is required: missing scope "x"; or one of the scopes "y", "x" required`},
		{"nested", All(Any(Scopes("x"), ClaimEquals("tid", tid)), Any(Roles("roles", "Orders.Read"), Scopes("y"))), e2, false, nil, ""},
		{"nested fails", All(Any(Scopes("x"), ClaimEquals("tid", "other")), Scopes("Orders.Read")), e2, true, []string{"x", "Orders.Read"},
			`one of these is required: missing scope "x"; or claim tid does not have the required value`},
		{"single alternative", Any(Scopes("x")), kc, true, []string{"x"}, `missing scope "x"`},
		{"zero requirement in all", All(Requirement{}, Scopes("orders:read")), kc, false, nil, ""},
		{"zero requirement in any", Any(Scopes("x"), Requirement{}), kc, false, nil, ""},
		{"func", Func("verified email", func(c *Claims) bool { return c.BoolClaim("email_verified") }), kc, false, nil, ""},
		{"func fails", Func("staff member", func(c *Claims) bool { return strings.HasSuffix(c.Email(), "@acme.example") }), kc, true,
			nil, `requirement "staff member" not met`},
		{"zero requirement", Requirement{}, kc, false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.req.Err(); err != nil {
				t.Fatalf("Err: %v", err)
			}
			err := tt.req.Check(tt.c)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var re *RequirementError
			if !errors.As(err, &re) || !errors.Is(err, ErrInsufficientScope) {
				t.Fatalf("Check = %v, want a *RequirementError", err)
			}
			if !slices.Equal(re.Scopes, tt.wantScopes) {
				t.Errorf("Scopes = %q, want %q", re.Scopes, tt.wantScopes)
			}
			if re.Description != tt.wantDesc {
				t.Errorf("Description = %s\n                  want %s", re.Description, tt.wantDesc)
			}
			for _, leak := range []string{"72f988bf", "Everyone", "offline_access", "manage-account", "t-42", "jose"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error echoes token data %q: %v", leak, err)
				}
			}
		})
	}
}

func TestRequirementInvalid(t *testing.T) {
	ok := func(*Claims) bool { return true }
	tests := map[string]Requirement{
		"no scope":              Scopes(),
		"empty scope":           Scopes("a", ""),
		"scope with space":      Scopes("a b"),
		"scope with quote":      AnyScope(`a"b`),
		"scope with backslash":  Scopes(`a\b`),
		"scope non-ASCII":       Scopes("é"),
		"no any scope":          AnyScope(),
		"empty path":            ClaimEquals("", "x"),
		"empty path segment":    ClaimEquals("a..b", "x"),
		"value of another type": ClaimEquals("tid", []string{"x"}),
		"nil value":             ClaimEquals("tid", nil),
		"NaN":                   ClaimEquals("x", math.NaN()),
		"infinity":              ClaimEquals("x", math.Inf(1)),
		"bad json.Number":       ClaimEquals("x", json.Number("abc")),
		"no contains value":     ClaimContains("groups"),
		"empty contains value":  ClaimContains("groups", ""),
		"roles without path":    Roles("", "admin"),
		"no roles":              Roles("roles"),
		"empty role":            AnyRole("roles", "a", ""),
		"no any role":           AnyRole("roles"),
		"zero path":             Path{}.Roles("admin"),
		"no segment":            ClaimPath().Equals("x"),
		"empty all":             All(),
		"empty any":             Any(),
		"invalid inside all":    All(Scopes("a"), Scopes()),
		"invalid inside any":    Any(Any(Roles("r")), Scopes("a")),
		"func without name":     Func("", ok),
		"nil func":              Func("x", nil),
	}
	c := mustDecode(t, `{"scope":"a","roles":["admin"],"tid":"x","x":1}`, nil)
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			if r.Err() == nil {
				t.Fatal("Err() = nil")
			}
			var re *RequirementError
			if err := r.Check(c); !errors.As(err, &re) {
				t.Fatalf("Check = %v, want a *RequirementError", err)
			}
			if re.Description != "the route's requirement is invalid" {
				t.Errorf("Description = %q", re.Description)
			}
			_ = r.String()
		})
	}
}

func TestRequirementNilAndLiteralClaims(t *testing.T) {
	if err := Scopes("a").Check(nil); !errors.Is(err, ErrInsufficientScope) {
		t.Errorf("Check(nil) = %v", err)
	}
	if err := (Requirement{}).Check(nil); err != nil {
		t.Errorf("zero Requirement Check(nil) = %v", err)
	}
	lit := &Claims{Scopes: []string{"a", "b"}}
	if err := All(Scopes("a"), AnyScope("c", "b")).Check(lit); err != nil {
		t.Errorf("scopes of literal claims: %v", err)
	}
	if err := Roles("roles", "admin").Check(lit); !errors.Is(err, ErrInsufficientScope) {
		t.Errorf("roles of literal claims: %v", err)
	}
}

func TestRequirementErrorScopesAreCopies(t *testing.T) {
	r := Scopes("a", "b")
	var re *RequirementError
	errors.As(r.Check(&Claims{}), &re)
	re.Scopes[0] = "tampered"
	errors.As(r.Check(&Claims{}), &re)
	if re.Scopes[0] != "a" {
		t.Errorf("modifying RequirementError.Scopes changed the requirement")
	}
}

func TestRequirementIsComparable(t *testing.T) {
	a, b := Scopes("x"), Scopes("x")
	m := map[Requirement]string{a: "a", b: "b", {}: "zero", Func("f", func(*Claims) bool { return true }): "f"}
	c := a
	if len(m) != 4 || m[a] != "a" || a == b || c != a {
		t.Errorf("Requirement identity is wrong")
	}
	if !(Requirement{}).IsZero() || a.IsZero() {
		t.Errorf("IsZero is wrong")
	}
}

func TestRequirementString(t *testing.T) {
	r := All(Scopes("a", "b"), Any(Roles("realm_access.roles", "admin"), ClaimEquals("tid", "t"), ClaimEquals("n", 2.5)),
		ClaimContains("groups", "x"), AnyRole("roles", "r"), AnyScope("c"), Func("f", func(*Claims) bool { return true }), Requirement{})
	want := `All(Scopes("a", "b"), Any(Roles(realm_access.roles, "admin"), ClaimEquals(tid, "t"), ClaimEquals(n, 2.5)), ` +
		`ClaimContains(groups, "x"), AnyRole(roles, "r"), AnyScope("c"), Func("f"), None)`
	if got := r.String(); got != want {
		t.Errorf("String =\n%s\nwant\n%s", got, want)
	}
	if (Requirement{}).String() != "None" {
		t.Errorf("zero String = %q", Requirement{}.String())
	}
}

func TestScopeChecksDoNotParseClaims(t *testing.T) {
	c := mustDecode(t, keycloakToken, nil)
	r := All(Scopes("orders:read"), AnyScope("email", "x"))
	if allocs := testing.AllocsPerRun(100, func() {
		if r.Check(c) != nil {
			t.Fatal("check failed")
		}
	}); allocs != 0 {
		t.Errorf("scope check allocates %v times", allocs)
	}
	if c.lazy.m != nil {
		t.Errorf("a scope check parsed the claims set")
	}
	roles := Roles("realm_access.roles", "admin")
	if roles.Check(c) != nil || c.lazy.m == nil {
		t.Fatalf("role check failed or did not parse")
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = roles.Check(c) }); allocs != 0 {
		t.Errorf("role check on parsed claims allocates %v times", allocs)
	}
}

func TestValidationHasDoesNotParseClaims(t *testing.T) {
	c := mustDecode(t, keycloakToken, nil)
	v, err := NewValidation(ValidationOptions{Issuer: c.Issuer, Audiences: []string{"account"}, RequiredClaims: []string{"sid", "azp"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(c, fixtureNow); err != nil {
		t.Fatal(err)
	}
	if c.lazy.m != nil {
		t.Errorf("required claims parsed the claims set into a map")
	}
}
