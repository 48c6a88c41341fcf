//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Scenario (b), idle connections: what each open browser tab costs the server
// when nothing happens, in resident memory and in CPU to accept it. A CMS's
// audience is mostly idle sockets, so this decides how many fit on one box.

type idleConfig struct {
	conns    int
	parallel int           // handshakes in flight (the "batch")
	settle   time.Duration // wait after connecting before reading RSS
}

type idleResult struct {
	Server string `json:"server"`
	Round  int    `json:"round"`
	Conns  int    `json:"conns"`
	// RSS before connecting and after the last connection settled.
	RSSBefore    int64   `json:"rssBefore"`
	RSSAfter     int64   `json:"rssAfter"`
	BytesPerConn float64 `json:"bytesPerConn"`
	// Server CPU spent accepting and handshaking, per connection.
	CPUPerConnUs   float64 `json:"cpuPerConnUs"`
	ConnectSeconds float64 `json:"connectSeconds"`
	ConnsPerSec    float64 `json:"connsPerSec"`
}

// errSkip marks a scenario the OS would not allow (file or port limits); it is
// reported and skipped rather than failing the benchmark.
type errSkip struct{ reason string }

func (e errSkip) Error() string { return "skipped: " + e.reason }

func runIdle(ctx context.Context, l launcher, cfg idleConfig, round int) (*idleResult, error) {
	srv, err := l.start(ctx)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	// Let start-up work (JIT, lazy init, first GC) finish before the baseline.
	time.Sleep(cfg.settle)
	rss0, err := procRSS(srv.pid())
	if err != nil {
		return nil, err
	}
	cpu0, err := procCPU(srv.pid())
	if err != nil {
		return nil, err
	}
	start := time.Now()
	clients, err := connectMany(ctx, srv.port, cfg.conns, cfg.parallel, nil)
	if err != nil {
		if isResourceLimit(err) {
			return nil, errSkip{fmt.Sprintf("%s: the OS refused %d connections (%v); raise `ulimit -n` (needs about %d per process) or lower -idle",
				srv.name, cfg.conns, err, cfg.conns+100)}
		}
		return nil, fmt.Errorf("%s: %w", srv.name, err)
	}
	defer closeAll(clients)
	took := time.Since(start)
	cpu1, err := procCPU(srv.pid())
	if err != nil {
		return nil, err
	}
	time.Sleep(cfg.settle)
	if err := srv.alive(); err != nil {
		return nil, err
	}
	rss1, err := procRSS(srv.pid())
	if err != nil {
		return nil, err
	}
	// Every connection must still be up (the heartbeat is 25s; settle is shorter,
	// but a server that dropped sockets must not look cheap).
	for _, c := range clients {
		select {
		case <-c.done:
			return nil, fmt.Errorf("%s: a connection closed while idle: %v", srv.name, c.err)
		default:
		}
	}
	n := float64(cfg.conns)
	return &idleResult{
		Server: srv.name, Round: round, Conns: cfg.conns,
		RSSBefore: rss0, RSSAfter: rss1,
		BytesPerConn:   float64(rss1-rss0) / n,
		CPUPerConnUs:   float64((cpu1 - cpu0).Microseconds()) / n,
		ConnectSeconds: took.Seconds(),
		ConnsPerSec:    n / took.Seconds(),
	}, nil
}

// isResourceLimit reports whether err is the OS running out of descriptors or
// local ports rather than the server misbehaving.
func isResourceLimit(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.EADDRNOTAVAIL, syscall.ENOBUFS} {
		if errors.Is(err, e) {
			return true
		}
	}
	var se *os.SyscallError
	return errors.As(err, &se) && (errors.Is(se.Err, syscall.EMFILE) || errors.Is(se.Err, syscall.EADDRNOTAVAIL))
}
