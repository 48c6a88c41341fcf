//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Scenario (c), ack round trips: clients each emit "ping" with an ack and wait
// for the answer before the next one. On the hub the answer comes from a Wasm
// handler (the C SDK's echo example), on the reference from a plain JS
// function: the cost of server-side logic per client request.

type ackConfig struct {
	clients  int
	duration time.Duration
	timeout  time.Duration // an ack not back by then counts as failed
	// profile, when set, runs on the server for the measured window (-perf).
	profile func(srv *server, mode string, round int) (stop func() (writes int64))
}

type ackResult struct {
	Server       string  `json:"server"`
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
func driveAcks(ctx context.Context, ackers []*acker, d, timeout time.Duration) *ackResult {
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
				if err := a.c.emitWithAck(id, "ping", []byte(`{"n":`+strconv.FormatInt(n, 10)+`,"text":"hello"}`)); err != nil {
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
	res := &ackResult{Clients: len(ackers), Seconds: took.Seconds(), ByLang: map[string]int64{}}
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
	res := driveAcks(ctx, ackers, cfg.duration, cfg.timeout)
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
