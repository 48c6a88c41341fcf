package strapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/strapi"
	"github.com/iohub/iohub/hub/strapi/client"
)

// strapiRoles answers like Strapi v4's users-permissions plugin: the role
// list, then each role with its permissions per content type, controller
// and action.
var strapiRoles = map[string]string{
	"/api/users-permissions/roles": `{"roles":[
		{"id":1,"name":"Authenticated","type":"authenticated"},
		{"id":2,"name":"Public","type":"public"}]}`,
	"/api/users-permissions/roles/1": `{"role":{"id":1,"name":"Authenticated","type":"authenticated","permissions":{
		"api::message":{"controllers":{"message":{
			"find":{"enabled":true},"create":{"enabled":true},"delete":{"enabled":false}}}}}}}`,
	"/api/users-permissions/roles/2": `{"role":{"id":2,"name":"Public","type":"public","permissions":{
		"api::message":{"controllers":{"message":{
			"find":{"enabled":true},"create":{"enabled":false},"delete":{"enabled":false}}}}}}}`,
}

// A Syncer reads Strapi's roles with the hub's API token and hands the hub an
// access.Rules table: who may receive which content event. Here an httptest
// server plays Strapi; Sync reads it once (Run would on an interval) and
// reports each role's number of enabled permissions.
func Example() {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := strapiRoles[r.URL.Path]
		if !ok || r.Header.Get("Authorization") != "Bearer hub-token" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer fake.Close()

	var rules *access.Rules
	s := strapi.New(strapi.Options{
		Client: client.New(client.Options{URL: fake.URL, APIToken: "hub-token"}),
		Apply:  func(r *access.Rules) { rules = r }, // realtime.Server.SetRules in a hub
	})
	res, err := s.Sync(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("version:", res.Version, "roles:", res.Roles, "state:", s.State())
	for _, e := range []string{"api::message.message.find", "api::message.message.create", "api::message.message.delete"} {
		ev, _ := access.ParseEvent(e)
		fmt.Println(e, "->", rules.Recipients(ev))
	}
	// Output:
	// version: 4 roles: map[Authenticated:2 Public:1] state: ok
	// api::message.message.find -> [Authenticated Public]
	// api::message.message.create -> [Authenticated]
	// api::message.message.delete -> []
}
