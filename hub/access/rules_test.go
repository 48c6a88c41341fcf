package access

import (
	"slices"
	"testing"
)

func TestRequired(t *testing.T) {
	for action, want := range map[string]string{
		"find": "find", "findOne": "findOne", "create": "create", "update": "update",
		"delete": "delete", "publish": "update", "unpublish": "delete",
		"createOrUpdate": "update", "bulkDelete": "delete", "approve": "approve",
	} {
		if got := Required(action); got != want {
			t.Errorf("Required(%q) = %q, want %q", action, got, want)
		}
	}
}

func TestParseEvent(t *testing.T) {
	tests := []struct {
		in, uid, action, name string
		ok                    bool
	}{
		{"api::message.message.create", "api::message.message", "create", "message:create", true},
		{"api::blog.post.publish", "api::blog.post", "publish", "blog:publish", true},
		{"api::message.message.approve", "api::message.message", "approve", "message:approve", true},
		{"plugin::users-permissions.user.update", "plugin::users-permissions.user", "update", "users-permissions:update", true},
		{"api::message.message", "", "", "", false}, // no action
		{"message.create", "", "", "", false},
		{"api::message.create", "", "", "", false},
		{"api::.message.create", "", "", "", false},
		{"api::message.message.", "", "", "", false},
		{"", "", "", "", false},
		{"api::message.message.cre ate", "", "", "", false},
	}
	for _, tt := range tests {
		ev, err := ParseEvent(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseEvent(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if !tt.ok {
			continue
		}
		if ev.UID != tt.uid || ev.Action != tt.action || ev.Name() != tt.name || ev.Permission() != tt.in {
			t.Errorf("ParseEvent(%q) = %+v (name %q)", tt.in, ev, ev.Name())
		}
	}
}

// TestRecipients covers every action mapping, the wildcards and both modes.
func TestRecipients(t *testing.T) {
	roles := map[string][]string{
		"Public":        {"api::message.message.find", "api::message.message.create"},
		"Authenticated": {"api::message.message.*", "api::chat.chat.*"},
		"Editor":        {"api::message.message.update"},
		"Moderator":     {"api::message.message.delete"},
		"Reader":        {"api::message.message.findOne"},
		"Admin":         {"*"},
		"Nobody":        {},
		"Deep":          {"api::message.*"}, // one segment only: matches no message.message.X
	}
	const msg = "api::message.message"
	tests := []struct {
		action  string
		action_ []string // recipients in ModeAction
		read    []string // recipients in ModeRead
	}{
		{"find", []string{"Admin", "Authenticated", "Public"}, []string{"Admin", "Authenticated", "Public", "Reader"}},
		{"findOne", []string{"Admin", "Authenticated", "Reader"}, []string{"Admin", "Authenticated", "Public", "Reader"}},
		{"create", []string{"Admin", "Authenticated", "Public"}, []string{"Admin", "Authenticated", "Public", "Reader"}},
		{"update", []string{"Admin", "Authenticated", "Editor"}, []string{"Admin", "Authenticated", "Editor", "Public", "Reader"}},
		{"delete", []string{"Admin", "Authenticated", "Moderator"}, []string{"Admin", "Authenticated", "Moderator", "Public", "Reader"}},
		{"publish", []string{"Admin", "Authenticated", "Editor"}, []string{"Admin", "Authenticated", "Editor", "Public", "Reader"}},
		{"createOrUpdate", []string{"Admin", "Authenticated", "Editor"}, []string{"Admin", "Authenticated", "Editor", "Public", "Reader"}},
		{"unpublish", []string{"Admin", "Authenticated", "Moderator"}, []string{"Admin", "Authenticated", "Moderator", "Public", "Reader"}},
		{"bulkDelete", []string{"Admin", "Authenticated", "Moderator"}, []string{"Admin", "Authenticated", "Moderator", "Public", "Reader"}},
		{"approve", []string{"Admin", "Authenticated"}, []string{"Admin", "Authenticated", "Public", "Reader"}},
	}
	action, err := New(roles, ModeAction)
	if err != nil {
		t.Fatal(err)
	}
	read, err := New(roles, ModeRead)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		ev, err := NewContentEvent(msg, tt.action)
		if err != nil {
			t.Fatal(err)
		}
		if got := action.Recipients(ev); !slices.Equal(got, tt.action_) {
			t.Errorf("action mode %s: got %v, want %v", tt.action, got, tt.action_)
		}
		if got := read.Recipients(ev); !slices.Equal(got, tt.read) {
			t.Errorf("read mode %s: got %v, want %v", tt.action, got, tt.read)
		}
		for _, r := range tt.action_ {
			if !action.Allows(r, ev) {
				t.Errorf("Allows(%s, %s) = false", r, tt.action)
			}
		}
	}
	// Another content type: only the wildcard holders.
	ev, _ := NewContentEvent("api::chat.chat", "create")
	if got := action.Recipients(ev); !slices.Equal(got, []string{"Admin", "Authenticated"}) {
		t.Errorf("chat:create recipients = %v", got)
	}
	ev, _ = NewContentEvent("api::other.other", "find")
	if got := read.Recipients(ev); !slices.Equal(got, []string{"Admin"}) {
		t.Errorf("other:find recipients = %v", got)
	}
	if action.Allows("Ghost", ev) || action.Has("Ghost", "*") {
		t.Error("unknown role must hold nothing")
	}
}

func TestNewRejectsBadWildcards(t *testing.T) {
	for _, p := range []string{"api::message.*.create", "api::message.message.cre*", "**"} {
		if _, err := New(map[string][]string{"R": {p}}, ModeAction); err == nil {
			t.Errorf("New accepted %q", p)
		}
	}
	if _, err := New(nil, "write"); err == nil {
		t.Error("New accepted mode write")
	}
}
