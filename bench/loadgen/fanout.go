//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Scenario (a), fan-out: N clients in the public role's room, M content events
// posted over HTTP, each delivered to every client. What strapi-plugin-io users
// do all day (one CMS write, every open page told), and where a server's
// per-socket write path decides everything.

type fanoutConfig struct {
	clients int
	events  int
	size    int     // bytes of each event's data object
	posters int     // concurrent HTTP posters
	rate    float64 // events/s; 0 = closed loop (post as fast as the server accepts)
	quiet   time.Duration
	stalled int // extra clients that never read (scenario stalled)
	// profile, when set, is started on the server for the measured window
	// (perf); the returned func stops it and returns the server's write system
	// calls in the window (-1 when not counted).
	profile func(srv *server, mode string, round int) (stop func() (writes int64))
}

// fanoutResult is one run against one server.
type fanoutResult struct {
	Server     string  `json:"server"`
	Mode       string  `json:"mode"` // "closed" or "rate"
	Round      int     `json:"round"`
	Clients    int     `json:"clients"`
	Events     int     `json:"events"`
	RatePerSec float64 `json:"rate,omitempty"`
	Expected   int64   `json:"expected"`
	Delivered  int64   `json:"delivered"`
	Lost       int64   `json:"lost"`
	Duplicated int64   `json:"duplicated"`
	PostErrors int64   `json:"postErrors"`
	// Seconds runs from the first post to the last delivery.
	Seconds    float64 `json:"seconds"`
	MsgsPerSec float64 `json:"msgsPerSec"`
	P50Ms      float64 `json:"p50Ms"`
	P99Ms      float64 `json:"p99Ms"`
	MaxMs      float64 `json:"maxMs"`
	// Server CPU (user+system, all threads) over the same window.
	ServerCPUSec float64 `json:"serverCpuSec"`
	CPUPerMsgUs  float64 `json:"cpuPerMsgUs"`
	// The load generator's own CPU per delivered message, for context.
	LoadgenCPUPerMsgUs float64 `json:"loadgenCpuPerMsgUs"`
	// With -perf: the server's write/writev/sendmsg/sendto calls in the
	// window, and per delivered message (the loopback write is the limit).
	WriteCalls   int64   `json:"writeCalls,omitempty"`
	WritesPerMsg float64 `json:"writesPerMsg,omitempty"`
}

// receiver is one client's view of the run. Only that client's read loop writes
// it (last is atomic because the waiter peeks at it).
type receiver struct {
	seen []uint8 // per sequence number: times received
	lat  []int32 // microseconds, send timestamp to receive
	dup  int64
	bad  int64 // events without a readable seq/t
	last atomic.Int64
}

