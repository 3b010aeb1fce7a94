package kafka_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/kafka"
	"github.com/consign/consign/messaging/messagingtest"
)

func newTransport(t *testing.T, brokers []string) messaging.Transport {
	t.Helper()
	tr, err := kafka.New(kafka.Config{Brokers: brokers, MaxRetryBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// TestConformanceKafka runs the suite against the real Apache Kafka broker
// started by `make testenv`.
func TestConformanceKafka(t *testing.T) {
	addr := testenv.Get(t, testenv.Kafka)
	brokers := strings.Split(addr, ",")
	messagingtest.Run(t, func(t *testing.T) messaging.Transport { return newTransport(t, brokers) })
}

// kfakeCluster starts an in-memory kfake cluster of the given number of
// brokers, closed when the test ends.
func kfakeCluster(t *testing.T, brokers int) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(brokers))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestConformanceKfake runs the suite against franz-go's in-memory kfake
// cluster of three brokers: the fast layer, and a check that nothing
// depends on a single broker.
func TestConformanceKfake(t *testing.T) {
	c := kfakeCluster(t, 3)
	messagingtest.Run(t, func(t *testing.T) messaging.Transport { return newTransport(t, c.ListenAddrs()) })
}

// TestConformanceKfakeTinyBuffers runs the suite with per-partition
// buffers of one record, so fetching pauses and resumes around almost
// every record: pausing must neither lose nor reorder anything.
func TestConformanceKfakeTinyBuffers(t *testing.T) {
	c := kfakeCluster(t, 1)
	messagingtest.Run(t, func(t *testing.T) messaging.Transport {
		tr, err := kafka.New(kafka.Config{Brokers: c.ListenAddrs(), MaxRetryBackoff: time.Second, MaxBuffered: 1, MaxBufferedBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tr.Close() })
		return tr
	})
}

// TestConformanceKfakeConsumeOptions runs the suite with every Consume
// lowered to a read-ahead of one record and fetches of 1 KiB (smaller
// than most of the suite's records): small fetches must still bring
// every record, large ones included, in order.
func TestConformanceKfakeConsumeOptions(t *testing.T) {
	c := kfakeCluster(t, 1)
	messagingtest.Run(t, func(t *testing.T) messaging.Transport {
		return tunedConsume{newTransport(t, c.ListenAddrs())}
	})
}

type tunedConsume struct{ messaging.Transport }

func (tc tunedConsume) Consume(ctx context.Context, group string, topics []string, h messaging.Handler) error {
	ctx = messaging.WithConsumeOptions(ctx, messaging.ConsumeOptions{ReadAhead: 1, BatchBytes: 1024})
	return tc.Transport.Consume(ctx, group, topics, h)
}

func TestConfigValidate(t *testing.T) {
	bad := []kafka.Config{
		{},
		{Brokers: []string{""}},
		{Brokers: []string{"h:1"}, MinRetryBackoff: -1},
		{Brokers: []string{"h:1"}, MinRetryBackoff: time.Minute, MaxRetryBackoff: time.Second},
		{Brokers: []string{"h:1"}, MaxBuffered: -1},
		{Brokers: []string{"h:1"}, MaxBufferedBytes: -1},
	}
	for i, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("config %d %+v: Validate passed, want an error", i, c)
		}
		if _, err := kafka.New(c); err == nil {
			t.Errorf("config %d: New passed, want an error", i)
		}
	}
	if err := (kafka.Config{Brokers: []string{"127.0.0.1:9092"}}).Validate(); err != nil {
		t.Errorf("good config: %v", err)
	}
}

// TestConformanceKfakeIdleWorkers runs the suite with workers that end
// after a millisecond without records, so they end and start again
// between almost every batch: that churn must neither lose nor reorder
// anything.
func TestConformanceKfakeIdleWorkers(t *testing.T) {
	c := kfakeCluster(t, 1)
	messagingtest.Run(t, func(t *testing.T) messaging.Transport {
		tr, err := kafka.New(kafka.Config{Brokers: c.ListenAddrs(), MaxRetryBackoff: time.Second, WorkerIdle: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tr.Close() })
		return tr
	})
}

func TestIdleWorkersEndKfake(t *testing.T) {
	testIdleWorkersEnd(t, kfakeCluster(t, 1).ListenAddrs())
}

func TestIdleWorkersEndKafka(t *testing.T) {
	testIdleWorkersEnd(t, strings.Split(testenv.Get(t, testenv.Kafka), ","))
}

// testIdleWorkersEnd checks that a consumer of many partitions keeps no
// goroutine for a partition that has gone quiet, and that records sent
// after the workers ended are all delivered.
func testIdleWorkersEnd(t *testing.T, brokers []string) {
	tr, err := kafka.New(kafka.Config{Brokers: brokers, MaxRetryBackoff: time.Second, WorkerIdle: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const partitions = 8
	topic := messagingtest.Unique("consign-idle")
	if err := tr.EnsureTopic(ctx, topic, partitions); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	got := map[string]int{}
	busiest := 0 // the most workers seen from inside a handler
	cctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- tr.Consume(cctx, messagingtest.Unique("g"), []string{topic}, func(_ context.Context, d messaging.Delivery) error {
			mu.Lock()
			got[string(d.Value)]++
			busiest = max(busiest, tr.Workers())
			mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() { stop(); <-done })

	sent := map[string]bool{}
	send := func(round int) {
		var msgs []messaging.Message
		for i := range 64 {
			v := fmt.Sprintf("r%d-%d", round, i)
			sent[v] = true
			msgs = append(msgs, messaging.Message{Topic: topic, Key: fmt.Sprint(i), Value: []byte(v)})
		}
		if err := tr.Send(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			select {
			case <-ctx.Done():
				t.Fatalf("gave up waiting for %s", what)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	allIn := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for v := range sent {
			if got[v] == 0 {
				return false
			}
		}
		return true
	}
	for round := range 3 {
		send(round)
		waitFor(fmt.Sprintf("round %d's records", round), allIn)
		waitFor(fmt.Sprintf("the workers to end after round %d", round), func() bool { return tr.Workers() == 0 })
	}
	mu.Lock()
	defer mu.Unlock()
	if busiest == 0 {
		t.Error("Workers() was 0 inside a handler: the count does not track running workers")
	}
	if len(got) != len(sent) {
		t.Errorf("received %d distinct records, sent %d", len(got), len(sent))
	}
}
