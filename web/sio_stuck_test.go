package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/app2app/app2apptest"
)

// wsClient is a minimal socket.io client (Engine.IO 4 over websocket,
// namespace /api/v1) whose reading the test controls: while it does not
// read, the bytes the node sends pile up in a small socket receive buffer
// (4 KiB) and then in the node's own small send buffer, exactly as with a
// browser tab that froze.
type wsClient struct {
	ws  *websocket.Conn
	nsp string
	ack int
}

// dialWS connects with HTTP Basic credentials and joins namespace nsp;
// query ("&name=value…") goes with the handshake, as socket.io-client 4.x
// sends the connection URL's query.
func dialWS(ctx context.Context, base, user, pass, nsp, query string) (*wsClient, error) {
	d := websocket.Dialer{
		ReadBufferSize: 1024,
		NetDialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
			return errors.Join(err, serr)
		}}).DialContext,
	}
	h := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
	ws, _, err := d.DialContext(ctx, strings.Replace(base, "http", "ws", 1)+"/socket.io/?EIO=4&transport=websocket"+query, h)
	if err != nil {
		return nil, err
	}
	c := &wsClient{ws: ws, nsp: nsp}
	if _, err := c.next("0"); err != nil { // Engine.IO open
		ws.Close()
		return nil, err
	}
	if err := c.send("40" + nsp + ","); err != nil {
		ws.Close()
		return nil, err
	}
	p, err := c.next("40"+nsp+",", "44"+nsp+",")
	if err == nil && strings.HasPrefix(p, "44") {
		err = fmt.Errorf("connect_error %s", p)
	}
	if err != nil {
		ws.Close()
		return nil, err
	}
	return c, nil
}

func (c *wsClient) send(s string) error { return c.ws.WriteMessage(websocket.TextMessage, []byte(s)) }

// read returns the next socket.io packet, answering pings on the way.
func (c *wsClient) read() (string, error) {
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			return "", err
		}
		switch p := string(b); {
		case p == "2":
			if err := c.send("3"); err != nil {
				return "", err
			}
		default:
			return p, nil
		}
	}
}

// next reads until a packet with one of the prefixes.
func (c *wsClient) next(prefixes ...string) (string, error) {
	for {
		p, err := c.read()
		if err != nil {
			return "", err
		}
		for _, pre := range prefixes {
			if strings.HasPrefix(p, pre) {
				return p, nil
			}
		}
	}
}

// emitAck emits event with args and returns the acknowledgement's arguments.
func (c *wsClient) emitAck(event string, args ...any) ([]json.RawMessage, error) {
	c.ack++
	b, _ := json.Marshal(append([]any{event}, args...))
	if err := c.send("42" + c.nsp + "," + strconv.Itoa(c.ack) + string(b)); err != nil {
		return nil, err
	}
	p, err := c.next("43" + c.nsp + "," + strconv.Itoa(c.ack) + "[")
	if err != nil {
		return nil, err
	}
	var out []json.RawMessage
	err = json.Unmarshal([]byte(p[len("43"+c.nsp+","+strconv.Itoa(c.ack)):]), &out)
	return out, err
}

// data reads until the next data event and returns the index the test
// wrote at the start of its content.
func (c *wsClient) data() (int, error) {
	prefix := "42" + c.nsp + ","
	for {
		p, err := c.next(prefix)
		if err != nil {
			return 0, err
		}
		var ev []json.RawMessage
		if err := json.Unmarshal([]byte(p[len(prefix):]), &ev); err != nil || len(ev) < 2 || string(ev[0]) != `"data"` {
			continue // an exception or another event
		}
		var m struct{ Content string }
		if err := json.Unmarshal(ev[1], &m); err != nil {
			return 0, err
		}
		n, _, _ := strings.Cut(m.Content, " ")
		return strconv.Atoi(n)
	}
}

// smallSendBuffers makes accepted connections keep at most a few KiB in
// the kernel, so that what a client does not read stays in the node.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(8192)
	}
	return c, err
}

// recordingHandler keeps the attributes of "socket.io connection closed"
// records.
type recordingHandler struct {
	mu   sync.Mutex
	msgs []string
	all  []string // every record at Info or above
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }

func (h *recordingHandler) Handle(ctx context.Context, r slog.Record) error {
	var b strings.Builder
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, "%s=%v ", a.Key, a.Value); return true })
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Message == "socket.io connection closed" {
		h.msgs = append(h.msgs, b.String())
	}
	if r.Level >= slog.LevelInfo {
		h.all = append(h.all, r.Message+": "+b.String())
	}
	return nil
}

