package wsframe

import (
	"testing"

	"github.com/zishang520/socket.io/v3/pkg/types"
)

// One broadcast's frame is prepared once, whatever the number of sockets; the
// cache forgets frames cacheSize broadcasts later.
func TestPreparedCache(t *testing.T) {
	first := types.NewStringBufferString(`42["message:create",{}]`)
	pm := prepared(first)
	if prepared(first) != pm {
		t.Fatal("the same frame was prepared twice")
	}
	if other := prepared(types.NewStringBufferString(`42["message:create",{}]`)); other == pm {
		t.Fatal("a different broadcast with equal bytes shared the entry (keys are frames, not contents)")
	}
	for i := 0; i < cacheSize; i++ {
		prepared(types.NewStringBufferString("4x"))
	}
	if prepared(first) == pm {
		t.Fatal("the frame survived cacheSize newer broadcasts")
	}
	cache.Lock()
	n := len(cache.byFrame)
	cache.Unlock()
	if n > cacheSize {
		t.Fatalf("cache holds %d frames, more than %d", n, cacheSize)
	}
}
