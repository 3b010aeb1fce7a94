package docstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/kafka"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/local"
)

// Some tests run a node in a child process (this test binary started
// again with childEnv naming a JSON childConfig) so that it can be killed
// with SIGKILL or measured on its own.
const childEnv = "CONSIGN_DOCSTORE_TRANSFER_CHILD"

// TestMain runs the child side when the binary is started as a child,
// the tests otherwise.
func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		if err := runChild(cfg); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childConfig tells a child node what to be.
type childConfig struct {
	Mode     string          `json:"mode"` // "receiver" or "sender"
	Node     string          `json:"node"`
	Member   string          `json:"member"`
	Dest     destination.URI `json:"dest"`
	KeyPEM   string          `json:"keyPEM"`
	CertPEM  string          `json:"certPEM"`
	DB       string          `json:"db"`
	Storage  string          `json:"storage"`
	Kafka    string          `json:"kafka"`
	Registry string          `json:"registry"` // path of a registryFile
	// Receiver: report every shard handled; stop handling (hang) at this
	// shard of this attempt; hang after document_received.
	ReportShards      bool `json:"reportShards"`
	HangAttempt       int  `json:"hangAttempt"`
	HangShard         int  `json:"hangShard"`
	HangAfterReceived bool `json:"hangAfterReceived"`
	HangAfterPlaced   bool `json:"hangAfterPlaced"`
	// Sender: the document to upload and send, and the recipient.
	DocPath string          `json:"docPath"`
	DocSize int64           `json:"docSize"`
	DocSeed uint64          `json:"docSeed"`
	To      destination.URI `json:"to"`
	// Sender: the outbox lease; stop (hang) while sending this shard of
	// the first attempt. Mode "resume" is a sender restarted after a
	// kill: it sends nothing new and waits for the outcome of Transfer.
	Lease    time.Duration `json:"lease"`
	HangSend int           `json:"hangSend"`
	Transfer string        `json:"transfer"`
}

// registryFile is a registry snapshot for child processes, which cannot
// reach the parent's in-process chain.
type registryFile struct {
	Destinations map[string]chain.Destination `json:"destinations"`
	Profiles     map[string]map[string]string `json:"profiles"`
}

// fileRegistry serves a registryFile; it implements
// docstore.TransferRegistry.
type fileRegistry struct{ f registryFile }

func (r *fileRegistry) Destination(_ context.Context, uri destination.URI) (chain.Destination, error) {
	d, ok := r.f.Destinations[uri.String()]
	if !ok {
		return chain.Destination{}, fmt.Errorf("%q: %w", uri, destination.ErrUnknownDestination)
	}
	return d, nil
}

func (r *fileRegistry) Member(_ context.Context, name string) (*chain.Member, error) {
	p, ok := r.f.Profiles[name]
	if !ok {
		return nil, fmt.Errorf("%q: %w", name, chain.ErrUnknownMember)
	}
	return &chain.Member{Name: name, Status: chain.StatusActive, Profile: p}, nil
}

// writeRegistryFile snapshots the destinations of net's members and the
// given member → node profile entries.
func writeRegistryFile(t *testing.T, net *tnet, nodes map[string]string) string {
	t.Helper()
	f := registryFile{Destinations: map[string]chain.Destination{}, Profiles: map[string]map[string]string{}}
	for _, m := range net.members {
		f.Destinations[m.uri] = chain.Destination{URI: m.u, Name: m.u.Name, Member: m.name, MemberStatus: chain.StatusActive, CertificatePEM: string(m.pem)}
		f.Profiles[m.name] = map[string]string{"consign-node": nodes[m.name]}
	}
	b, _ := json.Marshal(f)
	p := t.TempDir() + "/registry.json"
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// childOut serialises the child's report lines.
type childOut struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (o *childOut) say(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.w, format+"\n", args...)
	o.w.Flush()
}

func (o *childOut) NotifyTransfer(member string, ev docstore.TransferEvent, tr docstore.Transfer) {
	o.say("event %s %s %s", ev, tr.ID, tr.Status)
}

