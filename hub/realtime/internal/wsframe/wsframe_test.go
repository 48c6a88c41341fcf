package wsframe

import (
	"testing"

	"github.com/zishang520/socket.io/v3/pkg/types"
)

// One broadcast's frame is built once, whatever the number of sockets; the
// cache forgets frames cacheSize broadcasts later.
func TestPreparedCache(t *testing.T) {
	first := types.NewStringBufferString(`42["message:create",{}]`)
	var c frameCache
	f := c.frame(first)
	if &c.frame(first)[0] != &f[0] {
		t.Fatal("the same frame was prepared twice")
	}
	if other := c.frame(types.NewStringBufferString(`42["message:create",{}]`)); &other[0] == &f[0] {
		t.Fatal("a different broadcast with equal bytes shared the entry (keys are frames, not contents)")
	}
	for i := 0; i < cacheSize; i++ {
		c.frame(types.NewStringBufferString("4x"))
	}
	if &c.frame(first)[0] == &f[0] {
		t.Fatal("the frame survived cacheSize newer broadcasts")
	}
	c.Lock()
	n := len(c.byPayload)
	c.Unlock()
	if n > cacheSize {
		t.Fatalf("cache holds %d frames, more than %d", n, cacheSize)
	}
}

func TestAppendHeader(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "\x81\x00"},
		{125, "\x81\x7d"},
		{126, "\x81\x7e\x00\x7e"},
		{65535, "\x81\x7e\xff\xff"},
		{65536, "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"},
	} {
		if got := string(appendHeader(nil, 1, tt.n)); got != tt.want {
			t.Errorf("header(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
