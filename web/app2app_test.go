package web

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
)

// a2aFixture is a node serving members m1 and m2 of a dev chain, with
// app-to-app messaging mounted, and a credential for each member; or, for
// twoNodes, one node per member (m2's at base2) on the same transport.
type a2aFixture struct {
	base, base2  string
	node         *app2apptest.Node
	chain        *app2apptest.Chain
	user1, pass1 string
	user2, pass2 string
	ns           string // socket.io namespace the Node client connects to ("" is the root)
}

func newA2AFixture(t *testing.T, tr messaging.Transport) *a2aFixture {
	return newA2AFixtureNodes(t, tr, false)
}

// newA2AMembers starts a chain with members m1 and m2 and gives each a
// login: the fixture (no node or server yet) and the credentials that
// hold the logins, for the server the test builds.
func newA2AMembers(t *testing.T) (*a2aFixture, *auth.Credentials) {
	t.Helper()
	ctx := context.Background()
	f := &a2aFixture{chain: app2apptest.StartChain(t, "m1", "m2")}
	creds, err := auth.New(&auth.MemoryStore{}, auth.Config{Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	if f.user1, f.pass1, err = creds.Create(ctx, f.chain.EnvironmentID, "m1"); err != nil {
		t.Fatal(err)
	}
	if f.user2, f.pass2, err = creds.Create(ctx, f.chain.EnvironmentID, "m2"); err != nil {
		t.Fatal(err)
	}
	return f, creds
}

func newA2AFixtureNodes(t *testing.T, tr messaging.Transport, twoNodes bool) *a2aFixture {
	t.Helper()
	f, creds := newA2AMembers(t)
	serve := func(n *app2apptest.Node) string {
		srv, err := New(Config{EnvironmentID: f.chain.EnvironmentID, Logger: quietLogger(), FailureBurst: 1000}, creds)
		if err != nil {
			t.Fatal(err)
		}
		srv.HandleApp2App(n.Service)
		return serve(t, srv)
	}
	if twoNodes {
		f.node = app2apptest.NewNode(t, f.chain, tr, app2apptest.RandomID("web1"), []string{"m1"}, nil)
		n2 := app2apptest.NewNode(t, f.chain, tr, app2apptest.RandomID("web2"), []string{"m2"}, nil)
		f.base, f.base2 = serve(f.node), serve(n2)
	} else {
		f.node = app2apptest.NewNode(t, f.chain, tr, app2apptest.RandomID("web"), []string{"m1", "m2"}, nil)
		f.base = serve(f.node)
		f.base2 = f.base
	}
	return f
}

// call makes an authenticated request (path kept exactly as written) and
// returns the status and body.
func (f *a2aFixture) call(t *testing.T, method, path, user, pass, contentType string, body []byte) (int, []byte) {
	t.Helper()
	base := f.base
	if user == f.user2 {
		base = f.base2 // m2's node
	}
	r := request(t, method, base, path, user, pass, contentType, bytes.NewReader(body))
	return r.status, r.body
}

func (f *a2aFixture) createDest(t *testing.T, user, pass, name string, external bool) destinationJSON {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "kind": "app2app", "external": external})
	st, b := f.call(t, "POST", "/api/v1/destinations", user, pass, "application/json", body)
	if st != 200 {
		t.Fatalf("create %s: %d %s", name, st, b)
	}
	var d destinationJSON
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func jsonError(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
		t.Fatalf("body %q is not a JSON error", b)
	}
	return e.Error
}

