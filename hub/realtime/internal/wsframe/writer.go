package wsframe

import (
	"errors"
	"net"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// maxQueued bounds the bytes waiting for one connection. A client that reads
// slower than the hub sends is disconnected when it falls this far behind,
// instead of growing the hub's memory without limit.
const maxQueued = 16 << 20

// errTooFarBehind is the error a connection closes with past maxQueued.
var errTooFarBehind = errors.New("wsframe: client too far behind, queued bytes over the limit")

// outbox holds a connection's frames until a flusher writes them.
//
// Invariants, under mu: when buf is not empty, pending is true; while pending is
// true, exactly the goroutine that holds wmu, or a flusher about to take it,
// will call take again. Bytes are taken and written only with wmu held, so they
// reach the connection in the order they were queued.
type outbox struct {
	w      *Writer
	net    net.Conn
	raw    syscall.RawConn // nil when the connection is not a plain socket (TLS): writes block
	onFail func(closed bool, err error)

	mu      sync.Mutex
	buf     *[]byte
	pending bool
	closed  bool
	slow    bool  // the kernel refused part of a write: the client is not reading
	parked  int64 // of the bytes this connection holds, those counted as parked

	wmu sync.Mutex // held while writing
}

func (o *outbox) init(w *Writer, c net.Conn, onFail func(bool, error)) {
	o.w, o.net, o.onFail = w, c, onFail
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			o.raw = raw
		}
	}
}

// Buffers come from a pool, so an idle connection holds none.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooled = 1 << 20 // do not keep a huge burst's buffer around

func release(b *[]byte) {
	if cap(*b) <= maxPooled {
		*b = (*b)[:0]
		buffers.Put(b)
	}
}

// queue appends frames and makes sure a flusher will write them.
func (o *outbox) queue(frames ...[]byte) {
	if o.add(frames...) {
		o.w.flushers.schedule(o)
	}
}

// queueAndFlush appends frames and, when nothing was waiting, writes them on
// the calling goroutine (one non-blocking write, as a flusher would): a
// reply written where it was made costs no hand-off to a flusher.
func (o *outbox) queueAndFlush(frames ...[]byte) {
	if o.add(frames...) {
		o.flush()
	}
}

// add appends frames; it reports whether the caller must see to their
// writing (nothing was pending).
func (o *outbox) add(frames ...[]byte) bool {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return false
	}
	if o.buf == nil {
		o.buf = buffers.Get().(*[]byte)
	}
	n := 0
	for _, f := range frames {
		*o.buf = append(*o.buf, f...)
		n += len(f)
	}
	o.addLocked(n)
	if len(*o.buf) > maxQueued {
		o.closed = true
		o.doneLocked(len(*o.buf))
		release(o.buf)
		o.buf = nil
		o.mu.Unlock()
		go o.onFail(false, errTooFarBehind)
		return false
	}
	schedule := !o.pending && len(*o.buf) > 0
	o.pending = o.pending || schedule
	o.mu.Unlock()
	return schedule
}

// take returns the queued bytes, or nil (and clears pending) when there are
// none. Call it with wmu held. The bytes stay in the backlog until written.
func (o *outbox) take() *[]byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.buf
	if b == nil || len(*b) == 0 || o.closed {
		o.pending = false
		return nil
	}
	o.buf = nil
	return b
}

// flush is a flusher's turn: one non-blocking write of everything queued. What
// the socket does not accept is finished by a goroutine of its own, so a slow
// client never holds up a flusher.
func (o *outbox) flush() {
	if !o.wmu.TryLock() { // a control frame or a slow write holds the connection
		go o.drain()
		return
	}
	b := o.take()
	if b == nil {
		o.wmu.Unlock()
		return
	}
	n, err := o.tryWrite(*b)
	o.done(n)
	switch {
	case err != nil:
		o.done(len(*b) - n)
		release(b)
		o.fail(err)
		o.wmu.Unlock()
	case n < len(*b):
		rest := (*b)[n:]
		if o.raw != nil { // a real short write, not "cannot write without blocking"
			o.park(len(rest))
		}
		go func() { // wmu passes to this goroutine
			err := o.writeAll(rest)
			o.done(len(rest))
			release(b)
			if err != nil {
				o.fail(err)
				o.wmu.Unlock()
				return
			}
			o.drainLocked()
		}()
	default:
		release(b)
		o.mu.Lock()
		again := o.buf != nil && len(*o.buf) > 0 && !o.closed
		o.pending = again
		o.mu.Unlock()
		o.wmu.Unlock()
		if again { // more arrived while writing: back of the line, to batch more
			o.w.flushers.schedule(o)
		}
	}
}

// drain writes everything queued with blocking writes.
func (o *outbox) drain() {
	o.wmu.Lock()
	o.drainLocked()
}

// drainLocked is drain with wmu already held; it releases wmu.
func (o *outbox) drainLocked() {
	defer o.wmu.Unlock()
	for {
		b := o.take()
		if b == nil {
			o.unpark()
			return
		}
		err := o.writeAll(*b)
		o.done(len(*b))
		release(b)
		if err != nil {
			o.fail(err)
			return
		}
	}
}

