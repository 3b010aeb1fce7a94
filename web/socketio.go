package web

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/siows"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Namespaces answered, with the same handlers: the root and /api/v1 (a
// client handed wss://host/api/v1 connects to namespace /api/v1). Any
// other namespace is refused by socket.io with connect_error
// "Invalid namespace".
var sioNamespaces = []string{"/", "/api/v1"}

// sioServer wraps github.com/zishang520/socket.io: the namespaces above
// at the Engine.IO path /socket.io, Engine.IO v3 allowed next to v4
// (socket.io-client 2.x and 4.x), every connection authenticated by a
// middleware before it joins a namespace. Engine.IO sessions that have
// not authenticated yet are capped per address and in all, and closed
// after ConnectTimeout.
type sioServer struct {
	s       *Server
	io      *socket.Server
	handler http.Handler
	gate    *pendingGate
	nsps    []socket.Namespace

	mu     sync.RWMutex
	onConn []func(*Conn)
	checks []func(query func(string) string) error
}

func newSIOServer(s *Server) (*sioServer, error) {
	opts := socket.DefaultServerOptions()
	opts.SetPath("/socket.io")
	opts.SetServeClient(false) // Consign serves its embedded bundle itself
	opts.SetAllowEIO3(true)    // socket.io-client 2.x speaks Engine.IO 3
	// The library's polling transport; websocket frames written by siows.
	opts.SetTransports(types.NewSet(engine.Polling, siows.WebSocket))
	if len(s.cfg.CORSOrigins) > 0 {
		var origin any
		if s.originAllowed("\x00any") { // "*" is in the list
			origin = true // reflect the request's origin (needed with credentials)
		} else {
			list := make([]any, len(s.cfg.CORSOrigins))
			for i, o := range s.cfg.CORSOrigins {
				list[i] = o
			}
			origin = list
		}
		opts.SetCors(&types.Cors{
			Origin:         origin,
			Credentials:    true,
			AllowedHeaders: []string{"Authorization", "Content-Type"},
		})
	}
	lim := s.cfg.SocketIO
	opts.SetConnectTimeout(lim.ConnectTimeout)
	if lim.PingInterval > 0 {
		opts.SetPingInterval(lim.PingInterval)
	}
	if lim.PingTimeout > 0 {
		opts.SetPingTimeout(lim.PingTimeout)
	}
	x := &sioServer{s: s, gate: newPendingGate(lim.PendingPerIP, lim.PendingMax)}
	opts.SetAllowRequest(func(ctx *types.HttpContext) error {
		// Called for handshakes only (requests without a sid).
		if err := x.gate.admit(clientIP(ctx.Request().RemoteAddr)); err != nil {
			x.s.log.Info("socket.io handshake refused", "err", err)
			return err
		}
		return nil
	})
	x.io = socket.NewServer(nil, opts)
	// A namespace socket's first event is not read before the library
	// recorded the socket (see siows.Wire).
	siows.Wire(x.io)
	// siows: no namespace CONNECT lost to the library's start-up race, and
	// no net/http buffers kept for the life of a websocket.
	x.handler = siows.Handler(x.io.ServeHandler(nil))
	if err := x.io.Engine().On("connection", func(a ...any) {
		eng, ok := firstArg[engine.Socket](a)
		if !ok {
			return
		}
		id := eng.Id()
		x.gate.open(id, clientIP(eng.Request().Request().RemoteAddr))
		// The library closes a session that joins no namespace within
		// ConnectTimeout, but a polling session's orderly close then waits
		// up to the engine's fixed 30 s for a poll: close one still
		// pending at once instead, so its place comes back.
		expire := time.AfterFunc(lim.ConnectTimeout, func() {
			if x.gate.pending(id) {
				eng.Close(true)
			}
		})
		_ = eng.Once("close", func(...any) {
			expire.Stop()
			x.gate.done(id)
		})
	}); err != nil {
		return nil, fmt.Errorf("web: socket.io: %w", err)
	}
	for _, name := range sioNamespaces {
		nsp := x.io.Of(name, nil)
		nsp.Use(x.authenticate)
		if err := nsp.On("connection", x.connected); err != nil {
			return nil, fmt.Errorf("web: socket.io: %w", err)
		}
		x.nsps = append(x.nsps, nsp)
	}
	return x, nil
}

func (x *sioServer) close() { x.io.Close(nil) }

