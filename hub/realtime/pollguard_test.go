package realtime

import "testing"

func TestValidPayload(t *testing.T) {
	for _, tt := range []struct {
		payload string
		valid   bool
	}{
		{"40", true},
		{`42["hi",1]`, true},
		{"3", true},
		{"4hello\x1e42[\"x\"]\x1e3", true},
		{"bAQID", true},      // binary message, base64
		{"4\x1ebAQID", true}, // mixed
		{"", false},
		{"abc", false},
		{"7", false},
		{"4\x1e", false}, // an empty packet
		{"\x1e4", false}, // an empty packet
		{"b!!!!", false}, // not base64
		{"42[\"x\"]\x1ezz", false},
	} {
		if got := validPayload([]byte(tt.payload)); got != tt.valid {
			t.Errorf("validPayload(%q) = %v, want %v", tt.payload, got, tt.valid)
		}
	}
}

// FuzzValidPayload: any POST body is judged without panicking.
func FuzzValidPayload(f *testing.F) {
	f.Add([]byte("42[\"hi\"]\x1e3"))
	f.Add([]byte("bAQID"))
	f.Fuzz(func(t *testing.T, b []byte) { _ = validPayload(b) })
}
