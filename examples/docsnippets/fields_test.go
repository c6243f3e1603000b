package docsnippets

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/jwksauth/jwksauth"
	"github.com/jwksauth/jwksauth/core/cors"
	"github.com/jwksauth/jwksauth/core/jwks"
)

// section returns the part of a Markdown document under the "## " heading
// that contains heading, up to the next "## ".
func section(doc, heading string) string {
	var out []string
	in := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "## ") {
			in = strings.Contains(line, heading)
			continue
		}
		if in {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestConfigurationCoversEveryField checks that docs/configuration.md has a
// table row for every exported field of the configuration types, and that
// its "Everything at once" example sets each of them: a field added to the
// core without documentation fails here.
func TestConfigurationCoversEveryField(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	everything := section(doc, "Everything at once")
	for _, typ := range []struct {
		heading string
		v       any
	}{
		{"`jwksauth.Config`", jwksauth.Config{}},
		{"`jwksauth.Issuer`", jwksauth.Issuer{}},
		{"`jwksauth.TokenCacheConfig`", jwksauth.TokenCacheConfig{}},
		{"`jwksauth.ResourceConfig`", jwksauth.ResourceConfig{}},
		{"`jwksauth.DPoPConfig`", jwksauth.DPoPConfig{}},
		{"`jwksauth.IssuerTemplate`", jwksauth.IssuerTemplate{}},
		{"`jwks.CacheOptions`", jwks.CacheOptions{}},
		{"`cors.Policy`", cors.Policy{}},
	} {
		sec := section(doc, typ.heading)
		if sec == "" {
			t.Errorf("docs/configuration.md has no section %s", typ.heading)
			continue
		}
		rt := reflect.TypeOf(typ.v)
		for i := range rt.NumField() {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			row := regexp.MustCompile("(?m)^\\|[^|\\n]*`" + f.Name + "`")
			if !row.MatchString(sec) {
				t.Errorf("docs/configuration.md, section %s: no table row for %s.%s", typ.heading, rt.Name(), f.Name)
			}
			if !regexp.MustCompile(`\b` + f.Name + `:`).MatchString(everything) {
				t.Errorf("docs/configuration.md, \"Everything at once\": %s.%s is not set", rt.Name(), f.Name)
			}
		}
	}

	// Every With… option of every adapter.
	opts := section(doc, "Adapter options")
	for _, adapter := range []string{"jwkshttp", "jwksgin", "jwksecho", "jwksfiber"} {
		files, err := filepath.Glob(filepath.Join(root, "adapters", adapter, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("adapters/%s: no Go file (%v)", adapter, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Recv != nil || !ast.IsExported(fn.Name.Name) || !strings.HasPrefix(fn.Name.Name, "With") {
					continue
				}
				if !strings.Contains(opts, "`"+fn.Name.Name+"(") && !strings.Contains(opts, "`"+fn.Name.Name+"`") {
					t.Errorf("docs/configuration.md, \"Adapter options\": %s.%s is not described", adapter, fn.Name.Name)
				}
			}
		}
	}
}
