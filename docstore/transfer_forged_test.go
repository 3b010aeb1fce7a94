package docstore_test

import (
	"context"
	stdcrypto "crypto"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/storage/storagetest/stores"
)

// TestTransferForged sends, to the nodes of a transfer in progress,
// records that anyone able to write to a node's inbox could send: final
// statuses and resend requests unsigned, signed by a key outside the
// registry, or signed by a registered member that is not the recipient;
// a manifest that the sender did not sign; a shard whose clear-text
// headers name another attempt and sender. Each is dropped and counted,
// nothing changes, and the genuine records that follow still complete the
// transfer.
func TestTransferForged(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp.name, func(t *testing.T) {
			tr := tp.open(t)
			net := newNet(t, tr, app2apptest.RandomID("alice"), app2apptest.RandomID("bob"), app2apptest.RandomID("carol"))
			t.Run("ReceiptsAndResends", func(t *testing.T) { testForgedReceiptsAndResends(t, net) })
			t.Run("Manifest", func(t *testing.T) { testForgedManifest(t, net) })
			t.Run("ShardHeaders", func(t *testing.T) { testForgedShardHeaders(t, net) })
		})
	}
}

// members3 returns the alice, bob and carol of a three-member net.
func (n *tnet) members3() (alice, bob, carol *tmember) {
	for name, m := range n.members {
		switch {
		case strings.HasPrefix(name, "alice"):
			alice = m
		case strings.HasPrefix(name, "bob"):
			bob = m
		default:
			carol = m
		}
	}
	return
}

// attemptLog records the attempts of the shards a node sends.
type attemptLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (l *attemptLog) add(m *messaging.Message) {
	if kindOf(m) != "shard" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	l.seen[headerOf(m, "consign-attempt")] = true
}

func (l *attemptLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s []string
	for a := range l.seen {
		s = append(s, a)
	}
	return strings.Join(s, ",")
}

