package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// watcher polls a node's listings and downloads while faults go on and
// checks that every document it can see is complete: listed with the size
// and hash of what was uploaded, and downloadable only whole.
type watcher struct {
	n     *nodeProc
	roots []string
	known func(name string) (doc, bool)

	listed, downloads, downloadErrors, truncatedDetected atomic.Int64
	partialListed, partialDownloaded, unknown            atomic.Int64
	mu                                                   sync.Mutex
	examples                                             []string
}

func (w *watcher) bad(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	w.mu.Lock()
	if len(w.examples) < 10 {
		w.examples = append(w.examples, fmt.Sprintf(format, args...))
	}
	w.mu.Unlock()
}

func (w *watcher) run(ctx context.Context) {
	for ctx.Err() == nil {
		for _, root := range w.roots {
			w.walk(ctx, root, 0)
		}
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (w *watcher) walk(ctx context.Context, dir string, depth int) {
	lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	es, _, err := w.n.list(lctx, dir)
	if err != nil || depth > 4 {
		return
	}
	for _, e := range es {
		p := path.Join(dir, e.Name)
		if e.IsDirectory {
			w.walk(ctx, p, depth+1)
			continue
		}
		w.listed.Add(1)
		d, ok := w.known(e.Name)
		if !ok {
			w.bad(&w.unknown, "%s listed but never uploaded", p)
			continue
		}
		if e.Size != d.size || (e.Hash != "" && e.Hash != d.hash) {
			w.bad(&w.partialListed, "%s listed with size %d hash %s, uploaded %d %s", p, e.Size, e.Hash, d.size, d.hash)
			continue
		}
		code, sum, got, announced, err := w.n.download(lctx, p)
		w.downloads.Add(1)
		switch {
		case err != nil && code == 200:
			// The body ended early; Content-Length told the client so.
			w.truncatedDetected.Add(1)
		case err != nil || code != 200:
			w.downloadErrors.Add(1)
		case sum != d.hash || got != d.size:
			w.bad(&w.partialDownloaded, "%s downloaded %d bytes (announced %d) hash %s, uploaded %d %s", p, got, announced, sum, d.size, d.hash)
		}
	}
}

// r5Transfers makes the nodes give a transfer up after its second failed
// attempt in a row rather than its sixteenth (about 40 minutes), so that
// the outage shows a retry ending in a clear failure: with two sent at a
// time and a failed S3 read taking about 2 s, a transfer queued when S3
// goes can make two attempts or more in the 20 s it is away.
const r5Transfers = "  retry_min: 1s\n  retry_max: 2s\n  max_failures: 2\n"

// runR5: uploads and transfers between two nodes whose S3 server is first
// stopped (SIGKILL) and restarted, then reached through a fault proxy that
// slows, stalls and cuts its connections. Throughout, listings and
// downloads on both nodes are checked: no partial document may ever be
// visible. Uploads must fail with a clear error or succeed; every transfer
// must end received or failed with a reason.
func runR5(ctx context.Context, h *harness) (*Result, error) {
	res := newResult("r5")
	phase, maxSize := 20*time.Second, int64(8<<20)
	if h.o.short {
		phase, maxSize = 5*time.Second, 2<<20
	}
	s3u, err := url.Parse(h.o.s3)
	if err != nil {
		return res, err
	}
	proxy, err := newFaultProxy(s3u.Host)
	if err != nil {
		return res, err
	}
	defer proxy.close()
	endpoint := "http://" + proxy.addr()
	var nodes [2]*nodeProc
	for i, org := range []string{"Alpha Trading", "Beta Shipping"} {
		bk, err := h.bucket(ctx, "chaos-r5")
		if err != nil {
			return res, err
		}
		if nodes[i], err = h.newNode(ctx, "r5"+string(rune('a'+i)), org, h.s3YAML(endpoint, bk), r5Transfers); err != nil {
			return res, err
		}
	}
	a, b := nodes[0], nodes[1]
	from, to, err := destinationPair(ctx, a, b, "docs", "documentstore")
	if err != nil {
		return res, err
	}

	var mu sync.Mutex
	docs := map[string]doc{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	newDoc := func(tag string) doc {
		mu.Lock()
		defer mu.Unlock()
		d := doc{path: fmt.Sprintf("/r5/%s-%03d.bin", tag, len(docs)), seed: rng.Uint64(), size: logUniform(rng, 1<<10, maxSize)}
		d.hash = contentHash(d.seed, d.size)
		docs[path.Base(d.path)] = d
		return d
	}
	known := func(name string) (doc, bool) {
		mu.Lock()
		defer mu.Unlock()
		d, ok := docs[name]
		return d, ok
	}
	wctx, stopWatch := context.WithCancel(ctx)
	wa := &watcher{n: a, roots: []string{"/r5"}, known: known}
	wb := &watcher{n: b, roots: []string{"/received"}, known: known}
	var wwg sync.WaitGroup
	wwg.Go(func() { wa.run(wctx) })
	wwg.Go(func() { wb.run(wctx) })

	// Documents to transfer during the faults, uploaded beforehand.
	var base []doc
	for range 6 {
		base = append(base, newDoc("base"))
	}
	if err := uploadAll(ctx, a, base); err != nil {
		stopWatch()
		return res, err
	}

	type outcome struct{ ok, clear, unclear, timeout int }
	uploads := map[string]*outcome{}
	var omu sync.Mutex
	okUploads := map[string]doc{}
	var transferIDs sync.Map
	var postRefused, postUnclear atomic.Int64
	post := func(d doc) {
		pctx, pcancel := context.WithTimeout(ctx, 45*time.Second)
		defer pcancel()
		code, body, err := a.call(pctx, "POST", "/api/v1/transfers", map[string]string{"from": from, "to": to, "document": d.path})
		var r struct {
			TransferID string `json:"transfer_id"`
		}
		switch {
		case err == nil && code == 200 && jsonUnmarshal(body, &r) == nil && r.TransferID != "":
			transferIDs.Store(r.TransferID, d)
		case err == nil && code >= 400 && strings.Contains(string(body), `"error"`):
			postRefused.Add(1)
		default:
			postUnclear.Add(1)
		}
	}
	// load uploads and transfers while the current fault lasts.
	load := func(name string, d time.Duration) {
		lctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		omu.Lock()
		uploads[name] = &outcome{}
		o := uploads[name]
		omu.Unlock()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for lctx.Err() == nil {
					dd := newDoc(name)
					uctx, ucancel := context.WithTimeout(ctx, 45*time.Second)
					code, body, err := a.upload(uctx, dd.path, dd.seed, dd.size)
					ucancel()
					omu.Lock()
					switch {
					case err == nil && code == 200:
						o.ok++
						okUploads[dd.path] = dd
					case err == nil && code >= 400 && strings.Contains(string(body), `"error"`):
						o.clear++
					case errors.Is(err, context.DeadlineExceeded):
						o.timeout++
					default:
						o.unclear++
						res.note("upload during %s: %d %v %s", name, code, err, clip(string(body), 160))
					}
					omu.Unlock()
				}
			})
		}
		wg.Go(func() {
			for i := 0; lctx.Err() == nil; i++ {
				post(base[i%len(base)])
				select {
				case <-lctx.Done():
				case <-time.After(time.Second):
				}
			}
		})
		wg.Wait()
	}

	load("before", phase/2)
	// S3 stopped.
	if err := h.killServer(ctx, "s3"); err != nil {
		stopWatch()
		return res, err
	}
	load("stopped", phase)
	if err := h.startServer(ctx, "s3"); err != nil {
		stopWatch()
		return res, err
	}
	proxy.set(modeDelay, 40*time.Millisecond) // about 800 KiB/s a connection
	load("slow", phase)
	proxy.set(modeStall, 0)
	load("stalled", phase)
	proxy.set(modeCut, 0)
	load("cut", phase)
	proxy.set(modePass, 0)
	load("after", phase/2)

	settle := 10 * time.Minute
	if h.o.short {
		settle = 2 * time.Minute
	}
	ids := map[string]doc{}
	transferIDs.Range(func(k, v any) bool { ids[k.(string)] = v.(doc); return true })
	final, err := a.awaitEnded(ctx, settle, "every R5 transfer to end", ids, 0)
	res.check(err == nil, "%v", err)
	time.Sleep(2 * time.Second) // one more look at both nodes
	stopWatch()
	wwg.Wait()

	received, failed, failedNoReason, gaveUp := 0, 0, 0, 0
	reasons := map[string]int{}
	for _, r := range final {
		if _, ok := ids[r.ID]; !ok {
			continue
		}
		switch r.Status {
		case "received":
			received++
		case "failed":
			failed++
			if strings.Contains(r.Error, "attempts in a row failed") {
				gaveUp++
			}
			if r.Error == "" {
				failedNoReason++
			} else {
				reasons[clip(r.Error, 100)]++
			}
		}
	}
	for why, c := range reasons {
		res.note("%d transfers failed: %s", c, why)
	}
	// Every upload that answered 200 is intact now.
	intact, broken := 0, 0
	for p, d := range okUploads {
		code, sum, _, _, err := a.download(ctx, p)
		if err == nil && code == 200 && sum == d.hash {
			intact++
		} else {
			broken++
		}
	}
	for _, name := range []string{"before", "stopped", "slow", "stalled", "cut", "after"} {
		o := uploads[name]
		res.set("uploads_"+name, fmt.Sprintf("%d ok, %d clear error, %d timed out (45 s), %d other", o.ok, o.clear, o.timeout, o.unclear))
	}
	res.set("transfers_posted", len(ids))
	res.set("transfer_posts_refused_clearly", postRefused.Load())
	res.set("transfer_posts_other_errors", postUnclear.Load())
	res.set("transfers_received", received)
	res.set("transfers_failed_with_reason", failed-failedNoReason)
	res.set("transfers_failed_without_reason", failedNoReason)
	res.set("transfers_failed_after_retries", gaveUp)
	res.set("uploads_ok_intact_after", fmt.Sprintf("%d of %d", intact, intact+broken))
	for _, w := range []struct {
		name string
		w    *watcher
	}{{"sender", wa}, {"recipient", wb}} {
		res.set(w.name+"_listed_checks", w.w.listed.Load())
		res.set(w.name+"_downloads_checked", w.w.downloads.Load())
		res.set(w.name+"_download_errors", w.w.downloadErrors.Load())
		res.set(w.name+"_truncated_downloads_detected_by_length", w.w.truncatedDetected.Load())
		res.set(w.name+"_partial_listed", w.w.partialListed.Load())
		res.set(w.name+"_partial_downloaded", w.w.partialDownloaded.Load())
		res.set(w.name+"_unknown_listed", w.w.unknown.Load())
		for _, e := range w.w.examples {
			res.note("%s: %s", w.name, e)
		}
		res.check(w.w.partialListed.Load() == 0 && w.w.partialDownloaded.Load() == 0 && w.w.unknown.Load() == 0,
			"%s: partial documents visible (%d listed, %d downloaded, %d unknown)", w.name, w.w.partialListed.Load(), w.w.partialDownloaded.Load(), w.w.unknown.Load())
	}
	partial := wa.partialListed.Load() + wa.partialDownloaded.Load() + wb.partialListed.Load() + wb.partialDownloaded.Load()
	res.set("partial_documents_visible", partial)
	res.check(received+failed == len(ids), "%d of %d transfers ended", received+failed, len(ids))
	res.check(failedNoReason == 0, "%d transfers failed without a reason", failedNoReason)
	res.check(broken == 0, "%d uploads answered 200 but are not intact", broken)
	return res, nil
}
