package docstore

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// consumeLoop consumes the node's inbox in the node's group until Close,
// starting again after a failure.
func (t *Transfers) consumeLoop() {
	defer t.wg.Done()
	group := messaging.NodeGroup(t.cfg.Node)
	wait := t.cfg.RetryMin
	for t.ctx.Err() == nil {
		err := t.cfg.Transport.Consume(t.ctx, group, []string{t.inbox}, t.handle)
		if t.ctx.Err() != nil {
			return
		}
		t.log.Warn("docstore: transfer inbox consumer stopped; restarting", "in", wait, "err", err)
		select {
		case <-t.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, t.cfg.RetryMax)
	}
}

// handle is the messaging.Handler of the node's inbox. Records of other
// kinds (app-to-app messages) are not for this pipeline.
func (t *Transfers) handle(ctx context.Context, d messaging.Delivery) error {
	var err error
	switch header(&d, messaging.HeaderKind) {
	case kindShard:
		err = t.onShard(ctx, &d)
	case kindManifest:
		err = t.onManifest(ctx, &d)
	case kindReceipt:
		err = t.onReceipt(ctx, &d)
	case kindResend:
		err = t.onResend(ctx, &d)
	}
	if err != nil && ctx.Err() == nil {
		t.log.Warn("docstore: inbox: will retry a record", "kind", header(&d, messaging.HeaderKind),
			"id", header(&d, messaging.HeaderID), "attempt", d.Attempt, "err", err)
	}
	return err
}

// incoming is a transfer being received: its shards are fed, as they
// arrive, through crypto.Open into Store.Stage on a goroutine of its own.
type incoming struct {
	id         string
	from, to   destination.URI
	fromMember string
	attempt    int
	key        DestinationKey
	fromCert   *x509.Certificate
	next       int          // index of the next shard expected
	bytes      int64        // sealed bytes fed so far
	last       atomic.Int64 // when the last shard came (Unix ns); read by sweepIncoming

	ctx    context.Context
	cancel context.CancelFunc
	ch     chan []byte // shards for the opening goroutine
	once   sync.Once
	done   chan struct{}
	// Set by the goroutine before done closes.
	staged    Staged
	err       error
	transient bool // err is not a verdict on the content
}

// incomingQueue is how many shards may wait for the opening goroutine
// (2 MiB per transfer).
const incomingQueue = 8

var errStageEnded = errors.New("the opening pipeline ended early")

