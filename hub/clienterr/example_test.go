package clienterr_test

import (
	"fmt"

	"github.com/iohub/iohub/hub/clienterr"
)

// Handshake turns an authentication error into what the Socket.IO client's
// connect_error carries: the message strapi-plugin-io would send, and a
// stable code in its data.
func ExampleHandshake() {
	msg, code := clienterr.Handshake(clienterr.ErrInvalidToken)
	fmt.Printf("%q %s\n", msg, code)
	// Output: "Invalid token." invalid_token
}
