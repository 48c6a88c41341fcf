package kv

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Store on a Redis server, shared by every hub node of a cluster:
// all nodes' instances of a module see the same keys, and Add is atomic across
// them (INCRBY). Expiry is Redis's own (PX), so TTLs hold whichever node set
// them and even when no node is running.
//
// The client should not retry commands (MaxRetries -1): a retried INCRBY whose
// first attempt did reach the server would count twice. Errors reaching the
// server are returned as they are; the plugin host answers them "unavailable".
type Redis struct {
	c      redis.Cmdable
	prefix string
}

// NewRedis returns a store on c whose keys all start with prefix (e.g.
// "iohub:kv:"), so the hub's keys never mix with other users of the database.
func NewRedis(c redis.Cmdable, prefix string) *Redis { return &Redis{c: c, prefix: prefix} }

// addWithTTL is Add with an expiry, atomically: a counter must never be left
// without the expiry it was given (a crash between INCRBY and PEXPIRE would
// keep it forever). It answers with GET rather than INCRBY's reply because
// Redis's Lua turns integer replies into doubles, which lose precision above
// 2^53; INCRBY's own error (not an integer) aborts the script before PEXPIRE.
var addWithTTL = redis.NewScript(`
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('GET', KEYS[1])
`)

// Get implements Store.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := r.c.Get(ctx, r.prefix+key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return v, true, nil
}

// Set implements Store. Without a ttl the key has no expiry, also when it had
// one before (SET drops it), as Memory does.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return r.c.Set(ctx, r.prefix+key, value, redisTTL(ttl)).Err()
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, key string) (bool, error) {
	n, err := r.c.Del(ctx, r.prefix+key).Result()
	return n > 0, err
}

// Add implements Store.
func (r *Redis) Add(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	k := r.prefix + key
	if ttl <= 0 {
		n, err := r.c.IncrBy(ctx, k, delta).Result()
		return n, integerError(err)
	}
	s, err := addWithTTL.Run(ctx, r.c, []string{k}, delta, redisTTL(ttl).Milliseconds()).Text()
	if err != nil {
		return 0, integerError(err)
	}
	return strconv.ParseInt(s, 10, 64)
}

// redisTTL rounds a positive ttl below Redis's millisecond resolution up to
// 1ms (0 would mean "no expiry").
func redisTTL(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return 0
	}
	return max(ttl, time.Millisecond)
}

// integerError maps Redis's "value is not an integer or out of range" (also
// given for an add that would overflow int64) to ErrNotInteger.
func integerError(err error) error {
	if err != nil && (strings.Contains(err.Error(), "not an integer") || strings.Contains(err.Error(), "overflow")) {
		return ErrNotInteger
	}
	return err
}