func (inc *incoming) write(ctx context.Context, b []byte) error {
	select {
	case inc.ch <- b:
		return nil
	case <-inc.done:
		return errStageEnded
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (inc *incoming) closeInput() { inc.once.Do(func() { close(inc.ch) }) }

// abort stops the goroutine and waits for it.
func (inc *incoming) abort() {
	inc.cancel()
	inc.closeInput()
	<-inc.done
}

// incomingReader is the envelope stream of an incoming transfer.
type incomingReader struct {
	inc *incoming
	cur []byte
}

func (r *incomingReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		select {
		case b, ok := <-r.inc.ch:
			if !ok {
				return 0, io.EOF
			}
			r.cur = b
		case <-r.inc.ctx.Done():
			return 0, r.inc.ctx.Err()
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// readCapture remembers the first error of the reader it wraps, so that
// a failure to open the envelope is told apart from a storage failure.
type readCapture struct {
	r   io.Reader
	err error
}

func (c *readCapture) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// isVerdict reports whether err says the envelope itself is bad (as
// opposed to the node failing to process it).
func isVerdict(err error) bool {
	for _, e := range []error{crypto.ErrMalformed, crypto.ErrNotRecipient, crypto.ErrTampered, crypto.ErrTruncated,
		crypto.ErrTrailingData, crypto.ErrUnsigned, crypto.ErrWrongSigner, crypto.ErrExpired, crypto.ErrBadSignature,
		crypto.ErrUnsupportedKey} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// startIncoming checks that to is a destination managed here and from a
// sender in the registry, takes one of the sender's IncomingPerSender
// slots (errSenderBusy when none is free), and starts the opening
// goroutine.
func (t *Transfers) startIncoming(ctx context.Context, id string, attempt int, from, to destination.URI) (*incoming, error) {
	if to.Kind != destination.KindDocumentStore {
		return nil, permanent("%q is a %s destination; documents go to %s destinations", clip(to.String()), to.Kind, destination.KindDocumentStore)
	}
	k, err := t.destinationKey(to)
	if errors.Is(err, destination.ErrUnknownDestination) {
		return nil, permanent("%q is not a destination managed by this node", clip(to.String()))
	}
	if err != nil {
		return nil, err
	}
	cert, member, err := t.registryCert(ctx, from)
	if errors.Is(err, destination.ErrUnknownDestination) || errors.Is(err, ErrRecipientUnusable) {
		return nil, permanent("the sender cannot be verified: %v", err)
	}
	if err != nil {
		return nil, err
	}
	inc := &incoming{id: id, attempt: attempt, from: from, to: to, fromMember: member, key: k, fromCert: cert,
		ch: make(chan []byte, incomingQueue), done: make(chan struct{})}
	inc.last.Store(t.now().UnixNano())
	inc.ctx, inc.cancel = context.WithCancel(t.ctx)
	t.mu.Lock()
	if busy, n := t.senderBusyLocked(from); busy {
		t.mu.Unlock()
		inc.cancel()
		return nil, errSenderBusy{n}
	}
	t.incoming[id] = inc
	delete(t.refusals, id)
	t.mu.Unlock()
	go t.runIncoming(inc)
	return inc, nil
}

// runIncoming opens the envelope as it arrives and stages the plaintext.
func (t *Transfers) runIncoming(inc *incoming) {
	defer close(inc.done)
	src := &incomingReader{inc: inc}
	or, err := crypto.Open(inc.ctx, src, inc.key.Key, crypto.OpenOptions{Senders: []*x509.Certificate{inc.fromCert}, Now: t.now()})
	if err != nil {
		inc.err, inc.transient = err, !isVerdict(err)
		return
	}
	defer or.Close()
	rc := &readCapture{r: or}
	st, err := t.store.Stage(inc.ctx, rc)
	if err != nil {
		if rc.err != nil {
			inc.err, inc.transient = rc.err, !isVerdict(rc.err)
		} else {
			inc.err, inc.transient = err, true
		}
		return
	}
	inc.staged = st
}

// dropIncoming forgets an incoming transfer and its staged content.
func (t *Transfers) dropIncoming(inc *incoming) {
	t.mu.Lock()
	if t.incoming[inc.id] == inc {
		delete(t.incoming, inc.id)
	}
	t.mu.Unlock()
	inc.abort()
	if inc.staged.Key != "" {
		if err := t.store.Discard(context.WithoutCancel(t.ctx), inc.staged); err != nil {
			t.log.Warn("docstore: inbox: discarding staged content", "id", inc.id, "err", err)
		}
	}
}

func (t *Transfers) lookupIncoming(id string) *incoming {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.incoming[id]
}

// sweepIncoming drops incoming transfers idle for longer than IdleTimeout.
func (t *Transfers) sweepIncoming() {
	limit := t.now().Add(-t.cfg.IdleTimeout).UnixNano()
	var stale []*incoming
	t.mu.Lock()
	for _, inc := range t.incoming {
		if inc.last.Load() < limit {
			stale = append(stale, inc)
		}
	}
	t.mu.Unlock()
	for _, inc := range stale {
		t.log.Info("docstore: inbox: dropping an incoming transfer with no shard for a while", "id", inc.id, "attempt", inc.attempt)
		t.dropIncoming(inc)
	}
}

func (t *Transfers) onShard(ctx context.Context, d *messaging.Delivery) error {
	id := header(d, headerTransfer)
	attempt, aerr := strconv.Atoi(header(d, headerAttempt))
	index, ierr := strconv.Atoi(header(d, headerShard))
	from, to, uerr := checkURIs(header(d, headerFromURI), header(d, messaging.HeaderTo))
	if !validTransferID(id) || aerr != nil || ierr != nil || attempt < 1 || attempt > maxAttempt || index < 0 ||
		index >= maxShardCount || len(d.Value) == 0 || len(d.Value) > messaging.MaxShardSize || uerr != nil {
		t.dropMalformed("shard", d, nil)
		return nil
	}
	if t.refusedAttempt(id, attempt, from, to) {
		return nil // the rest of an attempt refused already, waiting for its manifest
	}
	if t.answeredBusy(id, attempt) {
		return nil // the rest of an attempt answered busy
	}
	inc := t.lookupIncoming(id)
	if inc != nil && inc.attempt == attempt {
		if inc.from != from || inc.to != to {
			t.log.Warn("docstore: inbox: dropping a shard naming other destinations than its transfer", "id", id)
			return nil
		}
		switch {
		case index < inc.next:
			return nil // a duplicate
		case index > inc.next:
			t.dropIncoming(inc)
			return t.askResend(ctx, id, attempt, from, to, fmt.Sprintf("shard %d arrived after shard %d", index, inc.next-1))
		}
		return t.feed(ctx, inc, d.Value)
	}
	if inc != nil && attempt < inc.attempt {
		return nil // a stale attempt
	}
	if inc != nil {
		t.dropIncoming(inc) // a newer attempt replaces it
	}
	row, ok, err := t.getIn(ctx, id)
	if err != nil {
		return err
	}
	if ok && row.status != "placing" {
		return nil // already received or refused; the manifest gets the receipt again
	}
	if ok && row.attempt == attempt {
		return nil // verified before a restart; its manifest completes it
	}
	if index != 0 {
		return t.askResend(ctx, id, attempt, from, to,
			fmt.Sprintf("shard %d of attempt %d arrived without the shards before it (the node restarted, or the partition moved)", index, attempt))
	}
	if ok { // placing, from an older attempt that crashed before placing: start over
		if err := t.forgetPlacing(ctx, row); err != nil {
			return err
		}
	}
	inc, err = t.startIncoming(ctx, id, attempt, from, to)
	var perm errPermanent
	var busy errSenderBusy
	if errors.As(err, &busy) {
		return t.answerBusy(ctx, id, attempt, from, to, busy.arriving)
	}
	if errors.As(err, &perm) {
		t.deferRefusal(refusal{id: id, attempt: attempt, from: from, to: to}, err.Error())
		return nil
	}
	if err != nil {
		return err
	}
	return t.feed(ctx, inc, d.Value)
}

// feed hands one shard to an incoming transfer's goroutine. When that
// goroutine has already ended, the transfer is refused (the envelope is
// bad) or dropped and asked again (the node failed).
func (t *Transfers) feed(ctx context.Context, inc *incoming, b []byte) error {
	err := inc.write(ctx, b)
	if err == nil {
		inc.next++
		inc.bytes += int64(len(b))
		inc.last.Store(t.now().UnixNano())
		return nil
	}
	if !errors.Is(err, errStageEnded) {
		return err
	}
	t.dropIncoming(inc)
	if inc.transient {
		t.log.Warn("docstore: inbox: receiving failed; asking for the transfer again", "id", inc.id, "err", inc.err)
		return t.askResend(ctx, inc.id, inc.attempt, inc.from, inc.to, "the receiving node failed: "+inc.err.Error())
	}
	t.deferRefusal(refusal{id: inc.id, attempt: inc.attempt, from: inc.from, to: inc.to, member: inc.key.Member},
		"the document does not open: "+inc.err.Error())
	return nil
}

func (t *Transfers) onManifest(ctx context.Context, d *messaging.Delivery) error {
	m, err := decodeManifest(d.Value)
	if err != nil {
		t.dropMalformed("manifest", d, err)
		return nil
	}
	if ok, err := t.verifyManifest(ctx, m); !ok {
		return err // nil for a forged manifest: it changes nothing
	}
	row, ok, err := t.getIn(ctx, m.ID)
	if err != nil {
		return err
	}
	inc := t.lookupIncoming(m.ID)
	if inc != nil && (inc.from != m.fromURI || inc.to != m.toURI) {
		// Its shards' clear-text headers named other destinations than
		// this verified manifest: they were not the sender's.
		t.log.Warn("docstore: inbox: dropping shards that name other destinations than their verified manifest", "id", m.ID)
		t.dropIncoming(inc)
		inc = nil
	}
	if ok && row.status != "placing" {
		if inc != nil {
			t.dropIncoming(inc)
		}
		if row.From != m.fromURI || row.To != m.toURI {
			t.log.Warn("docstore: inbox: a manifest reuses the id of another transfer; dropped", "id", m.ID)
			return nil
		}
		return t.answer(ctx, &row) // a duplicate: the same receipt again
	}
	if ok && (inc == nil || inc.attempt != m.Attempt) && row.attempt == m.Attempt {
		return t.finishPlacing(ctx, &row) // the node stopped between verifying and placing
	}
	if inc == nil || inc.attempt != m.Attempt {
		if inc != nil && inc.attempt > m.Attempt {
			return nil // the manifest of an attempt already replaced
		}
		if inc != nil {
			t.dropIncoming(inc)
		}
		if t.answeredBusy(m.ID, m.Attempt) {
			return nil // answered busy at its first shard; the sender tries again later
		}
		if p, ok := t.takeRefusal(m); ok {
			return t.refuseAndAnswer(ctx, p.refusal, p.reason)
		}
		return t.askResend(ctx, m.ID, m.Attempt, m.fromURI, m.toURI, "the manifest arrived without its shards")
	}
	inc.closeInput()
	select {
	case <-inc.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	t.mu.Lock()
	if t.incoming[inc.id] == inc {
		delete(t.incoming, inc.id)
	}
	t.mu.Unlock()
	ref := refusal{id: m.ID, attempt: m.Attempt, from: m.fromURI, to: m.toURI, member: inc.key.Member, m: m}
	if inc.err != nil {
		if inc.transient {
			t.log.Warn("docstore: inbox: receiving failed; asking for the transfer again", "id", inc.id, "err", inc.err)
			return t.askResend(ctx, m.ID, m.Attempt, m.fromURI, m.toURI, "the receiving node failed: "+inc.err.Error())
		}
		if err := t.refuse(ctx, ref, "the document does not open: "+inc.err.Error()); err != nil {
			return err
		}
		return t.answerID(ctx, m.ID)
	}
	st := inc.staged
	discard := func() {
		if err := t.store.Discard(context.WithoutCancel(ctx), st); err != nil {
			t.log.Warn("docstore: inbox: discarding staged content", "id", m.ID, "err", err)
		}
	}
	if reason := t.checkManifest(inc, m, st); reason != "" {
		discard()
		if err := t.refuse(ctx, ref, reason); err != nil {
			return err
		}
		return t.answerID(ctx, m.ID)
	}
	sp, err := t.store.Space(inc.key.Member)
	if err != nil {
		discard()
		return t.refuseAndAnswer(ctx, ref, err.Error())
	}
	folder, err := sp.ReceivedFolder(ctx, ReceivedVars{SenderOrg: m.fromURI.Member, SenderDestination: m.fromURI.Name, RecipientDestination: m.toURI.Name})
	if err != nil {
		if errors.Is(err, ErrInvalidPath) || errors.Is(err, ErrInvalidArgument) {
			discard()
			return t.refuseAndAnswer(ctx, ref, "no place for the document: "+err.Error())
		}
		discard()
		return err // the database failed; the manifest comes again, and so must the shards
	}
	p, err := folder.Join(m.Name)
	if err != nil {
		discard()
		return t.refuseAndAnswer(ctx, ref, "no place for the document: "+err.Error())
	}
	sig, err := crypto.SignTransferHash(inc.key.Key, m.TransferHash)
	if err != nil {
		discard()
		return t.refuseAndAnswer(ctx, ref, "the recipient could not sign its receipt: "+err.Error())
	}
	in := inRow{Transfer: Transfer{ID: m.ID, Direction: Incoming, Member: inc.key.Member, Timestamp: m.Timestamp,
		From: m.fromURI, To: m.toURI, Document: p.Abs(), Hash: m.Hash, Size: m.Size, Status: TransferStatus("placing"),
		TransferHash: m.TransferHash, SenderSignature: m.SenderSignature, RecipientSignature: sig, Created: t.now()},
		status: "placing", attempt: m.Attempt, staged: st}
	if err := t.putIn(context.WithoutCancel(ctx), &in); err != nil {
		discard()
		return err
	}
	t.recordManifest(ctx, m.ID, Incoming, d.Value)
	return t.finishPlacing(ctx, &in)
}

// checkManifest compares a finished envelope with its manifest and
// verifies the sender's signatures; it returns why they disagree, or "".
func (t *Transfers) checkManifest(inc *incoming, m *manifest, st Staged) string {
	now := t.now()
	switch {
	case m.fromURI != inc.from || m.toURI != inc.to:
		return "the manifest names other destinations than the shards"
	case m.Shards != inc.next || m.SealedSize != inc.bytes:
		return fmt.Sprintf("the manifest announces %d shards of %d bytes; %d shards of %d bytes arrived", m.Shards, m.SealedSize, inc.next, inc.bytes)
	case st.Hash != m.Hash || st.Size != m.Size:
		return fmt.Sprintf("the document received has SHA-256 %s and %d bytes; the manifest says %s and %d bytes", st.Hash, st.Size, m.Hash, m.Size)
	}
	sig, _ := base64.StdEncoding.DecodeString(m.Signature)
	if err := crypto.Verify(inc.fromCert, m.statement(), sig, now); err != nil {
		return "the manifest's signature does not verify against the sender's registry certificate: " + err.Error()
	}
	if err := crypto.VerifyTransferHash(inc.fromCert, m.TransferHash, m.SenderSignature, now); err != nil {
		return "the sender's signature of the transfer hash does not verify against its registry certificate: " + err.Error()
	}
	return ""
}

// finishPlacing places verified staged content recorded in row (status
// placing), marks it received, emits document_received and answers the
// sender. Run again after a crash, it completes what was left.
func (t *Transfers) finishPlacing(ctx context.Context, row *inRow) error {
	sp, err := t.store.Space(row.Member)
	if err != nil {
		return err
	}
	p, err := ParsePath(row.Document)
	if err != nil {
		return err
	}
	p, err = t.place(ctx, sp, row, p)
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound):
		// The staged content is gone: placed just before a crash, or lost.
		e, lerr := sp.Lookup(ctx, p)
		if lerr != nil && !errors.Is(lerr, ErrNotFound) {
			return lerr
		}
		if lerr == nil && !e.IsDir && e.Hash == "" {
			// Moved into place, then the node stopped before recording it.
			if own, err := t.unrecordedCopy(ctx, sp, row, p, e); err != nil {
				return err
			} else if own {
				e.Hash = row.Hash
			}
		}
		if lerr != nil || e.IsDir || e.Hash != row.Hash {
			t.log.Warn("docstore: inbox: verified content vanished before it was placed; asking for the transfer again", "id", row.ID)
			if err := t.forgetPlacing(ctx, *row); err != nil {
				return err
			}
			return t.askResend(ctx, row.ID, row.attempt, row.From, row.To, "the received document was lost before it was placed")
		}
	case errors.Is(err, ErrIsFolder), errors.Is(err, ErrNotFolder), errors.Is(err, ErrInvalidArgument), errors.Is(err, ErrChanged):
		if derr := t.store.Discard(context.WithoutCancel(ctx), row.staged); derr != nil {
			t.log.Warn("docstore: inbox: discarding staged content", "id", row.ID, "err", derr)
		}
		return t.refuseAndAnswer(ctx, refusal{id: row.ID, attempt: row.attempt, from: row.From, to: row.To, member: row.Member},
			fmt.Sprintf("the document cannot be placed at %s: %v", row.Document, err))
	default:
		return err
	}
	res, err := t.db.ExecContext(context.WithoutCancel(ctx), `UPDATE docstore_transfers_in SET status = 'received', staged_key = ''
		WHERE id = ? AND status = 'placing'`, row.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		row.status, row.Status = "received", StatusReceived
		t.notify(row.Member, EventDocumentReceived, row.Transfer)
	}
	return t.answerID(ctx, row.ID)
}

// maxRenames bounds the numbered names tried for a received document
// whose path is taken ("contract (2).txt" … "contract (100).txt").
const maxRenames = 100

// place places row's staged content at p. Unless the member opted into
// overwriting, it replaces a document there only when that document is
// the unchanged copy of an earlier transfer from the same sending
// member (a new version); any other (another sender's, the member's own
// upload, one placed by other means) is kept, and the content goes to
// the first free numbered name, recorded in row (Document and Note)
// before it is placed so that a restart finishes the same placement.
// It returns where the content is.
func (t *Transfers) place(ctx context.Context, sp *Space, row *inRow, p Path) (Path, error) {
	prefs, err := sp.Preferences(ctx)
	if err != nil {
		return p, err
	}
	mode := CreateOnly
	if prefs.ReceivedDocumentsOverwrite {
		mode = Overwrite
	} else if e, err := sp.Lookup(ctx, p); err != nil && !errors.Is(err, ErrNotFound) {
		return p, err
	} else if err == nil {
		if ok, err := t.sameSenderCopy(ctx, row, p, e); err != nil {
			return p, err
		} else if ok {
			mode = Overwrite
		} else if ok, err := t.unrecordedCopy(ctx, sp, row, p, e); err != nil {
			return p, err
		} else if ok {
			mode = Overwrite // this transfer's own copy, from before a crash
		}
	}
	_, err = sp.Place(ctx, row.staged, p, mode)
	if !errors.Is(err, ErrExists) {
		return p, err
	}
	taken := p
	for n := 2; n <= maxRenames+1; n++ {
		q, err := p.Dir().Join(numberedName(p.Name(), n))
		if err != nil {
			return p, err
		}
		if _, err := sp.Lookup(ctx, q); !errors.Is(err, ErrNotFound) {
			if err != nil {
				return p, err
			}
			continue
		}
		note := fmt.Sprintf("a document from another sender is at %s; kept both: this one is at %s", taken.Abs(), q.Abs())
		if _, err := t.db.ExecContext(context.WithoutCancel(ctx), `UPDATE docstore_transfers_in SET document = ?, note = ?
			WHERE id = ? AND status = 'placing'`, q.Abs(), note, row.ID); err != nil {
			return p, err
		}
		row.Document, row.Note = q.Abs(), note
		_, err = sp.Place(ctx, row.staged, q, CreateOnly)
		if !errors.Is(err, ErrExists) {
			if err == nil {
				t.log.Info("docstore: inbox: received document placed under a new name", "id", row.ID, "taken", taken.Abs(), "placed", q.Abs())
			}
			return q, err
		}
		taken = q // taken meanwhile; try the next name
	}
	return p, fmt.Errorf("%w: %s and %d numbered names next to it are taken", ErrInvalidArgument, p.Abs(), maxRenames)
}

// sameSenderCopy reports whether the document e at p is, unchanged, the
// one the latest earlier transfer from row's sending member placed there.
func (t *Transfers) sameSenderCopy(ctx context.Context, row *inRow, p Path, e Entry) (bool, error) {
	if e.IsDir || e.Hash == "" {
		return false, nil
	}
	var from, hash string
	err := t.db.QueryRowContext(ctx, `SELECT from_uri, hash FROM docstore_transfers_in
		WHERE member = ? AND document = ? AND status = 'received' AND id <> ? ORDER BY created_ns DESC LIMIT 1`,
		row.Member, p.Abs(), row.ID).Scan(&from, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	prev, perr := destination.Parse(from)
	return perr == nil && prev.Member == row.From.Member && hash == e.Hash, nil
}

// unrecordedCopy reports whether the document e at p is this transfer's own
// content placed before the node stopped and never recorded: no hash on
// record, row's size, and, read back, row's hash (then recorded). Only a
// placement cut short leaves a document without its record, so without
// this a restart would keep that copy and place the content a second time
// under a numbered name.
func (t *Transfers) unrecordedCopy(ctx context.Context, sp *Space, row *inRow, p Path, e Entry) (bool, error) {
	if e.IsDir || e.Hash != "" || e.Size != row.Size {
		return false, nil
	}
	d, err := sp.Hash(ctx, p)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrChanged) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return d.Hash == row.Hash, nil
}

// numberedName gives the n-th name for a document named name:
// "contract.txt" → "contract (2).txt"; "README" → "README (2)"; ".env"
// → ".env (2)".
func numberedName(name string, n int) string {
	base, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		base, ext = name[:i], name[i:]
	}
	return fmt.Sprintf("%s (%d)%s", base, n, ext)
}

// inRow is a docstore_transfers_in row.
type inRow struct {
	Transfer
	status  string
	attempt int
	staged  Staged
}

func (t *Transfers) getIn(ctx context.Context, id string) (inRow, bool, error) {
	var r inRow
	var created, mod int64
	err := t.db.QueryRowContext(ctx, `SELECT id, member, from_uri, to_uri, document, hash, size, timestamp, transfer_hash,
		sender_sig, recipient_sig, status, error, attempt, staged_key, staged_size, staged_hash, staged_ref, staged_mod_ns, created_ns,
		note FROM docstore_transfers_in WHERE id = ?`, id).Scan(&r.ID, &r.Member, &r.From, &r.To, &r.Document, &r.Hash, &r.Size,
		&r.Timestamp, &r.TransferHash, &r.SenderSignature, &r.RecipientSignature, &r.status, &r.Error, &r.attempt,
		&r.staged.Key, &r.staged.Size, &r.staged.Hash, &r.staged.Ref, &mod, &created, &r.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return inRow{}, false, nil
	}
	if err != nil {
		return inRow{}, false, err
	}
	r.Direction = Incoming
	r.Status = TransferStatus(r.status)
	r.Created = time.Unix(0, created)
	r.staged.ModTime = time.Unix(0, mod)
	return r, true, nil
}

// putIn writes a placing row (replacing an unfinished one).
func (t *Transfers) putIn(ctx context.Context, r *inRow) error {
	_, err := t.db.ExecContext(ctx, `INSERT INTO docstore_transfers_in (id, member, from_uri, to_uri, document, hash, size,
		timestamp, transfer_hash, sender_sig, recipient_sig, status, error, attempt, staged_key, staged_size, staged_hash,
		staged_ref, staged_mod_ns, created_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET member = excluded.member, document = excluded.document, hash = excluded.hash,
			size = excluded.size, timestamp = excluded.timestamp, transfer_hash = excluded.transfer_hash,
			sender_sig = excluded.sender_sig, recipient_sig = excluded.recipient_sig, status = excluded.status,
			attempt = excluded.attempt, staged_key = excluded.staged_key, staged_size = excluded.staged_size,
			staged_hash = excluded.staged_hash, staged_ref = excluded.staged_ref, staged_mod_ns = excluded.staged_mod_ns, note = ''
		WHERE docstore_transfers_in.status = 'placing'`,
		r.ID, r.Member, r.From, r.To, r.Document, r.Hash, r.Size, r.Timestamp, r.TransferHash, r.SenderSignature,
		r.RecipientSignature, r.status, r.attempt, r.staged.Key, r.staged.Size, r.staged.Hash, r.staged.Ref,
		r.staged.ModTime.UnixNano(), r.Created.UnixNano())
	return err
}

// forgetPlacing removes an unfinished row (and its staged content) so
// that a new attempt starts from scratch.
func (t *Transfers) forgetPlacing(ctx context.Context, row inRow) error {
	if row.staged.Key != "" {
		if err := t.store.Discard(context.WithoutCancel(ctx), row.staged); err != nil {
			t.log.Warn("docstore: inbox: discarding staged content", "id", row.ID, "err", err)
		}
	}
	_, err := t.db.ExecContext(ctx, `DELETE FROM docstore_transfers_in WHERE id = ? AND status = 'placing'`, row.ID)
	return err
}

// refusal identifies a transfer being refused.
type refusal struct {
	id, member string
	from, to   destination.URI
	attempt    int
	m          *manifest // when known
}

// refuse records transfer r as failed with reason (unless it is already
// final). The receipt goes out with the manifest (answer).
func (t *Transfers) refuse(ctx context.Context, r refusal, reason string) error {
	member := r.member
	if member == "" {
		member = r.to.Member
	}
	var hash, ts, th, ssig string
	var size int64
	if r.m != nil {
		hash, ts, th, ssig, size = r.m.Hash, r.m.Timestamp, r.m.TransferHash, r.m.SenderSignature, r.m.Size
	}
	t.log.Warn("docstore: inbox: transfer refused", "id", r.id, "from", r.from, "to", r.to, "reason", reason)
	_, err := t.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO docstore_transfers_in (id, member, from_uri, to_uri,
		document, hash, size, timestamp, transfer_hash, sender_sig, recipient_sig, status, error, attempt, staged_key,
		staged_size, staged_hash, staged_ref, staged_mod_ns, created_ns)
		VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, '', 'failed', ?, ?, '', 0, '', '', 0, ?)
		ON CONFLICT (id) DO UPDATE SET status = 'failed', error = excluded.error, document = '', note = '', recipient_sig = '',
			staged_key = '' WHERE docstore_transfers_in.status = 'placing'`,
		r.id, member, r.from.String(), r.to.String(), hash, size, ts, th, ssig, trimReason(reason), r.attempt, t.now().UnixNano())
	return err
}

func (t *Transfers) refuseAndAnswer(ctx context.Context, r refusal, reason string) error {
	if err := t.refuse(ctx, r, reason); err != nil {
		return err
	}
	return t.answerID(ctx, r.id)
}
