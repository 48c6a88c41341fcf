package kv

import (
	"context"
	"errors"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iohub/iohub/internal/redistest"
)

// newRedisStore starts a redis-server and returns a store on it, and a
// function making more clients to the same server (other "nodes").
func newRedisStore(t *testing.T) (*Redis, *redistest.Server, func() *redis.Client) {
	t.Helper()
	srv := redistest.Start(t, redistest.Options{})
	client := func() *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialerRetries: 1})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	return NewRedis(client(), "test:kv:"), srv, client
}

func TestRedisGetSetDelete(t *testing.T) {
	ctx := context.Background()
	r, _, client := newRedisStore(t)
	if _, ok, err := r.Get(ctx, "a"); ok || err != nil {
		t.Fatalf("empty store: ok=%v err=%v", ok, err)
	}
	bin := []byte{0, 1, 2, 0xff, '\n'}
	if err := r.Set(ctx, "a", bin, 0); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := r.Get(ctx, "a"); !ok || err != nil || string(v) != string(bin) {
		t.Fatalf("a = %q %v %v", v, ok, err)
	}
	// Keys are binary-safe too (the plugin host namespaces with a NUL byte),
	// and carry the prefix in Redis.
	if err := r.Set(ctx, "mod\x00k", []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	if v, err := client().Get(ctx, "test:kv:mod\x00k").Result(); err != nil || v != "x" {
		t.Fatalf("raw key: %q %v", v, err)
	}
	if ok, err := r.Delete(ctx, "a"); !ok || err != nil {
		t.Fatalf("delete a = %v %v", ok, err)
	}
	if ok, err := r.Delete(ctx, "a"); ok || err != nil {
		t.Fatalf("second delete a = %v %v", ok, err)
	}
}

func TestRedisTTL(t *testing.T) {
	ctx := context.Background()
	r, _, client := newRedisStore(t)
	raw := client()
	pttl := func(key string) time.Duration {
		d, err := raw.PTTL(ctx, "test:kv:"+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// Set with a ttl expires; Set without one drops an earlier expiry.
	_ = r.Set(ctx, "s", []byte("1"), time.Hour)
	if d := pttl("s"); d <= 0 || d > time.Hour {
		t.Fatalf("pttl after Set with 1h = %v", d)
	}
	_ = r.Set(ctx, "s", []byte("2"), 0)
	if d := pttl("s"); d != -1 {
		t.Fatalf("pttl after Set without ttl = %v, want none (-1)", d)
	}
	_ = r.Set(ctx, "gone", []byte("1"), 50*time.Millisecond)
	eventually(t, func() bool { _, ok, _ := r.Get(ctx, "gone"); return !ok })

	// Add with a ttl sets it; Add with 0 keeps it.
	if n, err := r.Add(ctx, "c", 5, time.Hour); n != 5 || err != nil {
		t.Fatalf("add = %d %v", n, err)
	}
	if n, err := r.Add(ctx, "c", 2, 0); n != 7 || err != nil {
		t.Fatalf("add = %d %v", n, err)
	}
	if d := pttl("c"); d <= 0 || d > time.Hour {
		t.Fatalf("pttl after Add with 0 = %v, want the 1h kept", d)
	}
	if n, _ := r.Add(ctx, "w", 1, 50*time.Millisecond); n != 1 {
		t.Fatalf("add = %d", n)
	}
	eventually(t, func() bool { _, ok, _ := r.Get(ctx, "w"); return !ok })
	if n, _ := r.Add(ctx, "w", 1, 0); n != 1 {
		t.Fatalf("add after expiry = %d, want 1", n)
	}
	// Below a millisecond still expires (0 would mean forever).
	_ = r.Set(ctx, "tiny", []byte("1"), time.Microsecond)
	eventually(t, func() bool { _, ok, _ := r.Get(ctx, "tiny"); return !ok })
}

func TestRedisAddErrors(t *testing.T) {
	ctx := context.Background()
	r, _, client := newRedisStore(t)
	_ = r.Set(ctx, "text", []byte("abc"), time.Hour)
	for _, ttl := range []time.Duration{0, time.Minute} {
		if _, err := r.Add(ctx, "text", 1, ttl); !errors.Is(err, ErrNotInteger) {
			t.Fatalf("add on text (ttl %v): %v", ttl, err)
		}
	}
	// The failed add with a ttl did not touch the key's expiry.
	if d, _ := client().PTTL(ctx, "test:kv:text").Result(); d <= time.Minute {
		t.Fatalf("pttl after a failed add = %v, want the 1h kept", d)
	}
	_ = r.Set(ctx, "max", []byte(strconv.FormatInt(math.MaxInt64, 10)), 0)
	if _, err := r.Add(ctx, "max", 1, 0); !errors.Is(err, ErrNotInteger) {
		t.Fatalf("overflow: %v", err)
	}
	// Beyond 2^53 the script's answer stays exact.
	big := int64(1)<<60 + 1
	if n, err := r.Add(ctx, "big", big, time.Minute); n != big || err != nil {
		t.Fatalf("add big = %d %v, want %d", n, err, big)
	}
	if n, err := r.Add(ctx, "big", -2, time.Minute); n != big-2 || err != nil {
		t.Fatalf("add big = %d %v", n, err)
	}
}

// Several "nodes" (clients) adding at once never lose a count, with and
// without expiry.
func TestRedisAddConcurrentNodes(t *testing.T) {
	ctx := context.Background()
	_, _, client := newRedisStore(t)
	const nodes, workers, adds = 3, 4, 200
	var wg sync.WaitGroup
	for range nodes {
		store := NewRedis(client(), "test:kv:")
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range adds {
					ttl := time.Duration(0)
					if i%2 == 1 {
						ttl = time.Hour
					}
					if _, err := store.Add(ctx, "n", 1, ttl); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	v, _, err := NewRedis(client(), "test:kv:").Get(ctx, "n")
	if want := strconv.Itoa(nodes * workers * adds); err != nil || string(v) != want {
		t.Fatalf("n = %s %v, want %s", v, err, want)
	}
}

// While Redis is down every call fails with an error (the host answers
// "unavailable"); when it is back the same store works again.
func TestRedisOutage(t *testing.T) {
	ctx := context.Background()
	r, srv, _ := newRedisStore(t)
	if err := r.Set(ctx, "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, _, err := r.Get(cctx, "k"); err == nil {
		t.Fatal("Get with Redis down: no error")
	}
	if _, err := r.Add(cctx, "n", 1, time.Second); err == nil || errors.Is(err, ErrNotInteger) {
		t.Fatalf("Add with Redis down: %v", err)
	}
	srv.Restart()
	eventually(t, func() bool { return r.Set(ctx, "k", []byte("w"), 0) == nil })
	if v, ok, err := r.Get(ctx, "k"); !ok || err != nil || string(v) != "w" {
		t.Fatalf("after restart: %q %v %v", v, ok, err)
	}
}

func TestRedisNamespace(t *testing.T) {
	ctx := context.Background()
	r, _, _ := newRedisStore(t)
	a, b := Namespace(r, "a"), Namespace(r, "b")
	_ = a.Set(ctx, "k", []byte("A"), 0)
	_, _ = b.Add(ctx, "k", 5, 0)
	if v, _, _ := a.Get(ctx, "k"); string(v) != "A" {
		t.Fatalf("a.k = %q", v)
	}
	if v, _, _ := b.Get(ctx, "k"); string(v) != "5" {
		t.Fatalf("b.k = %q", v)
	}
}

// eventually polls cond for up to 10s (generous: the machine is shared).
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
