// Package cluster lets several hub nodes behind one load balancer act as one
// hub, through Redis.
//
// A Node is the Redis variant of realtime.Broker (realtime.MemoryBroker is
// the in-process one). The node's realtime server applies every delivery
// (content events, raw emits, what handlers do to sockets, Strapi user
// changes) to its own sockets at once and publishes it through the Node, as a
// small op on one Redis pub/sub channel; every other node applies the op to
// its own sockets and skips the ops it published itself. Each socket lives on
// exactly one node, so each gets one copy.
//
// The library's Redis adapter is not used: it was measured to drop
// broadcasts without a room, with several rooms or with only an except list,
// to turn binary into {}, and to re-deliver acked broadcasts. Ops carry the
// hub's own operations instead, decided on the origin node (permission checks,
// sanitising) and applied verbatim elsewhere.
//
// Guarantees: while Redis is reachable, every op reaches every node once, and
// the ops of one origin arrive in the order they were made. While it is not
// (down, or hung: a health check unanswered for hangAfter), each node keeps
// delivering to its own sockets, ops for other nodes are dropped (counted,
// never replayed), /hub/health reports "degraded", and delivery across nodes
// resumes by itself when Redis is back. Each op is counted once: published
// (Redis answered), dropped (certainly not published) or unconfirmed (written
// without an answer); see Stats.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iohub/iohub/hub/kv"
	"github.com/iohub/iohub/hub/realtime"
)

// Options configure a Node.
type Options struct {
	// Redis is the Redis server's URL,
	// "redis://[[user]:password@]host[:port][/db]", or "rediss://..." for
	// TLS. Required.
	Redis string
	// NodeID is this node's name in the cluster: letters, digits, '.', '_'
	// and '-', at most 64 bytes, its own on every node. "": a random one.
	NodeID string
	// ChannelPrefix starts every Redis channel and key the node uses, so that
	// several clusters can share one database. "": "iohub".
	ChannelPrefix string
	// TLSCAFile is a PEM file of the CA certificates that sign the Redis
	// server's (rediss:// only). "": the system's roots.
	TLSCAFile string
	// TLSInsecureSkipVerify accepts any server certificate (rediss:// only;
	// for tests, never in production). false: it is verified.
	TLSInsecureSkipVerify bool
	// Logger gets the cluster's log lines. Nil discards them.
	Logger *slog.Logger
	// CheckInterval is how often Redis is checked. Zero means 500ms.
	CheckInterval time.Duration
	// StartTimeout bounds how long New waits for Redis before starting
	// degraded. Zero means 3s.
	StartTimeout time.Duration
}

// Node is this hub's membership in the cluster: the realtime server's Broker
// over Redis, the handlers' shared state (KV) and the cluster's part of
// /hub/health and the metrics. Safe for concurrent use.
type Node struct {
	id string
	// self is how this node's encoded ops start, {"n":"<id>", (ids need no
	// JSON escaping: New allows letters, digits and ".-_" only, and
	// generated ids are made of those).
	self    string
	channel string
	prefix  string                            // the nodeKey prefix and KV prefix start with it
	apply   atomic.Pointer[func(realtime.Op)] // nil until Start
	log     *slog.Logger
	rdb     *redis.Client
	pub     *redis.Client // the publisher's; see newPublishClient
	kv      *kv.Redis
	check   time.Duration
	wait    time.Duration // StartTimeout, defaults applied

	queue   chan []byte // encoded ops, in publish order, for the publisher
	ps      atomic.Pointer[redis.PubSub]
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closing atomic.Bool

	up          atomic.Bool  // ops are published and received: healthy
	pubOK       atomic.Bool  // the last check (or publish) reached Redis
	published   atomic.Int64 // ops Redis acknowledged
	dropped     atomic.Int64 // ops certainly not published
	unconfirmed atomic.Int64 // ops written to Redis without an answer: maybe published
	nodes       atomic.Int64 // nodes seen by the last check
	applied     atomic.Int64 // ops from other nodes applied here
	badOps      atomic.Int64 // ops received that did not decode

	mu         sync.Mutex // guards the state below
	connected  bool       // Connect started the loops
	pingOK     bool
	subscribed bool
	lastErr    error
	downSince  time.Time
	everUp     bool
	downLogged bool
	droppedAt  int64 // dropped when the outage began
	firstUp    chan struct{}
	checks     int64 // health checks started
	answered   int64 // the last check that got an answer (or failed)
}

