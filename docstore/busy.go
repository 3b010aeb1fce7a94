package docstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/consign/consign/destination"
)

// Back-pressure on incoming transfers. Each transfer arriving holds an
// opening pipeline (a goroutine, a queue of up to incomingQueue shards
// and a staging upload), so the receiver takes at most
// TransferConfig.IncomingPerSender at once from one sending destination.
// The first shard of one more is answered with a busy record, a resend
// request with Busy set, signed by the recipient destination like every
// record that changes a transfer; the rest of that attempt, manifest
// included, is dropped. The sender checks the signature against the
// registry, stops the attempt (if it is still sending) and queues the
// next one after a backoff that doubles with each consecutive busy
// answer, from RetryMin to RetryMax. A busy answer is not a failed
// attempt: it does not count against MaxResends.

// errSenderBusy is startIncoming's answer when the sender already has
// as many transfers arriving as it may.
type errSenderBusy struct{ arriving int }

func (e errSenderBusy) Error() string {
	return fmt.Sprintf("%d transfers from this sender are arriving", e.arriving)
}

// senderBusyLocked reports whether from has as many transfers arriving as
// it may, and how many it has. t.mu is held: startIncoming checks and
// takes a slot under one lock, so that shards of two transfers handled at
// once (on two partitions) cannot both take the last slot.
func (t *Transfers) senderBusyLocked(from destination.URI) (bool, int) {
	limit := t.cfg.IncomingPerSender
	if limit < 0 {
		return false, 0
	}
	n := 0
	for _, inc := range t.incoming {
		if inc.from == from {
			n++
		}
	}
	return n >= limit, n
}

// answerBusy tells the sender of attempt of transfer id to try again
// later, once per attempt, and remembers to drop the rest of it.
func (t *Transfers) answerBusy(ctx context.Context, id string, attempt int, from, to destination.URI, arriving int) error {
	rq := resendRequest{V: wireVersion, ID: id, Attempt: attempt, From: from.String(), To: to.String(), Busy: true,
		Reason: fmt.Sprintf("%d transfers from this sender are arriving (at most %d at once); try again later", arriving, t.cfg.IncomingPerSender)}
	sent, err := t.sendResendOnce(ctx, t.busyIn, &rq, from, to, func() {
		t.log.Info("docstore: inbox: too many transfers from one sender; answering busy", "id", id, "attempt", attempt, "from", from, "arriving", arriving)
	})
	if sent {
		t.busyAnswers.Add(1)
	}
	if errors.Is(err, errCannotSign) {
		// Not a destination of this node: startIncoming refuses it.
		return nil
	}
	return err
}

// answeredBusy reports whether attempt of transfer id was answered busy.
func (t *Transfers) answeredBusy(id string, attempt int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.busyIn[id]
	return ok && a == attempt
}

// onBusy handles a verified busy answer to attempt of outgoing row r.
func (t *Transfers) onBusy(ctx context.Context, r *outRow, attempt int, reason string) error {
	t.log.Info("docstore: outbox: the recipient is busy; trying again later", "id", r.ID, "attempt", attempt, "reason", reason)
	t.mu.Lock()
	stop, inflight := t.attempts[r.ID]
	if inflight {
		t.busyWish[r.ID] = attempt
	}
	t.mu.Unlock()
	if inflight {
		stop() // runAttempt queues the next attempt (backOffBusy)
		return nil
	}
	return t.backOffBusy(ctx, r.ID, attempt, r.busy)
}

// takeBusyWish reports (and forgets) whether attempt of transfer id was
// answered busy while it was being sent.
func (t *Transfers) takeBusyWish(id string, attempt int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.busyWish[id]
	delete(t.busyWish, id)
	return ok && a >= attempt
}

// backOffBusy queues the next attempt of transfer id after the busy
// backoff; busy is the count of busy answers before this one.
func (t *Transfers) backOffBusy(ctx context.Context, id string, attempt, busy int) error {
	wait := t.backoff(busy + 1)
	_, err := t.db.ExecContext(context.WithoutCancel(ctx), `UPDATE docstore_transfers_out SET state = 'queued', busy = busy + 1,
		next_ns = ?, claim_run = '' WHERE id = ? AND state IN ('queued', 'awaiting') AND attempt = ?`, t.now().Add(wait).UnixNano(), id, attempt)
	t.kick()
	return err
}
