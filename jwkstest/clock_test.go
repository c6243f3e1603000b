package jwkstest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
)

var clockStart = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// received returns the value waiting in ch, if any, without blocking.
func received(ch <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-ch:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestClockNowAdvanceSet(t *testing.T) {
	c := NewClock(clockStart)
	if got := c.Now(); !got.Equal(clockStart) {
		t.Fatalf("Now() = %v, want %v", got, clockStart)
	}
	c.Advance(90 * time.Second)
	if got, want := c.Now(), clockStart.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance: Now() = %v, want %v", got, want)
	}
	c.Advance(0)
	c.Advance(-time.Hour)
	if got, want := c.Now(), clockStart.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("Advance(<=0) moved time: Now() = %v, want %v", got, want)
	}
	later := clockStart.Add(time.Hour)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Fatalf("after Set: Now() = %v, want %v", got, later)
	}
	c.Set(clockStart) // backwards: ignored
	if got := c.Now(); !got.Equal(later) {
		t.Fatalf("Set backwards moved time: Now() = %v, want %v", got, later)
	}
}

func TestClockStripsMonotonic(t *testing.T) {
	c := NewClock(time.Now())
	if got := c.Now(); got != got.Round(0) {
		t.Fatalf("Now() = %v carries a monotonic reading", got)
	}
}

func TestClockFiringOrder(t *testing.T) {
	c := NewClock(clockStart)
	var fired []time.Duration
	c.onFire = func(deadline time.Time) {
		if !c.now.Equal(deadline) {
			t.Errorf("timer due at %v fired while Now() = %v", deadline.Sub(clockStart), c.now.Sub(clockStart))
		}
		fired = append(fired, deadline.Sub(clockStart))
	}
	ds := []time.Duration{3 * time.Second, time.Second, 2 * time.Second, 2 * time.Second, 10 * time.Second}
	timers := make([]clock.Timer, len(ds))
	for i, d := range ds {
		timers[i] = c.NewTimer(d)
	}
	if got := c.Timers(); got != 5 {
		t.Fatalf("Timers() = %d, want 5", got)
	}
	c.Advance(5 * time.Second)

	want := []time.Duration{time.Second, 2 * time.Second, 2 * time.Second, 3 * time.Second}
	if len(fired) != len(want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	for i := range want {
		if fired[i] != want[i] {
			t.Fatalf("fired %v, want %v", fired, want)
		}
	}
	for i, d := range ds[:4] {
		v, ok := received(timers[i].C())
		if !ok {
			t.Fatalf("timer %d (%v) did not fire", i, d)
		}
		if want := clockStart.Add(d); !v.Equal(want) {
			t.Errorf("timer %d sent %v, want its deadline %v", i, v, want)
		}
	}
	if _, ok := received(timers[4].C()); ok {
		t.Fatal("timer due at 10s fired at 5s")
	}
	if got := c.Timers(); got != 1 {
		t.Fatalf("Timers() = %d, want 1", got)
	}
	if got, want := c.Now(), clockStart.Add(5*time.Second); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}

	// Set fires the same way.
	c.Set(clockStart.Add(10 * time.Second))
	if v, ok := received(timers[4].C()); !ok || !v.Equal(clockStart.Add(10*time.Second)) {
		t.Fatalf("after Set: timer sent %v, %v; want its deadline", v, ok)
	}
	if got := c.Timers(); got != 0 {
		t.Fatalf("Timers() = %d, want 0", got)
	}
}

func TestClockEqualDeadlinesResetOrder(t *testing.T) {
	c := NewClock(clockStart)
	var order []int
	chans := map[<-chan time.Time]int{}
	c.onFire = func(time.Time) {
		for ch, i := range chans {
			if len(ch) == 1 {
				order = append(order, i)
				delete(chans, ch)
			}
		}
	}
	a, b := c.NewTimer(time.Second), c.NewTimer(time.Second)
	chans[a.C()], chans[b.C()] = 0, 1
	a.Reset(time.Second) // a now comes after b
	c.Advance(time.Second)
	if len(order) != 2 || order[0] != 1 || order[1] != 0 {
		t.Fatalf("fired %v, want [1 0] (b created first, a reset later)", order)
	}
}

