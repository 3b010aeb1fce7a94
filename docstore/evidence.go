package docstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/consign/consign/internal/metadb"
)

// What an evidence bundle needs beyond the transfer record is kept in a
// table of its own: the signed manifest exactly as it travelled (the
// sender records the one it sent, the recipient the one it verified
// and placed the document by) and when the sender's node saw the
// receipt. Rows are written beside the transfer tables' own updates and
// never decide anything; a transfer without a row (sent before this
// table existed) gives an evidence record without a manifest.

// evidenceMigrations are the tables of evidence records, under part
// "docstore-evidence".
var evidenceMigrations = []metadb.Migration{
	{Description: "transfer evidence: signed manifests and receipt times", SQL: `CREATE TABLE docstore_transfer_evidence (
		id          TEXT    NOT NULL,
		direction   INTEGER NOT NULL, -- 0 outgoing (the sender's row), 1 incoming
		manifest    TEXT    NOT NULL, -- the last manifest sent (outgoing) or the one verified (incoming), JSON
		acked_ns    INTEGER NOT NULL, -- outgoing: when the receipt was accepted; 0 before
		PRIMARY KEY (id, direction))`},
}

// TransferEvidence is what the node recorded about one transfer of a
// member's log, for an evidence bundle (package evidence).
type TransferEvidence struct {
	Transfer
	// Manifest is the signed manifest as it travelled (JSON); empty when
	// none was recorded.
	Manifest []byte
	// PinTx is the pin transaction the sending node recorded (hex), empty
	// when it did not pin or is not the sender.
	PinTx string
	// SentAt is when the sender's node saw its first complete attempt
	// durable in the transport; AckedAt when it accepted the receipt.
	// Zero when unknown (incoming records, or not yet).
	SentAt, AckedAt time.Time
}

// Evidence returns what the node recorded about transfer id of member's
// log (as Get chooses it: the sending side of a transfer to oneself).
// Errors: ErrUnknownTransfer.
func (t *Transfers) Evidence(ctx context.Context, member, id string) (TransferEvidence, error) {
	tr, err := t.Get(ctx, member, id)
	if err != nil {
		return TransferEvidence{}, err
	}
	ev := TransferEvidence{Transfer: tr}
	op := fmt.Sprintf("docstore: evidence of transfer %q", clip(id))
	var manifest string
	var acked int64
	err = t.db.QueryRowContext(ctx, `SELECT manifest, acked_ns FROM docstore_transfer_evidence WHERE id = ? AND direction = ?`,
		id, int(tr.Direction)).Scan(&manifest, &acked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return TransferEvidence{}, fmt.Errorf("%s: %w", op, err)
	default:
		if manifest != "" {
			ev.Manifest = []byte(manifest)
		}
		if acked != 0 {
			ev.AckedAt = time.Unix(0, acked)
		}
	}
	if tr.Direction == Outgoing {
		var sent int64
		if err := t.db.QueryRowContext(ctx, `SELECT pin_tx, sent_ns FROM docstore_transfers_out WHERE id = ?`, id).Scan(&ev.PinTx, &sent); err != nil {
			return TransferEvidence{}, fmt.Errorf("%s: %w", op, err)
		}
		if sent != 0 {
			ev.SentAt = time.Unix(0, sent)
		}
	}
	return ev, nil
}

// recordManifest keeps the manifest of transfer id as it travelled. A
// failure is logged: the transfer goes on, its bundle lacks the manifest.
func (t *Transfers) recordManifest(ctx context.Context, id string, dir Direction, manifest []byte) {
	_, err := t.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO docstore_transfer_evidence (id, direction, manifest, acked_ns)
		VALUES (?, ?, ?, 0) ON CONFLICT (id, direction) DO UPDATE SET manifest = excluded.manifest`, id, int(dir), string(manifest))
	if err != nil {
		t.log.Warn("docstore: recording a manifest for evidence", "id", id, "err", err)
	}
}

// recordAcked notes when the receipt of outgoing transfer id was accepted.
func (t *Transfers) recordAcked(ctx context.Context, id string) {
	_, err := t.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO docstore_transfer_evidence (id, direction, manifest, acked_ns)
		VALUES (?, 0, '', ?) ON CONFLICT (id, direction) DO UPDATE SET acked_ns = excluded.acked_ns`, id, t.now().UnixNano())
	if err != nil {
		t.log.Warn("docstore: recording a receipt time for evidence", "id", id, "err", err)
	}
}
