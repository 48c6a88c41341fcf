package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iohub/iohub/hub/config"
)

// newClient makes the Redis client of a node from [cluster]. Commands are never
// retried: a retried PUBLISH or INCRBY whose first attempt did reach Redis
// would deliver or count twice, and exactly-once matters more here than
// riding out a blip (the op is counted as dropped instead).
func newClient(c config.Cluster) (*redis.Client, error) {
	opt, err := redis.ParseURL(c.Redis)
	if err != nil {
		// The URL may hold a password: do not repeat it.
		return nil, errors.New("cluster: cluster.redis is not a usable redis:// or rediss:// URL")
	}
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.DialTimeout = 2 * time.Second
	opt.ReadTimeout = opTimeout
	opt.WriteTimeout = opTimeout
	opt.ContextTimeoutEnabled = true
	opt.DisableIdentity = true // CLIENT SETINFO is unknown to Redis < 7.2
	if opt.TLSConfig != nil {
		if c.TLSCAFile != "" {
			pem, err := os.ReadFile(c.TLSCAFile)
			if err != nil {
				return nil, fmt.Errorf("cluster: tlsCAFile: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("cluster: tlsCAFile %s holds no PEM certificate", c.TLSCAFile)
			}
			opt.TLSConfig.RootCAs = pool
		}
		opt.TLSConfig.InsecureSkipVerify = c.TLSInsecureSkipVerify //nolint:gosec // opt-in, documented as test-only
		opt.TLSConfig.MinVersion = tls.VersionTLS12
	}
	return redis.NewClient(opt), nil
}

// isServerError reports whether Redis answered with an error (as opposed to not
// answering at all).
func isServerError(err error) bool {
	var re redis.Error
	return err != nil && errors.As(err, &re)
}

// redisLogger sends go-redis's own log lines (reconnect attempts, one per
// failure) to the debug level: the node logs an outage once, itself.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug("cluster: go-redis: " + fmt.Sprintf(format, v...))
}

var setLoggerOnce sync.Once

func setRedisLogger(log *slog.Logger) {
	// go-redis has one process-wide logger; the first node's logger wins.
	setLoggerOnce.Do(func() { redis.SetLogger(redisLogger{log: log}) })
}

// publish sends an encoded op to the other nodes, in order. While Redis is
// down it is dropped at once (and counted); a full queue holds the caller for
// at most queueWait, so a slow Redis slows emitters instead of losing ops.
func (n *Node) publish(o *op, v any) {
	if n.closing.Load() || !n.pubOK.Load() {
		n.dropped.Add(1)
		return
	}
	o.Node = n.id
	b, err := encodeOp(o, v)
	if err != nil {
		// Data JSON cannot represent (a channel, a function): local sockets
		// got it, other nodes cannot.
		n.dropped.Add(1)
		n.log.Warn("cluster: cannot send this emit to other nodes", "event", o.Event, "err", err)
		return
	}
	select {
	case n.queue <- b:
		return
	default:
	}
	t := time.NewTimer(queueWait)
	defer t.Stop()
	select {
	case n.queue <- b:
	case <-t.C:
		n.dropped.Add(1)
	case <-n.ctx.Done():
		n.dropped.Add(1)
	}
}

// publisher sends queued ops in batches, one pipelined round trip each, from
// one goroutine so that ops leave in the order they were queued.
func (n *Node) publisher() {
	defer n.wg.Done()
	batch := make([][]byte, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case b := <-n.queue:
			batch = append(batch, b)
		case <-n.ctx.Done():
			n.flush()
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case b := <-n.queue:
				batch = append(batch, b)
			default:
				break fill
			}
		}
		n.send(n.ctx, batch)
	}
}

// flush publishes what is still queued when the node closes, briefly.
func (n *Node) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	for {
		var batch [][]byte
	fill:
		for len(batch) < maxBatch {
			select {
			case b := <-n.queue:
				batch = append(batch, b)
			default:
				break fill
			}
		}
		if len(batch) == 0 || ctx.Err() != nil {
			n.dropped.Add(int64(len(batch)))
			return
		}
		n.send(ctx, batch)
	}
}

func (n *Node) send(ctx context.Context, batch [][]byte) {
	if !n.pubOK.Load() {
		n.dropped.Add(int64(len(batch)))
		return
	}
	pipe := n.rdb.Pipeline()
	for _, b := range batch {
		pipe.Publish(ctx, n.channel, b)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		// Some may have gone out; none is sent again (no duplicates).
		n.dropped.Add(int64(len(batch)))
		if ctx.Err() == nil {
			n.setPing(err)
		}
	}
}

