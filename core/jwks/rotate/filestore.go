package rotate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileStoreName is the name of the key set file inside a [FileStore]'s
// directory; a lock file named FileStoreName+".lock" sits beside it.
const FileStoreName = "keyset.json"

// maxFileSize bounds the key set file read: 4 MiB, thousands of keys.
const maxFileSize = 4 << 20

// FileStore is a [Store] in a directory of the local file system:
//
//   - the directory must not be readable, writable or searchable by group
//     or others (mode 0700 or stricter), or every call fails with
//     [ErrStore]: the file holds private keys;
//   - the set is one JSON file, mode 0600, replaced atomically (written to
//     a temporary file in the same directory, synced, renamed over the old
//     one, the directory synced), so a reader or a crash never sees half
//     a file;
//   - CompareAndSwap holds an exclusive lock on a lock file (flock on
//     Unix) while it reads, compares and writes, so processes sharing the
//     directory on one host never both win.
//
// A directory on a network file system is only as safe as its locking.
type FileStore struct {
	dir string
}

// NewFileStore returns the store in dir, creating the directory (0700) if it
// does not exist. It fails if dir is accessible to group or others.
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	s := &FileStore{dir: dir}
	if err := s.checkDir(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir returns the store's directory.
func (s *FileStore) Dir() string { return s.dir }

func (s *FileStore) checkDir() error {
	fi, err := os.Stat(s.dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrStore, s.dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: directory %s has mode %04o; it holds private keys and must not be accessible to group or others (chmod 700)", ErrStore, s.dir, perm)
	}
	return nil
}

func (s *FileStore) path() string { return filepath.Join(s.dir, FileStoreName) }

// Load reads the stored set.
func (s *FileStore) Load(context.Context) (KeySet, error) {
	if err := s.checkDir(); err != nil {
		return KeySet{}, err
	}
	return s.read()
}

func (s *FileStore) read() (KeySet, error) {
	f, err := os.Open(s.path())
	if errors.Is(err, fs.ErrNotExist) {
		return KeySet{}, nil
	}
	if err != nil {
		return KeySet{}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return KeySet{}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return KeySet{}, fmt.Errorf("%w: %s has mode %04o; want 0600", ErrStore, s.path(), perm)
	}
	if fi.Size() > maxFileSize {
		return KeySet{}, fmt.Errorf("%w: %s is larger than %d bytes", ErrStore, s.path(), maxFileSize)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return KeySet{}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	var set KeySet
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		return KeySet{}, fmt.Errorf("%w: %s: %w", ErrStore, s.path(), err)
	}
	return set, nil
}

// CompareAndSwap writes next, with version old+1, if the stored version is
// old, under the directory's lock.
func (s *FileStore) CompareAndSwap(_ context.Context, old uint64, next KeySet) error {
	if err := s.checkDir(); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(s.dir, FileStoreName+".lock"))
	if err != nil {
		return fmt.Errorf("%w: lock: %w", ErrStore, err)
	}
	defer unlock()
	cur, err := s.read()
	if err != nil {
		return err
	}
	if cur.Version != old {
		return fmt.Errorf("%w: version %d, expected %d", ErrConflict, cur.Version, old)
	}
	next.Version = old + 1
	data, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	return s.writeAtomic(append(data, '\n'))
}

func (s *FileStore) writeAtomic(data []byte) (err error) {
	tmp, err := os.CreateTemp(s.dir, ".keyset-*.tmp")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if err := os.Rename(tmp.Name(), s.path()); err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
