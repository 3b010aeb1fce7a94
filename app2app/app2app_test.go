package app2app_test

import (
	"context"
	stdcrypto "crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// collector is a Subscriber that records what it gets.
type collector struct {
	got chan app2app.Delivery
	exc chan error
}

func newCollector() *collector {
	return &collector{got: make(chan app2app.Delivery, 10000), exc: make(chan error, 100)}
}

func (c *collector) Deliver(_ context.Context, d app2app.Delivery) error {
	c.got <- d
	return nil
}

func (c *collector) Exception(err error) {
	select {
	case c.exc <- err:
	default:
	}
}

func (c *collector) next(t *testing.T) app2app.Delivery {
	t.Helper()
	select {
	case d := <-c.got:
		return d
	case err := <-c.exc:
		t.Fatalf("exception instead of a message: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("no message within 60 s")
	}
	return app2app.Delivery{}
}

// produce sends m and waits for its report.
func produce(t *testing.T, s *app2app.Service, member string, m app2app.Message) app2app.Report {
	t.Helper()
	type res struct {
		r   app2app.Report
		err error
	}
	ch := make(chan res, 1)
	if err := s.Produce(context.Background(), member, m, func(r app2app.Report, err error) { ch <- res{r, err} }); err != nil {
		t.Fatalf("produce %q: %v", m.Key, err)
	}
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("produce %q: report: %v", m.Key, r.err)
		}
		return r.r
	case <-time.After(60 * time.Second):
		t.Fatal("no report within 60 s")
	}
	return app2app.Report{}
}

// produceAll sends msgs without waiting in between and returns the
// reports in order.
func produceAll(t *testing.T, s *app2app.Service, member string, msgs []app2app.Message) []app2app.Report {
	t.Helper()
	reports := make([]app2app.Report, len(msgs))
	var wg sync.WaitGroup
	errs := make(chan error, len(msgs))
	for i, m := range msgs {
		wg.Add(1)
		err := s.Produce(context.Background(), member, m, func(r app2app.Report, err error) {
			reports[i] = r
			if err != nil {
				errs <- err
			}
			wg.Done()
		})
		if err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	return reports
}

// oneNodePair starts a node serving m1 and m2, creates a managed
// destination a of m1 and b of m2, and subscribes a collector to b with
// auto commit until the test ends.
func oneNodePair(t *testing.T, c *app2apptest.Chain, tr messaging.Transport) (*app2apptest.Node, app2app.Destination, app2app.Destination, *collector) {
	t.Helper()
	n := app2apptest.NewNode(t, c, tr, app2apptest.RandomID("n"), []string{"m1", "m2"}, nil)
	a := create(t, n.Service, "m1", app2apptest.RandomID("a"), false)
	b := create(t, n.Service, "m2", app2apptest.RandomID("b"), false)
	col := newCollector()
	cons := n.NewConsumer("m2", true, col)
	t.Cleanup(func() { cons.Close() })
	if err := cons.Subscribe([]destination.URI{b.URI}); err != nil {
		t.Fatal(err)
	}
	return n, a, b, col
}

func create(t *testing.T, s *app2app.Service, member, name string, external bool) app2app.Destination {
	t.Helper()
	d, err := s.CreateDestination(context.Background(), member, app2app.CreateRequest{Name: name, Kind: destination.KindApp2App, External: external})
	if err != nil {
		t.Fatalf("create %s/%s: %v", member, name, err)
	}
	return d
}

// externalKey makes an RSA key and a certificate for an externally
// managed destination and publishes it, as a client would.
func externalKey(t *testing.T, s *app2app.Service, member string, d app2app.Destination) (stdcrypto.Signer, *x509.Certificate) {
	t.Helper()
	key, cert, err := crypto.GenerateDestination(d.RequiredCN, crypto.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetCertificate(context.Background(), member, d.Name, crypto.MarshalCertificatePEM(cert)); err != nil {
		t.Fatalf("set certificate: %v", err)
	}
	return key, cert
}

func transports() []struct {
	name string
	open func(testing.TB) messaging.Transport
} {
	return []struct {
		name string
		open func(testing.TB) messaging.Transport
	}{{"embedded", app2apptest.Embedded}, {"kafka", app2apptest.Kafka}}
}

func TestMessaging(t *testing.T) {
	for _, tc := range transports() {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.open(t)
			c := app2apptest.StartChain(t, "m1", "m2")
			t.Run("OneNode", func(t *testing.T) { testOneNode(t, c, tr) })
			t.Run("TwoNodes", func(t *testing.T) { testTwoNodes(t, c, tr) })
			t.Run("ManualCommit", func(t *testing.T) { testManualCommit(t, c, tr) })
			t.Run("External", func(t *testing.T) { testExternal(t, c, tr) })
			t.Run("ForgedRecordSkipped", func(t *testing.T) { testForged(t, c, tr) })
		})
	}
}