// subscriber receives the ops of other nodes and applies them in order.
// go-redis reconnects and subscribes again by itself after an error; this
// loop only paces the attempts and pings an idle connection, so a connection
// that died silently is noticed.
func (n *Node) subscriber() {
	defer n.wg.Done()
	ps := n.subscribe()
	defer func() { _ = ps.Close() }()
	backoff := 50 * time.Millisecond
	pinged := false
	for n.ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(n.ctx, receiveWait)
		if err != nil {
			if n.ctx.Err() != nil {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if pinged { // no answer to the last ping: start afresh
					_ = ps.Close()
					ps = n.subscribe()
					n.setSubscribed(false, err)
					pinged = false
					continue
				}
				pinged = ps.Ping(n.ctx) == nil
				continue
			}
			n.setSubscribed(false, err)
			select {
			case <-time.After(backoff):
			case <-n.ctx.Done():
				return
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		backoff, pinged = 50*time.Millisecond, false
		switch m := msg.(type) {
		case *redis.Message:
			n.receive(m.Payload)
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == n.channel {
				n.setSubscribed(true, nil)
			}
		}
	}
}

// subscribe makes the subscription, and lets Close end a blocking receive on
// it (go-redis does not watch the context while it reads).
func (n *Node) subscribe() *redis.PubSub {
	ps := n.rdb.Subscribe(n.ctx, n.channel)
	n.ps.Store(ps)
	return ps
}

// pingScript records the node as alive (in a sorted set scored by Redis's own
// clock, so nodes' clocks may differ), forgets nodes not seen for nodeTTL, and
// answers how many are left. It is the node's health check too.
var pingScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])
`)

// monitor checks Redis every n.check.
func (n *Node) monitor() {
	defer n.wg.Done()
	t := time.NewTicker(n.check)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(n.ctx, opTimeout)
		count, err := pingScript.Run(ctx, n.rdb, []string{n.prefix + nodesKey}, n.id, nodeTTL.Milliseconds()).Int64()
		cancel()
		if n.ctx.Err() != nil {
			return
		}
		if err == nil {
			n.nodes.Store(count)
		}
		n.setPing(err)
		select {
		case <-t.C:
		case <-n.ctx.Done():
			return
		}
	}
}

// warnDuplicateID logs when another live node already uses this node's id:
// each would skip the other's ops as its own.
func (n *Node) warnDuplicateID() {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if _, err := n.rdb.ZScore(ctx, n.prefix+nodesKey, n.id).Result(); err == nil {
		n.log.Error("cluster: another running node has this nodeId; give every node its own (or leave nodeId out)", "node", n.id)
	}
}

func (n *Node) setPing(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pingOK = err == nil
	n.pubOK.Store(n.pingOK)
	if err != nil {
		n.lastErr = err
	}
	n.update()
}

func (n *Node) setSubscribed(ok bool, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.subscribed = ok
	if err != nil {
		n.lastErr = err
	}
	n.update()
}

// update derives the node's state and logs its changes, once each: the node
// is up when the last check succeeded and the subscription is live. n.mu is
// held.
func (n *Node) update() {
	up := n.pingOK && n.subscribed
	was := n.up.Load()
	if up == was {
		return
	}
	n.up.Store(up)
	if !up {
		n.logDown()
		return
	}
	if !n.everUp {
		n.everUp = true
		close(n.firstUp)
		if n.downLogged { // it was unreachable at start
			n.log.Info("cluster: redis reachable; cross-node delivery started", "node", n.id)
		}
		n.downLogged = false
		return
	}
	n.log.Info("cluster: redis reachable again; cross-node delivery resumed",
		"node", n.id, "down", time.Since(n.downSince).Round(time.Millisecond).String(),
		"dropped", n.dropped.Load()-n.droppedAt)
	n.downLogged = false
}

// logDown logs the start of an outage once. n.mu is held.
func (n *Node) logDown() {
	if n.downLogged || n.up.Load() {
		return
	}
	n.downLogged = true
	n.downSince = time.Now()
	n.droppedAt = n.dropped.Load()
	var detail string
	if n.lastErr != nil {
		detail = n.lastErr.Error()
	}
	n.log.Warn("cluster: redis unreachable; delivering to this node's sockets only until it is back (ops for other nodes are dropped)",
		"node", n.id, "err", detail)
}
