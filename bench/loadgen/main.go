//go:build linux

// Command loadgen benchmarks iohub against the Node reference (socket.io 4.8.x
// doing what strapi-plugin-io does), starting both servers itself on 127.0.0.1
// and alternating them, round after round, under the same load:
//
//	(a) fanout  N clients in the public room, M content events posted over HTTP
//	    stalled the same with a client that never reads beside them
//	    rate    the same at a fixed event rate (latency under a steady load)
//	(b) idle    many idle connections: RSS and connect CPU per connection
//	(c) acks    sequential emit-with-ack: the hub's echo handlers (C and Go SDK
//	    Wasm, JavaScript on QuickJS) vs a JS function
//	(d) reload  (c) on the hub while its handler module is replaced repeatedly
//	(e) cluster (a) over several hub nodes joined through redis-server, against
//	    one node (iohub only)
//	(f) soak    many clients answering every ping, a steady broadcast and churn,
//	    for many (shortened) ping intervals: any socket the server closes is a
//	    failure (iohub only)
//
// It prints one table per scenario (medians over rounds, ratio iohub/node) and
// writes every run's raw numbers with -json. Run it through bench/run.sh; see
// BENCHMARKS.md for the method. Exits 1 when a correctness check fails (lost or
// duplicated messages, failed posts or acks), whatever the timings.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

var allScenarios = []string{"fanout", "stalled", "rate", "idle", "acks", "reload", "cluster", "soak"}

type options struct {
	scenarios, servers []string
	rounds             int
	fan                fanoutConfig
	rateEvents         int
	idle               idleConfig
	ack                ackConfig
	ackHandlers        []string
	jsRuntime          string
	reloadFor          time.Duration
	reloadEvery        time.Duration
	clusterNodes       int
	soak               soakConfig
	stalled            int
	jsonOut, perfDir   string
	repo               string
	timeout            time.Duration
}

// shortDefaults are -short's values for flags not given explicitly: enough to
// prove the harness works end to end (CI), far too little to measure anything.
var shortDefaults = map[string]string{
	"rounds": "1", "clients": "20", "events": "50", "rate-events": "25",
	"idle": "200", "ack-duration": "2s", "reload-duration": "2s", "quiet": "3s",
	"soak-clients": "300", "soak-duration": "8s",
}

