package docstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/storage/storagetest/stores"
)

// TestTransferSenderKilledResumes kills the sending node (a child
// process, SIGKILL) while it sends the shards of a transfer, with an
// outbox lease of one hour. The killed process's claim is left in its
// outbox row, due an hour later: that is how long the transfer would
// wait. The node restarted on the same host sees that the claim's
// process is gone, releases it at start, and the transfer completes;
// with a one-hour lease nothing but that release can have let it go on.
func TestTransferSenderKilledResumes(t *testing.T) {
	for _, bk := range brokers {
		t.Run(bk.name, func(t *testing.T) {
			ctx := context.Background()
			tr, addr := bk.open(t)
			alice, bob := app2apptest.RandomID("alice"), app2apptest.RandomID("bob")
			net := newNet(t, tr, alice, bob)
			b := net.newNode(t, bob, stores.Local(t), nil)
			const size = 12<<20 + 321 // 49 shards
			cfg := childNode(t, net, "sender", alice, b, addr)
			cfg.DocPath, cfg.DocSize, cfg.DocSeed, cfg.To = "/out/big.bin", size, 77, net.members[bob].u
			cfg.Lease, cfg.HangSend = time.Hour, 10
			ch := startChild(t, cfg)
			if _, err := ch.Stdin.Write([]byte("go\n")); err != nil {
				t.Fatal(err)
			}
			sent := ch.expect(func(l string) bool { return strings.HasPrefix(l, "sent ") }, "sent", 2*time.Minute)
			id := strings.TrimPrefix(sent, "sent ")
			ch.expect(func(l string) bool { return l == "hang send 10" }, "hang send 10", 2*time.Minute)
			pid := ch.Cmd.Process.Pid
			ch.Kill()

			// The fault: the dead process's claim holds the row for the lease.
			db, err := metadb.Open(ctx, metadb.Config{Path: cfg.DB})
			if err != nil {
				t.Fatal(err)
			}
			var state string
			var next int64
			var claimPID int
			if err := db.QueryRowContext(ctx, `SELECT state, next_ns, claim_pid FROM docstore_transfers_out WHERE id = ?`, id).
				Scan(&state, &next, &claimPID); err != nil {
				t.Fatal(err)
			}
			db.Close()
			wait := time.Until(time.Unix(0, next))
			if state != "queued" || claimPID != pid || wait < 50*time.Minute {
				t.Fatalf("after the kill: state %s, claimed by pid %d (child %d), due in %s; want queued, the child, about an hour",
					state, claimPID, pid, wait.Round(time.Second))
			}
			t.Logf("after the kill: the row is claimed by dead pid %d and due in %s (the lease)", claimPID, wait.Round(time.Minute))

			// Restarted, the node releases the dead claim and completes.
			cfg.Mode, cfg.Transfer, cfg.HangSend = "resume", id, 0
			ch2 := startChild(t, cfg)
			done := ch2.expect(func(l string) bool { return strings.HasPrefix(l, "done ") }, "done", 3*time.Minute)
			if done != "done "+string(docstore.StatusReceived) {
				t.Fatalf("restarted sender: %s", done)
			}
			got := b.wait(t, id)
			if got.Status != docstore.StatusReceived {
				t.Fatalf("receiver's record: %+v", got)
			}
			ch2.Kill()
			t.Logf("restarted sender: transfer %s received without waiting for the lease", id)
		})
	}
}
