package embedded_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/embedded"
	"github.com/consign/consign/messaging/kafka"
	"github.com/consign/consign/messaging/messagingtest"
)

func open(t *testing.T, dir string) *embedded.Broker {
	t.Helper()
	b, err := embedded.Open(context.Background(), embedded.Config{Dir: dir, Kafka: kafka.Config{MaxRetryBackoff: time.Second}})
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return b
}

// TestConformance runs the suite on the embedded broker with its data
// directory, one broker shared by the subtests as in `consign dev`.
func TestConformance(t *testing.T) {
	b := open(t, t.TempDir())
	t.Cleanup(func() { _ = b.Close() })
	messagingtest.Run(t, func(t *testing.T) messaging.Transport {
		tr, err := kafka.New(kafka.Config{Brokers: []string{b.Addr()}, MaxRetryBackoff: time.Second, Opts: b.ClientOpts()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tr.Close() })
		return tr
	})
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []embedded.Config{
		{},
		{Dir: "x", Port: -1},
		{Dir: "x", Port: 70000},
		{Dir: "x", Kafka: kafka.Config{Brokers: []string{"h:1"}}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: Validate passed, want an error", c)
		}
	}
}

// TestLocked: a second Open of the same directory fails while the first is
// open, and succeeds after it is closed.
func TestLocked(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	if _, err := embedded.Open(context.Background(), embedded.Config{Dir: dir}); !errors.Is(err, embedded.ErrLocked) {
		t.Errorf("second Open: %v, want ErrLocked", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = open(t, dir)
	_ = b.Close()
}

// TestRestartKeepsData: a clean close and reopen keeps topics, messages and
// the group's committed position.
func TestRestartKeepsData(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	b := open(t, dir)
	const topic, group = "restart", "g"
	if err := b.EnsureTopic(ctx, topic, 2); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		if err := b.Send(ctx, messaging.Message{Topic: topic, Key: "k", Value: []byte(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	got := consumeUntil(t, ctx, b, group, topic, func(seen map[string][]int) bool { return len(seen["k"]) >= 3 }, 3)
	if fmt.Sprint(got["k"]) != "[0 1 2]" {
		t.Fatalf("first run: %v, want [0 1 2]", got["k"])
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = open(t, dir)
	defer b.Close()
	got = consumeUntil(t, ctx, b, group, topic, func(seen map[string][]int) bool { return len(seen["k"]) >= 3 }, -1)
	if fmt.Sprint(got["k"]) != "[3 4 5]" {
		t.Fatalf("after restart: %v, want [3 4 5]", got["k"])
	}
}

// consumeUntil consumes topic in group, recording sequence numbers per key,
// until done says so. If limit >= 0, only the first limit deliveries
// succeed; later ones are held (not committed) until the consumer stops.
func consumeUntil(t *testing.T, ctx context.Context, tr messaging.Transport, group, topic string, done func(map[string][]int) bool, limit int) map[string][]int {
	t.Helper()
	var mu sync.Mutex
	seen := map[string][]int{}
	n := 0
	finished := make(chan struct{})
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		errc <- tr.Consume(cctx, group, []string{topic}, func(hctx context.Context, d messaging.Delivery) error {
			seq, err := strconv.Atoi(string(d.Value))
			if err != nil {
				t.Errorf("bad value %q", d.Value)
				return nil
			}
			mu.Lock()
			if limit >= 0 && n >= limit {
				mu.Unlock()
				<-hctx.Done()
				return hctx.Err()
			}
			n++
			seen[d.Key] = append(seen[d.Key], seq)
			if done(seen) {
				select {
				case <-finished:
				default:
					close(finished)
				}
			}
			mu.Unlock()
			return nil
		})
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		mu.Lock()
		summary := map[string]string{}
		for k, s := range seen {
			summary[k] = fmt.Sprintf("%d messages, %d..%d", len(s), s[0], s[len(s)-1])
		}
		mu.Unlock()
		t.Fatalf("consuming %s in group %s: %v; seen so far: %v", topic, group, ctx.Err(), summary)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Consume: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return seen
}

// The crash test runs the broker in child processes (this test binary run
// again with childEnv set) and kills them with SIGKILL.
const (
	childEnv = "CONSIGN_EMBEDDED_CHILD"
	dirEnv   = "CONSIGN_EMBEDDED_DIR"
	holdKey  = "k0"
	holdSeq  = 20
	nKeys    = 8
	crashTop = "crash"
	crashGrp = "crash-group"
)

// TestMain runs the child side of TestCrashDurability when the test
// binary is started as that child, and the tests otherwise.
func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		runChild(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild is the child side of TestCrashDurability.
func runChild(mode string) {
	ctx := context.Background()
	b, err := embedded.Open(ctx, embedded.Config{Dir: os.Getenv(dirEnv)})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex // partition workers call the handler concurrently
	say := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	switch mode {
	case "produce":
		// Send batches of one message per key, forever; report each batch
		// once Send has returned. The parent kills us mid-stream.
		if err := b.EnsureTopic(ctx, crashTop, 4); err != nil {
			say("error %v", err)
			os.Exit(2)
		}
		for seq := 0; ; seq++ {
			batch := make([]messaging.Message, nKeys)
			for k := range batch {
				batch[k] = messaging.Message{Topic: crashTop, Key: "k" + strconv.Itoa(k), Value: []byte(strconv.Itoa(seq))}
			}
			if err := b.Send(ctx, batch...); err != nil {
				say("error %v", err)
				os.Exit(2)
			}
			say("acked %d", seq)
		}
	case "consume":
		// Handle messages, reporting each success before returning it, and
		// hold holdKey/holdSeq forever: the parent kills us while holding.
		err := b.Consume(ctx, crashGrp, []string{crashTop}, func(ctx context.Context, d messaging.Delivery) error {
			seq, _ := strconv.Atoi(string(d.Value))
			if d.Key == holdKey && seq == holdSeq {
				say("holding")
				<-ctx.Done()
				return ctx.Err()
			}
			say("handled %s %d", d.Key, seq)
			return nil
		})
		say("error %v", err)
		os.Exit(2)
	}
}

// child runs the test binary as a child in mode and returns a scanner over its output.
func child(t *testing.T, dir, mode string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, dirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewScanner(out)
}

func kill(t *testing.T, cmd *exec.Cmd, rest io.Reader) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, rest)
	_ = cmd.Wait()
}

// TestCrashDurability: a process that sends through the embedded broker is
// killed with SIGKILL mid-stream; a second process consumes and is killed
// while holding a message uncommitted; then the data directory, reopened,
// still has every acknowledged message in per-key order, and the group
// resumes without losing the held message or anything after it.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	if os.Getenv(childEnv) != "" {
		t.Skip("in child")
	}
	dir := t.TempDir()

	// 1. Producer, killed once at least 60 batches were acknowledged.
	cmd, sc := child(t, dir, "produce")
	acked := -1
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatalf("producer child: %s", line)
		}
		if n, ok := strings.CutPrefix(line, "acked "); ok {
			acked, _ = strconv.Atoi(n)
			if acked >= 60 {
				break
			}
		}
	}
	kill(t, cmd, readerOf(sc))
	if acked < 60 {
		t.Fatalf("producer child stopped after %d batches: %v", acked+1, sc.Err())
	}
	t.Logf("producer killed after %d acknowledged batches of %d messages", acked+1, nKeys)

	// 2. Consumer, killed while holding holdKey/holdSeq.
	cmd, sc = child(t, dir, "consume")
	handled := map[string]int{} // highest seq handled per key
	note := func(line string) {
		var key string
		var seq int
		if _, err := fmt.Sscanf(line, "handled %s %d", &key, &seq); err == nil {
			if prev, ok := handled[key]; ok && seq != prev+1 {
				t.Errorf("consumer child: key %s went from %d to %d", key, prev, seq)
			}
			handled[key] = seq
		}
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatalf("consumer child: %s", line)
		}
		if line == "holding" {
			break
		}
		note(line)
	}
	// Partition workers run concurrently: other keys may have been
	// handled, and committed, after "holding" was written. Each "handled"
	// line is written before its handler returns (so before its commit),
	// so the lines still in the pipe after the kill complete the record.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		note(sc.Text())
	}
	_ = cmd.Wait()
	t.Logf("consumer killed while holding %s/%d; highest handled per key: %v", holdKey, holdSeq, handled)
	if _, ok := handled[holdKey]; !ok && holdSeq > 0 {
		t.Fatalf("consumer child never handled %s before holding", holdKey)
	}

	// 3. Reopen in this process.
	b := open(t, dir)
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	complete := func(seen map[string][]int) bool {
		for k := 0; k < nKeys; k++ {
			s := seen["k"+strconv.Itoa(k)]
			if len(s) == 0 || s[len(s)-1] < acked {
				return false
			}
		}
		return true
	}

	// Everything acknowledged is in the log, in order per key.
	all := consumeUntil(t, ctx, b, "fresh-group", crashTop, complete, -1)
	for k := 0; k < nKeys; k++ {
		key := "k" + strconv.Itoa(k)
		for i, seq := range all[key] {
			if seq != i {
				t.Fatalf("fresh group, key %s: position %d holds %d: lost or reordered: %v", key, i, seq, all[key])
			}
		}
	}

	// The crashed consumer's group resumes: each key restarts no later
	// than just after what was handled, the held message comes again, and
	// nothing after it is missing.
	// A key whose messages the child handled (and committed) up to the
	// last acknowledged one may get nothing more.
	resumedComplete := func(seen map[string][]int) bool {
		for k := 0; k < nKeys; k++ {
			key := "k" + strconv.Itoa(k)
			s := seen[key]
			if h, ok := handled[key]; ok && h >= acked && len(s) == 0 {
				continue
			}
			if len(s) == 0 || s[len(s)-1] < acked {
				return false
			}
		}
		return true
	}
	resumed := consumeUntil(t, ctx, b, crashGrp, crashTop, resumedComplete, -1)
	for k := 0; k < nKeys; k++ {
		key := "k" + strconv.Itoa(k)
		s := resumed[key]
		next := 0
		if h, ok := handled[key]; ok {
			next = h + 1
		}
		if len(s) == 0 {
			continue // handled up to the end by the child, checked above
		}
		if s[0] > next {
			t.Errorf("group %s, key %s: resumed at %d, but only up to %d was handled: messages lost", crashGrp, key, s[0], next-1)
		}
		for i := 1; i < len(s); i++ {
			if s[i] != s[i-1]+1 {
				t.Errorf("group %s, key %s: %d followed by %d", crashGrp, key, s[i-1], s[i])
				break
			}
		}
		if key == holdKey && s[0] > holdSeq {
			t.Errorf("held message %s/%d was not delivered again (resumed at %d)", key, holdSeq, s[0])
		}
	}
}

