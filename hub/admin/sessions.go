package admin

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// The UI keeps the session id it was given at login and presents it instead
// of the credentials when it reconnects (a page reload, a restarted hub's
// node coming back): the Admin UI's own server keeps them a day.
const (
	sessionTTL  = 24 * time.Hour
	maxSessions = 1024 // logins beyond this push out the oldest session
)

// sessions are the session ids handed out at login, with their expiry. They
// live in memory: a restarted hub asks for the credentials again.
type sessions struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	m   map[string]time.Time // id -> expiry
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{ttl: sessionTTL, now: now, m: map[string]time.Time{}}
}

// create returns a new session id.
func (s *sessions) create() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	id := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.m) >= maxSessions {
		s.prune(now)
	}
	s.m[id] = now.Add(s.ttl)
	return id
}

// valid reports whether id was handed out and has not expired.
func (s *sessions) valid(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.m[id]
	if ok && !s.now().Before(exp) {
		delete(s.m, id)
		return false
	}
	return ok
}

// prune drops the expired sessions and, if that was not enough, the one that
// expires first.
func (s *sessions) prune(now time.Time) {
	var oldest string
	for id, exp := range s.m {
		if !now.Before(exp) {
			delete(s.m, id)
			continue
		}
		if oldest == "" || exp.Before(s.m[oldest]) {
			oldest = id
		}
	}
	if len(s.m) >= maxSessions {
		delete(s.m, oldest)
	}
}
