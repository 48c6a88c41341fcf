package plugin

import (
	"maps"
	"sync"

	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/handler"
)

// A handler whose file is deleted while the hub runs leaves clients that
// still emit its events. Their events stay bound: an ack gets
// {"error": "handler unavailable"} at once rather than never, and events
// without an ack are counted, with one log line when the first arrives and
// one when the handler is back, not one per event.

// unavailable tracks the events whose handlers went away.
type unavailable struct {
	mu     sync.Mutex
	events map[string]bool    // event -> its handler was served, then removed
	counts map[string]*uCount // event -> what arrived since
}

type uCount struct{ acked, dropped int }

// mark records that the handlers of events were removed. Called by reloads.
func (u *unavailable) mark(events ...string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.events == nil {
		u.events = map[string]bool{}
	}
	for _, e := range events {
		u.events[e] = true
	}
}

func (u *unavailable) has(event string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.events[event]
}

// unavailableOutcome answers an event none of whose handlers is loaded.
func (h *Host) unavailableOutcome(call *handler.Call) handler.Outcome {
	u := &h.unavail
	u.mu.Lock()
	if u.counts == nil {
		u.counts = map[string]*uCount{}
	}
	c := u.counts[call.Event]
	first := c == nil
	if first {
		c = &uCount{}
		u.counts[call.Event] = c
	}
	if call.Ack {
		c.acked++
	} else {
		c.dropped++
	}
	u.mu.Unlock()
	if first {
		h.log.Warn("event for a handler that is not loaded: acks get an error, events without one are dropped; counted until it is back (logged once)",
			"event", call.Event, "error", clienterr.ErrHandlerUnavailable.Message)
	}
	if !call.Ack {
		return handler.Outcome{}
	}
	return handler.Outcome{Error: clienterr.ErrHandlerUnavailable.Message}
}

// availableAgain logs, once, how many events arrived for each event whose
// handler is loaded again, and forgets them. Called after a reload.
func (h *Host) availableAgain() {
	u := &h.unavail
	u.mu.Lock()
	var back map[string]*uCount
	for e := range maps.Clone(u.events) {
		if !h.loaded(e) {
			continue
		}
		delete(u.events, e)
		if c := u.counts[e]; c != nil {
			if back == nil {
				back = map[string]*uCount{}
			}
			back[e] = c
			delete(u.counts, e)
		}
	}
	u.mu.Unlock()
	for _, e := range sortedKeys(back) {
		h.log.Info("handler loaded again; events arrived while it was not", "event", e,
			"answeredUnavailable", back[e].acked, "droppedWithoutAck", back[e].dropped)
	}
}

// loaded reports whether a loaded handler is bound to event.
func (h *Host) loaded(event string) bool {
	for _, b := range (*h.byEvent.Load())[event] {
		if b.gen.Load() != nil {
			return true
		}
	}
	return false
}
