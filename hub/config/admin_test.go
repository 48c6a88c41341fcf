package config

import (
	"os"
	"path/filepath"
	"testing"
)

// hashOfSecret is bcrypt("s3cret") at cost 4, as bcryptjs (the Admin UI's
// own server) writes it.
const hashOfSecret = "$2a$04$ufoBOZ.IpVFW2ZbfZswvn.Co/.AGofpr0txVfsZ/p0mC451Zh0zD6"

func TestAdminDefaults(t *testing.T) {
	c, err := Parse(nil, "hub.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := Admin{ReadOnly: true, UIDir: DefaultAdminUIDir}
	if c.Admin != want {
		t.Errorf("got %+v, want %+v", c.Admin, want)
	}
}

func TestAdmin(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		want  Admin    // when probs is nil
		probs []string // lines without the "hub.toml: " prefix
	}{
		{name: "bcrypt hash, writable", src: "[admin]\nenabled = true\nusername = \"ops\"\npassword = \"" + hashOfSecret + "\"\nreadonly = false\nuiDir = \"ui\"\n",
			want: Admin{Enabled: true, Username: "ops", Password: hashOfSecret, UIDir: "ui"}},
		{name: "plain password", src: "[admin]\nenabled = true\nusername = \"ops\"\npassword = \"s3cret\"\n",
			want: Admin{Enabled: true, Username: "ops", Password: "s3cret", ReadOnly: true, UIDir: DefaultAdminUIDir}},
		{name: "disabled needs nothing", src: "[admin]\nenabled = false\n",
			want: Admin{ReadOnly: true, UIDir: DefaultAdminUIDir}},
		{name: "no UI", src: "[admin]\nuiDir = \"\"\n",
			want: Admin{ReadOnly: true}},
		{name: "credentials required", src: "[admin]\nenabled = true\n", probs: []string{
			`admin.username: must not be empty`, `admin.password: must not be empty`}},
		{name: "broken hash", src: "[admin]\nenabled = true\nusername = \"ops\"\npassword = \"$2a$10$short\"\n", probs: []string{
			`admin.password: starts like a bcrypt hash but is not a valid one (crypto/bcrypt: hashedSecret too short to be a bcrypted password)`}},
		{name: "unknown key", src: "[admin]\nreadOnly = true\n", probs: []string{
			`admin.readOnly: unknown key (did you mean "readonly"?)`}},
		{name: "not a bool", src: "[admin]\nenabled = \"yes\"\n", probs: []string{
			`admin.enabled: expected true or false, got "yes"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.src), "hub.toml")
			if tt.probs == nil {
				if err != nil {
					t.Fatal(err)
				}
				if c.Admin != tt.want {
					t.Errorf("got %+v, want %+v", c.Admin, tt.want)
				}
				return
			}
			want := make([]string, len(tt.probs))
			for i, w := range tt.probs {
				want[i] = "hub.toml: " + w
			}
			checkLines(t, err, want...)
		})
	}
}

func TestAdminIsBcrypt(t *testing.T) {
	if !IsBcrypt(hashOfSecret) || IsBcrypt("s3cret") || IsBcrypt("") {
		t.Error("IsBcrypt misjudged a hash or a plain password")
	}
}

// Load resolves uiDir against the config file's directory, like jsRuntime.
func TestAdminUIDirRelative(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hub.toml")
	if err := os.WriteFile(path, []byte("[admin]\nuiDir = \"ui/dist\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "ui/dist"); c.Admin.UIDir != want {
		t.Errorf("uiDir = %q, want %q", c.Admin.UIDir, want)
	}
}
