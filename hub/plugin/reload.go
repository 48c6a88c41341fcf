package plugin

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long the watcher waits for a burst of file events to settle
// (editors and compilers write a file in several steps) before reloading.
const debounce = 150 * time.Millisecond

// Reload checks every module the bindings name, and every other .js file in
// the plugins directory, and swaps in those that changed: read, hash
// (unchanged files are skipped), compile, validate, make the first instance
// (which runs hub_abi_version and hub_init, or the JavaScript file's top
// level), then swap. A module that fails keeps its previous version serving;
// a module whose file is gone is unloaded with a warning. Calls never wait for
// a reload.
func (h *Host) Reload(ctx context.Context) {
	if h.closed.Load() {
		return
	}
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	h.js.reported = false
	seen := map[string]bool{}
	for _, b := range h.bindings {
		if !seen[b.module] {
			seen[b.module] = true
			h.reloadModule(ctx, b.module)
		}
	}
	h.reloadAuto(ctx)
}

// resolve finds the file of an [[events]] handler: "chat" is chat.wasm, else
// chat.js; "chat.js" is chat.js only. A .wasm file takes precedence over a
// .js file of the same name (a warning says the .js file is ignored).
func (h *Host) resolve(name string) (path string, js bool) {
	if strings.HasSuffix(name, ".js") {
		return filepath.Join(h.dir, name), true
	}
	wasm := filepath.Join(h.dir, name+".wasm")
	if _, err := os.Stat(wasm); err == nil {
		return wasm, false
	}
	if js := filepath.Join(h.dir, name+".js"); fileExists(js) {
		return js, true
	}
	return wasm, false
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

func (h *Host) reloadModule(ctx context.Context, name string) {
	log := h.log.With("plugin", name)
	path, js := h.resolve(name)
	if js {
		h.reloadJSModule(ctx, name, path)
		return
	}
	if other := filepath.Join(h.dir, name+".js"); fileExists(other) && fileExists(path) {
		log.Warn("both a .wasm and a .js handler have this name; the .wasm module is used, the .js file ignored", "ignored", other)
	}
	old := h.current[name]
	code, hash, err := readModule(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if old != nil || h.jsCurrent[name] != nil {
				log.Warn("handler module removed; its handlers are unloaded", "path", path)
				h.swap(name, nil, nil)
				h.problems[name] = "module removed: " + path
				return
			}
			log.Warn("handler module not found; its handlers stay inactive until it appears", "path", path, "or", name+".js")
			h.problems[name] = "module not found: " + path + " (nor " + name + ".js)"
			return
		}
		log.Error("handler module unreadable", "path", path, "err", err)
		h.problems[name] = err.Error()
		return
	}
	if old != nil && old.hash == hash {
		return
	}
	serving := old != nil || h.jsCurrent[name] != nil
	c, err := compile(ctx, h.runtime, name, path, code, hash)
	if err != nil {
		h.refused(log, name, serving, err)
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
			h.refused(log, name, serving, err)
			return
		}
		g.put(in)
		gens[b] = g
	}
	h.warmAll(ctx, gens)
	h.swap(name, c, gens)
	delete(h.problems, name)
	verb := "handler module loaded"
	if old != nil {
		verb = "handler module reloaded"
	}
	log.Info(verb, "path", path, "size", c.size, "sha256", hash[:16], "compile", c.took.Round(time.Microsecond), "bindings", len(gens))
}

func (h *Host) refused(log interface{ Error(string, ...any) }, name string, serving bool, err error) {
	h.problems[name] = err.Error()
	if serving {
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
	if js := h.jsCurrent[name]; js != nil { // the handler was a .js file until now
		js.release()
		delete(h.jsCurrent, name)
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
	// The bound .wasm modules, and every .js file: one may appear and bind
	// itself by the names of its entries.
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
			base := filepath.Base(ev.Name)
			if !bound[base] && !strings.HasSuffix(base, ".js") || strings.HasPrefix(base, ".") {
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
