// Command a2abench measures app-to-app messaging end to end, for
// scripts/bench/app2app.sh: a node (web server + app2app service on real
// Kafka, dev chain in process) with two members, a Node socket.io-client
// 4.x producer connected as one member and a consumer connected as the
// other, each its own process, over websocket. It prints one line:
//
//	<mode> <alg> <messages> <seconds> <msgs/s> <p50 ms> <p99 ms>
//
// Modes:
//   - throughput: the producer keeps up to -window messages unacknowledged
//     and sends -n messages of -size bytes; msgs/s is n divided by the time
//     from the first send to the last data event;
//   - latency: the producer sends at -rate messages/s for -n messages;
//     each message carries its send time, and the consumer records
//     send-to-data latency;
//   - raw: the baseline for latency: franz-go producing (acks=all,
//     idempotent) at -rate to a 4-partition topic and a group consumer,
//     measuring produce-to-poll latency; -n messages.
//
// Destinations are managed, with -alg keys (p256 or rsa2048).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/cmd/benchkit"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/messaging/kafka"
	"github.com/consign/consign/web"
)

// fetchWait is the franz-go fetch wait of the node's transport; see
// app2apptest.FetchOpts for why it must be short (docs/app2app.md).
var fetchWait = 20 * time.Millisecond

func main() {
	brokers := flag.String("brokers", "127.0.0.1:19092", "Kafka seed brokers, comma-separated")
	mode := flag.String("mode", "throughput", "throughput, latency or raw")
	alg := flag.String("alg", "p256", "destination key algorithm: p256 or rsa2048")
	n := flag.Int("n", 20000, "messages")
	size := flag.Int("size", 1024, "content size in bytes")
	rate := flag.Int("rate", 2000, "messages per second (latency and raw modes)")
	window := flag.Int("window", 2000, "unacknowledged messages allowed (throughput mode)")
	modules, script := benchkit.NodeFlags("internal/cmd/a2abench/client.js")
	flag.DurationVar(&fetchWait, "fetch-wait", fetchWait, "franz-go FetchMaxWait of the node's Kafka transport")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var (
		res result
		err error
	)
	switch *mode {
	case "throughput", "latency":
		res, err = runNode(ctx, strings.Split(*brokers, ","), *mode, crypto.KeyAlgorithm(*alg), *n, *size, *rate, *window, *modules, *script)
	case "raw":
		res, err = runRaw(ctx, strings.Split(*brokers, ","), *n, *size, *rate)
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	benchkit.Exit("a2abench", err)
	fmt.Printf("%s %s %d %.3f %.0f %.2f %.2f\n", *mode, *alg, res.n, res.seconds, float64(res.n)/res.seconds, res.p50, res.p99)
}

type result struct {
	n        int
	seconds  float64
	p50, p99 float64
}

func randomID(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// node is the system under test.
type node struct {
	base         string
	user1, pass1 string
	user2, pass2 string
	from, to     string
	closers      []func() error
	svc          *app2app.Service
	srv          *web.Server
	db           *sql.DB
	dc           *chain.DevChain
	tr           *kafka.Transport
	dir          string
	ln           net.Listener
}

func (n *node) close() {
	for i := len(n.closers) - 1; i >= 0; i-- {
		_ = n.closers[i]()
	}
}

func startNode(ctx context.Context, brokers []string, alg crypto.KeyAlgorithm) (n *node, err error) {
	n = &node{}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	if n.dir, err = os.MkdirTemp("", "a2abench-"); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, func() error { return os.RemoveAll(n.dir) })
	env := randomID("bench")
	var members []chain.DevMember
	for _, m := range []string{"m1", "m2"} {
		k, err := crypto.GenerateKey(crypto.P256)
		if err != nil {
			return nil, err
		}
		nonce := randomID("n")
		c, err := crypto.SelfSign(k, env+"-"+nonce+"--"+m+" Org", time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
		if err != nil {
			return nil, err
		}
		members = append(members, chain.DevMember{Name: m, ProofPEM: crypto.MarshalCertificatePEM(c), Nonce: nonce})
	}
	if n.dc, err = chain.StartDev(ctx, chain.DevConfig{EnvironmentID: env, Members: members}); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.dc.Close)
	if n.tr, err = kafka.New(kafka.Config{Brokers: brokers, Opts: []kgo.Opt{kgo.FetchMaxWait(fetchWait)}}); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.tr.Close)
	if n.db, err = metadb.Open(ctx, metadb.Config{Path: filepath.Join(n.dir, "meta.db")}); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.db.Close)
	master, err := app2app.LoadOrCreateMasterKey(filepath.Join(n.dir, "master.key"))
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	n.svc, err = app2app.New(ctx, app2app.Config{
		Node: randomID("bench"), EnvironmentID: env, Transport: n.tr, Registry: n.dc.Registry, DB: n.db, MasterKey: master,
		Members: map[string]app2app.Publisher{"m1": n.dc.Members["m1"], "m2": n.dc.Members["m2"]}, KeyAlgorithm: alg, Logger: quiet,
	})
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.svc.Close)
	a, err := n.svc.CreateDestination(ctx, "m1", app2app.CreateRequest{Name: "a", Kind: destination.KindApp2App})
	if err != nil {
		return nil, err
	}
	b, err := n.svc.CreateDestination(ctx, "m2", app2app.CreateRequest{Name: "b", Kind: destination.KindApp2App})
	if err != nil {
		return nil, err
	}
	n.from, n.to = a.URI.String(), b.URI.String()
	creds, err := auth.New(&auth.MemoryStore{}, auth.Config{})
	if err != nil {
		return nil, err
	}
	if n.user1, n.pass1, err = creds.Create(ctx, env, "m1"); err != nil {
		return nil, err
	}
	if n.user2, n.pass2, err = creds.Create(ctx, env, "m2"); err != nil {
		return nil, err
	}
	if n.srv, err = web.New(web.Config{EnvironmentID: env, Logger: quiet}, creds); err != nil {
		return nil, err
	}
	n.srv.HandleApp2App(n.svc)
	if n.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	n.base = "http://" + n.ln.Addr().String()
	go func() { _ = n.srv.Serve(n.ln) }()
	n.closers = append(n.closers, func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return n.srv.Shutdown(sctx)
	})
	return n, nil
}

