package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/storage/azure"
)

// serveNode is a member node built from a YAML file as `consign serve`
// builds it, listening on a free port, with a credential for its member.
type serveNode struct {
	base, user, pass string
	cfg              nodeConfig
}

func startServeNode(t *testing.T, ctx context.Context, cfg nodeConfig) *serveNode {
	t.Helper()
	n, err := buildNode(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go n.web.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.web.Shutdown(ctx)
	})
	s := &serveNode{base: "http://" + ln.Addr().String(), cfg: cfg}
	if s.user, s.pass, err = n.creds.Create(ctx, cfg.Environment, cfg.Member); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ctx, s.base)
	return s
}

// call makes a JSON request as the node's member.
func (s *serveNode) call(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	return request(t, method, s.base+path, s.user, s.pass, "application/json", strings.NewReader(body))
}

// waitPinned waits until the node's pin API knows transferHash.
func (s *serveNode) waitPinned(t *testing.T, ctx context.Context, transferHash string) {
	t.Helper()
	waitFor(t, ctx, "transfer hash pinned on geth", func() (bool, string) {
		code, pin := s.call(t, "GET", "/api/v1/pins/"+transferHash, "")
		return code == 200 && strings.Contains(string(pin), transferHash), fmt.Sprintf("%d %s", code, pin)
	})
}

// destination creates a managed documentstore destination and returns its URI.
func (s *serveNode) destination(t *testing.T, name string) string {
	t.Helper()
	code, b := s.call(t, "POST", "/api/v1/destinations", `{"name":"`+name+`","kind":"documentstore"}`)
	var d struct {
		URI     string `json:"uri"`
		Managed bool   `json:"managed"`
	}
	if code != 200 || json.Unmarshal(b, &d) != nil || !d.Managed {
		t.Fatalf("create destination %s on %s: %d %s", name, s.cfg.Member, code, b)
	}
	return d.URI
}

// TestTwoMembersOnRealServers runs two member nodes as `consign serve`
// does, on the real Kafka and geth of `make testenv`, once per storage
// backend. A socket.io-client 2.x Node script (web/testdata/
// transfers_client.js) uploads, browses, searches and transfers a
// document from one to the other and collects document_sent and
// transfer_acknowledgement on the sender's socket and document_received
// on the recipient's; the received copy hashes like the upload, the
// recipient's signature verifies with openssl against its certificate as
// the registry API serves it, and the transfer hash is pinned on geth.
func TestTwoMembersOnRealServers(t *testing.T) {
	sio2 := testenv.Get(t, testenv.SIO2Modules)
	modules := testenv.Get(t, testenv.NodeModules)
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is not installed; this test checks signatures with it")
	}
	ctx := testContext(t)
	rc := newRealChain(t, ctx)

	s3 := func(t *testing.T, member string) string {
		return fmt.Sprintf("  kind: s3\n  s3: {endpoint: %q, region: %q, bucket: %q, access_key: %q, secret_key: %q, path_style: true}",
			testenv.Get(t, testenv.S3Endpoint), testenv.Get(t, testenv.S3Region), "e2e-"+member,
			testenv.Get(t, testenv.S3AccessKey), testenv.Get(t, testenv.S3SecretKey))
	}
	azureYAML := func(t *testing.T, member string) string {
		conn := testenv.Get(t, testenv.AzureConnStr)
		// A node does not create its container: the operator does.
		if _, err := azure.New(ctx, azure.Config{ConnectionString: conn, Container: "e2e-" + member, CreateContainer: true}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("  kind: azure\n  azure: {connection_string: %q, container: %q}", conn, "e2e-"+member)
	}
	backends := []struct {
		name    string
		storage func(t *testing.T, member string) string
	}{
		{"Local", func(t *testing.T, member string) string {
			return fmt.Sprintf("  kind: local\n  local: {root: %q}", t.TempDir())
		}},
		{"S3", s3},
		{"Azure", azureYAML},
		{"IPFSEmbedded", func(t *testing.T, member string) string {
			return fmt.Sprintf("  kind: ipfs\n  ipfs: {dir: %q}", t.TempDir())
		}},
		{"Kubo", func(t *testing.T, member string) string {
			return fmt.Sprintf("  kind: kubo\n  kubo: {api: %q}\n  ipfs: {dir: %q}", testenv.Get(t, testenv.IPFSAPI), t.TempDir())
		}},
	}
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			var nodes []*serveNode
			for _, org := range []string{"Alpha Trading", "Beta Shipping"} {
				member := strings.ToLower(org[:1]) + randomHex(5)
				key := rc.member(t, ctx, member, org)
				cfg := rc.nodeConfig(t, t.TempDir(), member, key, bk.storage(t, member))
				if cfg.Storage.Kind == "s3" {
					createBucket(t, ctx, cfg)
				}
				nodes = append(nodes, startServeNode(t, ctx, cfg))
			}
			a, b := nodes[0], nodes[1]
			from, to := a.destination(t, "docs"), b.destination(t, "docs")
			runTransfersClient(t, ctx, sio2+string(filepath.ListSeparator)+modules, a, b, from, to)
		})
	}
}

