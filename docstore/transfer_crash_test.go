package docstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/embedded"
	"github.com/consign/consign/messaging/kafka"
	"github.com/consign/consign/storage/local"
	"github.com/consign/consign/storage/storagetest/stores"
)

// brokers to run child-process tests against: the transport for the
// in-process node and the address for the child (with the embedded
// broker's password after a space).
var brokers = []struct {
	name string
	open func(t *testing.T) (messaging.Transport, string)
}{
	{"embedded", func(t *testing.T) (messaging.Transport, string) {
		b, err := embedded.Open(context.Background(), embedded.Config{Dir: t.TempDir(),
			Kafka: kafka.Config{MaxRetryBackoff: time.Second, Opts: app2apptest.FetchOpts()}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		_, pass := b.Credentials()
		return b, b.Addr() + " " + pass
	}},
	{"kafka", func(t *testing.T) (messaging.Transport, string) {
		addr := testenv.Get(t, testenv.Kafka)
		return app2apptest.Kafka(t), addr
	}},
}

// childNode prepares a node for member of net in mode ("sender" or
// "receiver"), to run as a child process beside peer: its inbox named
// in the registry, its key and certificate in files, a registry
// snapshot naming both nodes.
func childNode(t *testing.T, net *tnet, mode, member string, peer *tnode, addr string) childConfig {
	t.Helper()
	ctx := context.Background()
	m := net.members[member]
	node := app2apptest.RandomID("child")
	if _, err := net.dev.Members[member].SetProfile(ctx, member, destination.NodeProfileKey, node); err != nil {
		t.Fatal(err)
	}
	if _, err := net.dev.Registry.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyPEM, err := crypto.MarshalPrivateKeyPEM(m.key)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"key.pem": keyPEM, "cert.pem": m.pem} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return childConfig{
		Mode: mode, Node: node, Member: member, Dest: m.u,
		KeyPEM: filepath.Join(dir, "key.pem"), CertPEM: filepath.Join(dir, "cert.pem"),
		DB: filepath.Join(dir, "meta.db"), Storage: filepath.Join(dir, "docs"), Kafka: addr,
		Registry: writeRegistryFile(t, net, map[string]string{peer.member.name: peer.name, member: node}),
	}
}

// TestTransferReceiverKilled kills the receiving node (a child process)
// with SIGKILL in the middle of a transfer, and right after it recorded a
// received document but before its receipt left; a restarted node ends
// with exactly one copy, status received, one document_received event,
// and the sender with one acknowledgement.
func TestTransferReceiverKilled(t *testing.T) {
	for _, bk := range brokers {
		t.Run(bk.name, func(t *testing.T) {
			tr, addr := bk.open(t)
			alice, bob := app2apptest.RandomID("alice"), app2apptest.RandomID("bob")
			net := newNet(t, tr, alice, bob)
			a := net.newNode(t, alice, stores.Local(t), nil)
			for i, c := range []struct {
				name string
				hang func(*childConfig)
				what string
				// resent: whether the sender had to make a second attempt
				// (the shards were lost with the first child), or the
				// restarted node completed the first from its records.
				resent bool
			}{
				{"MidTransfer", func(c *childConfig) { c.HangAttempt, c.HangShard = 1, 20 }, "hang shard 1 20", true},
				{"AfterRecording", func(c *childConfig) { c.HangAfterReceived = true }, "hang received", false},
				// Moved into place but not recorded: the restart must take
				// that copy for its own, not keep it and place a second.
				{"AfterPlacing", func(c *childConfig) { c.HangAfterPlaced = true }, "hang placed", false},
			} {
				t.Run(c.name, func(t *testing.T) {
					cfg := childNode(t, net, "receiver", bob, a, addr)
					cfg.ReportShards = true
					first := cfg
					c.hang(&first)
					ch := startChild(t, first)
					doc := "/crash/big" + string(rune('a'+i)) + ".bin"
					const size = 12<<20 + 999 // 49 shards
					a.put(t, doc, randomReader(uint64(40+i), size))
					want, _ := shaOf(t, randomReader(uint64(40+i), size))
					sent := a.send(t, &tnode{member: net.members[bob]}, doc)
					var events []string
					var second bool
					collect := func(l string) bool {
						if strings.HasPrefix(l, "event ") {
							events = append(events, l)
						}
						if strings.HasPrefix(l, "shard 2 ") {
							second = true
						}
						return l == c.what
					}
					ch.expect(collect, c.what, 2*time.Minute)
					for _, l := range ch.Kill() {
						collect(l)
					}

					ch2 := startChild(t, cfg)
					got := a.wait(t, sent.ID)
					if got.Status != docstore.StatusReceived {
						t.Fatalf("sender's record: %+v", got)
					}
					for _, l := range ch2.Kill() {
						collect(l)
					}
					if second != c.resent {
						t.Errorf("second attempt seen: %v, want %v", second, c.resent)
					}
					var received int
					for _, e := range events {
						if strings.HasPrefix(e, "event document_received "+sent.ID+" ") {
							received++
						}
					}
					if received != 1 {
						t.Errorf("document_received events: %v", events)
					}
					if es := a.ev.waitEvents(t, sent.ID, 2); len(es) != 2 || es[1].name != docstore.EventTransferAcknowledgement {
						t.Errorf("sender's events: %s", eventNames(es))
					}
					// Look at what the receiver left on disk.
					ctx := context.Background()
					db, err := metadb.Open(ctx, metadb.Config{Path: cfg.DB})
					if err != nil {
						t.Fatal(err)
					}
					defer db.Close()
					var status, placed, rsig string
					if err := db.QueryRowContext(ctx, `SELECT status, document, recipient_sig FROM docstore_transfers_in WHERE id = ?`,
						sent.ID).Scan(&status, &placed, &rsig); err != nil {
						t.Fatal(err)
					}
					name := doc[strings.LastIndexByte(doc, '/')+1:]
					if status != "received" || placed != a.received(name) || rsig != got.RecipientSignature {
						t.Errorf("receiver's record: %s %s %s", status, placed, rsig)
					}
					b, err := local.New(local.Config{Root: cfg.Storage})
					if err != nil {
						t.Fatal(err)
					}
					st, err := docstore.New(ctx, db, b, docstore.Config{Logger: quietLogger()})
					if err != nil {
						t.Fatal(err)
					}
					sp, _ := st.Space(bob)
					l, err := sp.List(ctx, mustPath(t, a.received("")), 0, 10)
					if err != nil || len(l.Entries) != 1 || l.Entries[0].Name != name || l.Entries[0].Hash != want {
						t.Fatalf("received folder: %+v %v", l, err)
					}
					rc, err := sp.Read(ctx, mustPath(t, placed), 0, -1)
					if err != nil {
						t.Fatal(err)
					}
					h, _ := shaOf(t, rc)
					rc.Close()
					if h != want {
						t.Errorf("received copy hashes to %s, want %s", h, want)
					}
					if left := stagingKeys(t, b); len(left) != 0 {
						t.Errorf("staging left behind: %v", left)
					}
				})
			}
		})
	}
}
