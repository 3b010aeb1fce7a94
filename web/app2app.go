package web

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// HandleApp2App serves app-to-app messaging on the server: the socket.io
// events of API.md (produce, delivery-report, subscribe, data, commit,
// exception), the destinations API under /api/v1/destinations and the
// address book (/addressbook and /api/v1/addressbook). Call it once,
// before clients connect.
//
// Per connection: produce events are decoded and handed to the service in
// the order they arrive, so one connection's messages keep their order;
// the delivery report and the acknowledgement follow once the message is
// durable. The first subscribe creates the connection's consumer; the
// query parameter auto_commit=false makes it wait for commit events. When
// the connection closes, its consumer leaves its consumer groups and
// whatever it had not committed goes to the next subscriber.
func (s *Server) HandleApp2App(svc *app2app.Service) {
	s.handleDestinations(svc)
	s.handleAddressBook(svc)
	s.CheckConnection(func(q func(string) string) error { _, err := consumeOptions(q); return err })
	s.OnConnection(func(c *Conn) { newA2AConn(svc, c) })
}

// Consumer tuning on the connection URL's query. Both bound what the node
// reads from the log ahead of delivery for each destination the
// connection subscribes to; the defaults (the transport's: 256 records,
// 4 MiB fetches) suit every client, lower values bound the node's memory
// for a consumer that reads slowly.
const (
	maxReadAhead = 4096
	minBatchSize = 1 << 10
	maxBatchSize = 4 << 20
)

// consumeOptions reads read_ahead (records, 1–4096) and batch_size (bytes
// per fetch, 1024–4194304) from a connection's query.
func consumeOptions(q func(string) string) (messaging.ConsumeOptions, error) {
	var o messaging.ConsumeOptions
	num := func(name string, lo, hi int, dst *int) error {
		v := q(name)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("app2app: %s=%.32q: want a whole number from %d to %d: %w", name, v, lo, hi, app2app.ErrBadRequest)
		}
		*dst = n
		return nil
	}
	if err := num("read_ahead", 1, maxReadAhead, &o.ReadAhead); err != nil {
		return o, err
	}
	if err := num("batch_size", minBatchSize, maxBatchSize, &o.BatchBytes); err != nil {
		return o, err
	}
	return o, nil
}

// a2aConn is the app-to-app state of one socket.io connection.
type a2aConn struct {
	svc    *app2app.Service
	c      *Conn
	member string
	auto   bool
	opts   messaging.ConsumeOptions

	mu     sync.Mutex
	cons   *app2app.Consumer
	closed bool
}

func newA2AConn(svc *app2app.Service, c *Conn) {
	opts, _ := consumeOptions(c.Query) // checked before the connection was accepted
	a := &a2aConn{svc: svc, c: c, member: c.Principal().Member, auto: !strings.EqualFold(c.Query("auto_commit"), "false"), opts: opts}
	c.On("produce", a.produce)
	c.On("subscribe", a.subscribe)
	c.On("commit", func([]any, Ack) { a.commit() })
	c.OnDisconnect(func(string) { a.close() })
}

// fail answers a request that failed: through its acknowledgement when
// the client passed one, otherwise with an exception event.
func (a *a2aConn) fail(ack Ack, err error) {
	a.c.x.s.log.Info("app2app request refused", "member", a.member, "socket", a.c.ID(), "err", err)
	msg := err.Error()
	if StatusFor(err) >= 500 && !errors.Is(err, app2app.ErrClosed) {
		msg = "internal error: the node could not handle the request; see its log"
	}
	if ack != nil {
		ack(msg)
		return
	}
	_ = a.c.Emit("exception", msg)
}

func (a *a2aConn) produce(args []any, ack Ack) {
	m, err := app2app.DecodeProduce(args)
	if err == nil {
		err = a.svc.Produce(a.c.Context(), a.member, m, func(r app2app.Report, err error) {
			if err != nil {
				a.fail(ack, err)
				return
			}
			_ = a.c.Emit("delivery-report", map[string]any{"key": r.Key, "timestamp": r.Timestamp})
			if ack != nil {
				ack(nil, "Message sent.")
			}
		})
	}
	if err != nil {
		a.fail(ack, err)
	}
}

