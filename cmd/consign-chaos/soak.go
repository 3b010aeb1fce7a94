package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type sample struct {
	t          float64 // minutes since the start
	goroutines float64
	rssMiB     float64
}

// procRSS reads VmRSS of a child process in MiB.
func procRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// runSoak: for -duration, mixed uploads, transfers, app-to-app messages
// and socket.io clients connecting and leaving, on two nodes; their RSS
// and goroutine counts are sampled and fitted by least squares. At the
// end every transfer must be received and every message delivered.
func runSoak(ctx context.Context, h *harness) (*Result, error) {
	res := newResult("soak")
	d := h.o.duration
	res.set("duration_seconds", d.Seconds())
	a, b, from, to, err := h.twoNodes(ctx, "soak")
	if err != nil {
		return res, err
	}
	p, err := h.a2aOn(ctx, a, b)
	if err != nil {
		return res, err
	}
	defer p.close()
	// The clients that come and go subscribe to destinations of their own:
	// subscribers of one destination share its messages.
	idleA, idleB, err := destinationPair(ctx, a, b, "soak-idle", "app2app")
	if err != nil {
		return res, err
	}
	cctx, stopCons := context.WithCancel(ctx)
	defer stopCons()
	go p.keepConsuming(cctx)

	idle := func() (int, int) {
		va, _ := a.vars(ctx)
		vb, _ := b.vars(ctx)
		return va.Goroutines, vb.Goroutines
	}
	ga0, gb0 := idle()
	pa0, rawA0, _ := a.goroutines(ctx)
	pb0, rawB0, _ := b.goroutines(ctx)
	lctx, stopLoad := context.WithTimeout(ctx, d)
	defer stopLoad()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 6))
	var rmu sync.Mutex
	rnd := func(n int) int { rmu.Lock(); defer rmu.Unlock(); return rng.IntN(n) }

	var wg sync.WaitGroup
	var mu sync.Mutex
	uploaded := map[string]doc{}
	ids := map[string]doc{}
	var uploads, uploadErrs, posts, postErrs, clients, clientErrs atomic.Int64
	// Uploads over a rotating set of 40 paths.
	wg.Go(func() {
		for i := 0; lctx.Err() == nil; i++ {
			dd := doc{path: fmt.Sprintf("/soak/u-%02d.bin", i%40), seed: uint64(i + 1), size: int64(4<<10 + rnd(1<<20))}
			dd.hash = contentHash(dd.seed, dd.size)
			code, _, err := a.upload(lctx, dd.path, dd.seed, dd.size)
			if err == nil && code == 200 {
				uploads.Add(1)
				mu.Lock()
				uploaded[dd.path] = dd
				mu.Unlock()
			} else if lctx.Err() == nil {
				uploadErrs.Add(1)
			}
			sleepCtx(lctx, time.Duration(300+rnd(700))*time.Millisecond)
		}
	})
	// Transfers of what was uploaded.
	wg.Go(func() {
		for lctx.Err() == nil {
			sleepCtx(lctx, time.Duration(1500+rnd(2000))*time.Millisecond)
			mu.Lock()
			var pick *doc
			for _, dd := range uploaded {
				pick = &dd
				break
			}
			mu.Unlock()
			if pick == nil || lctx.Err() != nil {
				continue
			}
			code, body, err := a.call(lctx, "POST", "/api/v1/transfers", map[string]string{"from": from, "to": to, "document": pick.path})
			var r struct {
				TransferID string `json:"transfer_id"`
			}
			if err == nil && code == 200 && jsonUnmarshal(body, &r) == nil && r.TransferID != "" {
				posts.Add(1)
				mu.Lock()
				ids[r.TransferID] = *pick
				mu.Unlock()
			} else if lctx.Err() == nil {
				postErrs.Add(1)
			}
		}
	})
	// Messages: 8 keys, one in flight each, about 40 a second in all.
	want := map[string]int{}
	var wmu sync.Mutex
	for k := range 8 {
		key := "s" + strconv.Itoa(k)
		wg.Go(func() {
			for seq := 0; lctx.Err() == nil; seq++ {
				for {
					err := p.produce(ctx, key, seq)
					if err == nil {
						break
					}
					if ctx.Err() != nil {
						return
					}
					time.Sleep(500 * time.Millisecond)
				}
				wmu.Lock()
				want[key] = seq + 1
				wmu.Unlock()
				sleepCtx(lctx, 200*time.Millisecond)
			}
		})
	}
	// socket.io clients that connect, subscribe and leave.
	for range 4 {
		wg.Go(func() {
			for lctx.Err() == nil {
				n := a
				if rnd(2) == 1 {
					n = b
				}
				c, err := dialSIO(lctx, n.base, n.user, n.pass, "", nil)
				if err != nil {
					if lctx.Err() == nil {
						clientErrs.Add(1)
					}
					sleepCtx(lctx, time.Second)
					continue
				}
				clients.Add(1)
				dest := idleB
				if n == a {
					dest = idleA
				}
				c.emit(lctx, "subscribe", []string{dest})
				sleepCtx(lctx, time.Duration(500+rnd(3000))*time.Millisecond)
				c.close()
			}
		})
	}
	// Samples.
	every := 10 * time.Second
	if d < 10*time.Minute {
		every = 3 * time.Second
	}
	var sa, sb []sample
	t0 := time.Now()
	wg.Go(func() {
		for lctx.Err() == nil {
			m := time.Since(t0).Minutes()
			for _, x := range []struct {
				n *nodeProc
				s *[]sample
			}{{a, &sa}, {b, &sb}} {
				v, err := x.n.vars(lctx)
				if err == nil {
					*x.s = append(*x.s, sample{t: m, goroutines: float64(v.Goroutines), rssMiB: procRSS(x.n.pid())})
				}
			}
			sleepCtx(lctx, every)
		}
	})
	wg.Wait()

	// Settle: every transfer received, every message delivered.
	mu.Lock()
	idsCopy := map[string]doc{}
	for k, v := range ids {
		idsCopy[k] = v
	}
	mu.Unlock()
	final, err := a.awaitEnded(ctx, 5*time.Minute, "soak transfers to end", idsCopy, 0)
	res.check(err == nil, "%v", err)
	err = poll(ctx, 3*time.Minute, "soak messages delivered", func() (bool, string) {
		s := p.stats(want)
		return s.lost == 0, fmt.Sprint(s.lost, " undelivered")
	})
	res.check(err == nil, "%v", err)
	// Workers of quiet Kafka partitions end after 30 s (messaging/kafka
	// WorkerIdle), and socket.io sessions of clients that left expire: wait
	// up to 90 s for the counts to come back near the baseline, and report
	// where they settled and how long that took.
	settling := time.Now()
	var ga1, gb1 int
	_ = poll(ctx, 90*time.Second, "idle goroutines near the baseline", func() (bool, string) {
		ga1, gb1 = idle()
		return ga1 <= ga0+4 && gb1 <= gb0+4, ""
	})
	res.set("goroutines_settle_seconds", fmt.Sprintf("%.0f", time.Since(settling).Seconds()))
	if pa1, rawA1, err := a.goroutines(ctx); err == nil {
		noteGrownGoroutines(res, h.o.out, "sender", pa0, pa1, rawA0, rawA1)
	}
	if pb1, rawB1, err := b.goroutines(ctx); err == nil {
		noteGrownGoroutines(res, h.o.out, "recipient", pb0, pb1, rawB0, rawB1)
	}
	received, failed := 0, 0
	for _, r := range final {
		if _, ok := idsCopy[r.ID]; ok {
			switch r.Status {
			case "received":
				received++
			case "failed":
				failed++
				res.note("transfer %s failed: %s", r.ID, r.Error)
			}
		}
	}
	s := p.stats(want)
	sent := 0
	for _, n := range want {
		sent += n
	}
	res.set("uploads", uploads.Load())
	res.set("upload_errors", uploadErrs.Load())
	res.set("transfers", len(idsCopy))
	res.set("transfer_post_errors", postErrs.Load())
	res.set("transfers_received", received)
	res.set("transfers_failed", failed)
	res.set("messages", sent)
	res.set("messages_undelivered", s.lost)
	res.set("message_duplicates", s.duplicates)
	res.set("message_order_violations", s.orderViolations)
	res.set("socketio_clients", clients.Load())
	res.set("socketio_client_errors", clientErrs.Load())
	res.set("undelivered", s.lost+len(idsCopy)-received)
	for _, x := range []struct {
		name     string
		s        []sample
		g0, gEnd int
	}{{"sender", sa, ga0, ga1}, {"recipient", sb, gb0, gb1}} {
		var ts, gs, rs []float64
		for _, v := range x.s {
			ts, gs, rs = append(ts, v.t), append(gs, v.goroutines), append(rs, v.rssMiB)
		}
		res.set(x.name+"_samples", len(ts))
		res.set(x.name+"_goroutines_per_min", fmt.Sprintf("%.2f", slope(ts, gs)))
		res.set(x.name+"_rss_mib_per_min", fmt.Sprintf("%.2f", slope(ts, rs)))
		if h := len(ts) / 2; h >= 2 {
			res.set(x.name+"_goroutines_per_min_second_half", fmt.Sprintf("%.2f", slope(ts[h:], gs[h:])))
			res.set(x.name+"_rss_mib_per_min_second_half", fmt.Sprintf("%.2f", slope(ts[h:], rs[h:])))
		}
		if len(rs) > 0 {
			res.set(x.name+"_rss_mib_first_last", fmt.Sprintf("%.0f → %.0f", rs[0], rs[len(rs)-1]))
			res.set(x.name+"_goroutines_first_last", fmt.Sprintf("%.0f → %.0f", gs[0], gs[len(gs)-1]))
		}
		res.set(x.name+"_goroutines_idle_before_after", fmt.Sprintf("%d → %d", x.g0, x.gEnd))
	}
	res.check(s.lost == 0, "%d messages undelivered", s.lost)
	res.check(received == len(idsCopy), "%d of %d transfers received", received, len(idsCopy))
	res.check(s.orderViolations == 0, "%d messages out of order", s.orderViolations)
	return res, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
