package clienterr

// Ack errors: what a client's ack gets, as {"error": <text>}, when its event
// was not handled. A handler's own error (set_error, a JavaScript exception's
// message) is passed as it is; these are the hub's, in one place.
const (
	// HandlerFailed: the handler trapped, ran past its limit, ran out of
	// memory, or no instance of it could be made.
	HandlerFailed = "handler failed"
	// HandlerRejected: the handler rejected the event (status 2) without a
	// message of its own.
	HandlerRejected = "rejected"
	// HandlerPaused: the handler failed repeatedly and is paused for a
	// while (the log says why and until when); it is retried after that.
	HandlerPaused = "handler paused"
	// HandlerUnavailable: the event's handler file was removed, or never
	// loaded (missing or refused), while the hub runs; the event was not
	// handled.
	HandlerUnavailable = "handler unavailable"
	// TooManyPending: the socket already has the most events waiting for
	// its handlers (256); this one was dropped.
	TooManyPending = "too many pending events"
	// RateLimited: the event is over limits.eventsPerSecond for its
	// socket; it was dropped. An event without an ack is dropped silently.
	RateLimited = "rate limited"
)
