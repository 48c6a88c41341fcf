package strapi

import (
	"context"
	"strings"
	"testing"
)

// TestSyncLeavesOutRoomNames: a Strapi role named like a user room or a socket id
// would receive what is meant for that user or socket; it is left out of the
// table (with one warning per name, not one per sync) and the others still apply.
func TestSyncLeavesOutRoomNames(t *testing.T) {
	fs := newFakeStrapi(t, "v4")
	fs.set("/api/users-permissions/roles", `{"roles":[{"id":1,"name":"Authenticated","type":"authenticated"},`+
		`{"id":2,"name":"Public","type":"public"},{"id":3,"name":"user:1","type":"sneaky"},{"id":4,"name":"oRtb1M5vAJ3KBmAAAAAAAAAA","type":"sid"}]}`)
	for id, name := range map[string]string{"3": "user:1", "4": "oRtb1M5vAJ3KBmAAAAAAAAAA"} {
		fs.set("/api/users-permissions/roles/"+id, `{"role":{"id":`+id+`,"name":"`+name+`","type":"x","permissions":{`+
			`"api::message":{"controllers":{"message":{"find":{"enabled":true}}}}}}}`)
	}
	s, ap, lb := newSyncer(t, fs)
	for range 2 {
		res, err := s.Sync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := res.Roles["user:1"]; ok || len(res.Roles) != 2 {
			t.Fatalf("roles = %v, want Authenticated and Public only", res.Roles)
		}
	}
	rules, _ := ap.last()
	for _, r := range rules.Recipients(ev("api::message.message.find")) {
		if r != "Authenticated" && r != "Public" {
			t.Fatalf("recipient %q", r)
		}
	}
	logs := lb.String()
	if n := strings.Count(logs, "role left out"); n != 2 {
		t.Fatalf("%d warnings, want one per bad name:\n%s", n, logs)
	}
}
