package admin

import (
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newSessions(func() time.Time { return now })
	id := s.create()
	if len(id) != 32 || !s.valid(id) || s.valid("other") || s.valid("") {
		t.Fatalf("fresh session %q not valid, or a made-up one valid", id)
	}
	now = now.Add(sessionTTL)
	if s.valid(id) {
		t.Error("session valid after its TTL")
	}
}

func TestSessionsBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newSessions(func() time.Time { return now })
	first := s.create()
	for range maxSessions {
		now = now.Add(time.Second)
		s.create()
	}
	if len(s.m) != maxSessions {
		t.Errorf("%d sessions kept, want at most %d", len(s.m), maxSessions)
	}
	if s.valid(first) {
		t.Error("the oldest session survived a full store")
	}
}
