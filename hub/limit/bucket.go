package limit

import (
	"math"
	"sync"
	"time"
)

// Rate is a token bucket's settings: PerSecond tokens are added each second, up
// to Burst. The zero Rate (PerSecond 0) allows everything.
type Rate struct {
	PerSecond float64
	Burst     float64
}

// Off reports whether r limits nothing.
func (r Rate) Off() bool { return r.PerSecond <= 0 }

// NewRate is the Rate of perSecond with a bucket of burst tokens. perSecond
// <= 0 is the zero Rate (off). burst <= 0 means one second's worth, and at
// least one token, so a rate below 1/s still lets something through.
func NewRate(perSecond float64, burst int) Rate {
	if perSecond <= 0 {
		return Rate{}
	}
	if burst > 0 {
		return Rate{PerSecond: perSecond, Burst: float64(burst)}
	}
	return Rate{PerSecond: perSecond, Burst: max(1, math.Ceil(perSecond))}
}

// Bucket is a token bucket whose rate is passed to each Take, so a rate changed
// by SetSettings applies to buckets that already exist. The zero Bucket is full.
type Bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time // zero: never taken from, so full
}

// Take removes one token at time now and reports whether there was one.
func (b *Bucket) Take(now time.Time, r Rate) bool {
	if r.Off() {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = b.level(now, r)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// level is how many tokens the bucket holds at now. A clock that goes
// backwards adds nothing.
func (b *Bucket) level(now time.Time, r Rate) float64 {
	if b.last.IsZero() {
		return r.Burst
	}
	elapsed := now.Sub(b.last).Seconds()
	if elapsed < 0 {
		elapsed = 0
	}
	return min(r.Burst, b.tokens+elapsed*r.PerSecond)
}

// full reports whether the bucket would be full at now: then it is no
// different from a bucket never used, and may be forgotten.
func (b *Bucket) full(now time.Time, r Rate) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.level(now, r) >= r.Burst
}