func parseFlags() (*options, error) {
	o := &options{}
	var scen, servers, ackHandlersFlag string
	flag.StringVar(&scen, "scenarios", strings.Join(allScenarios, ","), "scenarios to run, comma-separated: "+strings.Join(allScenarios, ","))
	flag.StringVar(&servers, "servers", hubName+","+nodeName, "servers to run: iohub,node")
	flag.IntVar(&o.rounds, "rounds", 2, "runs per scenario and server (alternating); tables show the median")
	flag.IntVar(&o.fan.clients, "clients", 1000, "(a) fan-out clients")
	flag.IntVar(&o.fan.events, "events", 2000, "(a) closed-loop events")
	flag.IntVar(&o.fan.size, "size", 100, "(a) bytes of each event's data")
	flag.IntVar(&o.fan.posters, "posters", 4, "(a) concurrent HTTP posters")
	flag.Float64Var(&o.fan.rate, "rate", 25, "(a) fixed-rate scenario: events/s (each goes to every client)")
	flag.IntVar(&o.rateEvents, "rate-events", 500, "(a) fixed-rate scenario: events")
	flag.DurationVar(&o.fan.quiet, "quiet", 10*time.Second, "(a) give up waiting for deliveries after this long without progress")
	flag.IntVar(&o.idle.conns, "idle", 10000, "(b) idle connections")
	flag.IntVar(&o.idle.parallel, "idle-parallel", 100, "(b) handshakes in flight while connecting")
	flag.DurationVar(&o.idle.settle, "idle-settle", 2*time.Second, "(b) wait before reading RSS")
	flag.IntVar(&o.ack.clients, "ack-clients", 100, "(c, d) clients doing sequential acks")
	flag.DurationVar(&o.ack.duration, "ack-duration", 10*time.Second, "(c) time per run")
	flag.DurationVar(&o.ack.timeout, "ack-timeout", 5*time.Second, "(c, d) an ack later than this fails")
	flag.StringVar(&ackHandlersFlag, "ack-handlers", strings.Join(ackHandlers, ","), "(c) the hub's echo handlers, one row each: c (C SDK), go (Go SDK), js (JavaScript)")
	flag.StringVar(&o.jsRuntime, "js-runtime", "", "(c) quickjs.wasm for the js row (default: node_modules/quickjs-wasi/quickjs.wasm of the repository)")
	flag.DurationVar(&o.reloadFor, "reload-duration", 10*time.Second, "(d) time per phase (steady, then reloading)")
	flag.DurationVar(&o.reloadEvery, "reload-every", 300*time.Millisecond, "(d) module rewrite interval (the hub debounces 150ms)")
	flag.IntVar(&o.clusterNodes, "cluster-nodes", 3, "(e) hub nodes in the cluster scenario (2..5); clients, events, size and posters as in (a)")
	flag.IntVar(&o.stalled, "stalled", 1, "(a') clients that never read")
	flag.IntVar(&o.soak.clients, "soak-clients", 3000, "(f) soak clients")
	flag.DurationVar(&o.soak.duration, "soak-duration", 2*time.Minute, "(f) soak time")
	flag.Float64Var(&o.soak.rate, "soak-rate", 20, "(f) broadcasts per second")
	flag.IntVar(&o.soak.churn, "soak-churn", 100, "(f) clients replaced every -soak-churn-every")
	flag.DurationVar(&o.soak.churnEvery, "soak-churn-every", 2*time.Second, "(f) churn period")
	flag.DurationVar(&o.soak.pingInterval, "soak-ping-interval", 600*time.Millisecond, "(f) the hub's pingInterval")
	flag.DurationVar(&o.soak.pingTimeout, "soak-ping-timeout", 500*time.Millisecond, "(f) the hub's pingTimeout (below the interval, as in the defaults)")
	flag.StringVar(&o.jsonOut, "json", "", "write every run's raw numbers to this file")
	flag.StringVar(&o.perfDir, "perf", "", "record perf CPU profiles (and write call counts) of each fan-out and ack run into this `dir` (perturbs the numbers)")
	flag.StringVar(&o.repo, "repo", "", "repository root (default: found from the working directory)")
	flag.DurationVar(&o.timeout, "timeout", 45*time.Minute, "give up after this long")
	short := flag.Bool("short", false, "tiny sizes and one round: a smoke test of the harness (CI)")
	flag.Parse()
	if flag.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", flag.Args())
	}
	if *short {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range shortDefaults {
			if !set[name] {
				if err := flag.Set(name, v); err != nil {
					return nil, err
				}
			}
		}
	}
	o.scenarios = splitList(scen)
	for _, s := range o.scenarios {
		if !slices.Contains(allScenarios, s) {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", s, strings.Join(allScenarios, ","))
		}
	}
	o.servers = splitList(servers)
	for _, s := range o.servers {
		if s != hubName && s != nodeName {
			return nil, fmt.Errorf("unknown server %q (have iohub,node)", s)
		}
	}
	o.ackHandlers = splitList(ackHandlersFlag)
	for _, h := range o.ackHandlers {
		if !slices.Contains(ackHandlers, h) {
			return nil, fmt.Errorf("unknown ack handler %q (have %s)", h, strings.Join(ackHandlers, ","))
		}
	}
	// Bounded load, whatever the flags say: this runs on shared machines.
	switch {
	case o.rounds < 1 || o.rounds > 20:
		return nil, errors.New("-rounds must be 1..20")
	case o.fan.clients < 1 || o.fan.clients > 20000, o.idle.conns < 1 || o.idle.conns > 20000, o.ack.clients < 1 || o.ack.clients > 5000:
		return nil, errors.New("client counts must be 1..20000 (-ack-clients 1..5000)")
	case o.fan.events < 1 || o.fan.events > 100000, o.rateEvents < 1 || o.rateEvents > 100000:
		return nil, errors.New("-events and -rate-events must be 1..100000")
	case o.fan.size < 64 || o.fan.size > 64<<10:
		return nil, errors.New("-size must be 64..65536 (the payload carries a sequence number and a timestamp)")
	case o.fan.posters < 1 || o.fan.posters > 64, o.fan.rate <= 0 || o.fan.rate > 10000:
		return nil, errors.New("-posters must be 1..64 and -rate 0..10000")
	case o.ack.duration > 10*time.Minute, o.reloadFor > 10*time.Minute:
		return nil, errors.New("durations must be at most 10m")
	case o.clusterNodes < 2 || o.clusterNodes > 5:
		return nil, errors.New("-cluster-nodes must be 2..5")
	case o.soak.clients < 1 || o.soak.clients > 20000, o.soak.duration > 30*time.Minute,
		o.soak.rate <= 0 || o.soak.rate > 1000, o.soak.churnEvery < 100*time.Millisecond,
		o.soak.pingInterval < 100*time.Millisecond, o.soak.pingTimeout < 100*time.Millisecond:
		return nil, errors.New("-soak-clients must be 1..20000, -soak-duration at most 30m, -soak-rate 0..1000, -soak-churn-every and the ping settings at least 100ms")
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// findRepo walks up from the working directory to the iohub checkout.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "bench", "reference", "server.mjs")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the iohub repository (no bench/reference/server.mjs above the working directory); use -repo")
		}
		dir = parent
	}
}

