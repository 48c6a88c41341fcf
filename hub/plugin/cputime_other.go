//go:build !linux

package plugin

import "time"

// threadCPUTime falls back to the monotonic clock where a thread's CPU clock
// is not read: the limit is then wall-clock time again.
func threadCPUTime() time.Duration { return monotonic() }
