package config

import (
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(""))
	// Seeds stay small: the fuzzer minimises every new interesting input, which
	// takes long on large ones.
	f.Add([]byte("[IOServerOptions.cors]\norigin = \"*\"\n[auth]\njwtSecret = \"${S:-x}\"\nleeway = \"1m\"\n[strapi]\nurl = \"http://h/\"\n[api]\ntokens = [\"t\"]\n"))
	f.Add([]byte("listen = \"${HOME}:1\"\n[IOServerOptions]\npingInterval = 25000\ntransports = [\"websocket\"]\n"))
	f.Add([]byte("contentTypes = { message = [\"craete\"], chat = \"*\" }\n[auth]\nalgorithms = [\"none\"]\n"))
	f.Add([]byte("[[events]]\nname = \"connection\"\nhandler = \"x\"\n[events.config]\na = [\"${\", { b = \"$$\" }]\n"))
	f.Add([]byte("[plugins]\nmemoryLimit = \"1.5MiB\"\n[roles.\"a b\"]\npermissions = [\"api::*\"]\n"))
	f.Add([]byte("a = [1,\n"))
	f.Add([]byte("[strapi]\nurl = \"http://cms:1337\"\napiToken = \"${T:-x}\"\nversion = 5\npayload = \"flat\"\nsyncInterval = 500\nuserCacheTTL = \"1m\"\n"))
	f.Add([]byte("[cluster]\nredis = \"rediss://:${P:-x}@h:1/2\"\nnodeId = \"n\"\ntlsInsecureSkipVerify = true\n"))
	f.Add([]byte("[http]\nreadTimeout = \"5s\"\nidleTimeout = 1000\nwriteTimeout = \"1m\"\nmaxHeaderBytes = \"8KiB\"\n"))
	f.Add([]byte("[limits]\nmaxConnections = 100\nmaxConnectionsPerIP = 5\nhandshakesPerSecondPerIP = 0.5\neventsPerSecond = 20\neventsBurst = 40\ntrustedProxies = [\"10.0.0.0/8\", \"::1\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.toml")
		if err != nil {
			var p *Problems
			if !errors.As(err, &p) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if c != nil || len(p.List) == 0 || p.Error() == "" {
				t.Fatalf("bad result: %v, %#v", c, p)
			}
			return
		}
		if c == nil {
			t.Fatal("nil config without error")
		}
		// What Parse accepts, Validate accepts too.
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate after Parse: %v", err)
		}
	})
}
