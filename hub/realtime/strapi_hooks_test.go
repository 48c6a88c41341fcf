package realtime

import (
	"log/slog"
	"reflect"
	"testing"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/sanitize"
)

// forgetAuth records the users it was told to forget.
type forgetAuth struct {
	testAuth
	forgot []string
}

func (a *forgetAuth) ForgetUser(id string) { a.forgot = append(a.forgot, id) }

// A user change reaches the authenticator in force (a reload swaps it), and
// one that keeps no users is left alone.
func TestUserChangedForgets(t *testing.T) {
	rules, err := access.New(nil, access.Mode("action"))
	if err != nil {
		t.Fatal(err)
	}
	first, second := &forgetAuth{}, &forgetAuth{}
	s := New(Options{IO: IOOptions{}.WithDefaults(), Auth: first, Rules: rules, Sanitizer: sanitize.New(nil),
		Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(s.Close)
	s.UserChanged("1", false)
	s.UserChanged("", true) // nobody
	s.SetAuth(second)
	s.UserChanged("2", true)
	s.SetAuth(&testAuth{})
	s.UserChanged("3", true)
	if !reflect.DeepEqual(first.forgot, []string{"1"}) || !reflect.DeepEqual(second.forgot, []string{"2"}) {
		t.Errorf("forgot %q and %q, want [1] and [2]", first.forgot, second.forgot)
	}
}