// authenticate accepts a handshake that carries this environment's Basic
// credentials in its Authorization header, or a console token in its
// auth payload. The check runs off the socket.io goroutine because
// argon2id takes a while; a refusal reaches the client as connect_error
// (4.x) or error (2.x) with message "unauthorized" and a reason in data.
func (x *sioServer) authenticate(sock *socket.Socket, next func(*socket.ExtendedError)) {
	hs := sock.Handshake()
	header, ip := "", clientIP(hs.Address)
	if hs.Headers != nil {
		header = hs.Headers.Header().Get("Authorization")
		ip = x.s.clientAddr(hs.Address, hs.Headers.Header())
	}
	token := queryValue(hs.Auth["token"])
	x.mu.RLock()
	checks := x.checks
	x.mu.RUnlock()
	for _, check := range checks {
		if err := check(func(name string) string { return handshakeQuery(hs, name) }); err != nil {
			x.s.log.Info("socket.io connection refused", "ip", ip, "err", err)
			next(socket.NewExtendedError(err.Error(), map[string]any{"message": err.Error()}))
			return
		}
	}
	go func() {
		p, err := x.principal(ip, header, token)
		if err != nil {
			x.s.log.Info("socket.io handshake refused", "ip", ip, "err", err)
			msg := "unauthorized"
			if st := StatusFor(err); st != http.StatusUnauthorized && st != http.StatusTooManyRequests {
				msg = "unavailable" // the check itself failed (store down, timeout)
			}
			// 2.x clients see only the data, so it repeats the message.
			next(socket.NewExtendedError(msg, map[string]any{"message": msg, "error": err.Error()}))
			return
		}
		sock.SetData(p)
		next(nil)
	}()
}

func (x *sioServer) principal(ip, header, token string) (auth.Principal, error) {
	if token != "" {
		if blocked, wait := x.s.limiter.blocked(ip, ""); blocked {
			return auth.Principal{}, &rateLimitedError{wait: wait}
		}
		p, ok := x.s.tokens.redeem(token)
		if !ok {
			x.s.limiter.fail(ip, "")
			return auth.Principal{}, fmt.Errorf("%w: unknown, used or expired socket token", ErrUnauthorized)
		}
		return p, p.Allowed(x.s.cfg.EnvironmentID)
	}
	user, password, ok := parseBasic(header)
	if !ok {
		return auth.Principal{}, fmt.Errorf("%w: send HTTP Basic credentials in the handshake (extraHeaders: {Authorization: 'Basic …'})", ErrUnauthorized)
	}
	ctx, cancel := context.WithTimeout(context.Background(), handshakeAuthTimeout)
	defer cancel()
	return x.s.check(ctx, ip, user, password)
}

// parseBasic decodes "Basic base64(user:password)" like
// http.Request.BasicAuth.
func parseBasic(h string) (user, password string, ok bool) {
	const prefix = "basic "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(b), ":")
}

// handshakeAuthTimeout bounds a handshake's credential check (which may
// wait for a free argon2id slot).
const handshakeAuthTimeout = 10 * time.Second

func memberRoom(member string) socket.Room { return socket.Room("member:" + member) }

func (x *sioServer) connected(args ...any) {
	sock, ok := args[0].(*socket.Socket)
	if !ok {
		return
	}
	p, _ := sock.Data().(auth.Principal)
	eng := sock.Conn()
	x.gate.done(eng.Id())
	ctx, cancel := context.WithCancel(context.Background())
	c := &Conn{x: x, sock: sock, p: p, ctx: ctx}
	c.q = newSendQueue(x.s.cfg.SocketIO, eng, func(reason string) {
		x.s.log.Warn("socket.io connection closed", "member", p.Member, "socket", c.ID(), "namespace", string(sock.Nsp().Name()), "reason", reason)
		cancel()
		sock.Disconnect(true)
	})
	sock.Join(memberRoom(p.Member))
	_ = sock.On("disconnect", func(a ...any) {
		reason, _ := firstString(a)
		cancel()
		c.mu.Lock()
		hs := c.onDisconnect
		c.mu.Unlock()
		for _, h := range hs {
			h(reason)
		}
	})
	x.mu.RLock()
	handlers := x.onConn
	x.mu.RUnlock()
	for _, h := range handlers {
		x.safely(c, "connection handler", func() { h(c) })
	}
}

func firstString(a []any) (string, bool) {
	if len(a) == 0 {
		return "", false
	}
	s, ok := a[0].(string)
	return s, ok
}

// safely runs f, turning a panic into a log line and an "exception"
// event for the client instead of a crashed node.
func (x *sioServer) safely(c *Conn, what string, f func()) {
	defer func() {
		if v := recover(); v != nil {
			x.s.log.Error("socket.io handler panic", "what", what, "socket", c.ID(), "panic", fmt.Sprint(v))
			_ = c.Emit("exception", "internal error while handling "+what)
		}
	}()
	f()
}

// OnConnection registers h to run for every authenticated socket.io
// connection (root namespace and /api/v1). Register handlers before clients
// connect; h runs once per connection and usually calls Conn.On.
func (s *Server) OnConnection(h func(c *Conn)) {
	s.sio.mu.Lock()
	s.sio.onConn = append(s.sio.onConn, h)
	s.sio.mu.Unlock()
}

