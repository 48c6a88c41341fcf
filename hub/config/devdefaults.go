package config

import "slices"

// The development defaults of the shipped hub.toml: known to everyone who has
// read it, so a hub that still uses them accepts forged tokens and API calls.
const (
	DevJWTSecret = "iohub-development-secret-change-me"
	DevAPIToken  = "iohub-development-token"
)

// DevDefault is a development default still in use: Key names it, Fix says
// what to set instead.
type DevDefault struct {
	Key, Fix string
}

// DevDefaults lists the development defaults c still uses, for the warning
// at start and `hub check`. Empty when there are none.
func (c *Config) DevDefaults() []DevDefault {
	var out []DevDefault
	if c.Auth.JWTSecret == DevJWTSecret {
		out = append(out, DevDefault{"auth.jwtSecret",
			"set JWT_SECRET (the shipped hub.toml reads it) or auth.jwtSecret to your Strapi's users-permissions jwtSecret"})
	}
	if i := slices.Index(c.API.Tokens, DevAPIToken); i >= 0 {
		out = append(out, DevDefault{keyPath(nil).key("api").key("tokens").at(i).String(),
			"set HUB_API_TOKEN (the shipped hub.toml reads it) or api.tokens to a long random secret, e.g. the output of `openssl rand -hex 32`"})
	}
	return out
}