// testOneNode: two members on one node (as in consign dev) exchange
// messages with several keys; order, content, headers and reports hold.
func testOneNode(t *testing.T, c *app2apptest.Chain, tr messaging.Transport) {
	n, a, b, col := oneNodePair(t, c, tr)
	const total = 60
	var msgs []app2app.Message
	for i := range total {
		m := app2app.Message{From: a.URI.String(), To: b.URI.String(), Key: fmt.Sprintf("k%d", i%3), Content: []byte(fmt.Sprintf("message %d", i)),
			Text: i%2 == 0, Headers: map[string]string{"seq": fmt.Sprint(i)}}
		msgs = append(msgs, m)
	}
	reports := produceAll(t, n.Service, "m1", msgs)
	last := map[string]int{}
	for range total {
		d := col.next(t)
		i := 0
		fmt.Sscan(d.Headers["seq"], &i)
		m := msgs[i]
		if d.From != a.URI.String() || d.To != b.URI.String() || d.Key != m.Key || string(d.Content) != string(m.Content) || d.Text != m.Text {
			t.Fatalf("delivery %+v for message %d %+v", d, i, m)
		}
		if d.ID != reports[i].ID || d.Timestamp != reports[i].Timestamp || reports[i].Key != m.Key {
			t.Fatalf("delivery id/timestamp %s/%d, report %+v", d.ID, d.Timestamp, reports[i])
		}
		if prev, ok := last[d.Key]; ok && i <= prev {
			t.Fatalf("key %s: message %d after %d", d.Key, i, prev)
		}
		last[d.Key] = i
	}
}

// testTwoNodes: each member on its own node; the message goes to the
// recipient node's inbox, found from the member's registry profile.
func testTwoNodes(t *testing.T, c *app2apptest.Chain, tr messaging.Transport) {
	// Members not shared with other subtests' nodes would be cleaner, but
	// the dev chain is shared: claim them for these nodes now.
	na := app2apptest.NewNode(t, c, tr, app2apptest.RandomID("na"), []string{"m1"}, nil)
	nb := app2apptest.NewNode(t, c, tr, app2apptest.RandomID("nb"), []string{"m2"}, nil)
	m2, err := c.Dev.Registry.Member(context.Background(), "m2")
	if err != nil || m2.Profile[destination.NodeProfileKey] != nb.Node() {
		t.Fatalf("m2's profile names node %q (%v), want %q", m2.Profile[destination.NodeProfileKey], err, nb.Node())
	}
	a := create(t, na.Service, "m1", app2apptest.RandomID("a"), false)
	b := create(t, nb.Service, "m2", app2apptest.RandomID("b"), false)
	back := create(t, na.Service, "m1", app2apptest.RandomID("back"), false)
	col := newCollector()
	cons := nb.NewConsumer("m2", true, col)
	defer cons.Close()
	if err := cons.Subscribe([]destination.URI{b.URI}); err != nil {
		t.Fatal(err)
	}
	colA := newCollector()
	consA := na.NewConsumer("m1", true, colA)
	defer consA.Close()
	if err := consA.Subscribe([]destination.URI{back.URI}); err != nil {
		t.Fatal(err)
	}
	// A node cannot subscribe to another node's destination.
	if err := na.NewConsumer("m2", true, newCollector()).Subscribe([]destination.URI{b.URI}); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Fatalf("subscribing on the wrong node: %v", err)
	}
	r := produce(t, na.Service, "m1", app2app.Message{From: a.URI.String(), To: b.URI.String(), Key: "x", Content: []byte("over there"), Text: true})
	d := col.next(t)
	if string(d.Content) != "over there" || d.ID != r.ID {
		t.Fatalf("got %+v", d)
	}
	// And the answer goes back to the first node.
	produce(t, nb.Service, "m2", app2app.Message{From: b.URI.String(), To: back.URI.String(), Key: "y", Content: []byte("reply"), Text: true})
	if d := colA.next(t); string(d.Content) != "reply" || d.From != b.URI.String() {
		t.Fatalf("reply %+v", d)
	}
}

