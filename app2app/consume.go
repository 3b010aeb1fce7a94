package app2app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// Delivery is one message handed to a subscriber.
type Delivery struct {
	ID        string
	From, To  string
	Key       string
	Timestamp int64 // ms since the Unix epoch, as in the sender's report
	// For a managed recipient: the opened, verified message.
	Headers   map[string]string
	Content   []byte
	Text      bool   // Content was sent as a string
	Signature []byte // an externally managed sender's signature over Content
	// For an externally managed recipient: the CMS EnvelopedData PEM to
	// deliver instead of the message (the node cannot open it).
	CMS string
}

// Subscriber is the receiving end of a Consumer (one socket.io connection).
type Subscriber interface {
	// Deliver hands d over (emits the data event). An error means it could
	// not be handed over; the message is offered again later.
	Deliver(ctx context.Context, d Delivery) error
	// Exception reports a problem not tied to a request: a message that
	// failed authentication and was skipped, an interrupted subscription.
	Exception(err error)
}

// Consumer delivers the messages of the destinations one connection
// subscribed to. Close it when the connection ends.
type Consumer struct {
	s      *Service
	member string
	auto   bool
	sub    Subscriber
	ctx    context.Context
	cancel context.CancelFunc
	opts   messaging.ConsumeOptions
	wg     sync.WaitGroup

	// order makes "read the commit count, hand a message over" atomic
	// with respect to Commit: a commit covers exactly the messages handed
	// over before it (manual commit only).
	order sync.Mutex

	mu     sync.Mutex
	subs   map[string]bool // subscribed URIs
	gen    uint64          // commits so far
	wake   chan struct{}   // closed at each commit
	closed bool
}

// NewConsumer returns a consumer for member's connection. With autoCommit
// each message is committed once Deliver returned; otherwise Deliver is
// followed by a wait for Commit.
func (s *Service) NewConsumer(member string, autoCommit bool, sub Subscriber) *Consumer {
	return s.NewConsumerOptions(member, autoCommit, sub, messaging.ConsumeOptions{})
}

// NewConsumerOptions is NewConsumer with read-ahead options for the
// transport consumers of every destination it subscribes to (zero fields
// keep the transport's defaults).
func (s *Service) NewConsumerOptions(member string, autoCommit bool, sub Subscriber, o messaging.ConsumeOptions) *Consumer {
	ctx, cancel := context.WithCancel(s.ctx)
	return &Consumer{s: s, member: member, auto: autoCommit, sub: sub, ctx: ctx, cancel: cancel, opts: o,
		subs: map[string]bool{}, wake: make(chan struct{})}
}

// Subscribe starts delivering the messages of the given destinations,
// which must be app2app destinations of the consumer's member on this
// node (destination.ErrUnknownDestination, destination.ErrForeignDestination, ErrBadRequest
// otherwise; then none is subscribed). Subscribing again to a destination
// is a no-op. Messages not yet committed by the destination's consumer
// group, including those sent before the first subscription, come first.
func (c *Consumer) Subscribe(uris []destination.URI) error {
	const op = "app2app: subscribe"
	if len(uris) == 0 {
		return fmt.Errorf("%s: give at least one destination URI: %w", op, ErrBadRequest)
	}
	ls := make([]*local, 0, len(uris))
	for _, du := range uris {
		u := du.String()
		l := c.s.lookup(u)
		switch {
		case l == nil:
			return fmt.Errorf("%s: %q is not a destination on this node: %w", op, clip(u), destination.ErrUnknownDestination)
		case l.member != c.member:
			return fmt.Errorf("%s: %q belongs to member %q, not to your member %q: %w", op, clip(u), l.member, c.member, destination.ErrForeignDestination)
		case l.kind != destination.KindApp2App:
			return fmt.Errorf("%s: %q is a %s destination, not app2app: %w", op, clip(u), l.kind, ErrBadRequest)
		}
		ls = append(ls, l)
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s.closed || c.closed {
		return fmt.Errorf("%s: %w", op, ErrClosed)
	}
	for _, l := range ls {
		if c.subs[l.uri] {
			continue
		}
		c.subs[l.uri] = true
		c.wg.Add(1)
		c.s.wg.Add(1)
		go c.run(l)
	}
	return nil
}

// Commit commits every message delivered so far (manual commit).
func (c *Consumer) Commit() {
	c.order.Lock()
	defer c.order.Unlock()
	c.mu.Lock()
	c.gen++
	close(c.wake)
	c.wake = make(chan struct{})
	c.mu.Unlock()
}

// Close stops the consumer and waits until its consumers left their
// groups; uncommitted messages stay for the next subscriber.
func (c *Consumer) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
}

