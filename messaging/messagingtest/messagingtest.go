// Package messagingtest is the conformance suite for messaging.Transport.
// Every implementation runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		messagingtest.Run(t, func(t *testing.T) messaging.Transport {
//			return newTransportForTest(t) // closed by t.Cleanup
//		})
//	}
//
// The suite creates its own uniquely named topics and consumer groups, so
// several runs can share one broker. It checks the contract written in the
// messaging package comment: round trips with headers, per-key order,
// redelivery of failed messages, commit only after success (including a
// message held uncommitted when its consumer stops), partitions shared in a
// group, size limits, unknown topics and cancelled contexts. Durability
// across a process crash needs a broker the test controls and lives in the
// embedded package's tests.
//
// Waits are bounded by a generous context deadline that fails the test if
// it expires; no assertion depends on timing.
package messagingtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/messaging"
)

// Factory returns a fresh Transport for one subtest. It should register
// its own cleanup (Close) with t.Cleanup.
type Factory func(t *testing.T) messaging.Transport

// Timeout bounds each subtest's waits; a subtest that exceeds it fails.
const Timeout = 2 * time.Minute

// Run runs the conformance suite as named subtests of t.
func Run(t *testing.T, newTransport Factory) {
	t.Run("RoundTripWithHeaders", func(t *testing.T) { testRoundTrip(t, newTransport(t)) })
	t.Run("PerKeyOrder", func(t *testing.T) { testPerKeyOrder(t, newTransport(t)) })
	t.Run("RedeliveryOnHandlerError", func(t *testing.T) { testRedelivery(t, newTransport(t)) })
	t.Run("CommitAfterSuccess", func(t *testing.T) { testCommitAfterSuccess(t, newTransport(t)) })
	t.Run("GroupSharesPartitions", func(t *testing.T) { testGroupShares(t, newTransport(t)) })
	t.Run("SizeLimits", func(t *testing.T) { testSizeLimits(t, newTransport(t)) })
	t.Run("UnknownTopic", func(t *testing.T) { testUnknownTopic(t, newTransport(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelled(t, newTransport(t)) })
}

// Unique returns prefix followed by a random suffix, for topic and group
// names that do not collide with other tests on a shared broker.
func Unique(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// consumer runs Consume in the background.
type consumer struct {
	cancel context.CancelFunc
	done   chan error
}

func startConsumer(ctx context.Context, tr messaging.Transport, group string, topics []string, h messaging.Handler) *consumer {
	cctx, cancel := context.WithCancel(ctx)
	c := &consumer{cancel: cancel, done: make(chan error, 1)}
	go func() { c.done <- tr.Consume(cctx, group, topics, h) }()
	return c
}

// stop cancels the consumer and returns what Consume returned.
func (c *consumer) stop(t *testing.T) {
	t.Helper()
	c.cancel()
	if err := <-c.done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Consume returned %v after cancel, want context.Canceled", err)
	}
}

// copyDelivery detaches a delivery from buffers the transport may reuse.
func copyDelivery(d messaging.Delivery) messaging.Delivery {
	d.Value = bytes.Clone(d.Value)
	hs := make([]messaging.Header, len(d.Headers))
	for i, h := range d.Headers {
		hs[i] = messaging.Header{Key: h.Key, Value: bytes.Clone(h.Value)}
	}
	d.Headers = hs
	return d
}

func mustTopic(t *testing.T, ctx context.Context, tr messaging.Transport, partitions int32) string {
	t.Helper()
	topic := Unique("consign-test")
	if err := tr.EnsureTopic(ctx, topic, partitions); err != nil {
		t.Fatalf("EnsureTopic(%s, %d): %v", topic, partitions, err)
	}
	// A second call on an existing topic succeeds and changes nothing.
	if err := tr.EnsureTopic(ctx, topic, partitions); err != nil {
		t.Fatalf("EnsureTopic(%s) again: %v", topic, err)
	}
	return topic
}

// recv returns the next value on ch; the test fails if ctx ends first,
// saying what it waited for.
func recv[T any](t *testing.T, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
		var zero T
		return zero
	}
}

func testRoundTrip(t *testing.T, tr messaging.Transport) {
	ctx := testCtx(t)
	topic := mustTopic(t, ctx, tr, 1)
	sent := []messaging.Message{
		{Topic: topic, Key: "k1", Value: []byte("hello"), Headers: []messaging.Header{
			{Key: "kind", Value: []byte("message")},
			{Key: "to", Value: []byte("app-a")},
			{Key: "to", Value: []byte("app-b")}, // repeated keys keep their order
			{Key: "empty", Value: nil},
		}},
		{Topic: topic, Key: "k1", Value: nil},
		{Topic: topic, Key: "", Value: []byte{0, 1, 2, 255}},
	}
	if err := tr.Send(ctx, sent...); err != nil {
		t.Fatalf("Send: %v", err)
	}
	ch := make(chan messaging.Delivery, 16)
	c := startConsumer(ctx, tr, Unique("g"), []string{topic}, func(_ context.Context, d messaging.Delivery) error {
		ch <- copyDelivery(d)
		return nil
	})
	defer c.stop(t)
	for i, want := range sent {
		got := recv(t, ctx, ch, "a delivery")
		if got.Topic != want.Topic || got.Key != want.Key || !bytes.Equal(got.Value, want.Value) {
			t.Errorf("delivery %d: got topic %q key %q value %q, want %q %q %q", i, got.Topic, got.Key, got.Value, want.Topic, want.Key, want.Value)
		}
		if len(got.Headers) != len(want.Headers) {
			t.Errorf("delivery %d: %d headers, want %d", i, len(got.Headers), len(want.Headers))
			continue
		}
		for j := range want.Headers {
			if got.Headers[j].Key != want.Headers[j].Key || !bytes.Equal(got.Headers[j].Value, want.Headers[j].Value) {
				t.Errorf("delivery %d header %d: got %q=%q, want %q=%q", i, j, got.Headers[j].Key, got.Headers[j].Value, want.Headers[j].Key, want.Headers[j].Value)
			}
		}
		if got.Attempt != 1 {
			t.Errorf("delivery %d: Attempt %d, want 1", i, got.Attempt)
		}
		if got.Offset != int64(i) || got.Partition != 0 {
			t.Errorf("delivery %d: partition %d offset %d, want 0 %d", i, got.Partition, got.Offset, i)
		}
	}
	if v, ok := sent[0].Header("to"); !ok || string(v) != "app-a" {
		t.Errorf("Message.Header(to) = %q, %v; want app-a, true", v, ok)
	}
}

func testPerKeyOrder(t *testing.T, tr messaging.Transport) {
	ctx := testCtx(t)
	topic := mustTopic(t, ctx, tr, 4)
	const keys, perKey = 24, 30
	// Interleave keys, several sends of many messages each, some
	// concurrently per key set.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for half := 0; half < 2; half++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; seq < perKey; seq++ {
				var batch []messaging.Message
				for k := half; k < keys; k += 2 {
					batch = append(batch, messaging.Message{Topic: topic, Key: "key-" + strconv.Itoa(k), Value: []byte(strconv.Itoa(seq))})
				}
				if err := tr.Send(ctx, batch...); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Send: %v", err)
	}

	var mu sync.Mutex
	seen := map[string][]int{}
	partOf := map[string]int32{}
	total := 0
	all := make(chan struct{})
	c := startConsumer(ctx, tr, Unique("g"), []string{topic}, func(_ context.Context, d messaging.Delivery) error {
		n, err := strconv.Atoi(string(d.Value))
		if err != nil {
			return fmt.Errorf("bad value %q", d.Value) // would redeliver forever and time out
		}
		mu.Lock()
		defer mu.Unlock()
		seen[d.Key] = append(seen[d.Key], n)
		if p, ok := partOf[d.Key]; ok && p != d.Partition {
			t.Errorf("key %s seen in partitions %d and %d", d.Key, p, d.Partition)
		}
		partOf[d.Key] = d.Partition
		total++
		if total == keys*perKey {
			close(all)
		}
		return nil
	})
	select {
	case <-all:
	case <-ctx.Done():
		mu.Lock()
		t.Fatalf("received %d of %d messages: %v", total, keys*perKey, ctx.Err())
	}
	c.stop(t)
	mu.Lock()
	defer mu.Unlock()
	for k := 0; k < keys; k++ {
		key := "key-" + strconv.Itoa(k)
		got := seen[key]
		if len(got) != perKey {
			t.Errorf("key %s: %d messages, want %d", key, len(got), perKey)
			continue
		}
		for i, n := range got {
			if n != i {
				t.Errorf("key %s: position %d holds message %d (order lost): %v", key, i, n, got)
				break
			}
		}
	}
}

