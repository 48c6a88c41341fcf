package handler

import "time"

// CallOutcome is how one handler call ended, for Observer.
type CallOutcome string

// The outcomes of a handler call.
const (
	CallOK       CallOutcome = "ok"       // returned 0 (the chain goes on)
	CallError    CallOutcome = "error"    // returned an error status, trapped, or could not run
	CallRejected CallOutcome = "rejected" // rejected the event (status 2)
	CallTimeout  CallOutcome = "timeout"  // ran past the handler timeout
)

// ReloadOutcome is how one module reload ended, for Observer.
type ReloadOutcome string

// The outcomes of a module reload.
const (
	ReloadOK     ReloadOutcome = "ok"     // a new version was swapped in
	ReloadFailed ReloadOutcome = "failed" // refused; the previous version (if any) keeps serving
)

// Observer is told about handler calls and module reloads, for metrics. Whatever
// runs handlers (package plugin) calls it; *metrics.Metrics implements it.
// Methods must be fast and safe for concurrent use. name is the handler's
// module name (an [[events]] handler or a .js file's name, never anything a
// client sent).
type Observer interface {
	// HandlerCall reports one call of one handler module: for an event bound to
	// several handlers, one report per handler that ran.
	HandlerCall(name string, outcome CallOutcome, d time.Duration)
	// Reloaded reports one module whose file changed and was reloaded (or
	// failed to): unchanged files are not reported.
	Reloaded(outcome ReloadOutcome)
}

// NopObserver records nothing: the default when no Observer is given.
type NopObserver struct{}

// HandlerCall implements Observer.
func (NopObserver) HandlerCall(string, CallOutcome, time.Duration) {}

// Reloaded implements Observer.
func (NopObserver) Reloaded(ReloadOutcome) {}
