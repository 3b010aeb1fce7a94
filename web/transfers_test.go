package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/devnet"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/storage/local"
)

// xferNode is a node serving one member over HTTP and socket.io, with
// the document API and transfers mounted.
type xferNode struct {
	base       string
	member     string
	uri        string // the member's documentstore destination
	user, pass string
	tf         *docstore.Transfers
	st         *docstore.Store
}

// newXferPair starts a chain with two members and one node for each,
// sharing transport tr.
func newXferPair(t *testing.T, tr messaging.Transport) (a, b *xferNode, dc *chain.DevChain) {
	t.Helper()
	ctx := context.Background()
	env := app2apptest.RandomID("env")
	members := []string{app2apptest.RandomID("alice"), app2apptest.RandomID("bob")}
	keys := map[string]*docstore.KeyRing{}
	var dms []chain.DevMember
	uris := map[string]string{}
	for i, m := range members {
		alg := crypto.RSA2048
		if i == 1 {
			alg = crypto.P256
		}
		d := devnet.NewDocDestination(t, env, m, alg)
		keys[m] = &docstore.KeyRing{}
		if err := keys[m].Add(d.URI, m, d.Key, d.Cert); err != nil {
			t.Fatal(err)
		}
		uris[m] = d.URI.String()
		dms = append(dms, d.DevMember())
	}
	dc = devnet.StartChain(t, env, dms)
	var nodes []*xferNode
	for _, m := range members {
		node := app2apptest.RandomID("node")
		if _, err := dc.Members[m].SetProfile(ctx, m, destination.NodeProfileKey, node); err != nil {
			t.Fatal(err)
		}
		if _, err := dc.Registry.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		n := &xferNode{member: m, uri: uris[m]}
		creds, err := auth.New(&auth.MemoryStore{}, auth.Config{Params: fastParams})
		if err != nil {
			t.Fatal(err)
		}
		if n.user, n.pass, err = creds.Create(ctx, env, m); err != nil {
			t.Fatal(err)
		}
		srv, err := New(Config{EnvironmentID: env, Logger: quietLogger(), FailureBurst: 1000}, creds)
		if err != nil {
			t.Fatal(err)
		}
		bk, err := local.New(local.Config{Root: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		n.st = newDocStore(t, bk)
		n.tf, err = docstore.NewTransfers(ctx, n.st, docstore.TransferConfig{
			Node: node, Members: []string{m}, Transport: tr, Registry: dc.Registry, Keys: keys[m], Notifier: srv,
			Partitions: 2, RetryMin: 50 * time.Millisecond, RetryMax: time.Second, Logger: quietLogger(),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.tf.Close() })
		srv.HandleDocuments(n.st)
		srv.HandleTransfers(n.tf)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		n.base = "http://" + ln.Addr().String()
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ln) }()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			<-done
		})
		nodes = append(nodes, n)
	}
	return nodes[0], nodes[1], dc
}

// call makes a request as the node's member (path kept as written).
func (n *xferNode) call(t *testing.T, method, path, ctype string, body io.Reader) reply {
	t.Helper()
	return n.callAs(t, n.user, n.pass, method, path, ctype, body)
}

func (n *xferNode) callAs(t *testing.T, user, pass, method, path, ctype string, body io.Reader) reply {
	t.Helper()
	return request(t, method, n.base, path, user, pass, ctype, body)
}

func (n *xferNode) upload(t *testing.T, path string, data []byte) {
	t.Helper()
	ctype, body := multipartBody(t, "document", "upload.bin", data)
	if r := n.call(t, "PUT", "/api/v1/documents"+path, ctype, body); r.status != 200 {
		t.Fatalf("upload %s: %d %s", path, r.status, r.body)
	}
}

type transferLog struct {
	Transfers []map[string]any `json:"transfers"`
}

func (n *xferNode) log(t *testing.T) []map[string]any {
	t.Helper()
	r := n.call(t, "GET", "/api/v1/transfers", "", nil)
	if r.status != 200 {
		t.Fatalf("GET /transfers: %d %s", r.status, r.body)
	}
	var l transferLog
	r.decode(t, &l)
	if l.Transfers == nil {
		t.Fatalf("GET /transfers: no transfers array in %s", r.body)
	}
	return l.Transfers
}

