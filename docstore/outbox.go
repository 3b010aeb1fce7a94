package docstore

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// outboxPoll bounds how long the worker sleeps between looks at the
// outbox when nothing wakes it.
const outboxPoll = 30 * time.Second

// outboxLoop sends due transfers, turns overdue receipts into new
// attempts and drops stale incoming transfers, until Close.
func (t *Transfers) outboxLoop() {
	defer t.wg.Done()
	sem := make(chan struct{}, t.cfg.Concurrency)
	for {
		wait := t.outboxPass(sem)
		t.sweepIncoming()
		select {
		case <-t.ctx.Done():
			// Wait for running attempts: they stop at the cancelled context.
			for range cap(sem) {
				sem <- struct{}{}
			}
			return
		case <-t.wake:
		case <-time.After(wait):
		}
	}
}

// outboxPass starts what is due and returns how long to sleep.
func (t *Transfers) outboxPass(sem chan struct{}) time.Duration {
	ctx := t.ctx
	now := t.now().UnixNano()
	if err := t.expireAwaiting(ctx, now); err != nil && !t.isClosing(err) {
		t.log.Warn("docstore: outbox: checking overdue receipts", "err", err)
	}
	free := cap(sem) - len(sem)
	if free > 0 {
		ds, err := t.idNumbers(ctx, `SELECT id, next_ns FROM docstore_transfers_out
			WHERE state = 'queued' AND next_ns <= ? ORDER BY next_ns LIMIT ?`, now, free)
		if err != nil {
			if !t.isClosing(err) {
				t.log.Warn("docstore: outbox: listing due transfers", "err", err)
			}
			return t.cfg.RetryMin
		}
		for _, d := range ds {
			if len(sem) == cap(sem) {
				break
			}
			if t.isInflight(d.id) {
				continue
			}
			// Claim the row: push its due time a lease ahead and start the
			// next attempt, unless someone else just did.
			res, err := t.db.ExecContext(ctx, `UPDATE docstore_transfers_out SET next_ns = ?, attempt = attempt + 1,
				claim_host = ?, claim_pid = ?, claim_run = ? WHERE id = ? AND state = 'queued' AND next_ns = ?`,
				now+int64(t.cfg.Lease), t.owner.host, t.owner.pid, t.owner.run, d.id, d.n)
			if err != nil {
				if !t.isClosing(err) {
					t.log.Warn("docstore: outbox: claiming a transfer", "id", d.id, "err", err)
				}
				continue
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue
			}
			t.setInflight(d.id, true)
			sem <- struct{}{}
			go func(id string) {
				defer func() { <-sem; t.setInflight(id, false); t.kick() }()
				t.runAttempt(id)
			}(d.id)
		}
	}
	// Sleep until the next due row, at most outboxPoll; with every slot
	// taken, until an attempt ends (it kicks the loop).
	if len(sem) == cap(sem) {
		return outboxPoll
	}
	wait := outboxPoll
	var next sql.NullInt64
	if err := t.db.QueryRowContext(ctx, `SELECT MIN(next_ns) FROM docstore_transfers_out WHERE state IN ('queued', 'awaiting')`).Scan(&next); err == nil && next.Valid {
		wait = max(min(time.Duration(next.Int64-t.now().UnixNano()), outboxPoll), 10*time.Millisecond)
	}
	return wait
}

// idNumber is a transfer id with one number of its row.
type idNumber struct {
	id string
	n  int64
}

