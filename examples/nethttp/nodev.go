//go:build !dev

package main

// This file is the same in every example app (examples/*/nodev.go): it
// stands in for dev.go in a production build (without -tags dev), where
// loadSettings refuses DEV_ISSUER=1 and names the development build.

import (
	"errors"
	"io"
)

// devBuild reports whether this binary has the development issuer.
const devBuild = false

// devIssuer has no instance in a production build.
type devIssuer struct{}

// errNoDevIssuer is what the development issuer's functions return here;
// loadSettings refuses DEV_ISSUER before they could be called.
var errNoDevIssuer = errors.New("the development issuer needs the development build (-tags dev)")

// URL returns "".
func (*devIssuer) URL() string { return "" }

// Close does nothing.
func (*devIssuer) Close() {}

func startDevIssuer(*settings) (*devIssuer, error) { return nil, errNoDevIssuer }

func printDevCommands(io.Writer, string, *devIssuer, settings) error { return errNoDevIssuer }