func testRedelivery(t *testing.T, tr messaging.Transport) {
	ctx := testCtx(t)
	topic := mustTopic(t, ctx, tr, 1)
	if err := tr.Send(ctx,
		messaging.Message{Topic: topic, Key: "k", Value: []byte("a")},
		messaging.Message{Topic: topic, Key: "k", Value: []byte("b")},
		messaging.Message{Topic: topic, Key: "k", Value: []byte("c")},
	); err != nil {
		t.Fatalf("Send: %v", err)
	}
	const failures = 3
	type event struct {
		value   string
		attempt int
	}
	ch := make(chan event, 32)
	c := startConsumer(ctx, tr, Unique("g"), []string{topic}, func(_ context.Context, d messaging.Delivery) error {
		ch <- event{string(d.Value), d.Attempt}
		if string(d.Value) == "b" && d.Attempt <= failures {
			return errors.New("simulated handler failure")
		}
		return nil
	})
	defer c.stop(t)
	want := []event{{"a", 1}, {"b", 1}, {"b", 2}, {"b", 3}, {"b", 4}, {"c", 1}}
	for i, w := range want {
		if got := recv(t, ctx, ch, fmt.Sprintf("event %d", i)); got != w {
			t.Fatalf("event %d: got %+v, want %+v (a failing message must be retried before the next one of its key)", i, got, w)
		}
	}
}

