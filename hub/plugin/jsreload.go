package plugin

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/iohub/iohub/hub/handler"
)

// Two ways a .js file becomes handlers:
//
//   - An [[events]] entry names it (handler = "chat" finds chat.js when there
//     is no chat.wasm; handler = "chat.js" only chat.js). The entry's event
//     runs the file's handlers of that name, in the entry's place in the
//     chain, with the entry's config as ctx.config.
//   - Any other .js file in the plugins directory binds itself: each distinct
//     name of its entries becomes an event it handles, after the [[events]]
//     entries of that event, files in name order. This is the seed config's
//     events[] copied as it is: no hub.toml change.

// autoJS is a .js file bound by its own entries' names.
type autoJS struct {
	code     *jsCode
	bindings []*binding // one per event name, in the file's order
}

// HasJS reports whether dir holds a .js handler file, so a hub without
// [[events]] still starts its handler host for them.
func HasJS(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if isJSFile(e) {
			return true
		}
	}
	return false
}

// isJSFile reports whether a directory entry is a .js handler file: temporary
// and editor files (ignoredName) are not, whatever their suffix.
func isJSFile(e fs.DirEntry) bool {
	n := e.Name()
	return strings.HasSuffix(n, ".js") && !ignoredName(n) && !e.IsDir()
}

// named reports whether an [[events]] entry names module.
func (h *Host) named(module string) bool {
	for _, b := range h.bindings {
		if b.module == module {
			return true
		}
	}
	return false
}

// reloadJSModule loads the .js file of an [[events]] module and swaps it in.
func (h *Host) reloadJSModule(ctx context.Context, name, path string) {
	log := h.log.With("plugin", name)
	old := h.jsCurrent[name]
	serving := old != nil || h.current[name] != nil
	b, hash, err := h.readStable(path)
	if err != nil {
		h.notRead(log, name, path, serving, err)
		return
	}
	if old != nil && old.hash == hash || h.refusedBefore(path, hash) {
		return // unchanged
	}
	c, err := h.loadJS(ctx, filepath.Base(path), path, b, hash)
	if err != nil {
		h.refused(log, name, path, hash, serving, err)
		return
	}
	gens := map[*binding]*generation{}
	for _, b := range h.bindings {
		if b.module != name {
			continue
		}
		if !c.handles(b.event) {
			for _, g := range gens {
				g.retire()
			}
			c.release()
			h.refused(log, name, path, hash, serving, fmt.Errorf("%w: %s has no handler named %q (its entries are named %s)",
				ErrInvalidModule, c.name, b.event, strings.Join(c.names, ", ")))
			return
		}
		gens[b] = newJSGeneration(h, c, b.config, h.log.With("plugin", c.name, "event", b.event))
	}
	h.warmAll(ctx, gens)
	h.swapJS(name, c, gens)
	h.loadedFile(name, path)
	verb := "handler module loaded"
	if serving {
		verb = "handler module reloaded"
	}
	log.Info(verb, "file", h.rel(path), "size", c.size, "sha256", c.hash[:16], "load", c.took.Round(time.Microsecond), "bindings", len(gens))
}

// swapJS installs the new generations of module name, as swap does for Wasm.
func (h *Host) swapJS(name string, c *jsCode, gens map[*binding]*generation) {
	for _, b := range h.bindings {
		if b.module != name {
			continue
		}
		if prev := b.gen.Swap(gens[b]); prev != nil {
			prev.retire()
		}
	}
	if old := h.current[name]; old != nil { // the handler was a .wasm module until now
		old.release()
		delete(h.current, name)
	}
	if old := h.jsCurrent[name]; old != nil {
		old.release()
	}
	h.jsCurrent[name] = c
	h.obs.Reloaded(handler.ReloadOK)
}

