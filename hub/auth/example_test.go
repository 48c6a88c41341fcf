package auth_test

import (
	"context"
	"fmt"
	"time"

	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/clienterr"
)

// An Authenticator turns a handshake's auth.token into an identity: no
// token is the public role, a valid JWT carries its role claim.
func Example() {
	a, err := auth.New(auth.Options{JWTSecret: "example-secret-0123456789abcdef0123"})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	anon, _ := a.Authenticate(ctx, "")
	token, _ := a.Mint("Editor", "42", time.Hour) // what `hub token` prints
	editor, _ := a.Authenticate(ctx, token)
	_, err = a.Authenticate(ctx, "not-a-jwt")
	fmt.Println(anon.Role, anon.Anonymous)
	fmt.Println(editor.Role, editor.UserID)
	msg, code := clienterr.Handshake(err) // what the client's connect_error says
	fmt.Println(msg, code)
	// Output:
	// Public true
	// Editor 42
	// Invalid token. invalid_token
}
