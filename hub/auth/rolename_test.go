package auth

import (
	"context"
	"testing"

	"github.com/iohub/iohub/hub/clienterr"
)

// TestStrapiRoleNamedLikeARoom: a Strapi role whose name is a user room or a
// socket id cannot be joined, so its users are refused, on both lookup paths
// (/users/me with the client's token, /users/:id with the hub's), rather than
// joining user 1's private room.
func TestStrapiRoleNamedLikeARoom(t *testing.T) {
	for _, role := range []string{"user:1", "USER:1", "oRtb1M5vAJ3KBmAAAAAAAAAA"} {
		body := `{"id":1,"blocked":false,"confirmed":true,"role":{"id":9,"name":"` + role + `"}}`
		t.Run("me/"+role, func(t *testing.T) {
			fs := newFakeStrapi(t)
			fs.def = answer{200, body}
			a := newAuth(t, hsConfig(), fs.config())
			id, err := a.Authenticate(context.Background(), hsToken(t, strapiClaims()))
			wantErr(t, err, clienterr.ErrInvalidCredentials)
			if id.Role != "" {
				t.Fatalf("identity %+v", id)
			}
		})
		t.Run("byID/"+role, func(t *testing.T) {
			fu := newFakeUsers(t)
			fu.set("1", answer{200, body})
			a := newAuth(t, hsConfig(), fu.config())
			id, err := a.Authenticate(context.Background(), hsToken(t, strapiClaims()))
			wantErr(t, err, clienterr.ErrInvalidCredentials)
			if id.Role != "" {
				t.Fatalf("identity %+v", id)
			}
		})
	}
}
