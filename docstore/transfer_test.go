package docstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	stdcrypto "crypto"
	"crypto/x509"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/devnet"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/storagetest/stores"
)

// tnet is what the nodes of a transfer test share: one chain (registry
// and pins) and one transport.
type tnet struct {
	env     string
	dev     *chain.DevChain
	tr      messaging.Transport
	members map[string]*tmember
}

// tmember is a member with one managed documentstore destination.
type tmember struct {
	name string
	uri  string
	u    destination.URI // uri
	key  stdcrypto.Signer
	cert *x509.Certificate
	pem  []byte
}

// newNet starts a dev chain with the given members, each publishing a
// documentstore destination "docs" (RSA-2048 for the first member,
// P-256 for the others).
func newNet(t *testing.T, tr messaging.Transport, members ...string) *tnet {
	t.Helper()
	n := &tnet{env: app2apptest.RandomID("env"), tr: tr, members: map[string]*tmember{}}
	var dms []chain.DevMember
	for i, m := range members {
		alg := crypto.P256
		if i == 0 {
			alg = crypto.RSA2048
		}
		d := devnet.NewDocDestination(t, n.env, m, alg)
		n.members[m] = &tmember{name: m, uri: d.URI.String(), u: d.URI, key: d.Key, cert: d.Cert, pem: d.PEM}
		dms = append(dms, d.DevMember())
	}
	n.dev = devnet.StartChain(t, n.env, dms)
	return n
}

// tnode is one node serving one member: its own database, storage and
// transfer service.
// received is where a document named name sent by n lands at the
// recipient's "docs" destination, by the default template (name ""
// gives the folder).
func (n *tnode) received(name string) string {
	return "/received/" + n.member.name + "/docs/" + name
}

type tnode struct {
	t      *testing.T
	net    *tnet
	name   string
	member *tmember
	dbPath string
	db     *sql.DB
	b      storage.Backend
	st     *docstore.Store
	sp     *docstore.Space
	keys   *docstore.KeyRing
	tf     *docstore.Transfers
	ev     *events
	cfg    docstore.TransferConfig
}

// newNode opens a node for member on backend b, its inbox named in the
// member's registry profile.
func (n *tnet) newNode(t *testing.T, member string, b storage.Backend, tune func(*docstore.TransferConfig)) *tnode {
	t.Helper()
	ctx := context.Background()
	m := n.members[member]
	nd := &tnode{t: t, net: n, name: app2apptest.RandomID("node"), member: m, b: b, ev: &events{},
		dbPath: filepath.Join(t.TempDir(), "meta.db")}
	if _, err := n.dev.Members[member].SetProfile(ctx, member, destination.NodeProfileKey, nd.name); err != nil {
		t.Fatal(err)
	}
	if _, err := n.dev.Registry.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	nd.keys = &docstore.KeyRing{}
	if err := nd.keys.Add(m.u, member, m.key, m.cert); err != nil {
		t.Fatal(err)
	}
	nd.cfg = docstore.TransferConfig{
		Node: nd.name, Members: []string{member}, Transport: n.tr, Registry: n.dev.Registry, Keys: nd.keys,
		Notifier: nd.ev, Partitions: 2, RetryMin: 50 * time.Millisecond, RetryMax: time.Second,
		AckTimeout: 2 * time.Minute, Logger: quietLogger(),
	}
	if tune != nil {
		tune(&nd.cfg)
	}
	nd.open()
	return nd
}

// open opens (or reopens) the node's database, store and transfers.
func (nd *tnode) open() {
	t := nd.t
	t.Helper()
	ctx := context.Background()
	db, err := metadb.Open(ctx, metadb.Config{Path: nd.dbPath})
	if err != nil {
		t.Fatal(err)
	}
	nd.db = db
	t.Cleanup(func() { db.Close() })
	if nd.st, err = docstore.New(ctx, db, nd.b, docstore.Config{Logger: quietLogger()}); err != nil {
		t.Fatal(err)
	}
	if nd.sp, err = nd.st.Space(nd.member.name); err != nil {
		t.Fatal(err)
	}
	if nd.tf, err = docstore.NewTransfers(ctx, nd.st, nd.cfg); err != nil {
		t.Fatal(err)
	}
	tf := nd.tf
	t.Cleanup(func() { tf.Close() })
}

// closeNode stops the node's transfers and database.
func (nd *tnode) closeNode() {
	nd.tf.Close()
	nd.db.Close()
}