func signB64(t *testing.T, k stdcrypto.Signer, lines ...string) string {
	t.Helper()
	sig, err := crypto.Sign(k, []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func inboxRecord(t *testing.T, node, kind, id string, v any) messaging.Message {
	t.Helper()
	topic, err := messaging.InboxTopic(node)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return messaging.Message{Topic: topic, Key: id, Value: body, Headers: []messaging.Header{
		{Key: messaging.HeaderKind, Value: []byte(kind)},
		{Key: messaging.HeaderFrom, Value: []byte("forger")},
		{Key: messaging.HeaderID, Value: []byte(id + "/forged/" + kind + "/" + strconv.FormatInt(time.Now().UnixNano(), 10))},
	}}
}

// waitFor polls cond until it holds (a minute at most).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not after a minute", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testForgedReceiptsAndResends(t *testing.T, net *tnet) {
	alice, bob, carol := net.members3()
	stranger, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	// Bob's node answers once; its genuine receipt is held back by the
	// test and delivered after the forgeries.
	var (
		mu      sync.Mutex
		genuine *messaging.Message
	)
	held := make(chan struct{})
	var attempts attemptLog
	a := net.newNode(t, alice.name, stores.Local(t), func(cfg *docstore.TransferConfig) {
		cfg.Transport = &wrapTransport{Transport: cfg.Transport, fn: func(m messaging.Message) []messaging.Message {
			attempts.add(&m)
			return []messaging.Message{m}
		}}
	})
	b := net.newNode(t, bob.name, stores.Local(t), func(cfg *docstore.TransferConfig) {
		cfg.Transport = &wrapTransport{Transport: cfg.Transport, fn: func(m messaging.Message) []messaging.Message {
			if kindOf(&m) != "receipt" {
				return []messaging.Message{m}
			}
			mu.Lock()
			defer mu.Unlock()
			if genuine == nil {
				genuine = &m
				close(held)
			}
			return nil
		}}
	})
	a.put(t, "/contract.txt", strings.NewReader("the genuine contract"))
	sent := a.send(t, b, "/contract.txt")
	<-held
	a.ev.waitEvents(t, sent.ID, 1) // document_sent: the outbox awaits the receipt
	var r map[string]any
	if err := json.Unmarshal(genuine.Value, &r); err != nil {
		t.Fatal(err)
	}
	th := r["transferHash"].(string)
	failed := func(sig string) map[string]any {
		v := map[string]any{"v": 1, "id": sent.ID, "attempt": 1, "status": "failed", "from": alice.uri, "to": bob.uri,
			"error": "forged: the recipient refuses"}
		if sig != "" {
			v["signature"] = sig
		}
		return v
	}
	failLines := []string{"consign/v1 transfer failed", sent.ID, "1", alice.uri, bob.uri, "forged: the recipient refuses"}
	received := func(k stdcrypto.Signer) map[string]any {
		sig, err := crypto.SignTransferHash(k, th)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]any{"v": 1, "id": sent.ID, "attempt": 1, "status": "received", "from": alice.uri, "to": bob.uri,
			"hash": r["hash"], "transferHash": th, "recipientSignature": sig}
	}
	resend := func(sig string) map[string]any {
		v := map[string]any{"v": 1, "id": sent.ID, "attempt": 1, "from": alice.uri, "to": bob.uri, "reason": "forged: send again"}
		if sig != "" {
			v["signature"] = sig
		}
		return v
	}
	resendLines := []string{"consign/v1 transfer resend", sent.ID, "1", alice.uri, bob.uri, "forged: send again"}
	busy := func(sig string) map[string]any {
		v := resend(sig)
		v["busy"] = true
		return v
	}
	busyLines := []string{"consign/v1 transfer busy", sent.ID, "1", alice.uri, bob.uri, "forged: send again"}
	forgeries := []struct {
		name, kind string
		v          map[string]any
	}{
		{"unsigned failed status", "receipt", failed("")},
		{"failed status signed by a key outside the registry", "receipt", failed(signB64(t, stranger, failLines...))},
		{"failed status signed by another member", "receipt", failed(signB64(t, carol.key, failLines...))},
		{"failed status with a garbage signature", "receipt", failed(base64.StdEncoding.EncodeToString([]byte("not a signature")))},
		{"receipt signed by a member that is not the recipient", "receipt", received(carol.key)},
		{"receipt signed by a key outside the registry", "receipt", received(stranger)},
		{"receipt of another member in its own name", "receipt", func() map[string]any {
			v := received(carol.key)
			v["to"] = carol.uri
			return v
		}()},
		{"unsigned resend request", "resend", resend("")},
		{"resend request signed by another member", "resend", resend(signB64(t, carol.key, resendLines...))},
		{"unsigned busy answer", "resend", busy("")},
		{"busy answer signed by another member", "resend", busy(signB64(t, carol.key, busyLines...))},
		{"busy answer bearing the recipient's signature of a resend request", "resend", busy(signB64(t, bob.key, resendLines...))},
	}
	ctx := context.Background()
	for i, f := range forgeries {
		if err := net.tr.Send(ctx, inboxRecord(t, a.name, f.kind, sent.ID, f.v)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, f.name+" to be dropped", func() bool { return a.tf.Stats().Forged() == uint64(i+1) })
		got, err := a.tf.Get(ctx, alice.name, sent.ID)
		if err != nil || got.Status != docstore.StatusSent || got.Error != "" || got.RecipientSignature != "" {
			t.Fatalf("after the %s the sender's record is %+v (%v)", f.name, got, err)
		}
	}
	// Records that do not decode are dropped and counted apart.
	for i, kind := range []string{"receipt", "resend"} {
		if err := net.tr.Send(ctx, inboxRecord(t, a.name, kind, sent.ID, map[string]any{"v": "one", "id": sent.ID})); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a malformed "+kind+" to be dropped", func() bool { return a.tf.Stats().Malformed == uint64(i+1) })
	}
	st := a.tf.Stats()
	if st.ForgedReceipts != 7 || st.ForgedResends != 5 || st.ForgedManifests != 0 || st.Malformed != 2 {
		t.Errorf("stats %+v, want 7 receipts, 5 resend requests (busy answers included) and 2 malformed", st)
	}
	t.Logf("forged records refused: %d of %d; sender's record still %q", st.Forged(), len(forgeries), docstore.StatusSent)
	// The genuine receipt still completes the transfer, and no second
	// attempt was ever sent.
	if err := net.tr.Send(ctx, *genuine); err != nil {
		t.Fatal(err)
	}
	got := a.wait(t, sent.ID)
	if got.Status != docstore.StatusReceived {
		t.Fatalf("sender's record after the genuine receipt: %+v", got)
	}
	bCert, _ := net.dev.Registry.Certificate(ctx, bob.u)
	if err := crypto.VerifyTransferHash(bCert, got.TransferHash, got.RecipientSignature, time.Now()); err != nil {
		t.Errorf("stored recipientSignature: %v", err)
	}
	if s := attempts.String(); s != "1" {
		t.Errorf("attempts sent: %s, want 1 only", s)
	}
	if es := a.ev.waitEvents(t, sent.ID, 2); len(es) != 2 || es[1].tr.Status != docstore.StatusReceived {
		t.Errorf("sender's events: %s", eventNames(es))
	}
}

