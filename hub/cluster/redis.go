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

	"github.com/iohub/iohub/hub/cluster/internal/wire"
)

// newClient makes the Redis client of a node from its Options. Commands are never
// retried: a retried PUBLISH or INCRBY whose first attempt did reach Redis
// would deliver or count twice, and exactly-once matters more here than
// riding out a blip (the op is counted as dropped instead).
func newClient(c Options) (*redis.Client, error) {
	opt, err := clientOptions(c)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opt), nil
}

// clientOptions are newClient's options, fresh each time (a client keeps
// state in its options).
func clientOptions(c Options) (*redis.Options, error) {
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
	return opt, nil
}

// newPublishClient is the publisher's own client. It waits publishWait for
// Redis's answer instead of opTimeout: an op whose PUBLISH was written is on
// its way (a Redis that hangs and resumes still delivers it), so timing out
// early would only turn a late delivery into an unknown one. Its own pool
// also keeps a hung publish from holding connections the health check needs.
func newPublishClient(c Options) (*redis.Client, error) {
	opt, err := clientOptions(c)
	if err != nil {
		return nil, err
	}
	opt.ReadTimeout = publishWait
	opt.PoolSize = 2
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
// down (or not answering) it is dropped at once (and counted); a full queue
// holds the caller for at most queueWait, so a slow Redis slows emitters
// instead of losing ops.
//
// Every op ends in exactly one of the counters: published (Redis answered
// the PUBLISH), dropped (certainly not published: never written to Redis, or
// refused by it) or unconfirmed (written, but no answer came: other nodes may
// or may not have it).
func (n *Node) publish(o *wire.Op, v any) {
	if n.closing.Load() || !n.pubOK.Load() {
		n.dropped.Add(1)
		return
	}
	o.Node = n.id
	b, err := wire.Encode(o, v)
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
	pipe := n.pub.Pipeline()
	for _, b := range batch {
		pipe.Publish(ctx, n.channel, b)
	}
	cmds, err := pipe.Exec(ctx)
	if err == nil {
		n.published.Add(int64(len(batch)))
		return
	}
	// None is sent again (no duplicates); each is counted by what is known.
	for _, c := range cmds {
		switch cerr := c.Err(); {
		case cerr == nil:
			n.published.Add(1)
		case isServerError(cerr) || notSent(cerr):
			n.dropped.Add(1)
		default:
			n.unconfirmed.Add(1)
		}
	}
	if len(cmds) == 0 { // not expected: Exec reports every queued command
		n.unconfirmed.Add(int64(len(batch)))
	}
	if ctx.Err() == nil {
		n.setPing(err)
	}
}

// notSent reports whether a publish failed before anything was written: no
// connection could be made or had, or the client is closed. Other transport
// errors (a write or read that failed or timed out) leave it unknown.
func notSent(err error) bool {
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Op == "dial" {
		return true
	}
	return errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout)
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

// errNoAnswer marks a Redis that accepted a check but has not answered it in
// hangAfter: hung (stopped, swapping, blocked by a slow script) rather than
// down, which no connection error would reveal.
var errNoAnswer = errors.New("redis did not answer the health check in " + hangAfter.String())

// monitor checks Redis every n.check. A check that gets no answer within
// hangAfter marks the node degraded at once, while it keeps waiting (up to
// opTimeout) for the answer, which marks it up again: a hung Redis shows
// within n.check + hangAfter, and one that resumes is seen at once.
func (n *Node) monitor() {
	defer n.wg.Done()
	t := time.NewTicker(n.check)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(n.ctx, opTimeout)
		n.mu.Lock()
		n.checks++
		seq := n.checks
		n.mu.Unlock()
		slow := time.AfterFunc(hangAfter, func() { n.noAnswer(seq) })
		count, err := pingScript.Run(ctx, n.rdb, []string{n.prefix + nodesKey}, n.id, nodeTTL.Milliseconds()).Int64()
		slow.Stop()
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

// noAnswer marks Redis as not answering while check seq is still the latest
// (a late timer of an answered check does nothing).
func (n *Node) noAnswer(seq int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.checks != seq || n.answered == seq {
		return
	}
	n.pingOK = false
	n.pubOK.Store(false)
	n.lastErr = errNoAnswer
	n.update()
}

func (n *Node) setPing(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.answered = n.checks
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
