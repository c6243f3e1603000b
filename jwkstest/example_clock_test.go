package jwkstest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jwksauth/jwksauth/core/clock"
	"github.com/jwksauth/jwksauth/jwkstest"
)

// A test starts a goroutine that sleeps on the clock, waits until it has
// parked on its timer, then moves time instead of sleeping.
func ExampleClock() {
	c := jwkstest.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))

	done := make(chan error)
	go func() { done <- clock.Sleep(context.Background(), c, time.Minute) }()

	if !c.WaitForTimers(1, 5*time.Second) {
		fmt.Println("the goroutine never slept")
		return
	}
	c.Advance(time.Minute)
	fmt.Println(<-done, c.Now())

	// Timers fire in deadline order, each with its own deadline.
	a, b := c.NewTimer(2*time.Second), c.NewTimer(time.Second)
	c.Advance(time.Hour)
	fmt.Println((<-b.C()).Format(time.TimeOnly), (<-a.C()).Format(time.TimeOnly))
	fmt.Println("pending:", c.Timers())

	// Output:
	// <nil> 2025-01-01 00:01:00 +0000 UTC
	// 00:01:01 00:01:02
	// pending: 0
}
