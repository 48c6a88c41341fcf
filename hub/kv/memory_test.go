package kv

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestMemory() (*Memory, *clock) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewMemory()
	m.now = c.now
	return m, c
}

func TestMemoryGetSetDelete(t *testing.T) {
	ctx := context.Background()
	m, c := newTestMemory()
	if _, ok, _ := m.Get(ctx, "a"); ok {
		t.Fatal("empty store has a")
	}
	_ = m.Set(ctx, "a", []byte("1"), 0)
	_ = m.Set(ctx, "b", []byte("2"), time.Second)
	if v, ok, _ := m.Get(ctx, "a"); !ok || string(v) != "1" {
		t.Fatalf("a = %q %v", v, ok)
	}
	c.t = c.t.Add(999 * time.Millisecond)
	if _, ok, _ := m.Get(ctx, "b"); !ok {
		t.Fatal("b expired early")
	}
	c.t = c.t.Add(time.Millisecond)
	if _, ok, _ := m.Get(ctx, "b"); ok {
		t.Fatal("b did not expire")
	}
	if ok, _ := m.Delete(ctx, "a"); !ok {
		t.Fatal("delete a = false")
	}
	if ok, _ := m.Delete(ctx, "a"); ok {
		t.Fatal("second delete a = true")
	}
}

func TestMemoryAdd(t *testing.T) {
	ctx := context.Background()
	m, c := newTestMemory()
	for i, want := range []int64{1, 3, 0} {
		got, err := m.Add(ctx, "n", []int64{1, 2, -3}[i], 0)
		if err != nil || got != want {
			t.Fatalf("add %d: %d %v, want %d", i, got, err, want)
		}
	}
	if v, _, _ := m.Get(ctx, "n"); string(v) != "0" {
		t.Fatalf("stored %q", v)
	}
	// ttl set by Add, kept by a later Add with ttl 0
	_, _ = m.Add(ctx, "w", 1, time.Second)
	_, _ = m.Add(ctx, "w", 1, 0)
	c.t = c.t.Add(time.Second)
	if got, _ := m.Add(ctx, "w", 1, 0); got != 1 {
		t.Fatalf("after expiry add = %d, want 1", got)
	}
	_ = m.Set(ctx, "s", []byte("abc"), 0)
	if _, err := m.Add(ctx, "s", 1, 0); !errors.Is(err, ErrNotInteger) {
		t.Fatalf("add on text: %v", err)
	}
}

func TestMemoryAddConcurrent(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				_, _ = m.Add(ctx, "c", 1, 0)
			}
		}()
	}
	wg.Wait()
	if v, _, _ := m.Get(ctx, "c"); string(v) != "8000" {
		t.Fatalf("c = %s", v)
	}
}

func TestMemorySweep(t *testing.T) {
	ctx := context.Background()
	m, c := newTestMemory()
	for i := 0; i < sweepEvery-1; i++ {
		_ = m.Set(ctx, string(rune('a'+i%26))+string(rune(i)), nil, time.Second)
	}
	c.t = c.t.Add(2 * time.Second)
	_ = m.Set(ctx, "keep", nil, 0) // the sweepEvery-th write sweeps
	if n := m.Len(); n != 1 {
		t.Fatalf("%d keys after sweep, want 1", n)
	}
}

func TestNamespace(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	a, b := Namespace(m, "a"), Namespace(m, "b")
	_ = a.Set(ctx, "k", []byte("A"), 0)
	_, _ = b.Add(ctx, "k", 5, 0)
	if v, _, _ := a.Get(ctx, "k"); string(v) != "A" {
		t.Fatalf("a.k = %q", v)
	}
	if v, _, _ := b.Get(ctx, "k"); string(v) != "5" {
		t.Fatalf("b.k = %q", v)
	}
	if ok, _ := a.Delete(ctx, "k"); !ok {
		t.Fatal("a.Delete")
	}
	if _, ok, _ := b.Get(ctx, "k"); !ok {
		t.Fatal("b.k gone with a.k")
	}
}
