package docsnippets

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	// The modules the guides' code uses: required here so that the
	// temporary module, which copies this module's requirements, has them.
	_ "github.com/jwksauth/jwksauth"
	_ "github.com/jwksauth/jwksauth/adapters/jwksecho"
	_ "github.com/jwksauth/jwksauth/adapters/jwksfiber"
	_ "github.com/jwksauth/jwksauth/adapters/jwksgin"
	_ "github.com/jwksauth/jwksauth/adapters/jwkshttp"
	_ "github.com/jwksauth/jwksauth/adapters/jwksmcp"
	_ "github.com/jwksauth/jwksauth/core/cors"
	_ "github.com/jwksauth/jwksauth/jwkstest"
	_ "github.com/jwksauth/jwksauth/stores/jwksredis"

	_ "github.com/gin-gonic/gin"
	_ "github.com/gofiber/fiber/v2"
	_ "github.com/labstack/echo/v4"
	_ "github.com/labstack/echo/v4/middleware"
	_ "github.com/modelcontextprotocol/go-sdk/mcp"
	_ "github.com/redis/go-redis/v9"
)

// root is the repository root, from this package's directory.
const root = "../.."

// owned are the guides whose every Go block must compile (a glob each).
// Other Markdown files under docs/ are checked too, but a Go block there
// without a file line is only reported in the test log: its authors may
// opt in by adding the line.
var owned = []string{"README.md", "docs/getting-started.md", "docs/configuration.md", "docs/design.md", "docs/migration/*.md", "examples/*.md"}

// isOwned reports whether the guide (relative to the root) is in owned.
func isOwned(doc string) bool {
	for _, pattern := range owned {
		if ok, _ := filepath.Match(pattern, filepath.ToSlash(doc)); ok {
			return true
		}
	}
	return false
}

// guides returns the Markdown files whose Go blocks are checked.
func guides(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"README.md", "docs/*.md", "docs/migration/*.md", "examples/*.md"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no guide found")
	}
	return files
}

// block is one fenced code block.
type block struct {
	doc  string // the guide, relative to the root
	line int    // of the opening fence
	lang string
	body string
}

var fence = regexp.MustCompile("^(```+)\\s*([^\\s`]*)\\s*$")

// blocks returns the fenced code blocks of a Markdown file.
func blocks(t *testing.T, path string) []block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(root, path)
	var out []block
	var cur *block
	var open string
	var body strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := fence.FindStringSubmatch(strings.TrimSpace(line))
		switch {
		case cur == nil && m != nil:
			cur = &block{doc: rel, line: n, lang: m[2]}
			open = m[1]
			body.Reset()
		case cur != nil && m != nil && m[1] == open && m[2] == "":
			cur.body = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if cur != nil {
		t.Errorf("%s:%d: unterminated code block", rel, cur.line)
	}
	return out
}

var fileLine = regexp.MustCompile(`^// file: ([A-Za-z0-9_./-]+\.go)\s*$`)

// TestGuidesCompile builds and vets every Go block of the guides.
func TestGuidesCompile(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command in PATH")
	}
	tmp := t.TempDir()
	files := map[string]block{} // path in tmp → block
	for _, g := range guides(t) {
		for _, b := range blocks(t, g) {
			if b.lang != "go" {
				continue
			}
			first, _, _ := strings.Cut(b.body, "\n")
			m := fileLine.FindStringSubmatch(first)
			if m == nil && !isOwned(b.doc) {
				t.Logf("%s:%d: a ```go block without a file line is not compiled", b.doc, b.line)
				continue
			}
			if m == nil {
				t.Errorf("%s:%d: a ```go block must begin with \"// file: dir/name.go\" (or be fenced ```go-before if it is not ours to compile)", b.doc, b.line)
				continue
			}
			name := filepath.Clean(m[1])
			if strings.HasPrefix(name, "..") || filepath.IsAbs(name) || filepath.Dir(name) == "." {
				t.Errorf("%s:%d: file %q must be dir/name.go inside the guide's own directory", b.doc, b.line, m[1])
				continue
			}
			dst := filepath.Join(guideDir(b.doc), name)
			if prev, dup := files[dst]; dup {
				t.Errorf("%s:%d: file %s already given at line %d", b.doc, b.line, m[1], prev.line)
				continue
			}
			files[dst] = b
		}
	}
	if len(files) == 0 {
		t.Fatal("the guides have no Go block")
	}
	for dst, b := range files {
		p := filepath.Join(tmp, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b.body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeModule(t, tmp)

	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("go %s on the guides' code:\n%s", strings.Join(args, " "), mapBack(string(out), tmp, files))
		}
	}
	cmd := exec.Command("gofmt", "-l", ".")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("gofmt -l on the guides' code: %v\n%s", err, mapBack(string(out), tmp, files))
	}
	t.Logf("compiled %d Go blocks", len(files))
}

// guideDir is a directory name for a guide: docs/migration/echo-jwt.md
// becomes docs_migration_echo-jwt.
func guideDir(doc string) string {
	return strings.NewReplacer("/", "_", string(filepath.Separator), "_", ".md", "").Replace(doc)
}

// writeModule writes the temporary module's go.mod, a copy of this
// module's with its own name and absolute replace paths, and go.sum.
func writeModule(t *testing.T, dir string) {
	t.Helper()
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(mod), "\n")
	rel := regexp.MustCompile(`=>\s+(\.\.?/\S*)`)
	for i, l := range lines {
		if strings.HasPrefix(l, "module ") {
			lines[i] = "module jwksauth.test/guides"
		}
		lines[i] = rel.ReplaceAllStringFunc(lines[i], func(s string) string {
			p := rel.FindStringSubmatch(s)[1]
			return "=> " + filepath.Join(here, p)
		})
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
}

// mapBack rewrites the temporary paths in compiler output into the guide
// and line they came from.
func mapBack(out, tmp string, files map[string]block) string {
	re := regexp.MustCompile(`(?m)(?:\./)?([A-Za-z0-9_./-]+\.go):(\d+)`)
	out = strings.ReplaceAll(out, tmp+string(filepath.Separator), "")
	return re.ReplaceAllStringFunc(out, func(s string) string {
		m := re.FindStringSubmatch(s)
		b, ok := files[filepath.Clean(m[1])]
		if !ok {
			return s
		}
		var n int
		fmt.Sscan(m[2], &n)
		return fmt.Sprintf("%s:%d (%s line %s)", b.doc, b.line+n, m[1], m[2])
	})
}

// TestFencesKnown rejects Go-looking fences the tests would silently skip.
func TestFencesKnown(t *testing.T) {
	known := []string{"", "go", "go-before", "sh", "console", "text", "json", "http", "diff", "makefile", "yaml"}
	for _, g := range guides(t) {
		for _, b := range blocks(t, g) {
			if isOwned(b.doc) && !slices.Contains(known, b.lang) {
				t.Errorf("%s:%d: unknown fence language %q (known: %v)", b.doc, b.line, b.lang, known)
			}
		}
	}
}
