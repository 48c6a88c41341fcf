package config

import (
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Admin is `[admin]`: the server side of the official Socket.IO Admin UI
// (npm @socket.io/admin-ui) on the "/admin" namespace, and the UI itself at
// /hub/admin/.
type Admin struct {
	// Enabled is `enabled`. Default false: there is no "/admin" namespace
	// (clients asking for it get "Invalid namespace") and /hub/admin/ is not
	// served.
	Enabled bool `toml:"enabled"`

	// Username is `username`, the login the UI asks for. Required when
	// enabled.
	Username string `toml:"username"`

	// Password is `password`, required when enabled: a bcrypt hash ("$2a$",
	// "$2b$" or "$2y$", as the Admin UI's own server takes; after `npm ci` at
	// the repository root, `node -e 'console.log(require("bcryptjs").hashSync(process.argv[1], 10))' secret`
	// prints one) or, if it is not one, the password itself in plain text.
	Password string `toml:"password"`

	// ReadOnly is `readonly`. Default true: the UI shows sockets, rooms and
	// stats but the hub refuses its join, leave and disconnect actions. false
	// lets whoever has the credentials move sockets between rooms (role rooms
	// included, which decide what a socket receives) and disconnect them.
	ReadOnly bool `toml:"readonly"`

	// UIDir is `uiDir`, the built UI (ui/dist of the npm package) served at
	// /hub/admin/. Default "node_modules/@socket.io/admin-ui/ui/dist", where
	// `npm ci` at the repository root puts it. Load resolves a relative path
	// against the config file's directory; Parse leaves it as written. "" serves
	// no UI (use one hosted elsewhere; it then needs
	// [IOServerOptions.cors]). A missing directory is not a config error: the
	// hub logs how to install it.
	UIDir string `toml:"uiDir"`
}

// DefaultAdminUIDir is where `npm ci` at the repository root puts the UI.
const DefaultAdminUIDir = "node_modules/@socket.io/admin-ui/ui/dist"

func defaultAdmin() Admin {
	return Admin{ReadOnly: true, UIDir: DefaultAdminUIDir}
}

// IsBcrypt reports whether an admin password is a bcrypt hash rather than
// plain text.
func IsBcrypt(password string) bool {
	_, err := bcrypt.Cost([]byte(password))
	return err == nil
}

func (d *decoder) validateAdmin(p keyPath, a *Admin) {
	if !a.Enabled {
		return
	}
	d.nonEmpty(p.key("username"), a.Username)
	pp := p.key("password")
	d.nonEmpty(pp, a.Password)
	// Something that starts like a bcrypt hash but is not one would otherwise
	// become a plain-text password nobody can type.
	if strings.HasPrefix(a.Password, "$2") && !IsBcrypt(a.Password) && d.ok(pp) {
		_, err := bcrypt.Cost([]byte(a.Password))
		d.add(pp, "starts like a bcrypt hash but is not a valid one ("+err.Error()+")")
	}
}