func (nd *tnode) put(t *testing.T, path string, r io.Reader) docstore.Document {
	t.Helper()
	d, err := nd.sp.Put(context.Background(), mustPath(t, path), r, docstore.Overwrite)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (nd *tnode) send(t *testing.T, to *tnode, path string) docstore.Transfer {
	t.Helper()
	tr, err := nd.tf.Send(context.Background(), nd.member.name, nd.member.u, to.member.u, path)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// wait polls the node's record of transfer id until it is final.
func (nd *tnode) wait(t *testing.T, id string) docstore.Transfer {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		tr, err := nd.tf.Get(context.Background(), nd.member.name, id)
		if err == nil && tr.Status != docstore.StatusSent {
			return tr
		}
		if err != nil && !errors.Is(err, docstore.ErrUnknownTransfer) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("transfer %s on %s: not final after 3 minutes (last: %+v, %v)", id, nd.name, tr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stagingKeys lists what is left in the staging folder.
func stagingKeys(t *testing.T, b storage.Backend) []string {
	t.Helper()
	var out []string
	for _, k := range allKeys(t, b) {
		if strings.HasPrefix(k, ".staging/") {
			out = append(out, k)
		}
	}
	return out
}

// events records transfer events.
type events struct {
	mu   sync.Mutex
	list []event
}

type event struct {
	member string
	name   docstore.TransferEvent
	tr     docstore.Transfer
}

func (e *events) NotifyTransfer(member string, ev docstore.TransferEvent, tr docstore.Transfer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, event{member, ev, tr})
}

// of returns the events about transfer id, in order.
func (e *events) of(id string) []event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []event
	for _, x := range e.list {
		if x.tr.ID == id {
			out = append(out, x)
		}
	}
	return out
}

// waitEvents waits until n events about id were recorded.
func (e *events) waitEvents(t *testing.T, id string, n int) []event {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if got := e.of(id); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("events of %s: %d, want %d", id, len(e.of(id)), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func eventNames(es []event) string {
	var s []string
	for _, e := range es {
		s = append(s, e.member+":"+string(e.name)+":"+string(e.tr.Status))
	}
	return strings.Join(s, ",")
}

// randomReader yields n pseudo-random bytes (incompressible) from seed.
func randomReader(seed uint64, n int64) io.Reader {
	return io.LimitReader(&prng{r: mrand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1})}, n)
}

type prng struct{ r *mrand.ChaCha8 }

func (p *prng) Read(b []byte) (int, error) { return p.r.Read(b) }

func shaOf(t *testing.T, r io.Reader) (string, int64) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// waitIntact waits for transfer id to end on a's side and checks that it
// ended received, with b holding a copy hashing to want at
// a.received(name). It returns a's final record.
func waitIntact(t *testing.T, a, b *tnode, id, name, want string) docstore.Transfer {
	t.Helper()
	got := a.wait(t, id)
	if got.Status != docstore.StatusReceived {
		t.Fatalf("sender's record: %+v", got)
	}
	if h, _ := b.readHash(t, a.received(name)); h != want {
		t.Fatalf("received copy hash %s, want %s", h, want)
	}
	return got
}

// sendThroughRestart has a send /name (size pseudo-random bytes from
// seed) to b and restarts node restart (a or b) in the middle: once
// stopped is closed (a hook of the test holds the transfer there until
// gate is closed) it closes the node, lets the hook go, opens the node
// again and waits for an intact copy at b. It returns the sent transfer.
func sendThroughRestart(t *testing.T, a, b, restart *tnode, name string, seed uint64, size int64, stopped <-chan struct{}, gate chan struct{}) docstore.Transfer {
	t.Helper()
	a.put(t, "/"+name, randomReader(seed, size))
	want, _ := shaOf(t, randomReader(seed, size))
	sent := a.send(t, b, "/"+name)
	<-stopped
	closed := make(chan struct{})
	go func() { restart.closeNode(); close(closed) }()
	close(gate)
	<-closed
	restart.open()
	waitIntact(t, a, b, sent.ID, name, want)
	return sent
}

// readHash reads a document of nd and returns its SHA-256 and size.
func (nd *tnode) readHash(t *testing.T, path string) (string, int64) {
	t.Helper()
	rc, err := nd.sp.Read(context.Background(), mustPath(t, path), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	return shaOf(t, rc)
}

// transports to run the end-to-end tests over.
var transports = []struct {
	name string
	open func(t *testing.T) messaging.Transport
}{
	{"embedded", func(t *testing.T) messaging.Transport { return app2apptest.Embedded(t) }},
	{"kafka", func(t *testing.T) messaging.Transport { return app2apptest.Kafka(t) }},
}

func TestTransfers(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp.name, func(t *testing.T) {
			tr := tp.open(t)
			net := newNet(t, tr, app2apptest.RandomID("alice"), app2apptest.RandomID("bob"))
			for _, c := range []struct {
				name string
				fn   func(t *testing.T, net *tnet)
			}{
				{"RoundTrip", testTransferRoundTrip},
				{"Tampered", testTransferTampered},
				{"Duplicates", testTransferDuplicates},
				{"BadRequests", testTransferBadRequests},
				{"RestartReceiver", testTransferRestartReceiver},
				{"RestartSender", testTransferRestartSender},
				{"ForgedReceipt", testTransferForgedReceipt},
				{"Pinned", testTransferPinned},
				{"UnmanagedRecipient", testTransferUnmanagedRecipient},
				{"StorageDown", testTransferStorageDown},
			} {
				t.Run(c.name, func(t *testing.T) { c.fn(t, net) })
			}
		})
	}
}

// pair returns sender and receiver nodes on local disk.
func (n *tnet) pair(t *testing.T, tune func(*docstore.TransferConfig)) (a, b *tnode) {
	alice, bob := n.names()
	return n.newNode(t, alice, stores.Local(t), tune), n.newNode(t, bob, stores.Local(t), tune)
}

// names returns the sending member's name and the receiving one's.
func (n *tnet) names() (alice, bob string) {
	var names []string
	for m := range n.members {
		names = append(names, m)
	}
	alice, bob = names[0], names[1]
	if !strings.HasPrefix(alice, "alice") {
		alice, bob = bob, alice
	}
	return alice, bob
}

func testTransferRoundTrip(t *testing.T, net *tnet) {
	a, b := net.pair(t, nil)
	ctx := context.Background()
	docs := []struct {
		path string
		r    func() io.Reader
	}{
		{"/reports/q1.bin", func() io.Reader { return randomReader(1, 5<<20+12345) }}, // 21 shards
		{"/notes/readme.txt", func() io.Reader { return strings.NewReader(strings.Repeat("compress me, please. ", 50000)) }},
		{"/empty.dat", func() io.Reader { return strings.NewReader("") }},
	}
	for _, d := range docs {
		t.Run(strings.TrimPrefix(d.path, "/"), func(t *testing.T) {
			want, wantSize := shaOf(t, d.r())
			a.put(t, d.path, d.r())
			sent := a.send(t, b, d.path)
			if sent.Status != docstore.StatusSent || sent.From != a.member.u || sent.To != b.member.u || sent.Document != d.path {
				t.Fatalf("Send returned %+v", sent)
			}
			got := a.wait(t, sent.ID)
			if got.Status != docstore.StatusReceived || got.Error != "" {
				t.Fatalf("sender's record: %+v", got)
			}
			if got.Hash != want || got.Size != wantSize || got.Timestamp != sent.Timestamp {
				t.Errorf("sender's record hash %s size %d ts %s; want %s %d %s", got.Hash, got.Size, got.Timestamp, want, wantSize, sent.Timestamp)
			}
			th := crypto.TransferHash(a.member.uri, b.member.uri, want, sent.Timestamp)
			if got.TransferHash != th {
				t.Errorf("transferHash %s, want %s", got.TransferHash, th)
			}
			// The signatures verify against the registry certificates.
			aCert, err := net.dev.Registry.Certificate(ctx, a.member.u)
			if err != nil {
				t.Fatal(err)
			}
			bCert, err := net.dev.Registry.Certificate(ctx, b.member.u)
			if err != nil {
				t.Fatal(err)
			}
			if err := crypto.VerifyTransferHash(aCert, th, got.SenderSignature, time.Now()); err != nil {
				t.Errorf("senderSignature: %v", err)
			}
			if err := crypto.VerifyTransferHash(bCert, th, got.RecipientSignature, time.Now()); err != nil {
				t.Errorf("recipientSignature: %v", err)
			}
			if err := crypto.VerifyTransferHash(aCert, th, got.RecipientSignature, time.Now()); err == nil {
				t.Error("recipientSignature verifies against the sender's certificate")
			}
			// openssl agrees, for the recipient's P-256 and the sender's
			// RSA-2048 key.
			testenv.OpensslVerify(t, crypto.MarshalCertificatePEM(bCert), th, got.RecipientSignature)
			testenv.OpensslVerify(t, crypto.MarshalCertificatePEM(aCert), th, got.SenderSignature)

			// The recipient's copy is byte-identical, in its received folder.
			name := d.path[strings.LastIndexByte(d.path, '/')+1:]
			placed := a.received(name)
			if h, n := b.readHash(t, placed); h != want || n != wantSize {
				t.Fatalf("received copy: SHA-256 %s, %d bytes; want %s, %d", h, n, want, wantSize)
			}
			e, err := b.sp.Lookup(ctx, mustPath(t, placed))
			if err != nil || e.Hash != want {
				t.Fatalf("received copy recorded with hash %q (%v)", e.Hash, err)
			}
			rec := b.wait(t, sent.ID)
			if rec.Status != docstore.StatusReceived || rec.Document != placed || rec.Hash != want || rec.Size != wantSize ||
				rec.From != a.member.u || rec.To != b.member.u || rec.Timestamp != sent.Timestamp || rec.TransferHash != th ||
				rec.SenderSignature != got.SenderSignature || rec.RecipientSignature != got.RecipientSignature ||
				rec.Direction != docstore.Incoming {
				t.Errorf("recipient's record: %+v\nsender's: %+v", rec, got)
			}
			// Events: document_sent then transfer_acknowledgement to the
			// sender, document_received to the recipient.
			es := a.ev.waitEvents(t, sent.ID, 2)
			if len(es) != 2 || es[0].name != docstore.EventDocumentSent || es[1].name != docstore.EventTransferAcknowledgement ||
				es[1].tr.Status != docstore.StatusReceived || es[1].tr.RecipientSignature != got.RecipientSignature ||
				es[0].member != a.member.name || es[1].member != a.member.name {
				t.Errorf("sender's events: %s", eventNames(es))
			}
			er := b.ev.waitEvents(t, sent.ID, 1)
			if len(er) != 1 || er[0].name != docstore.EventDocumentReceived || er[0].member != b.member.name ||
				er[0].tr.Document != placed || er[0].tr.Status != docstore.StatusReceived {
				t.Errorf("recipient's events: %s", eventNames(er))
			}
			if left := stagingKeys(t, b.b); len(left) != 0 {
				t.Errorf("staging left behind: %v", left)
			}
		})
	}
	// Both logs list the transfers, newest first.
	for _, nd := range []*tnode{a, b} {
		list, err := nd.tf.List(ctx, nd.member.name, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(docs) {
			t.Fatalf("%s's log has %d records, want %d", nd.member.name, len(list), len(docs))
		}
		for i := 1; i < len(list); i++ {
			if list[i].Created.After(list[i-1].Created) {
				t.Errorf("log not newest first: %v after %v", list[i].Created, list[i-1].Created)
			}
		}
	}
}

// wrapTransport changes what a node sends.
type wrapTransport struct {
	messaging.Transport
	mu sync.Mutex
	fn func(m messaging.Message) []messaging.Message
}

func (w *wrapTransport) Send(ctx context.Context, msgs ...messaging.Message) error {
	w.mu.Lock()
	var out []messaging.Message
	for _, m := range msgs {
		out = append(out, w.fn(m)...)
	}
	w.mu.Unlock()
	return w.Transport.Send(ctx, out...)
}

func kindOf(m *messaging.Message) string {
	v, _ := m.Header(messaging.HeaderKind)
	return string(v)
}

func headerOf(m *messaging.Message, k string) string {
	v, _ := m.Header(k)
	return string(v)
}

func testTransferTampered(t *testing.T, net *tnet) {
	for _, c := range []struct {
		name   string
		tamper func(m *messaging.Message) bool // reports whether it changed m
	}{
		{"FlippedBit", func(m *messaging.Message) bool {
			if kindOf(m) != "shard" || headerOf(m, "consign-shard") != "2" {
				return false
			}
			v := append([]byte(nil), m.Value...)
			v[len(v)/2] ^= 0x10
			m.Value = v
			return true
		}},
		{"LastShardCut", func(m *messaging.Message) bool {
			if kindOf(m) != "shard" || headerOf(m, "consign-shard") != "5" {
				return false
			}
			m.Value = m.Value[:len(m.Value)-100]
			return true
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var changed int
			var mu sync.Mutex
			a, b := net.pair(t, func(cfg *docstore.TransferConfig) {
				if cfg.Members[0][:5] != "alice" {
					return
				}
				cfg.Transport = &wrapTransport{Transport: cfg.Transport, fn: func(m messaging.Message) []messaging.Message {
					if c.tamper(&m) {
						mu.Lock()
						changed++
						mu.Unlock()
					}
					return []messaging.Message{m}
				}}
			})
			a.put(t, "/secret.bin", randomReader(7, 2<<20))
			sent := a.send(t, b, "/secret.bin")
			got := a.wait(t, sent.ID)
			if got.Status != docstore.StatusFailed || !strings.Contains(got.Error, "the recipient refused the document") {
				t.Fatalf("sender's record: %+v", got)
			}
			t.Logf("reason: %s", got.Error)
			if changed != 1 {
				t.Errorf("tampered with %d records, want 1", changed)
			}
			rec := b.wait(t, sent.ID)
			if rec.Status != docstore.StatusFailed || rec.Error == "" || rec.Document != "" || rec.RecipientSignature != "" {
				t.Errorf("recipient's record: %+v", rec)
			}
			if _, err := b.sp.Lookup(context.Background(), mustPath(t, a.received("secret.bin"))); !errors.Is(err, docstore.ErrNotFound) {
				t.Errorf("something is at the received path: %v", err)
			}
			if keys := allKeys(t, b.b); len(keys) != 0 {
				t.Errorf("the recipient's storage holds %v", keys)
			}
			es := a.ev.waitEvents(t, sent.ID, 2)
			if es[len(es)-1].name != docstore.EventTransferAcknowledgement || es[len(es)-1].tr.Status != docstore.StatusFailed {
				t.Errorf("sender's events: %s", eventNames(es))
			}
			if er := b.ev.of(sent.ID); len(er) != 0 {
				t.Errorf("recipient's events: %s", eventNames(er))
			}
		})
	}
}

func testTransferDuplicates(t *testing.T, net *tnet) {
	// Every record is sent twice, by both nodes: shards, manifest,
	// receipts. One copy and one acknowledgement come out.
	double := func(cfg *docstore.TransferConfig) {
		cfg.Transport = &wrapTransport{Transport: cfg.Transport, fn: func(m messaging.Message) []messaging.Message {
			return []messaging.Message{m, m}
		}}
	}
	a, b := net.pair(t, double)
	a.put(t, "/dup/twice.bin", randomReader(3, 1<<20+7))
	want, _ := shaOf(t, randomReader(3, 1<<20+7))
	sent := a.send(t, b, "/dup/twice.bin")
	waitIntact(t, a, b, sent.ID, "twice.bin", want)
	l, err := b.sp.List(context.Background(), mustPath(t, a.received("")), 0, 10)
	if err != nil || len(l.Entries) != 1 {
		t.Fatalf("received folder: %+v %v", l, err)
	}
	// Give duplicates time to arrive, then count events: still one each.
	time.Sleep(500 * time.Millisecond)
	if es := a.ev.waitEvents(t, sent.ID, 2); len(es) != 2 {
		t.Errorf("sender's events: %s", eventNames(es))
	}
	if er := b.ev.waitEvents(t, sent.ID, 1); len(er) != 1 {
		t.Errorf("recipient's events: %s", eventNames(er))
	}
	if left := stagingKeys(t, b.b); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
}

func testTransferBadRequests(t *testing.T, net *tnet) {
	a, b := net.pair(t, nil)
	ctx := context.Background()
	a.put(t, "/ok.txt", strings.NewReader("ok"))
	a.put(t, "/dir/inner.txt", strings.NewReader("x"))
	other := destination.URI{Scheme: "kld", Kind: "documentstore", Member: b.member.name, Environment: net.env, Service: "x", Name: "nobody"}
	a2a := b.member.u
	a2a.Kind = destination.KindApp2App
	malformed := b.member.u
	malformed.Name = "Not A Name"
	for _, c := range []struct {
		name, member string
		from, to     destination.URI
		doc          string
		want         error
	}{
		{"no from", a.member.name, destination.URI{}, b.member.u, "/ok.txt", docstore.ErrInvalidArgument},
		{"malformed to", a.member.name, a.member.u, malformed, "/ok.txt", docstore.ErrInvalidArgument},
		{"app2app to", a.member.name, a.member.u, a2a, "/ok.txt", docstore.ErrInvalidArgument},
		{"from of another member", a.member.name, b.member.u, a.member.u, "/ok.txt", destination.ErrForeignDestination},
		{"from as another member", b.member.name, a.member.u, b.member.u, "/ok.txt", destination.ErrForeignDestination},
		{"unknown to", a.member.name, a.member.u, other, "/ok.txt", destination.ErrUnknownDestination},
		{"missing document", a.member.name, a.member.u, b.member.u, "/nope.txt", docstore.ErrNotFound},
		{"folder", a.member.name, a.member.u, b.member.u, "/dir", docstore.ErrIsFolder},
		{"traversal", a.member.name, a.member.u, b.member.u, "/../x", docstore.ErrInvalidPath},
	} {
		_, err := a.tf.Send(ctx, c.member, c.from, c.to, c.doc)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A suspended recipient member cannot be sent to.
	if _, err := net.dev.Registry.SetStatus(ctx, b.member.name, chain.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := net.dev.Registry.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := a.tf.Send(ctx, a.member.name, a.member.u, b.member.u, "/ok.txt")
	if _, rerr := net.dev.Registry.SetStatus(ctx, b.member.name, chain.StatusActive); rerr != nil {
		t.Fatal(rerr)
	}
	if _, rerr := net.dev.Registry.Sync(ctx); rerr != nil {
		t.Fatal(rerr)
	}
	if !errors.Is(err, docstore.ErrRecipientUnusable) {
		t.Errorf("suspended recipient: %v", err)
	}
	if l, err := a.tf.List(ctx, a.member.name, 0, 10); err != nil || len(l) != 0 {
		t.Errorf("refused requests left records: %+v %v", l, err)
	}
	if _, err := a.tf.List(ctx, a.member.name, -1, 10); !errors.Is(err, docstore.ErrInvalidArgument) {
		t.Errorf("negative offset: %v", err)
	}
	if _, err := a.tf.Get(ctx, a.member.name, "00000000-0000-4000-8000-000000000000"); !errors.Is(err, docstore.ErrUnknownTransfer) {
		t.Errorf("unknown id: %v", err)
	}
}

func testTransferRestartReceiver(t *testing.T, net *tnet) {
	// The receiving node stops after some shards and starts again: the
	// rest of the attempt is dropped, a resend is asked for, and one copy
	// arrives with the second attempt.
	var (
		mu       sync.Mutex
		seen     int
		attempts = map[string]bool{}
	)
	stopped, gate := make(chan struct{}), make(chan struct{})
	hook := func(m *messaging.Message) {
		mu.Lock()
		seen++
		n := seen
		attempts[headerOf(m, "consign-attempt")] = true
		mu.Unlock()
		if n == 6 {
			close(stopped)
			<-gate
		}
	}
	a, b := net.pair(t, func(cfg *docstore.TransferConfig) {
		if strings.HasPrefix(cfg.Members[0], "bob") {
			cfg.Transport = &consumeHook{Transport: cfg.Transport, onShard: hook}
		}
	})
	sent := sendThroughRestart(t, a, b, b, "big.bin", 11, 6<<20, stopped, gate)
	mu.Lock()
	if !attempts["1"] || !attempts["2"] {
		t.Errorf("attempts seen by the receiver: %v, want 1 and 2", attempts)
	}
	mu.Unlock()
	if left := stagingKeys(t, b.b); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
	if es := b.ev.waitEvents(t, sent.ID, 1); len(es) != 1 {
		t.Errorf("recipient's events: %s", eventNames(es))
	}
}

// consumeHook calls onShard before each shard a node's consumer handles.
type consumeHook struct {
	messaging.Transport
	onShard func(m *messaging.Message)
}

func (c *consumeHook) Consume(ctx context.Context, group string, topics []string, h messaging.Handler) error {
	return c.Transport.Consume(ctx, group, topics, func(ctx context.Context, d messaging.Delivery) error {
		if kindOf(&d.Message) == "shard" {
			c.onShard(&d.Message)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return h(ctx, d)
	})
}

func testTransferPinned(t *testing.T, net *tnet) {
	a, b := net.pair(t, func(cfg *docstore.TransferConfig) {
		cfg.Pinner, cfg.PinTransfers = net.dev.Pinner, true
	})
	a.put(t, "/pin.txt", strings.NewReader("pin me"))
	sent := a.send(t, b, "/pin.txt")
	got := a.wait(t, sent.ID)
	if got.Status != docstore.StatusReceived {
		t.Fatalf("sender's record: %+v", got)
	}
	var h [32]byte
	b2, _ := hex.DecodeString(got.TransferHash)
	copy(h[:], b2)
	deadline := time.Now().Add(time.Minute)
	for {
		p, err := net.dev.Pinner.Prove(context.Background(), h)
		if err == nil {
			if p.Hash != h {
				t.Fatalf("proof of %x", p.Hash)
			}
			checkEvidence(t, a, b, got, p.Tx.Hex())
			return
		}
		if !errors.Is(err, chain.ErrNotPinned) || time.Now().After(deadline) {
			t.Fatalf("prove: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTransferBackends transfers a document between two nodes keeping
// their documents on each storage backend (sender and receiver each on
// their own bucket, container or repository).
func TestTransferBackends(t *testing.T) {
	tr := app2apptest.Embedded(t)
	alice, bob := app2apptest.RandomID("alice"), app2apptest.RandomID("bob")
	net := newNet(t, tr, alice, bob)
	for _, c := range []struct {
		name string
		nb   func(t *testing.T) storage.Backend
	}{
		{"Local", stores.Local}, {"S3", stores.S3}, {"Azure", stores.Azure}, {"IPFSEmbedded", stores.IPFSEmbedded}, {"Kubo", stores.Kubo},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := net.newNode(t, alice, c.nb(t), nil)
			b := net.newNode(t, bob, c.nb(t), nil)
			for i, size := range []int64{3<<20 + 5, 0} {
				doc := fmt.Sprintf("/out/doc%d.bin", i)
				a.put(t, doc, randomReader(uint64(60+i), size))
				want, _ := shaOf(t, randomReader(uint64(60+i), size))
				sent := a.send(t, b, doc)
				if got := a.wait(t, sent.ID); got.Status != docstore.StatusReceived || got.Hash != want {
					t.Fatalf("sender's record: %+v", got)
				}
				placed := a.received(fmt.Sprintf("doc%d.bin", i))
				if h, n := b.readHash(t, placed); h != want || n != size {
					t.Fatalf("received copy: %s, %d bytes; want %s, %d", h, n, want, size)
				}
				if rec := b.wait(t, sent.ID); rec.Status != docstore.StatusReceived || rec.Document != placed {
					t.Errorf("recipient's record: %+v", rec)
				}
			}
			if left := stagingKeys(t, b.b); len(left) != 0 {
				t.Errorf("staging left behind: %v", left)
			}
		})
	}
}

func testTransferRestartSender(t *testing.T, net *tnet) {
	// The sending node stops in the middle of sending and starts again:
	// the outbox sends a new attempt, which replaces the first at the
	// receiver.
	var (
		mu     sync.Mutex
		shards int
	)
	stopped, gate := make(chan struct{}), make(chan struct{})
	a, b := net.pair(t, func(cfg *docstore.TransferConfig) {
		if !strings.HasPrefix(cfg.Members[0], "alice") {
			return
		}
		cfg.Transport = &wrapTransport{Transport: cfg.Transport, fn: func(m messaging.Message) []messaging.Message {
			if kindOf(&m) == "shard" {
				mu.Lock()
				shards++
				n := shards
				mu.Unlock()
				if n == 10 {
					close(stopped)
					<-gate
				}
			}
			return []messaging.Message{m}
		}}
	})
	sent := sendThroughRestart(t, a, b, a, "resume.bin", 21, 5<<20, stopped, gate)
	if er := b.ev.waitEvents(t, sent.ID, 1); len(er) != 1 {
		t.Errorf("recipient's events: %s", eventNames(er))
	}
	if left := stagingKeys(t, b.b); len(left) != 0 {
		t.Errorf("staging left behind: %v", left)
	}
}

func testTransferForgedReceipt(t *testing.T, net *tnet) {
	// The first receipt reaching the sender carries a signature by another
	// key: it is dropped, the transfer stays sent until the receipt is
	// overdue, and the receipt of the next attempt completes it.
	forger, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	var forged int
	var mu sync.Mutex
	a, b := net.pair(t, func(cfg *docstore.TransferConfig) {
		if strings.HasPrefix(cfg.Members[0], "alice") {
			cfg.AckTimeout = 1500 * time.Millisecond
			return
		}
		cfg.Transport = &wrapTransport{Transport: cfg.Transport, fn: func(m messaging.Message) []messaging.Message {
			mu.Lock()
			defer mu.Unlock()
			if kindOf(&m) != "receipt" || forged > 0 {
				return []messaging.Message{m}
			}
			var r map[string]any
			if err := json.Unmarshal(m.Value, &r); err != nil {
				t.Error(err)
				return nil
			}
			sig, err := crypto.SignTransferHash(forger, r["transferHash"].(string))
			if err != nil {
				t.Error(err)
				return nil
			}
			r["recipientSignature"] = sig
			m.Value, _ = json.Marshal(r)
			forged++
			return []messaging.Message{m}
		}}
	})
	a.put(t, "/forged.txt", strings.NewReader("sign me for real"))
	sent := a.send(t, b, "/forged.txt")
	got := a.wait(t, sent.ID)
	if got.Status != docstore.StatusReceived || forged != 1 {
		t.Fatalf("sender's record: %+v (forged %d)", got, forged)
	}
	bCert, _ := net.dev.Registry.Certificate(context.Background(), b.member.u)
	if err := crypto.VerifyTransferHash(bCert, got.TransferHash, got.RecipientSignature, time.Now()); err != nil {
		t.Errorf("stored recipientSignature: %v", err)
	}
	if es := a.ev.waitEvents(t, sent.ID, 2); len(es) != 2 || es[1].name != docstore.EventTransferAcknowledgement {
		t.Errorf("sender's events: %s", eventNames(es))
	}
	if er := b.ev.waitEvents(t, sent.ID, 1); len(er) != 1 {
		t.Errorf("recipient's events: %s", eventNames(er))
	}
}

func testTransferUnmanagedRecipient(t *testing.T, net *tnet) {
	// The registry routes the recipient to a node that does not hold its
	// key: that node refuses the transfer but cannot sign a receipt, so it
	// sends none (an unsigned one would not be believed). The sender's
	// outbox tries again and fails the transfer after MaxResends.
	a, b := net.pair(t, func(cfg *docstore.TransferConfig) {
		if strings.HasPrefix(cfg.Members[0], "bob") {
			cfg.Keys = &docstore.KeyRing{}
		} else {
			cfg.AckTimeout, cfg.MaxResends = 300*time.Millisecond, 1
		}
	})
	a.put(t, "/lost.txt", strings.NewReader("nobody can open this here"))
	sent := a.send(t, b, "/lost.txt")
	got := a.wait(t, sent.ID)
	if got.Status != docstore.StatusFailed || !strings.Contains(got.Error, "no receipt from the recipient after 2 attempts") {
		t.Fatalf("sender's record: %+v", got)
	}
	if rec := b.wait(t, sent.ID); rec.Status != docstore.StatusFailed || !strings.Contains(rec.Error, "not a destination managed by this node") {
		t.Errorf("receiving node's record: %+v", rec)
	}
	if keys := allKeys(t, b.b); len(keys) != 0 {
		t.Errorf("the receiving node stored %v", keys)
	}
	if es := a.ev.waitEvents(t, sent.ID, 2); len(es) != 2 || es[1].name != docstore.EventTransferAcknowledgement || es[1].tr.Status != docstore.StatusFailed {
		t.Errorf("sender's events: %s", eventNames(es))
	}
	if st := a.tf.Stats(); st.Forged() != 0 {
		t.Errorf("sender's stats %+v: nothing was forged", st)
	}
}

// unreadable is a backend whose reads fail while down is set, as an S3
// server that is away.
type unreadable struct {
	storage.Backend
	down atomic.Bool
}

func (u *unreadable) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if u.down.Load() {
		return nil, errors.New("storage server unreachable (test)")
	}
	return u.Backend.Get(ctx, key, offset, length)
}

func testTransferStorageDown(t *testing.T, net *tnet) {
	// The sender cannot read the document: each attempt fails, the outbox
	// backs off and tries again, and after MaxFailures attempts in a row
	// the transfer fails with the last error. The recipient gets nothing.
	alice, bob := net.names()
	store := &unreadable{Backend: stores.Local(t)}
	a := net.newNode(t, alice, store, func(cfg *docstore.TransferConfig) {
		cfg.RetryMin, cfg.RetryMax, cfg.MaxFailures = 10*time.Millisecond, 20*time.Millisecond, 3
	})
	b := net.newNode(t, bob, stores.Local(t), nil)
	a.put(t, "/unreadable.txt", strings.NewReader("stored before the storage server went away"))
	store.down.Store(true)
	sent := a.send(t, b, "/unreadable.txt")
	got := a.wait(t, sent.ID)
	if got.Status != docstore.StatusFailed || !strings.Contains(got.Error, "3 attempts in a row failed") ||
		!strings.Contains(got.Error, "storage server unreachable") {
		t.Fatalf("sender's record: %+v", got)
	}
	if _, err := b.tf.Get(context.Background(), b.member.name, sent.ID); !errors.Is(err, docstore.ErrUnknownTransfer) {
		t.Errorf("the recipient knows the transfer (%v): nothing was sent", err)
	}
	// Nothing was sent, so the one event is the failure.
	if es := a.ev.waitEvents(t, sent.ID, 1); len(es) != 1 || es[0].name != docstore.EventTransferAcknowledgement || es[0].tr.Status != docstore.StatusFailed {
		t.Errorf("sender's events: %s", eventNames(es))
	}
}

// checkEvidence checks what both nodes recorded of a received, pinned
// transfer for its evidence bundle: the signed manifest as it travelled,
// the pin transaction and the sender's send and receipt times.
func checkEvidence(t *testing.T, a, b *tnode, got docstore.Transfer, pinTx string) {
	t.Helper()
	var ea docstore.TransferEvidence
	deadline := time.Now().Add(time.Minute)
	for {
		var err error
		if ea, err = a.tf.Evidence(context.Background(), a.member.name, got.ID); err != nil {
			t.Fatal(err)
		}
		if ea.PinTx != "" || time.Now().After(deadline) {
			break // the pin is recorded after Prove sees it
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ea.PinTx != pinTx || ea.Direction != docstore.Outgoing || ea.SentAt.IsZero() || ea.AckedAt.IsZero() || ea.AckedAt.Before(ea.SentAt) {
		t.Errorf("sender's evidence: pin %q (want %q), direction %v, sent %v, acked %v", ea.PinTx, pinTx, ea.Direction, ea.SentAt, ea.AckedAt)
	}
	eb, err := b.tf.Evidence(context.Background(), b.member.name, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if eb.Direction != docstore.Incoming || eb.PinTx != "" || eb.TransferHash != got.TransferHash {
		t.Errorf("recipient's evidence: %+v", eb)
	}
	for side, m := range map[string][]byte{"sender": ea.Manifest, "recipient": eb.Manifest} {
		var mf struct {
			ID, TransferHash, SenderSignature, Signature string
		}
		if err := json.Unmarshal(m, &mf); err != nil || mf.ID != got.ID || mf.TransferHash != got.TransferHash ||
			mf.SenderSignature != got.SenderSignature || mf.Signature == "" {
			t.Errorf("%s's recorded manifest %q: %v", side, m, err)
		}
	}
	if _, err := a.tf.Evidence(context.Background(), b.member.name, got.ID); !errors.Is(err, docstore.ErrUnknownTransfer) {
		t.Errorf("another member's evidence: %v", err)
	}
}