func TestClockNonPositiveFiresAtOnce(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		c := NewClock(clockStart)
		tm := c.NewTimer(d)
		if v, ok := received(tm.C()); !ok || !v.Equal(clockStart) {
			t.Fatalf("NewTimer(%v): got %v, %v; want %v at once", d, v, ok, clockStart)
		}
		if got := c.Timers(); got != 0 {
			t.Fatalf("NewTimer(%v): Timers() = %d, want 0", d, got)
		}
		c.Advance(time.Hour)
		if _, ok := received(tm.C()); ok {
			t.Fatalf("NewTimer(%v) fired twice", d)
		}
		c.Advance(time.Minute)
		if tm.Reset(d) {
			t.Fatalf("Reset(%v) of a fired and received timer = true", d)
		}
		if v, ok := received(tm.C()); !ok || !v.Equal(c.Now()) {
			t.Fatalf("Reset(%v): got %v, %v; want %v at once", d, v, ok, c.Now())
		}
	}
}

func TestClockStopReset(t *testing.T) {
	c := NewClock(clockStart)

	t.Run("stop pending", func(t *testing.T) {
		tm := c.NewTimer(time.Second)
		if !tm.Stop() {
			t.Fatal("Stop of a pending timer = false")
		}
		if tm.Stop() {
			t.Fatal("second Stop = true")
		}
		if c.Timers() != 0 {
			t.Fatalf("Timers() = %d after Stop", c.Timers())
		}
		c.Advance(time.Hour)
		if _, ok := received(tm.C()); ok {
			t.Fatal("stopped timer fired")
		}
	})
	t.Run("stop fired unreceived drains", func(t *testing.T) {
		tm := c.NewTimer(time.Second)
		c.Advance(time.Second)
		if !tm.Stop() {
			t.Fatal("Stop of a fired timer with its value unreceived = false, want true (Go 1.23)")
		}
		if _, ok := received(tm.C()); ok {
			t.Fatal("stale value received after Stop")
		}
	})
	t.Run("stop fired received", func(t *testing.T) {
		tm := c.NewTimer(time.Second)
		c.Advance(time.Second)
		<-tm.C()
		if tm.Stop() {
			t.Fatal("Stop after the value was received = true")
		}
	})
	t.Run("reset pending", func(t *testing.T) {
		tm := c.NewTimer(time.Second)
		c.Advance(500 * time.Millisecond)
		if !tm.Reset(2 * time.Second) {
			t.Fatal("Reset of a pending timer = false")
		}
		want := c.Now().Add(2 * time.Second)
		c.Advance(time.Second)
		if _, ok := received(tm.C()); ok {
			t.Fatal("reset timer fired at its old deadline")
		}
		c.Advance(time.Second)
		if v, ok := received(tm.C()); !ok || !v.Equal(want) {
			t.Fatalf("reset timer sent %v, %v; want %v", v, ok, want)
		}
		if c.Timers() != 0 {
			t.Fatalf("Timers() = %d", c.Timers())
		}
	})
	t.Run("reset fired unreceived drains", func(t *testing.T) {
		tm := c.NewTimer(time.Second)
		c.Advance(time.Second)
		if !tm.Reset(time.Second) {
			t.Fatal("Reset of a fired timer with its value unreceived = false, want true (Go 1.23)")
		}
		if _, ok := received(tm.C()); ok {
			t.Fatal("stale value received after Reset")
		}
		want := c.Now().Add(time.Second)
		c.Advance(time.Second)
		if v, ok := received(tm.C()); !ok || !v.Equal(want) {
			t.Fatalf("got %v, %v; want %v", v, ok, want)
		}
	})
	t.Run("reset stopped", func(t *testing.T) {
		tm := c.NewTimer(time.Second)
		tm.Stop()
		if tm.Reset(time.Second) {
			t.Fatal("Reset of a stopped timer = true")
		}
		if c.Timers() != 1 {
			t.Fatalf("Timers() = %d, want 1", c.Timers())
		}
		c.Advance(time.Second)
		if _, ok := received(tm.C()); !ok {
			t.Fatal("timer reset after Stop did not fire")
		}
	})
}

// TestClockMatchesRealTimer runs the same script on clock.Real and on the
// fake clock: Stop and Reset must report the same results.
func TestClockMatchesRealTimer(t *testing.T) {
	const d = time.Millisecond
	type env struct {
		c    clock.Clock
		pass func() // lets the timer's deadline pass
	}
	envs := map[string]func() env{
		"real": func() env { return env{clock.Real, func() { time.Sleep(20 * d) }} },
		"fake": func() env {
			c := NewClock(clockStart)
			return env{c, func() { c.Advance(d) }}
		},
	}
	for name, mk := range envs {
		t.Run(name, func(t *testing.T) {
			e := mk()
			var got []bool

			tm := e.c.NewTimer(time.Hour)
			got = append(got, tm.Stop(), tm.Stop(), tm.Reset(time.Hour), tm.Reset(d))
			e.pass()
			got = append(got, tm.Stop())
			_, ok := received(tm.C())
			got = append(got, ok)

			tm = e.c.NewTimer(d)
			e.pass()
			got = append(got, tm.Reset(d))
			e.pass()
			<-tm.C()
			got = append(got, tm.Stop(), tm.Reset(time.Hour), tm.Stop())

			want := []bool{true, false, false, true, true, false, true, false, false, true}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("results %v, want %v", got, want)
				}
			}
		})
	}
}