// Tuning.
const (
	queueSize    = 8192                   // ops waiting for the publisher
	maxBatch     = 512                    // ops per pipelined round trip
	queueWait    = 5 * time.Second        // how long a full queue may hold an emitter
	nodeTTL      = 5 * time.Second        // a node not seen for this long is gone
	receiveWait  = 5 * time.Second        // idle subscription: ping after this long
	maxBackoff   = time.Second            // reconnect attempts while Redis is down
	closeTimeout = 2 * time.Second        // flushing and leaving on Close
	startDefault = 3 * time.Second        // Options.StartTimeout default
	checkDefault = 500 * time.Millisecond // Options.CheckInterval default
	hangAfter    = 500 * time.Millisecond // a check unanswered this long: degraded
	publishWait  = 30 * time.Second       // the publisher waits this long for Redis's answer
	healthUp     = "up"                   // /hub/health cluster.redis while healthy
	healthDown   = "down"                 // and while not
	opsChannel   = ":ops"                 // channel suffix
	nodesKey     = ":nodes"               // sorted set: node id -> last seen (ms)
	kvPrefix     = ":kv:"                 // handler state keys
	nodeIDBytes  = 4                      // random bytes of a generated node id
	hostMax      = 40                     // hostname bytes kept in a generated id
	startupPing  = 2 * time.Second        // first check's limit
	opTimeout    = 3 * time.Second        // one Redis round trip
	leaveTimeout = 500 * time.Millisecond // removing the node from the set on Close
)