func (c *Consumer) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *Consumer) waitCommit(ctx context.Context, after uint64) error {
	for {
		c.mu.Lock()
		g, w := c.gen, c.wake
		c.mu.Unlock()
		if g > after {
			return nil
		}
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Group is the consumer group that delivers destination name of member.
func (s *Service) Group(member, name string) string {
	return messaging.DestinationGroup(s.cfg.Node, member+"."+name)
}

func (c *Consumer) run(l *local) {
	defer c.s.wg.Done()
	defer c.wg.Done()
	h := &destHandler{c: c, l: l, receivers: map[string]*receiver{}}
	group := c.s.Group(l.member, l.name)
	wait := 500 * time.Millisecond
	for c.ctx.Err() == nil {
		err := c.s.cfg.Transport.Consume(messaging.WithConsumeOptions(c.ctx, c.opts), group, []string{c.s.inbox}, h.handle)
		if c.ctx.Err() != nil {
			return
		}
		c.s.log.Warn("app2app subscription interrupted", "destination", l.uri, "err", err)
		c.sub.Exception(fmt.Errorf("app2app: subscription to %q interrupted, retrying in %s: %w", l.uri, wait, err))
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

type receiver struct {
	certHash [32]byte
	r        *crypto.SessionReceiver
}

// destHandler is the messaging.Handler of one subscribed destination.
type destHandler struct {
	c         *Consumer
	l         *local
	receivers map[string]*receiver // by sender URI; used by one partition worker at a time
	mu        sync.Mutex
}

// errTransient marks failures worth retrying (the registry did not answer).
type errTransient struct{ err error }

func (e errTransient) Error() string { return e.err.Error() }
func (e errTransient) Unwrap() error { return e.err }

func (h *destHandler) handle(ctx context.Context, d messaging.Delivery) error {
	if k, _ := d.Header(messaging.HeaderKind); string(k) != kindMessage {
		return nil
	}
	if to, _ := d.Header(messaging.HeaderTo); string(to) != h.l.uri {
		return nil
	}
	del, err := h.open(ctx, d)
	if err != nil {
		var t errTransient
		if errors.As(err, &t) {
			h.c.s.log.Warn("app2app: cannot open message yet", "destination", h.l.uri, "offset", d.Offset, "err", err)
			return err
		}
		h.c.s.log.Warn("app2app: message refused", "destination", h.l.uri, "partition", d.Partition, "offset", d.Offset, "err", err)
		h.c.sub.Exception(fmt.Errorf("app2app: a message for %q was refused and skipped: %w", h.l.uri, err))
		return nil
	}
	if h.c.auto {
		return h.c.sub.Deliver(ctx, del)
	}
	h.c.order.Lock()
	gen := h.c.generation()
	err = h.c.sub.Deliver(ctx, del)
	h.c.order.Unlock()
	if err != nil {
		return err
	}
	return h.c.waitCommit(ctx, gen)
}

// open authenticates and decodes one record addressed to h.l.
func (h *destHandler) open(ctx context.Context, d messaging.Delivery) (Delivery, error) {
	format, _ := d.Header(headerFormat)
	fromB, _ := d.Header(headerFromURI)
	id, _ := d.Header(messaging.HeaderID)
	from := string(fromB)
	switch string(format) {
	case formatCMS:
		if h.l.managed {
			return Delivery{}, fmt.Errorf("CMS record for managed destination: %w", ErrBadRequest)
		}
		key, _ := d.Header(headerKey)
		tsB, _ := d.Header(headerTime)
		ts, err := strconv.ParseInt(string(tsB), 10, 64)
		if err != nil {
			return Delivery{}, fmt.Errorf("record timestamp %q: %w", clip(string(tsB)), ErrBadRequest)
		}
		return Delivery{ID: string(id), From: from, To: h.l.uri, Key: string(key), Timestamp: ts,
			CMS: string(pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: d.Value}))}, nil
	case formatSession:
		if !h.l.managed {
			return Delivery{}, fmt.Errorf("session record for externally managed destination: %w", ErrBadRequest)
		}
		plain, err := h.openSession(ctx, from, d.Value)
		if err != nil {
			return Delivery{}, err
		}
		rec, err := h.check(plain, from)
		if err != nil {
			return Delivery{}, err
		}
		return rec.delivery(), nil
	case formatEnvelope:
		if !h.l.managed {
			return Delivery{}, fmt.Errorf("envelope record for externally managed destination: %w", ErrBadRequest)
		}
		r, err := crypto.Open(ctx, bytes.NewReader(d.Value), h.l.key, crypto.OpenOptions{Now: h.c.s.now()})
		if err != nil {
			return Delivery{}, err
		}
		plain, err := io.ReadAll(io.LimitReader(r, messaging.MaxValueSize))
		r.Close()
		if err != nil {
			return Delivery{}, err
		}
		rec, err := h.check(plain, from)
		if err != nil {
			return Delivery{}, err
		}
		cert, _, err := h.senderCert(ctx, from)
		if err != nil {
			return Delivery{}, err
		}
		if err := crypto.Verify(cert, rec.Content, rec.Signature, h.c.s.now()); err != nil {
			return Delivery{}, fmt.Errorf("sender signature: %w: %w", ErrBadSignature, err)
		}
		return rec.delivery(), nil
	}
	return Delivery{}, fmt.Errorf("unknown record format %q: %w", clip(string(format)), ErrBadRequest)
}

func (h *destHandler) check(plain []byte, from string) (*record, error) {
	rec, err := decodeRecord(plain)
	if err != nil {
		return nil, err
	}
	if rec.From != from || rec.To != h.l.uri {
		return nil, fmt.Errorf("record names %q → %q inside, %q → %q outside: %w", clip(rec.From), clip(rec.To), clip(from), clip(h.l.uri), ErrBadRequest)
	}
	return rec, nil
}

func (r *record) delivery() Delivery {
	return Delivery{ID: r.ID, From: r.From, To: r.To, Key: r.Key, Timestamp: r.Timestamp, Headers: r.Headers,
		Content: r.Content, Text: r.Text, Signature: r.Signature}
}

// senderCert returns the registry certificate of sender uri, as a
// transport header names it. A registry that does not answer gives an
// errTransient.
func (h *destHandler) senderCert(ctx context.Context, uri string) (*x509.Certificate, [32]byte, error) {
	u, err := destination.Parse(uri)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("sender %q is not in the registry: %w: %w", clip(uri), destination.ErrUnknownDestination, err)
	}
	d, err := h.c.s.cfg.Registry.Destination(ctx, u)
	if errors.Is(err, destination.ErrUnknownDestination) {
		return nil, [32]byte{}, fmt.Errorf("sender %q is not in the registry: %w", clip(uri), destination.ErrUnknownDestination)
	}
	if err != nil {
		return nil, [32]byte{}, errTransient{fmt.Errorf("registry lookup of sender %q: %w", clip(uri), err)}
	}
	cert, err := h.c.s.certs.Certificate(d)
	if err != nil {
		return nil, [32]byte{}, err
	}
	return cert, sha256.Sum256([]byte(d.CertificatePEM)), nil
}

// openSession opens a session frame from sender uri. A frame seen before
// by this consumer (ErrReplay: a redelivery after a rebalance, or a
// duplicate in the log) is opened again with a fresh receiver: delivery
// is at least once.
func (h *destHandler) openSession(ctx context.Context, from string, frame []byte) ([]byte, error) {
	cert, ch, err := h.senderCert(ctx, from)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	rc := h.receivers[from]
	fresh := func() error {
		r, err := crypto.NewSessionReceiver(h.l.key, cert, crypto.SessionConfig{Now: h.c.s.now})
		if err != nil {
			return err
		}
		rc = &receiver{certHash: ch, r: r}
		if len(h.receivers) > 1024 {
			clear(h.receivers)
		}
		h.receivers[from] = rc
		return nil
	}
	if rc == nil || rc.certHash != ch {
		if err := fresh(); err != nil {
			return nil, err
		}
	}
	plain, _, err := rc.r.Open(frame)
	if errors.Is(err, crypto.ErrReplay) {
		if err := fresh(); err != nil {
			return nil, err
		}
		plain, _, err = rc.r.Open(frame)
	}
	return plain, err
}
