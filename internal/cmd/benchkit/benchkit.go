// Package benchkit is what the benchmark programs under internal/cmd share:
// how a program reports a failure, names its scratch resources, and measures
// heap growth. It is for those programs only.
package benchkit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/consign/consign/storage/storagetest"
)

// Exit prints "program: err" to standard error and exits with status 1 when
// err is not nil; it returns otherwise.
func Exit(program string, err error) {
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", program, err)
	os.Exit(1)
}

// RandomName is a fresh name for a scratch bucket, container or topic:
// "consign-bench-" and twelve hex digits.
func RandomName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "consign-bench-" + hex.EncodeToString(b[:])
}

// Heap samples the heap in use from Start until Stop.
type Heap struct{ s *storagetest.HeapSampler }

// StartHeap collects garbage, records the heap in use as the base and
// samples it every few milliseconds until Stop.
func StartHeap() Heap { return Heap{storagetest.StartHeapSampler()} }

// StopMiB ends sampling and returns the peak growth over the base, in MiB.
func (h Heap) StopMiB() float64 {
	base, peak := h.s.Stop()
	return float64(peak-base) / (1 << 20)
}
