package siows

import (
	"errors"
	"net"
	"sync"

	ws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// WebSocket is an Engine.IO websocket transport for the library's server
// options (SetTransports, in place of its own): the same frames on the
// wire, written for less. The library's transport, for every packet to
// every client, builds a gorilla PreparedMessage (a fresh 4 KiB-buffered
// connection to frame it on) and writes each frame with its own system
// call; every connection also keeps a write goroutine and a 1,024-entry
// task slice. This one writes a broadcast's pre-encoded bytes straight
// into the connection's frame buffer, sends all the packets of one flush
// in one write when the connection came through Handler, and starts a
// writer goroutine only while it has something to write.
var WebSocket transports.TransportCtor = webSocketCtor{}

type webSocketCtor struct{}

func (webSocketCtor) New(ctx *types.HttpContext) transports.Transport { return newWebSocket(ctx) }
func (webSocketCtor) Name() string                                    { return transports.WEBSOCKET }
func (webSocketCtor) HandlesUpgrades() bool                           { return true }
func (webSocketCtor) UpgradesTo() []string                            { return nil }

type webSocket struct {
	transports.Transport

	socket *types.WebSocketConn
	batch  *conn // the connection, when it came through Handler
	wiring gate  // reads wait while a namespace CONNECT is wired (see Wire)

	mu      sync.Mutex
	pending [][]*packet.Packet // Send calls not written yet, in order
	running bool               // a writer goroutine is draining pending
	closed  bool
}

func newWebSocket(ctx *types.HttpContext) transports.Transport {
	t := transports.MakeTransport()
	w := &webSocket{Transport: t, socket: ctx.Websocket}
	t.Prototype(w) // Close calls w.DoClose
	t.Construct(ctx)
	w.batch, _ = w.socket.NetConn().(*conn)

	_ = w.socket.On("error", func(errs ...any) {
		err, _ := firstError(errs)
		w.OnError("websocket error", err)
	})
	_ = w.socket.Once("close", func(...any) { w.OnClose() })
	go w.read()
	w.SetWritable(true)
	w.SetPerMessageDeflate(nil)
	return w
}

func firstError(a []any) (error, bool) {
	if len(a) == 0 {
		return nil, false
	}
	err, ok := a[0].(error)
	return err, ok
}

func (w *webSocket) Name() string          { return transports.WEBSOCKET }
func (w *webSocket) HandlesUpgrades() bool { return true }

func (w *webSocket) fail(err error) {
	if ws.IsUnexpectedCloseError(err) || errors.Is(err, net.ErrClosed) {
		w.socket.Emit("close")
	} else {
		w.socket.Emit("error", err)
	}
}

// read delivers incoming messages, as the library's transport does.
func (w *webSocket) read() {
	for {
		mt, r, err := w.socket.NextReader()
		if err != nil {
			w.fail(err)
			return
		}
		var data types.BufferInterface
		switch mt {
		case ws.BinaryMessage:
			data = types.NewBytesBuffer(nil)
		case ws.TextMessage:
			data = types.NewStringBuffer(nil)
		default:
			continue // gorilla answers pings and handles close itself
		}
		if _, err := data.ReadFrom(r); err != nil {
			w.fail(err)
			continue
		}
		connect := mt == ws.TextMessage && isConnect(data.Bytes())
		if connect {
			w.wiring.arm()
		}
		w.OnData(data)
		if connect {
			w.wiring.wait()
		}
	}
}

// Send queues packets for the writer: one at a time, in order, each Send
// followed by "drain" (everything of it was written, or the transport
// reported an error first) and "ready".
func (w *webSocket) Send(packets []*packet.Packet) {
	w.SetWritable(false)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.pending = append(w.pending, packets)
	if !w.running {
		w.running = true
		go w.writer()
	}
}

func (w *webSocket) writer() {
	for {
		w.mu.Lock()
		if len(w.pending) == 0 || w.closed {
			w.running = false
			w.pending = nil
			w.mu.Unlock()
			return
		}
		packets := w.pending[0]
		w.pending[0] = nil
		w.pending = w.pending[1:]
		w.mu.Unlock()
		w.send(packets)
	}
}

func (w *webSocket) send(packets []*packet.Packet) {
	defer func() {
		w.Emit("drain")
		w.SetWritable(true)
		w.Emit("ready")
	}()
	if w.batch != nil {
		w.batch.begin()
	}
	err := w.write(packets)
	if w.batch != nil {
		if ferr := w.batch.end(); err == nil {
			err = ferr
		}
	}
	if err != nil {
		w.fail(err)
	}
}

func (w *webSocket) write(packets []*packet.Packet) error {
	for _, p := range packets {
		compress := true
		if p.Options != nil && p.Options.Compress != nil && !*p.Options.Compress {
			compress = false
		}
		var data types.BufferInterface
		if p.Options != nil && p.Options.WsPreEncodedFrame != nil && w.PerMessageDeflate() == nil {
			data = p.Options.WsPreEncodedFrame // shared by every client of a broadcast: read only
			compress = false
		} else {
			var err error
			if data, err = w.Parser().EncodePacket(p, w.SupportsBinary()); err != nil {
				return err
			}
		}
		if d := w.PerMessageDeflate(); d == nil || data.Len() < d.Threshold {
			compress = false
		}
		mt := ws.BinaryMessage
		if _, ok := data.(*types.StringBuffer); ok {
			mt = ws.TextMessage
			if isConnectError(data.Bytes()) {
				w.wiring.open() // refused: no connection event follows
			}
		}
		w.socket.EnableWriteCompression(compress)
		mw, err := w.socket.NextWriter(mt)
		if err != nil {
			return err
		}
		if _, err := mw.Write(data.Bytes()); err != nil {
			_ = mw.Close()
			return err
		}
		if err := mw.Close(); err != nil {
			return err
		}
	}
	return nil
}

// connectDone lets reads go on after a namespace socket was connected.
func (w *webSocket) connectDone() { w.wiring.open() }

// DoClose closes the connection; packets not yet written are dropped.
func (w *webSocket) DoClose(fn types.Callable) {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.wiring.open()
	defer func() { _ = w.socket.Close() }()
	if fn != nil {
		fn()
	}
}
