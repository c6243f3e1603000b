//go:build race

package jws_test

const raceEnabled = true
