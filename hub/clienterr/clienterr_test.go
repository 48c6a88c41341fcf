package clienterr

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

// The catalogue: every well-known error has its own code and a message, and
// the handshake ones reach the client as they are, even wrapped.
func TestCatalogue(t *testing.T) {
	handshake := []*Error{ErrInvalidToken, ErrInvalidCredentials, ErrAuthUnavailable, ErrTooManyConnections, ErrTooManyHandshakes}
	acks := []*Error{ErrHandlerFailed, ErrHandlerRejected, ErrHandlerPaused, ErrHandlerUnavailable, ErrTooManyPending, ErrRateLimited}
	seen := map[Code]bool{}
	for _, e := range append(append([]*Error(nil), handshake...), acks...) {
		if e.Code == "" || e.Message == "" || seen[e.Code] {
			t.Errorf("%+v: empty or duplicate", e)
		}
		seen[e.Code] = true
	}
	for _, e := range handshake {
		msg, code := Handshake(fmt.Errorf("%w: detail for the log", e))
		if msg != e.Message || code != e.Code {
			t.Errorf("Handshake(%v) = %q %q", e, msg, code)
		}
	}
	if msg, code := Handshake(errors.New("database password wrong")); msg != "Invalid token." || code != InvalidTokenCode {
		t.Errorf("an internal error reached the client: %q %q", msg, code)
	}
	b, _ := json.Marshal(ErrTooManyPending)
	if string(b) != `{"code":"too_many_pending","message":"too many pending events"}` {
		t.Errorf("JSON %s", b)
	}
}
