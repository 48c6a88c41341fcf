package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/iohub/iohub/hub/clienterr"
)

func TestRaw(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantRooms []string // what the emitter gets; nil means every socket
		wantData  string
		wantResp  string
	}{
		{"everyone", `{"event":"news","data":{"title":"hi"}}`, nil, `{"title":"hi"}`,
			`{"event":"news","all":true,"rooms":[]}`},
		{"null rooms mean everyone", `{"event":"news","room":null,"rooms":null}`, nil, `null`,
			`{"event":"news","all":true,"rooms":[]}`},
		{"one room", `{"event":"news","data":1,"room":"Authenticated"}`, []string{"Authenticated"}, `1`,
			`{"event":"news","all":false,"rooms":["Authenticated"]}`},
		{"rooms", `{"event":"news","data":"x","rooms":["b","a"]}`, []string{"a", "b"}, `"x"`,
			`{"event":"news","all":false,"rooms":["a","b"]}`},
		{"room and rooms merged", `{"event":"chat:send","room":"sid-1","rooms":["Public","sid-1","Public"]}`, []string{"Public", "sid-1"}, `null`,
			`{"event":"chat:send","all":false,"rooms":["Public","sid-1"]}`},
		// Raw emits are not sanitised and not permission-checked: data goes as given.
		{"data as given", `{"event":"api::message.message.create","data":{"password":"p","n":9007199254740993}}`, nil,
			`{"password":"p","n":9007199254740993}`, `{"event":"api::message.message.create","all":true,"rooms":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			wantJSON(t, f.do(http.MethodPost, "/hub/raw", tt.body), 202, tt.wantResp)
			content, raw := f.em.calls()
			if len(content) != 0 || len(raw) != 1 {
				t.Fatalf("calls: %d content, %d raw", len(content), len(raw))
			}
			if !slices.Equal(raw[0].Rooms, tt.wantRooms) || (raw[0].Rooms == nil) != (tt.wantRooms == nil) {
				t.Errorf("rooms = %#v, want %#v", raw[0].Rooms, tt.wantRooms)
			}
			if got := normValue(t, raw[0].Data); got != normJSON(t, tt.wantData) {
				t.Errorf("data = %s, want %s", got, tt.wantData)
			}
		})
	}
}

func TestRawErrors(t *testing.T) {
	tests := []struct {
		name, body string
		code       clienterr.Code
		message    string
	}{
		{"not JSON", `{event:"news"}`, clienterr.BadJSON, "body is not valid JSON: invalid character 'e' looking for beginning of object key string at byte 2"},
		{"array", `["news"]`, clienterr.BadJSON, "body must be a JSON object, got an array"},
		{"unknown field", `{"event":"news","roomz":["a"]}`, clienterr.BadJSON, `unknown field "roomz"`},
		{"missing event", `{"room":"a"}`, clienterr.MissingField, `field "event" is required`},
		{"empty event", `{"event":""}`, clienterr.MissingField, `field "event" is required`},
		{"event not a string", `{"event":true}`, clienterr.InvalidField, `field "event" must be a string, got a boolean`},
		{"empty room", `{"event":"news","room":""}`, clienterr.InvalidField, `field "room" must not be empty; omit it to send to every socket`},
		{"room not a string", `{"event":"news","room":["a"]}`, clienterr.InvalidField, `field "room" must be a string, got an array`},
		{"rooms not an array", `{"event":"news","rooms":"a"}`, clienterr.InvalidField, `field "rooms" must be an array of strings, got a string`},
		{"rooms with a number", `{"event":"news","rooms":["a",1]}`, clienterr.InvalidField, `field "rooms" must be an array of strings, but rooms[1] is a number`},
		{"rooms with null", `{"event":"news","rooms":[null]}`, clienterr.InvalidField, `field "rooms" must be an array of strings, but rooms[0] is null`},
		{"rooms with an empty name", `{"event":"news","rooms":["a",""]}`, clienterr.InvalidField, `field "rooms": rooms[1] must not be empty`},
		{"empty rooms", `{"event":"news","rooms":[]}`, clienterr.InvalidField, `field "rooms" must not be an empty array; omit it to send to every socket`},
	}
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		tests = append(tests, struct {
			name, body string
			code       clienterr.Code
			message    string
		}{"reserved " + name, `{"event":"` + name + `","room":"a"}`, clienterr.InvalidField, `field "event": "` + name + `" is reserved by Socket.IO`})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			wantError(t, f.do(http.MethodPost, "/hub/raw", tt.body), 400, tt.code, tt.message)
			mustNoCalls(t, f.em)
		})
	}
}

// Reserved names are case-sensitive in Socket.IO; "Connect" is an ordinary event.
func TestRawReservedCaseSensitive(t *testing.T) {
	f := newFixture(t)
	wantJSON(t, f.do(http.MethodPost, "/hub/raw", `{"event":"Connect"}`), 202, `{"event":"Connect","all":true,"rooms":[]}`)
}

// Should the emitter refuse a name the API lets through, the caller gets a 400.
func TestRawEmitterRefuses(t *testing.T) {
	f := newFixture(t)
	f.em.rawErr = errors.New(`"ping" is a reserved event name`)
	wantError(t, f.do(http.MethodPost, "/hub/raw", `{"event":"ping"}`), 400, clienterr.InvalidField, `field "event": "ping" is a reserved event name`)
}
