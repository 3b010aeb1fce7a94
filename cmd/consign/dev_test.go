package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/metadb"
)

func startTestDev(t *testing.T, dir string) (*devNode, context.CancelFunc, chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n, err := startDev(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), dir, "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		err := n.serve(ctx)
		n.close()
		done <- err
	}()
	return n, cancel, done
}

func stopTestDev(t *testing.T, cancel context.CancelFunc, done chan error) {
	t.Helper()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("dev did not shut down cleanly: %v", err)
	}
}

func TestDevServesWithPrintedCredentials(t *testing.T) {
	dir := t.TempDir()
	n, cancel, done := startTestDev(t, dir)
	base := strings.TrimSuffix(n.file.APIURL, "/api/v1")

	// dev.json has the fixed shape scripts rely on.
	raw, err := os.ReadFile(filepath.Join(dir, "dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"api_url", "socketio_url", "members"} {
		if _, ok := f[k]; !ok {
			t.Fatalf("dev.json lacks %q: %s", k, raw)
		}
	}
	var file devFile
	json.Unmarshal(raw, &file)
	if want := "ws://" + strings.TrimPrefix(base, "http://") + "/api/v1"; file.SocketIOURL != want {
		t.Fatalf("dev.json socketio_url %q, want %q (namespace /api/v1, as the hosted service hands it)", file.SocketIOURL, want)
	}
	if len(file.Members) < 2 {
		t.Fatalf("want at least two demo members, got %d", len(file.Members))
	}
	for _, m := range file.Members {
		if m.Credential.User == "" || m.Credential.Password == "" || len(m.Destinations) == 0 {
			t.Fatalf("member %q incomplete in dev.json: %+v", m.Name, m)
		}
		for _, d := range m.Destinations {
			if _, err := destination.Parse(d.URI); err != nil || !d.Managed || (d.Kind != "documentstore" && d.Kind != "app2app") {
				t.Fatalf("bad destination %+v: %v", d, err)
			}
		}
	}
	if info, _ := os.Stat(filepath.Join(dir, "dev.json")); info.Mode().Perm() != 0o600 {
		t.Errorf("dev.json holds passwords but has mode %v", info.Mode().Perm())
	}

	m := file.Members[0]
	if code, body := get(t, base+"/api/v1/transfers", "", ""); code != 401 || !strings.Contains(body, `"error"`) {
		t.Fatalf("no credentials: %d %s", code, body)
	}
	if code, _ := get(t, base+"/api/v1/transfers", m.Credential.User, m.Credential.Password+"x"); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	if code, _ := get(t, base+"/api/v1/transfers", m.Credential.User, m.Credential.Password); code != 200 {
		t.Fatalf("printed credentials: %d", code)
	}
	waitReady(t, testContext(t), base)

	// A valid credential of another environment, in the same database, is refused.
	db, err := metadb.Open(context.Background(), metadb.Config{Path: filepath.Join(dir, "consign.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := auth.New(auth.NewSQLStore(db, auth.SQLite), auth.Config{})
	if err != nil {
		t.Fatal(err)
	}
	user, password, err := other.Create(context.Background(), "otherenv", m.Name)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, base+"/api/v1/transfers", user, password); code != 401 {
		t.Fatalf("credential of another environment: got %d, want 401", code)
	}
	stopTestDev(t, cancel, done)

	// A restart keeps the environment, the credentials and the destinations.
	n2, cancel2, done2 := startTestDev(t, dir)
	defer stopTestDev(t, cancel2, done2)
	if n2.file.Members[0].Credential != m.Credential || n2.file.Members[0].Destinations[0].URI != m.Destinations[0].URI {
		t.Fatalf("restart changed member %q: %+v vs %+v", m.Name, n2.file.Members[0], m)
	}
	base2 := strings.TrimSuffix(n2.file.APIURL, "/api/v1")
	if code, _ := get(t, base2+"/api/v1/transfers", m.Credential.User, m.Credential.Password); code != 200 {
		t.Fatalf("credentials after restart: %d", code)
	}
}

func TestRunUnknownCommandAndHelp(t *testing.T) {
	var out, errb strings.Builder
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	if code := run(context.Background(), env, []string{"frobnicate"}); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("unknown command: code %d, stderr %q", code, errb.String())
	}
	out.Reset()
	if code := run(context.Background(), env, []string{"--help"}); code != 0 || !strings.Contains(out.String(), "serve") {
		t.Fatalf("--help: code %d, out %q", code, out.String())
	}
	errb.Reset()
	if code := run(context.Background(), env, []string{"serve", "--config", "/nonexistent.yaml"}); code != 1 || !strings.Contains(errb.String(), "nonexistent") {
		t.Fatalf("serve with missing file: code %d, stderr %q", code, errb.String())
	}
}

func TestDevRegistryAPI(t *testing.T) {
	n, cancel, done := startTestDev(t, t.TempDir())
	defer stopTestDev(t, cancel, done)
	m := n.file.Members[0]
	code, body := get(t, n.file.APIURL+"/registry/members", m.Credential.User, m.Credential.Password)
	if code != 200 {
		t.Fatalf("registry members: %d %s", code, body)
	}
	var members []struct {
		Name     string `json:"name"`
		Identity struct {
			SelfSigned bool `json:"self_signed"`
		} `json:"identity"`
		Destinations []struct{ URI string } `json:"destinations"`
	}
	if err := json.Unmarshal([]byte(body), &members); err != nil || len(members) != len(n.file.Members) {
		t.Fatalf("members: %v %s", err, body)
	}
	for _, rm := range members {
		if !rm.Identity.SelfSigned || len(rm.Destinations) != 2 {
			t.Fatalf("member %q: want a self-signed identity and two destinations, got %+v", rm.Name, rm)
		}
	}
	uri := m.Destinations[0].URI
	code, body = get(t, n.file.APIURL+"/registry/destinations?uri="+uri, m.Credential.User, m.Credential.Password)
	if code != 200 || !strings.Contains(body, `"managed":true`) || !strings.Contains(body, "BEGIN CERTIFICATE") {
		t.Fatalf("destination lookup: %d %s", code, body)
	}
}

// The document store answers in dev, per member: an upload by one member
// is seen by that member and not by another.
func TestDevDocuments(t *testing.T) {
	n, cancel, done := startTestDev(t, t.TempDir())
	defer stopTestDev(t, cancel, done)
	a, b := n.file.Members[0].Credential, n.file.Members[1].Credential
	code, reply := upload(t, n.file.APIURL+"/documents/inbox/hello.txt", a.User, a.Password, "hello.txt", "hello consign\n")
	// sha256("hello consign\n")
	const want = "52421b53be8ac8366e1f413ac4334ffff41b9664b6dede18d175e8f080bb9701"
	if code != 200 || !strings.Contains(reply, want) {
		t.Fatalf("upload: %d %s", code, reply)
	}
	if code, got := get(t, n.file.APIURL+"/documents/inbox/hello.txt", a.User, a.Password); code != 200 || got != "hello consign\n" {
		t.Fatalf("download by owner: %d %q", code, got)
	}
	if code, _ := get(t, n.file.APIURL+"/documents/inbox/hello.txt", b.User, b.Password); code != 404 {
		t.Fatalf("download by another member: %d, want 404", code)
	}
}

// Each demo member lists its own managed destinations, and the address
// book shows every member, read from the registry.
func TestDevDestinationsAndAddressBook(t *testing.T) {
	n, cancel, done := startTestDev(t, t.TempDir())
	defer stopTestDev(t, cancel, done)
	for _, m := range n.file.Members {
		code, body := get(t, n.file.APIURL+"/destinations", m.Credential.User, m.Credential.Password)
		var got []struct {
			Name, URI, Kind string
			Managed         bool
		}
		if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("%s: destinations: %d %s", m.Name, code, body)
		}
		want := map[string]devDestination{}
		for _, d := range m.Destinations {
			want[d.URI] = d
		}
		if len(got) != len(want) {
			t.Fatalf("%s: destinations %s, want %d", m.Name, body, len(want))
		}
		for _, d := range got {
			if w, ok := want[d.URI]; !ok || w.Name != d.Name || w.Kind != d.Kind || !d.Managed {
				t.Fatalf("%s: unexpected destination %+v", m.Name, d)
			}
		}
	}
	m := n.file.Members[0]
	base := strings.TrimSuffix(n.file.APIURL, "/api/v1")
	for _, url := range []string{base + "/addressbook", n.file.APIURL + "/addressbook"} {
		code, body := get(t, url, m.Credential.User, m.Credential.Password)
		var book []struct {
			Membership   string `json:"membership"`
			Destinations []struct{ URI, Name string }
		}
		if code != 200 || json.Unmarshal([]byte(body), &book) != nil || len(book) != len(n.file.Members) {
			t.Fatalf("%s: %d %s", url, code, body)
		}
		for _, e := range book {
			if !strings.HasPrefix(e.Membership, "/") || len(e.Destinations) != 2 {
				t.Fatalf("%s: entry %+v", url, e)
			}
		}
	}
}

// collect hands the first deliveries to got and drops the rest, so that a
// backlog never blocks the consumer (and its Close) on a full channel.
type collect struct{ got chan app2app.Delivery }

func (c collect) Deliver(_ context.Context, d app2app.Delivery) error {
	select {
	case c.got <- d:
	default:
	}
	return nil
}
func (c collect) Exception(error) {}

// The dev demo sends app-to-app messages between members: the next
// member's app destination receives one, verified and opened.
func TestDevDemoMessagesFlow(t *testing.T) {
	n, cancel, done := startTestDev(t, t.TempDir())
	defer stopTestDev(t, cancel, done)
	ctx, stop := context.WithCancel(context.Background())
	demoDone := make(chan struct{})
	go func() { n.demoMessages(ctx, 50*time.Millisecond); close(demoDone) }()
	// The demo stops sending before the node closes.
	defer func() { stop(); <-demoDone }()

	receiver := n.file.Members[1]
	var app string
	for _, d := range receiver.Destinations {
		if d.Kind == "app2app" {
			app = d.URI
		}
	}
	sub := collect{got: make(chan app2app.Delivery, 16)}
	c := n.a2a.NewConsumer(receiver.Name, true, sub)
	defer c.Close()
	if err := c.Subscribe([]destination.URI{destination.MustParse(app)}); err != nil {
		t.Fatal(err)
	}
	var d app2app.Delivery
	select {
	case d = <-sub.got:
	case <-testContext(t).Done():
		t.Fatal("no demo message arrived")
	}
	sender := n.file.Members[0].Name
	if d.To != app || !strings.Contains(d.From, "/m/"+sender+"/") || !strings.HasPrefix(string(d.Content), "demo message ") || d.Key != sender {
		t.Fatalf("unexpected delivery %+v", d)
	}
}

// A document moves from one demo member to another: the sender's log
// reaches "received" with the recipient's signature, the recipient holds a
// byte-identical copy, and the transfer hash is pinned on the chain.
func TestDevTransfer(t *testing.T) {
	n, cancel, done := startTestDev(t, t.TempDir())
	defer stopTestDev(t, cancel, done)
	sender, recipient := n.file.Members[0], n.file.Members[1]
	docsOf := func(m devMember) string {
		for _, d := range m.Destinations {
			if d.Kind == "documentstore" {
				return d.URI
			}
		}
		t.Fatalf("%s has no documentstore destination", m.Name)
		return ""
	}
	call := func(method, url string, m devMember, contentType string, body io.Reader) (int, string) {
		code, b := request(t, method, url, m.Credential.User, m.Credential.Password, contentType, body)
		return code, string(b)
	}
	content := strings.Repeat("a contract worth proving\n", 20000) // 500 KB: several shards
	if code, reply := upload(t, n.file.APIURL+"/documents/out/contract.txt", sender.Credential.User, sender.Credential.Password, "contract.txt", content); code != 200 {
		t.Fatalf("upload: %d %s", code, reply)
	}
	req := fmt.Sprintf(`{"from":%q,"to":%q,"document":"/out/contract.txt"}`, docsOf(sender), docsOf(recipient))
	code, reply := call("POST", n.file.APIURL+"/transfers", sender, "application/json", strings.NewReader(req))
	if code != 200 || !strings.Contains(reply, `"transfer_id"`) {
		t.Fatalf("transfer: %d %s", code, reply)
	}
	type record struct {
		ID, Status, Hash, TransferHash, RecipientSignature, Error string
	}
	var rec record
	waitFor(t, testContext(t), "transfer acknowledged", func() (bool, string) {
		_, list := call("GET", n.file.APIURL+"/transfers", sender, "", nil)
		var got struct{ Transfers []record }
		json.Unmarshal([]byte(list), &got)
		if len(got.Transfers) == 1 && got.Transfers[0].Status != "sent" {
			rec = got.Transfers[0]
			return true, ""
		}
		return false, list
	})
	if rec.Status != "received" || rec.RecipientSignature == "" {
		t.Fatalf("transfer ended %+v", rec)
	}
	_, found := call("GET", n.file.APIURL+"/search?by_hash=true&query="+rec.Hash, recipient, "", nil)
	var hits struct {
		Documents []struct {
			FullPath string `json:"full_path"`
		}
	}
	if json.Unmarshal([]byte(found), &hits) != nil || len(hits.Documents) != 1 {
		t.Fatalf("recipient search by hash: %s", found)
	}
	code, got := call("GET", n.file.APIURL+"/documents/"+strings.TrimPrefix(hits.Documents[0].FullPath, "/"), recipient, "", nil)
	if code != 200 || got != content {
		t.Fatalf("received copy: %d, %d bytes, want %d identical", code, len(got), len(content))
	}
	if code, pin := call("GET", n.file.APIURL+"/pins/"+rec.TransferHash, sender, "", nil); code != 200 || !strings.Contains(pin, rec.TransferHash) {
		t.Fatalf("transfer hash not pinned: %d %s", code, pin)
	}
}

func TestSocketIOURL(t *testing.T) {
	for _, c := range []struct {
		addr string
		tls  bool
		want string
	}{
		{"127.0.0.1:8080", false, "ws://127.0.0.1:8080/api/v1"},
		{"127.0.0.1:8443", true, "wss://127.0.0.1:8443/api/v1"},
		{":8080", false, "ws://localhost:8080/api/v1"},
		{"0.0.0.0:8080", false, "ws://localhost:8080/api/v1"},
		{"[::]:8080", true, "wss://localhost:8080/api/v1"},
		{"[::1]:8080", false, "ws://[::1]:8080/api/v1"},
		{"node.example:80", false, "ws://node.example:80/api/v1"},
	} {
		if got := socketIOURL(c.addr, c.tls); got != c.want {
			t.Errorf("socketIOURL(%q, %v) = %q, want %q", c.addr, c.tls, got, c.want)
		}
	}
	// consign serve logs the same URL.
	var buf strings.Builder
	cfg := nodeConfig{Listen: "127.0.0.1:9090"}
	logServing(slog.New(slog.NewTextHandler(&buf, nil)), cfg)
	if !strings.Contains(buf.String(), "socketio_url=ws://127.0.0.1:9090/api/v1") {
		t.Errorf("serve log lacks the socket.io URL: %s", buf.String())
	}
}
