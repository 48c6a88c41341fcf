package plugin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iohub/iohub/hub/handler"
)

// Reload checks every module the bindings name, and every other .js file in
// the plugins directory, and swaps in those that changed: read once complete
// (readStable), hash (unchanged files are skipped), compile, validate, make
// the first instance (which runs hub_abi_version and hub_init, or the
// JavaScript file's top level), then swap. A module that fails, or that is
// still being written, keeps its previous version serving; a module whose
// file is gone is unloaded with a warning, and its events get an error ack.
// What is logged about a file is logged once, not again by every later reload
// that finds it the same. Calls never wait for a reload.
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
	h.availableAgain()
}

// Empty reports whether the host has nothing to load: no [[events]] entry
// and no handler file in the plugins directory. What SIGHUP says.
func (h *Host) Empty() bool {
	return len(h.bindings) == 0 && !HasJS(h.dir)
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
	file := h.rel(path)
	if other := filepath.Join(h.dir, name+".js"); fileExists(other) && fileExists(path) && h.noteOnce(h.rel(other), "shadowed") {
		log.Warn("both a .wasm and a .js handler have this name; the .wasm module is used, the .js file ignored", "file", file, "ignored", h.rel(other))
	}
	old := h.current[name]
	serving := old != nil || h.jsCurrent[name] != nil
	code, hash, err := h.readStable(path)
	if err != nil {
		h.notRead(log, name, path, serving, err)
		return
	}
	if old != nil && old.hash == hash || h.refusedBefore(path, hash) {
		return
	}
	c, err := compile(ctx, h.runtime, guardOptions(h.memLimit), name, path, code, hash)
	if err != nil {
		h.refused(log, name, path, hash, serving, err)
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
			h.refused(log, name, path, hash, serving, err)
			return
		}
		g.put(in)
		gens[b] = g
	}
	h.warmAll(ctx, gens)
	h.swap(name, c, gens)
	h.loadedFile(name, path)
	verb := "handler module loaded"
	if old != nil {
		verb = "handler module reloaded"
	}
	log.Info(verb, "file", file, "size", c.size, "sha256", hash[:16], "compile", c.took.Round(time.Microsecond), "bindings", len(gens))
}

// notRead handles a module file that could not be read: gone (unload what it
// served), not there yet, still being written, or unreadable.
func (h *Host) notRead(log logger, name, path string, serving bool, err error) {
	file := h.rel(path)
	switch {
	case isNotExist(err) && serving:
		log.Warn("handler module removed; its handlers are unloaded and their events get an error ack", "file", file)
		h.unload(name)
		h.problems[name] = "module removed: " + path
		h.noteOnce(file, "missing")
	case isNotExist(err):
		h.problems[name] = "module not found: " + path
		if !strings.HasSuffix(name, ".js") {
			h.problems[name] += " (nor " + name + ".js)"
		}
		if h.noteOnce(file, "missing") {
			log.Warn("handler module not found; its handlers stay inactive until it appears", "file", file)
		}
	case notReady(err):
		h.problems[name] = err.Error() + "; not loaded yet"
		if h.noteOnce(file, "not ready: "+err.Error()) {
			log.Info("handler file not loaded yet: "+err.Error()+"; it loads once complete", "file", file, "previousVersionServing", serving)
		}
	default:
		h.problems[name] = err.Error()
		if h.noteOnce(file, "unreadable: "+err.Error()) {
			log.Error("handler module unreadable", "file", file, "err", err)
		}
	}
}

// logger is what reloads log through.
type logger interface {
	Info(string, ...any)
	Warn(string, ...any)
	Error(string, ...any)
}

// refused records why a module's content (hash) was not loaded, and logs it
// once per distinct content of the file.
func (h *Host) refused(log logger, name, path, hash string, serving bool, err error) {
	h.problems[name] = err.Error()
	h.obs.Reloaded(handler.ReloadFailed)
	file := h.rel(path)
	if !h.noteOnce(file, "refused: "+hash) {
		return
	}
	if serving {
		log.Error("handler module refused; the previous version keeps serving", "file", file, "err", err)
	} else {
		log.Error("handler module refused; its handlers stay inactive", "file", file, "err", err)
	}
}

// refusedBefore reports whether this content of the file was refused by an
// earlier reload: it is not compiled and run again, nor logged again.
func (h *Host) refusedBefore(path, hash string) bool {
	return h.noted[h.rel(path)] == "refused: "+hash
}

// loadedFile clears what was recorded about a module's file once it serves.
func (h *Host) loadedFile(name, path string) {
	delete(h.problems, name)
	delete(h.noted, h.rel(path))
}

// unload removes module name's handlers because its file is gone; their
// events stay bound and get an error ack (unavailable.go).
func (h *Host) unload(name string) {
	var events []string
	for _, b := range h.bindings {
		if b.module == name && b.gen.Load() != nil {
			events = append(events, b.event)
		}
	}
	h.unavail.mark(events...) // before the swap: no moment where they are unbound
	h.swap(name, nil, nil)
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
		h.obs.Reloaded(handler.ReloadOK)
	}
}
