//go:build !wasip1

package iohub

import (
	"bytes"
	"errors"
	"testing"
)

func TestBinary(t *testing.T) {
	nativeBinaries = [][]byte{{1, 2, 3}, {}}
	t.Cleanup(func() { nativeBinaries = nil })
	tests := []struct {
		i    int
		want []byte
		err  error
	}{
		{0, []byte{1, 2, 3}, nil},
		{1, []byte{}, nil},
		{2, nil, ErrNotFound},
		{-1, nil, ErrNotFound},
	}
	for _, tt := range tests {
		got, err := Binary(tt.i)
		if !errors.Is(err, tt.err) || !bytes.Equal(got, tt.want) || (err == nil && got == nil) {
			t.Errorf("Binary(%d) = %v, %v; want %v, %v", tt.i, got, err, tt.want, tt.err)
		}
	}
	i, err := Attach([]byte("xy"))
	if err != nil || i != 2 {
		t.Fatalf("Attach = %d, %v", i, err)
	}
	if b, _ := Binary(i); string(b) != "xy" {
		t.Errorf("attached %q", b)
	}
	if got := string(AppendPlaceholder([]byte("["), 12)); got != `[{"_placeholder":true,"num":12}` {
		t.Errorf("AppendPlaceholder = %s", got)
	}
}
