package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/clienterr"
)

func TestEmit(t *testing.T) {
	tests := []struct {
		name     string
		rooms    []string // the emitter's answer
		body     string
		wantEv   access.ContentEvent
		wantData string // JSON
		wantResp string
	}{
		{
			name:     "to rooms",
			rooms:    []string{"Authenticated", "Public"},
			body:     `{"event":"api::message.message.create","data":{"id":1,"text":"hi"}}`,
			wantEv:   access.ContentEvent{UID: "api::message.message", Action: "create", APIName: "message"},
			wantData: `{"id":1,"text":"hi"}`,
			wantResp: `{"event":"message:create","rooms":["Authenticated","Public"]}`,
		},
		{
			name:     "nobody qualifies",
			body:     `{"event":"api::message.message.delete","data":[1,2]}`,
			wantEv:   access.ContentEvent{UID: "api::message.message", Action: "delete", APIName: "message"},
			wantData: `[1,2]`,
			wantResp: `{"event":"message:delete","rooms":[]}`,
		},
		{
			name:     "custom action, no data, whitespace",
			rooms:    []string{"Editors"},
			body:     " \n{\"event\": \"plugin::users-permissions.user.approve\"}\r\n ",
			wantEv:   access.ContentEvent{UID: "plugin::users-permissions.user", Action: "approve", APIName: "users-permissions"},
			wantData: `null`,
			wantResp: `{"event":"users-permissions:approve","rooms":["Editors"]}`,
		},
		{
			name:     "data null",
			body:     `{"event":"api::chat.chat.update","data":null}`,
			wantEv:   access.ContentEvent{UID: "api::chat.chat", Action: "update", APIName: "chat"},
			wantData: `null`,
			wantResp: `{"event":"chat:update","rooms":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.em.rooms = tt.rooms
			wantJSON(t, f.do(http.MethodPost, "/hub/emit", tt.body), 202, tt.wantResp)
			content, raw := f.em.calls()
			if len(content) != 1 || len(raw) != 0 {
				t.Fatalf("calls: %d content, %d raw", len(content), len(raw))
			}
			if content[0].Ev != tt.wantEv {
				t.Errorf("event = %+v, want %+v", content[0].Ev, tt.wantEv)
			}
			if got := normValue(t, content[0].Data); got != normJSON(t, tt.wantData) {
				t.Errorf("data = %s, want %s", got, tt.wantData)
			}
		})
	}
}

// Ids beyond 2^53 must reach the emitter digit for digit, as json.Number.
func TestEmitBigNumbers(t *testing.T) {
	f := newFixture(t)
	f.do(http.MethodPost, "/hub/emit", `{"event":"api::a.a.create","data":{"id":9007199254740993,"n":[1.50,1e400]}}`)
	content, _ := f.em.calls()
	if len(content) != 1 {
		t.Fatal("no emit")
	}
	want := map[string]any{"id": json.Number("9007199254740993"), "n": []any{json.Number("1.50"), json.Number("1e400")}}
	if !reflect.DeepEqual(content[0].Data, want) {
		t.Errorf("data = %#v", content[0].Data)
	}
}

func TestEmitErrors(t *testing.T) {
	const shape = `content event must look like "api::<name>.<type>.<action>"`
	tests := []struct {
		name, body string
		code       clienterr.Code
		message    string
	}{
		{"empty body", ``, clienterr.BadJSON, "body is empty; expected a JSON object"},
		{"blank body", " \n\t", clienterr.BadJSON, "body is empty; expected a JSON object"},
		{"truncated", `{"event":`, clienterr.BadJSON, "body is not valid JSON: unexpected end of input at byte 9"},
		{"truncated string", `{"event":"api::`, clienterr.BadJSON, "body is not valid JSON: unexpected end of input at byte 15"},
		{"trailing comma", `{"event":"x",}`, clienterr.BadJSON, "body is not valid JSON: invalid character '}' looking for beginning of object key string at byte 14"},
		{"not JSON", `event=x`, clienterr.BadJSON, "body is not valid JSON: invalid character 'e' looking for beginning of value at byte 1"},
		{"trailing garbage", `{"event":"api::a.a.create"} x`, clienterr.BadJSON, "body is not valid JSON: unexpected data after the JSON object at byte 29"},
		{"two objects", `{"event":"api::a.a.create"}{}`, clienterr.BadJSON, "body is not valid JSON: unexpected data after the JSON object at byte 28"},
		{"array", `[{"event":"api::a.a.create"}]`, clienterr.BadJSON, "body must be a JSON object, got an array"},
		{"string", `"api::a.a.create"`, clienterr.BadJSON, "body must be a JSON object, got a string"},
		{"null", `null`, clienterr.BadJSON, "body must be a JSON object, got null"},
		{"number", `12`, clienterr.BadJSON, "body must be a JSON object, got a number"},
		{"unknown field", `{"evnt":"api::a.a.create"}`, clienterr.BadJSON, `unknown field "evnt"`},
		{"unknown fields, first sorted", `{"event":"api::a.a.create","zz":1,"room":"x"}`, clienterr.BadJSON, `unknown field "room"`},
		{"field names are case-sensitive", `{"Event":"api::a.a.create"}`, clienterr.BadJSON, `unknown field "Event"`},
		{"missing event", `{"data":1}`, clienterr.MissingField, `field "event" is required`},
		{"empty object", `{}`, clienterr.MissingField, `field "event" is required`},
		{"null event", `{"event":null}`, clienterr.MissingField, `field "event" is required`},
		{"empty event", `{"event":""}`, clienterr.MissingField, `field "event" is required`},
		{"event number", `{"event":5}`, clienterr.InvalidField, `field "event" must be a string, got a number`},
		{"event object", `{"event":{"uid":"api::a.a"}}`, clienterr.InvalidField, `field "event" must be a string, got an object`},
		{"event without action", `{"event":"message"}`, clienterr.InvalidField, `field "event": ` + shape + `, got "message"`},
		{"socket event name", `{"event":"message:create"}`, clienterr.InvalidField, `field "event": ` + shape + `, got "message:create"`},
		{"empty action", `{"event":"api::message.message."}`, clienterr.InvalidField, `field "event": ` + shape + `, got "api::message.message."`},
		{"no namespace", `{"event":"message.message.create"}`, clienterr.InvalidField, `field "event": ` + shape + `, got "message.message.create"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			wantError(t, f.do(http.MethodPost, "/hub/emit", tt.body), 400, tt.code, tt.message)
			mustNoCalls(t, f.em)
		})
	}
}
