package main

import (
	"testing"

	"github.com/jwksauth/jwksauth/examples/blackbox"
)

// TestMain lets blackbox.Self run this test binary as the app.
func TestMain(m *testing.M) { blackbox.Main(m, main) }

// TestContract runs the contract every example keeps (examples/blackbox)
// against this app, as a separate process; devBuild says whether this is
// the development build (-tags dev), which `make test` tests and `make
// lint` does not.
func TestContract(t *testing.T) { blackbox.Run(t, blackbox.Self(), blackbox.DevBuild(devBuild)) }