// readerOf drains what is left of a child's output so Wait can finish.
func readerOf(sc *bufio.Scanner) io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		return copy(p, sc.Bytes()), nil
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestLoopbackOnly: the broker of `consign dev` listens on 127.0.0.1
// only (issue 18), never on a wider address.
func TestLoopbackOnly(t *testing.T) {
	b := open(t, t.TempDir())
	t.Cleanup(func() { _ = b.Close() })
	host, _, err := net.SplitHostPort(b.Addr())
	if err != nil || host != "127.0.0.1" {
		t.Fatalf("broker address %q (%v), want 127.0.0.1:<port>", b.Addr(), err)
	}
}

// TestBrokerNeedsSecret: a local client that reaches the port without the
// directory's secret (issue 18: the broker accepted any local client) can
// neither list nor create topics; the same client with ClientOpts can, and
// the secret survives a restart of the broker on the same directory.
func TestBrokerNeedsSecret(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	try := func(what string, opts ...kgo.Opt) error {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addr()), kgo.RetryTimeout(2 * time.Second)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, messagingtest.Unique("needs-secret-"+what))
		return err
	}
	if err := try("anon"); err == nil {
		t.Fatal("a client without credentials created a topic")
	} else {
		t.Logf("without the secret: %v", err)
	}
	wrong := kgo.SASL(scram.Auth{User: "consign", Pass: "guess"}.AsSha256Mechanism())
	if err := try("wrong", wrong); err == nil {
		t.Fatal("a client with a wrong password created a topic")
	}
	if err := try("ok", b.ClientOpts()...); err != nil {
		t.Fatalf("with ClientOpts: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "sasl-secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v, mode %v; want 0600", err, fi.Mode())
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = open(t, dir)
	t.Cleanup(func() { _ = b.Close() })
	if err := try("again", b.ClientOpts()...); err != nil {
		t.Fatalf("after a restart, with ClientOpts: %v", err)
	}
}
