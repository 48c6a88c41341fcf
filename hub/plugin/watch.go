package plugin

import (
	"context"
	"strings"
	"sync"
	"time"
)

// debounce is how long the watcher waits for a burst of file events to settle
// (editors and compilers write a file in several steps) before reloading.
const debounce = 150 * time.Millisecond

// dirOp is what happened to a file of the plugins directory, as the platform
// tells it. Only Linux reports writes and closes apart (inotify's IN_MODIFY
// and IN_CLOSE_WRITE); elsewhere every change is opChanged and the watcher
// relies on the file staying quiet.
type dirOp uint8

const (
	opChanged  dirOp = iota // created, or its attributes changed
	opWriting               // written to by a writer that still has it open
	opClosed                // closed by its writer, or renamed into place: complete
	opGone                  // deleted or renamed away
	opOverflow              // events were lost: look at everything again
)

type dirEvent struct {
	name string // base name; "" for opOverflow
	op   dirOp
}

// writeTracker knows which files a writer still has open: they are not loaded
// until closed, however long the writer pauses. It is filled by the watcher
// and read by every reload (SIGHUP's too).
type writeTracker struct {
	mu   sync.Mutex
	open map[string]bool
}

func (w *writeTracker) set(name string, open bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if open {
		if w.open == nil {
			w.open = map[string]bool{}
		}
		w.open[name] = true
	} else {
		delete(w.open, name)
	}
}

func (w *writeTracker) isOpen(name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.open[name]
}

func (w *writeTracker) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.open = nil
}

// handlerFile reports whether a file name in the plugins directory can be a
// handler, so that a change to it calls for a reload.
func handlerFile(name string) bool {
	return !ignoredName(name) && (strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".wasm"))
}

// Watch reloads when a handler file in the plugins directory changes,
// appears or goes, until ctx ends. A reload runs once the directory has been
// quiet for debounce and no handler file is open for writing; a file whose
// writer pauses longer than that is still not loaded before it is closed
// (Linux), and readStable checks the file itself before loading it.
func (h *Host) Watch(ctx context.Context) error {
	events := make(chan dirEvent, 64)
	ready := make(chan error, 1)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- watchDir(wctx, h.dir, events, ready) }()
	if err := <-ready; err != nil {
		return err
	}
	defer h.writes.reset()
	h.log.Info("watching for handler files", "dir", h.dir)
	var timer *time.Timer
	fire := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			<-done
			return nil
		case err := <-done:
			return err
		case ev := <-events:
			switch {
			case ev.op == opOverflow:
				h.writes.reset() // a lost close must not hold a file back forever
			case !handlerFile(ev.name):
				continue
			case ev.op == opWriting:
				h.writes.set(ev.name, true)
			case ev.op == opClosed || ev.op == opGone:
				h.writes.set(ev.name, false)
			}
			if timer == nil {
				timer = time.AfterFunc(debounce, func() {
					select {
					case fire <- struct{}{}:
					default:
					}
				})
			} else {
				timer.Reset(debounce)
			}
		case <-fire:
			h.Reload(ctx)
		}
	}
}
