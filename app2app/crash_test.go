package app2app_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/kafka"
)

// The crash test runs this test binary again as child processes that
// each hold a whole node (chain, broker when embedded, database, service)
// and are killed with SIGKILL:
//
//  1. the producer child creates the destinations and produces numbered
//     messages on several keys, printing each delivery report; it is
//     killed after a few hundred reports, before any subscriber ever ran
//     (so after delivery-report and before data);
//  2. the consumer child restarts the node and subscribes; it prints each
//     message as it hands it over and is killed mid-stream;
//  3. the test itself restarts the node and subscribes again.
//
// Every reported message must arrive, and per key the messages must come
// in order, each consumer resuming no later than just after what the
// previous one handed over.
const (
	crashMode  = "APP2APP_CRASH_MODE"
	crashDir   = "APP2APP_CRASH_DIR"
	crashEnv   = "APP2APP_CRASH_ENV"
	crashNode  = "APP2APP_CRASH_NODE"
	crashTrans = "APP2APP_CRASH_TRANSPORT"
	crashKeys  = 6
)

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for _, tr := range []string{"embedded", "kafka"} {
		t.Run(tr, func(t *testing.T) {
			if tr == "kafka" {
				app2apptest.Kafka(t) // skips (or fails under make test) without Kafka
			}
			testCrash(t, tr)
		})
	}
}

type crashChild struct{ *testenv.Child }

func startChild(t *testing.T, mode string, env []string) *crashChild {
	t.Helper()
	return &crashChild{testenv.StartChild(t, "^TestCrashChild$", append(env, crashMode+"="+mode)...)}
}

// until reads the child's CRASH lines, split into fields after the
// first, until stop says so; false if the child ended first.
func (c *crashChild) until(t *testing.T, stop func([]string) bool) bool {
	t.Helper()
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case l, ok := <-c.Lines:
			if !ok {
				return false
			}
			if f := strings.Fields(l); len(f) > 0 && f[0] == "CRASH" && stop(f[1:]) {
				return true
			}
		case <-timeout:
			t.Fatal("child made no progress for 3 minutes")
		}
	}
}

func (c *crashChild) kill(t *testing.T) {
	t.Helper()
	if err := c.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.Kill()
}

func testCrash(t *testing.T, transport string) {
	dir := t.TempDir()
	env := []string{crashDir + "=" + dir, crashEnv + "=" + app2apptest.RandomID("env"), crashNode + "=" + app2apptest.RandomID("crash"),
		crashTrans + "=" + transport}

	// 1. Produce, kill after 300 delivery reports.
	prod := startChild(t, "produce", env)
	acked := map[string]int{} // key → highest acknowledged sequence number
	reports := 0
	var ackedMu sync.Mutex
	ok := prod.until(t, func(l []string) bool {
		if l[0] != "ack" {
			return false
		}
		seq, _ := strconv.Atoi(l[2])
		ackedMu.Lock()
		defer ackedMu.Unlock()
		acked[l[1]] = max(acked[l[1]], seq) // reports come in order per key
		reports++
		return reports >= 300
	})
	if !ok {
		t.Fatal("producer child ended early")
	}
	prod.kill(t)
	t.Logf("producer killed after %d delivery reports: %v", reports, acked)

	// 2. Consume, kill after 100 messages.
	cons := startChild(t, "consume", env)
	handled := map[string][]int{}
	n := 0
	if !cons.until(t, func(l []string) bool {
		if l[0] != "got" {
			return false
		}
		seq, _ := strconv.Atoi(l[2])
		handled[l[1]] = append(handled[l[1]], seq)
		n++
		return n >= 100
	}) {
		t.Fatal("consumer child ended early")
	}
	cons.kill(t)
	for k, seqs := range handled {
		for i, s := range seqs {
			if s != i {
				t.Fatalf("first consumer, key %s: got %v (not 0, 1, 2, …)", k, seqs)
			}
		}
	}

	// 3. This process restarts the node and must get everything else.
	node := openCrashNode(t, dir, envValue(env, crashEnv), envValue(env, crashNode), transport)
	col := newCollector()
	c := node.NewConsumer("m2", true, col)
	defer c.Close()
	if err := c.Subscribe([]destination.URI{destination.MustParse(crashURI(node, "m2", "b"))}); err != nil {
		t.Fatal(err)
	}
	final := map[string][]int{}
	need := func() bool {
		for k, top := range acked {
			s := final[k]
			if len(s) == 0 || s[len(s)-1] < top {
				return true
			}
		}
		return false
	}
	restarted := time.Now()
	for need() {
		var d app2app.Delivery
		select {
		case d = <-col.got:
		case err := <-col.exc:
			t.Fatalf("exception: %v", err)
		case <-time.After(3 * time.Minute):
			t.Fatalf("restarted consumer: nothing for 3 minutes; so far %v", final)
		}
		if len(final) == 0 {
			t.Logf("restarted consumer: first message after %v", time.Since(restarted).Round(time.Millisecond))
		}
		var seq int
		fmt.Sscan(string(d.Content), &seq)
		final[d.Key] = append(final[d.Key], seq)
	}
	for k, top := range acked {
		seqs := final[k]
		resume := len(handled[k]) // the first message the first consumer had not handed over
		if seqs[0] > resume {
			t.Errorf("key %s: restarted consumer starts at %d; %d..%d were lost", k, seqs[0], resume, seqs[0]-1)
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] != seqs[i-1]+1 {
				t.Errorf("key %s: %d after %d: out of order or missing", k, seqs[i], seqs[i-1])
			}
		}
		t.Logf("key %s: reported up to %d, first consumer handed over %d, restarted one resumed at %d and reached %d",
			k, top, resume, seqs[0], seqs[len(seqs)-1])
	}
}

