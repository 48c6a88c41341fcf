package access

import (
	"strings"
	"testing"
)

func TestCheckRoleName(t *testing.T) {
	tests := []struct {
		name string
		want string // "" = accepted, else a fragment of the reason
	}{
		{"Public", ""},
		{"Authenticated", ""},
		{"Content Editor", ""},
		{"user", ""},
		{"users:1", ""},
		{"my user:1", ""},
		{"io-role-authenticated", ""},
		{"abcdefghijklmnopqrstuvw", ""},   // 23
		{"abcdefghijklmnopqrstuvwxy", ""}, // 25
		{"abcdefghijklmnopqrstuv x", ""},  // 24 with a space
		{"abcdefghijklmnopqrstuvw.", ""},  // 24 with a dot
		{"", "empty"},
		{"  ", "empty"},
		{"user:", `"user:"`},
		{"user:1", `"user:"`},
		{"User:1", `"user:"`},
		{"USER:abc", `"user:"`},
		{"AuthenticatedSubscribers", "socket id"},
		{"oRtb1M5vAJ3KBmAAAAAAAAAA", "socket id"},
		{"a-b_c-d_e-f_g-h_i-j_k-l_", "socket id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRoleName(tt.name)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want one mentioning %s", err, tt.want)
			}
		})
	}
}

// TestNewRefusesRoomNames: whatever the source of the table (hub.toml, Strapi),
// a role that would share a user's or a socket's room never gets content events.
func TestNewRefusesRoomNames(t *testing.T) {
	for _, name := range []string{"user:1", "AuthenticatedSubscribers", ""} {
		if _, err := New(map[string][]string{"Public": {"*"}, name: {"*"}}, ModeAction); err == nil {
			t.Errorf("role %q accepted", name)
		}
	}
	if _, err := New(map[string][]string{"Public": {"*"}, "Editor": {"*"}}, ModeAction); err != nil {
		t.Fatal(err)
	}
}
