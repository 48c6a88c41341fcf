package wsframe

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// CONNECTs up to the size limit go to deliver, in stream order; everything
// else reaches the library as through the gate alone.
func TestHandoffTakesConnect(t *testing.T) {
	big := `40{"token":"` + strings.Repeat("x", 100) + `"}`
	stream := frames(
		clientFrame(finText, []byte(`40`)),
		clientFrame(finText, []byte(`42/admin,["a"]`)),
		clientFrame(finText, []byte(`40/admin,`)),
		clientFrame(finText, []byte(big)),
		clientFrame(finText, []byte(`3`)),
	)
	g := &guarded{Conn: &chunkConn{stream: stream, step: func() int { return 7 }}}
	var delivered []string
	armHandoff(g, 64, func(p []byte) { delivered = append(delivered, string(p)) })
	g.openGate()
	b, _ := readAll(g, func() int { return 4096 })
	if got := fmt.Sprint(delivered); got != `[40 40/admin,]` {
		t.Errorf("delivered %s", got)
	}
	if got, want := fmt.Sprint(dataMessages(t, b)), `[42/admin,["a"] `+big+` 3]`; got != want {
		t.Errorf("the library got %s, want %s", got, want)
	}
}

// Without a known size limit nothing is taken: the gate alone.
func TestHandoffOffWithoutLimit(t *testing.T) {
	stream := frames(clientFrame(finText, []byte(`40`)))
	g := &guarded{Conn: &chunkConn{stream: stream, step: func() int { return len(stream) }}}
	armHandoff(g, 0, func([]byte) { t.Error("delivered without a limit") })
	g.openGate()
	b, _ := readAll(g, func() int { return 4096 })
	if got := fmt.Sprint(dataMessages(t, b)); got != `[40]` {
		t.Errorf("the library got %s", got)
	}
}

// aside runs its function on another goroutine and returns after it.
func TestAside(t *testing.T) {
	here := goroutineID()
	var there string
	aside(func() {
		time.Sleep(10 * time.Millisecond)
		there = goroutineID()
	})
	if there == "" || there == here {
		t.Fatalf("ran on goroutine %q, the caller is %q", there, here)
	}
}

func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	return strings.Fields(string(buf))[1] // "goroutine <id> [running]:"
}
