package siows

import (
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// A second start-up race, one layer up. When a client's namespace CONNECT
// arrives, the library sends the CONNECT reply first and only then records
// the namespace socket in its client (the order of socket._onconnect and the
// callback in namespace._doConnect). WebSocket writes from its own goroutine,
// so a fast client can get the reply and send its first event (a subscribe,
// say) before that record exists; the library then finds no socket for the
// packet, calls it an invalid state and closes the whole connection. Seen on
// a loaded machine as a client whose first event never arrived.
//
// WebSocket therefore holds the reads of a connection after a CONNECT packet
// until the socket.io layer is done with it: a "connection" listener that
// Wire installs on every namespace lets the reads go on (by then the library
// has recorded the socket, and anything read next is queued behind the
// connection handlers on the socket's own task queue), as does a CONNECT
// error written back, the connection closing, or, as a safety valve for a
// namespace Wire never saw, connectWait.

// connectWait bounds how long reads wait for a namespace CONNECT to be
// wired.
const connectWait = 5 * time.Second

// Wire installs the listeners that let WebSocket's reads go on once a
// namespace socket is connected, on io's namespaces now and on every one
// created later. Call it once, right after socket.NewServer, on a server
// whose options name WebSocket.
func Wire(io *socket.Server) {
	root := io.Sockets()
	wireNamespace(root)
	_ = root.On("new_namespace", func(a ...any) {
		if len(a) > 0 {
			if nsp, ok := a[0].(socket.Namespace); ok {
				wireNamespace(nsp)
			}
		}
	})
}

func wireNamespace(nsp socket.Namespace) {
	_ = nsp.On("connection", func(a ...any) {
		if len(a) == 0 {
			return
		}
		s, ok := a[0].(*socket.Socket)
		if !ok {
			return
		}
		if w, ok := s.Conn().Transport().(*webSocket); ok {
			w.connectDone()
		}
	})
}

// gate holds reads after a CONNECT packet until connectDone.
type gate struct {
	mu sync.Mutex
	ch chan struct{} // non-nil while a CONNECT is being wired
}

func (g *gate) arm() {
	g.mu.Lock()
	g.ch = make(chan struct{})
	g.mu.Unlock()
}

func (g *gate) open() {
	g.mu.Lock()
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
	g.mu.Unlock()
}

// wait returns once the gate opened, or after connectWait.
func (g *gate) wait() {
	g.mu.Lock()
	ch := g.ch
	g.mu.Unlock()
	if ch == nil {
		return
	}
	t := time.NewTimer(connectWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
		g.open()
	}
}

// isConnect tells a socket.io CONNECT packet in an Engine.IO message frame
// ("4" message, then "0" CONNECT).
func isConnect(data []byte) bool { return len(data) >= 2 && data[0] == '4' && data[1] == '0' }

// isConnectError tells a socket.io CONNECT_ERROR packet ("4" message, then
// "4" CONNECT_ERROR).
func isConnectError(data []byte) bool { return len(data) >= 2 && data[0] == '4' && data[1] == '4' }