// writeNow queues a control frame and writes everything queued before
// returning: gorilla expects its handlers' frames on the wire when they return.
func (o *outbox) writeNow(header, payload []byte) error {
	o.queue(append(header, payload...))
	o.drain()
	return nil
}

// close writes what is queued, waiting at most timeout, and refuses more.
func (o *outbox) close(timeout time.Duration) {
	_ = o.net.SetWriteDeadline(time.Now().Add(timeout)) // also unblocks a stuck writer
	o.drain()
	o.mu.Lock()
	o.closed = true
	if o.buf != nil {
		o.doneLocked(len(*o.buf))
		release(o.buf)
		o.buf = nil
	}
	o.mu.Unlock()
}

// addLocked counts n bytes just queued (parked too when the client is slow).
// Call it with mu held.
func (o *outbox) addLocked(n int) {
	var p int64
	if o.slow {
		p = int64(n)
		o.parked += p
	}
	o.w.backlog.account(int64(n), p)
}

// doneLocked counts n bytes written or dropped. While the connection is slow
// every byte it holds is parked, so the parked count shrinks with them. Call
// it with mu held.
func (o *outbox) doneLocked(n int) {
	p := min(int64(n), o.parked)
	o.parked -= p
	o.w.backlog.account(-int64(n), -p)
}

func (o *outbox) done(n int) {
	if n == 0 {
		return
	}
	o.mu.Lock()
	o.doneLocked(n)
	o.mu.Unlock()
}

// park marks the connection slow after a short write: the rest bytes being
// written and everything queued after them wait for the client, not for the
// hub, and leave the paced backlog (see backlog).
func (o *outbox) park(rest int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	held := int64(rest)
	if o.buf != nil {
		held += int64(len(*o.buf))
	}
	o.slow = true
	o.w.backlog.account(0, held-o.parked)
	o.parked = held
}

// unpark ends the slow state once everything queued is written.
func (o *outbox) unpark() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.parked != 0 {
		o.w.backlog.account(0, -o.parked)
		o.parked = 0
	}
	o.slow = false
}

// tryWrite writes what the socket takes without waiting.
func (o *outbox) tryWrite(b []byte) (int, error) {
	if o.raw == nil {
		return 0, nil // the caller's goroutine finishes it with blocking writes
	}
	w := socketWrites.Get().(*socketWrite)
	w.b, w.n, w.err = b, 0, nil
	err := o.raw.Write(w.fn)
	n, werr := w.n, w.err
	w.b = nil
	socketWrites.Put(w)
	if werr == nil {
		werr = err
	}
	return n, werr
}

// socketWrite is the state of one non-blocking write. It is pooled with its
// function for RawConn.Write made once: a closure over the write's locals
// cost three allocations per write (an ack, or a broadcast's frame to one
// connection).
type socketWrite struct {
	b   []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

var socketWrites = sync.Pool{New: func() any {
	w := &socketWrite{}
	w.fn = w.write
	return w
}}

// write writes b[n:] to fd until done or the socket takes no more.
func (w *socketWrite) write(fd uintptr) bool {
	for w.n < len(w.b) {
		m, err := syscall.Write(int(fd), w.b[w.n:])
		if m > 0 {
			w.n += m
		}
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return true
		case err != nil:
			w.err = err
			return true
		case m == 0:
			return true
		}
	}
	return true
}

func (o *outbox) writeAll(b []byte) error {
	_, err := o.net.Write(b)
	return err
}

// fail drops what is queued and reports err once, off this goroutine: the
// report makes the library close the transport, which calls close, which
// needs wmu.
func (o *outbox) fail(err error) {
	o.mu.Lock()
	first := !o.closed
	o.closed = true
	if o.buf != nil {
		o.doneLocked(len(*o.buf))
		release(o.buf)
		o.buf = nil
	}
	o.pending = false
	o.mu.Unlock()
	if first {
		closed := errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
		go o.onFail(closed, err)
	}
}

// flusherPool holds long-lived goroutines that write outboxes in the order they
// became ready. Being few and long-lived, they cost no goroutine start or stack
// growth per write, and a connection waiting its turn collects more frames.
type flusherPool struct {
	once    sync.Once
	ready   chan *outbox
	stop    chan struct{}
	stopped sync.Once
	wg      sync.WaitGroup
}

func (p *flusherPool) schedule(o *outbox) {
	p.once.Do(func() {
		p.ready = make(chan *outbox, 1<<14)
		p.stop = make(chan struct{})
		for range max(2, runtime.GOMAXPROCS(0)) {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				for {
					select {
					case o := <-p.ready:
						o.flush()
					case <-p.stop:
						return
					}
				}
			}()
		}
	})
	select {
	case p.ready <- o:
	default: // flushers far behind (or stopped): never make a sender wait
		go o.drain()
	}
}

// close stops the flushers; an outbox scheduled later drains on its own
// goroutine.
func (p *flusherPool) close() {
	p.once.Do(func() {}) // none started: none will be
	p.stopped.Do(func() {
		if p.stop != nil {
			close(p.stop)
		}
	})
	p.wg.Wait()
	if p.ready != nil {
		for {
			select {
			case o := <-p.ready:
				go o.drain()
			default:
				return
			}
		}
	}
}
