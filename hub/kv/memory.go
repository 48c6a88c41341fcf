package kv

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Memory is an in-process Store. Expired keys are dropped when touched and by a
// sweep every so many writes, so memory stays bounded by the live keys.
type Memory struct {
	mu     sync.Mutex
	items  map[string]item
	writes int
	now    func() time.Time
}

type item struct {
	value   []byte
	expires time.Time // zero: never
}

// sweepEvery is how many writes pass between sweeps of expired keys.
const sweepEvery = 1024

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{items: map[string]item{}, now: time.Now} }

func (m *Memory) live(key string, now time.Time) (item, bool) {
	it, ok := m.items[key]
	if ok && !it.expires.IsZero() && !now.Before(it.expires) {
		delete(m.items, key)
		return item{}, false
	}
	return it, ok
}

func (m *Memory) wrote(now time.Time) {
	m.writes++
	if m.writes%sweepEvery != 0 {
		return
	}
	for k, it := range m.items {
		if !it.expires.IsZero() && !now.Before(it.expires) {
			delete(m.items, k)
		}
	}
}

func expiry(now time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return now.Add(ttl)
}

// Get implements Store. The returned slice is a copy.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.live(key, m.now())
	if !ok {
		return nil, false, nil
	}
	return append([]byte(nil), it.value...), true, nil
}

// Set implements Store. The value is copied.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.items[key] = item{value: append([]byte(nil), value...), expires: expiry(now, ttl)}
	m.wrote(now)
	return nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.live(key, m.now())
	delete(m.items, key)
	return ok, nil
}

// Add implements Store.
func (m *Memory) Add(_ context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	it, ok := m.live(key, now)
	var n int64
	if ok {
		var err error
		if n, err = strconv.ParseInt(string(it.value), 10, 64); err != nil {
			return 0, ErrNotInteger
		}
	}
	n += delta
	it.value = strconv.AppendInt(it.value[:0:0], n, 10)
	if ttl > 0 {
		it.expires = now.Add(ttl)
	}
	m.items[key] = it
	m.wrote(now)
	return n, nil
}

// Len reports how many keys are stored, expired ones not yet dropped included.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}
