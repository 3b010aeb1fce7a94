package app2app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// Report confirms that a produced message is durably in the recipient
// node's inbox.
type Report struct {
	ID        string // unique message id
	Key       string // the key the client gave
	Timestamp int64  // when the node accepted it, ms since the Unix epoch
}

// outgoing is one message on its way to an inbox topic.
type outgoing struct {
	msg    messaging.Message
	plain  []byte                // session plaintext, sealed in outbox order
	sender *crypto.SessionSender // non-nil for session frames
	report Report
	done   func(Report, error)
}

// Produce checks, signs and seals m for the caller's member and queues it
// for its recipient's inbox. A message that cannot be accepted returns an
// error at once (wrapping ErrBadRequest, destination.ErrUnknownDestination,
// destination.ErrForeignDestination, ErrBadSignature, ErrTooLarge or ErrClosed) and
// done is not called. Otherwise Produce returns nil and done is called
// exactly once, from another goroutine: with the report once the
// transport holds the message durably, or with the error that stopped it.
//
// Messages produced one after another (by one caller) reach the inbox in
// that order.
func (s *Service) Produce(ctx context.Context, member string, m Message, done func(Report, error)) error {
	const op = "app2app: produce"
	if s.ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ErrClosed)
	}
	if len(m.Content) > MaxContent {
		return fmt.Errorf("%s: content of %d bytes exceeds %d: %w", op, len(m.Content), MaxContent, ErrTooLarge)
	}
	from := s.lookup(m.From)
	if from == nil {
		return fmt.Errorf("%s: from %q is not a destination on this node: %w", op, clip(m.From), destination.ErrUnknownDestination)
	}
	if from.member != member {
		return fmt.Errorf("%s: from %q belongs to member %q, not to your member %q: %w", op, clip(m.From), from.member, member, destination.ErrForeignDestination)
	}
	if from.kind != destination.KindApp2App {
		return fmt.Errorf("%s: from %q is a %s destination; messages go between app2app destinations: %w", op, clip(m.From), from.kind, ErrBadRequest)
	}
	tu, err := destination.Parse(m.To)
	if err != nil {
		return fmt.Errorf("%s: to: %w: %w", op, destination.ErrUnknownDestination, err)
	} else if tu.Kind != destination.KindApp2App {
		return fmt.Errorf("%s: to %q is a %s destination; messages go between app2app destinations: %w", op, clip(m.To), tu.Kind, ErrBadRequest)
	}
	to, err := s.resolve(ctx, tu)
	if err != nil {
		return fmt.Errorf("%s: to: %w", op, err)
	}
	rec := &record{V: recordVersion, ID: newID(), From: m.From, To: m.To, Key: m.Key, Timestamp: s.now().UnixMilli(),
		Headers: m.Headers, Text: m.Text, Content: m.Content}
	if !from.managed {
		if err := s.checkClientSignature(ctx, from, m); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		rec.Signature = m.Signature
	}
	o := &outgoing{report: Report{ID: rec.ID, Key: m.Key, Timestamp: rec.Timestamp}, done: done}
	o.msg = messaging.Message{Key: m.To, Headers: []messaging.Header{
		{Key: messaging.HeaderKind, Value: []byte(kindMessage)},
		{Key: messaging.HeaderFrom, Value: []byte(s.cfg.Node)},
		{Key: messaging.HeaderTo, Value: []byte(m.To)},
		{Key: messaging.HeaderID, Value: []byte(rec.ID)},
		{Key: headerFromURI, Value: []byte(m.From)},
	}}
	switch {
	case to.external:
		if from.managed {
			if rec.Signature, err = crypto.Sign(from.key, m.Content); err != nil {
				return fmt.Errorf("%s: sign: %w", op, err)
			}
		}
		js, err := cmsJSON(rec)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if o.msg.Value, err = crypto.EncryptCMSDER(js, []*x509.Certificate{to.cert}); err != nil {
			return fmt.Errorf("%s: encrypt to %q: %w", op, clip(m.To), err)
		}
		o.msg.Headers = append(o.msg.Headers,
			messaging.Header{Key: headerFormat, Value: []byte(formatCMS)},
			messaging.Header{Key: headerKey, Value: []byte(m.Key)},
			messaging.Header{Key: headerTime, Value: []byte(strconv.FormatInt(rec.Timestamp, 10))})
	case from.managed:
		if o.plain, err = json.Marshal(rec); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if o.sender, err = s.sessionSender(from, to); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		o.msg.Headers = append(o.msg.Headers, messaging.Header{Key: headerFormat, Value: []byte(formatSession)})
	default:
		plain, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		var buf bytes.Buffer
		w, err := crypto.Seal(ctx, &buf, []*x509.Certificate{to.cert}, crypto.SealOptions{Compression: crypto.CompressNever, Now: s.now()})
		if err == nil {
			_, err = w.Write(plain)
		}
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			return fmt.Errorf("%s: seal to %q: %w", op, clip(m.To), err)
		}
		o.msg.Value = buf.Bytes()
		o.msg.Headers = append(o.msg.Headers, messaging.Header{Key: headerFormat, Value: []byte(formatEnvelope)})
	}
	if len(o.msg.Value)+len(o.plain) > messaging.MaxValueSize-2048 {
		return fmt.Errorf("%s: message of %d bytes once encoded for %q is too large; send less content: %w", op, len(o.msg.Value)+len(o.plain), clip(m.To), ErrTooLarge)
	}
	topic, err := messaging.InboxTopic(to.node)
	if err != nil {
		return fmt.Errorf("%s: recipient node %q: %w", op, to.node, err)
	}
	o.msg.Topic = topic
	return s.enqueue(ctx, topic, o)
}

