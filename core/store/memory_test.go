package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/store"
	"github.com/jwksauth/jwksauth/jwkstest"
)

var epoch = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func TestMemoryReplay(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	m := store.NewMemory(store.MemoryOptions{Clock: clk, Size: 3})
	ctx := context.Background()
	use := func(key string, exp time.Time) (bool, error) { return m.Use(ctx, key, exp) }

	if fresh, err := use("a", epoch.Add(time.Minute)); !fresh || err != nil {
		t.Fatalf("first use: %v %v", fresh, err)
	}
	if fresh, err := use("a", epoch.Add(time.Minute)); fresh || err != nil {
		t.Fatalf("second use: %v %v", fresh, err)
	}
	_, _ = use("b", epoch.Add(2*time.Minute))
	_, _ = use("c", epoch.Add(2*time.Minute))
	// Full, nothing expired: refuse rather than forget.
	if _, err := use("d", epoch.Add(time.Minute)); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("full store: %v, want ErrUnavailable", err)
	}
	// After a's expiry, a is fresh again: its room is reused.
	clk.Advance(time.Minute + time.Second)
	if fresh, err := use("a", epoch.Add(5*time.Minute)); !fresh || err != nil {
		t.Fatalf("an expired key is not fresh again: %v %v", fresh, err)
	}
	if fresh, _ := use("b", epoch.Add(5*time.Minute)); fresh {
		t.Fatal("an unexpired key was forgotten")
	}
	if _, err := use("d", epoch.Add(time.Minute)); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("full store of live keys: %v, want ErrUnavailable", err)
	}
	// When b and c expire, d gets in.
	clk.Advance(time.Minute)
	if fresh, err := use("d", epoch.Add(5*time.Minute)); !fresh || err != nil {
		t.Fatalf("after b and c expired: %v %v", fresh, err)
	}
}

func TestMemoryReplayConcurrent(t *testing.T) {
	m := store.NewMemory(store.MemoryOptions{})
	var fresh atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := m.Use(context.Background(), "same", time.Now().Add(time.Minute)); ok && err == nil {
				fresh.Add(1)
			}
		}()
	}
	wg.Wait()
	if fresh.Load() != 1 {
		t.Fatalf("%d goroutines saw the key fresh, want 1", fresh.Load())
	}
}

func TestMemoryRevocation(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	m := store.NewMemory(store.MemoryOptions{Clock: clk})
	ctx := context.Background()
	const iss = "https://idp.example.com"
	tok := func(sub, jti string, iat time.Time) store.Token {
		return store.Token{Issuer: iss, Subject: sub, ID: jti, IssuedAt: iat}
	}
	mustRevoke := func(e store.Entry) {
		t.Helper()
		if err := m.Revoke(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	mustRevoke(store.Entry{Issuer: iss, ID: "stolen", Until: epoch.Add(time.Hour)})
	mustRevoke(store.Entry{Issuer: iss, Subject: "mallory", Until: epoch.Add(24 * time.Hour)}) // Before = now

	tests := []struct {
		name string
		t    store.Token
		want bool
	}{
		{"revoked jti", tok("alice", "stolen", epoch.Add(-time.Minute)), true},
		{"other jti", tok("alice", "fine", epoch.Add(-time.Minute)), false},
		{"jti of another issuer", store.Token{Issuer: "https://other.example", ID: "stolen"}, false},
		{"subject's older token", tok("mallory", "x", epoch.Add(-time.Minute)), true},
		{"subject's token without iat", tok("mallory", "x", time.Time{}), true},
		{"subject's token issued after", tok("mallory", "y", epoch.Add(time.Second)), false},
		{"subject of another issuer", store.Token{Issuer: "https://other.example", Subject: "mallory"}, false},
	}
	for _, tt := range tests {
		got, err := m.Revoked(ctx, tt.t)
		if err != nil || got != tt.want {
			t.Errorf("%s: Revoked = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	// Entries end with Until.
	clk.Advance(time.Hour)
	if got, _ := m.Revoked(ctx, tok("alice", "stolen", epoch)); got {
		t.Error("a jti entry outlived Until")
	}
	for _, bad := range []store.Entry{
		{ID: "x", Until: epoch.Add(time.Hour)},
		{Issuer: iss, Until: epoch.Add(time.Hour)},
		{Issuer: iss, ID: "x"},
	} {
		if err := m.Revoke(ctx, bad); err == nil {
			t.Errorf("Revoke(%+v) accepted an invalid entry", bad)
		}
	}
}

func TestMemoryRevocationBounded(t *testing.T) {
	clk := jwkstest.NewClock(epoch)
	m := store.NewMemory(store.MemoryOptions{Clock: clk, Size: 10})
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if err := m.Revoke(ctx, store.Entry{Issuer: "i", ID: fmt.Sprint(i), Until: epoch.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Revoke(ctx, store.Entry{Issuer: "i", ID: "x", Until: epoch.Add(time.Minute)}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("full: %v", err)
	}
	clk.Advance(2 * time.Minute)
	if err := m.Revoke(ctx, store.Entry{Issuer: "i", ID: "x", Until: epoch.Add(time.Hour)}); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}
