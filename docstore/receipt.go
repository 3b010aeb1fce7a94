package docstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// answerID sends the receipt of incoming transfer id (received or
// failed) to the sender's node.
func (t *Transfers) answerID(ctx context.Context, id string) error {
	row, ok, err := t.getIn(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("incoming transfer %s is not recorded", id)
	}
	return t.answer(ctx, &row)
}

// answer sends the receipt of a final incoming row, signed by the
// recipient destination. A node that does not hold that key sends
// nothing: an unsigned receipt would not be believed, and the sender's
// outbox tries again (AckTimeout) until MaxResends, then fails.
func (t *Transfers) answer(ctx context.Context, row *inRow) error {
	r := receipt{V: wireVersion, ID: row.ID, Attempt: max(row.attempt, 1), Status: row.status, From: row.From.String(), To: row.To.String()}
	switch row.status {
	case string(StatusReceived):
		r.Hash, r.TransferHash, r.RecipientSignature = row.Hash, row.TransferHash, row.RecipientSignature
	case string(StatusFailed):
		r.Error = row.Error
		sig, ok := t.signAs(row.To, r.failureStatement())
		if !ok {
			t.log.Warn("docstore: inbox: no receipt for a refused transfer: this node cannot sign for its recipient",
				"id", row.ID, "to", row.To, "reason", row.Error)
			return nil
		}
		r.Signature = sig
	default:
		return nil
	}
	return t.sendBack(ctx, kindReceipt, row.ID, r.Attempt, row.From, &r)
}

// askResend asks the sender of transfer id for a new attempt, once per
// attempt.
func (t *Transfers) askResend(ctx context.Context, id string, attempt int, from, to destination.URI, reason string) error {
	rq := resendRequest{V: wireVersion, ID: id, Attempt: attempt, From: from.String(), To: to.String(), Reason: trimReason(reason)}
	_, err := t.sendResendOnce(ctx, t.asked, &rq, from, to, func() {
		t.log.Info("docstore: inbox: asking the sender for a new attempt", "id", id, "attempt", attempt, "reason", reason)
	})
	if errors.Is(err, errCannotSign) {
		t.log.Warn("docstore: inbox: cannot ask for a new attempt: this node cannot sign for the recipient", "id", id, "to", to)
		return nil
	}
	return err
}

// errCannotSign is returned by sendResendOnce when this node holds no key
// of the recipient destination.
var errCannotSign = errors.New("this node cannot sign for the recipient")

// sendResendOnce signs rq as the recipient to and sends it to the sender
// from, unless seen already records this attempt of the transfer (or a
// later one). seen is guarded by t.mu and bounded: it is cleared when it
// passes 10,000 transfers, which at worst sends one answer twice. It
// reports whether rq was sent; a node that cannot sign for to sends
// nothing and returns errCannotSign.
func (t *Transfers) sendResendOnce(ctx context.Context, seen map[string]int, rq *resendRequest, from, to destination.URI, logSend func()) (bool, error) {
	t.mu.Lock()
	done := seen[rq.ID] >= rq.Attempt
	t.mu.Unlock()
	if done {
		return false, nil
	}
	sig, ok := t.signAs(to, rq.statement())
	if !ok {
		return false, errCannotSign
	}
	rq.Signature = sig
	logSend()
	if err := t.sendBack(ctx, kindResend, rq.ID, rq.Attempt, from, rq); err != nil {
		return false, err
	}
	t.mu.Lock()
	if len(seen) > 10000 {
		clear(seen)
	}
	seen[rq.ID] = rq.Attempt
	t.mu.Unlock()
	return true, nil
}

