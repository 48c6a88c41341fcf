//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Scenario (d), hot reload under load (hub only: the reference has nothing like
// it): the ack load of scenario (c) for a while as is, then as long again while
// the handler module file is replaced every interval, alternating two builds
// (the C and Rust echo examples, which answer with different "lang"s). Swapping
// a module must cost little throughput and never fail a call.

type reloadConfig struct {
	ack   ackConfig
	every time.Duration
	// builds alternate in the plugin directory; their replies' "lang" shows
	// which one answered.
	builds [2][]byte
}

type reloadResult struct {
	Round     int        `json:"round"`
	Steady    *ackResult `json:"steady"`
	Reloading *ackResult `json:"reloading"`
}

func runReload(ctx context.Context, h *hubLauncher, cfg reloadConfig, round int) (*reloadResult, error) {
	module := filepath.Join(h.pluginsDir, "echo.wasm")
	// Every run starts from build 0, as the other scenarios do.
	if err := replaceFile(module, cfg.builds[0]); err != nil {
		return nil, err
	}
	srv, err := h.start(ctx)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	defer func() { _ = replaceFile(module, cfg.builds[0]) }()
	ackers, clients, err := connectAckers(ctx, srv.port, cfg.ack.clients)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", srv.name, err)
	}
	defer closeAll(clients)

	steady, err := measureAcks(ctx, srv, ackers, cfg.ack)
	if err != nil {
		return nil, err
	}
	steady.Phase, steady.Round = "steady", round

	// Rewrite the module until the reloading phase ends.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rewrites int
	var rewriteErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(cfg.every)
		defer t.Stop()
		for next := 1; ; next ^= 1 {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if err := replaceFile(module, cfg.builds[next]); err != nil {
				rewriteErr = err
				return
			}
			rewrites++
		}
	}()
	reloading, err := measureAcks(ctx, srv, ackers, cfg.ack)
	close(stop)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if rewriteErr != nil {
		return nil, fmt.Errorf("rewrite %s: %w", module, rewriteErr)
	}
	reloading.Phase, reloading.Round, reloading.Reloads = "reloading", round, rewrites
	return &reloadResult{Round: round, Steady: steady, Reloading: reloading}, nil
}

// replaceFile writes data next to path and renames it over path, as a deploy
// would: the hub never reads half a module. The temporary name starts with a
// dot and ends in .wasm.tmp, which the hub's watcher ignores.
func replaceFile(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// withCustomSection returns a copy of a Wasm module with a custom section
// appended (valid anywhere after the header and ignored by runtimes): a second
// "build" that differs in its bytes, for when only one toolchain is there.
func withCustomSection(module []byte, name string) []byte {
	payload := append(uleb(uint64(len(name))), name...)
	out := append([]byte{}, module...)
	out = append(out, 0) // section id 0: custom
	out = append(out, uleb(uint64(len(payload)))...)
	return append(out, payload...)
}

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}
