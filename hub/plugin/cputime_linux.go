package plugin

import (
	"syscall"
	"time"
	"unsafe"
)

const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID

// threadCPUTime is the CPU time of the calling OS thread. The vDSO does not
// serve this clock: it is a system call, made raw (it never blocks), about
// a quarter of a microsecond.
func threadCPUTime() time.Duration {
	var ts syscall.Timespec
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return monotonic()
	}
	return time.Duration(ts.Nano())
}
