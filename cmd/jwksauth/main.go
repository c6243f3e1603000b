// Command jwksauth explains why a token passes or fails, inspects an
// issuer's key set as the jwksauth library sees it, and manages, rotates
// and publishes the signing keys of a token issuer.
//
// Exit status: 0 when the token or issuer passes, 1 when it fails, 2 for a
// usage error. See docs/cli.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// failError marks a verdict (a token or issuer that fails), exit status 1,
// as opposed to a usage error, exit status 2.
type failError struct{ err error }

func (e *failError) Error() string { return e.err.Error() }
func (e *failError) Unwrap() error { return e.err }

// failed wraps err as a verdict.
func failed(err error) error { return &failError{err} }

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run executes the command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newRoot(stdin)
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.Execute()
	if err == nil {
		return exitOK
	}
	var fe *failError
	if errors.As(err, &fe) {
		if fe.err != errReported {
			fmt.Fprintln(stderr, "jwksauth:", fe.err)
		}
		return exitFail
	}
	fmt.Fprintln(stderr, "jwksauth:", err)
	return exitUsage
}

// errReported is a verdict already printed in full on stdout.
var errReported = errors.New("reported")
