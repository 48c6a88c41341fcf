// Package kv is the key-value state Wasm handlers keep between events: counters,
// presence, rate-limit windows. Store is the interface; memory.go is the
// single-node implementation, redis.go the one nodes of a cluster share.
package kv

import (
	"context"
	"errors"
	"time"
)

// ErrNotInteger is returned by Add when the stored value is not a decimal integer.
var ErrNotInteger = errors.New("kv: value is not a decimal integer")

// Store holds byte values under string keys, with optional expiry. Implementations
// are safe for concurrent use. A ttl of 0 means no expiry.
type Store interface {
	// Get returns the value and true, or nil and false when the key is absent or
	// expired.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores value under key, replacing any value and expiry.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key and reports whether it was there.
	Delete(ctx context.Context, key string) (bool, error)
	// Add atomically adds delta to the decimal integer stored at key (absent
	// counts as 0), stores the result as decimal text and returns it. A ttl > 0
	// (re)sets the expiry; 0 keeps the current one.
	Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error)
}

// Namespace returns a view of s whose keys are prefixed with ns and a separator
// that cannot appear in a namespace name, so namespaces never collide.
func Namespace(s Store, ns string) Store { return &namespaced{s: s, prefix: ns + "\x00"} }

type namespaced struct {
	s      Store
	prefix string
}

func (n *namespaced) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return n.s.Get(ctx, n.prefix+key)
}

func (n *namespaced) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return n.s.Set(ctx, n.prefix+key, value, ttl)
}

func (n *namespaced) Delete(ctx context.Context, key string) (bool, error) {
	return n.s.Delete(ctx, n.prefix+key)
}

func (n *namespaced) Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	return n.s.Add(ctx, n.prefix+key, delta, ttl)
}