// fanoutBody is the /hub/emit body: the data object is padded to exactly size
// bytes and carries the sequence number and the send time (unix ns; clients
// are on the same clock). seq -1 is the warm-up event.
func fanoutBody(seq int, sent time.Time, size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"event":"` + emitEvent + `","data":`)
	start := b.Len()
	b.WriteString(`{"seq":`)
	b.WriteString(strconv.Itoa(seq))
	b.WriteString(`,"t":`)
	b.WriteString(strconv.FormatInt(sent.UnixNano(), 10))
	b.WriteString(`,"pad":"`)
	for b.Len()-start < size-2 {
		b.WriteByte('x')
	}
	b.WriteString(`"}}`)
	return b.Bytes()
}

// poster posts bodies to a server's emit endpoint over kept-alive connections.
type poster struct {
	url    string
	client *http.Client
}

func newPoster(url string, conns int) *poster {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}
	return &poster{url: url, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (p *poster) post(body []byte) error {
	req, err := http.NewRequest(http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("emit: %d %s", resp.StatusCode, msg)
	}
	return nil
}

func (p *poster) close() { p.client.CloseIdleConnections() }

func runFanout(ctx context.Context, l launcher, cfg fanoutConfig, round int) (*fanoutResult, error) {
	srv, err := l.start(ctx)
	if err != nil {
		return nil, err
	}
	defer srv.stop()

	var delivered, warm atomic.Int64
	recvs := make([]*receiver, cfg.clients)
	clients, err := connectMany(ctx, srv.port, cfg.clients, 50, func(i int, c *client) {
		recvs[i], c.onEvent = newReceiver(cfg.events, &warm, &delivered)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: connect %d clients: %w", srv.name, cfg.clients, err)
	}
	defer closeAll(clients)
	if cfg.stalled > 0 {
		stalled, err := connectStalled(ctx, srv.port, cfg.stalled)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", srv.name, err)
		}
		defer func() { // they have no read loop to wait for
			for _, c := range stalled {
				c.close()
			}
		}()
	}

	p := newPoster(srv.emitURL, cfg.posters)
	defer p.close()
	// Warm-up: one event every client must get before measuring, which also
	// proves every socket is in the room.
	if err := p.post(fanoutBody(-1, time.Now(), cfg.size)); err != nil {
		return nil, fmt.Errorf("%s: warm-up: %w", srv.name, err)
	}
	if err := waitFor(ctx, 15*time.Second, func() bool { return warm.Load() >= int64(cfg.clients) }); err != nil {
		return nil, fmt.Errorf("%s: only %d of %d clients got the warm-up event: %w", srv.name, warm.Load(), cfg.clients, err)
	}

	cpu0, err := procCPU(srv.pid())
	if err != nil {
		return nil, err
	}
	self0 := selfCPU()
	stopProfile := func() int64 { return -1 }
	if cfg.profile != nil {
		stopProfile = cfg.profile(srv, modeName(cfg), round)
	}
	start := time.Now()
	var postErrs atomic.Int64
	postsDone := make(chan struct{})
	go func() {
		defer close(postsDone)
		postAll(ctx, p, cfg, start, &postErrs)
	}()

	expected := int64(cfg.clients) * int64(cfg.events)
	<-postsDone
	// Wait for every delivery, or for progress to stop for cfg.quiet.
	lastN, lastChange := int64(-1), time.Now()
	for delivered.Load() < expected {
		if err := srv.alive(); err != nil {
			return nil, err
		}
		if n := delivered.Load(); n != lastN {
			lastN, lastChange = n, time.Now()
		} else if time.Since(lastChange) > cfg.quiet {
			break
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		time.Sleep(20 * time.Millisecond)
	}
	cpu1, err := procCPU(srv.pid())
	if err != nil {
		return nil, err
	}
	self1 := selfCPU()
	writes := stopProfile()

	// Stop the read loops before reading their state.
	srv.stop()
	closeAll(clients)

	res := &fanoutResult{
		Server: srv.name, Mode: modeName(cfg), Round: round,
		Clients: cfg.clients, Events: cfg.events, Expected: expected,
		PostErrors: postErrs.Load(),
	}
	if cfg.rate > 0 {
		res.RatePerSec = cfg.rate
	}
	res.WriteCalls = writes
	t, err := tallyReceivers(recvs, expected, start)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", srv.name, err)
	}
	res.Lost, res.Duplicated = t.lost, t.dup
	res.Delivered, res.Seconds, res.MsgsPerSec = int64(len(t.lats)), t.seconds, t.perSec
	q := quantilesUs(t.lats, 0.50, 0.99, 1)
	res.P50Ms, res.P99Ms, res.MaxMs = q[0]/1e3, q[1]/1e3, q[2]/1e3
	res.ServerCPUSec = (cpu1 - cpu0).Seconds()
	if res.Delivered > 0 {
		res.CPUPerMsgUs = float64((cpu1 - cpu0).Microseconds()) / float64(res.Delivered)
		res.LoadgenCPUPerMsgUs = float64((self1 - self0).Microseconds()) / float64(res.Delivered)
		if writes >= 0 {
			res.WritesPerMsg = float64(writes) / float64(res.Delivered)
		}
	}
	return res, nil
}

func modeName(cfg fanoutConfig) string {
	if cfg.rate > 0 {
		return "rate"
	}
	if cfg.stalled > 0 {
		return "stalled"
	}
	return "closed"
}

// postAll posts the M events: in a closed loop (each poster posts its next
// event as soon as the previous one is accepted; the timestamp is taken just
// before posting), or paced at cfg.rate, where the timestamp is the scheduled
// time so a server that accepts late is charged for it (no coordinated omission).
func postAll(ctx context.Context, p *poster, cfg fanoutConfig, start time.Time, errs *atomic.Int64) {
	type job struct {
		seq int
		at  time.Time
	}
	jobs := make(chan job, cfg.events)
	var wg sync.WaitGroup
	for w := 0; w < cfg.posters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				at := j.at
				if at.IsZero() {
					at = time.Now()
				}
				if err := p.post(fanoutBody(j.seq, at, cfg.size)); err != nil {
					errs.Add(1)
				}
			}
		}()
	}
	for i := 0; i < cfg.events && ctx.Err() == nil; i++ {
		var at time.Time
		if cfg.rate > 0 {
			at = start.Add(time.Duration(float64(i) / cfg.rate * float64(time.Second)))
			if d := time.Until(at); d > 0 {
				time.Sleep(d)
			}
		}
		jobs <- job{seq: i, at: at}
	}
	close(jobs)
	wg.Wait()
}