// idNumbers runs a query of (id, number) rows of the transfer tables and
// returns them; a row that does not scan is left out.
func (t *Transfers) idNumbers(ctx context.Context, query string, args ...any) ([]idNumber, error) {
	rows, err := t.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []idNumber
	for rows.Next() {
		var v idNumber
		if err := rows.Scan(&v.id, &v.n); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}

func (t *Transfers) isInflight(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inflight[id]
}

func (t *Transfers) setInflight(id string, on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if on {
		t.inflight[id] = true
	} else {
		delete(t.inflight, id)
	}
}

// expireAwaiting queues a new attempt of every transfer whose receipt is
// overdue, or fails it once MaxResends attempts went unanswered.
func (t *Transfers) expireAwaiting(ctx context.Context, now int64) error {
	os, err := t.idNumbers(ctx, `SELECT id, resends FROM docstore_transfers_out WHERE state = 'awaiting' AND next_ns <= ?`, now)
	if err != nil {
		return err
	}
	for _, o := range os {
		resends := int(o.n)
		if resends >= t.cfg.MaxResends {
			t.failOutgoing(ctx, o.id, fmt.Sprintf("no receipt from the recipient after %d attempts", resends+1))
			continue
		}
		t.log.Info("docstore: no receipt yet; sending the transfer again", "id", o.id, "resends", resends+1)
		if _, err := t.db.ExecContext(ctx, `UPDATE docstore_transfers_out SET state = 'queued', resends = resends + 1, next_ns = ?
			WHERE id = ? AND state = 'awaiting'`, now, o.id); err != nil {
			return err
		}
	}
	return nil
}

// errPermanent marks a failure that no retry can fix: the transfer fails.
type errPermanent struct{ err error }

func (e errPermanent) Error() string { return e.err.Error() }
func (e errPermanent) Unwrap() error { return e.err }

func permanent(format string, args ...any) error { return errPermanent{fmt.Errorf(format, args...)} }

// runAttempt makes one attempt at sending transfer id and records what
// came of it.
func (t *Transfers) runAttempt(id string) {
	ctx := t.ctx
	r, err := t.getOut(ctx, id)
	if err != nil {
		if !t.isClosing(err) {
			t.log.Warn("docstore: outbox: reading a transfer", "id", id, "err", err)
		}
		return
	}
	if r.state != "queued" {
		return
	}
	// Keep the claim while the attempt runs, so that no other process
	// sharing the database takes the row over; a crashed process's claim
	// lapses after one Lease, or at once when the node restarts on the
	// same host (releaseDeadClaims).
	hb, stopHB := context.WithCancel(ctx)
	go t.heartbeat(hb, id, r.attempt)
	// A busy answer from the recipient stops the attempt (busy.go).
	actx, stop := context.WithCancel(ctx)
	t.mu.Lock()
	t.attempts[id] = stop
	t.mu.Unlock()
	err = t.transmit(actx, &r)
	t.mu.Lock()
	delete(t.attempts, id)
	t.mu.Unlock()
	stop()
	stopHB()
	var perm errPermanent
	switch {
	case t.takeBusyWish(id, r.attempt):
		if berr := t.backOffBusy(ctx, id, r.attempt, r.busy); berr != nil && !t.isClosing(berr) {
			t.log.Warn("docstore: outbox: queueing a transfer the recipient was busy for", "id", id, "err", berr)
		}
	case err == nil:
		t.afterTransmit(ctx, &r)
	case errors.As(err, &perm):
		t.log.Warn("docstore: transfer failed", "id", id, "err", err)
		t.failOutgoing(context.WithoutCancel(ctx), id, err.Error())
	default:
		if t.isClosing(err) {
			// Closing is no failure: release the row, so that the service
			// reopened (or another process) makes the next attempt at once.
			_, _ = t.db.ExecContext(context.WithoutCancel(ctx), `UPDATE docstore_transfers_out SET next_ns = ?, claim_run = ''
				WHERE id = ? AND state = 'queued'`, t.now().UnixNano(), id)
			return
		}
		if t.cfg.MaxFailures > 0 && r.failures+1 >= t.cfg.MaxFailures {
			t.log.Warn("docstore: transfer failed", "id", id, "attempts", r.failures+1, "err", err)
			t.failOutgoing(context.WithoutCancel(ctx), id, fmt.Sprintf("%d attempts in a row failed; the last: %v", r.failures+1, err))
			return
		}
		wait := t.backoff(r.failures + 1)
		t.log.Warn("docstore: transfer attempt failed; retrying", "id", id, "attempt", r.attempt, "in", wait, "err", err)
		_, _ = t.db.ExecContext(context.WithoutCancel(ctx), `UPDATE docstore_transfers_out SET failures = failures + 1, next_ns = ?,
			claim_run = '' WHERE id = ? AND state = 'queued'`, t.now().Add(wait).UnixNano(), id)
	}
}

// heartbeat extends the claim of an outbox row until ctx is done.
func (t *Transfers) heartbeat(ctx context.Context, id string, attempt int) {
	tick := time.NewTicker(t.cfg.Lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			_, _ = t.db.ExecContext(ctx, `UPDATE docstore_transfers_out SET next_ns = ? WHERE id = ? AND state = 'queued' AND attempt = ?`,
				t.now().Add(t.cfg.Lease).UnixNano(), id, attempt)
		}
	}
}

