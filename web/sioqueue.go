package web

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/consign/consign/internal/errkind"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
)

// SocketIOLimits bounds what one socket.io client can make the node hold.
type SocketIOLimits struct {
	// SendQueue is how many packets may wait, per connection, between the
	// node and the client's socket (queued, or handed to the transport and
	// not yet written). A consumer whose queue is full is not fed more
	// messages until the client reads. Zero means 256.
	SendQueue int
	// SendQueueBytes bounds the same queue in bytes; zero means 4 MiB.
	SendQueueBytes int
	// SendTimeout is how long a connection may make no write progress
	// while packets wait for it before it is closed (logged with the
	// reason); zero means 30s.
	SendTimeout time.Duration
	// ConnectTimeout is how long an Engine.IO session may live without an
	// authenticated namespace connection; zero means 10s.
	ConnectTimeout time.Duration
	// PendingPerIP caps the Engine.IO sessions a client address holds
	// before one of them authenticates; a handshake over the cap is
	// refused with 403. Zero means 32.
	PendingPerIP int
	// PendingMax caps such sessions node-wide; zero means 1024.
	PendingMax int
	// PingInterval and PingTimeout are Engine.IO's heartbeat: a client
	// that does not answer a ping within PingTimeout is disconnected.
	// Zero means the library's 25s and 20s.
	PingInterval, PingTimeout time.Duration
}

func (l *SocketIOLimits) setDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.SendQueue, 256)
	def(&l.SendQueueBytes, 4<<20)
	def(&l.PendingPerIP, 32)
	def(&l.PendingMax, 1024)
	if l.SendTimeout == 0 {
		l.SendTimeout = 30 * time.Second
	}
	if l.ConnectTimeout == 0 {
		l.ConnectTimeout = 10 * time.Second
	}
}

func (l SocketIOLimits) validate() error {
	if l.SendQueue < 0 || l.SendQueueBytes < 0 || l.SendTimeout < 0 || l.ConnectTimeout < 0 || l.PendingPerIP < 0 || l.PendingMax < 0 ||
		l.PingInterval < 0 || l.PingTimeout < 0 {
		return errors.New("web: config: SocketIO limits must not be negative")
	}
	return nil
}

// ErrSendStuck: a connection's client stopped reading; the connection is
// closed.
var ErrSendStuck = errkind.New(errkind.Unavailable, "web: socket.io: the client is not reading; connection closed")

// pendingGate counts Engine.IO sessions that have not yet joined a
// namespace with valid credentials, per client address and in all, so
// that anonymous handshakes cannot pile up sessions.
type pendingGate struct {
	perIP, max int

	mu    sync.Mutex
	byIP  map[string]int
	ids   map[string]string // engine session id → address, while pending
	total int
}

func newPendingGate(perIP, max int) *pendingGate {
	return &pendingGate{perIP: perIP, max: max, byIP: map[string]int{}, ids: map[string]string{}}
}

// admit reports whether a new handshake from ip may open a session.
func (g *pendingGate) admit(ip string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byIP[ip] >= g.perIP {
		return fmt.Errorf("too many unauthenticated socket.io sessions from %s (%d); connect a namespace with credentials first", ip, g.perIP)
	}
	if g.total >= g.max {
		return fmt.Errorf("too many unauthenticated socket.io sessions on this node (%d)", g.max)
	}
	return nil
}

// open counts a new session as pending.
func (g *pendingGate) open(id, ip string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.ids[id]; ok {
		return
	}
	g.ids[id] = ip
	g.byIP[ip]++
	g.total++
}

// pending reports whether session id has not yet authenticated or closed.
func (g *pendingGate) pending(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.ids[id]
	return ok
}

// done removes a session from the pending count (it authenticated or
// closed); a second call is a no-op.
func (g *pendingGate) done(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ip, ok := g.ids[id]
	if !ok {
		return
	}
	delete(g.ids, id)
	g.total--
	if g.byIP[ip]--; g.byIP[ip] <= 0 {
		delete(g.byIP, ip)
	}
}

// sendQueue follows the packets of one Engine.IO session from creation
// to the moment its transport wrote them (websocket: the frame was
// written to the socket; polling: the response the client fetched), so
// that a consumer is fed only while the client keeps up and commits only
// what was written.
type sendQueue struct {
	lim     SocketIOLimits
	onStuck func(reason string)

	mu       sync.Mutex
	seq      uint64                   // packets created so far
	track    map[*packet.Packet]entry // created, not yet written
	inflight []*packet.Packet         // handed to the transport
	order    []uint64                 // seqs not yet written, in creation order
	doneSeq  map[uint64]bool          // written out of order
	written  uint64                   // every seq <= written is written
	bytes    int
	progress chan struct{} // closed at each write
	timer    *time.Timer
	last     time.Time // last write progress
	closed   bool
}

type entry struct {
	seq  uint64
	size int
}

