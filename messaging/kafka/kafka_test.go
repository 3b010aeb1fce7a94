package kafka_test

import (
	"context"
	"strings"
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
