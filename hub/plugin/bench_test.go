package plugin

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/internal/testreq"
)

// benchHandle measures one event through the host: envelope, pool, semaphore,
// deadline (WithCloseOnContextDone), the guest call and the reply effect, from
// GOMAXPROCS goroutines. It reports events/s. JavaScript handlers go through
// the same host, with the QuickJS VM's call in place of the guest call.
func benchHandle(b *testing.B, dir, module string, opts ...Options) {
	benchHandleCall(b, dir, module, func() *handler.Call {
		return event("e", true, map[string]any{"room": "lobby", "text": "hello there"})
	}, opts...)
}

func benchHandleCall(b *testing.B, dir, module string, mk func() *handler.Call, opts ...Options) {
	o := Options{}
	if len(opts) > 0 {
		o = opts[0]
	}
	// The deadline's length costs nothing per event; a long one keeps a
	// loaded machine's scheduling delays from failing the run.
	o.Timeout = time.Second
	h := newHost(b, dir, o, "e="+module)
	if !h.Bound("e") {
		b.Fatalf("module not loaded:\n%s", h.logs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		call := mk()
		for pb.Next() {
			if out := h.Handle(context.Background(), call); out.Error != "" {
				b.Error(out.Error)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkHandleWAT: a trivial handler (reads its input, replies) in WAT.
// Target (issue 3): 150k events/s on the 2-core machine.
func BenchmarkHandleWAT(b *testing.B) {
	dir := b.TempDir()
	install(b, dir, "reply", "r")
	benchHandle(b, dir, "r")
}

// BenchmarkHandleNoop: the same without the reply, to see the host's floor.
func BenchmarkHandleNoop(b *testing.B) {
	dir := b.TempDir()
	install(b, dir, "noop", "n")
	benchHandle(b, dir, "n")
}

// BenchmarkHandleGoSDK: the Go SDK's echo example, built with stock Go for
// wasip1. Target (issue 3): 50k events/s.
func BenchmarkHandleGoSDK(b *testing.B) {
	dir := b.TempDir()
	src, _ := filepath.Abs("../../sdk/go/example")
	if _, err := os.Stat(src); err != nil {
		b.Fatalf("Go SDK example not found: %v", err)
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", filepath.Join(dir, "echo.wasm"), ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building the Go SDK example: %v\n%s", err, out)
	}
	b.Logf("GOMAXPROCS=%d", runtime.GOMAXPROCS(0))
	benchHandle(b, dir, "echo")
}

// BenchmarkHandleCSDK: the C SDK's echo example (sdk/c/example), built with
// sdk/c/build.sh: the handler most bench/ and example handlers are written like.
func BenchmarkHandleCSDK(b *testing.B) {
	benchHandle(b, buildCEcho(b), "echo")
}

// BenchmarkHandleCSDKBig: the same echo with an envelope of about 5 KB: a
// 4 KB text argument (with escapes), token claims and 12 rooms, so the cost
// of reading what the echo does not need shows.
func BenchmarkHandleCSDKBig(b *testing.B) {
	dir := buildCEcho(b)
	benchHandleCall(b, dir, "echo", func() *handler.Call {
		c := event("e", true, map[string]any{"room": "lobby", "text": strings.Repeat("hello \"there\" ", 256)})
		c.Socket.Claims = map[string]any{"id": 7, "iat": 1700000000, "exp": 1700003600, "name": "Someone Long Named"}
		for i := 0; i < 12; i++ {
			c.Socket.Rooms = append(c.Socket.Rooms, "room:"+strings.Repeat("r", 20)+string(rune('a'+i)))
		}
		return c
	})
}

func buildCEcho(b *testing.B) string {
	dir := b.TempDir()
	builder, _ := filepath.Abs("../../sdk/c/build.sh")
	src, _ := filepath.Abs("../../sdk/c/example")
	out, err := exec.Command(builder, src, filepath.Join(dir, "echo.wasm")).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		testreq.Missing(b, "", "C toolchain", string(out))
	}
	if err != nil {
		b.Fatalf("%s: %v\n%s", builder, err, out)
	}
	return dir
}

// BenchmarkHandleJS: the JavaScript handler equivalent of the WAT and Go SDK
// echoes (reads its argument, answers the ack), through QuickJS.
func BenchmarkHandleJS(b *testing.B) {
	dir := b.TempDir()
	writeJS(b, dir, "echo.js", "module.exports = { name: 'e', handler: (ctx, socket, msg, ack) => { ack({ echo: msg.text }); } };")
	benchHandleJS(b, dir, "echo")
}

// BenchmarkHandleJSEmit: a JavaScript handler that also makes a
// permission-checked content emit and logs a line.
func BenchmarkHandleJSEmit(b *testing.B) {
	dir := b.TempDir()
	writeJS(b, dir, "emit.js", `module.exports = { name: 'e', handler: ({ strapi }, socket, msg, ack) => {
  strapi.$io.emit('api::message.message.create', { text: msg.text, room: msg.room });
  strapi.log.debug('emitted for ' + socket.id);
  ack({ ok: true });
} };`)
	benchHandleJS(b, dir, "emit")
}

func benchHandleJS(b *testing.B, dir, module string) {
	benchHandle(b, dir, module, Options{JSRuntime: jsRuntime(b)})
}

// BenchmarkHandleJSEcho: the ack scenario's JavaScript echo (bench/loadgen),
// rest parameters and the arguments sent back.
func BenchmarkHandleJSEcho(b *testing.B) {
	dir := b.TempDir()
	writeJS(b, dir, "echo.js", `module.exports = { name: 'e', handler: (ctx, socket, ...args) => {
  const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
  if (ack) ack({ lang: 'js', event: 'e', args });
} };`)
	benchHandleJS(b, dir, "echo")
}
