//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Scenario (c), ack round trips: clients each emit an event with an ack and
// wait for the answer before the next one. On the hub the answer comes from an
// echo handler, one row per kind: the C SDK's example ("ping"), the Go SDK's
// ("ping-go", both Wasm) and a JavaScript file run by QuickJS ("ping-js"); on
// the reference from a plain JS function ("ping"): the cost of server-side
// logic per client request.

type ackConfig struct {
	clients  int
	duration time.Duration
	timeout  time.Duration // an ack not back by then counts as failed
	event    string        // what the clients emit ("ping" when empty)
	lang     string        // when set, an answer with another "lang" fails
	// profile, when set, runs on the server for the measured window (-perf).
	profile func(srv *server, mode string, round int) (stop func() (writes int64))
}

type ackResult struct {
	Server       string  `json:"server"`
	Handler      string  `json:"handler,omitempty"` // hub: "c", "go" or "js" (scenario c)
	Event        string  `json:"event,omitempty"`
	Phase        string  `json:"phase,omitempty"` // scenario d: "steady" or "reloading"
	Round        int     `json:"round"`
	Clients      int     `json:"clients"`
	Seconds      float64 `json:"seconds"`
	RoundTrips   int64   `json:"roundTrips"`
	Failed       int64   `json:"failed"`
	PerSec       float64 `json:"perSec"`
	P50Ms        float64 `json:"p50Ms"`
	P99Ms        float64 `json:"p99Ms"`
	MaxMs        float64 `json:"maxMs"`
	ServerCPUSec float64 `json:"serverCpuSec"`
	CPUPerRTUs   float64 `json:"cpuPerRoundTripUs"`
	// ByLang counts answers by the "lang" field of the reply: which handler
	// build answered (scenario d shows both builds served while reloading).
	ByLang   map[string]int64 `json:"byLang"`
	Reloads  int              `json:"reloads,omitempty"`
	FirstErr string           `json:"firstError,omitempty"`
}

// acker is one client's side: the id it waits for and the channel its read
// loop hands the matching reply to.
type acker struct {
	c       *client
	replies chan ackReply
}

type ackReply struct {
	id   int64
	data []byte // copied out of the read buffer
	at   time.Time
}

// connectAckers opens n clients whose acks go to per-client channels.
func connectAckers(ctx context.Context, port, n int) ([]*acker, []*client, error) {
	ackers := make([]*acker, n)
	clients, err := connectMany(ctx, port, n, 50, func(i int, c *client) {
		a := &acker{c: c, replies: make(chan ackReply, 4)}
		c.onAck = func(id int64, data []byte, at time.Time) {
			select {
			case a.replies <- ackReply{id: id, data: bytes.Clone(data), at: at}:
			default: // a late answer nobody waits for any more
			}
		}
		ackers[i] = a
	})
	return ackers, clients, err
}