// checkClientSignature verifies an externally managed sender's signature
// over the content against its registry certificate.
func (s *Service) checkClientSignature(ctx context.Context, from *local, m Message) error {
	if len(m.Signature) == 0 {
		return fmt.Errorf("from %q is externally managed: sign the content and send the signature in headers.signature: %w", clip(m.From), ErrBadSignature)
	}
	d, err := s.cfg.Registry.Destination(ctx, from.u)
	if errors.Is(err, destination.ErrUnknownDestination) {
		return fmt.Errorf("from %q has no certificate in the registry yet (PUT /api/v1/destinations/%s/certificate): %w", clip(m.From), from.name, ErrBadSignature)
	}
	if err != nil {
		return fmt.Errorf("registry lookup of %q: %w", clip(m.From), err)
	}
	cert, err := s.certs.Certificate(d)
	if err != nil {
		return fmt.Errorf("certificate of %q: %w", clip(m.From), err)
	}
	if err := crypto.Verify(cert, m.Content, m.Signature, s.now()); err != nil {
		return fmt.Errorf("headers.signature does not verify against the registry certificate of %q (RSA-SHA256 over the content bytes expected): %w: %w",
			clip(m.From), ErrBadSignature, err)
	}
	return nil
}

func (s *Service) sessionSender(from *local, to *remote) (*crypto.SessionSender, error) {
	k := from.uri + "\x00" + to.uri + "\x00" + string(to.certHash[:])
	s.mu.RLock()
	ss := s.senders[k]
	s.mu.RUnlock()
	if ss != nil {
		return ss, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss = s.senders[k]; ss != nil {
		return ss, nil
	}
	ss, err := crypto.NewSessionSender(from.key, to.cert, crypto.SessionConfig{Now: s.now})
	if err != nil {
		return nil, fmt.Errorf("session to %q: %w", clip(to.uri), err)
	}
	if len(s.senders) > 4096 {
		clear(s.senders)
	}
	s.senders[k] = ss
	return ss, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// outbox sends to one inbox topic from one goroutine, in the order
// messages were queued, one batch per Send.
type outbox struct {
	s     *Service
	topic string
	ch    chan *outgoing
	bytes *semaphore.Weighted // bounds the bytes queued (maxQueuedBytes)
	ready bool                // EnsureTopic succeeded
}

// maxQueuedBytes bounds the bytes waiting in one outbox; a producer that
// gets ahead of the transport waits in Produce.
const maxQueuedBytes = 32 << 20

func (o *outgoing) size() int64 { return int64(len(o.msg.Value) + len(o.plain) + 512) }

func (s *Service) enqueue(ctx context.Context, topic string, o *outgoing) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("app2app: produce: %w", ErrClosed)
	}
	ob := s.outbox[topic]
	if ob == nil {
		ob = &outbox{s: s, topic: topic, ch: make(chan *outgoing, 4*s.cfg.MaxBatch), bytes: semaphore.NewWeighted(maxQueuedBytes)}
		s.outbox[topic] = ob
		s.wg.Add(1)
		go ob.run()
	}
	s.mu.Unlock()
	n := o.size() // sealing changes the size: release what was taken
	if err := ob.bytes.Acquire(ctx, n); err != nil {
		return fmt.Errorf("app2app: produce: %w", err)
	}
	done := o.done
	o.done = func(r Report, err error) {
		ob.bytes.Release(n)
		done(r, err)
	}
	select {
	case ob.ch <- o:
		return nil
	case <-ctx.Done():
		ob.bytes.Release(n)
		return fmt.Errorf("app2app: produce: %w", ctx.Err())
	case <-s.ctx.Done():
		ob.bytes.Release(n)
		return fmt.Errorf("app2app: produce: %w", ErrClosed)
	}
}