func envValue(env []string, name string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, name+"="); ok {
			return v
		}
	}
	return ""
}

func crashURI(s *app2apptest.Node, member, name string) string {
	ds, _ := s.Destinations(context.Background(), member)
	for _, d := range ds {
		if d.Name == name {
			return d.URI.String()
		}
	}
	return ""
}

// openCrashNode opens the node kept in dir, on a new chain in the same
// environment (as `consign dev` restarts), republishing its certificates.
func openCrashNode(t *testing.T, dir, env, nodeName, transport string) *app2apptest.Node {
	t.Helper()
	c := app2apptest.StartChainIn(t, env, "m1", "m2")
	var tr messaging.Transport
	if transport == "kafka" {
		// A consumer killed with SIGKILL holds its partitions until its
		// session times out (franz-go's default: 45 s); 6 s is Kafka's
		// minimum.
		addr := testenv.Get(t, testenv.Kafka)
		k, err := kafka.New(kafka.Config{Brokers: []string{addr}, MaxRetryBackoff: time.Second,
			Opts: append(app2apptest.FetchOpts(), kgo.SessionTimeout(6*time.Second))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k.Close() })
		tr = k
	} else {
		tr = app2apptest.EmbeddedAt(t, filepath.Join(dir, "broker"))
	}
	n := app2apptest.NodeAt(t, dir, c, tr, nodeName, []string{"m1", "m2"}, nil)
	if _, err := n.Republish(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMain leaves TestCrashChild out of every run that is not one of
// TestCrashRecovery's children: it is that test's child process, not a
// test of its own.
func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv(crashMode) == "" {
		skip := "^TestCrashChild$"
		if f := flag.Lookup("test.skip"); f != nil && f.Value.String() != "" {
			skip = f.Value.String() + "|" + skip
		}
		if err := flag.Set("test.skip", skip); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

// TestCrashChild is the child process of TestCrashRecovery; TestMain runs
// it only in that child.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashMode)
	go func() { // never outlive a test that forgot to kill us
		time.Sleep(5 * time.Minute)
		os.Exit(3)
	}()
	dir := os.Getenv(crashDir)
	node := openCrashNode(t, dir, os.Getenv(crashEnv), os.Getenv(crashNode), os.Getenv(crashTrans))
	var mu sync.Mutex
	say := func(w io.Writer, f string, a ...any) {
		mu.Lock()
		fmt.Fprintf(w, "CRASH "+f+"\n", a...)
		mu.Unlock()
	}
	switch mode {
	case "produce":
		a := create(t, node.Service, "m1", "a", false)
		b := create(t, node.Service, "m2", "b", false)
		sem := make(chan struct{}, 64)
		for seq := 0; ; seq++ {
			for k := range crashKeys {
				sem <- struct{}{}
				key := fmt.Sprintf("k%d", k)
				s := seq
				err := node.Produce(context.Background(), "m1", app2app.Message{From: a.URI.String(), To: b.URI.String(), Key: key, Content: []byte(strconv.Itoa(s)), Text: true},
					func(_ app2app.Report, err error) {
						<-sem
						if err == nil {
							say(os.Stdout, "ack %s %d", key, s)
						}
					})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	case "consume":
		c := node.NewConsumer("m2", true, printer{say})
		if err := c.Subscribe([]destination.URI{destination.MustParse(crashURI(node, "m2", "b"))}); err != nil {
			t.Fatal(err)
		}
		select {}
	}
}

type printer struct {
	say func(io.Writer, string, ...any)
}

func (p printer) Deliver(_ context.Context, d app2app.Delivery) error {
	p.say(os.Stdout, "got %s %s", d.Key, d.Content)
	time.Sleep(5 * time.Millisecond) // a subscriber doing some work: commits land while it runs
	return nil
}

func (p printer) Exception(err error) { p.say(os.Stderr, "exception %v", err) }