// sendBack sends a receipt or resend request to the node serving the
// sending destination from. A sender the registry does not know cannot
// be answered; that is logged, not retried.
func (t *Transfers) sendBack(ctx context.Context, kind, id string, attempt int, from destination.URI, v any) error {
	topic, err := t.inboxOf(ctx, from)
	if errors.Is(err, chain.ErrUnknownMember) || errors.Is(err, messaging.ErrBadTopic) {
		t.log.Warn("docstore: inbox: cannot answer a sender the registry does not know", "id", id, "from", from, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return t.cfg.Transport.Send(ctx, messaging.Message{Topic: topic, Key: id, Value: body, Headers: []messaging.Header{
		{Key: messaging.HeaderKind, Value: []byte(kind)},
		{Key: messaging.HeaderFrom, Value: []byte(t.cfg.Node)},
		{Key: messaging.HeaderTo, Value: []byte(from.String())},
		{Key: messaging.HeaderID, Value: []byte(recordID(id, attempt, kind, 0))},
	}})
}

// onReceipt completes an outgoing transfer with the recipient's answer.
func (t *Transfers) onReceipt(ctx context.Context, d *messaging.Delivery) error {
	rc, err := decodeReceipt(d.Value)
	if err != nil {
		t.dropMalformed("receipt", d, err)
		return nil
	}
	r, err := t.getOut(ctx, rc.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not a transfer of this node
	}
	if err != nil {
		return err
	}
	if r.From != rc.fromURI || r.To != rc.toURI {
		t.dropForged(&t.forged.receipts, "receipt", rc.ID, "it names other destinations than its transfer")
		return nil
	}
	if r.state == "done" {
		return nil // a duplicate
	}
	cert, _, err := t.registryCert(ctx, r.To)
	if errors.Is(err, destination.ErrUnknownDestination) || errors.Is(err, ErrRecipientUnusable) {
		t.log.Warn("docstore: outbox: dropping a receipt: the recipient cannot be verified", "id", rc.ID, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	now := t.now()
	switch TransferStatus(rc.Status) {
	case StatusReceived:
		if r.TransferHash == "" || rc.TransferHash != r.TransferHash {
			t.log.Warn("docstore: outbox: dropping a receipt for another transfer hash", "id", rc.ID)
			return nil
		}
		if err := crypto.VerifyTransferHash(cert, r.TransferHash, rc.RecipientSignature, now); err != nil {
			t.dropForged(&t.forged.receipts, "receipt", rc.ID, err.Error())
			return nil
		}
		res, err := t.db.ExecContext(context.WithoutCancel(ctx), `UPDATE docstore_transfers_out SET status = 'received',
			recipient_sig = ?, error = '', state = 'done', next_ns = 0 WHERE id = ? AND state != 'done'`, rc.RecipientSignature, rc.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			t.recordAcked(ctx, rc.ID)
			t.acknowledged(ctx, rc.ID)
		}
	case StatusFailed:
		why := "unsigned"
		if rc.Signature != "" {
			why = ""
			sig, _ := base64.StdEncoding.DecodeString(rc.Signature)
			if err := crypto.Verify(cert, rc.failureStatement(), sig, now); err != nil {
				why = err.Error()
			}
		}
		if why != "" {
			t.dropForged(&t.forged.receipts, "failed receipt", rc.ID, why)
			return nil
		}
		t.log.Warn("docstore: outbox: the recipient refused a transfer", "id", rc.ID, "reason", rc.Error)
		res, err := t.db.ExecContext(context.WithoutCancel(ctx), `UPDATE docstore_transfers_out SET status = 'failed',
			error = ?, state = 'done', next_ns = 0 WHERE id = ? AND state != 'done'`, trimReason("the recipient refused the document: "+rc.Error), rc.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			t.acknowledged(ctx, rc.ID)
		}
	}
	return nil
}

// acknowledged emits document_sent (if the receipt overtook it) and
// transfer_acknowledgement.
func (t *Transfers) acknowledged(ctx context.Context, id string) {
	wctx := context.WithoutCancel(ctx)
	t.markSent(wctx, id)
	if r, err := t.getOut(wctx, id); err == nil {
		t.notify(r.Member, EventTransferAcknowledgement, r.Transfer)
	}
}

// onResend brings the next attempt of an outgoing transfer forward.
func (t *Transfers) onResend(ctx context.Context, d *messaging.Delivery) error {
	rq, err := decodeResend(d.Value)
	if err != nil {
		t.dropMalformed("resend request", d, err)
		return nil
	}
	r, err := t.getOut(ctx, rq.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.From != rq.fromURI || r.To != rq.toURI || r.state == "done" || rq.Attempt < r.attempt {
		return nil // foreign, finished, or about an attempt already replaced
	}
	why, err := t.verifyFrom(ctx, r.To, rq.statement(), rq.Signature)
	if err != nil {
		return err
	}
	if why != "" {
		t.dropForged(&t.forged.resends, "resend request", rq.ID, why)
		return nil
	}
	if rq.Busy {
		if rq.Attempt != r.attempt {
			return nil // about an attempt already replaced
		}
		return t.onBusy(ctx, &r, rq.Attempt, rq.Reason)
	}
	t.log.Info("docstore: outbox: the recipient asks for a new attempt", "id", rq.ID, "attempt", rq.Attempt, "reason", rq.Reason)
	if t.isInflight(rq.ID) {
		t.mu.Lock()
		t.resendWish[rq.ID] = rq.Attempt
		t.mu.Unlock()
		return nil
	}
	if r.state != "awaiting" {
		return nil // queued already
	}
	if r.resends >= t.cfg.MaxResends {
		t.failOutgoing(ctx, rq.ID, fmt.Sprintf("the recipient could not receive the document in %d attempts: %s", r.resends+1, rq.Reason))
		return nil
	}
	if _, err := t.db.ExecContext(ctx, `UPDATE docstore_transfers_out SET state = 'queued', resends = resends + 1, next_ns = ?
		WHERE id = ? AND state = 'awaiting' AND attempt = ?`, t.now().Add(t.backoff(r.resends+1)).UnixNano(), rq.ID, r.attempt); err != nil {
		return err
	}
	t.kick()
	return nil
}
