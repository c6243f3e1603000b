// Package clock is the one source of time for jwksauth: the current time and
// the timers that refresh schedules, backoff and cooldowns wait on.
//
// Nothing in the core calls time.Now or time.NewTimer directly; it asks a
// [Clock]. Production code uses [Real]; tests use the fake clock of the
// jwkstest package and move time by hand instead of sleeping.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and makes timers.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once, after d.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer, the interface of [time.Timer] that a fake
// clock can implement.
type Timer interface {
	// C returns the channel on which the time is delivered when the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether the call
	// stopped the timer, false if it had already fired or been stopped.
	Stop() bool
	// Reset changes the timer to fire after d. It reports whether the timer
	// had been active.
	Reset(d time.Duration) bool
}

// Real is the wall clock: [time.Now] and [time.NewTimer].
var Real Clock = realClock{}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time        { return t.t.C }
func (t realTimer) Stop() bool                 { return t.t.Stop() }
func (t realTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// OrReal returns c, or [Real] when c is nil, so that a zero-valued
// configuration means the wall clock.
func OrReal(c Clock) Clock {
	if c == nil {
		return Real
	}
	return c
}

// Sleep waits for d on clock c, or until ctx is done. It returns ctx.Err()
// when the context ended the wait and nil otherwise. A d of zero or less
// returns at once (after checking ctx).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}
