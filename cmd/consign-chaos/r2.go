package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// a2aPair is a producer connection on one node and a consumer connection
// on another, for app-to-app messages from → to.
type a2aPair struct {
	a, b     *nodeProc
	from, to string

	pmu  sync.Mutex
	prod *sioClient

	cmu  sync.Mutex
	cons *sioClient

	mu       sync.Mutex
	got      map[string][]int // per key, the sequence numbers in arrival order
	total    int
	reconns  atomic.Int64
	onArrive func()
}

func (h *harness) newA2APair(ctx context.Context, tag string) (*a2aPair, error) {
	local := "  kind: local"
	a, err := h.newNode(ctx, tag+"a", "Alpha Trading", local, "")
	if err != nil {
		return nil, err
	}
	b, err := h.newNode(ctx, tag+"b", "Beta Shipping", local, "")
	if err != nil {
		return nil, err
	}
	return h.a2aOn(ctx, a, b)
}

func (h *harness) a2aOn(ctx context.Context, a, b *nodeProc) (*a2aPair, error) {
	p := &a2aPair{a: a, b: b, got: map[string][]int{}}
	var err error
	if p.from, err = a.destination(ctx, "a2a-out-"+randomHex(3), "app2app"); err != nil {
		return nil, err
	}
	if p.to, err = b.destination(ctx, "a2a-in-"+randomHex(3), "app2app"); err != nil {
		return nil, err
	}
	if _, err := p.consumer(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// consumer returns the consumer connection, connecting and subscribing
// again if it was lost.
func (p *a2aPair) consumer(ctx context.Context) (*sioClient, error) {
	p.cmu.Lock()
	defer p.cmu.Unlock()
	if p.cons != nil && p.cons.closeErr() == nil {
		return p.cons, nil
	}
	if p.cons != nil {
		p.reconns.Add(1)
	}
	c, err := dialSIO(ctx, p.b.base, p.b.user, p.b.pass, "", p.data)
	if err != nil {
		return nil, err
	}
	a, err := c.emit(ctx, "subscribe", []string{p.to})
	if err == nil {
		err = ackError(a)
	}
	if err != nil {
		c.close()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	p.cons = c
	return c, nil
}

// data records a message "key|seq|…" delivered to the consumer.
func (p *a2aPair) data(args []json.RawMessage) {
	if len(args) < 2 {
		return
	}
	var m struct{ Content string }
	var key string
	if json.Unmarshal(args[0], &m) != nil || json.Unmarshal(args[1], &key) != nil {
		return
	}
	parts := strings.SplitN(m.Content, "|", 3)
	if len(parts) < 2 || parts[0] != key {
		return
	}
	seq, err := strconv.Atoi(parts[1])
	if err != nil {
		return
	}
	p.mu.Lock()
	p.got[key] = append(p.got[key], seq)
	p.total++
	f := p.onArrive
	p.mu.Unlock()
	if f != nil {
		f()
	}
}

func (p *a2aPair) producer(ctx context.Context) (*sioClient, error) {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	if p.prod != nil && p.prod.closeErr() == nil {
		return p.prod, nil
	}
	if p.prod != nil {
		p.reconns.Add(1)
	}
	c, err := dialSIO(ctx, p.a.base, p.a.user, p.a.pass, "", nil)
	if err != nil {
		return nil, err
	}
	p.prod = c
	return c, nil
}

// produce sends one message and waits for its acknowledgement.
func (p *a2aPair) produce(ctx context.Context, key string, seq int) error {
	c, err := p.producer(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	a, err := c.emit(ctx, "produce", map[string]any{"headers": map[string]string{"from": p.from, "to": p.to},
		"content": key + "|" + strconv.Itoa(seq) + "|chaos message"}, key)
	if err != nil {
		return err
	}
	return ackError(a)
}

// keepConsuming reconnects the consumer when its connection drops, until ctx ends.
func (p *a2aPair) keepConsuming(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := p.consumer(ctx); err != nil {
			time.Sleep(time.Second)
			continue
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// deliveryStats compares what arrived with want messages per key.
type deliveryStats struct {
	unique, total, lost, duplicates, orderViolations int
}

func (p *a2aPair) stats(want map[string]int) deliveryStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s deliveryStats
	for key, n := range want {
		seen := map[int]bool{}
		last := -1
		for _, seq := range p.got[key] {
			s.total++
			if seen[seq] {
				s.duplicates++
				continue
			}
			seen[seq] = true
			if seq < last {
				s.orderViolations++ // a first delivery after a later message of its key
			}
			last = max(last, seq)
		}
		for i := range n {
			if seen[i] {
				s.unique++
			} else {
				s.lost++
			}
		}
	}
	return s
}

func (p *a2aPair) close() {
	p.pmu.Lock()
	if p.prod != nil {
		p.prod.close()
	}
	p.pmu.Unlock()
	p.cmu.Lock()
	if p.cons != nil {
		p.cons.close()
	}
	p.cmu.Unlock()
}

// runR2: app-to-app messages from node a to node b, 64 keys (16 short), one message
// in flight per key (so a retry cannot reorder a key), while the private
// Kafka broker is SIGKILLed and restarted. A message whose produce failed
// or timed out is sent again: the API promises at-least-once, so such a
// message may arrive twice, and redelivery after a restart may repeat
// uncommitted messages; both are counted as duplicates.
func runR2(ctx context.Context, h *harness) (*Result, error) {
	res := newResult("r2")
	n, killsAt := 10000, []float64{0.3, 0.65}
	if h.o.short {
		n, killsAt = 1000, []float64{0.4}
	}
	p, err := h.newA2APair(ctx, "r2")
	if err != nil {
		return res, err
	}
	defer p.close()
	cctx, stopCons := context.WithCancel(ctx)
	defer stopCons()
	go p.keepConsuming(cctx)

	keys := 64
	if h.o.short {
		keys = 16
	}
	want := map[string]int{}
	for k := range keys {
		want["k"+strconv.Itoa(k)] = n / keys
		if k < n%keys {
			want["k"+strconv.Itoa(k)]++
		}
	}
	var acked, retries atomic.Int64
	retried := sync.Map{}
	var wg sync.WaitGroup
	errs := make(chan error, keys)
	for key, count := range want {
		wg.Go(func() {
			for seq := 0; seq < count; seq++ {
				deadline := time.Now().Add(5 * time.Minute)
				for {
					err := p.produce(ctx, key, seq)
					if err == nil {
						break
					}
					if ctx.Err() != nil || time.Now().After(deadline) {
						errs <- fmt.Errorf("produce %s/%d: %w", key, seq, err)
						return
					}
					retries.Add(1)
					retried.Store(key+"/"+strconv.Itoa(seq), true)
					time.Sleep(500 * time.Millisecond)
				}
				acked.Add(1)
			}
		})
	}
	t0 := time.Now()
	killed := 0
	for _, at := range killsAt {
		err := poll(ctx, 10*time.Minute, "messages before the broker kill", func() (bool, string) {
			return acked.Load() >= int64(at*float64(n)), fmt.Sprint(acked.Load(), " acknowledged")
		})
		if err != nil {
			break
		}
		if err := h.killServer(ctx, "kafka"); err != nil {
			return res, err
		}
		killed++
		time.Sleep(2 * time.Second)
		if err := h.startServer(ctx, "kafka"); err != nil {
			return res, err
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		res.check(false, "%v", err)
	}
	produceSecs := time.Since(t0).Seconds()
	settle := 5 * time.Minute
	if h.o.short {
		settle = 2 * time.Minute
	}
	err = poll(ctx, settle, "every message delivered", func() (bool, string) {
		s := p.stats(want)
		return s.lost == 0, fmt.Sprintf("%d lost so far", s.lost)
	})
	if err != nil {
		res.check(false, "%v", err)
	}
	time.Sleep(2 * time.Second) // late duplicates are counted too
	s := p.stats(want)
	dupRetried := 0
	p.mu.Lock()
	for key, seqs := range p.got {
		seen := map[int]bool{}
		for _, seq := range seqs {
			if seen[seq] {
				if _, ok := retried.Load(key + "/" + strconv.Itoa(seq)); ok {
					dupRetried++
				}
			}
			seen[seq] = true
		}
	}
	p.mu.Unlock()
	res.set("messages", n)
	res.set("keys", keys)
	res.set("broker_kills", killed)
	res.set("acknowledged", acked.Load())
	res.set("producer_retries", retries.Load())
	res.set("delivered_unique", s.unique)
	res.set("delivered_total", s.total)
	res.set("lost", s.lost)
	res.set("duplicates", s.duplicates)
	res.set("duplicates_of_retried_produce", dupRetried)
	res.set("duplicates_redelivered", s.duplicates-dupRetried)
	res.set("order_violations", s.orderViolations)
	res.set("socket_reconnects", p.reconns.Load())
	res.set("produce_seconds", int(produceSecs))
	res.check(killed == len(killsAt), "broker killed %d times, want %d", killed, len(killsAt))
	res.check(s.lost == 0, "%d messages lost", s.lost)
	res.check(s.orderViolations == 0, "%d messages out of order within their key", s.orderViolations)
	return res, nil
}