// testManualCommit: an uncommitted message comes again to the next
// consumer; a committed one never does.
func testManualCommit(t *testing.T, c *app2apptest.Chain, tr messaging.Transport) {
	n := app2apptest.NewNode(t, c, tr, app2apptest.RandomID("n"), []string{"m1", "m2"}, nil)
	a := create(t, n.Service, "m1", app2apptest.RandomID("a"), false)
	b := create(t, n.Service, "m2", app2apptest.RandomID("b"), false)
	var msgs []app2app.Message
	for i := range 5 {
		msgs = append(msgs, app2app.Message{From: a.URI.String(), To: b.URI.String(), Key: "k", Content: []byte(fmt.Sprint(i)), Text: true})
	}
	produceAll(t, n.Service, "m1", msgs)
	subscribe := func(auto bool) (*app2app.Consumer, *collector) {
		col := newCollector()
		cons := n.NewConsumer("m2", auto, col)
		if err := cons.Subscribe([]destination.URI{b.URI}); err != nil {
			t.Fatal(err)
		}
		return cons, col
	}
	want := func(col *collector, content string) {
		t.Helper()
		if d := col.next(t); string(d.Content) != content {
			t.Fatalf("got message %q, want %q", d.Content, content)
		}
	}
	// First consumer: gets 0, never commits, goes away.
	cons, col := subscribe(false)
	want(col, "0")
	time.Sleep(300 * time.Millisecond) // room for a wrong second delivery to show up
	if len(col.got) != 0 {
		t.Fatalf("a second message was delivered before the first was committed")
	}
	cons.Close()
	// Second consumer: gets 0 again, commits it, gets 1, commits, gets 2, leaves.
	cons, col = subscribe(false)
	want(col, "0")
	cons.Commit()
	want(col, "1")
	cons.Commit()
	want(col, "2")
	cons.Close()
	// Third consumer (auto-commit): 2 again, then 3 and 4; never 0 or 1.
	cons, col = subscribe(true)
	defer cons.Close()
	want(col, "2")
	want(col, "3")
	want(col, "4")
}

