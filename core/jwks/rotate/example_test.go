package rotate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks/rotate"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// A token issuer holds its keys in a Manager, publishes them with the
// Manager's handler and signs with the active key. Here time is a fake
// clock, moved by hand past the first rotation.
func ExampleManager() {
	clk := jwkstest.NewClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	m, err := rotate.New(context.Background(), rotate.Config{
		Store: &rotate.MemStore{}, // rotate.NewFileStore(dir) on disk
		Clock: clk,
	})
	if err != nil {
		panic(err)
	}
	defer m.Close()

	mux := http.NewServeMux()
	mux.Handle("/.well-known/jwks.json", m.Handler())
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
	fmt.Println(rec.Header().Get("Cache-Control"))

	tok, err := m.Sign(map[string]any{"iss": "https://issuer.example", "exp": clk.Now().Add(time.Hour).Unix()}, "at+jwt")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(tok) > 0)

	show := func() {
		for _, k := range m.Keys() {
			fmt.Printf("%-8s signs from %s\n", k.State, k.ActivateAt.Format("Jan 2 15:04"))
		}
	}
	show()
	clk.Advance(rotate.DefaultRotationPeriod)
	if _, err := m.Step(context.Background()); err != nil { // the background loop does this on its own
		panic(err)
	}
	fmt.Println("after a week:")
	show()
	// Output:
	// public, max-age=900
	// true
	// active   signs from Jan 5 09:00
	// next     signs from Jan 12 09:00
	// after a week:
	// retiring signs from Jan 5 09:00
	// active   signs from Jan 12 09:00
	// next     signs from Jan 19 09:00
}