// results is everything one invocation measured (the -json file).
type results struct {
	Started  time.Time       `json:"started"`
	Machine  machine         `json:"machine"`
	Settings map[string]any  `json:"settings"`
	Fanout   []*fanoutResult `json:"fanout,omitempty"`
	Rate     []*fanoutResult `json:"rate,omitempty"`
	Stalled  []*fanoutResult `json:"stalled,omitempty"`
	Idle     []*idleResult   `json:"idle,omitempty"`
	Acks     []*ackResult    `json:"acks,omitempty"`
	Reload   []*reloadResult `json:"reload,omitempty"`
	Skipped  []string        `json:"skipped,omitempty"`
	Failures []string        `json:"failures,omitempty"`

	// Cluster is scenario (e), iohub only.
	Cluster []*clusterResult `json:"cluster,omitempty"`
	// Soak is scenario (f), iohub only.
	Soak []*soakResult `json:"soak,omitempty"`
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, o.timeout)
	defer cancelT()
	res, err := run(ctx, o)
	if res != nil {
		printTables(o, res)
		if o.jsonOut != "" {
			data, _ := json.MarshalIndent(res, "", "  ")
			if werr := os.WriteFile(o.jsonOut, append(data, '\n'), 0o644); werr != nil {
				fmt.Fprintln(os.Stderr, "loadgen:", werr)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	if len(res.Failures) > 0 {
		fmt.Fprintf(os.Stderr, "\nloadgen: FAILED checks:\n  %s\n", strings.Join(res.Failures, "\n  "))
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// run prepares both servers and runs every scenario, round by round, with the
// server order alternating each round so neither always runs on a warmer (or
// busier) machine.
func run(ctx context.Context, o *options) (*results, error) {
	repo := o.repo
	if repo == "" {
		var err error
		if repo, err = findRepo(); err != nil {
			return nil, err
		}
	}
	limit := raiseFileLimit()
	tmp, err := os.MkdirTemp("", "iohub-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	launchers := map[string]launcher{}
	var hub *hubLauncher
	var builds [2][]byte
	if slices.Contains(o.servers, hubName) {
		logf("building the hub and the echo handlers")
		h, cWasm, rustWasm, err := prepareHub(ctx, repo, tmp)
		if err != nil {
			return nil, err
		}
		hub, launchers[hubName] = h, h
		if builds[0], err = os.ReadFile(cWasm); err != nil {
			return nil, err
		}
		if rustWasm != "" {
			builds[1], err = os.ReadFile(rustWasm)
		} else {
			builds[1] = withCustomSection(builds[0], "bench-reload")
		}
		if err != nil {
			return nil, err
		}
	}
	if slices.Contains(o.servers, nodeName) {
		n, err := prepareNode(ctx, repo)
		if err != nil {
			return nil, err
		}
		launchers[nodeName] = n
	}
	res := &results{Started: time.Now().UTC(), Machine: describeMachine(repo, limit), Settings: settings(o)}
	var ackTargets []ackTarget
	if slices.Contains(o.scenarios, "acks") {
		var skipped []string
		if ackTargets, skipped, err = prepareAckTargets(ctx, repo, tmp, hub, launchers[nodeName], o.ackHandlers, o.jsRuntime); err != nil {
			return nil, err
		}
		for _, s := range skipped {
			logf("%s; skipped", s)
		}
		res.Skipped = append(res.Skipped, skipped...)
	}
	logf("machine: %d CPUs, %s, %s, node %s, socket.io %s, load %s",
		res.Machine.CPUs, res.Machine.CPUModel, res.Machine.Go, res.Machine.Node, res.Machine.SocketIO, res.Machine.LoadAvg)

	order := func(round int) []launcher {
		var ls []launcher
		for _, name := range o.servers {
			ls = append(ls, launchers[name])
		}
		if round%2 == 1 {
			slices.Reverse(ls)
		}
		return ls
	}
	fail := func(format string, args ...any) { res.Failures = append(res.Failures, fmt.Sprintf(format, args...)) }

	for _, sc := range o.scenarios {
		for round := 1; round <= o.rounds; round++ {
			if sc == "reload" {
				if hub == nil {
					logf("reload: iohub only, and -servers leaves it out; skipped")
					break
				}
				cfg := reloadConfig{ack: o.ack, every: o.reloadEvery, builds: builds}
				cfg.ack.duration = o.reloadFor
				logf("reload round %d: iohub, %d clients, %v steady then %v reloading every %v", round, cfg.ack.clients, cfg.ack.duration, cfg.ack.duration, cfg.every)
				r, err := runReload(ctx, hub, cfg, round)
				if err != nil {
					return res, fmt.Errorf("reload: %w", err)
				}
				res.Reload = append(res.Reload, r)
				for _, a := range []*ackResult{r.Steady, r.Reloading} {
					logf("  %s: %.0f round trips/s, p99 %.2f ms, failed %d, by lang %v", a.Phase, a.PerSec, a.P99Ms, a.Failed, a.ByLang)
					if a.Failed > 0 {
						fail("reload round %d (%s): %d failed acks (first: %s)", round, a.Phase, a.Failed, a.FirstErr)
					}
				}
				continue
			}
			if sc == "acks" {
				if err := runAckRound(ctx, o, ackTargets, round, res, fail); err != nil {
					return res, fmt.Errorf("acks: %w", err)
				}
				continue
			}
			if sc == "soak" {
				if hub == nil {
					logf("soak: iohub only, and -servers leaves it out; skipped")
					break
				}
				logf("soak round %d: iohub, %d clients for %v, %.0f broadcasts/s, %d replaced every %v, ping every %v (timeout %v)",
					round, o.soak.clients, o.soak.duration, o.soak.rate, o.soak.churn, o.soak.churnEvery, o.soak.pingInterval, o.soak.pingTimeout)
				r, err := runSoak(ctx, hub, o.soak, round)
				if err != nil {
					return res, fmt.Errorf("soak: %w", err)
				}
				res.Soak = append(res.Soak, r)
				logf("  %.0fs: %d pings, %d events, %d replaced, %d unexpected disconnects %v", r.Seconds, r.Pings, r.Events, r.Replaced, r.Unexpected, r.Reasons)
				if r.Unexpected > 0 {
					fail("soak round %d: %d sockets closed by the server (first: %s)", round, r.Unexpected, r.FirstErr)
				}
				continue
			}
			if sc == "cluster" {
				if hub == nil {
					logf("cluster: iohub only, and -servers leaves it out; skipped")
					break
				}
				if err := runClusterRound(ctx, hub, o, round, res, fail); err != nil {
					var skip errSkip
					if errors.As(err, &skip) {
						logf("  %v", err)
						res.Skipped = append(res.Skipped, skip.reason)
						break
					}
					return res, fmt.Errorf("cluster: %w", err)
				}
				continue
			}
			for _, l := range order(round) {
				if err := runOne(ctx, o, sc, l, round, res, fail); err != nil {
					var skip errSkip
					if errors.As(err, &skip) {
						logf("  %v", err)
						res.Skipped = append(res.Skipped, skip.reason)
						continue
					}
					return res, fmt.Errorf("%s: %w", sc, err)
				}
			}
		}
	}
	return res, nil
}

// runOne runs one scenario once against one server and records the result.
func runOne(ctx context.Context, o *options, sc string, l launcher, round int, res *results, fail func(string, ...any)) error {
	switch sc {
	case "fanout", "rate", "stalled":
		cfg := o.fan
		switch sc {
		case "fanout":
			cfg.rate = 0
		case "stalled":
			cfg.rate, cfg.stalled = 0, o.stalled
		default:
			cfg.events = o.rateEvents
		}
		if o.perfDir != "" {
			cfg.profile = perfRecorder(o.perfDir, sc)
		}
		logf("%s round %d: %s, %d clients, %d events", sc, round, l.name(), cfg.clients, cfg.events)
		r, err := runFanout(ctx, l, cfg, round)
		if err != nil {
			return err
		}
		logf("  %.0f msgs/s in %.1fs, p50 %.1f ms, p99 %.1f ms, server CPU %.2f us/msg, lost %d, dup %d",
			r.MsgsPerSec, r.Seconds, r.P50Ms, r.P99Ms, r.CPUPerMsgUs, r.Lost, r.Duplicated)
		if r.Lost > 0 || r.Duplicated > 0 || r.PostErrors > 0 {
			fail("%s round %d on %s: %d lost, %d duplicated, %d failed posts", sc, round, r.Server, r.Lost, r.Duplicated, r.PostErrors)
		}
		switch sc {
		case "fanout":
			res.Fanout = append(res.Fanout, r)
		case "stalled":
			res.Stalled = append(res.Stalled, r)
		default:
			res.Rate = append(res.Rate, r)
		}
	case "idle":
		logf("idle round %d: %s, %d connections", round, l.name(), o.idle.conns)
		r, err := runIdle(ctx, l, o.idle, round)
		if err != nil {
			return err
		}
		logf("  %.1f KiB/conn, %.1f us CPU/conn, %.0f conns/s", r.BytesPerConn/1024, r.CPUPerConnUs, r.ConnsPerSec)
		res.Idle = append(res.Idle, r)
	}
	return nil
}

func settings(o *options) map[string]any {
	return map[string]any{
		"rounds": o.rounds, "servers": o.servers, "scenarios": o.scenarios,
		"clients": o.fan.clients, "events": o.fan.events, "size": o.fan.size, "posters": o.fan.posters,
		"rate": o.fan.rate, "rateEvents": o.rateEvents,
		"idle": o.idle.conns, "idleParallel": o.idle.parallel,
		"ackClients": o.ack.clients, "ackDuration": o.ack.duration.String(), "ackHandlers": o.ackHandlers,
		"reloadDuration": o.reloadFor.String(), "reloadEvery": o.reloadEvery.String(),
		"clusterNodes": o.clusterNodes,
	}
}

func printTables(o *options, res *results) {
	w := os.Stdout
	rounds := fmt.Sprintf("median of %d round(s)", o.rounds)
	if len(res.Fanout) > 0 {
		fanoutTable(fmt.Sprintf("(a) fan-out, closed loop: %d clients x %d events of %d B, %d posters (%s)",
			o.fan.clients, o.fan.events, o.fan.size, o.fan.posters, rounds), res.Fanout).write(w)
	}
	if len(res.Stalled) > 0 {
		fanoutTable(fmt.Sprintf("(a') fan-out as (a), with %d more clients that never read (4 KiB receive buffer); compare msgs/s with (a) (%s)",
			o.stalled, rounds), res.Stalled).write(w)
	}
	if len(res.Rate) > 0 {
		fanoutTable(fmt.Sprintf("(a) fan-out, fixed rate: %d clients x %d events at %g/s = %s deliveries/s offered (%s)",
			o.fan.clients, o.rateEvents, o.fan.rate, rate(o.fan.rate*float64(o.fan.clients)), rounds), res.Rate).write(w)
	}
	if len(res.Idle) > 0 {
		idleTable(fmt.Sprintf("(b) idle connections: %d (%s)", o.idle.conns, rounds), res.Idle).write(w)
	}
	if len(res.Acks) > 0 {
		ackTable(fmt.Sprintf("(c) ack round trips: %d clients, sequential, %v per run; iohub: an echo handler per column, the C SDK's (Wasm, event \"ping\"), the Go SDK's (Wasm, \"ping-go\"), JavaScript (QuickJS, \"ping-js\"); node: a JS function (\"ping\") (%s)",
			o.ack.clients, o.ack.duration, rounds), res.Acks).write(w)
	}
	if len(res.Reload) > 0 {
		reloadTable(fmt.Sprintf("(d) iohub acks during hot reload: %d clients, %v per phase, module replaced every %v (%s)",
			o.ack.clients, o.reloadFor, o.reloadEvery, rounds), res.Reload).write(w)
	}
	if len(res.Cluster) > 0 {
		clusterTable(fmt.Sprintf("(e) cross-node fan-out, closed loop: %d clients x %d events of %d B, %d posters, %d hub nodes + redis-server vs 1 node (%s)",
			o.fan.clients, o.fan.events, o.fan.size, o.fan.posters, o.clusterNodes, rounds), o.clusterNodes, res.Cluster).write(w)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "\nskipped: %s\n", s)
	}
}
