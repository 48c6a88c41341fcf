//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// client is one Socket.IO connection over a WebSocket, without the official
// client's reconnection, buffering and per-message allocations: a read loop that
// answers heartbeats and hands events and acks to callbacks. Callbacks run on the
// read loop's goroutine, one frame at a time, so per-client state needs no lock.
type client struct {
	ws  *websocket.Conn
	wmu sync.Mutex // gorilla allows one writer at a time; pongs and emits share it
	sid string

	// onEvent gets each event's name and raw arguments (aliasing the read buffer).
	onEvent func(name string, args []byte, recv time.Time)
	// onAck gets each ack's id and raw JSON array (aliasing the read buffer).
	onAck func(id int64, args []byte, recv time.Time)
	// onPing is called for each heartbeat, after the pong is written.
	onPing func()

	done chan struct{} // closed when the read loop ends
	err  error         // why it ended; read after done
}

// writeBufs is shared by every connection: an idle client then holds no write
// buffer, so 10,000 of them stay small and the memory measured is the server's.
var writeBufs sync.Pool

// dialer connects to 127.0.0.1 only: the benchmark never leaves the machine.
var dialer = &websocket.Dialer{
	NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" {
			return nil, fmt.Errorf("loadgen dials 127.0.0.1 only, not %q", addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	},
	HandshakeTimeout: 15 * time.Second,
	ReadBufferSize:   2048,
	WriteBufferPool:  &writeBufs,
}

// dial opens a WebSocket to the Socket.IO endpoint at port, completes the
// Engine.IO handshake and the Socket.IO CONNECT (with auth JSON when not nil),
// and returns once the server has acknowledged it. Callbacks must be set on the
// returned client before calling run.
func dial(ctx context.Context, port int, auth []byte) (*client, error) {
	return dialWith(ctx, dialer, port, auth)
}

// dialWith is dial through d.
func dialWith(ctx context.Context, d *websocket.Dialer, port int, auth []byte) (*client, error) {
	url := "ws://127.0.0.1:" + strconv.Itoa(port) + "/socket.io/?EIO=4&transport=websocket"
	ws, resp, err := d.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	c := &client{ws: ws, done: make(chan struct{})}
	if dl, ok := ctx.Deadline(); ok {
		_ = ws.SetReadDeadline(dl)
	}
	// The server speaks first: 0{"sid":...,"pingInterval":...}.
	p, err := c.readPacket(nil)
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("open packet: %w", err)
	}
	if p.Engine != eioOpen {
		ws.Close()
		return nil, fmt.Errorf("expected the open packet, got %q", p.Engine)
	}
	connect := append([]byte("40"), auth...)
	if err := c.write(connect); err != nil {
		ws.Close()
		return nil, err
	}
	for {
		p, err := c.readPacket(nil)
		if err != nil {
			ws.Close()
			return nil, fmt.Errorf("waiting for CONNECT: %w", err)
		}
		switch {
		case p.Engine == eioPing:
			if err := c.write([]byte{eioPong}); err != nil {
				ws.Close()
				return nil, err
			}
		case p.Engine == eioMessage && p.Socket == sioConnect:
			sid, _ := stringField(p.Data, "sid")
			c.sid = sid
			_ = ws.SetReadDeadline(time.Time{})
			return c, nil
		case p.Engine == eioMessage && p.Socket == sioConnectError:
			ws.Close()
			return nil, fmt.Errorf("connect_error: %s", p.Data)
		case p.Engine == eioClose:
			ws.Close()
			return nil, errors.New("server closed during the handshake")
		}
	}
}

// readPacket reads one frame into buf (grown as needed) and parses it.
func (c *client) readPacket(buf *[]byte) (packet, error) {
	typ, r, err := c.ws.NextReader()
	if err != nil {
		return packet{}, err
	}
	var local []byte
	if buf == nil {
		buf = &local
	}
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, rerr := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return packet{}, rerr
		}
	}
	*buf = b
	if typ != websocket.TextMessage {
		return packet{}, errors.New("binary frame: not used by these scenarios")
	}
	return parsePacket(b)
}

// run reads until the connection ends, answering pings and dispatching events
// and acks. It closes done when it returns.
func (c *client) run() {
	defer close(c.done)
	buf := make([]byte, 0, 512)
	for {
		p, err := c.readPacket(&buf)
		if err != nil {
			c.err = err
			return
		}
		switch p.Engine {
		case eioPing:
			if err := c.write([]byte{eioPong}); err != nil {
				c.err = err
				return
			}
			if c.onPing != nil {
				c.onPing()
			}
		case eioClose:
			c.err = errors.New("server sent close")
			return
		case eioMessage:
			now := time.Now()
			switch p.Socket {
			case sioEvent:
				if c.onEvent == nil {
					continue
				}
				name, args, err := splitEvent(p.Data)
				if err != nil {
					c.err = fmt.Errorf("bad event %q: %w", p.Data, err)
					return
				}
				c.onEvent(name, args, now)
			case sioAck:
				if c.onAck != nil {
					c.onAck(p.AckID, p.Data, now)
				}
			case sioDisconnect:
				c.err = errors.New("server disconnected the socket")
				return
			}
		}
	}
}

// write sends one text frame.
func (c *client) write(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// emitWithAck sends 42<id>["event",args...]; argsJSON is the raw
// comma-separated arguments (empty for none).
func (c *client) emitWithAck(id int64, event string, argsJSON []byte) error {
	var b bytes.Buffer
	b.WriteString("42")
	b.WriteString(strconv.FormatInt(id, 10))
	b.WriteString(`[`)
	b.WriteString(strconv.Quote(event))
	if len(argsJSON) > 0 {
		b.WriteByte(',')
		b.Write(argsJSON)
	}
	b.WriteByte(']')
	return c.write(b.Bytes())
}

// close ends the connection without the polite Socket.IO disconnect: the
// scenarios tear down whole fleets at once and the server's side of that is not
// what is measured.
func (c *client) close() {
	_ = c.ws.Close()
}

// connectMany opens n clients, at most parallel handshakes at a time (so the
// server's accept queue never overflows), calls setup on each before its read
// loop starts, and returns them all, or closes them and fails on the first error.
func connectMany(ctx context.Context, port, n, parallel int, setup func(i int, c *client)) ([]*client, error) {
	clients := make([]*client, n)
	sem := make(chan struct{}, parallel)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
			defer dcancel()
			c, err := dial(dctx, port, nil)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("client %d: %w", i, err)
				}
				mu.Unlock()
				cancel()
				return
			}
			if setup != nil {
				setup(i, c)
			}
			clients[i] = c
			go c.run()
		}(i)
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		closeAll(clients)
		return nil, firstErr
	}
	return clients, nil
}

// closeAll closes every client (nil entries allowed) and waits for their read loops.
func closeAll(clients []*client) {
	for _, c := range clients {
		if c != nil {
			c.close()
		}
	}
	for _, c := range clients {
		if c != nil {
			<-c.done
		}
	}
}
