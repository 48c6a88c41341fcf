package config_test

import (
	"fmt"

	"github.com/iohub/iohub/hub/config"
)

// Parse reads hub.toml text; every problem of a file is reported at once,
// each with its dotted key and, for a misspelt key, the closest known one
// (what `hub check` prints).
func ExampleParse() {
	_, err := config.Parse([]byte(`
[auth]
jwtSecret = "example-secret-0123456789abcdef0123"
[IOServerOptions]
pingIntervall = "25s"
maxHttpBufferSize = "a lot"
`), "hub.toml")
	fmt.Println(err)
	// Output:
	// hub.toml: IOServerOptions.pingIntervall: unknown key (did you mean "pingInterval"?)
	// hub.toml: IOServerOptions.maxHttpBufferSize: expected a size like 1048576 or "1MiB" (units B, kB, KiB, MB, MiB, GB, GiB), got "a lot"
}
