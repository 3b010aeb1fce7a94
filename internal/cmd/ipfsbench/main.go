// Command ipfsbench measures the IPFS backend for scripts/bench/ipfs.sh:
// it puts one file into a fresh store (embedded, or through a Kubo node),
// reads it back, and prints one JSON line with the rates, the peak heap
// growth of each phase and the object's CID.
//
//	go run ./internal/cmd/ipfsbench -mode embedded -in FILE -dir DIR
//	go run ./internal/cmd/ipfsbench -mode kubo -api URL -in FILE -dir DIR
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/consign/consign/internal/cmd/benchkit"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/ipfs"
)

type result struct {
	Mode        string  `json:"mode"`
	Bytes       int64   `json:"bytes"`
	CID         string  `json:"cid"`
	PutMBps     float64 `json:"put_mbps"`
	GetMBps     float64 `json:"get_mbps"`
	PutHeapMiB  float64 `json:"put_heap_growth_mib"`
	GetHeapMiB  float64 `json:"get_heap_growth_mib"`
	PutSeconds  float64 `json:"put_seconds"`
	GetSeconds  float64 `json:"get_seconds"`
	DeleteError string  `json:"delete_error,omitempty"`
}

func main() {
	mode := flag.String("mode", "embedded", "embedded or kubo")
	in := flag.String("in", "", "file to store")
	dir := flag.String("dir", "", "store directory (index, and blocks in embedded mode)")
	api := flag.String("api", "", "Kubo RPC URL (kubo mode)")
	noSync := flag.Bool("nosync", false, "embedded mode without fsync (Config.NoSync)")
	flag.Parse()
	benchkit.Exit("ipfsbench", run(*mode, *in, *dir, *api, *noSync))
}

func run(mode, in, dir, api string, noSync bool) error {
	ctx := context.Background()
	cfg := ipfs.Config{Dir: dir, API: api, NoSync: noSync}
	var (
		b   storage.Backend
		err error
	)
	switch mode {
	case "embedded":
		b, err = ipfs.NewEmbedded(cfg)
	case "kubo":
		b, err = ipfs.NewKubo(cfg)
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		return err
	}
	defer storage.Close(b)
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	res := result{Mode: mode}

	s := benchkit.StartHeap()
	t0 := time.Now()
	o, err := b.Put(ctx, "bench/object", f)
	if err != nil {
		return err
	}
	res.PutSeconds = time.Since(t0).Seconds()
	res.PutHeapMiB = s.StopMiB()
	res.Bytes, res.CID = o.Size, o.Ref

	s = benchkit.StartHeap()
	t0 = time.Now()
	rc, err := b.Get(ctx, "bench/object", 0, -1)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	if err != nil {
		return err
	}
	if n != o.Size {
		return fmt.Errorf("read back %d bytes of %d", n, o.Size)
	}
	res.GetSeconds = time.Since(t0).Seconds()
	res.GetHeapMiB = s.StopMiB()
	res.PutMBps = float64(o.Size) / 1e6 / res.PutSeconds
	res.GetMBps = float64(o.Size) / 1e6 / res.GetSeconds
	if err := b.Delete(ctx, "bench/object"); err != nil {
		res.DeleteError = err.Error()
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// heapSampler records the peak growth of the heap in use over a phase.