func newSendQueue(lim SocketIOLimits, eng engine.Socket, onStuck func(string)) *sendQueue {
	q := &sendQueue{lim: lim, onStuck: onStuck, track: map[*packet.Packet]entry{},
		doneSeq: map[uint64]bool{}, progress: make(chan struct{}), last: time.Now()}
	_ = eng.On("packetCreate", func(a ...any) {
		if p, ok := firstArg[*packet.Packet](a); ok {
			q.created(p)
		}
	})
	_ = eng.On("flush", func(a ...any) {
		if wbuf, ok := firstArg[[]*packet.Packet](a); ok {
			q.flushed(wbuf)
		}
	})
	attach := func(t transports.Transport) {
		// A write that fails still ends in "drain"; the transport reports
		// the failure (error, or close) first, synchronously, so the queue
		// is closed by then and nothing of that flush counts as written.
		// An upgrade discards the polling transport and then closes it
		// while it is still the session's transport: that close is no
		// failure of a write.
		failed := func(...any) {
			if eng.Transport() == t && !t.Discarded() {
				q.close()
			}
		}
		_ = t.On("error", failed)
		_ = t.On("close", failed)
		_ = t.On("drain", func(...any) { q.drained() })
	}
	attach(eng.Transport())
	_ = eng.On("upgrade", func(a ...any) {
		if t, ok := firstArg[transports.Transport](a); ok {
			attach(t)
		}
	})
	_ = eng.On("close", func(...any) { q.close() })
	return q
}

func firstArg[T any](a []any) (T, bool) {
	var zero T
	if len(a) == 0 {
		return zero, false
	}
	v, ok := a[0].(T)
	return v, ok
}

func packetSize(p *packet.Packet) int {
	if l, ok := p.Data.(interface{ Len() int }); ok {
		return l.Len() + 1
	}
	return 1
}

func (q *sendQueue) created(p *packet.Packet) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.seq++
	e := entry{seq: q.seq, size: packetSize(p)}
	q.track[p] = e
	q.order = append(q.order, e.seq)
	q.bytes += e.size
	if len(q.track) == 1 {
		q.last = time.Now()
		q.armLocked()
	}
	// Events pushed to the connection (document events) are not held
	// back by Wait; a client that lets twice the bound pile up is cut off.
	if len(q.track) > 2*q.lim.SendQueue || q.bytes > 2*q.lim.SendQueueBytes {
		q.stuckLocked(fmt.Sprintf("send queue overflow: %d packets, %d bytes waiting", len(q.track), q.bytes))
	}
}

func (q *sendQueue) flushed(wbuf []*packet.Packet) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, p := range wbuf {
		if _, ok := q.track[p]; ok {
			q.inflight = append(q.inflight, p)
		}
	}
}

// drained: the transport wrote everything it was handed.
func (q *sendQueue) drained() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.inflight) == 0 {
		return
	}
	for _, p := range q.inflight {
		e := q.track[p]
		delete(q.track, p)
		q.bytes -= e.size
		q.doneSeq[e.seq] = true
	}
	clear(q.inflight)
	q.inflight = q.inflight[:0]
	i := 0
	for i < len(q.order) && q.doneSeq[q.order[i]] {
		delete(q.doneSeq, q.order[i])
		q.written = q.order[i]
		i++
	}
	q.order = append(q.order[:0], q.order[i:]...)
	if len(q.order) == 0 {
		q.written = q.seq
	}
	q.last = time.Now()
	close(q.progress)
	q.progress = make(chan struct{})
	if len(q.track) == 0 && q.timer != nil {
		q.timer.Stop()
	}
}

func (q *sendQueue) armLocked() {
	if q.timer == nil {
		q.timer = time.AfterFunc(q.lim.SendTimeout, q.check)
		return
	}
	q.timer.Reset(q.lim.SendTimeout)
}

// check runs SendTimeout after packets started waiting.
func (q *sendQueue) check() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.track) == 0 {
		return
	}
	if idle := time.Since(q.last); idle < q.lim.SendTimeout {
		q.timer.Reset(q.lim.SendTimeout - idle)
		return
	}
	q.stuckLocked(fmt.Sprintf("no write progress for %s with %d packets (%d bytes) waiting", q.lim.SendTimeout, len(q.track), q.bytes))
}

func (q *sendQueue) stuckLocked(reason string) {
	if q.closed {
		return
	}
	q.closed = true
	close(q.progress)
	q.progress = make(chan struct{})
	go q.onStuck(reason)
}

func (q *sendQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.timer != nil {
		q.timer.Stop()
	}
	if !q.closed {
		q.closed = true
		close(q.progress)
		q.progress = make(chan struct{})
	}
}

// room waits until the queue has room for one more message: fewer than
// SendQueue packets and SendQueueBytes bytes waiting.
func (q *sendQueue) room(ctx context.Context) error {
	return q.wait(ctx, func() bool { return len(q.track) < q.lim.SendQueue && q.bytes < q.lim.SendQueueBytes })
}

// stats reports the packets and bytes waiting (queued, or handed to the
// transport and not yet written).
func (q *sendQueue) stats() (packets, bytes int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.track), q.bytes
}

// mark is the sequence number of the last packet created so far.
func (q *sendQueue) mark() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.seq
}

// written waits until every packet up to seq was written by the transport.
func (q *sendQueue) writtenUpTo(ctx context.Context, seq uint64) error {
	return q.wait(ctx, func() bool { return q.written >= seq })
}

func (q *sendQueue) wait(ctx context.Context, ok func() bool) error {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return ErrSendStuck
		}
		if ok() {
			q.mu.Unlock()
			return nil
		}
		ch := q.progress
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