func TestDestinationsAPI(t *testing.T) {
	f := newA2AFixture(t, app2apptest.Embedded(t))
	u1, p1 := f.user1, f.pass1

	if st, _ := f.call(t, "GET", "/api/v1/destinations", "", "", "", nil); st != 401 {
		t.Fatalf("no credentials: %d", st)
	}
	st, b := f.call(t, "GET", "/api/v1/destinations", u1, p1, "", nil)
	if st != 200 || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("empty list: %d %s", st, b)
	}
	a := f.createDest(t, u1, p1, "orders", false)
	if !a.Managed || a.Certificate == nil || !strings.HasPrefix(*a.Certificate, "-----BEGIN CERTIFICATE-----") || a.RequiredCN != "" ||
		!strings.HasPrefix(a.URI, "kld://app2app/m/m1/e/"+f.chain.EnvironmentID+"/s/") || !strings.HasSuffix(a.URI, "/d/orders") {
		t.Fatalf("managed destination %+v", a)
	}
	// Published in the registry.
	if d, err := f.chain.Dev.Registry.Destination(context.Background(), destination.MustParse(a.URI)); err != nil || d.CertificatePEM != *a.Certificate {
		t.Fatalf("registry: %+v %v", d, err)
	}
	for _, tc := range []struct {
		body   string
		status int
		says   string
	}{
		{`{"name":"orders","kind":"app2app"}`, 409, "already has"},
		{`{"name":"Orders","kind":"app2app"}`, 400, "a-z 0-9"},
		{`{"name":"x","kind":"email"}`, 400, "kind"},
		{`{"name":"x","kind":"app2app","key_algorithm":"dsa"}`, 400, "key algorithm"},
		{`not json`, 400, "JSON"},
		{``, 400, "empty"},
	} {
		st, b := f.call(t, "POST", "/api/v1/destinations", u1, p1, "application/json", []byte(tc.body))
		if st != tc.status || !strings.Contains(jsonError(t, b), tc.says) {
			t.Errorf("POST %s: %d %s, want %d mentioning %q", tc.body, st, b, tc.status, tc.says)
		}
	}
	x := f.createDest(t, u1, p1, "ext", true)
	if x.Managed || x.RequiredCN == "" || x.Certificate != nil {
		t.Fatalf("external destination %+v", x)
	}
	// A certificate with the wrong CN is refused with the reason.
	_, wrong, _ := crypto.GenerateDestination("not-it", crypto.RSA2048)
	st, b = f.call(t, "PUT", "/api/v1/destinations/ext/certificate", u1, p1, "application/x-pem-file", crypto.MarshalCertificatePEM(wrong))
	if st != 400 || !strings.Contains(jsonError(t, b), "CN") {
		t.Fatalf("wrong CN: %d %s", st, b)
	}
	_, good, _ := crypto.GenerateDestination(x.RequiredCN, crypto.RSA2048)
	st, b = f.call(t, "PUT", "/api/v1//destinations/ext/certificate", u1, p1, "", crypto.MarshalCertificatePEM(good))
	if st != 200 {
		t.Fatalf("good certificate: %d %s", st, b)
	}
	st, b = f.call(t, "PUT", "/api/v1/destinations/orders/certificate", u1, p1, "", crypto.MarshalCertificatePEM(good))
	if st != 409 {
		t.Fatalf("certificate for a managed destination: %d %s", st, b)
	}
	js, _ := json.Marshal(map[string]string{"certificate": string(crypto.MarshalCertificatePEM(good))})
	if st, b = f.call(t, "PUT", "/api/v1/destinations/ext/certificate", u1, p1, "application/json", js); st != 200 {
		t.Fatalf("certificate as JSON: %d %s", st, b)
	}
	// m2 sees only its own (none), and cannot touch m1's.
	if st, b = f.call(t, "GET", "/api/v1/destinations", f.user2, f.pass2, "", nil); st != 200 || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("m2's list: %d %s", st, b)
	}
	if st, _ = f.call(t, "DELETE", "/api/v1/destinations/orders", f.user2, f.pass2, "", nil); st != 404 {
		t.Fatalf("m2 deleting m1's destination: %d", st)
	}
	st, b = f.call(t, "GET", "/api/v1/destinations", u1, p1, "", nil)
	var list []destinationJSON
	if err := json.Unmarshal(b, &list); err != nil || st != 200 || len(list) != 2 || list[0].Name != "ext" || list[1].Name != "orders" ||
		list[0].Certificate == nil || *list[0].Certificate == "" || list[0].Managed {
		t.Fatalf("list: %d %s", st, b)
	}

	// Address book, at both paths.
	for _, p := range []string{"/addressbook", "/api/v1/addressbook", "/api/v1//addressbook"} {
		st, b := f.call(t, "GET", p, f.user2, f.pass2, "", nil)
		var ab []struct {
			Membership   string `json:"membership"`
			Destinations []struct {
				URI  string `json:"uri"`
				Name string `json:"name"`
			} `json:"destinations"`
		}
		if err := json.Unmarshal(b, &ab); err != nil || st != 200 || len(ab) != 2 || ab[0].Membership != "/m1" || ab[1].Membership != "/m2" ||
			len(ab[0].Destinations) != 2 || ab[0].Destinations[1].URI != a.URI || ab[0].Destinations[1].Name != "orders" || ab[1].Destinations == nil {
			t.Fatalf("GET %s: %d %s", p, st, b)
		}
	}

	// Delete.
	if st, b = f.call(t, "DELETE", "/api/v1/destinations/orders", u1, p1, "", nil); st != 204 {
		t.Fatalf("delete: %d %s", st, b)
	}
	if st, _ = f.call(t, "DELETE", "/api/v1/destinations/orders", u1, p1, "", nil); st != 404 {
		t.Fatalf("second delete: %d", st)
	}
	if _, err := f.chain.Dev.Registry.Destination(context.Background(), destination.MustParse(a.URI)); err == nil {
		t.Fatal("deleted destination still in the registry")
	}
}

