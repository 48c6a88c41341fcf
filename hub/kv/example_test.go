package kv_test

import (
	"context"
	"fmt"

	"github.com/iohub/iohub/hub/kv"
)

// Handlers keep counters in a Store; each handler module gets its own
// namespace of it, so two modules' keys never meet.
func ExampleNamespace() {
	ctx := context.Background()
	store := kv.NewMemory()
	presence := kv.Namespace(store, "presence")
	chat := kv.Namespace(store, "chat")
	_, _ = presence.Add(ctx, "online", 2, 0)
	n, _ := presence.Add(ctx, "online", 1, 0)
	_, found, _ := chat.Get(ctx, "online")
	fmt.Println(n, found)
	// Output: 3 false
}