// runTransfersClient runs the Node script between a (sender, destination
// from) and b (recipient, destination to) and checks what it saw.
func runTransfersClient(t *testing.T, ctx context.Context, nodePath string, a, b *serveNode, from, to string) {
	t.Helper()
	out, _ := testenv.RunNode(t, ctx, nodePath, filepath.Join("..", "..", "web", "testdata", "transfers_client.js"),
		"CONSIGN_URL_A="+a.base, "CONSIGN_USER_A="+a.user, "CONSIGN_PASS_A="+a.pass, "CONSIGN_FROM="+from,
		"CONSIGN_URL_B="+b.base, "CONSIGN_USER_B="+b.user, "CONSIGN_PASS_B="+b.pass, "CONSIGN_TO="+to)
	res := testenv.DecodeTransfersClient(t, out)
	if res.Upload.Result != "success" || res.Upload.Hash != res.Hash {
		t.Errorf("upload answer %+v, content hash %s", res.Upload, res.Hash)
	}
	if len(res.Browse.Entries) != 1 || res.Browse.Entries[0].Name != "report.pdf" || res.Browse.Entries[0].Hash != res.Hash || res.Browse.Entries[0].IsDirectory {
		t.Errorf("browse /from-node/: %+v", res.Browse.Entries)
	}
	for what, docs := range map[string][]testenv.ClientEntry{"by name": res.Search.Documents, "by hash": res.SearchByHash.Documents} {
		if len(docs) != 1 || docs[0].FullPath != "from-node/report.pdf" || docs[0].Hash != res.Hash {
			t.Errorf("search %s: %+v", what, docs)
		}
	}
	res.CheckTransfer(t, from, to, senderOrg(t, from))

	// Anyone can check the receipt with openssl and the registry API:
	// the recipient's certificate as the sender's node serves it.
	th, _ := res.Ack["transferHash"].(string)
	rsig, _ := res.Ack["recipientSignature"].(string)
	ssig, _ := res.Sent["senderSignature"].(string)
	certOf := func(uri string) []byte {
		code, body := a.call(t, "GET", "/api/v1/registry/destinations?uri="+url.QueryEscape(uri), "")
		var d struct{ Certificate string }
		if code != 200 || json.Unmarshal(body, &d) != nil || d.Certificate == "" {
			t.Fatalf("registry destination %s: %d %s", uri, code, body)
		}
		return []byte(d.Certificate)
	}
	testenv.OpensslVerify(t, certOf(to), th, rsig)
	testenv.OpensslVerify(t, certOf(from), th, ssig)

	// The sender's node pinned the transfer hash on geth.
	a.waitPinned(t, ctx, th)
}

// senderOrg is the member of a destination URI: the folder the default
// receivedDocumentsPath files its documents under.
func senderOrg(t *testing.T, uri string) string {
	t.Helper()
	u, err := destination.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return u.Member
}
