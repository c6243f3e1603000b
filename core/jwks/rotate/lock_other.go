//go:build !unix

package rotate

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// lockFile creates path exclusively as a lock, retrying for up to 10 s, and
// returns the function that removes it. A process killed while holding it
// leaves the file behind; remove it by hand.
func lockFile(path string) (func(), error) {
	for i := 0; i < 1000; i++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return func() { _ = os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil, fmt.Errorf("lock file %s held for more than 10 s", path)
}