// waitRecord polls GET /transfers/{id} until its status is not "sent".
func (n *xferNode) waitRecord(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r := n.call(t, "GET", "/api/v1/transfers/"+id, "", nil)
		if r.status == 200 {
			var m map[string]any
			r.decode(t, &m)
			if m["status"] != "sent" {
				return m
			}
		} else if r.status != 404 {
			t.Fatalf("GET /transfers/%s: %d %s", id, r.status, r.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("transfer %s not final after 2 minutes", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTransfersREST(t *testing.T) {
	a, b, dc := newXferPair(t, app2apptest.Embedded(t))
	content := bytes.Repeat([]byte("a transferred document\n"), 40000)
	a.upload(t, "/out/contract.txt", content)

	// Refused requests change nothing.
	other := strings.Replace(b.uri, "/d/docs", "/d/nobody", 1)
	for _, c := range []struct {
		name   string
		body   string
		user   string
		status int
		msg    string
	}{
		{"not JSON", `from=x`, "", 400, "not a JSON object"},
		{"missing fields", `{"from":"` + a.uri + `"}`, "", 400, "to, document missing"},
		{"trailing data", `{"from":"a","to":"b","document":"/c"} {}`, "", 400, "after the JSON object"},
		{"too large", `{"from":"` + strings.Repeat("x", 70<<10) + `"}`, "", 413, "larger than"},
		{"foreign from", `{"from":"` + b.uri + `","to":"` + a.uri + `","document":"/out/contract.txt"}`, "", 403, "not a managed destination"},
		{"unknown to", `{"from":"` + a.uri + `","to":"` + other + `","document":"/out/contract.txt"}`, "", 404, "not in the registry"},
		{"bad to", `{"from":"` + a.uri + `","to":"nope","document":"/out/contract.txt"}`, "", 400, "to:"},
		{"missing document", `{"from":"` + a.uri + `","to":"` + b.uri + `","document":"/out/none.txt"}`, "", 404, "no document or folder"},
		{"folder", `{"from":"` + a.uri + `","to":"` + b.uri + `","document":"/out"}`, "", 409, "is a folder"},
		{"traversal", `{"from":"` + a.uri + `","to":"` + b.uri + `","document":"/../etc/passwd"}`, "", 400, "invalid path"},
		{"no credential", `{"from":"` + a.uri + `","to":"` + b.uri + `","document":"/out/contract.txt"}`, "-", 401, ""},
	} {
		user, pass := a.user, a.pass
		if c.user == "-" {
			user, pass = "", ""
		}
		r := a.callAs(t, user, pass, "POST", "/api/v1/transfers", "application/json", strings.NewReader(c.body))
		if r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.status)
			continue
		}
		if msg := r.errorMessage(t); !strings.Contains(msg, c.msg) {
			t.Errorf("%s: error %q does not mention %q", c.name, msg, c.msg)
		}
	}
	if l := a.log(t); len(l) != 0 {
		t.Fatalf("refused requests left records: %v", l)
	}
	if r := a.call(t, "GET", "/api/v1/transfers?limit=0", "", nil); r.status != 400 {
		t.Errorf("limit=0: %d %s", r.status, r.body)
	}
	if r := a.call(t, "GET", "/api/v1/transfers/00000000-0000-4000-8000-000000000000", "", nil); r.status != 404 {
		t.Errorf("unknown id: %d %s", r.status, r.body)
	}

	// A transfer through the doubled-slash URL clients build.
	body, _ := json.Marshal(map[string]string{"from": a.uri, "to": b.uri, "document": "/out/contract.txt"})
	r := a.call(t, "POST", "/api/v1//transfers", "application/json", bytes.NewReader(body))
	if r.status != 200 {
		t.Fatalf("POST /transfers: %d %s", r.status, r.body)
	}
	var ans struct {
		Result     string `json:"result"`
		TransferID string `json:"transfer_id"`
	}
	r.decode(t, &ans)
	if ans.Result != "Document sent." || len(ans.TransferID) != 36 {
		t.Fatalf("answer %s", r.body)
	}
	rec := a.waitRecord(t, ans.TransferID)
	want := hexSHA(content)
	if rec["id"] != ans.TransferID || rec["status"] != "received" || rec["hash"] != want || rec["document"] != "/out/contract.txt" ||
		rec["from"] != a.uri || rec["to"] != b.uri || rec["error"] != nil {
		t.Fatalf("sender's record %v", rec)
	}
	ts, _ := rec["timestamp"].(string)
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		t.Errorf("timestamp %q: %v", ts, err)
	}
	th := crypto.TransferHash(a.uri, b.uri, want, ts)
	if rec["transferHash"] != th {
		t.Errorf("transferHash %v, want %s", rec["transferHash"], th)
	}
	bCert, err := dc.Registry.Certificate(context.Background(), destination.MustParse(b.uri))
	if err != nil {
		t.Fatal(err)
	}
	if err := crypto.VerifyTransferHash(bCert, th, rec["recipientSignature"].(string), time.Now()); err != nil {
		t.Errorf("recipientSignature: %v", err)
	}
	// The recipient's log and the document itself.
	got := b.waitRecord(t, ans.TransferID)
	if got["status"] != "received" || got["document"] != "/received/"+a.member+"/docs/contract.txt" || got["recipientSignature"] != rec["recipientSignature"] ||
		got["senderSignature"] != rec["senderSignature"] || got["timestamp"] != ts {
		t.Errorf("recipient's record %v", got)
	}
	dl := b.call(t, "GET", "/api/v1/documents/received/"+a.member+"/docs/contract.txt", "", nil)
	if dl.status != 200 || !bytes.Equal(dl.body, content) {
		t.Fatalf("download of the received copy: %d, %d bytes", dl.status, len(dl.body))
	}
	if l := a.log(t); len(l) != 1 || l[0]["id"] != ans.TransferID {
		t.Errorf("sender's log %v", l)
	}
	if l := b.log(t); len(l) != 1 || l[0]["id"] != ans.TransferID {
		t.Errorf("recipient's log %v", l)
	}
	// One member cannot read another's record.
	if r := b.callAs(t, b.user, b.pass, "GET", "/api/v1/transfers/"+ans.TransferID, "", nil); r.status != 200 {
		t.Errorf("recipient reading its own record: %d", r.status)
	}
}

// TestTransfersNodeClient runs testdata/transfers_client.js: a
// socket.io-client 2.x connection per member, an axios upload and
// POST /transfers, and the events document_sent, document_received and
// transfer_acknowledgement, over the embedded broker and over Kafka.
func TestTransfersNodeClient(t *testing.T) {
	sio2 := testenv.Get(t, testenv.SIO2Modules)
	modules := testenv.Get(t, testenv.NodeModules)
	for _, tp := range []struct {
		name string
		open func(t *testing.T) messaging.Transport
	}{
		{"embedded", func(t *testing.T) messaging.Transport { return app2apptest.Embedded(t) }},
		{"kafka", func(t *testing.T) messaging.Transport { return app2apptest.Kafka(t) }},
	} {
		t.Run(tp.name, func(t *testing.T) {
			a, b, dc := newXferPair(t, tp.open(t))
			out := runNode(t, sio2+string(filepath.ListSeparator)+modules, "transfers_client.js",
				"CONSIGN_URL_A="+a.base, "CONSIGN_USER_A="+a.user, "CONSIGN_PASS_A="+a.pass, "CONSIGN_FROM="+a.uri,
				"CONSIGN_URL_B="+b.base, "CONSIGN_USER_B="+b.user, "CONSIGN_PASS_B="+b.pass, "CONSIGN_TO="+b.uri)
			res := testenv.DecodeTransfersClient(t, out)
			res.CheckTransfer(t, a.uri, b.uri, a.member)
			th, _ := res.Ack["transferHash"].(string)
			bCert, err := dc.Registry.Certificate(context.Background(), destination.MustParse(b.uri))
			if err != nil {
				t.Fatal(err)
			}
			if err := crypto.VerifyTransferHash(bCert, th, res.Ack["recipientSignature"].(string), time.Now()); err != nil {
				t.Errorf("recipientSignature: %v", err)
			}
			if res.BadAnswer["status"] != float64(403) {
				t.Errorf("foreign from: %v", res.BadAnswer)
			}
		})
	}
}
