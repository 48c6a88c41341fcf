//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// soakConfig is scenario (f): many WebSocket clients that answer every ping, a
// steady broadcast and churn, for several ping intervals. Any socket the
// server closes is a failure: nothing here gives it a reason to.
type soakConfig struct {
	clients      int
	duration     time.Duration
	rate         float64       // broadcasts per second
	churn        int           // clients replaced every churnEvery
	churnEvery   time.Duration //
	pingInterval time.Duration
	pingTimeout  time.Duration
}

type soakResult struct {
	Server       string   `json:"server"`
	Round        int      `json:"round"`
	Clients      int      `json:"clients"`
	Seconds      float64  `json:"seconds"`
	Pings        int64    `json:"pings"` // heartbeats answered by the clients
	Events       int64    `json:"events"`
	Replaced     int64    `json:"replaced"`
	Unexpected   int64    `json:"unexpected_disconnects"`
	FirstErr     string   `json:"first_error,omitempty"`
	PingInterval string   `json:"ping_interval"`
	Reasons      []string `json:"reasons,omitempty"`
}

// The ping interval is longer than the timeout, as in the defaults (25s/20s):
// then a ping timeout armed late is not cleared by the next ping, which is how
// a live socket used to be dropped (a pong that beat the arming of its
// timeout; see hub/realtime/internal/wsframe's pongAgain).
const soakSection = `
[IOServerOptions]
pingInterval = "%dms"
pingTimeout = "%dms"
`

// runSoak runs the soak against the hub (its heartbeat shortened so a short
// run sees many pings).
func runSoak(ctx context.Context, h *hubLauncher, cfg soakConfig, round int) (*soakResult, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(h.dir, "hub-soak.toml")
	body := h.config(port) +
		fmt.Sprintf(soakSection, cfg.pingInterval.Milliseconds(), cfg.pingTimeout.Milliseconds())
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		return nil, err
	}
	srv, err := launch(ctx, hubName, exec.Command(h.bin, "serve", "-config", path), port, "/hub/emit")
	if err != nil {
		return nil, err
	}
	defer srv.stop()

	var (
		mu         sync.Mutex
		live       = map[*client]*atomic.Bool{} // client -> closed by us
		unexpected atomic.Int64
		events     atomic.Int64
		pings      atomic.Int64
		firstErr   string
		reasons    = map[string]int{}
		watchers   sync.WaitGroup
	)
	add := func(n int) error {
		cs, err := connectMany(ctx, port, n, 50, func(_ int, c *client) {
			c.onEvent = func(string, []byte, time.Time) { events.Add(1) }
			c.onPing = func() { pings.Add(1) }
		})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, c := range cs {
			ours := &atomic.Bool{}
			live[c] = ours
			watchers.Add(1)
			go func() {
				defer watchers.Done()
				<-c.done
				if ours.Load() {
					return
				}
				unexpected.Add(1)
				mu.Lock()
				reason := fmt.Sprint(c.err)
				reasons[reason]++
				if firstErr == "" {
					firstErr = reason
				}
				delete(live, c)
				mu.Unlock()
			}()
		}
		return nil
	}
	closeSome := func(n int) int {
		mu.Lock()
		defer mu.Unlock()
		closed := 0
		for c, ours := range live { // map order: a random pick
			if closed == n {
				break
			}
			ours.Store(true)
			c.close()
			delete(live, c)
			closed++
		}
		return closed
	}

	if err := add(cfg.clients); err != nil {
		return nil, err
	}
	p := newPoster(srv.emitURL, 2)
	defer p.close()
	start := time.Now()
	end := start.Add(cfg.duration)
	tick := time.NewTicker(time.Duration(float64(time.Second) / cfg.rate))
	defer tick.Stop()
	nextChurn := start.Add(cfg.churnEvery)
	var replaced int64
	seq := 0
	for time.Now().Before(end) && ctx.Err() == nil {
		<-tick.C
		if err := p.post(fanoutBody(seq, time.Now(), 100)); err != nil {
			return nil, fmt.Errorf("soak post: %w", err)
		}
		seq++
		if time.Now().After(nextChurn) {
			nextChurn = nextChurn.Add(cfg.churnEvery)
			k := closeSome(min(cfg.churn, cfg.clients))
			if err := add(k); err != nil {
				return nil, err
			}
			replaced += int64(k)
		}
		if err := srv.alive(); err != nil {
			return nil, err
		}
	}
	elapsed := time.Since(start)
	closeSome(len(live))
	watchers.Wait()

	res := &soakResult{
		Server: hubName, Round: round, Clients: cfg.clients, Seconds: elapsed.Seconds(),
		Pings: pings.Load(), Events: events.Load(), Replaced: replaced,
		Unexpected: unexpected.Load(), FirstErr: firstErr, PingInterval: cfg.pingInterval.String(),
	}
	for r, n := range reasons {
		res.Reasons = append(res.Reasons, fmt.Sprintf("%dx %s", n, r))
	}
	return res, nil
}
