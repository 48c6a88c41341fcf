package httpapi

import (
	"net/http"

	"github.com/iohub/iohub/hub/access"
)

// POST /hub/emit is strapi-plugin-io's strapi.$io.emit(uid.action, data) over HTTP:
// the permission-checked path, for any action string (custom actions included). It
// does not consult contentTypes: that setting selects which Strapi lifecycle events
// the plugin (here: the webhook) forwards, while emit is an explicit call.

// emitRequest is a decoded /hub/emit body.
type emitRequest struct {
	Event access.ContentEvent
	Data  any
}

// emitResponse answers /hub/emit and the Strapi webhook: the Socket.IO event name
// and the role rooms it went to, sorted; [] (never null) when no role qualifies.
type emitResponse struct {
	Event string   `json:"event"`
	Rooms []string `json:"rooms"`
}

// decodeEmit parses {"event": "api::message.message.create", "data": any}. Unknown
// fields are rejected so a typo does not silently drop a field.
func decodeEmit(body []byte) (*emitRequest, *apiError) {
	obj, e := parseObject(body)
	if e != nil {
		return nil, e
	}
	if e := obj.rejectUnknown("event", "data"); e != nil {
		return nil, e
	}
	name, e := obj.reqString("event")
	if e != nil {
		return nil, e
	}
	ev, err := access.ParseEvent(name)
	if err != nil {
		// err reads: content event must look like "api::<name>.<type>.<action>", got "...".
		return nil, errInvalid("field %q: %v", "event", err)
	}
	data, e := obj.anyValue("data")
	if e != nil {
		return nil, e
	}
	return &emitRequest{Event: ev, Data: data}, nil
}

func (a *API) serveEmit(body []byte) (int, any, *apiError) {
	req, e := decodeEmit(body)
	if e != nil {
		return 0, nil, e
	}
	rooms := a.em.EmitContent(req.Event, req.Data)
	return http.StatusAccepted, emitResponse{Event: req.Event.Name(), Rooms: nonNil(rooms)}, nil
}

// nonNil makes an empty room list encode as [] rather than null, so clients can
// iterate the answer without a null check.
func nonNil(rooms []string) []string {
	if rooms == nil {
		return []string{}
	}
	return rooms
}
