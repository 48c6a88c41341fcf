package clienterr

// Handler errors: what a client's ack gets, as {"error": <text>}, when an
// events[] handler did not handle its event. A handler's own error (set_error,
// a JavaScript exception's message) is passed as it is; these are the hub's.
const (
	// HandlerFailed: the handler trapped, ran past its limit, ran out of
	// memory, or no instance of it could be made.
	HandlerFailed = "handler failed"
	// HandlerPaused: the handler failed repeatedly and is paused for a
	// while (the log says why and until when); it is retried after that.
	HandlerPaused = "handler paused"
)
