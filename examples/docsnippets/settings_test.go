package docsnippets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestExamplesShareSettings checks that every example app has the same
// settings.go, dev.go, nodev.go and app_test.go: the contract (environment,
// development issuer, curl commands, the test a copied template keeps) is
// one, only main.go differs by framework.
func TestExamplesShareSettings(t *testing.T) {
	apps := []string{"nethttp", "gin", "echo", "fiber"}
	for _, file := range []string{"settings.go", "dev.go", "nodev.go", "app_test.go"} {
		ref, err := os.ReadFile(filepath.Join("..", apps[0], file))
		if err != nil {
			t.Fatal(err)
		}
		for _, app := range apps[1:] {
			got, err := os.ReadFile(filepath.Join("..", app, file))
			if err != nil {
				t.Errorf("examples/%s: %v", app, err)
				continue
			}
			if !bytes.Equal(got, ref) {
				t.Errorf("examples/%s/%s differs from examples/%s/%s; keep them identical", app, file, apps[0], file)
			}
		}
	}
}