// testExternal: externally managed senders sign themselves; externally
// managed recipients get CMS they open with their own key.
func testExternal(t *testing.T, c *app2apptest.Chain, tr messaging.Transport) {
	ctx := context.Background()
	n := app2apptest.NewNode(t, c, tr, app2apptest.RandomID("n"), []string{"m1", "m2"}, nil)
	xa := create(t, n.Service, "m1", app2apptest.RandomID("xa"), true)
	xb := create(t, n.Service, "m2", app2apptest.RandomID("xb"), true)
	a := create(t, n.Service, "m1", app2apptest.RandomID("a"), false)
	b := create(t, n.Service, "m2", app2apptest.RandomID("b"), false)
	if xa.Managed || xa.RequiredCN == "" || xa.Certificate != "" {
		t.Fatalf("external destination %+v", xa)
	}
	// Before its certificate is published, an external sender cannot send.
	err := n.Produce(ctx, "m1", app2app.Message{From: xa.URI.String(), To: b.URI.String(), Content: []byte("x"), Signature: []byte{1}}, func(app2app.Report, error) {})
	if !errors.Is(err, app2app.ErrBadSignature) {
		t.Fatalf("unpublished external sender: %v", err)
	}
	xaKey, xaCert := externalKey(t, n.Service, "m1", xa)
	xbKey, xbCert := externalKey(t, n.Service, "m2", xb)

	colX := newCollector()
	consX := n.NewConsumer("m2", true, colX)
	defer consX.Close()
	colB := newCollector()
	consB := n.NewConsumer("m2", true, colB)
	defer consB.Close()
	if err := consX.Subscribe([]destination.URI{xb.URI}); err != nil {
		t.Fatal(err)
	}
	if err := consB.Subscribe([]destination.URI{b.URI}); err != nil {
		t.Fatal(err)
	}

	content := []byte("signed by the client")
	sig, err := crypto.Sign(xaKey, content)
	if err != nil {
		t.Fatal(err)
	}
	// A bad signature is refused before anything is sent.
	bad := append([]byte(nil), sig...)
	bad[10] ^= 1
	err = n.Produce(ctx, "m1", app2app.Message{From: xa.URI.String(), To: xb.URI.String(), Content: content, Text: true, Signature: bad}, func(app2app.Report, error) {})
	if !errors.Is(err, app2app.ErrBadSignature) {
		t.Fatalf("bad signature: %v", err)
	}
	if err := n.Produce(ctx, "m1", app2app.Message{From: xa.URI.String(), To: xb.URI.String(), Content: content, Text: true}, func(app2app.Report, error) {}); !errors.Is(err, app2app.ErrBadSignature) {
		t.Fatalf("missing signature: %v", err)
	}

	checkCMS := func(d app2app.Delivery, wantContent string, signer *x509.Certificate) {
		t.Helper()
		if !strings.HasPrefix(d.CMS, "-----BEGIN PKCS7-----") {
			t.Fatalf("external recipient got %+v", d)
		}
		plain, err := crypto.DecryptCMS([]byte(d.CMS), xbKey.(stdcrypto.Decrypter), xbCert)
		if err != nil {
			t.Fatal(err)
		}
		var msg struct {
			Headers struct {
				From, To  string
				Signature []byte // a JSON byte array unmarshals as numbers: see below
			}
			Content string
		}
		var raw struct {
			Headers map[string]json.RawMessage
			Content string
		}
		if err := json.Unmarshal(plain, &raw); err != nil {
			t.Fatalf("CMS content %s: %v", plain, err)
		}
		var sigBytes []int
		if err := json.Unmarshal(raw.Headers["signature"], &sigBytes); err != nil {
			t.Fatalf("signature is not a byte array: %s", raw.Headers["signature"])
		}
		for _, v := range sigBytes {
			msg.Headers.Signature = append(msg.Headers.Signature, byte(v))
		}
		_ = json.Unmarshal(raw.Headers["from"], &msg.Headers.From)
		_ = json.Unmarshal(raw.Headers["to"], &msg.Headers.To)
		if raw.Content != wantContent || msg.Headers.From != d.From || msg.Headers.To != xb.URI.String() {
			t.Fatalf("CMS message %s", plain)
		}
		if err := crypto.Verify(signer, []byte(raw.Content), msg.Headers.Signature, time.Now()); err != nil {
			t.Fatalf("signature in CMS: %v", err)
		}
	}

	// External → external: CMS carrying the client's signature.
	r := produce(t, n.Service, "m1", app2app.Message{From: xa.URI.String(), To: xb.URI.String(), Key: "e1", Content: content, Text: true, Signature: sig})
	d := colX.next(t)
	if d.Key != "e1" || d.Timestamp != r.Timestamp {
		t.Fatalf("key/timestamp %q %d, report %+v", d.Key, d.Timestamp, r)
	}
	checkCMS(d, string(content), xaCert)

	// Managed → external: the node signs with the managed key.
	produce(t, n.Service, "m1", app2app.Message{From: a.URI.String(), To: xb.URI.String(), Key: "e2", Content: []byte("from managed"), Text: true})
	aCert, err := crypto.ParseCertificatePEM([]byte(a.Certificate))
	if err != nil {
		t.Fatal(err)
	}
	checkCMS(colX.next(t), "from managed", aCert)

	// External → managed: sealed envelope; the receiving node checks the
	// signature again and passes it on.
	produce(t, n.Service, "m1", app2app.Message{From: xa.URI.String(), To: b.URI.String(), Key: "e3", Content: content, Signature: sig})
	d = colB.next(t)
	if string(d.Content) != string(content) || d.Text || crypto.Verify(xaCert, d.Content, d.Signature, time.Now()) != nil {
		t.Fatalf("external → managed: %+v", d)
	}
}