// TestClockNoValueAfterStop races Stop against Advance: Stop reports true
// exactly when no value is ever received, false exactly when one is.
func TestClockNoValueAfterStop(t *testing.T) {
	c := NewClock(clockStart)
	for i := range 2000 {
		tm := c.NewTimer(time.Second)
		var wg sync.WaitGroup
		var stopped bool
		wg.Go(func() { c.Advance(time.Second) })
		wg.Go(func() { stopped = tm.Stop() })
		wg.Wait()
		c.Advance(time.Hour)
		_, got := received(tm.C())
		if stopped == got {
			t.Fatalf("iteration %d: Stop() = %v and a value was received = %v", i, stopped, got)
		}
	}
}

func TestClockConcurrent(t *testing.T) {
	c := NewClock(clockStart)
	const workers, perWorker = 8, 200
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				c.Advance(time.Millisecond)
			}
		}
	})
	var workersWG, receivers sync.WaitGroup
	for range workers {
		workersWG.Go(func() {
			for j := range perWorker {
				tm := c.NewTimer(time.Duration(j%7+1) * time.Millisecond)
				_ = c.Now()
				_ = c.Timers()
				switch j % 3 {
				case 0:
					// Nobody receives, so Stop finds the timer pending
					// or drains its value: true either way.
					if !tm.Stop() {
						t.Error("Stop of an unreceived timer = false")
					}
					if _, ok := received(tm.C()); ok {
						t.Error("value received after Stop")
					}
				case 1:
					tm.Reset(time.Duration(j%5+1) * time.Millisecond)
					fallthrough
				default:
					receivers.Go(func() {
						// Each armed timer fires exactly once.
						<-tm.C()
						if _, ok := received(tm.C()); ok {
							t.Error("timer fired twice")
						}
					})
				}
			}
		})
	}
	workersWG.Wait()
	close(done)
	wg.Wait()
	c.Advance(time.Second) // fire whatever is left
	receivers.Wait()
	if n := c.Timers(); n != 0 {
		t.Fatalf("Timers() = %d after everything fired", n)
	}
}

func TestClockWaitForTimers(t *testing.T) {
	c := NewClock(clockStart)
	if !c.WaitForTimers(0, 0) {
		t.Fatal("WaitForTimers(0) = false")
	}
	begin := time.Now()
	if c.WaitForTimers(1, 20*time.Millisecond) {
		t.Fatal("WaitForTimers(1) on an idle clock = true")
	}
	if el := time.Since(begin); el < 20*time.Millisecond {
		t.Fatalf("WaitForTimers returned false after %v, before its timeout", el)
	}

	ctx := t.Context()
	errc := make(chan error, 2)
	for range 2 {
		go func() { errc <- clock.Sleep(ctx, c, time.Minute) }()
	}
	if !c.WaitForTimers(2, 10*time.Second) {
		t.Fatalf("sleepers did not park: Timers() = %d", c.Timers())
	}
	c.Advance(59 * time.Second)
	select {
	case err := <-errc:
		t.Fatalf("Sleep returned %v before its minute", err)
	default:
	}
	c.Advance(time.Second)
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatalf("Sleep = %v", err)
		}
	}

	// A cancelled Sleep stops its timer.
	cctx, cancel := context.WithCancel(ctx)
	go func() { errc <- clock.Sleep(cctx, c, time.Minute) }()
	if !c.WaitForTimers(1, 10*time.Second) {
		t.Fatal("sleeper did not park")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
	if n := c.Timers(); n != 0 {
		t.Fatalf("Timers() = %d after a cancelled Sleep", n)
	}
}

// TestClockSleepLoop steps a goroutine that re-arms its timer each period.
func TestClockSleepLoop(t *testing.T) {
	c := NewClock(clockStart)
	ticks := make(chan time.Time)
	ctx := t.Context()
	go func() {
		for {
			if clock.Sleep(ctx, c, 10*time.Second) != nil {
				return
			}
			select {
			case ticks <- c.Now():
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := 1; i <= 3; i++ {
		if !c.WaitForTimers(1, 10*time.Second) {
			t.Fatal("loop did not park")
		}
		c.Advance(10 * time.Second)
		if got, want := <-ticks, clockStart.Add(time.Duration(i)*10*time.Second); !got.Equal(want) {
			t.Fatalf("tick %d at %v, want %v", i, got, want)
		}
	}
}
