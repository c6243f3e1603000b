package rotate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/jwks/rotate"
	"github.com/jwksauth/jwksauth/core/jws"
	"github.com/jwksauth/jwksauth/jwkstest"
)

func states(m *rotate.Manager) []rotate.State {
	var s []rotate.State
	for _, k := range m.Keys() {
		s = append(s, k.State)
	}
	return s
}

func TestRotateAddSign(t *testing.T) {
	ctx := context.Background()
	clk := jwkstest.NewClock(t0)
	sched := rotate.Schedule{RotationPeriod: 24 * time.Hour, PrePublish: time.Hour, MaxTokenLifetime: 10 * time.Minute, Leeway: time.Minute, MaxAge: 5 * time.Minute}
	m, err := rotate.New(ctx, rotate.Config{Store: &rotate.MemStore{}, Schedule: sched, Clock: clk, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	first, _ := m.SigningKey()

	// Too early: the next key was published a moment ago.
	if err := m.Rotate(ctx, false); !errors.Is(err, rotate.ErrTooEarly) {
		t.Fatalf("Rotate: %v, want ErrTooEarly", err)
	}
	clk.Advance(time.Hour)
	if err := m.Rotate(ctx, false); err != nil {
		t.Fatal(err)
	}
	second, _ := m.SigningKey()
	if second.ID == first.ID {
		t.Fatal("the active key did not change")
	}
	if got := states(m); len(got) != 3 || got[0] != rotate.StateRetiring || got[1] != rotate.StateActive || got[2] != rotate.StateNext {
		t.Fatalf("states %v", got)
	}
	ks := m.Keys()
	if want := clk.Now().Add(11 * time.Minute); !ks[0].RemoveAt.Equal(want) {
		t.Fatalf("RemoveAt %v, want %v (last use + lifetime + leeway)", ks[0].RemoveAt, want)
	}
	// The retiring key leaves the set, and its private key the store, at RemoveAt.
	clk.Advance(11 * time.Minute)
	if _, err := m.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if got := m.Handler().KeyIDs(); len(got) != 2 || got[0] != second.ID {
		t.Fatalf("published %v", got)
	}

	// Withdraw: the active key is refused; a retiring key leaves at once.
	if err := m.Withdraw(ctx, second.ID); !errors.Is(err, rotate.ErrActiveKey) {
		t.Fatalf("Withdraw(active): %v", err)
	}
	if err := m.Withdraw(ctx, "nope"); !errors.Is(err, rotate.ErrUnknownKey) {
		t.Fatalf("Withdraw(unknown): %v", err)
	}

	// Force: activate at once, generating a next key if needed.
	if err := m.Rotate(ctx, true); err != nil {
		t.Fatal(err)
	}
	third, _ := m.SigningKey()
	if third.ID == second.ID {
		t.Fatal("forced rotation kept the key")
	}
	if got := m.Handler().KeyIDs(); len(got) != 3 || got[0] != second.ID {
		t.Fatalf("published after the forced rotation: %v", got)
	}
	if err := m.Withdraw(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if got := m.Handler().KeyIDs(); len(got) != 2 || got[0] != third.ID {
		t.Fatalf("published after Withdraw: %v", got)
	}
	for _, got := range m.Keys() {
		if got.ID == second.ID && (got.State != rotate.StateRetired || got.Published) {
			t.Fatalf("withdrawn key %+v", got)
		}
	}

	// Add: a new key becomes a next key, PrePublish away at least.
	rec, err := rotate.GenerateRecord(jws.EdDSA, 0, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Add(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(ctx, rec); err == nil {
		t.Fatal("the same kid added twice")
	}
	for _, k := range m.Keys() {
		if k.ID == rec.ID && (k.State != rotate.StateNext || k.ActivateAt.Before(clk.Now().Add(time.Hour))) {
			t.Fatalf("added key %+v", k)
		}
	}

	// Sign refuses tokens that outlive the schedule.
	if _, err := m.Sign(map[string]any{"exp": clk.Now().Add(time.Hour).Unix()}, ""); !errors.Is(err, rotate.ErrTokenLifetime) {
		t.Fatalf("long token: %v", err)
	}
	if _, err := m.Sign(map[string]any{"sub": "x"}, ""); !errors.Is(err, rotate.ErrTokenLifetime) {
		t.Fatalf("no exp: %v", err)
	}
	if _, err := m.Sign(map[string]any{"exp": clk.Now().Add(10 * time.Minute).Unix()}, "at+jwt"); err != nil {
		t.Fatal(err)
	}
}

func TestScheduleValidation(t *testing.T) {
	for _, s := range []rotate.Schedule{
		{MaxAge: 2 * time.Hour, PrePublish: time.Hour},
		{Algorithm: jws.HS256},
		{RSABits: 1024},
		{RotationPeriod: -time.Second},
	} {
		if _, err := rotate.New(context.Background(), rotate.Config{Store: &rotate.MemStore{}, Schedule: s, Manual: true}); !errors.Is(err, rotate.ErrSchedule) {
			t.Errorf("%+v: %v, want ErrSchedule", s, err)
		}
	}
}