// driveAcks runs every acker's sequential ping loop for d and collects the
// round trips. Each ping carries a small object so the echo has work to do.
func driveAcks(ctx context.Context, ackers []*acker, cfg ackConfig) *ackResult {
	d, timeout, event := cfg.duration, cfg.timeout, cfg.event
	if event == "" {
		event = "ping"
	}
	type local struct {
		lat    []int32
		failed int64
		byLang map[string]int64
		err    string
	}
	locals := make([]local, len(ackers))
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	var seq atomic.Int64
	for i, a := range ackers {
		wg.Add(1)
		go func(l *local, a *acker) {
			defer wg.Done()
			l.byLang = map[string]int64{}
			fail := func(msg string) {
				l.failed++
				if l.err == "" {
					l.err = msg
				}
			}
			var id int64
			for time.Now().Before(end) && ctx.Err() == nil {
				id++
				n := seq.Add(1)
				sent := time.Now()
				if err := a.c.emitWithAck(id, event, []byte(`{"n":`+strconv.FormatInt(n, 10)+`,"text":"hello"}`)); err != nil {
					fail("emit: " + err.Error())
					return
				}
				timer := time.NewTimer(timeout)
			wait:
				for {
					select {
					case r := <-a.replies:
						if r.id != id {
							continue // a late answer to an earlier ping that timed out
						}
						lang, ok := stringField(r.data, "lang")
						if !ok {
							fail(fmt.Sprintf("ack without an echo: %s", r.data))
						} else if cfg.lang != "" && lang != cfg.lang {
							fail(fmt.Sprintf("ack from %q, want %q: %s", lang, cfg.lang, r.data))
						} else {
							l.byLang[lang]++
							l.lat = append(l.lat, int32(min(r.at.Sub(sent).Microseconds(), 1<<31-1)))
						}
						break wait
					case <-timer.C:
						fail(fmt.Sprintf("no ack in %v", timeout))
						break wait
					case <-a.c.done:
						fail(fmt.Sprintf("connection closed: %v", a.c.err))
						timer.Stop()
						return
					}
				}
				timer.Stop()
			}
		}(&locals[i], a)
	}
	wg.Wait()
	took := time.Since(start)
	res := &ackResult{Clients: len(ackers), Seconds: took.Seconds(), Event: event, ByLang: map[string]int64{}}
	var lats []int32
	for _, l := range locals {
		lats = append(lats, l.lat...)
		res.Failed += l.failed
		for k, v := range l.byLang {
			res.ByLang[k] += v
		}
		if res.FirstErr == "" {
			res.FirstErr = l.err
		}
	}
	res.RoundTrips = int64(len(lats))
	res.PerSec = float64(res.RoundTrips) / took.Seconds()
	q := quantilesUs(lats, 0.50, 0.99, 1)
	res.P50Ms, res.P99Ms, res.MaxMs = q[0]/1e3, q[1]/1e3, q[2]/1e3
	return res
}

func runAcks(ctx context.Context, l launcher, cfg ackConfig, round int) (*ackResult, error) {
	srv, err := l.start(ctx)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ackers, clients, err := connectAckers(ctx, srv.port, cfg.clients)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", srv.name, err)
	}
	defer closeAll(clients)
	stopProfile := func() int64 { return -1 }
	if cfg.profile != nil {
		stopProfile = cfg.profile(srv, "acks", round)
	}
	res, err := measureAcks(ctx, srv, ackers, cfg)
	stopProfile()
	if err != nil {
		return nil, err
	}
	res.Round = round
	return res, nil
}

// measureAcks drives the ackers and charges the server's CPU to the round trips.
func measureAcks(ctx context.Context, srv *server, ackers []*acker, cfg ackConfig) (*ackResult, error) {
	cpu0, err := procCPU(srv.pid())
	if err != nil {
		return nil, err
	}
	res := driveAcks(ctx, ackers, cfg)
	cpu1, err := procCPU(srv.pid())
	if err != nil {
		return nil, err
	}
	if err := srv.alive(); err != nil {
		return nil, err
	}
	res.Server = srv.name
	res.ServerCPUSec = (cpu1 - cpu0).Seconds()
	if res.RoundTrips > 0 {
		res.CPUPerRTUs = float64((cpu1 - cpu0).Microseconds()) / float64(res.RoundTrips)
	}
	return res, nil
}

// ackHandlers are the hub's rows of scenario (c), in table order.
var ackHandlers = []string{"c", "go", "js"}

var ackHandlerLabels = map[string]string{"c": "iohub (C SDK)", "go": "iohub (Go SDK)", "js": "iohub (JS)"}

// ackTarget is one row of scenario (c): a server and what its clients emit.
type ackTarget struct {
	l       launcher
	handler string // "c", "go" or "js" on the hub; "" for node
	event   string
	lang    string // the "lang" its answers carry
}

func (t ackTarget) label() string {
	if t.handler == "" {
		return t.l.name()
	}
	return ackHandlerLabels[t.handler]
}

// echoJS is the JavaScript row's handler: the reference's function, as a
// strapi-plugin-io events[] entry.
const echoJS = `// Written by bench/loadgen: scenario (c)'s echo as a JavaScript handler.
module.exports = {
  name: 'ping-js',
  handler: (ctx, socket, ...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    if (ack) ack({ lang: 'js', event: 'ping-js', args });
  },
};
`

