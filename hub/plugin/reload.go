package plugin

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long the watcher waits for a burst of file events to settle
// (editors and compilers write a file in several steps) before reloading.
const debounce = 150 * time.Millisecond

// Reload checks every module the bindings name and swaps in those that changed:
// read, hash (unchanged files are skipped), compile, validate, make the first
// instance (which runs hub_abi_version and hub_init), then swap. A module that
// fails keeps its previous version serving; a module whose file is gone is
// unloaded with a warning. Calls never wait for a reload.
func (h *Host) Reload(ctx context.Context) {
	if h.closed.Load() {
		return
	}
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	seen := map[string]bool{}
	for _, b := range h.bindings {
		if !seen[b.module] {
			seen[b.module] = true
			h.reloadModule(ctx, b.module)
		}
	}
}

func (h *Host) modulePath(name string) string { return filepath.Join(h.dir, name+".wasm") }

func (h *Host) reloadModule(ctx context.Context, name string) {
	log := h.log.With("plugin", name)
	path := h.modulePath(name)
	old := h.current[name]
	code, hash, err := readModule(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if old != nil {
				log.Warn("handler module removed; its handlers are unloaded", "path", path)
				h.swap(name, nil, nil)
				h.problems[name] = "module removed: " + path
				return
			}
			log.Warn("handler module not found; its handlers stay inactive until it appears", "path", path)
			h.problems[name] = "module not found: " + path
			return
		}
		log.Error("handler module unreadable", "path", path, "err", err)
		h.problems[name] = err.Error()
		return
	}
	if old != nil && old.hash == hash {
		return
	}
	c, err := compile(ctx, h.runtime, name, path, code, hash)
	if err != nil {
		h.refused(log, name, old, err)
		return
	}
	// Build every binding's new generation first, so a module that fails for one
	// binding's config replaces none of them.
	gens := map[*binding]*generation{}
	for _, b := range h.bindings {
		if b.module != name {
			continue
		}
		g := newGeneration(h, c, b.config, b.log)
		in, err := g.newInstance(ctx)
		if err != nil {
			g.retire()
			for _, other := range gens {
				other.retire()
			}
			c.release()
			h.refused(log, name, old, err)
			return
		}
		g.put(in)
		gens[b] = g
	}
	h.swap(name, c, gens)
	delete(h.problems, name)
	verb := "handler module loaded"
	if old != nil {
		verb = "handler module reloaded"
	}
	log.Info(verb, "path", path, "size", c.size, "sha256", hash[:16], "compile", c.took.Round(time.Microsecond), "bindings", len(gens))
}

func (h *Host) refused(log interface{ Error(string, ...any) }, name string, old *compiled, err error) {
	h.problems[name] = err.Error()
	if old != nil {
		log.Error("handler module refused; the previous version keeps serving", "err", err)
	} else {
		log.Error("handler module refused; its handlers stay inactive", "err", err)
	}
}

// swap installs the new generations of module name (nil: unload) and retires
// the old ones; each closes once its in-flight calls end.
func (h *Host) swap(name string, c *compiled, gens map[*binding]*generation) {
	for _, b := range h.bindings {
		if b.module != name {
			continue
		}
		var next *generation
		if gens != nil {
			next = gens[b]
		}
		if prev := b.gen.Swap(next); prev != nil {
			prev.retire()
		}
	}
	if old := h.current[name]; old != nil {
		old.release()
	}
	if c == nil {
		delete(h.current, name)
	} else {
		h.current[name] = c
	}
}

// Watch reloads when a bound module's file changes in the plugins directory,
// until ctx ends. Bursts of events are debounced.
func (h *Host) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.Add(h.dir); err != nil {
		return err
	}
	h.log.Info("watching for handler modules", "dir", h.dir)
	bound := map[string]bool{}
	for _, b := range h.bindings {
		bound[b.module+".wasm"] = true
	}
	var timer *time.Timer
	fire := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !bound[filepath.Base(ev.Name)] || strings.HasPrefix(filepath.Base(ev.Name), ".") {
				continue
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
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			h.log.Warn("plugin directory watcher", "err", err)
		case <-fire:
			h.Reload(ctx)
		}
	}
}
