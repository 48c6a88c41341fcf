// Package plugin runs events[] handlers: user-supplied WebAssembly modules that
// speak ABI v1 (sdk/ABI.md), on wazero, and JavaScript files written like
// strapi-plugin-io's events[] entries, on QuickJS compiled to Wasm (js.go,
// package jsvm).
//
// One wazero runtime serves every module, with a disk compilation cache. Each
// events[] entry (a binding) has a generation: its module compiled, validated and
// a pool of pre-initialised instances (pool.go). Both engines share one run path
// (run.go): an event takes an instance, makes exactly one guest call
// (hub_on_event), collects the socket effects the guest asked for, applies them
// only if it returned 0, and gives the instance back. An instance that traps,
// times out or exits is closed instead, and replaced in the background; the next
// event takes the spare. A handler that keeps failing is paused (breaker.go);
// slow handlers leave a slot to the others (fair.go). Reloading builds a new
// generation off the hot path, warms it, and swaps a pointer; calls already
// running finish on the old generation, which closes after them.
//
// A JavaScript handler's generation points at the loaded version of its file
// instead, whose pool of QuickJS VMs serves every event the file handles; the
// event is one call of the prelude's dispatcher (js_prelude.js), and the
// effects it reports take the same validation and the same path as a Wasm
// guest's. A .js file no [[events]] entry names binds itself to the events
// its entries name (jsreload.go).
package plugin
