package realtime

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/sanitize"
)

// TestIdleMemory measures what an idle WebSocket connection (handshake and
// Socket.IO CONNECT done) holds in the server: heap, stacks and goroutines
// per connection, and the heap's allocation sites. It is the in-process
// companion of the loadgen "idle" scenario and runs only when asked:
//
//	IOHUB_IDLE_MEM=2000 go test -run TestIdleMemory -v ./hub/realtime/
//
// IOHUB_IDLE_MEM_PROFILE=dir also writes heap.pprof (every allocation
// sampled: exact sizes per site, and "other" then includes the profiler's
// own tables) and goroutines.txt there. The clients run in a child process
// (this test binary again, TestIdleMemClients), so their memory is not
// counted.
func TestIdleMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("IOHUB_IDLE_MEM"))
	if n <= 0 {
		t.Skip("set IOHUB_IDLE_MEM=<connections> to measure idle connections")
	}
	n = min(n, 10000)
	if os.Getenv("IOHUB_IDLE_MEM_PROFILE") != "" {
		runtime.MemProfileRate = 1 // every allocation, for exact sizes per site
	}
	// IOHUB_IDLE_PING=<duration> pings that often and measures after two
	// heartbeats: what a connection holds once it has answered pings.
	ping, _ := time.ParseDuration(os.Getenv("IOHUB_IDLE_PING"))
	rules, err := access.New(nil, access.Mode("action"))
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{
		IO:        IOOptions{PingInterval: ping}.WithDefaults(),
		Auth:      &testAuth{},
		Rules:     rules,
		Sanitizer: sanitize.New(nil),
	})
	s.SetHandlers(pingOnly{}) // as the benchmark's hub: the fast path reads events
	url := serve(t, s)

	before := idleSample()
	child := exec.Command(os.Args[0], "-test.run=^TestIdleMemClients$")
	child.Env = append(os.Environ(), "IOHUB_IDLE_CLIENTS="+url, "IOHUB_IDLE_N="+strconv.Itoa(n))
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close() // the child closes its connections and exits
		_ = child.Wait()
	}()
	start := time.Now()
	if !waitLine(stdout, "ready", 60*time.Second) {
		t.Fatal("the clients did not connect")
	}
	took := time.Since(start)
	waitSockets(t, s, int64(n))
	time.Sleep(500 * time.Millisecond) // let handshake goroutines end
	if ping > 0 {
		time.Sleep(2*ping + ping/2)
	}
	after := idleSample()

	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	t.Logf("%d connections in %v", n, took.Round(time.Millisecond))
	t.Logf("per connection: heap in use %.0f B, heap live %.0f B, stacks %.0f B, goroutines %.2f, heap objects %.1f, RSS %.0f B, Sys %.0f B",
		per(after.HeapInuse, before.HeapInuse), per(after.HeapAlloc, before.HeapAlloc),
		per(after.StackInuse, before.StackInuse),
		float64(after.goroutines-before.goroutines)/float64(n),
		per(after.HeapObjects, before.HeapObjects),
		per(after.rss, before.rss), per(after.Sys, before.Sys))
	t.Logf("per connection: heap idle not released %.0f B, GC metadata %.0f B, spans %.0f B, other %.0f B",
		per(after.HeapIdle-after.HeapReleased, before.HeapIdle-before.HeapReleased),
		per(after.GCSys, before.GCSys), per(after.MSpanInuse, before.MSpanInuse), per(after.OtherSys, before.OtherSys))

	if dir := os.Getenv("IOHUB_IDLE_MEM_PROFILE"); dir != "" {
		writeProfile(t, filepath.Join(dir, "heap.pprof"), func(w io.Writer) error { return pprof.WriteHeapProfile(w) })
		writeProfile(t, filepath.Join(dir, "goroutines.txt"), func(w io.Writer) error { return pprof.Lookup("goroutine").WriteTo(w, 1) })
	}
}

var noLimits = limit.Settings{}

// pingOnly binds "ping", as the benchmark's hub config does.
type pingOnly struct{}

func (pingOnly) Bound(event string) bool { return event == "ping" }

func (pingOnly) Handle(context.Context, *handler.Call) handler.Outcome {
	return handler.Outcome{Replied: true}
}

type idleStats struct {
	runtime.MemStats
	goroutines int
	rss        uint64
}

// idleSample reads memory after a few collections: the later ones free what
// the earlier ones' cleanups released, and shrink stacks (one halving each).
func idleSample() idleStats {
	for range 4 {
		runtime.GC()
	}
	var s idleStats
	runtime.ReadMemStats(&s.MemStats)
	s.goroutines = runtime.NumGoroutine()
	s.rss = selfRSS()
	return s
}

// selfRSS is VmRSS from /proc/self/status, 0 where there is none.
func selfRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func writeProfile(t *testing.T, path string, write func(io.Writer) error) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := write(f); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