func (a *a2aConn) subscribe(args []any, ack Ack) {
	uris, err := subscribeArgs(args)
	if err == nil {
		err = a.consumer().Subscribe(uris)
	}
	if err != nil {
		a.fail(ack, err)
		return
	}
	if ack != nil {
		ack(nil, "Subscribed.")
	}
}

// subscribeArgs accepts [uri, ...] (or a single URI string). A string
// that is not a destination URI names no destination on this node.
func subscribeArgs(args []any) ([]destination.URI, error) {
	const want = "subscribe takes an array of destination URIs"
	if len(args) == 0 {
		return nil, fmt.Errorf("app2app: %s, got nothing: %w", want, app2app.ErrBadRequest)
	}
	switch v := args[0].(type) {
	case string:
		return subscribeURIs([]string{v})
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("app2app: %s; an element is not a string: %w", want, app2app.ErrBadRequest)
			}
			out = append(out, s)
		}
		if len(out) > 256 {
			return nil, fmt.Errorf("app2app: at most 256 destinations per subscribe: %w", app2app.ErrBadRequest)
		}
		return subscribeURIs(out)
	}
	return nil, fmt.Errorf("app2app: %s: %w", want, app2app.ErrBadRequest)
}

func subscribeURIs(ss []string) ([]destination.URI, error) {
	out := make([]destination.URI, len(ss))
	for i, s := range ss {
		u, err := destination.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("app2app: subscribe: %q is not a destination on this node: %w: %w",
				destination.Clip(s), destination.ErrUnknownDestination, err)
		}
		out[i] = u
	}
	return out, nil
}

func (a *a2aConn) consumer() *app2app.Consumer {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cons == nil {
		a.cons = a.svc.NewConsumerOptions(a.member, a.auto, a, a.opts)
		if a.closed {
			a.cons.Close()
		}
	}
	return a.cons
}

func (a *a2aConn) commit() {
	a.mu.Lock()
	cons := a.cons
	a.mu.Unlock()
	if cons == nil {
		_ = a.c.Emit("exception", "commit: nothing to commit: subscribe first")
		return
	}
	if a.auto {
		_ = a.c.Emit("exception", "commit: this connection commits automatically; connect with ?auto_commit=false to commit yourself")
		return
	}
	cons.Commit()
}

func (a *a2aConn) close() {
	a.mu.Lock()
	a.closed = true
	cons := a.cons
	a.mu.Unlock()
	if cons != nil {
		go cons.Close() // waits for its consumers to leave their groups
	}
}

// Deliver implements app2app.Subscriber: the data event.
func (a *a2aConn) Deliver(ctx context.Context, d app2app.Delivery) error {
	if err := a.c.Context().Err(); err != nil {
		return fmt.Errorf("web: app2app: connection closed: %w", err)
	}
	var msg any
	if d.CMS != "" {
		msg = d.CMS
	} else {
		h := make(map[string]any, len(d.Headers)+3)
		for k, v := range d.Headers {
			h[k] = v
		}
		h["from"], h["to"] = d.From, d.To
		if len(d.Signature) > 0 {
			h["signature"] = d.Signature
		}
		var content any = d.Content
		if d.Text {
			content = string(d.Content)
		}
		msg = map[string]any{"headers": h, "content": content}
	}
	// Back-pressure: a client that does not read is not fed (the
	// partition's worker waits here, so the transport stops reading for
	// this consumer), and with auto-commit the message counts as
	// delivered, and is committed, only once the transport wrote it.
	if err := a.c.WaitRoom(ctx); err != nil {
		return fmt.Errorf("web: app2app: %w", err)
	}
	if err := a.c.Emit("data", msg, d.Key, d.Timestamp); err != nil {
		return err
	}
	if a.auto {
		if err := a.c.WaitWritten(ctx); err != nil {
			return fmt.Errorf("web: app2app: %w", err)
		}
	}
	if err := a.c.Context().Err(); err != nil {
		return fmt.Errorf("web: app2app: connection closed: %w", err)
	}
	return ctx.Err()
}

// Exception implements app2app.Subscriber.
func (a *a2aConn) Exception(err error) {
	_ = a.c.Emit("exception", err.Error())
}
