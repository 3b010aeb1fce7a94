package docstore

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// Records that change a transfer are signed by the destination that
// speaks and verified against the registry before they change anything:
//
//   - a manifest by the sending destination (crypto.Sign over
//     manifest.statement and the transfer hash); a manifest that does not
//     verify neither ends the attempt nor earns a receipt;
//   - a received receipt by the recipient destination (its signature of
//     the transfer hash);
//   - a failed receipt by the recipient destination (over
//     receipt.failureStatement); an unsigned one is not accepted, so a
//     node that does not hold the recipient's key sends none and the
//     sender's outbox tries again until MaxResends, then fails;
//   - a resend request, or a busy answer, by the recipient destination
//     (over resendRequest.statement, which tells the two apart).
//
// Refusals decided from the shards alone (their headers are clear text
// that anyone able to write to the inbox can forge) wait for the
// attempt's verified manifest before they are recorded or answered.
// Records dropped for a missing or bad signature are logged and counted
// (Transfers.Stats).

// TransferStats counts what the transfer service refused as forged.
type TransferStats struct {
	// ForgedReceipts, ForgedResends and ForgedManifests count records
	// dropped because their signature was missing, did not verify
	// against the registry certificate of the destination that must have
	// signed them, or that destination could not be found.
	ForgedReceipts, ForgedResends, ForgedManifests uint64
	// Malformed counts transfer records (shards, manifests, receipts,
	// resend requests) dropped because they could not be decoded.
	Malformed uint64
	// Arriving is how many incoming transfers are being received now
	// (each holds an opening pipeline); BusyAnswers counts the attempts
	// answered busy because their sender had IncomingPerSender arriving.
	Arriving    int
	BusyAnswers uint64
}

// Forged is the total of the forged counts.
func (s TransferStats) Forged() uint64 { return s.ForgedReceipts + s.ForgedResends + s.ForgedManifests }

type forgedCounts struct {
	receipts, resends, manifests atomic.Uint64
	malformed                    atomic.Uint64
}

// Stats returns the counts since the service was opened.
func (t *Transfers) Stats() TransferStats {
	t.mu.Lock()
	arriving := len(t.incoming)
	t.mu.Unlock()
	return TransferStats{
		ForgedReceipts:  t.forged.receipts.Load(),
		ForgedResends:   t.forged.resends.Load(),
		ForgedManifests: t.forged.manifests.Load(),
		Malformed:       t.forged.malformed.Load(),
		Arriving:        arriving,
		BusyAnswers:     t.busyAnswers.Load(),
	}
}

// dropMalformed counts and logs a record that could not be decoded.
func (t *Transfers) dropMalformed(kind string, d *messaging.Delivery, err error) {
	t.forged.malformed.Add(1)
	t.log.Warn("docstore: dropping a malformed "+kind, "partition", d.Partition, "offset", d.Offset, "err", err)
}

// dropForged counts and logs a record refused for its signature.
func (t *Transfers) dropForged(n *atomic.Uint64, kind, id, why string) {
	n.Add(1)
	t.log.Warn("docstore: dropping a "+kind+" that is not signed by the destination it speaks for", "id", id, "why", why,
		"forged_total", t.Stats().Forged())
}

// statement is what resendRequest.Signature signs; Reason comes last so
// that the encoding is unambiguous.
func (r *resendRequest) statement() []byte {
	what := "consign/v1 transfer resend"
	if r.Busy {
		what = "consign/v1 transfer busy" // a resend request's signature cannot pass for a busy answer, nor the reverse
	}
	return []byte(strings.Join([]string{what, r.ID, strconv.Itoa(r.Attempt), r.From, r.To, r.Reason}, "\n"))
}

// signAs signs statement with the key of the managed destination uri;
// ok is false when this node does not hold that key or cannot sign.
func (t *Transfers) signAs(uri destination.URI, statement []byte) (string, bool) {
	k, err := t.destinationKey(uri)
	if err != nil {
		return "", false
	}
	sig, err := crypto.Sign(k.Key, statement)
	if err != nil {
		return "", false
	}
	return base64.StdEncoding.EncodeToString(sig), true
}

// verifyFrom checks that sig (base64) is uri's signature of statement,
// by its registry certificate, valid now. It returns why not, or "" when
// it verifies; err is a failure to read the registry.
func (t *Transfers) verifyFrom(ctx context.Context, uri destination.URI, statement []byte, sig string) (why string, err error) {
	if sig == "" {
		return "unsigned", nil
	}
	b, derr := base64.StdEncoding.DecodeString(sig)
	if derr != nil {
		return "signature is not base64", nil
	}
	cert, _, err := t.certOf(ctx, uri)
	if errors.Is(err, destination.ErrUnknownDestination) || errors.Is(err, ErrRecipientUnusable) {
		return err.Error(), nil
	}
	if err != nil {
		return "", err
	}
	if err := crypto.Verify(cert, statement, b, t.now()); err != nil {
		return err.Error(), nil
	}
	return "", nil
}

// verifyManifest checks both sender signatures of m against the
// registry certificate of m.From. It returns false (and counts the
// manifest as forged) when they do not verify.
func (t *Transfers) verifyManifest(ctx context.Context, m *manifest) (bool, error) {
	why, err := t.verifyFrom(ctx, m.fromURI, m.statement(), m.Signature)
	if err != nil {
		return false, err
	}
	if why == "" {
		cert, _, cerr := t.certOf(ctx, m.fromURI)
		if cerr != nil {
			return false, cerr
		}
		if verr := crypto.VerifyTransferHash(cert, m.TransferHash, m.SenderSignature, t.now()); verr != nil {
			why = "transfer hash: " + verr.Error()
		}
	}
	if why != "" {
		t.dropForged(&t.forged.manifests, "manifest", m.ID, why)
		return false, nil
	}
	return true, nil
}

// pendingRefusal is a refusal decided from the shards of an attempt,
// waiting for that attempt's verified manifest.
type pendingRefusal struct {
	refusal
	reason string
}

// deferRefusal remembers that attempt r of a transfer is refused for
// reason; the refusal is recorded and answered when the attempt's
// manifest verifies (refusalFor).
func (t *Transfers) deferRefusal(r refusal, reason string) {
	t.log.Info("docstore: inbox: refusing a transfer once its manifest verifies", "id", r.id, "attempt", r.attempt, "reason", reason)
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.refusals) > 10000 {
		clear(t.refusals)
	}
	t.refusals[r.id] = pendingRefusal{refusal: r, reason: reason}
}

// refusedAttempt reports whether attempt of transfer id is refused,
// waiting for its manifest.
func (t *Transfers) refusedAttempt(id string, attempt int, from, to destination.URI) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.refusals[id]
	return ok && p.attempt == attempt && p.from == from && p.to == to
}

// takeRefusal returns and forgets the pending refusal matching a
// verified manifest.
func (t *Transfers) takeRefusal(m *manifest) (pendingRefusal, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.refusals[m.ID]
	if !ok || p.attempt != m.Attempt || p.from != m.fromURI || p.to != m.toURI {
		return pendingRefusal{}, false
	}
	delete(t.refusals, m.ID)
	p.m = m
	return p, true
}
