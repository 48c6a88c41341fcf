package sanitize_test

import (
	"encoding/json"
	"fmt"

	"github.com/iohub/iohub/hub/sanitize"
)

// A Sanitizer removes private fields by name at any depth of a payload.
func ExampleSanitizer() {
	clean := sanitize.New([]string{"password", "resetPasswordToken"})
	data := map[string]any{
		"id":     1,
		"author": map[string]any{"username": "ada", "password": "$2a$10$..."},
	}
	b, _ := json.Marshal(clean.Clean(data))
	fmt.Println(string(b))
	// Output: {"author":{"username":"ada"},"id":1}
}
