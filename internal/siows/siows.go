// Package siows sits between net/http and the socket.io library
// (github.com/zishang520/socket.io) for websocket requests, to make up for
// two things the library does when a websocket connection opens.
//
// Reads before the session is wired. The library starts the websocket
// reader goroutine as soon as it creates the transport, and writes the
// Engine.IO "open" packet before the socket.io layer has attached its
// listeners to the new session. A client that answers fast (its namespace
// CONNECT packet) can have that packet read and dispatched to no listener:
// it is dropped, the client waits for a CONNECT reply that never comes,
// and socket.io-client has no timeout for that wait. On a busy node this
// happens to a fraction of a percent of connections, so thousands of
// clients connecting at once hang for ever. Handler holds the reads of a
// hijacked websocket connection until the library's handler returned, and
// by then every listener of the session (the socket.io client, or an
// upgraded transport's probe) is in place; nothing is lost, only delayed.
//
// Memory held for the life of the connection. The library keeps the
// request's http.ResponseWriter for as long as the session lives; after a
// hijack that keeps net/http's per-connection state alive as well (its
// 4 KiB read and write buffers, unused after the hijack). Handler hands
// the library a writer that lets go of the net/http one once the
// connection was hijacked.
package siows

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Handler wraps h, the socket.io library's handler. Requests that are not
// websocket upgrades pass through unchanged.
func Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isUpgrade(r) {
			h.ServeHTTP(w, r)
			return
		}
		g := &writer{w: w, open: make(chan struct{})}
		defer close(g.open)
		h.ServeHTTP(g, r)
	})
}

// isUpgrade is what the library's own check (gorilla/websocket's
// IsWebSocketUpgrade) looks at.
func isUpgrade(r *http.Request) bool {
	return headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// writer is the ResponseWriter handed to the library for an upgrade.
type writer struct {
	open chan struct{} // closed once the library's handler returned

	mu     sync.Mutex
	w      http.ResponseWriter // nil once hijacked
	header http.Header         // after the hijack
}

func (g *writer) inner() http.ResponseWriter {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.w
}

func (g *writer) Header() http.Header {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil {
		if g.header == nil {
			g.header = http.Header{}
		}
		return g.header
	}
	return g.w.Header()
}

func (g *writer) Write(b []byte) (int, error) {
	w := g.inner()
	if w == nil {
		return 0, http.ErrHijacked
	}
	return w.Write(b)
}

func (g *writer) WriteHeader(code int) {
	if w := g.inner(); w != nil {
		w.WriteHeader(code)
	}
}

func (g *writer) Flush() {
	if f, ok := g.inner().(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack is what the websocket upgrader calls (it asserts http.Hijacker).
func (g *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil {
		return nil, nil, http.ErrHijacked
	}
	h, ok := g.w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("siows: the connection cannot be hijacked")
	}
	c, brw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	g.w = nil
	return &conn{Conn: c, open: g.open}, brw, nil
}

// conn holds reads until open is closed, and gathers writes between
// begin and end into one.
type conn struct {
	net.Conn
	open <-chan struct{}

	mu       sync.Mutex
	batching bool
	buf      *[]byte   // while batching
	deadline time.Time // the write deadline last set
}

// SetWriteDeadline skips what would change nothing: gorilla sets the
// write deadline before every frame, and the runtime takes a lock for it.
func (c *conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Equal(c.deadline) {
		return nil
	}
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	c.deadline = t
	return nil
}

func (c *conn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.Conn.SetDeadline(t); err != nil {
		return err
	}
	c.deadline = t
	return nil
}

func (c *conn) Read(p []byte) (int, error) {
	<-c.open
	return c.Conn.Read(p)
}

// maxBatch bounds what a batch holds before it is written out.
const maxBatch = 64 << 10

var batchBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.batching {
		return c.Conn.Write(p)
	}
	if len(*c.buf)+len(p) > maxBatch {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > maxBatch {
			return c.Conn.Write(p)
		}
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// begin starts gathering writes.
func (c *conn) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.batching = true
	c.buf = batchBufs.Get().(*[]byte)
}

// end writes what was gathered since begin.
func (c *conn) end() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.flushLocked()
	c.batching = false
	if cap(*c.buf) <= maxBatch {
		batchBufs.Put(c.buf)
	}
	c.buf = nil
	return err
}

func (c *conn) flushLocked() error {
	b := *c.buf
	*c.buf = b[:0]
	if len(b) == 0 {
		return nil
	}
	_, err := c.Conn.Write(b)
	return err
}
