//go:build !unix

package jwkstest

import (
	"errors"
	"io"
)

// kitHoldPort is not available on this platform: a refused endpoint's port
// is free while it is down (see the Unix version).
func kitHoldPort(string) (io.Closer, error) {
	return nil, errors.ErrUnsupported
}