// a2aRun is one transport's run of app2app_client.js.
type a2aRun struct {
	Transport string `json:"transport"`
	Error     string `json:"error"`
	Subscribe []any  `json:"subscribe"`
	Acks      [][]any
	Reports   []struct {
		Key       string `json:"key"`
		Timestamp int64  `json:"timestamp"`
	} `json:"reports"`
	Data []struct {
		Message   json.RawMessage `json:"message"`
		Key       string          `json:"key"`
		Timestamp int64           `json:"timestamp"`
	} `json:"data"`
	Refusals   map[string][]any `json:"refusals"`
	Exceptions []string         `json:"exceptions"`
	Rounds     []struct {
		Subscribe  []any    `json:"subscribe"`
		Got        []string `json:"got"`
		Exceptions []string `json:"exceptions"`
	} `json:"rounds"`
	Messages []struct {
		Key       string `json:"key"`
		Timestamp int64  `json:"timestamp"`
		PEM       string `json:"pem"`
		From, To  string
		Content   string `json:"content"`
		Verified  bool   `json:"verified"`
		Error     string `json:"error"`
	} `json:"messages"`
	BadSignature []any `json:"badSignature"`
	NoSignature  []any `json:"noSignature"`
}

func (f *a2aFixture) runClient(t *testing.T, modules, mode string, dests map[string]map[string]string) []a2aRun {
	t.Helper()
	dj, _ := json.Marshal(dests)
	out := runNode(t, modules, "app2app_client.js", "CONSIGN_NS="+f.ns, "CONSIGN_URL="+f.base, "CONSIGN_URL2="+f.base2, "CONSIGN_MODE="+mode, "CONSIGN_DESTS="+string(dj),
		"CONSIGN_USER1="+f.user1, "CONSIGN_PASS1="+f.pass1, "CONSIGN_USER2="+f.user2, "CONSIGN_PASS2="+f.pass2)
	var res struct {
		Version string   `json:"version"`
		Runs    []a2aRun `json:"runs"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	t.Logf("socket.io-client %s", res.Version)
	if len(res.Runs) != 2 {
		t.Fatalf("runs: %s", out)
	}
	for _, r := range res.Runs {
		if r.Error != "" {
			t.Fatalf("%s: %s", r.Transport, r.Error)
		}
	}
	return res.Runs
}

func ackOK(a []any, result string) bool {
	return len(a) == 2 && a[0] == nil && a[1] == result
}

func ackErr(a []any, says string) bool {
	if len(a) < 1 {
		return false
	}
	s, ok := a[0].(string)
	return ok && strings.Contains(s, says)
}

// a2aTransports are the brokers the app-to-app tests run on: the
// embedded one and the real Kafka of make testenv.
var a2aTransports = []struct {
	name string
	open func(testing.TB) messaging.Transport
}{{"embedded", app2apptest.Embedded}, {"kafka", app2apptest.Kafka}}

var sioClients = []struct{ name, modules string }{
	{"sio2", testenv.SIO2Modules},
	{"sio4", testenv.SIO4Modules},
}

// TestApp2AppNodeClients: two members exchange messages through Node
// socket.io clients 2.x and 4.x, over websocket and polling, on the
// embedded broker and on real Kafka: produce/delivery-report/ack,
// subscribe/data, manual commit, externally managed destinations opened
// and verified with node-forge (and openssl).
func TestApp2AppNodeClients(t *testing.T) {
	for _, tr := range a2aTransports {
		t.Run(tr.name, func(t *testing.T) {
			for _, cl := range sioClients {
				t.Run(cl.name, func(t *testing.T) {
					modules := testenv.Get(t, cl.modules)
					f := newA2AFixture(t, tr.open(t))
					t.Run("RoundTrip", func(t *testing.T) { testA2ARoundTrip(t, f, modules) })
					t.Run("ManualCommit", func(t *testing.T) { testA2AManual(t, f, modules) })
					t.Run("External", func(t *testing.T) { testA2AExternal(t, f, modules) })
					if tr.name == "embedded" {
						// The endpoint URL real clients are handed: namespace
						// /api/v1, auto_commit=false in that URL's query.
						v1 := *f
						v1.ns = "/api/v1"
						t.Run("APIv1/RoundTrip", func(t *testing.T) { testA2ARoundTrip(t, &v1, modules) })
						t.Run("APIv1/ManualCommit", func(t *testing.T) { testA2AManual(t, &v1, modules) })
					}
				})
			}
		})
	}
}

func (f *a2aFixture) pairs(t *testing.T, prefix string, external bool) map[string]map[string]string {
	dests := map[string]map[string]string{}
	if f.ns != "" {
		prefix += "-ns" // destination names are unique per member
	}
	for _, tp := range []string{"websocket", "polling"} {
		from := f.createDest(t, f.user1, f.pass1, prefix+"-"+tp+"-a", external)
		to := f.createDest(t, f.user2, f.pass2, prefix+"-"+tp+"-b", external)
		dests[tp] = map[string]string{"from": from.URI, "to": to.URI}
		if external {
			for _, d := range []struct {
				dest       destinationJSON
				user, pass string
				role       string
			}{{from, f.user1, f.pass1, "from"}, {to, f.user2, f.pass2, "to"}} {
				key, cert, err := crypto.GenerateDestination(d.dest.RequiredCN, crypto.RSA2048)
				if err != nil {
					t.Fatal(err)
				}
				certPEM := crypto.MarshalCertificatePEM(cert)
				if st, b := f.call(t, "PUT", "/api/v1/destinations/"+d.dest.Name+"/certificate", d.user, d.pass, "", certPEM); st != 200 {
					t.Fatalf("publish %s: %d %s", d.dest.Name, st, b)
				}
				keyPEM, _ := crypto.MarshalPrivateKeyPEM(key)
				dests[tp][d.role+"_key"], dests[tp][d.role+"_cert"] = string(keyPEM), string(certPEM)
			}
		}
	}
	return dests
}

func testA2ARoundTrip(t *testing.T, f *a2aFixture, modules string) {
	// On one node, m1 using m2's destination is told whose it is; on two
	// nodes, m1's node does not have it at all.
	foreign := "belongs to member"
	if f.base2 != f.base {
		foreign = "not a destination on this node"
	}
	dests := f.pairs(t, "rt", false)
	for _, r := range f.runClient(t, modules, "roundtrip", dests) {
		d := dests[r.Transport]
		if !ackOK(r.Subscribe, "Subscribed.") {
			t.Errorf("%s: subscribe ack %v", r.Transport, r.Subscribe)
		}
		if len(r.Acks) != 20 || len(r.Reports) != 20 || len(r.Data) != 20 {
			t.Fatalf("%s: %d acks, %d reports, %d data", r.Transport, len(r.Acks), len(r.Reports), len(r.Data))
		}
		for i, a := range r.Acks {
			if len(a) == 0 || a[0] != nil {
				t.Errorf("%s: ack %d: %v", r.Transport, i, a)
			}
		}
		reportTS := map[string][]int64{}
		for _, rep := range r.Reports {
			reportTS[rep.Key] = append(reportTS[rep.Key], rep.Timestamp)
		}
		last := map[string]int{}
		for _, x := range r.Data {
			var m struct {
				Headers map[string]string `json:"headers"`
				Text    bool              `json:"text"`
				Content string            `json:"content"`
			}
			if err := json.Unmarshal(x.Message, &m); err != nil {
				t.Fatalf("%s: data message %s", r.Transport, x.Message)
			}
			var i int
			fmt.Sscan(m.Headers["seq"], &i)
			wantContent := fmt.Sprintf("text %d ✓", i)
			if i%2 == 1 {
				wantContent = hex.EncodeToString([]byte{byte(i), 0, 255, byte(i)})
			}
			if m.Headers["from"] != d["from"] || m.Headers["to"] != d["to"] || x.Key != fmt.Sprintf("k%d", i%3) ||
				m.Content != wantContent || m.Text != (i%2 == 0) {
				t.Errorf("%s: data %s key %q", r.Transport, x.Message, x.Key)
			}
			if p, ok := last[x.Key]; ok && i <= p {
				t.Errorf("%s: key %s: message %d after %d", r.Transport, x.Key, i, p)
			}
			last[x.Key] = i
			// The data timestamp is the one the producer's report gave.
			found := false
			for _, ts := range reportTS[x.Key] {
				found = found || ts == x.Timestamp
			}
			if !found || x.Timestamp < time.Now().Add(-time.Hour).UnixMilli() {
				t.Errorf("%s: data timestamp %d not among the reports %v", r.Transport, x.Timestamp, reportTS[x.Key])
			}
		}
		for name, says := range map[string]string{
			"unknownTo": "not in the registry", "foreignFrom": foreign, "notAnObject": "must be an object",
			"noContent": "content is missing", "subscribeForeign": foreign, "subscribeNotArray": "array of destination URIs",
		} {
			if !ackErr(r.Refusals[name], says) {
				t.Errorf("%s: %s: ack %v, want an error mentioning %q", r.Transport, name, r.Refusals[name], says)
			}
		}
		if len(r.Exceptions) != 1 || !strings.Contains(r.Exceptions[0], "headers.to") {
			t.Errorf("%s: exceptions %q", r.Transport, r.Exceptions)
		}
	}
}

func testA2AManual(t *testing.T, f *a2aFixture, modules string) {
	dests := f.pairs(t, "mc", false)
	for _, r := range f.runClient(t, modules, "manual", dests) {
		want := [][]string{{"c0"}, {"c0", "c1", "c2"}, {"c2"}}
		if len(r.Rounds) != 3 {
			t.Fatalf("%s: rounds %+v", r.Transport, r.Rounds)
		}
		for i, round := range r.Rounds {
			if !ackOK(round.Subscribe, "Subscribed.") || strings.Join(round.Got, ",") != strings.Join(want[i], ",") || len(round.Exceptions) != 0 {
				t.Errorf("%s: consumer %d got %v (subscribe %v, exceptions %v), want %v", r.Transport, i+1, round.Got, round.Subscribe, round.Exceptions, want[i])
			}
		}
	}
}

func testA2AExternal(t *testing.T, f *a2aFixture, modules string) {
	dests := f.pairs(t, "ex", true)
	for _, r := range f.runClient(t, modules, "external", dests) {
		d := dests[r.Transport]
		if !ackOK(r.Subscribe, "Subscribed.") || len(r.Acks) != 3 || len(r.Messages) != 3 {
			t.Fatalf("%s: %+v", r.Transport, r)
		}
		if !ackErr(r.BadSignature, "does not verify") || !ackErr(r.NoSignature, "externally managed") {
			t.Errorf("%s: bad signature ack %v, missing signature ack %v", r.Transport, r.BadSignature, r.NoSignature)
		}
		for i, m := range r.Messages {
			if m.Error != "" || !m.Verified || m.From != d["from"] || m.To != d["to"] || m.Content != fmt.Sprintf("secret %d ✓", i) || m.Key != fmt.Sprintf("x%d", i) {
				t.Errorf("%s: message %d: %+v", r.Transport, i, m)
			}
		}
		// openssl opens the same CMS.
		if _, err := exec.LookPath("openssl"); err == nil {
			dir := t.TempDir()
			write := func(name, s string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			cmd := exec.Command("openssl", "cms", "-decrypt", "-inform", "PEM", "-in", write("m.pem", r.Messages[0].PEM),
				"-inkey", write("k.pem", d["to_key"]), "-recip", write("c.pem", d["to_cert"]))
			out, err := cmd.Output()
			if err != nil || !bytes.Contains(out, []byte(`"content":"secret 0 ✓"`)) {
				t.Errorf("%s: openssl cms -decrypt: %v: %s", r.Transport, err, out)
			}
		}
	}
}

// TestApp2AppTwoNodes: each member on its own node (as in real
// deployments), one Kafka (or embedded broker) between them: the same
// client scripts, m1 connected to its node and m2 to the other.
func TestApp2AppTwoNodes(t *testing.T) {
	for _, tr := range a2aTransports {
		t.Run(tr.name, func(t *testing.T) {
			modules := testenv.Get(t, testenv.SIO4Modules)
			f := newA2AFixtureNodes(t, tr.open(t), true)
			t.Run("RoundTrip", func(t *testing.T) { testA2ARoundTrip(t, f, modules) })
			t.Run("External", func(t *testing.T) { testA2AExternal(t, f, modules) })
		})
	}
}

// The mounted service's errors map to the documented statuses.
func TestApp2AppStatuses(t *testing.T) {
	for err, want := range map[error]int{
		app2app.ErrBadRequest: 400, destination.ErrBadCertificate: 400, destination.ErrUnknownDestination: 404,
		destination.ErrForeignDestination: 403, app2app.ErrNameTaken: 409, app2app.ErrManaged: 409,
		app2app.ErrTooLarge: 413, app2app.ErrClosed: 503, app2app.ErrNotHosted: 403,
	} {
		if got := StatusFor(fmt.Errorf("x: %w", err)); got != want {
			t.Errorf("%v: %d, want %d", err, got, want)
		}
	}
}