// dumpOnFailure logs what the node logged, when the test failed.
func (h *recordingHandler) dumpOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, l := range h.all {
			if i == 200 {
				t.Logf("node log: … %d more lines", len(h.all)-i)
				break
			}
			t.Logf("node log: %s", l)
		}
	})
}

func (h *recordingHandler) closed() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}

// TestSocketIOStuckSubscribers: 50 subscribers stop reading while a
// healthy one keeps going. The healthy one gets every message in order;
// what the node holds for the stuck ones stays within their send queues;
// nothing they did not receive is committed: when they read again (resume)
// or after the node closed them for not reading (timeout) and they
// reconnected, they get every message from where they stopped, in order.
func TestSocketIOStuckSubscribers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
	}{
		{"resume", 10 * time.Minute}, // never reached: the stuck clients read again
		{"timeout", 2 * time.Second}, // the node closes them
	} {
		t.Run(tc.name, func(t *testing.T) { testStuckSubscribers(t, tc.timeout) })
	}
}

func testStuckSubscribers(t *testing.T, sendTimeout time.Duration) {
	const (
		stuck   = 50
		msgs    = 100  // per destination
		size    = 2048 // bytes of content per message
		qLen    = 16
		qBytes  = 32 << 10
		perConn = qBytes + 2*size // a queue holds up to its bound plus one message (and pings)
	)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f, creds := newA2AMembers(t)
	logs := &recordingHandler{}
	logs.dumpOnFailure(t)
	srv, err := New(Config{EnvironmentID: f.chain.EnvironmentID, Logger: slog.New(logs), FailureBurst: 1000,
		// ConnectTimeout: under -race on a busy machine a refused
		// connection's connect_error may come late; it is not what is tested.
		// PendingPerIP: the 50 closed subscribers reconnect at once from
		// one address, more than the default cap of pending sessions.
		SocketIO: SocketIOLimits{SendQueue: qLen, SendQueueBytes: qBytes, SendTimeout: sendTimeout, ConnectTimeout: 5 * time.Minute,
			PendingPerIP: 1024, PendingMax: 4096}}, creds)
	if err != nil {
		t.Fatal(err)
	}
	f.node = app2apptest.NewNode(t, f.chain, app2apptest.Embedded(t), app2apptest.RandomID("stuck"), []string{"m1", "m2"}, nil)
	srv.HandleApp2App(f.node.Service)
	var connMu sync.Mutex
	var conns []*Conn
	srv.OnConnection(func(c *Conn) {
		connMu.Lock()
		conns = append(conns, c)
		connMu.Unlock()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(smallSendBuffers{ln}) }()
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
		<-done
	})
	f.base, f.base2 = "http://"+ln.Addr().String(), "http://"+ln.Addr().String()

	from := f.createDest(t, f.user1, f.pass1, "sender", false)
	dests := make([]string, stuck+1) // dests[0] is the healthy subscriber's
	for i := range dests {
		dests[i] = f.createDest(t, f.user2, f.pass2, fmt.Sprintf("sub%02d", i), false).URI
	}
	// The stuck ones bound what the node reads ahead for them.
	query := func(i int) string {
		if i == 0 {
			return ""
		}
		return "&read_ahead=16&batch_size=65536"
	}
	subscribe := func(i int) *wsClient {
		t.Helper()
		c, err := dialWS(ctx, f.base, f.user2, f.pass2, "/api/v1", query(i))
		if err != nil {
			t.Fatalf("subscriber %d: %v", i, err)
		}
		ack, err := c.emitAck("subscribe", []string{dests[i]})
		if err != nil || len(ack) != 2 || string(ack[0]) != "null" {
			t.Fatalf("subscriber %d: subscribe ack %s, %v", i, ack, err)
		}
		return c
	}
	clients := make([]*wsClient, len(dests))
	for i := range clients {
		clients[i] = subscribe(i)
	}
	defer func() {
		for _, c := range clients {
			c.ws.Close()
		}
	}()

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	// Produce: every destination gets msgs messages, interleaved, one key each.
	pad := strings.Repeat("x", size)
	reports := make(chan error, len(dests)*msgs)
	go func() {
		for n := range msgs {
			for i, to := range dests {
				m, err := app2app.DecodeProduce([]any{map[string]any{
					"headers": map[string]any{"from": from.URI, "to": to},
					"content": (strconv.Itoa(n) + " " + pad)[:size],
				}, "k" + strconv.Itoa(i)})
				if err == nil {
					err = f.node.Service.Produce(ctx, "m1", m, func(_ app2app.Report, err error) { reports <- err })
				}
				if err != nil {
					reports <- err
				}
			}
		}
	}()

	// The healthy subscriber reads everything, in order, while the other
	// fifty read nothing.
	for want := range msgs {
		got, err := clients[0].data()
		if err != nil {
			t.Fatalf("healthy subscriber after %d messages: %v", want, err)
		}
		if got != want {
			t.Fatalf("healthy subscriber: message %d, want %d", got, want)
		}
	}
	for range len(dests) * msgs {
		if err := <-reports; err != nil {
			t.Fatalf("produce: %v", err)
		}
	}

	// What the node holds for the stuck ones: within their queues.
	connMu.Lock()
	var packets, bytes int
	for _, c := range conns {
		p, b := c.q.stats()
		packets, bytes = packets+p, bytes+b
	}
	connMu.Unlock()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	produced := len(dests) * msgs * size
	heap := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("stuck: %d subscribers; produced %d KiB; node send queues hold %d packets, %d KiB (bound %d KiB); heap in use grew %d KiB (includes the embedded broker's copy of every message)",
		stuck, produced>>10, packets, bytes>>10, (stuck+1)*perConn>>10, heap>>10)
	if bytes > (stuck+1)*perConn {
		t.Errorf("send queues hold %d bytes, bound %d", bytes, (stuck+1)*perConn)
	}
	if limit := int64(256 << 20); heap > limit {
		t.Errorf("heap grew by %d MiB while 50 subscribers were stuck (limit %d MiB)", heap>>20, limit>>20)
	}

	if sendTimeout < time.Minute {
		// The node closes every stuck connection, with the reason logged,
		// and leaves the healthy one alone.
		waitUntil(t, ctx, "stuck connections closed", func() bool { return len(logs.closed()) >= stuck })
		for _, l := range logs.closed() {
			if !strings.Contains(l, "no write progress") && !strings.Contains(l, "overflow") {
				t.Errorf("close reason: %s", l)
			}
		}
		if got := len(logs.closed()); got != stuck {
			t.Errorf("%d connections closed, want %d", got, stuck)
		}
	}

	// The stuck ones read again: every message, in order, from where they
	// stopped. A connection the node closed is read to its end (what the
	// node wrote before closing reached the client), then the client
	// reconnects and gets the rest: no gap, so nothing unread was committed.
	var wg sync.WaitGroup
	errs := make(chan error, stuck)
	for i := 1; i <= stuck; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, next, reconnects := clients[i], 0, 0
			for next < msgs {
				got, err := c.data()
				if err != nil {
					if reconnects++; reconnects > 3 {
						errs <- fmt.Errorf("subscriber %d: %d reconnects, at message %d: %v", i, reconnects, next, err)
						return
					}
					c.ws.Close()
					if c, err = dialWS(ctx, f.base, f.user2, f.pass2, "/api/v1", query(i)); err != nil {
						errs <- fmt.Errorf("subscriber %d: reconnect: %v", i, err)
						return
					}
					clients[i] = c
					if ack, err := c.emitAck("subscribe", []string{dests[i]}); err != nil || len(ack) != 2 {
						errs <- fmt.Errorf("subscriber %d: subscribe again: %s %v", i, ack, err)
						return
					}
					continue
				}
				switch {
				case got == next:
					next++
				case got < next && reconnects > 0:
					// at least once: a message written before the close, again
				default:
					errs <- fmt.Errorf("subscriber %d: message %d, want %d (reconnects %d)", i, got, next, reconnects)
					return
				}
			}
			if sendTimeout < time.Minute && reconnects == 0 {
				errs <- fmt.Errorf("subscriber %d was never closed", i)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Tuning options out of range are refused with connect_error.
	for _, q := range []string{"&read_ahead=0", "&read_ahead=lots", "&batch_size=10", "&batch_size=99999999"} {
		c, err := dialWS(ctx, f.base, f.user2, f.pass2, "/api/v1", q)
		if err == nil {
			c.ws.Close()
			t.Fatalf("%s accepted", q)
		}
		if !strings.Contains(err.Error(), "connect_error") || !strings.Contains(err.Error(), "want a whole number") {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// waitUntil polls cond until it holds or ctx ends.
func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
