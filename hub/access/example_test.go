package access_test

import (
	"fmt"

	"github.com/iohub/iohub/hub/access"
)

// A permission table decides which roles receive a content event, as
// strapi-plugin-io does: in ModeAction a role needs the action's own
// permission (or a wildcard).
func Example() {
	rules, err := access.New(map[string][]string{
		"Public":        {"api::message.message.find"},
		"Authenticated": {"api::message.message.*"},
	}, access.ModeAction)
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := access.ParseEvent("api::message.message.create")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Name(), rules.Recipients(ev))
	// Output: message:create [Authenticated]
}
