package docsnippets

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityModelNamesRealTests checks that every test, fuzz target and
// conformance case docs/security.md names as proof exists, so that a
// renamed or deleted test cannot leave a claim without its proof.
func TestSecurityModelNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(root, "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	var sources strings.Builder
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sources.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	src := sources.String()
	names := regexp.MustCompile("`((?:Test|Fuzz)[A-Z][A-Za-z0-9]*)`").FindAllSubmatch(doc, -1)
	if len(names) < 40 {
		t.Fatalf("only %d test names found in docs/security.md", len(names))
	}
	for _, m := range names {
		if name := string(m[1]); !strings.Contains(src, "func "+name+"(") {
			t.Errorf("docs/security.md names %s, which no test defines", name)
		}
	}
	cases := regexp.MustCompile("conformance `((?:auth|optional)/[a-z0-9-]+)`|`((?:auth|optional)/[a-z0-9-]+)`").FindAllSubmatch(doc, -1)
	for _, m := range cases {
		name := string(m[1]) + string(m[2])
		if !strings.Contains(src, `"`+name+`"`) {
			t.Errorf("docs/security.md names the conformance case %s, which the table lacks", name)
		}
	}
}
