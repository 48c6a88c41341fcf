//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The hub has no pprof endpoint, and Node's profiler would measure only Node:
// perf sees both the same way, kernel included, which is where a server that
// writes once per socket per message spends its time.

// perfRecorder returns a profile hook (fan-out, acks) that runs, on the server and for
// the measured window, `perf record` (call graphs: Go symbols resolve as is;
// Node's JIT frames show as addresses, its C++, libuv and the kernel by name)
// and `perf stat` counting the write system calls.
func perfRecorder(dir, sc string) func(*server, string, int) func() int64 {
	return func(srv *server, mode string, round int) func() int64 {
		_ = os.MkdirAll(dir, 0o755)
		base := filepath.Join(dir, fmt.Sprintf("%s-%s-r%d", srv.name, sc, round))
		pid := fmt.Sprint(srv.pid())
		rec := exec.Command("perf", "record", "-q", "-F", "499", "-g", "-p", pid, "-o", base+".perf.data")
		stat := exec.Command("perf", "stat", "-x", ",", "-e", strings.Join(writeSyscalls, ","), "-p", pid, "-o", base+".writes.csv")
		var started []*exec.Cmd
		for _, cmd := range []*exec.Cmd{rec, stat} {
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Start(); err != nil {
				logf("  perf: %v (no profile)", err)
				continue
			}
			started = append(started, cmd)
		}
		return func() int64 {
			for _, cmd := range started {
				_ = cmd.Process.Signal(os.Interrupt)
			}
			for _, cmd := range started {
				_ = cmd.Wait()
			}
			logf("  profile: %s.perf.data", base)
			return countWrites(base + ".writes.csv")
		}
	}
}

// writeSyscalls are the calls a server can send socket data with.
var writeSyscalls = []string{
	"syscalls:sys_enter_write", "syscalls:sys_enter_writev",
	"syscalls:sys_enter_sendmsg", "syscalls:sys_enter_sendto",
}

// countWrites sums the counts of a `perf stat -x ,` output file (-1 if none).
func countWrites(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	total, found := int64(0), false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ",")
		if len(f) < 3 || !slices.Contains(writeSyscalls, f[2]) {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			total, found = total+n, true
		}
	}
	if !found {
		return -1
	}
	return total
}