// prepareAckTargets returns scenario (c)'s rows: node (when run), then the hub
// with each handler asked for. Each hub row gets its own plugin directory, so
// a hub loads only the handler measured (the C row's is the one the other
// scenarios use). A row whose toolchain or runtime is missing is skipped, with
// the reason returned.
func prepareAckTargets(ctx context.Context, repo, tmp string, hub *hubLauncher, node launcher, handlers []string, jsRuntime string) (ts []ackTarget, skipped []string, err error) {
	if node != nil {
		ts = append(ts, ackTarget{l: node, event: "ping", lang: "js"})
	}
	if hub == nil {
		return ts, nil, nil
	}
	for _, k := range ackHandlers {
		if !slices.Contains(handlers, k) {
			continue
		}
		h := *hub
		h.handlerKind = k
		t := ackTarget{l: &h, handler: k, event: "ping", lang: k}
		if k != "c" {
			t.event = "ping-" + k
			h.event = t.event
			h.pluginsDir = filepath.Join(tmp, "plugins-"+k)
			if err := os.MkdirAll(h.pluginsDir, 0o755); err != nil {
				return nil, nil, err
			}
		}
		switch k {
		case "go":
			h.handler = "echo-go"
			err := runIn(ctx, repo, "sdk/go/build.sh", "sdk/go/example", filepath.Join(h.pluginsDir, "echo-go.wasm"))
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ExitCode() == 3 { // build.sh: no usable Go
				skipped = append(skipped, fmt.Sprintf("acks: %s row: %s", t.label(), strings.Join(strings.Fields(err.Error()), " ")))
				continue
			} else if err != nil {
				return nil, nil, fmt.Errorf("build the Go echo handler: %w", err)
			}
		case "js":
			if jsRuntime == "" {
				jsRuntime = filepath.Join(repo, "node_modules", "quickjs-wasi", "quickjs.wasm")
			}
			if jsRuntime, err = filepath.Abs(jsRuntime); err != nil {
				return nil, nil, err
			}
			if _, err := os.Stat(jsRuntime); err != nil {
				skipped = append(skipped, fmt.Sprintf("acks: %s row: no QuickJS runtime at %s (run `npm ci` at the repository root, or give -js-runtime)", t.label(), jsRuntime))
				continue
			}
			h.handler, h.jsRuntime = "echo-js.js", jsRuntime
			if err := os.WriteFile(filepath.Join(h.pluginsDir, "echo-js.js"), []byte(echoJS), 0o644); err != nil {
				return nil, nil, err
			}
		}
		ts = append(ts, t)
	}
	return ts, skipped, nil
}

// runAckRound runs every row of scenario (c) once, the order reversed every
// other round.
func runAckRound(ctx context.Context, o *options, ts []ackTarget, round int, res *results, fail func(string, ...any)) error {
	ts = slices.Clone(ts)
	if round%2 == 0 {
		slices.Reverse(ts)
	}
	for _, t := range ts {
		cfg := o.ack
		cfg.event, cfg.lang = t.event, t.lang
		if o.perfDir != "" {
			name := "acks"
			if t.handler != "" {
				name += "-" + t.handler
			}
			cfg.profile = perfRecorder(o.perfDir, name)
		}
		logf("acks round %d: %s, %d clients emitting %q for %v", round, t.label(), cfg.clients, cfg.event, cfg.duration)
		r, err := runAcks(ctx, t.l, cfg, round)
		if err != nil {
			return fmt.Errorf("%s: %w", t.label(), err)
		}
		r.Handler = t.handler
		logf("  %.0f round trips/s, p50 %.2f ms, p99 %.2f ms, server CPU %.1f us/round trip, failed %d",
			r.PerSec, r.P50Ms, r.P99Ms, r.CPUPerRTUs, r.Failed)
		if r.Failed > 0 {
			fail("acks round %d on %s: %d failed acks (first: %s)", round, t.label(), r.Failed, r.FirstErr)
		}
		res.Acks = append(res.Acks, r)
	}
	return nil
}
