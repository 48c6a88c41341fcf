package clienterr

// Ack errors: what a client's ack gets, as {"error": <Message>}, when its event
// was not handled. A handler's own error (set_error, a JavaScript exception's
// message) is passed as it is; these are the hub's, in one place. The ack
// carries the message only (clients of the plugin read error as text); the
// codes name them in the hub's own logs and docs.
var (
	// ErrHandlerFailed: the handler trapped, ran past its limit, ran out of
	// memory, or no instance of it could be made.
	ErrHandlerFailed = &Error{Code: "handler_failed", Message: "handler failed"}
	// ErrHandlerRejected: the handler rejected the event (status 2) without a
	// message of its own.
	ErrHandlerRejected = &Error{Code: "rejected", Message: "rejected"}
	// ErrHandlerPaused: the handler failed repeatedly and is paused for a
	// while (the log says why and until when); it is retried after that.
	ErrHandlerPaused = &Error{Code: "handler_paused", Message: "handler paused"}
	// ErrHandlerUnavailable: the event's handler file was removed, or never
	// loaded (missing or refused), while the hub runs; the event was not
	// handled.
	ErrHandlerUnavailable = &Error{Code: "handler_unavailable", Message: "handler unavailable"}
	// ErrTooManyPending: the socket already has the most events waiting for
	// its handlers (256); this one was dropped.
	ErrTooManyPending = &Error{Code: "too_many_pending", Message: "too many pending events"}
	// ErrRateLimited: the event is over limits.eventsPerSecond for its
	// socket; it was dropped. An event without an ack is dropped silently.
	ErrRateLimited = &Error{Code: "rate_limited", Message: "rate limited"}
)
