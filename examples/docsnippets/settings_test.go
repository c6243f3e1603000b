package docsnippets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestExamplesShareSettings checks that every example app has the same
// settings.go: the contract (environment, development issuer, curl
// commands) is one, only main.go differs by framework.
func TestExamplesShareSettings(t *testing.T) {
	apps := []string{"nethttp", "gin", "echo", "fiber"}
	ref, err := os.ReadFile(filepath.Join("..", apps[0], "settings.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, app := range apps[1:] {
		got, err := os.ReadFile(filepath.Join("..", app, "settings.go"))
		if err != nil {
			t.Errorf("examples/%s: %v", app, err)
			continue
		}
		if !bytes.Equal(got, ref) {
			t.Errorf("examples/%s/settings.go differs from examples/%s/settings.go; keep them identical", app, apps[0])
		}
	}
}
