package jwkstest

import (
	"container/heap"
	"sync"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
)

// Clock is a fake [clock.Clock] whose time moves only when a test says so,
// through [Clock.Advance] or [Clock.Set]. Timers made by [Clock.NewTimer]
// fire when fake time reaches their deadline, never in real time, so a test
// drives refresh schedules, cooldowns and backoff without sleeping.
//
// A Clock is safe for concurrent use. Its timers behave like a [time.Timer]
// of Go 1.23 and later: the channel holds at most one value, a firing timer
// sends the fake time of its deadline, and once Stop or Reset has returned
// no stale value can be received from the channel.
//
// The usual pattern with a background goroutine is: start it, call
// [Clock.WaitForTimers] until it has parked on a timer, then Advance.
type Clock struct {
	// advMu serializes Advance and Set, so that each moves time as one
	// operation even though mu is released between two firings.
	advMu sync.Mutex

	mu      sync.Mutex
	now     time.Time
	timers  timerHeap     // pending timers, earliest deadline first
	seq     uint64        // creation order; breaks ties between equal deadlines
	changed chan struct{} // closed and replaced whenever timers changes

	// onFire, when set (by tests of this package only), is called with mu
	// held each time a timer fires.
	onFire func(deadline time.Time)
}

var _ clock.Clock = (*Clock)(nil)

// NewClock returns a fake clock that reads start until it is moved. The
// monotonic clock reading of start, if any, is stripped (see [time.Time.Round]),
// so that times read from the clock compare and print like wall-clock values.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start.Round(0), changed: make(chan struct{})}
}

// Now returns the current fake time. While [Clock.Advance] fires a timer,
// Now reports that timer's deadline.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when fake time reaches Now()+d. A d of
// zero or less fires at once: the current fake time is already in the
// channel when NewTimer returns, and the timer is not counted as pending.
func (c *Clock) NewTimer(d time.Duration) clock.Timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1), index: -1}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scheduleLocked(t, d)
	return t
}

// Advance moves fake time forward by d, firing every timer whose deadline
// falls within the new time, in deadline order (timers with equal deadlines
// in the order they were created or last reset). Each timer fires at its
// own deadline: the value it sends is its deadline, and [Clock.Now] reports
// that deadline until the next timer fires. After the last firing, time
// stands at the old time plus d. A d of zero or less does nothing: fake time
// never runs backwards.
//
// A timer that another goroutine creates while Advance runs is fired by the
// same call if its deadline is within the new time and it is registered
// before Advance finishes; Advance does not wait for other goroutines to
// react to the timers it fires. To step a loop that re-arms a timer each
// time it fires, Advance one period at a time with [Clock.WaitForTimers]
// between the steps.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.advMu.Lock()
	defer c.advMu.Unlock()
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.advanceTo(target)
}

// Set moves fake time forward to t, firing the timers due on the way
// exactly as [Clock.Advance] does. Time only moves forward: if t is not
// after [Clock.Now], Set does nothing, since timers that have fired cannot
// be taken back. The monotonic clock reading of t, if any, is ignored.
func (c *Clock) Set(t time.Time) {
	c.advMu.Lock()
	defer c.advMu.Unlock()
	c.advanceTo(t.Round(0))
}

// advanceTo fires the timers due up to target and leaves time at target if
// that is later than now. The caller holds advMu.
func (c *Clock) advanceTo(target time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.timers) > 0 && !c.timers[0].when.After(target) {
		t := heap.Pop(&c.timers).(*fakeTimer)
		if t.when.After(c.now) {
			c.now = t.when
		}
		t.sendLocked(t.when)
		if c.onFire != nil {
			c.onFire(t.when)
		}
		c.notifyLocked()
		// Let other goroutines read the time, create or stop timers
		// between two firings; advMu keeps other moves of time out.
		c.mu.Unlock()
		c.mu.Lock()
	}
	if target.After(c.now) {
		c.now = target
	}
}

// Timers returns the number of pending timers: created or reset with a
// positive duration, not yet fired and not stopped.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitForTimers blocks, in real time, until at least n timers are pending
// (see [Clock.Timers]) or timeout has passed, and reports whether the count
// was reached. A test calls it so that a background goroutine has parked on
// its timer before the test advances the clock. It waits on notifications
// from the clock, not by polling; an n of zero or less returns true at once.
func (c *Clock) WaitForTimers(n int, timeout time.Duration) bool {
	if c.pending(n) == nil {
		return true
	}
	rt := time.NewTimer(timeout)
	defer rt.Stop()
	for {
		changed := c.pending(n)
		if changed == nil {
			return true
		}
		select {
		case <-changed:
		case <-rt.C:
			return c.pending(n) == nil
		}
	}
}

// pending returns nil if at least n timers are pending, and otherwise the
// channel that is closed on the next change to the timers.
func (c *Clock) pending(n int) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) >= n {
		return nil
	}
	return c.changed
}

// scheduleLocked arms t to fire after d from now; d <= 0 fires at once.
// The caller holds mu and has taken t out of the heap.
func (c *Clock) scheduleLocked(t *fakeTimer, d time.Duration) {
	if d <= 0 {
		t.when = c.now
		t.sendLocked(c.now)
		return
	}
	t.when = c.now.Add(d)
	c.seq++
	t.seq = c.seq
	heap.Push(&c.timers, t)
	c.notifyLocked()
}

// notifyLocked wakes every WaitForTimers call. The caller holds mu.
func (c *Clock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// fakeTimer is the [clock.Timer] of a fake [Clock]. All its state is
// guarded by the clock's mu.
type fakeTimer struct {
	c     *Clock
	ch    chan time.Time
	when  time.Time
	seq   uint64
	index int // position in c.timers; -1 when not pending
}

// C returns the channel on which the timer delivers the fake time of its
// deadline.
func (t *fakeTimer) C() <-chan time.Time { return t.ch }

// Stop prevents the timer from firing and drains its channel, so that no
// value can be received after Stop returns. Like [time.Timer.Stop] since
// Go 1.23, it reports true if the timer was pending or had fired with its
// value still unreceived (the drained value), and false if the value had
// already been received or the timer was already stopped.
func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	return t.stopLocked()
}

// Reset stops the timer, drains its channel and arms it to fire after d
// (at once if d is zero or less). Its result is what Stop would have
// returned, as with [time.Timer.Reset] since Go 1.23.
func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	active := t.stopLocked()
	t.c.scheduleLocked(t, d)
	return active
}

func (t *fakeTimer) stopLocked() bool {
	active := false
	if t.index >= 0 {
		heap.Remove(&t.c.timers, t.index)
		t.c.notifyLocked()
		active = true
	}
	select {
	case <-t.ch:
		active = true
	default:
	}
	return active
}

// sendLocked delivers v without blocking. The channel is always empty here,
// since every re-arming drains it, but a full channel must never block the
// clock.
func (t *fakeTimer) sendLocked(v time.Time) {
	select {
	case t.ch <- v:
	default:
	}
}

// timerHeap orders pending timers by deadline, then by creation order.
type timerHeap []*fakeTimer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) Push(x any) {
	t := x.(*fakeTimer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}
