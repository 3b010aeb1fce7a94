package docstore_test

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/storage/storagetest"
	"github.com/consign/consign/storage/storagetest/stores"
)

// heapSampler records the peak of the Go heap in use while it runs.
type heapSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	peak uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			v := heapNow()
			h.mu.Lock()
			h.peak = max(h.peak, v)
			h.mu.Unlock()
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) done() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak
}

// TestTransferLarge sends a large incompressible document between two
// nodes in this process over the real Kafka broker (outside the process,
// so that its log is not counted) and checks that the Go heap stays
// bounded whatever the size.
func TestTransferLarge(t *testing.T) {
	size := storagetest.LargeSize() // 1 GiB with CONSIGN_TEST_LARGE=1, else 64 MiB
	tr := app2apptest.Kafka(t)
	alice, bob := app2apptest.RandomID("alice"), app2apptest.RandomID("bob")
	net := newNet(t, tr, alice, bob)
	a := net.newNode(t, alice, stores.Local(t), nil)
	b := net.newNode(t, bob, stores.Local(t), nil)
	a.put(t, "/large.bin", randomReader(99, size))
	want, _ := shaOf(t, randomReader(99, size))

	runtime.GC()
	base := heapNow()
	hs := startHeapSampler()
	start := time.Now()
	sent := a.send(t, b, "/large.bin")
	got := a.wait(t, sent.ID)
	elapsed := time.Since(start)
	peak := hs.done()
	if got.Status != docstore.StatusReceived || got.Hash != want {
		t.Fatalf("sender's record: %+v", got)
	}
	if h, n := b.readHash(t, a.received("large.bin")); h != want || n != size {
		t.Fatalf("received copy: %s, %d bytes", h, n)
	}
	growth := int64(peak) - int64(base)
	t.Logf("%d MiB in %v (%.0f MB/s, both nodes in one process); heap %.1f MiB before, peak %.1f MiB (growth %.1f MiB)",
		size>>20, elapsed.Round(time.Millisecond), float64(size)/elapsed.Seconds()/1e6,
		float64(base)/(1<<20), float64(peak)/(1<<20), float64(growth)/(1<<20))
	// Both nodes together: a few MiB of shard buffers each, the
	// envelope's blocks, the Kafka client's fetch buffers. Independent of
	// the document's size.
	const limit = 96 << 20
	if growth > limit {
		t.Errorf("heap grew by %.1f MiB during a %d MiB transfer; limit %d MiB", float64(growth)/(1<<20), size>>20, limit>>20)
	}
}
