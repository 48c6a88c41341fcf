package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/iohub/iohub/hub/strapi/client"
)

// The hub's one Strapi client: its API token on every request unless a
// user's JWT is given (GetAs, for /api/users/me), bounded requests, and the
// body and status handed back as they came.
func Example() {
	strapi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"path":%q,"auth":%q}`, r.URL.Path, r.Header.Get("Authorization"))
	}))
	defer strapi.Close()

	c := client.New(client.Options{URL: strapi.URL, APIToken: "api-token", Timeout: 5 * time.Second})
	ctx := context.Background()
	status, body, err := c.Get(ctx, "/api/users-permissions/roles")
	fmt.Println(status, string(body), err)
	status, body, err = c.GetAs(ctx, "/api/users/me?populate=role", "user-jwt")
	fmt.Println(status, string(body), err)
	// Output:
	// 200 {"path":"/api/users-permissions/roles","auth":"Bearer api-token"} <nil>
	// 200 {"path":"/api/users/me","auth":"Bearer user-jwt"} <nil>
}