// New builds a node without touching the network: it fails only when the
// options are unusable (the URL, the TLS files, the node id). Connect joins
// the cluster; until then the node is degraded and publishes nothing.
func New(opts Options) (*Node, error) {
	if opts.ChannelPrefix == "" {
		opts.ChannelPrefix = defaultChannelPrefix
	}
	if opts.NodeID == "" {
		opts.NodeID = generateID()
	}
	if !validNodeID(opts.NodeID) {
		return nil, fmt.Errorf("cluster: node id %q: expected letters, digits, '.', '_' and '-', at most %d bytes", opts.NodeID, maxNodeID)
	}
	rdb, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	pub, err := newPublishClient(opts)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	n := &Node{
		id:      opts.NodeID,
		self:    `{"n":"` + opts.NodeID + `",`,
		channel: opts.ChannelPrefix + opsChannel,
		prefix:  opts.ChannelPrefix,
		log:     opts.Logger,
		rdb:     rdb,
		pub:     pub,
		kv:      kv.NewRedis(rdb, opts.ChannelPrefix+kvPrefix),
		check:   opts.CheckInterval,
		queue:   make(chan []byte, queueSize),
		firstUp: make(chan struct{}),
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.check <= 0 {
		n.check = checkDefault
	}
	n.wait = opts.StartTimeout
	if n.wait <= 0 {
		n.wait = startDefault
	}
	setRedisLogger(n.log)

	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n, nil
}

// Connect joins the cluster: it connects to Redis and starts the node's
// loops. It waits up to StartTimeout for Redis; if Redis cannot be reached by
// then the node runs degraded (local delivery only) and joins when Redis
// answers. It fails when Redis refuses the connection (a wrong password, a
// missing database), or the node is closed. Calling it again does nothing.
func (n *Node) Connect() error {
	n.mu.Lock()
	if n.closing.Load() {
		n.mu.Unlock()
		return errors.New("cluster: Connect after Close")
	}
	if n.connected {
		n.mu.Unlock()
		return nil
	}
	n.mu.Unlock()
	// A server that answers with an error (a wrong password, a bad database)
	// will not change its mind: refuse to start. An unreachable one may come.
	pctx, pcancel := context.WithTimeout(context.Background(), startupPing)
	err := n.rdb.Ping(pctx).Err()
	pcancel()
	if isServerError(err) {
		return fmt.Errorf("cluster: redis refused the connection: %w", err)
	}
	n.warnDuplicateID()

	n.mu.Lock()
	if n.closing.Load() {
		n.mu.Unlock()
		return errors.New("cluster: Connect after Close")
	}
	if n.connected { // another Connect got here first
		n.mu.Unlock()
		return nil
	}
	n.connected = true
	n.wg.Add(3)
	n.mu.Unlock()
	go n.publisher()
	go n.subscriber()
	go n.monitor()

	select {
	case <-n.firstUp:
	case <-time.After(n.wait):
		n.mu.Lock()
		n.logDown()
		n.mu.Unlock()
	}
	state := healthUp
	if !n.up.Load() {
		state = healthDown
	}
	n.log.Info("cluster: node started", "node", n.id, "channel", n.channel, "redis", state)
	return nil
}

// ID is this node's id.
func (n *Node) ID() string { return n.id }

// KV is the handler state shared by all nodes, on the node's Redis.
func (n *Node) KV() kv.Store { return n.kv }

// Degraded reports whether ops cannot currently cross to other nodes.
func (n *Node) Degraded() bool { return !n.up.Load() }

// Health is the node's part of /hub/health: a "cluster" object, and
// "status": "degraded" (httpapi.StatusDegraded) while ops cannot cross to the
// other nodes. The probe needs no token, so the Redis error stays in the log.
func (n *Node) Health() map[string]any {
	c := map[string]any{
		"node":    n.id,
		"redis":   healthUp,
		"nodes":   n.nodes.Load(),
		"dropped": n.dropped.Load(),
		// Sent without an answer (the connection failed mid-way): other
		// nodes may or may not have them.
		"unconfirmed": n.unconfirmed.Load(),
	}
	out := map[string]any{"cluster": c}
	if !n.up.Load() {
		c["redis"] = healthDown
		out["status"] = "degraded"
	}
	return out
}

// Close leaves the cluster: it publishes the ops still queued (for at most a
// couple of seconds), stops the loops and closes the Redis connections. Ops
// made after Close are applied locally only. A node never connected closes
// without touching the network.
func (n *Node) Close() {
	if !n.closing.CompareAndSwap(false, true) {
		return
	}
	n.cancel()
	n.mu.Lock() // a Connect under way either started its loops or will not
	connected := n.connected
	n.mu.Unlock()
	if !connected {
		_ = n.rdb.Close()
		_ = n.pub.Close()
		return
	}
	if ps := n.ps.Load(); ps != nil {
		_ = ps.Close()
	}
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(closeTimeout + leaveTimeout):
		// A hung Redis holds the publisher's read (go-redis does not watch
		// the context while it reads): closing the client ends it.
		_ = n.pub.Close()
		_ = n.rdb.Close()
		<-done
	}
	ctx, cancel := context.WithTimeout(context.Background(), leaveTimeout)
	_ = n.rdb.ZRem(ctx, n.prefix+nodesKey, n.id).Err()
	cancel()
	_ = n.rdb.Close()
	_ = n.pub.Close()
}

// Stats are the node's state and op counters, for metrics.
type Stats struct {
	Up          bool  // ops cross to the other nodes
	Nodes       int64 // live nodes seen by the last check
	Published   int64 // ops Redis acknowledged
	Received    int64 // ops of other nodes applied here
	Dropped     int64 // ops certainly not published
	Unconfirmed int64 // ops written to Redis that it never acknowledged
}

// Stats reports the node's state and counters.
func (n *Node) Stats() Stats {
	return Stats{
		Up:          n.up.Load(),
		Nodes:       n.nodes.Load(),
		Published:   n.published.Load(),
		Received:    n.applied.Load(),
		Dropped:     n.dropped.Load(),
		Unconfirmed: n.unconfirmed.Load(),
	}
}

// generateID makes a node id from the host name and random bytes, readable in
// logs and unique across restarts.
// defaultChannelPrefix is Options.ChannelPrefix's default, as
// cluster.channelPrefix's.
const defaultChannelPrefix = "iohub"

// maxNodeID bounds a node id, as config does.
const maxNodeID = 64

// validNodeID reports whether id is a usable node id: ops embed it in JSON
// unescaped (Node.self).
func validNodeID(id string) bool {
	if id == "" || len(id) > maxNodeID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func generateID() string {
	var b [nodeIDBytes]byte
	_, _ = rand.Read(b[:])
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return -1
	}, host)
	if len(host) > hostMax {
		host = host[:hostMax]
	}
	if host == "" {
		host = "node"
	}
	return host + "-" + hex.EncodeToString(b[:])
}