func testForgedManifest(t *testing.T, net *tnet) {
	// In the middle of the shards, a manifest for the same transfer and
	// attempt that the sender did not sign: the receiver must not end the
	// attempt with it (that would refuse the document as truncated).
	alice, bob, _ := net.members3()
	stranger, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	var attempts attemptLog
	a := net.newNode(t, alice.name, stores.Local(t), forgeAtShard3(&attempts, func(m messaging.Message, id string) messaging.Message {
		hash, ts := strings.Repeat("ab", 32), "2026-12-07T06:00:00.000Z"
		th := crypto.TransferHash(alice.uri, bob.uri, hash, ts)
		senderSig, err := crypto.SignTransferHash(stranger, th)
		if err != nil {
			t.Error(err)
		}
		const shards, sealed = 4, 4 * messaging.MaxShardSize
		v := map[string]any{"v": 1, "id": id, "attempt": 1, "from": alice.uri, "to": bob.uri, "name": "forged.bin",
			"hash": hash, "size": 1000, "timestamp": ts, "shards": shards, "sealedSize": sealed, "transferHash": th,
			"senderSignature": senderSig,
			"signature": signB64(t, stranger, "consign/v1 transfer manifest", id, "1", alice.uri, bob.uri, "forged.bin",
				hash, "1000", ts, strconv.Itoa(shards), strconv.Itoa(sealed)),
		}
		f := m
		f.Value, _ = json.Marshal(v)
		f.Headers = []messaging.Header{{Key: messaging.HeaderKind, Value: []byte("manifest")},
			{Key: messaging.HeaderTo, Value: []byte(bob.uri)}, {Key: messaging.HeaderID, Value: []byte(id + "/1/manifest/forged")}}
		return f
	}))
	b := net.newNode(t, bob.name, stores.Local(t), nil)
	_, got := sendIntact(t, a, b, "manifest.bin", 31)
	if st := b.tf.Stats(); st.ForgedManifests != 1 {
		t.Errorf("receiver's stats %+v, want 1 forged manifest", st)
	}
	if s := attempts.String(); s != "1" {
		t.Errorf("attempts sent: %s, want 1 only", s)
	}
	t.Logf("forged manifest refused: receiver stats %+v; transfer %s in one attempt", b.tf.Stats(), got.Status)
}

func testForgedShardHeaders(t *testing.T, net *tnet) {
	// In the middle of attempt 1, a shard whose clear-text headers claim
	// attempt 2 from another registered member, with garbage for an
	// envelope. It can cost the attempt in flight, but it must not make the
	// recipient record or sign a refusal of the transfer: the genuine next
	// attempt is received.
	alice, bob, carol := net.members3()
	var attempts attemptLog
	a := net.newNode(t, alice.name, stores.Local(t), forgeAtShard3(&attempts, func(m messaging.Message, id string) messaging.Message {
		f := m
		f.Value = []byte(strings.Repeat("garbage ", 100))
		f.Headers = []messaging.Header{{Key: messaging.HeaderKind, Value: []byte("shard")},
			{Key: messaging.HeaderTo, Value: []byte(bob.uri)}, {Key: messaging.HeaderID, Value: []byte(id + "/2/shard/0")},
			{Key: "consign-transfer", Value: []byte(id)}, {Key: "consign-attempt", Value: []byte("2")},
			{Key: "consign-shard", Value: []byte("0")}, {Key: "consign-from-uri", Value: []byte(carol.uri)}}
		return f
	}))
	b := net.newNode(t, bob.name, stores.Local(t), nil)
	sent, got := sendIntact(t, a, b, "headers.bin", 32)
	if rec := b.wait(t, sent.ID); rec.Status != docstore.StatusReceived {
		t.Errorf("recipient's record: %+v", rec)
	}
	if er := b.ev.waitEvents(t, sent.ID, 1); len(er) != 1 {
		t.Errorf("recipient's events: %s", eventNames(er))
	}
	t.Logf("forged shard headers: transfer %s; attempts sent %s", got.Status, attempts.String())
}

// forgeAtShard3 is a node option: the node's transport logs every message
// it sends in attempts and, right after shard 3 of attempt 1, also sends
// the message forge makes of that shard (id is the transfer's).
func forgeAtShard3(attempts *attemptLog, forge func(m messaging.Message, id string) messaging.Message) func(*docstore.TransferConfig) {
	return func(cfg *docstore.TransferConfig) {
		cfg.Transport = &wrapTransport{Transport: cfg.Transport, fn: func(m messaging.Message) []messaging.Message {
			attempts.add(&m)
			if kindOf(&m) != "shard" || headerOf(&m, "consign-shard") != "3" || headerOf(&m, "consign-attempt") != "1" {
				return []messaging.Message{m}
			}
			return []messaging.Message{m, forge(m, headerOf(&m, "consign-transfer"))}
		}}
	}
}

// sendIntact puts 2 MiB drawn from seed at /name on a and sends it to b;
// the transfer must end received, with b holding an intact copy under
// a.received(""). It returns the record Send made and the sender's final
// record.
func sendIntact(t *testing.T, a, b *tnode, name string, seed uint64) (sent, got docstore.Transfer) {
	t.Helper()
	a.put(t, "/"+name, randomReader(seed, 2<<20))
	want, _ := shaOf(t, randomReader(seed, 2<<20))
	sent = a.send(t, b, "/"+name)
	return sent, waitIntact(t, a, b, sent.ID, name, want)
}