// testForged: a record that does not authenticate is reported and
// skipped; the next good message still arrives.
func testForged(t *testing.T, c *app2apptest.Chain, tr messaging.Transport) {
	n, a, b, col := oneNodePair(t, c, tr)
	hdr := func(k, v string) messaging.Header { return messaging.Header{Key: k, Value: []byte(v)} }
	for _, format := range []string{"session", "envelope", "bogus"} {
		err := tr.Send(context.Background(), messaging.Message{Topic: n.Inbox(), Key: b.URI.String(), Value: []byte("not a real frame at all, but long enough to parse a bit"),
			Headers: []messaging.Header{hdr(messaging.HeaderKind, "message"), hdr(messaging.HeaderTo, b.URI.String()), hdr(messaging.HeaderID, "forged"),
				hdr("consign-a2a-format", format), hdr("consign-a2a-from", a.URI.String())}})
		if err != nil {
			t.Fatal(err)
		}
	}
	produce(t, n.Service, "m1", app2app.Message{From: a.URI.String(), To: b.URI.String(), Key: "k", Content: []byte("genuine"), Text: true})
	// The handler reports the three forged records, in log order, before
	// it hands over the genuine one behind them.
	for range 3 {
		select {
		case err := <-col.exc:
			if !strings.Contains(err.Error(), "refused") {
				t.Fatalf("exception %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("no exception for a forged record")
		}
	}
	if d := col.next(t); string(d.Content) != "genuine" || len(col.got) != 0 {
		t.Fatalf("got %+v and %d more", d, len(col.got))
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	c := app2apptest.StartChain(t, "m1", "m2", "m3")
	tr := app2apptest.Embedded(t)
	n := app2apptest.NewNode(t, c, tr, app2apptest.RandomID("n"), []string{"m1", "m2"}, nil)
	a := create(t, n.Service, "m1", "a", false)
	b := create(t, n.Service, "m2", "b", false)
	ds, err := n.CreateDestination(ctx, "m2", app2app.CreateRequest{Name: "docs", Kind: destination.KindDocumentStore})
	if err != nil {
		t.Fatal(err)
	}
	foreignEnv := strings.Replace(b.URI.String(), c.EnvironmentID, "otherenv", 1)
	for _, tc := range []struct {
		name   string
		member string
		m      app2app.Message
		want   error
	}{
		{"unknown from", "m1", app2app.Message{From: a.URI.String() + "x", To: b.URI.String()}, destination.ErrUnknownDestination},
		{"from of another member", "m1", app2app.Message{From: b.URI.String(), To: a.URI.String()}, destination.ErrForeignDestination},
		{"unknown to", "m1", app2app.Message{From: a.URI.String(), To: b.URI.String() + "x"}, destination.ErrUnknownDestination},
		{"to not a URI", "m1", app2app.Message{From: a.URI.String(), To: "nope"}, destination.ErrUnknownDestination},
		{"to of another environment", "m1", app2app.Message{From: a.URI.String(), To: foreignEnv}, destination.ErrUnknownDestination},
		{"to of kind documentstore", "m1", app2app.Message{From: a.URI.String(), To: ds.URI.String()}, app2app.ErrBadRequest},
		{"content too large", "m1", app2app.Message{From: a.URI.String(), To: b.URI.String(), Content: make([]byte, app2app.MaxContent+1)}, app2app.ErrTooLarge},
	} {
		err := n.Produce(ctx, tc.member, tc.m, func(app2app.Report, error) { t.Errorf("%s: report called", tc.name) })
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	cons := n.NewConsumer("m1", true, newCollector())
	defer cons.Close()
	for _, tc := range []struct {
		uris []destination.URI
		want error
	}{
		{nil, app2app.ErrBadRequest},
		{[]destination.URI{b.URI}, destination.ErrForeignDestination},
		{[]destination.URI{a.URI, destination.MustParse("kld://app2app/m/m1/e/x/s/y/d/z")}, destination.ErrUnknownDestination},
	} {
		if err := cons.Subscribe(tc.uris); !errors.Is(err, tc.want) {
			t.Errorf("subscribe %v: %v, want %v", tc.uris, err, tc.want)
		}
	}
	// A member the node does not serve cannot create destinations.
	if _, err := n.CreateDestination(ctx, "m3", app2app.CreateRequest{Name: "a", Kind: destination.KindApp2App}); !errors.Is(err, app2app.ErrNotHosted) {
		t.Errorf("create for m3: %v", err)
	}
}

func TestDestinations(t *testing.T) {
	ctx := context.Background()
	c := app2apptest.StartChain(t, "m1")
	tr := app2apptest.Embedded(t)
	n := app2apptest.NewNode(t, c, tr, app2apptest.RandomID("n"), []string{"m1"}, nil)
	reg := c.Dev.Registry

	d, err := n.CreateDestination(ctx, "m1", app2app.CreateRequest{Name: "alpha", Kind: destination.KindApp2App})
	if err != nil {
		t.Fatal(err)
	}
	u, err := destination.Parse(d.URI.String())
	if err != nil || u.Member != "m1" || u.Name != "alpha" || u.Kind != "app2app" || u.Environment != c.EnvironmentID || !d.Managed {
		t.Fatalf("destination %+v (%v)", d, err)
	}
	if pub, err := reg.Destination(ctx, d.URI); err != nil || pub.CertificatePEM != d.Certificate {
		t.Fatalf("registry has %+v, %v", pub, err)
	}
	for _, tc := range []struct {
		req  app2app.CreateRequest
		want error
	}{
		{app2app.CreateRequest{Name: "alpha", Kind: destination.KindApp2App}, app2app.ErrNameTaken},
		{app2app.CreateRequest{Name: "alpha", Kind: destination.KindDocumentStore, External: true}, app2app.ErrNameTaken},
		{app2app.CreateRequest{Name: "Bad", Kind: destination.KindApp2App}, app2app.ErrBadRequest},
		{app2app.CreateRequest{Name: "", Kind: destination.KindApp2App}, app2app.ErrBadRequest},
		{app2app.CreateRequest{Name: strings.Repeat("a", 65), Kind: destination.KindApp2App}, app2app.ErrBadRequest},
		{app2app.CreateRequest{Name: "ok", Kind: "mail"}, app2app.ErrBadRequest},
		{app2app.CreateRequest{Name: "ok", Kind: destination.KindApp2App, KeyAlgorithm: "dsa"}, app2app.ErrBadRequest},
	} {
		if _, err := n.CreateDestination(ctx, "m1", tc.req); !errors.Is(err, tc.want) {
			t.Errorf("create %+v: %v, want %v", tc.req, err, tc.want)
		}
	}
	rsa, err := n.CreateDestination(ctx, "m1", app2app.CreateRequest{Name: "beta", Kind: destination.KindApp2App, KeyAlgorithm: crypto.RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	x := create(t, n.Service, "m1", "gamma", true)
	if x.RequiredCN != "app2app:m1:"+c.EnvironmentID+":gamma" {
		t.Fatalf("required CN %q", x.RequiredCN)
	}
	if _, err := reg.Destination(ctx, x.URI); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Fatalf("external destination published before its certificate: %v", err)
	}
	// Certificate checks: each refusal changes nothing.
	wrongCN, wrongCert, _ := crypto.GenerateDestination("someone-else", crypto.RSA2048)
	_ = wrongCN
	_, ecCert, _ := crypto.GenerateDestination(x.RequiredCN, crypto.P256)
	k, _ := crypto.GenerateKey(crypto.RSA2048)
	expired, _ := crypto.SelfSign(k, x.RequiredCN, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	_, good, _ := crypto.GenerateDestination(x.RequiredCN, crypto.RSA2048)
	for _, tc := range []struct {
		name string
		pem  []byte
	}{
		{"not PEM", []byte("hello")},
		{"wrong CN", crypto.MarshalCertificatePEM(wrongCert)},
		{"EC key", crypto.MarshalCertificatePEM(ecCert)},
		{"expired", crypto.MarshalCertificatePEM(expired)},
		{"two certificates", append(crypto.MarshalCertificatePEM(good), crypto.MarshalCertificatePEM(good)...)},
	} {
		if _, err := n.SetCertificate(ctx, "m1", "gamma", tc.pem); !errors.Is(err, destination.ErrBadCertificate) {
			t.Errorf("%s: %v, want destination.ErrBadCertificate", tc.name, err)
		}
	}
	if _, err := reg.Destination(ctx, x.URI); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Fatalf("refused certificate published: %v", err)
	}
	if _, err := n.SetCertificate(ctx, "m1", "alpha", crypto.MarshalCertificatePEM(good)); !errors.Is(err, app2app.ErrManaged) {
		t.Errorf("certificate for a managed destination: %v", err)
	}
	if _, err := n.SetCertificate(ctx, "m1", "nope", crypto.MarshalCertificatePEM(good)); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Errorf("certificate for an unknown destination: %v", err)
	}
	x, err = n.SetCertificate(ctx, "m1", "gamma", crypto.MarshalCertificatePEM(good))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := reg.Member(ctx, "m1")
	if m.Profile[chain.DestinationKeyPrefix+x.URI.String()] != x.Certificate || m.Profile[app2app.ExternalKeyPrefix+x.URI.String()] != "true" {
		t.Fatalf("profile after publishing: %v", m.Profile)
	}
	list, _ := n.Destinations(ctx, "m1")
	if len(list) != 3 || list[0].Name != "alpha" || list[1].Name != "beta" || list[2].Name != "gamma" || list[2].Managed {
		t.Fatalf("list %+v", list)
	}

	// Restart over the same database: keys unseal and still work.
	_ = n.Close()
	s2 := app2apptest.Reopen(t, n)
	list2, _ := s2.Destinations(ctx, "m1")
	if len(list2) != 3 || list2[1].Certificate != rsa.Certificate {
		t.Fatalf("after restart %+v", list2)
	}
	col := newCollector()
	cons := s2.NewConsumer("m1", true, col)
	defer cons.Close()
	if err := cons.Subscribe([]destination.URI{d.URI}); err != nil {
		t.Fatal(err)
	}
	produce(t, s2, "m1", app2app.Message{From: rsa.URI.String(), To: d.URI.String(), Content: []byte("after restart"), Text: true})
	if got := col.next(t); string(got.Content) != "after restart" {
		t.Fatalf("got %+v", got)
	}

	// Delete: gone from the registry and the node.
	if err := s2.DeleteDestination(ctx, "m1", "gamma"); err != nil {
		t.Fatal(err)
	}
	if err := s2.DeleteDestination(ctx, "m1", "alpha"); err != nil {
		t.Fatal(err)
	}
	if err := s2.DeleteDestination(ctx, "m1", "alpha"); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := reg.Destination(ctx, d.URI); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Fatalf("deleted destination still published: %v", err)
	}
	m, _ = reg.Member(ctx, "m1")
	if _, ok := m.Profile[app2app.ExternalKeyPrefix+x.URI.String()]; ok {
		t.Fatalf("external flag left behind: %v", m.Profile)
	}
	// The name is free again.
	create(t, s2, "m1", "alpha", false)
}

func TestMasterKeyProtectsKeys(t *testing.T) {
	c := app2apptest.StartChain(t, "m1")
	tr := app2apptest.Embedded(t)
	n := app2apptest.NewNode(t, c, tr, app2apptest.RandomID("n"), []string{"m1"}, nil)
	create(t, n.Service, "m1", "alpha", false)
	_ = n.Close()
	// The stored key is not readable PEM.
	db := app2apptest.OpenDB(t, n.DBPath)
	var sealed []byte
	if err := db.QueryRow(`SELECT sealed_key FROM app2app_destinations WHERE name = 'alpha'`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "PRIVATE KEY") || len(sealed) < 100 {
		t.Fatalf("sealed key looks like plaintext: %q", sealed[:min(40, len(sealed))])
	}
	// Another master key cannot open the database.
	cfg := n.Config
	cfg.MasterKey = make([]byte, app2app.MasterKeySize)
	cfg.DB = db
	if _, err := app2app.New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("wrong master key: %v", err)
	}
}