// reloadAuto loads the .js files no [[events]] entry names, and unloads those
// that are gone. The event map is republished before old generations retire,
// so no event finds a handler missing in between.
func (h *Host) reloadAuto(ctx context.Context) {
	files := map[string]bool{}
	if entries, err := os.ReadDir(h.dir); err == nil {
		for _, e := range entries {
			if isJSFile(e) && !h.named(e.Name()) && !h.named(strings.TrimSuffix(e.Name(), ".js")) {
				files[e.Name()] = true
			}
		}
	}
	var retired []*autoJS
	var announce []func() // the loaded lines, logged once the files serve
	for _, name := range sortedKeys(h.auto) {
		if !files[name] {
			a := h.auto[name]
			h.log.Warn("handler file removed; its handlers are unloaded and their events get an error ack", "plugin", name, "file", name)
			for _, b := range a.bindings {
				h.unavail.mark(b.event)
			}
			retired = append(retired, a)
			delete(h.auto, name)
			delete(h.noted, name)
		}
	}
	for _, name := range sortedKeys(files) {
		log := h.log.With("plugin", name)
		path := filepath.Join(h.dir, name)
		prev := h.auto[name]
		var old *jsCode
		if prev != nil {
			old = prev.code
		}
		b, hash, err := h.readStable(path)
		switch {
		case isNotExist(err):
			continue // gone since the directory was listed
		case err != nil:
			h.notRead(log, name, path, prev != nil, err)
			continue
		case old != nil && old.hash == hash || h.refusedBefore(path, hash):
			continue // unchanged
		}
		c, err := h.loadJS(ctx, name, path, b, hash)
		if err != nil {
			h.problems[name] = err.Error()
			h.obs.Reloaded(handler.ReloadFailed)
			if !h.noteOnce(name, "refused: "+hash) {
				continue
			}
			if prev != nil {
				log.Error("handler file refused; the previous version keeps serving", "file", name, "err", err)
			} else {
				log.Error("handler file refused; its handlers stay inactive", "file", name, "err", err)
			}
			continue
		}
		if c == nil {
			continue // unchanged
		}
		var prevPool *pool
		if prev != nil {
			prevPool = prev.code.pool
		}
		h.warm(ctx, c.pool, prevPool)
		a := &autoJS{code: c}
		for _, ev := range c.names {
			b := &binding{index: -1, event: ev, module: name, config: []byte("{}"), log: log.With("event", ev)}
			b.gen.Store(newJSGeneration(h, c, b.config, b.log))
			a.bindings = append(a.bindings, b)
		}
		h.auto[name] = a
		h.obs.Reloaded(handler.ReloadOK)
		h.loadedFile(name, path)
		if prev != nil {
			retired = append(retired, prev)
		}
		verb := "handler file loaded"
		if prev != nil {
			verb = "handler file reloaded"
		}
		announce = append(announce, func() {
			log.Info(verb, "file", name, "events", strings.Join(c.names, ","), "size", c.size, "sha256", c.hash[:16], "load", c.took.Round(time.Microsecond))
		})
	}
	for name := range h.problems { // problems of files that are gone
		if strings.HasSuffix(name, ".js") && !files[name] && !h.named(name) && !h.named(strings.TrimSuffix(name, ".js")) {
			delete(h.problems, name)
			delete(h.noted, name)
		}
	}
	if len(retired) == 0 && !h.autoChanged(files) {
		return
	}
	h.rebuildEvents()
	// Said once the new versions serve: the next event gets them.
	for _, f := range announce {
		f()
	}
	for _, a := range retired {
		// The binding stays reachable for events that looked it up before the
		// new map; a retired generation still serves them, then closes.
		for _, b := range a.bindings {
			if g := b.gen.Load(); g != nil {
				g.retire()
			}
		}
		a.code.release()
	}
}

// autoChanged reports whether the published event map lacks a loaded file's
// bindings (a file loaded for the first time, or reloaded).
func (h *Host) autoChanged(files map[string]bool) bool {
	m := *h.byEvent.Load()
	for name := range files {
		a := h.auto[name]
		if a == nil {
			continue
		}
		for _, b := range a.bindings {
			if !slices.Contains(m[b.event], b) {
				return true
			}
		}
	}
	return false
}

// rebuildEvents publishes the event -> bindings map: the [[events]] entries
// in order, then the self-bound .js files by name.
func (h *Host) rebuildEvents() {
	m := map[string][]*binding{}
	for _, b := range h.allBindings() {
		m[b.event] = append(m[b.event], b)
	}
	h.byEvent.Store(&m)
}

// allBindings lists the [[events]] bindings, then those of self-bound files.
func (h *Host) allBindings() []*binding {
	out := slices.Clone(h.bindings)
	for _, name := range sortedKeys(h.auto) {
		out = append(out, h.auto[name].bindings...)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