// CheckConnection registers check to run on every socket.io connection
// before its credentials: it gets the connection URL's query (see
// Conn.Query) and its error refuses the connection, with the error's
// text as the connect_error message. Register checks before clients
// connect.
func (s *Server) CheckConnection(check func(query func(name string) string) error) {
	s.sio.mu.Lock()
	s.sio.checks = append(s.sio.checks, check)
	s.sio.mu.Unlock()
}

// EmitToMember sends an event to every socket.io connection of member
// on this node, whichever namespace it joined (how document_sent and
// friends reach their owner).
func (s *Server) EmitToMember(member, event string, args ...any) error {
	var errs []error
	for _, nsp := range s.sio.nsps {
		errs = append(errs, nsp.To(memberRoom(member)).Emit(event, args...))
	}
	return errors.Join(errs...)
}

// Ack answers a client's acknowledgement callback. Ack() arrives as
// undefined, Ack(nil) as null, Ack(nil, "Subscribed.") as
// (null, 'Subscribed.').
type Ack func(args ...any)

// Conn is one authenticated socket.io connection.
type Conn struct {
	x    *sioServer
	sock *socket.Socket
	p    auth.Principal
	ctx  context.Context
	q    *sendQueue

	mu           sync.Mutex
	onDisconnect []func(reason string)
}

// ID is the socket id, unique on this node.
func (c *Conn) ID() string { return string(c.sock.Id()) }

// Principal is the authenticated caller.
func (c *Conn) Principal() auth.Principal { return c.p }

// Context is cancelled when the connection closes.
func (c *Conn) Context() context.Context { return c.ctx }

// Query returns a query parameter of the connection URL
// (e.g. "auto_commit"), or "". socket.io-client 4.x sends the URL's query
// with the Engine.IO handshake; 2.x sends a namespace's query in the
// namespace CONNECT packet, which the library hands over as the auth
// payload: both are read, the handshake first.
func (c *Conn) Query(name string) string { return handshakeQuery(c.sock.Handshake(), name) }

func handshakeQuery(hs *socket.Handshake, name string) string {
	if q := hs.Query; q != nil {
		if v, ok := q.Query()[name]; ok && len(v) > 0 {
			return v[0]
		}
	}
	return queryValue(hs.Auth[name])
}

// queryValue is a string, or the first of a []string (how the library
// hands over a 2.x namespace query), or "".
func queryValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []string:
		if len(v) > 0 {
			return v[0]
		}
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// Namespace is the socket.io namespace the client joined: "/" or "/api/v1".
func (c *Conn) Namespace() string { return string(c.sock.Nsp().Name()) }

// WaitRoom waits until the connection's send queue has room for one more
// message (see SocketIOLimits). It fails with ErrSendStuck once the
// connection was closed for not reading.
func (c *Conn) WaitRoom(ctx context.Context) error { return c.q.room(ctx) }

// WaitWritten waits until everything emitted on the connection so far was
// written by its transport: to the socket (websocket) or in a response
// the client fetched (polling).
func (c *Conn) WaitWritten(ctx context.Context) error { return c.q.writtenUpTo(ctx, c.q.mark()) }

// Transport names the current transport: "polling" or "websocket".
func (c *Conn) Transport() string { return c.sock.Conn().Transport().Name() }

// Emit sends an event with arguments (JSON values; a []byte becomes a
// binary attachment, a Buffer in Node).
func (c *Conn) Emit(event string, args ...any) error {
	if err := c.sock.Emit(event, args...); err != nil {
		return fmt.Errorf("web: socket.io emit %q: %w", event, err)
	}
	return nil
}

// On handles a client event. args are the decoded JSON arguments
// (objects as map[string]any); ack is nil unless the client passed an
// acknowledgement callback. A panic in h is logged and reported to the
// client as an "exception" event.
func (c *Conn) On(event string, h func(args []any, ack Ack)) {
	_ = c.sock.On(event, func(a ...any) {
		var ack Ack
		if n := len(a); n > 0 {
			if f, ok := a[n-1].(socket.Ack); ok {
				a = a[:n-1]
				ack = func(args ...any) { f(args, nil) }
			}
		}
		c.x.safely(c, fmt.Sprintf("event %q", event), func() { h(a, ack) })
	})
}

// OnDisconnect registers h to run when the connection closes.
func (c *Conn) OnDisconnect(h func(reason string)) {
	c.mu.Lock()
	c.onDisconnect = append(c.onDisconnect, h)
	c.mu.Unlock()
}

// Close disconnects the client.
func (c *Conn) Close() { c.sock.Disconnect(true) }
