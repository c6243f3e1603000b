package rotate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/jwksauth/jwksauth/core/jwks/rotate"
)

func TestFileStore(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "keys")
	s, err := rotate.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v", fi.Mode().Perm())
	}
	m, err := rotate.New(ctx, rotate.Config{Store: s, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, rotate.FileStoreName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	// No temporary file is left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != rotate.FileStoreName && e.Name() != rotate.FileStoreName+".lock" {
			t.Errorf("stray file %s", e.Name())
		}
	}
	// A second store on the same directory reads the same keys.
	s2, _ := rotate.NewFileStore(dir)
	set, err := s2.Load(ctx)
	if err != nil || len(set.Keys) != 2 || set.Version != 1 {
		t.Fatalf("reload: %v, %d keys, version %d", err, len(set.Keys), set.Version)
	}
	if err := s2.CompareAndSwap(ctx, 0, set); !errors.Is(err, rotate.ErrConflict) {
		t.Fatalf("stale CompareAndSwap: %v, want ErrConflict", err)
	}
	m.Close()

	// A group- or world-readable directory is refused.
	for _, mode := range []os.FileMode{0o750, 0o705, 0o777} {
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := rotate.NewFileStore(dir); !errors.Is(err, rotate.ErrStore) {
			t.Errorf("mode %04o: %v, want ErrStore", mode, err)
		}
		if _, err := s.Load(ctx); !errors.Is(err, rotate.ErrStore) {
			t.Errorf("Load with mode %04o: %v, want ErrStore", mode, err)
		}
	}
	_ = os.Chmod(dir, 0o700)
	// A key file readable by others is refused.
	_ = os.Chmod(filepath.Join(dir, rotate.FileStoreName), 0o644)
	if _, err := s.Load(ctx); !errors.Is(err, rotate.ErrStore) {
		t.Errorf("key file 0644: %v, want ErrStore", err)
	}
}