// afterTransmit moves a transfer whose manifest was sent to waiting for
// its receipt (or straight to a new attempt when the receiver asked for
// one meanwhile), emits document_sent the first time, and pins.
func (t *Transfers) afterTransmit(ctx context.Context, r *outRow) {
	now := t.now()
	state, next := "awaiting", now.Add(t.ackTimeout(r.resends)).UnixNano()
	t.mu.Lock()
	if a, ok := t.resendWish[r.ID]; ok && a >= r.attempt && r.resends < t.cfg.MaxResends {
		state, next = "queued", now.Add(t.backoff(r.resends+1)).UnixNano()
	}
	delete(t.resendWish, r.ID)
	t.mu.Unlock()
	wctx := context.WithoutCancel(ctx)
	resends := "resends"
	if state == "queued" {
		resends = "resends + 1"
	}
	// busy = r.busy: a busy answer that came as the attempt ended has
	// queued the next attempt already (backOffBusy); keep that.
	if _, err := t.db.ExecContext(wctx, `UPDATE docstore_transfers_out SET state = ?, next_ns = ?, failures = 0, `+
		`resends = `+resends+` WHERE id = ? AND state = 'queued' AND busy = ?`, state, next, r.ID, r.busy); err != nil {
		t.log.Error("docstore: outbox: recording a sent transfer", "id", r.ID, "err", err)
	}
	t.markSent(wctx, r.ID)
	if t.cfg.PinTransfers {
		t.pin(wctx, r)
	}
}

func (t *Transfers) ackTimeout(resends int) time.Duration {
	d := t.cfg.AckTimeout
	for i := 0; i < resends && d < 24*time.Hour; i++ {
		d *= 2
	}
	return d
}

// markSent records that document_sent was emitted and emits it, once.
func (t *Transfers) markSent(ctx context.Context, id string) {
	t.updateOut(ctx, id, EventDocumentSent, "recording document_sent",
		`UPDATE docstore_transfers_out SET sent_ns = ? WHERE id = ? AND sent_ns = 0`, t.now().UnixNano(), id)
}

// updateOut runs query, an update of outgoing transfer id's row, and
// when it changed the row tells the sender's member with ev; what names
// the update in the log when it fails.
func (t *Transfers) updateOut(ctx context.Context, id string, ev TransferEvent, what, query string, args ...any) {
	res, err := t.db.ExecContext(ctx, query, args...)
	if err != nil {
		t.log.Error("docstore: outbox: "+what, "id", id, "err", err)
		return
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if r, err := t.getOut(ctx, id); err == nil {
			t.notify(r.Member, ev, r.Transfer)
		}
	}
}

func (t *Transfers) pin(ctx context.Context, r *outRow) {
	b, err := hex.DecodeString(r.TransferHash)
	if err != nil || len(b) != 32 {
		return
	}
	rc, err := t.cfg.Pinner.Pin(ctx, [32]byte(b))
	if err != nil {
		t.log.Warn("docstore: pinning a transfer hash failed", "id", r.ID, "transferHash", r.TransferHash, "err", err)
		return
	}
	_, _ = t.db.ExecContext(ctx, `UPDATE docstore_transfers_out SET pin_tx = ? WHERE id = ?`, rc.Tx.Hex(), r.ID)
}

// failOutgoing ends a transfer as failed and tells the sender's member.
func (t *Transfers) failOutgoing(ctx context.Context, id, reason string) {
	t.updateOut(ctx, id, EventTransferAcknowledgement, "recording a failed transfer",
		`UPDATE docstore_transfers_out SET status = 'failed', error = ?, state = 'done', next_ns = 0
		WHERE id = ? AND state != 'done'`, trimReason(reason), id)
}

