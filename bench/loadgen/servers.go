//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The two servers under test. Each run starts a fresh process (so memory and
// CPU counters start from the same place for both) on a free 127.0.0.1 port.

const (
	hubName  = "iohub"
	nodeName = "node"

	apiToken = "bench-api-token"
	// emitEvent is the content event every fan-out posts; the public role holds
	// exactly this permission in the hub's config, like a Strapi role would.
	emitEvent = "api::message.message.create"
)

// launcher starts one kind of server.
type launcher interface {
	name() string
	start(ctx context.Context) (*server, error)
}

// server is one running server process.
type server struct {
	name    string
	port    int
	emitURL string // POST target taking {"event":...,"data":...}
	cmd     *exec.Cmd
	logs    *tailBuffer
	exited  chan struct{}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM, waits a while for a graceful exit, then kills.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// alive reports an error when the process has exited.
func (s *server) alive() error {
	select {
	case <-s.exited:
		return fmt.Errorf("%s exited: %v; last output:\n%s", s.name, s.cmd.ProcessState, s.logs)
	default:
		return nil
	}
}

// hubLauncher runs the hub binary built from ./cmd/hub on a temp config.
type hubLauncher struct {
	bin        string // built binary
	dir        string // holds hub.toml
	pluginsDir string // holds echo.wasm (the ack handler), or scenario (c)'s row's
	// event is bound to handler by an [[events]] entry ("ping" to "echo" when
	// empty); handlerKind ("c", "go", "js": scenario (c)'s row) names the config.
	event, handler, handlerKind string
	jsRuntime                   string // quickjs.wasm, for a .js handler
}

func (h *hubLauncher) name() string { return hubName }

// hubConfig is the hub's benchmark config: anonymous sockets in Public, which
// may receive the posted content event; one client event ("ping" by default)
// goes to the echo handler; the rest (transports websocket+polling, heartbeat,
// limits) are the defaults.
const hubConfig = `# Written by bench/loadgen for one run.
listen = "127.0.0.1:%d"
logLevel = "warn"
publicRoleName = "Public"

[[events]]
name = %q
handler = %q

[auth]
jwtSecret = "bench-jwt-secret-0123456789abcdef0123"

[roles.Public]
permissions = ["%s"]

[api]
tokens = ["%s"]

[plugins]
dir = %q
`

// config renders hubConfig for a hub on port.
func (h *hubLauncher) config(port int) string {
	event, handler := h.event, h.handler
	if event == "" {
		event, handler = "ping", "echo"
	}
	s := fmt.Sprintf(hubConfig, port, event, handler, emitEvent, apiToken, h.pluginsDir)
	if h.jsRuntime != "" {
		s += fmt.Sprintf("jsRuntime = %q\n", h.jsRuntime)
	}
	return s
}

func (h *hubLauncher) start(ctx context.Context) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	name := "hub.toml"
	if h.handlerKind != "" && h.handlerKind != "c" {
		name = "hub-" + h.handlerKind + ".toml"
	}
	cfg := filepath.Join(h.dir, name)
	if err := os.WriteFile(cfg, []byte(h.config(port)), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(h.bin, "serve", "-config", cfg)
	return launch(ctx, hubName, cmd, port, "/hub/emit")
}

// nodeLauncher runs bench/reference/server.mjs.
type nodeLauncher struct {
	script string
}

func (n *nodeLauncher) name() string { return nodeName }

func (n *nodeLauncher) start(ctx context.Context) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", n.script, strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "TOKEN="+apiToken)
	return launch(ctx, nodeName, cmd, port, "/emit")
}

// launch starts cmd and waits until its Socket.IO endpoint answers a polling
// handshake (both servers allow polling, and it needs no config to know the
// server is ready).
func launch(ctx context.Context, name string, cmd *exec.Cmd, port int, emitPath string) (*server, error) {
	logs := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = logs, logs
	// The server dies with the load generator, whatever kills it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{
		name:    name,
		port:    port,
		emitURL: "http://127.0.0.1:" + strconv.Itoa(port) + emitPath,
		cmd:     cmd,
		logs:    logs,
		exited:  make(chan struct{}),
	}
	go func() { _ = cmd.Wait(); close(s.exited) }()

	probe := "http://127.0.0.1:" + strconv.Itoa(port) + "/socket.io/?EIO=4&transport=polling"
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := s.alive(); err != nil {
			return nil, err
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s did not answer on port %d in 20s; output:\n%s", name, port, logs)
		}
		resp, err := http.Get(probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort asks the kernel for a free 127.0.0.1 port. Another process could
// take it before the server binds it; launch then fails loudly.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it (a server's output, for
// error messages).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// prepareHub builds the hub and the two echo handler modules into tmp. rustWasm
// is "" when the Rust toolchain is missing (the reload scenario then alternates
// the C build with a copy that differs by a custom section).
func prepareHub(ctx context.Context, repo, tmp string) (h *hubLauncher, cWasm, rustWasm string, err error) {
	h = &hubLauncher{
		bin:        filepath.Join(tmp, "hub"),
		dir:        tmp,
		pluginsDir: filepath.Join(tmp, "plugins"),
	}
	if err := os.MkdirAll(h.pluginsDir, 0o755); err != nil {
		return nil, "", "", err
	}
	if err := runIn(ctx, repo, "go", "build", "-o", h.bin, "./cmd/hub"); err != nil {
		return nil, "", "", fmt.Errorf("build the hub: %w", err)
	}
	cWasm = filepath.Join(tmp, "echo-c.wasm")
	if err := runIn(ctx, repo, "sdk/c/build.sh", "sdk/c/example", cWasm); err != nil {
		return nil, "", "", fmt.Errorf("build the C echo handler (scenarios c and d need it): %w", err)
	}
	rustWasm = filepath.Join(tmp, "echo-rust.wasm")
	if err := runIn(ctx, repo, "sdk/rust/build.sh", "sdk/rust/example", rustWasm); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: no Rust echo build (%v); reload alternates two variants of the C build\n", err)
		rustWasm = ""
	}
	data, err := os.ReadFile(cWasm)
	if err != nil {
		return nil, "", "", err
	}
	if err := os.WriteFile(filepath.Join(h.pluginsDir, "echo.wasm"), data, 0o644); err != nil {
		return nil, "", "", err
	}
	return h, cWasm, rustWasm, nil
}

// prepareNode installs the reference's npm packages (from its lockfile) when
// they are missing.
func prepareNode(ctx context.Context, repo string) (*nodeLauncher, error) {
	dir := filepath.Join(repo, "bench", "reference")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io")); err != nil {
		if err := runIn(ctx, dir, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"); err != nil {
			return nil, fmt.Errorf("npm ci in bench/reference: %w", err)
		}
	}
	return &nodeLauncher{script: filepath.Join(dir, "server.mjs")}, nil
}

// runIn runs a build command in dir, returning its output in the error.
func runIn(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
		}
		return err
	}
	return nil
}
