//go:build unix

package jwkstest_test

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"

	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// TestFaultRefuseHoldsThePort checks that an endpoint refusing connections
// keeps its port: no other listener can take it (a new issuer would
// otherwise be given it and serve the refused issuer's URL), connections
// are still refused, and switching the fault off serves again on the port.
func TestFaultRefuseHoldsThePort(t *testing.T) {
	iss := jwkstest.NewIssuer(t, jwkstest.WithAlgorithms(jws.EdDSA))
	u, err := url.Parse(iss.URL())
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 { // refusing twice works the same
		// No connection of the server lingers in TIME_WAIT (the client
		// closes first), so the port is held exclusively.
		http.DefaultClient.CloseIdleConnections()
		if err := iss.SetFault(jwkstest.FaultRefuse); err != nil {
			t.Fatal(err)
		}
		if ln, err := net.Listen("tcp", u.Host); err == nil {
			ln.Close()
			t.Fatalf("round %d: another listener took the refused port %s", round, u.Host)
		}
		if _, err := http.Get(iss.JWKSURL()); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("round %d: while refused: %v, want connection refused", round, err)
		}
		// Listeners on port 0 are never given the held port.
		for range 50 {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			got := ln.Addr().String()
			ln.Close()
			if got == u.Host {
				t.Fatalf("round %d: a listener on port 0 was given the refused port", round)
			}
		}
		if err := iss.SetFault(jwkstest.FaultNone); err != nil {
			t.Fatal(err)
		}
		res, err := http.Get(iss.JWKSURL())
		if err != nil {
			t.Fatalf("round %d: after the refusal: %v", round, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("round %d: after the refusal: %s", round, res.Status)
		}
	}
}