// transmit sends one attempt of r: the sealed document as shards, then
// the manifest. It fills in r's hash, transfer hash and sender
// signature (and records them before the manifest leaves).
func (t *Transfers) transmit(ctx context.Context, r *outRow) error {
	k, err := t.destinationKey(r.From)
	if errors.Is(err, destination.ErrUnknownDestination) {
		return permanent("the sending destination %q is no longer managed by this node", r.From.String())
	}
	if err != nil {
		return err
	}
	cert, err := t.recipientCert(ctx, r.To)
	if errors.Is(err, destination.ErrUnknownDestination) || errors.Is(err, ErrRecipientUnusable) {
		return errPermanent{err}
	}
	if err != nil {
		return err
	}
	topic, err := t.inboxOf(ctx, r.To)
	if err != nil {
		if errors.Is(err, chain.ErrUnknownMember) {
			return errPermanent{err}
		}
		return err
	}
	sp, err := t.store.Space(r.Member)
	if err != nil {
		return errPermanent{err}
	}
	p, err := ParsePath(r.Document)
	if err != nil {
		return errPermanent{err}
	}
	doc, err := sp.Read(ctx, p, 0, -1)
	if errors.Is(err, ErrNotFound) {
		return permanent("the document %s is no longer there", r.Document)
	}
	if err != nil {
		return err
	}
	defer doc.Close()

	base := []messaging.Header{
		{Key: messaging.HeaderFrom, Value: []byte(t.cfg.Node)},
		{Key: messaging.HeaderTo, Value: []byte(r.To.String())},
		{Key: headerTransfer, Value: []byte(r.ID)},
		{Key: headerAttempt, Value: []byte(strconv.Itoa(r.attempt))},
		{Key: headerFromURI, Value: []byte(r.From.String())},
	}
	ss := newShardSender(ctx, t.cfg.Transport, topic, r.ID, r.attempt, base)
	sw, err := crypto.Seal(ctx, ss, []*x509.Certificate{cert}, crypto.SealOptions{Signer: k.Key, ChunkSize: t.cfg.ChunkSize, Now: t.now()})
	if err != nil {
		ss.abort()
		if errors.Is(err, crypto.ErrExpired) || errors.Is(err, crypto.ErrUnsupportedKey) {
			return errPermanent{fmt.Errorf("%w: %v", ErrRecipientUnusable, err)}
		}
		return err
	}
	buf := make([]byte, 256<<10)
	if _, err := io.CopyBuffer(sw, readerOnly{doc}, buf); err != nil {
		ss.abort()
		return fmt.Errorf("sealing %s: %w", r.Document, err)
	}
	if err := sw.Close(); err != nil {
		ss.abort()
		return fmt.Errorf("sealing %s: %w", r.Document, err)
	}
	if err := ss.Close(); err != nil {
		return fmt.Errorf("sending shards: %w", err)
	}
	hash := hex.EncodeToString(sw.SHA256())
	if r.Hash != "" && r.Hash != hash {
		return permanent("the document %s changed since the transfer was first sent (SHA-256 %s, now %s)", r.Document, r.Hash, hash)
	}
	r.Hash, r.Size = hash, sw.Size()
	r.TransferHash = crypto.TransferHash(r.From.String(), r.To.String(), r.Hash, r.Timestamp)
	if r.SenderSignature, err = crypto.SignTransferHash(k.Key, r.TransferHash); err != nil {
		return errPermanent{fmt.Errorf("signing the transfer hash: %w", err)}
	}
	if _, err := t.db.ExecContext(ctx, `UPDATE docstore_transfers_out SET hash = ?, size = ?, transfer_hash = ?, sender_sig = ?
		WHERE id = ?`, r.Hash, r.Size, r.TransferHash, r.SenderSignature, r.ID); err != nil {
		return fmt.Errorf("recording the transfer hash: %w", err)
	}
	m := manifest{V: wireVersion, ID: r.ID, Attempt: r.attempt, From: r.From.String(), To: r.To.String(), Name: p.Name(), Hash: r.Hash,
		Size: r.Size, Timestamp: r.Timestamp, Shards: ss.count, SealedSize: ss.bytes, TransferHash: r.TransferHash,
		SenderSignature: r.SenderSignature}
	sig, err := crypto.Sign(k.Key, m.statement())
	if err != nil {
		return errPermanent{fmt.Errorf("signing the manifest: %w", err)}
	}
	m.Signature = base64.StdEncoding.EncodeToString(sig)
	body, err := json.Marshal(&m)
	if err != nil {
		return err
	}
	hdrs := append(append([]messaging.Header(nil), base...),
		messaging.Header{Key: messaging.HeaderKind, Value: []byte(kindManifest)},
		messaging.Header{Key: messaging.HeaderID, Value: []byte(recordID(r.ID, r.attempt, kindManifest, 0))})
	if err := t.cfg.Transport.Send(ctx, messaging.Message{Topic: topic, Key: r.ID, Value: body, Headers: hdrs}); err != nil {
		return fmt.Errorf("sending the manifest: %w", err)
	}
	t.recordManifest(ctx, r.ID, Outgoing, body)
	return nil
}

