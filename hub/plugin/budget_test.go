package plugin

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A call's context reports the caller's cancellation, the backstop and the
// call's end, through Err at once and through Done for whoever waits.
func TestCallContext(t *testing.T) {
	newCtx := func(parent context.Context, wall time.Duration) *callCtx {
		b := &budget{wall: time.Now().Add(wall)}
		b.ctx = &callCtx{Context: parent, b: b}
		return b.ctx
	}
	waitDone := func(t *testing.T, c *callCtx, want error) {
		t.Helper()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done never closed")
		}
		if err := c.Err(); !errors.Is(err, want) {
			t.Fatalf("Err %v, want %v", err, want)
		}
	}

	t.Run("running", func(t *testing.T) {
		c := newCtx(context.Background(), time.Hour)
		if c.Err() != nil || c.Value(budgetKey{}) != c.b {
			t.Fatal(c.Err(), c.Value(budgetKey{}))
		}
		if d, ok := c.Deadline(); !ok || !d.Equal(c.b.wall) {
			t.Fatal(d, ok)
		}
		c.end()
		if !errors.Is(c.Err(), context.Canceled) {
			t.Fatal(c.Err())
		}
		waitDone(t, c, context.Canceled) // Done after the end: closed at once
	})
	t.Run("backstop", func(t *testing.T) {
		c := newCtx(context.Background(), 30*time.Millisecond)
		waitDone(t, c, context.DeadlineExceeded)
		c.end()
	})
	t.Run("caller cancels while waited on", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.WithValue(context.Background(), budgetKey{}, "outer"))
		c := newCtx(parent, time.Hour)
		done := c.Done()
		cancel()
		<-done
		if !errors.Is(c.Err(), context.Canceled) || c.Value(budgetKey{}) != c.b {
			t.Fatal(c.Err())
		}
		c.end()
	})
	t.Run("caller's earlier deadline", func(t *testing.T) {
		parent, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c := newCtx(parent, time.Hour)
		if d, _ := c.Deadline(); !d.Before(c.b.wall) {
			t.Fatal("the caller's deadline is earlier")
		}
		c.end()
	})
}
