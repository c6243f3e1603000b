package jwksauth_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when any goroutine is left running
// after them: every key cache and token cache an Authenticator starts must
// stop on Close, and New must stop what it started when it fails.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