// readerOnly hides a reader's WriterTo, so that io.CopyBuffer uses the
// given buffer and writes the seal in large pieces.
type readerOnly struct{ io.Reader }

// shardSender is the io.Writer the sealed stream goes into: it cuts the
// stream into shards of messaging.MaxShardSize bytes and sends them in
// order, several per Send, on a goroutine of its own, so that sealing
// the next shards overlaps sending the previous ones. Memory is bounded
// by its pool of shard buffers.
type shardSender struct {
	ctx     context.Context
	tr      messaging.Transport
	topic   string
	id      string
	attempt int
	base    []messaging.Header

	cur   []byte
	full  chan []byte   // shards waiting to be sent, in order
	free  chan []byte   // empty buffers
	stop  chan struct{} // closed when sending failed
	done  chan struct{}
	once  sync.Once
	err   error // the sending goroutine's failure, read after done
	count int   // shards handed over
	bytes int64 // bytes handed over
}

const (
	shardBuffers = 24 // 6 MiB in flight per transfer
	shardBatch   = 16 // shards per Send at most
)

func newShardSender(ctx context.Context, tr messaging.Transport, topic, id string, attempt int, base []messaging.Header) *shardSender {
	s := &shardSender{ctx: ctx, tr: tr, topic: topic, id: id, attempt: attempt, base: base,
		full: make(chan []byte, shardBuffers), free: make(chan []byte, shardBuffers), stop: make(chan struct{}), done: make(chan struct{})}
	for range shardBuffers {
		s.free <- nil
	}
	go s.run()
	return s
}

func (s *shardSender) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if s.cur == nil {
			select {
			case b := <-s.free:
				if b == nil {
					b = make([]byte, 0, messaging.MaxShardSize)
				}
				s.cur = b[:0]
			case <-s.stop:
				return n, s.failure()
			}
		}
		m := copy(s.cur[len(s.cur):cap(s.cur)], p)
		s.cur = s.cur[:len(s.cur)+m]
		p = p[m:]
		n += m
		if len(s.cur) == cap(s.cur) {
			if err := s.push(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (s *shardSender) push() error {
	b := s.cur
	s.cur = nil
	select {
	case s.full <- b:
		s.count++
		s.bytes += int64(len(b))
		return nil
	case <-s.stop:
		return s.failure()
	}
}

func (s *shardSender) failure() error {
	if s.err != nil {
		return s.err
	}
	return errors.New("shard sender stopped")
}

// Close sends the last shard and waits until every shard is durable.
func (s *shardSender) Close() error {
	if len(s.cur) > 0 {
		if err := s.push(); err != nil {
			return err
		}
	}
	s.once.Do(func() { close(s.full) })
	<-s.done
	return s.err
}

// abort stops sending; shards already sent stay (the receiver drops an
// attempt without a manifest).
func (s *shardSender) abort() {
	s.once.Do(func() { close(s.full) })
	<-s.done
}

func (s *shardSender) run() {
	defer close(s.done)
	msgs := make([]messaging.Message, 0, shardBatch)
	bufs := make([][]byte, 0, shardBatch)
	index := 0
	for b := range s.full {
		msgs, bufs = msgs[:0], bufs[:0]
		add := func(b []byte) {
			hdrs := make([]messaging.Header, 0, len(s.base)+3)
			hdrs = append(hdrs, s.base...)
			hdrs = append(hdrs,
				messaging.Header{Key: messaging.HeaderKind, Value: []byte(kindShard)},
				messaging.Header{Key: headerShard, Value: []byte(strconv.Itoa(index))},
				messaging.Header{Key: messaging.HeaderID, Value: []byte(recordID(s.id, s.attempt, kindShard, index))})
			msgs = append(msgs, messaging.Message{Topic: s.topic, Key: s.id, Value: b, Headers: hdrs})
			bufs = append(bufs, b)
			index++
		}
		add(b)
	more:
		for len(msgs) < shardBatch {
			select {
			case b, ok := <-s.full:
				if !ok {
					break more
				}
				add(b)
			default:
				break more
			}
		}
		if err := s.tr.Send(s.ctx, msgs...); err != nil {
			s.err = err
			close(s.stop)
			// Writers now fail; done closes once the writer closes full.
			for range s.full {
			}
			return
		}
		for _, b := range bufs {
			select {
			case s.free <- b:
			default:
			}
		}
	}
}
