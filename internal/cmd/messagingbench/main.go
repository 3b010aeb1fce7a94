// Command messagingbench measures produce→consume throughput of small messages,
// for scripts/bench/messaging.sh. It prints one line:
//
//	<impl> <messages> <seconds> <msgs/s> <MB/s>
//
// impl "raw" drives franz-go directly (async produce with acks=all and the
// idempotent producer, a group consumer with autocommit): the baseline.
// impl "transport" goes through messaging/kafka's Transport (synchronous
// Send of batches from several goroutines, Consume with commit after each
// handled message). impl "embedded" is the transport against the embedded
// kfake broker with fsync, in a temporary data directory; -brokers is then
// ignored.
//
// The clock starts after a warm-up message has gone round, so group joins
// are not counted, and stops when the consumer has seen every message.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/consign/consign/internal/cmd/benchkit"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/embedded"
	"github.com/consign/consign/messaging/kafka"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:19092", "comma-separated seed brokers")
	impl := flag.String("impl", "raw", "raw, transport or embedded")
	n := flag.Int("n", 100000, "messages")
	size := flag.Int("size", 1024, "value size in bytes")
	parts := flag.Int("partitions", 4, "topic partitions")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var (
		elapsed time.Duration
		err     error
	)
	switch *impl {
	case "raw":
		elapsed, err = runRaw(ctx, strings.Split(*brokers, ","), *n, *size, int32(*parts))
	case "transport":
		var tr *kafka.Transport
		tr, err = kafka.New(kafka.Config{Brokers: strings.Split(*brokers, ",")})
		if err == nil {
			topic := benchkit.RandomName()
			elapsed, err = runTransport(ctx, tr, topic, *n, *size, int32(*parts))
			tr.Close()
			deleteTopic(strings.Split(*brokers, ","), topic)
		}
	case "embedded":
		var dir string
		dir, err = os.MkdirTemp("", "consign-bench-embedded-")
		if err == nil {
			defer os.RemoveAll(dir)
			var b *embedded.Broker
			b, err = embedded.Open(ctx, embedded.Config{Dir: dir})
			if err == nil {
				elapsed, err = runTransport(ctx, b, benchkit.RandomName(), *n, *size, int32(*parts))
				b.Close()
			}
		}
	default:
		err = fmt.Errorf("unknown -impl %q", *impl)
	}
	benchkit.Exit("messagingbench", err)
	s := elapsed.Seconds()
	fmt.Printf("%s %d %.3f %.0f %.1f\n", *impl, *n, s, float64(*n)/s, float64(*n)*float64(*size)/s/1e6)
}

func value(size int) []byte {
	v := make([]byte, size)
	_, _ = rand.Read(v)
	return v
}

func runRaw(ctx context.Context, brokers []string, n, size int, parts int32) (time.Duration, error) {
	topic := benchkit.RandomName()
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		return 0, err
	}
	defer prod.Close()
	adm := kadm.NewClient(prod)
	if _, err := adm.CreateTopic(ctx, parts, -1, nil, topic); err != nil {
		return 0, err
	}
	defer adm.DeleteTopics(context.WithoutCancel(ctx), topic)
	cons, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup(topic), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return 0, err
	}
	defer cons.Close()

	// Warm-up: one message round trip so the group has joined.
	if err := prod.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("warmup")}).FirstErr(); err != nil {
		return 0, err
	}
	for got := 0; got < 1; {
		f := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		got += f.NumRecords()
	}

	v := value(size)
	start := time.Now()
	var perr atomic.Value
	go func() {
		for i := 0; i < n; i++ {
			prod.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte("k" + strconv.Itoa(i%64)), Value: v}, func(_ *kgo.Record, err error) {
				if err != nil {
					perr.Store(err)
				}
			})
		}
		_ = prod.Flush(ctx)
	}()
	for got := 0; got < n; {
		f := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if e, ok := perr.Load().(error); ok {
			return 0, e
		}
		got += f.NumRecords()
	}
	return time.Since(start), nil
}

// deleteTopic removes a benchmark topic from a shared broker, best effort.
func deleteTopic(brokers []string, topic string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = kadm.NewClient(cl).DeleteTopics(ctx, topic)
}

func runTransport(ctx context.Context, tr messaging.Transport, topic string, n, size int, parts int32) (time.Duration, error) {
	if err := tr.EnsureTopic(ctx, topic, parts); err != nil {
		return 0, err
	}
	var count atomic.Int64
	target := int64(n + 1)
	warm := make(chan struct{})
	all := make(chan struct{})
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	cerr := make(chan error, 1)
	go func() {
		cerr <- tr.Consume(cctx, topic, []string{topic}, func(context.Context, messaging.Delivery) error {
			switch count.Add(1) {
			case 1:
				close(warm)
			case target:
				close(all)
			}
			return nil
		})
	}()
	if err := tr.Send(ctx, messaging.Message{Topic: topic, Value: []byte("warmup")}); err != nil {
		return 0, err
	}
	select {
	case <-warm:
	case err := <-cerr:
		return 0, err
	}

	v := value(size)
	start := time.Now()
	const senders, batch = 8, 256
	var wg sync.WaitGroup
	var serr atomic.Value
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msgs := make([]messaging.Message, 0, batch)
			for i := s; i < n; i += senders {
				msgs = append(msgs, messaging.Message{Topic: topic, Key: "k" + strconv.Itoa(i%64), Value: v})
				if len(msgs) == batch || i+senders >= n {
					if err := tr.Send(ctx, msgs...); err != nil {
						serr.Store(err)
						return
					}
					msgs = msgs[:0]
				}
			}
		}()
	}
	wg.Wait()
	if e, ok := serr.Load().(error); ok {
		return 0, e
	}
	select {
	case <-all:
	case err := <-cerr:
		if err == nil {
			err = errors.New("consumer stopped")
		}
		return 0, err
	}
	return time.Since(start), nil
}