const maxBatchBytes = 1 << 20

func (ob *outbox) run() {
	defer ob.s.wg.Done()
	batch := make([]*outgoing, 0, ob.s.cfg.MaxBatch)
	for {
		select {
		case o := <-ob.ch:
			batch = append(batch, o)
		case <-ob.s.ctx.Done():
			ob.drain()
			return
		}
		size := len(batch[0].msg.Value) + len(batch[0].plain)
	gather:
		for len(batch) < cap(batch) && size < maxBatchBytes {
			select {
			case o := <-ob.ch:
				batch = append(batch, o)
				size += len(o.msg.Value) + len(o.plain)
			default:
				break gather
			}
		}
		ob.flush(batch)
		clear(batch)
		batch = batch[:0]
	}
}

// drain fails what is still queued when the service closes.
func (ob *outbox) drain() {
	for {
		select {
		case o := <-ob.ch:
			o.done(Report{}, fmt.Errorf("app2app: produce: %w", ErrClosed))
		default:
			return
		}
	}
}

func (ob *outbox) flush(batch []*outgoing) {
	ctx, cancel := context.WithTimeout(ob.s.ctx, 30*time.Second)
	defer cancel()
	fail := func(err error) {
		for _, o := range batch {
			if o != nil {
				o.done(Report{}, err)
			}
		}
	}
	if !ob.ready {
		if err := ob.s.cfg.Transport.EnsureTopic(ctx, ob.topic, ob.s.cfg.Partitions); err != nil {
			fail(fmt.Errorf("app2app: produce: recipient inbox %q: %w", ob.topic, err))
			return
		}
		ob.ready = true
	}
	msgs := make([]messaging.Message, 0, len(batch))
	sent := batch[:0:0]
	for _, o := range batch {
		if o.sender != nil {
			frame, err := o.sender.Seal(o.plain)
			if err != nil {
				o.done(Report{}, fmt.Errorf("app2app: produce: seal: %w", err))
				continue
			}
			o.msg.Value, o.plain = frame, nil
		}
		msgs = append(msgs, o.msg)
		sent = append(sent, o)
	}
	err := ob.s.cfg.Transport.Send(ctx, msgs...)
	if err != nil && ob.s.ctx.Err() != nil {
		err = fmt.Errorf("%w: %w", ErrClosed, err)
	}
	for _, o := range sent {
		if err != nil {
			o.done(Report{}, fmt.Errorf("app2app: produce: send to %q: %w", ob.topic, err))
		} else {
			o.done(o.report, nil)
		}
	}
}
