package sanitize

import (
	"encoding/json"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
		fields         []string
	}{
		{"top level", `{"id":1,"password":"x","name":"a"}`, `{"id":1,"name":"a"}`, nil},
		{"nested object", `{"data":{"attributes":{"author":{"password":"x","resetPasswordToken":"y","username":"u"}}}}`,
			`{"data":{"attributes":{"author":{"username":"u"}}}}`, nil},
		{"inside arrays", `{"users":[{"confirmationToken":"t","id":1},[{"password":"p"}]]}`, `{"users":[{"id":1},[{}]]}`, nil},
		{"scalars untouched", `"password"`, `"password"`, nil},
		{"array root", `[{"password":1},2]`, `[{},2]`, nil},
		{"custom fields", `{"secret":1,"password":2,"keep":{"secret":3}}`, `{"keep":{},"password":2}`, []string{"secret"}},
		{"no fields", `{"password":1}`, `{"password":1}`, []string{}},
		{"any case, spaces trimmed", `{"Password":1,"password ":2," RESETPASSWORDTOKEN":3,"passwords":4}`, `{"passwords":4}`, nil},
		{"configured name folded too", `{"secret":1}`, `{}`, []string{" Secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := tt.fields
			if fields == nil {
				fields = DefaultPrivateFields()
			}
			var v any
			if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(New(fields).Clean(v))
			var want any
			_ = json.Unmarshal([]byte(tt.want), &want)
			wantJSON, _ := json.Marshal(want)
			if string(got) != string(wantJSON) {
				t.Errorf("got %s, want %s", got, wantJSON)
			}
		})
	}
}