func testCommitAfterSuccess(t *testing.T, tr messaging.Transport) {
	ctx := testCtx(t)
	topic := mustTopic(t, ctx, tr, 1)
	group := Unique("g")
	const n, held = 10, 4
	var batch []messaging.Message
	for i := 0; i < n; i++ {
		batch = append(batch, messaging.Message{Topic: topic, Key: "k", Value: []byte(strconv.Itoa(i))})
	}
	if err := tr.Send(ctx, batch...); err != nil {
		t.Fatalf("Send: %v", err)
	}

	// First consumer: succeeds on messages 0..held-1, then holds message
	// `held` (as a client in manual-commit mode would) until it is stopped.
	holding := make(chan struct{})
	var first []int
	c1 := startConsumer(ctx, tr, group, []string{topic}, func(hctx context.Context, d messaging.Delivery) error {
		i, _ := strconv.Atoi(string(d.Value))
		first = append(first, i)
		if i == held {
			close(holding)
			<-hctx.Done()
			return hctx.Err()
		}
		if i > held {
			t.Errorf("first consumer got message %d while %d was held", i, held)
		}
		return nil
	})
	select {
	case <-holding:
	case <-ctx.Done():
		t.Fatalf("first consumer never reached message %d: %v (got %v)", held, ctx.Err(), first)
	}
	c1.stop(t)
	for i, v := range first {
		if v != i {
			t.Fatalf("first consumer saw %v, want 0..%d in order", first, held)
		}
	}

	// Second consumer in the same group: resumes at the held message,
	// nothing lost and nothing it finished before delivered again.
	ch := make(chan int, n)
	c2 := startConsumer(ctx, tr, group, []string{topic}, func(_ context.Context, d messaging.Delivery) error {
		i, _ := strconv.Atoi(string(d.Value))
		ch <- i
		return nil
	})
	defer c2.stop(t)
	for want := held; want < n; want++ {
		if got := recv(t, ctx, ch, fmt.Sprintf("message %d on the second consumer", want)); got != want {
			t.Fatalf("second consumer got message %d, want %d (commit must follow success exactly)", got, want)
		}
	}
}