// nodeOut is what client.js prints at the end.
type nodeOut struct {
	Error     string    `json:"error"`
	Start     float64   `json:"start"` // producer: first send, ms since epoch
	First     float64   `json:"first"` // consumer: first data
	Last      float64   `json:"last"`  // consumer: last data
	Count     int       `json:"count"`
	Latencies []float64 `json:"latencies"` // consumer: ms per message
}

func runNode(ctx context.Context, brokers []string, mode string, alg crypto.KeyAlgorithm, count, size, rate, window int, modules, script string) (result, error) {
	if modules == "" {
		return result{}, errors.New("no socket.io-client 4.x: set CONSIGN_TEST_SIO4_MODULES or -modules")
	}
	n, err := startNode(ctx, brokers, alg)
	if err != nil {
		return result{}, err
	}
	defer n.close()
	env := []string{"A2A_URL=" + n.base, "A2A_FROM=" + n.from, "A2A_TO=" + n.to,
		"A2A_MODE=" + mode, "A2A_N=" + fmt.Sprint(count), "A2A_SIZE=" + fmt.Sprint(size), "A2A_RATE=" + fmt.Sprint(rate),
		"A2A_WINDOW=" + fmt.Sprint(window)}
	// start runs the client in one role, as one member.
	start := func(role, user, pass string) (*client, error) {
		return startClient(ctx, modules, script, append(env, "A2A_ROLE="+role, "A2A_USER="+user, "A2A_PASS="+pass))
	}
	cons, err := start("consume", n.user2, n.pass2)
	if err != nil {
		return result{}, err
	}
	defer cons.kill()
	// The consumer says "ready" once subscribed. The producer then sends one
	// warm-up message and waits; timing starts when the consumer has seen it
	// (so the consumer group join is not counted) and the producer is told
	// to go.
	if err := waitLine(cons.lines, "ready"); err != nil {
		return result{}, fmt.Errorf("consumer: %w", err)
	}
	prod, err := start("produce", n.user1, n.pass1)
	if err != nil {
		return result{}, err
	}
	defer prod.kill()
	if err := waitLine(cons.lines, "warm"); err != nil {
		return result{}, fmt.Errorf("consumer: %w", err)
	}
	if _, err := io.WriteString(prod.Stdin, "go\n"); err != nil {
		return result{}, err
	}
	var p, c nodeOut
	perr := readResult(prod.lines, &p)
	cerr := readResult(cons.lines, &c)
	if perr != nil || cerr != nil {
		return result{}, fmt.Errorf("producer: %v; consumer: %v", perr, cerr)
	}
	if p.Error != "" || c.Error != "" {
		return result{}, fmt.Errorf("producer: %s; consumer: %s", p.Error, c.Error)
	}
	if c.Count != count {
		return result{}, fmt.Errorf("consumer got %d of %d", c.Count, count)
	}
	if os.Getenv("A2A_DEBUG") != "" {
		for i, l := range c.Latencies {
			if l > 30 {
				fmt.Fprintf(os.Stderr, "message %d: %.1f ms\n", i, l)
			}
		}
	}
	r := result{n: count, seconds: (c.Last - p.Start) / 1000}
	r.p50, r.p99 = percentiles(c.Latencies)
	return r, nil
}

