package realtime

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/zishang520/socket.io/v3/pkg/types"
)

func TestPrepare(t *testing.T) {
	plain := map[string]any{"a": []any{"x", 1.0}}
	if got := prepare(plain); reflect.ValueOf(got).Pointer() != reflect.ValueOf(plain).Pointer() {
		t.Error("prepare copied data without binary")
	}
	in := map[string]any{
		"buf":    types.NewBytesBuffer([]byte("bytes")),
		"str":    types.NewStringBufferString("text"),
		"reader": io.MultiReader(strings.NewReader("rea"), strings.NewReader("der")),
		"sr":     strings.NewReader("string reader"),
		"keep":   "as is",
	}
	got := prepare(in).(map[string]any)
	want := map[string]any{
		"buf":    []byte("bytes"),
		"str":    "text",
		"reader": []byte("reader"),
		"sr":     "string reader",
		"keep":   "as is",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	if _, ok := in["buf"].(types.BufferInterface); !ok {
		t.Error("prepare changed the caller's map")
	}
	// Twice: what was read once is in the prepared copy, for the local emit and
	// for the op alike.
	if again := prepare(got); !reflect.DeepEqual(again, want) {
		t.Errorf("prepared twice: %#v", again)
	}
}