func runChild(path string) error {
	ctx := context.Background()
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg childConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return err
	}
	out := &childOut{w: bufio.NewWriter(os.Stdout)}
	var reg registryFile
	if raw, err = os.ReadFile(cfg.Registry); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &reg); err != nil {
		return err
	}
	key, err := crypto.ReadPEMFile(cfg.KeyPEM, crypto.ParsePrivateKeyPEM)
	if err != nil {
		return err
	}
	cert, err := crypto.ReadPEMFile(cfg.CertPEM, crypto.ParseCertificatePEM)
	if err != nil {
		return err
	}
	keys := &docstore.KeyRing{}
	if err := keys.Add(cfg.Dest, cfg.Member, key, cert); err != nil {
		return err
	}
	db, err := metadb.Open(ctx, metadb.Config{Path: cfg.DB})
	if err != nil {
		return err
	}
	b, err := local.New(local.Config{Root: cfg.Storage, CreateRoot: true})
	if err != nil {
		return err
	}
	var backend storage.Backend = b
	if cfg.HangAfterPlaced {
		backend = placeHang{Store: b, out: out}
	}
	st, err := docstore.New(ctx, db, backend, docstore.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	// cfg.Kafka is host:port, and for the embedded broker its password
	// after a space.
	addr, pass, _ := strings.Cut(cfg.Kafka, " ")
	opts := benchKafkaOpts()
	if pass != "" {
		opts = append(opts, kgo.SASL(scram.Auth{User: "consign", Pass: pass}.AsSha256Mechanism()))
	}
	kt, err := kafka.New(kafka.Config{Brokers: []string{addr}, MaxRetryBackoff: time.Second, Opts: opts})
	if err != nil {
		return err
	}
	var tr messaging.Transport = kt
	if cfg.Mode == "receiver" {
		tr = &childHook{Transport: kt, cfg: &cfg, out: out}
	}
	if cfg.HangSend > 0 {
		tr = &sendHook{Transport: kt, shard: cfg.HangSend, out: out}
	}
	tcfg := docstore.TransferConfig{
		Node: cfg.Node, Members: []string{cfg.Member}, Transport: tr, Registry: &fileRegistry{reg}, Keys: keys,
		Notifier: out, Partitions: 2, RetryMin: 50 * time.Millisecond, RetryMax: time.Second, Lease: cfg.Lease,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if cfg.HangAfterReceived {
		tcfg.Notifier = hangingNotifier{out}
	}
	sp, err := st.Space(cfg.Member)
	if err != nil {
		return err
	}
	if cfg.Mode == "sender" {
		if _, err := sp.Put(ctx, mustParse(cfg.DocPath), randomReader(cfg.DocSeed, cfg.DocSize), docstore.Overwrite); err != nil {
			return err
		}
	}
	tf, err := docstore.NewTransfers(ctx, st, tcfg)
	if err != nil {
		return err
	}
	defer tf.Close()
	out.say("ready")
	switch cfg.Mode {
	case "receiver":
		select {}
	case "sender":
		// Wait for "go", send, wait for the outcome.
		in := bufio.NewScanner(os.Stdin)
		if !in.Scan() || in.Text() != "go" {
			return errors.New("no go")
		}
		resetPeakRSS()
		start := time.Now()
		rec, err := tf.Send(ctx, cfg.Member, cfg.Dest, cfg.To, cfg.DocPath)
		if err != nil {
			return err
		}
		out.say("sent %s", rec.ID)
		for {
			got, err := tf.Get(ctx, cfg.Member, rec.ID)
			if err != nil {
				return err
			}
			if got.Status != docstore.StatusSent {
				out.say("done %s %d %d", got.Status, time.Since(start).Nanoseconds(), peakRSS(os.Getpid()))
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		in.Scan() // until the parent closes stdin
	case "resume":
		for {
			got, err := tf.Get(ctx, cfg.Member, cfg.Transfer)
			if err != nil {
				return err
			}
			if got.Status != docstore.StatusSent {
				out.say("done %s", got.Status)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		select {}
	}
	return nil
}

// sendHook stops the sending node for good when it is about to send the
// given shard of a transfer's first attempt.
type sendHook struct {
	messaging.Transport
	shard int
	out   *childOut
}

func (h *sendHook) Send(ctx context.Context, msgs ...messaging.Message) error {
	for i := range msgs {
		if kindOf(&msgs[i]) == "shard" && headerOf(&msgs[i], "consign-attempt") == "1" &&
			headerOf(&msgs[i], "consign-shard") == strconv.Itoa(h.shard) {
			h.out.say("hang send %d", h.shard)
			select {}
		}
	}
	return h.Transport.Send(ctx, msgs...)
}

func mustParse(s string) docstore.Path {
	p, err := docstore.ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

// benchKafkaOpts are the franz-go options of child nodes and of the
// benchmark's baseline: a short fetch wait (see app2apptest.FetchOpts),
// no producer compression (shards are ciphertext; snappy would only burn
// CPU), and a short group session, because a killed child leaves its
// group member behind until the session times out (the broker's minimum
// is 6 s).
func benchKafkaOpts() []kgo.Opt {
	return []kgo.Opt{kgo.FetchMaxWait(20 * time.Millisecond), kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.SessionTimeout(6 * time.Second), kgo.HeartbeatInterval(time.Second)}
}

// childHook reports shards to the parent and hangs where told.
type childHook struct {
	messaging.Transport
	cfg *childConfig
	out *childOut
}

func (c *childHook) Consume(ctx context.Context, group string, topics []string, h messaging.Handler) error {
	return c.Transport.Consume(ctx, group, topics, func(ctx context.Context, d messaging.Delivery) error {
		if kindOf(&d.Message) == "shard" {
			a, _ := strconv.Atoi(headerOf(&d.Message, "consign-attempt"))
			i, _ := strconv.Atoi(headerOf(&d.Message, "consign-shard"))
			if a == c.cfg.HangAttempt && i == c.cfg.HangShard {
				c.out.say("hang shard %d %d", a, i)
				select {}
			}
			err := h(ctx, d)
			if err == nil && c.cfg.ReportShards {
				c.out.say("shard %d %d", a, i)
			}
			return err
		}
		return h(ctx, d)
	})
}

// hangingNotifier stops the node for good once a document is received
// (recorded), before the receipt leaves.
type hangingNotifier struct{ out *childOut }

func (h hangingNotifier) NotifyTransfer(member string, ev docstore.TransferEvent, tr docstore.Transfer) {
	h.out.NotifyTransfer(member, ev, tr)
	if ev == docstore.EventDocumentReceived {
		h.out.say("hang received")
		select {}
	}
}

// placeHang stops the child for good right after the local store moved a
// staged object into place, before docstore recorded the document: the
// node is killed between the two steps of a placement.
type placeHang struct {
	*local.Store
	out *childOut
}

func (h placeHang) Move(ctx context.Context, from, to string) (storage.Object, error) {
	obj, err := h.Store.Move(ctx, from, to)
	if err == nil {
		h.out.say("hang placed")
		select {}
	}
	return obj, err
}

// resetPeakRSS resets the process's peak resident set size (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns the peak resident set size of process pid in KiB
// (VmHWM), or 0 where /proc is not available.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// child is a running child node.
type child struct {
	*testenv.Child
	t testing.TB
}

// startChild runs this test binary as a child node with cfg.
func startChild(t testing.TB, cfg childConfig) *child {
	t.Helper()
	b, _ := json.Marshal(cfg)
	p := fmt.Sprintf("%s/child-%d.json", os.TempDir(), time.Now().UnixNano())
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(p) })
	c := &child{Child: testenv.StartChild(t, "^$", childEnv+"="+p), t: t}
	c.expect(func(l string) bool { return l == "ready" }, "ready", 2*time.Minute)
	return c
}

// expect reads the child's lines until match accepts one, and returns it.
func (c *child) expect(match func(string) bool, what string, within time.Duration) string {
	c.t.Helper()
	timeout := time.After(within)
	for {
		select {
		case l, ok := <-c.Lines:
			if !ok {
				c.t.Fatalf("child ended before %s", what)
			}
			if strings.HasPrefix(l, "error ") {
				c.t.Fatalf("child: %s", l)
			}
			if match(l) {
				return l
			}
		case <-timeout:
			c.t.Fatalf("child: no %s within %s", what, within)
		}
	}
}
