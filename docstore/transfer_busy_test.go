package docstore_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/storage/storagetest/stores"
)

// shardGate lets the first shards of every attempt through and holds the
// rest of each until it opens (or the attempt is stopped), so that the
// receiver holds a pipeline for each transfer begun.
type shardGate struct {
	messaging.Transport
	first int // shards 0..first-1 of an attempt pass
	once  sync.Once
	open  chan struct{}
}

func newShardGate(tr messaging.Transport, first int) *shardGate {
	return &shardGate{Transport: tr, first: first, open: make(chan struct{})}
}

func (g *shardGate) release() { g.once.Do(func() { close(g.open) }) }

func (g *shardGate) Send(ctx context.Context, msgs ...messaging.Message) error {
	for i := range msgs {
		if kindOf(&msgs[i]) != "shard" {
			continue
		}
		if n, _ := strconv.Atoi(headerOf(&msgs[i], "consign-shard")); n < g.first {
			continue
		}
		if i > 0 {
			if err := g.Transport.Send(ctx, msgs[:i]...); err != nil {
				return err
			}
			msgs = msgs[i:]
		}
		select {
		case <-g.open:
		case <-ctx.Done():
			return ctx.Err()
		}
		break
	}
	return g.Transport.Send(ctx, msgs...)
}

// stepClock is a clock that can be held still and moved by hand.
type stepClock struct{ held atomic.Int64 }

func (c *stepClock) now() time.Time {
	if ns := c.held.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Now()
}

// TestTransferIncomingPerSender sends six transfers at once from one
// sending destination while the sender holds back all but their first
// two shards. With no cap (the node as it was) the receiver holds six
// pipelines, one per transfer; with IncomingPerSender 2 it holds two and
// answers the other four with a signed busy; the sender stops those
// attempts and queues the next after a backoff that doubles with each
// busy answer (checked on a clock held still: RetryMin, then twice it),
// and busy answers do not count against MaxResends (1 here). Once the
// shards flow, all six arrive, none failed, with no resend counted.
func TestTransferIncomingPerSender(t *testing.T) {
	const n = 6
	const retryMin = 200 * time.Millisecond
	for _, c := range []struct {
		name     string
		cap      int
		arriving int
	}{{"unbounded", -1, n}, {"capped", 2, 2}} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			alice, bob := app2apptest.RandomID("alice"), app2apptest.RandomID("bob")
			net := newNet(t, app2apptest.Embedded(t), alice, bob)
			gate := newShardGate(net.tr, 2)
			clock := &stepClock{}
			a := net.newNode(t, alice, stores.Local(t), func(cfg *docstore.TransferConfig) {
				cfg.Transport, cfg.Concurrency, cfg.MaxResends = gate, n, 1
				cfg.RetryMin, cfg.RetryMax, cfg.Now = retryMin, time.Minute, clock.now
			})
			b := net.newNode(t, bob, stores.Local(t), func(cfg *docstore.TransferConfig) { cfg.IncomingPerSender = c.cap })
			t0 := time.Now().Truncate(time.Second)
			clock.held.Store(t0.UnixNano())
			ids := make([]string, n)
			for i := range ids {
				doc := fmt.Sprintf("/out/%d.bin", i)
				a.put(t, doc, randomReader(uint64(90+i), 2<<20)) // 9 shards
				ids[i] = a.send(t, b, doc).ID
			}
			busyRows := func(want int) (rows int) {
				for _, id := range ids {
					var busy int
					if err := a.db.QueryRowContext(ctx, `SELECT busy FROM docstore_transfers_out WHERE id = ?`, id).Scan(&busy); err != nil {
						t.Fatal(err)
					}
					if busy == want {
						rows++
					}
				}
				return rows
			}
			poll(t, "the receiver's pipelines", func() (bool, string) {
				st := b.tf.Stats()
				ok := st.Arriving == c.arriving && int(st.BusyAnswers) == n-c.arriving && busyRows(1) == n-c.arriving
				return ok, fmt.Sprintf("%d arriving, %d busy answers, %d rows answered busy once", st.Arriving, st.BusyAnswers, busyRows(1))
			})
			st := b.tf.Stats()
			t.Logf("%d transfers begun at once by one sender: %d pipelines held at the receiver, %d answered busy", n, st.Arriving, st.BusyAnswers)
			if c.cap > 0 {
				// The next attempt of each is due RetryMin after the busy
				// answer, then twice that after the second.
				checkDue := func(busy int, wait time.Duration) {
					t.Helper()
					var due int
					for _, id := range ids {
						var b int
						var next int64
						a.db.QueryRowContext(ctx, `SELECT busy, next_ns FROM docstore_transfers_out WHERE id = ?`, id).Scan(&b, &next)
						if b == busy {
							if got := time.Unix(0, next).Sub(clock.now()); got != wait {
								t.Fatalf("after %d busy answers the next attempt is due in %s, want %s", busy, got, wait)
							}
							due++
						}
					}
					if due != n-c.arriving {
						t.Fatalf("%d transfers answered busy %d times, want %d", due, busy, n-c.arriving)
					}
				}
				checkDue(1, retryMin)
				clock.held.Add(int64(retryMin))
				poll(t, "the second busy answers", func() (bool, string) {
					return busyRows(2) == n-c.arriving, fmt.Sprintf("%d rows answered busy twice", busyRows(2))
				})
				checkDue(2, 2*retryMin)
				t.Logf("backoff after busy answers: %s, then %s; MaxResends 1, busy answers 2: none failed", retryMin, 2*retryMin)
			}
			clock.held.Store(0)
			gate.release()
			for _, id := range ids {
				if got := a.wait(t, id); got.Status != docstore.StatusReceived {
					t.Fatalf("transfer %s: %+v", id, got)
				}
				var resends int
				if err := a.db.QueryRowContext(ctx, `SELECT resends FROM docstore_transfers_out WHERE id = ?`, id).Scan(&resends); err != nil {
					t.Fatal(err)
				}
				if resends != 0 {
					t.Errorf("transfer %s: %d resends counted", id, resends)
				}
			}
			if left := stagingKeys(t, b.b); len(left) != 0 {
				t.Errorf("staging left behind: %v", left)
			}
		})
	}
}

// poll waits until cond holds, failing with its last description after a
// generous deadline.
func poll(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ok, desc := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: gave up waiting: %s", what, desc)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
