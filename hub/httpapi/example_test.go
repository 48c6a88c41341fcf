package httpapi_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/httpapi"
)

// printer is an Emitter that shows what the API asks it to deliver.
type printer struct{}

func (printer) EmitContent(ev access.ContentEvent, data any) []string {
	fmt.Println("content", ev.Name(), data)
	return []string{"Authenticated"}
}

func (printer) EmitRaw(event string, data any, rooms []string) error {
	fmt.Println("raw", event, data, rooms)
	return nil
}

// The HTTP API: POST /hub/emit turns a body into a permission-checked
// content event, /hub/raw into an unchecked emit; both answer 202 with where
// it went. Bad bodies get a 4xx JSON error, never a 500.
func Example() {
	api := httpapi.New(httpapi.Options{Tokens: []string{"example-token"}}, printer{}, slog.New(slog.DiscardHandler))
	post := func(path, body string) {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer example-token")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Body)
		fmt.Println(rec.Code, strings.TrimSpace(string(b)))
	}
	post("/hub/emit", `{"event":"api::message.message.create","data":{"text":"hi"}}`)
	post("/hub/raw", `{"event":"ping","data":1,"rooms":["lobby"]}`)
	post("/hub/emit", `{"event":"nonsense"}`)
	// Output:
	// content message:create map[text:hi]
	// 202 {"event":"message:create","rooms":["Authenticated"]}
	// raw ping 1 [lobby]
	// 202 {"event":"ping","all":false,"rooms":["lobby"]}
	// 400 {"error":{"code":"invalid_field","message":"field \"event\": content event must look like \"api::<name>.<type>.<action>\", got \"nonsense\""}}
}
