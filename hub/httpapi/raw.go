package httpapi

import (
	"net/http"
	"slices"

	"github.com/iohub/iohub/hub/access"
)

// POST /hub/raw is strapi-plugin-io's strapi.$io.raw(event, data, {room}) over HTTP:
// no permission check and no sanitising; the payload goes out as given, to every
// socket or to the union of the named rooms (a role name, a socket id, any room).
// "room" (the plugin's option) and "rooms" (several at once) may both be given.

// rawRequest is a decoded /hub/raw body.
type rawRequest struct {
	Event string
	Data  any
	Rooms []string // deduplicated and sorted; empty means every socket
}

// rawResponse answers /hub/raw. All is true when the event went to every socket
// (Rooms is then []); otherwise Rooms lists the rooms it was sent to, sorted.
type rawResponse struct {
	Event string   `json:"event"`
	All   bool     `json:"all"`
	Rooms []string `json:"rooms"`
}

// decodeRaw parses {"event": "news", "data": any, "room": "r", "rooms": ["r"]}.
// Unknown fields are rejected.
func decodeRaw(body []byte) (*rawRequest, *apiError) {
	obj, e := parseObject(body)
	if e != nil {
		return nil, e
	}
	if e := obj.rejectUnknown("event", "data", "room", "rooms"); e != nil {
		return nil, e
	}
	event, e := obj.reqString("event")
	if e != nil {
		return nil, e
	}
	if access.IsReservedEvent(event) {
		return nil, errInvalid("field %q: %q is reserved by Socket.IO", "event", event)
	}
	data, e := obj.anyValue("data")
	if e != nil {
		return nil, e
	}
	var rooms []string
	room, ok, e := obj.optString("room")
	if e != nil {
		return nil, e
	}
	if ok {
		if room == "" {
			return nil, errInvalid("field %q must not be empty; omit it to send to every socket", "room")
		}
		rooms = append(rooms, room)
	}
	list, ok, e := obj.optStrings("rooms")
	if e != nil {
		return nil, e
	}
	if ok && len(list) == 0 {
		// An explicit [] is refused rather than read as "everyone": a caller whose
		// computed room list came out empty must not broadcast by accident.
		return nil, errInvalid("field %q must not be an empty array; omit it to send to every socket", "rooms")
	}
	for i, r := range list {
		if r == "" {
			return nil, errInvalid("field %q: rooms[%d] must not be empty", "rooms", i)
		}
	}
	rooms = append(rooms, list...)
	slices.Sort(rooms)
	rooms = slices.Compact(rooms)
	return &rawRequest{Event: event, Data: data, Rooms: rooms}, nil
}

func (a *API) serveRaw(body []byte) (int, any, *apiError) {
	req, e := decodeRaw(body)
	if e != nil {
		return 0, nil, e
	}
	if err := a.em.EmitRaw(req.Event, req.Data, req.Rooms); err != nil {
		// The emitter refuses only names Socket.IO reserves, which decodeRaw already
		// rejects; should its list grow, the caller still gets a 400, not a 500.
		return 0, nil, errInvalid("field %q: %v", "event", err)
	}
	return http.StatusAccepted, rawResponse{Event: req.Event, All: len(req.Rooms) == 0, Rooms: nonNil(req.Rooms)}, nil
}