func testGroupShares(t *testing.T, tr messaging.Transport) {
	ctx := testCtx(t)
	topic := mustTopic(t, ctx, tr, 4)
	group := Unique("g")

	var mu sync.Mutex
	got := map[string]bool{}
	by := [2]int{}
	mk := func(idx int) messaging.Handler {
		return func(_ context.Context, d messaging.Delivery) error {
			mu.Lock()
			defer mu.Unlock()
			got[string(d.Value)] = true
			by[idx]++
			return nil
		}
	}
	c1 := startConsumer(ctx, tr, group, []string{topic}, mk(0))
	defer c1.stop(t)
	c2 := startConsumer(ctx, tr, group, []string{topic}, mk(1))
	defer c2.stop(t)

	// Send rounds of messages over many keys until both members have
	// received some (the second may join after the first took every
	// partition) and every sent message has arrived.
	sent := 0
	for round := 0; ; round++ {
		var batch []messaging.Message
		for i := 0; i < 40; i++ {
			batch = append(batch, messaging.Message{Topic: topic, Key: "k" + strconv.Itoa(i), Value: []byte(strconv.Itoa(sent))})
			sent++
		}
		if err := tr.Send(ctx, batch...); err != nil {
			t.Fatalf("Send: %v", err)
		}
		for {
			mu.Lock()
			complete, both := len(got) == sent, by[0] > 0 && by[1] > 0
			mu.Unlock()
			if complete && both {
				return
			}
			if complete {
				break // next round
			}
			select {
			case <-ctx.Done():
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("round %d: %d of %d messages received, per consumer %v: %v", round, len(got), sent, by, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("second member never received a message: %v", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func testSizeLimits(t *testing.T, tr messaging.Transport) {
	ctx := testCtx(t)
	topic := mustTopic(t, ctx, tr, 1)
	big := make([]byte, messaging.MaxValueSize)
	_, _ = rand.Read(big)
	tooBig := make([]byte, messaging.MaxValueSize+1)
	if err := tr.Send(ctx, messaging.Message{Topic: topic, Key: "k", Value: tooBig}); !errors.Is(err, messaging.ErrTooLarge) {
		t.Errorf("Send of %d bytes: %v, want ErrTooLarge", len(tooBig), err)
	}
	hdr := []messaging.Header{{Key: "h", Value: make([]byte, messaging.MaxHeadersSize)}}
	if err := tr.Send(ctx, messaging.Message{Topic: topic, Key: "k", Headers: hdr}); !errors.Is(err, messaging.ErrTooLarge) {
		t.Errorf("Send with oversized headers: %v, want ErrTooLarge", err)
	}
	// A refused message in a batch refuses the whole batch.
	if err := tr.Send(ctx,
		messaging.Message{Topic: topic, Key: "k", Value: []byte("must not be written")},
		messaging.Message{Topic: topic, Key: "k", Value: tooBig},
	); !errors.Is(err, messaging.ErrTooLarge) {
		t.Errorf("Send of a batch with an oversized message: %v, want ErrTooLarge", err)
	}
	if err := tr.Send(ctx,
		messaging.Message{Topic: topic, Key: "k", Value: big},
		messaging.Message{Topic: topic, Key: "k", Value: []byte("end")},
	); err != nil {
		t.Fatalf("Send of %d bytes: %v", len(big), err)
	}
	ch := make(chan messaging.Delivery, 4)
	c := startConsumer(ctx, tr, Unique("g"), []string{topic}, func(_ context.Context, d messaging.Delivery) error {
		ch <- copyDelivery(d)
		return nil
	})
	defer c.stop(t)
	if d := recv(t, ctx, ch, "a delivery"); !bytes.Equal(d.Value, big) {
		t.Errorf("first delivery: %d bytes, want the %d-byte value (refused messages must not be written)", len(d.Value), len(big))
	}
	if d := recv(t, ctx, ch, "a delivery"); string(d.Value) != "end" {
		t.Errorf("second delivery: %q, want end", d.Value)
	}
}

func testUnknownTopic(t *testing.T, tr messaging.Transport) {
	ctx := testCtx(t)
	missing := Unique("consign-missing")
	if err := tr.Send(ctx, messaging.Message{Topic: missing, Value: []byte("x")}); !errors.Is(err, messaging.ErrUnknownTopic) {
		t.Errorf("Send to missing topic: %v, want ErrUnknownTopic", err)
	}
	err := tr.Consume(ctx, Unique("g"), []string{missing}, func(context.Context, messaging.Delivery) error { return nil })
	if !errors.Is(err, messaging.ErrUnknownTopic) {
		t.Errorf("Consume of missing topic: %v, want ErrUnknownTopic", err)
	}
	for _, bad := range []string{"", "has space", "slash/topic", "..", string(make([]byte, messaging.MaxTopicLen+1))} {
		if err := tr.Send(ctx, messaging.Message{Topic: bad, Value: []byte("x")}); !errors.Is(err, messaging.ErrBadTopic) {
			t.Errorf("Send to %q: %v, want ErrBadTopic", bad, err)
		}
		if err := tr.EnsureTopic(ctx, bad, 1); !errors.Is(err, messaging.ErrBadTopic) {
			t.Errorf("EnsureTopic(%q): %v, want ErrBadTopic", bad, err)
		}
	}
	if err := tr.Consume(ctx, "", []string{missing}, func(context.Context, messaging.Delivery) error { return nil }); !errors.Is(err, messaging.ErrBadGroup) {
		t.Errorf("Consume with empty group: %v, want ErrBadGroup", err)
	}
}

func testCancelled(t *testing.T, tr messaging.Transport) {
	ctx := testCtx(t)
	topic := mustTopic(t, ctx, tr, 1)
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := tr.Send(done, messaging.Message{Topic: topic, Value: []byte("x")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with cancelled context: %v, want context.Canceled", err)
	}
	if err := tr.Consume(done, Unique("g"), []string{topic}, func(context.Context, messaging.Delivery) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Consume with cancelled context: %v, want context.Canceled", err)
	}
	if err := tr.EnsureTopic(done, Unique("consign-test"), 1); !errors.Is(err, context.Canceled) {
		t.Errorf("EnsureTopic with cancelled context: %v, want context.Canceled", err)
	}
	// Cancelling a running consumer makes Consume return context.Canceled
	// after the handler in progress returned.
	entered := make(chan struct{})
	if err := tr.Send(ctx, messaging.Message{Topic: topic, Value: []byte("y")}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	c := startConsumer(ctx, tr, Unique("g"), []string{topic}, func(hctx context.Context, _ messaging.Delivery) error {
		close(entered)
		<-hctx.Done()
		return hctx.Err()
	})
	select {
	case <-entered:
	case <-ctx.Done():
		t.Fatalf("handler never called: %v", ctx.Err())
	}
	c.stop(t)
}