// client is one Node client process; its stdout arrives line by line.
type client struct {
	*benchkit.NodeClient
	lines <-chan string
}

// startClient runs the Node client with env added to its environment.
func startClient(ctx context.Context, modules, script string, env []string) (*client, error) {
	nc, err := benchkit.StartNode(ctx, modules, script, env...)
	if err != nil {
		return nil, err
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(nc.Stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return &client{NodeClient: nc, lines: lines}, nil
}

// kill ends the client and waits for it.
func (c *client) kill() {
	_ = c.Cmd.Process.Kill()
	_ = c.Cmd.Wait()
}

func waitLine(lines <-chan string, want string) error {
	for l := range lines {
		if l == want {
			return nil
		}
	}
	return fmt.Errorf("ended before saying %q", want)
}

// readResult reads the client's output up to its JSON result line.
func readResult(lines <-chan string, v *nodeOut) error {
	for l := range lines {
		if strings.HasPrefix(l, "{") {
			return json.Unmarshal([]byte(l), v)
		}
	}
	return errors.New("ended without a result")
}

func percentiles(lat []float64) (p50, p99 float64) {
	if len(lat) == 0 {
		return 0, 0
	}
	sort.Float64s(lat)
	at := func(q float64) float64 { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	return at(0.50), at(0.99)
}

// runRaw is the latency baseline: franz-go at a fixed rate, without linger,
// the consumer with the same fetch wait as the node's.
func runRaw(ctx context.Context, brokers []string, count, size, rate int) (result, error) {
	topic := randomID("consign-bench-a2araw-")
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(0))
	if err != nil {
		return result{}, err
	}
	defer prod.Close()
	adm := kadm.NewClient(prod)
	if _, err := adm.CreateTopic(ctx, 4, -1, nil, topic); err != nil {
		return result{}, err
	}
	defer adm.DeleteTopics(context.WithoutCancel(ctx), topic)
	cons, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup(topic), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(fetchWait))
	if err != nil {
		return result{}, err
	}
	defer cons.Close()
	if err := prod.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("warmup")}).FirstErr(); err != nil {
		return result{}, err
	}
	for got := 0; got < 1; got += cons.PollFetches(ctx).NumRecords() {
		if ctx.Err() != nil {
			return result{}, ctx.Err()
		}
	}
	pad := make([]byte, size)
	start := time.Now()
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		sent := 0
		for sent < count {
			<-tick.C
			due := min(count, int(time.Since(start).Seconds()*float64(rate)))
			for ; sent < due; sent++ {
				v := append([]byte(nil), pad...)
				copy(v, fmt.Sprintf("%d|", time.Now().UnixNano()))
				prod.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(sent % 64)), Value: v}, nil)
			}
		}
	}()
	lat := make([]float64, 0, count)
	var last time.Time
	for len(lat) < count {
		f := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			return result{}, ctx.Err()
		}
		now := time.Now()
		f.EachRecord(func(r *kgo.Record) {
			var ns int64
			fmt.Sscanf(string(r.Value), "%d|", &ns)
			lat = append(lat, float64(now.UnixNano()-ns)/1e6)
		})
		last = now
	}
	r := result{n: count, seconds: last.Sub(start).Seconds()}
	r.p50, r.p99 = percentiles(lat)
	return r, nil
}
