package realtime

import (
	"sync"
	"testing"
)

func TestSerialQueueOrderAndBound(t *testing.T) {
	var q serialQueue
	var mu sync.Mutex
	var got []int
	block := make(chan struct{})
	var done sync.WaitGroup

	// The first task blocks (once running, it has left the queue), so the
	// next ones wait in the queue.
	started := make(chan struct{})
	done.Add(1)
	q.push(func() { close(started); <-block; done.Done() }, false)
	<-started
	for i := 0; i < maxPending; i++ {
		done.Add(1)
		if !q.push(func() { mu.Lock(); got = append(got, i); mu.Unlock(); done.Done() }, false) {
			t.Fatalf("task %d refused below the bound", i)
		}
	}
	if q.push(func() { t.Error("a task past the bound ran") }, false) {
		t.Fatal("task past maxPending accepted")
	}
	done.Add(1)
	if !q.push(func() { done.Done() }, true) {
		t.Fatal("a forced task was refused")
	}
	close(block)
	done.Wait()
	for i, v := range got {
		if v != i {
			t.Fatalf("task %d ran as %d: out of order", i, v)
		}
	}
	if len(got) != maxPending {
		t.Fatalf("%d tasks ran, want %d", len(got), maxPending)
	}
}