// waitFor polls cond until it holds, ctx ends or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// newReceiver returns a client's receiver for a fan-out of events numbered
// from 0 and the event callback that fills it: sequence numbers seen (counting
// duplicates), latencies from the timestamp in the payload, and the warm-up
// event (-1) counted in warm.
func newReceiver(events int, warm, delivered *atomic.Int64) (*receiver, func(string, []byte, time.Time)) {
	r := &receiver{seen: make([]uint8, events), lat: make([]int32, 0, events)}
	return r, func(name string, args []byte, recv time.Time) {
		seq, ok1 := intField(args, "seq")
		sent, ok2 := intField(args, "t")
		if name != "message:create" || !ok1 || !ok2 || seq >= int64(len(r.seen)) || seq < -1 {
			r.bad++
			return
		}
		if seq == -1 {
			warm.Add(1)
			return
		}
		if r.seen[seq]++; r.seen[seq] > 1 {
			r.dup++
			return
		}
		r.lat = append(r.lat, int32(min(max(recv.UnixNano()-sent, 0)/1e3, 1<<31-1)))
		r.last.Store(recv.UnixNano())
		delivered.Add(1)
	}
}

// tally is what a fan-out's receivers saw, summed.
type tally struct {
	lost, dup int64
	lats      []int32 // every delivery's latency, microseconds
	seconds   float64 // start to the last delivery
	perSec    float64 // deliveries per second over seconds
}

// tallyReceivers sums recvs; it fails when a client got an event it could not
// read (the payload changed in transit).
func tallyReceivers(recvs []*receiver, expected int64, start time.Time) (tally, error) {
	t := tally{lats: make([]int32, 0, expected)}
	var lastNs int64
	for _, r := range recvs {
		for _, n := range r.seen {
			if n == 0 {
				t.lost++
			}
		}
		t.dup += r.dup
		t.lats = append(t.lats, r.lat...)
		lastNs = max(lastNs, r.last.Load())
		if r.bad > 0 {
			return t, fmt.Errorf("%d events without seq/t (payload changed in transit?)", r.bad)
		}
	}
	if lastNs > 0 {
		t.seconds = float64(lastNs-start.UnixNano()) / 1e9
	}
	if t.seconds > 0 {
		t.perSec = float64(len(t.lats)) / t.seconds
	}
	return t, nil
}
