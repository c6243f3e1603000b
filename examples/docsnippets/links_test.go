package docsnippets

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestGuidesLinks checks that every relative link of the guides this
// module owns (the README included) points at a file or directory of the
// repository.
func TestGuidesLinks(t *testing.T) {
	for _, g := range guides(t) {
		rel, _ := filepath.Rel(root, g)
		if !isOwned(rel) {
			continue
		}
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Dir(g)
		for _, m := range mdLink.FindAllStringSubmatch(proseOf(string(data)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			if _, err := os.Stat(filepath.Join(base, target)); err != nil {
				t.Errorf("%s: broken link %q", rel, m[1])
			}
		}
	}
}

// proseOf returns a Markdown text without its fenced code blocks, where
// "](" is code (a generic call such as F[T](ctx)), not a link.
func proseOf(md string) string {
	var b strings.Builder
	open := ""
	for _, line := range strings.Split(md, "\n") {
		if m := fence.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			switch {
			case open == "":
				open = m[1]
				continue
			case m[1] == open && m[2] == "":
				open = ""
				continue
			}
		}
		if open == "" {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
