package realtime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// guardPolling checks a long-polling session's POST bodies before the library
// reads them, as Node's engine.io does:
//
//   - A body over maxBody is answered 413 and none of its packets runs. The
//     library cut a chunked body at the limit and processed what it had read
//     (a 1.2 MB body had its first 750 KB echoed). Nothing past maxBody+1
//     bytes is read.
//   - A payload that is not Engine.IO packets closes the session, so the next
//     GET is 400 ("Session ID unknown"). The library kept it open.
//
// closeSession ends the Engine.IO session with that id.
func guardPolling(h http.Handler, maxBody int64, closeSession func(sid string)) http.Handler {
	if maxBody <= 0 {
		maxBody = 1_000_000 // the library's (and Node's) default
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Not a POST (a WebSocket upgrade among them): the query is the
		// library's to parse.
		if r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		sid := q.Get("sid")
		if sid == "" || q.Get("transport") != "polling" {
			h.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > maxBody {
			tooLarge(w, r, sid, closeSession)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		switch {
		case err != nil:
			engineError(w, r, http.StatusBadRequest, 3, "Bad request")
			return
		case int64(len(body)) > maxBody:
			tooLarge(w, r, sid, closeSession)
			return
		case !validPayload(body):
			closeSession(sid)
			engineError(w, r, http.StatusBadRequest, 3, "Bad request")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.TransferEncoding = nil
		h.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, r *http.Request, sid string, closeSession func(string)) {
	closeSession(sid)
	// The rest of the body is not read: the connection cannot be reused.
	w.Header().Set("Connection", "close")
	engineError(w, r, http.StatusRequestEntityTooLarge, 3, "Payload too large")
}

// engineError answers like Engine.IO's own errors ({"code":3,"message":"Bad
// request"}), with the CORS origin echoed so browsers can read it.
func engineError(w http.ResponseWriter, r *http.Request, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"code":` + strconv.Itoa(code) + `,"message":` + strconv.Quote(msg) + `}`))
}

var errBadPacket = errors.New("not an Engine.IO packet")

// validPayload reports whether b is an Engine.IO v4 polling payload: packets
// separated by the record separator 0x1e, each a type digit 0-6 and its data,
// or "b" and base64 (a binary message).
func validPayload(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, p := range bytes.Split(b, []byte{0x1e}) {
		if validPacket(p) != nil {
			return false
		}
	}
	return true
}

func validPacket(p []byte) error {
	if len(p) == 0 {
		return errBadPacket
	}
	switch c := p[0]; {
	case c >= '0' && c <= '6':
		return nil
	case c == 'b':
		_, err := base64.StdEncoding.DecodeString(string(p[1:]))
		return err
	}
	return errBadPacket
}
