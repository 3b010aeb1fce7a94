// Command storagebench measures one storage backend for `make bench`:
// put and get throughput of one large object through Consign's Backend,
// beside a baseline that moves the same bytes in the same run, plus the
// heap growth during Consign's put and get. It prints Markdown table rows
// (measure | command | Consign | baseline | ratio | goal).
//
// Baselines: local — `cp SRC DST && sync DST` and `cp` back out (Consign's
// local put also fsyncs); s3 — the SDK's upload and download managers
// (feature/s3/manager) with their default part size and concurrency;
// azure — azblob's UploadStream with its defaults and DownloadStream.
// Uploads, Consign's and the baselines', read the same file through a
// plain io.Reader (unknown length, no seeking), as a document arriving
// over HTTP would; downloads all discard what they read (`cp` to
// /dev/null), so that they measure the store, not the local disk.
//
// The machine running this is shared, so each side runs three times,
// interleaved (B C C B B C), and the best time of each is reported; dirty
// pages are flushed (untimed) before every timed step.
// Servers come from the CONSIGN_TEST_* variables of .testenv/env.sh.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sys/unix"

	"github.com/consign/consign/internal/cmd/benchkit"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/azure"
	"github.com/consign/consign/storage/local"
	"github.com/consign/consign/storage/s3"
	"github.com/consign/consign/storage/storagetest"
)

func main() {
	backend := flag.String("backend", "", "local, s3 or azure")
	src := flag.String("src", "", "file to move (its size is the object size)")
	work := flag.String("work", "", "scratch directory")
	flag.Parse()
	benchkit.Exit("storagebench", run(context.Background(), *backend, *src, *work))
}

// bench is one backend under test with its baseline.
type bench struct {
	name               string
	putLabel, getLabel string
	store              storage.Backend
	// basePut moves src into the store's server/disk as the baseline's own
	// object; baseGet reads that object out, discarding the bytes.
	basePut func(ctx context.Context, src string) error
	baseGet func(ctx context.Context) error
	// cold, if set, evicts an object from the page cache before a get
	// (consign: Consign's object, else the baseline's), so that both
	// sides read from the disk.
	cold    func(consign bool) error
	cleanup func()
}

func run(ctx context.Context, backend, src, work string) error {
	if src == "" || work == "" {
		return errors.New("-src and -work are required")
	}
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	size := info.Size()
	var b *bench
	switch backend {
	case "local":
		b, err = newLocal(work)
	case "s3":
		b, err = newS3(ctx, work)
	case "azure":
		b, err = newAzure(ctx)
	default:
		return fmt.Errorf("unknown backend %q", backend)
	}
	if err != nil {
		return err
	}
	defer b.cleanup()

	var best struct{ cPut, cGet, bPut, bGet, putHeap, getHeap float64 }
	runBase := func() error {
		d, err := timed(func() error { return b.basePut(ctx, src) })
		if err != nil {
			return fmt.Errorf("baseline put: %w", err)
		}
		best.bPut = max(best.bPut, mbps(size, d))
		if b.cold != nil {
			if err := b.cold(false); err != nil {
				return err
			}
		}
		d, err = timed(func() error { return b.baseGet(ctx) })
		if err != nil {
			return fmt.Errorf("baseline get: %w", err)
		}
		best.bGet = max(best.bGet, mbps(size, d))
		return nil
	}
	runConsign := func() error {
		put, get, putHeap, getHeap, err := consignPutGet(ctx, b, src, size)
		if err != nil {
			return fmt.Errorf("consign: %w", err)
		}
		best.cPut, best.cGet = max(best.cPut, put), max(best.cGet, get)
		best.putHeap, best.getHeap = max(best.putHeap, putHeap), max(best.getHeap, getHeap)
		return nil
	}
	for _, step := range []func() error{runBase, runConsign, runConsign, runBase, runBase, runConsign} {
		if err := step(); err != nil {
			return err
		}
	}

	mib := size >> 20
	cmd := fmt.Sprintf("`scripts/bench/storage.sh` (`storagebench -backend %s`, best of 3)", backend)
	fmt.Printf("| storage %s put %d MiB (MB/s) | %s vs %s | %.1f | %.1f | %.2f× | ≥ 0.8× |\n",
		b.name, mib, cmd, b.putLabel, best.cPut, best.bPut, best.cPut/best.bPut)
	fmt.Printf("| storage %s get %d MiB (MB/s) | %s vs %s | %.1f | %.1f | %.2f× | ≥ 0.8× |\n",
		b.name, mib, cmd, b.getLabel, best.cGet, best.bGet, best.cGet/best.bGet)
	fmt.Printf("| storage %s heap growth, put / get %d MiB (MiB, worst of 3) | %s | %.1f / %.1f | – | – | < 64 |\n",
		b.name, mib, cmd, best.putHeap, best.getHeap)
	return nil
}

func mbps(size int64, d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }

// settle flushes dirty pages machine-wide, so that no timed step pays for
// the writeback of an earlier one.
func settle() { exec.Command("sync").Run() }

// timed settles, then times fn.
func timed(fn func() error) (time.Duration, error) {
	settle()
	t0 := time.Now()
	err := fn()
	return time.Since(t0), err
}

const consignKey = "bench/consign.bin"

// consignPutGet puts src into b and reads it back into dst, timing both
// and sampling the heap.
func consignPutGet(ctx context.Context, bn *bench, src string, size int64) (put, get, putHeap, getHeap float64, err error) {
	b := bn.store
	f, err := os.Open(src)
	if err != nil {
		return
	}
	defer f.Close()
	settle()
	hs := storagetest.StartHeapSampler()
	t0 := time.Now()
	// Hide the file's other methods: Consign streams from a plain Reader.
	obj, err := b.Put(ctx, consignKey, struct{ io.Reader }{f})
	d := time.Since(t0)
	base, peak := hs.Stop()
	if err != nil {
		return
	}
	if obj.Size != size {
		err = fmt.Errorf("put stored %d bytes, want %d", obj.Size, size)
		return
	}
	put, putHeap = mbps(size, d), float64(peak-base)/(1<<20)

	settle()
	if bn.cold != nil {
		if err = bn.cold(true); err != nil {
			return
		}
	}
	hs = storagetest.StartHeapSampler()
	t0 = time.Now()
	rc, err := b.Get(ctx, consignKey, 0, -1)
	if err != nil {
		hs.Stop()
		return
	}
	n, err := io.CopyBuffer(discard{}, struct{ io.Reader }{rc}, make([]byte, 1<<20))
	rc.Close()
	d = time.Since(t0)
	base, peak = hs.Stop()
	if err != nil {
		return
	}
	if n != size {
		err = fmt.Errorf("get returned %d bytes, want %d", n, size)
		return
	}
	get, getHeap = mbps(size, d), float64(peak-base)/(1<<20)
	return
}

// discard is a sink for gets: they measure the backend, not a disk.
type discard struct{}

func (discard) Write(p []byte) (int, error)            { return len(p), nil }
func (discard) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }

func command(name string, args ...string) error {
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, out)
	}
	return nil
}

func newLocal(work string) (*bench, error) {
	root := filepath.Join(work, "local")
	st, err := local.New(local.Config{Root: root, CreateRoot: true})
	if err != nil {
		return nil, err
	}
	baseObj := filepath.Join(root, "baseline.bin")
	return &bench{
		name: "local", putLabel: "`cp SRC DST && sync DST`", getLabel: "`cp STORED /dev/null` (both gets from a cold page cache)",
		store: st,
		basePut: func(_ context.Context, src string) error {
			if err := command("cp", src, baseObj); err != nil {
				return err
			}
			return command("sync", baseObj)
		},
		baseGet: func(context.Context) error { return command("cp", baseObj, "/dev/null") },
		// Consign's Put writes with O_DIRECT, leaving nothing cached, while
		// cp's copy stays cached: without eviction the baseline would read
		// memory and Consign the disk.
		cold: func(consign bool) error {
			if consign {
				return evict(filepath.Join(root, consignKey))
			}
			return evict(baseObj)
		},
		cleanup: func() { st.Close(); os.RemoveAll(root) },
	}, nil
}

func env(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s is not set: source .testenv/env.sh", name)
	}
	return v, nil
}

func newS3(ctx context.Context, work string) (*bench, error) {
	var cfg s3.Config
	var err error
	for _, v := range []struct {
		dst  *string
		name string
	}{{&cfg.Endpoint, "CONSIGN_TEST_S3_ENDPOINT"}, {&cfg.Region, "CONSIGN_TEST_S3_REGION"},
		{&cfg.AccessKey, "CONSIGN_TEST_S3_ACCESS_KEY"}, {&cfg.SecretKey, "CONSIGN_TEST_S3_SECRET_KEY"}} {
		if *v.dst, err = env(v.name); err != nil {
			return nil, err
		}
	}
	cfg.PathStyle, cfg.CreateBucket, cfg.Bucket = true, true, benchkit.RandomName()
	st, err := s3.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c, bucket, baseKey := st.Client(), cfg.Bucket, aws.String("bench/baseline.bin")
	return &bench{
		name: "S3", putLabel: "SDK `manager.Uploader` (defaults, plain reader)", getLabel: "SDK `manager.Downloader` (defaults)",
		store: st,
		basePut: func(ctx context.Context, src string) error {
			return putPlain(src, func(r io.Reader) error {
				//lint:ignore SA1019 the baseline is the SDK's manager.Uploader, the figure BENCHMARKS.md compares with
				_, err := manager.NewUploader(c).Upload(ctx, &awss3.PutObjectInput{Bucket: &bucket, Key: baseKey, Body: r})
				return err
			})
		},
		baseGet: func(ctx context.Context) error {
			//lint:ignore SA1019 the baseline is the SDK's manager.Downloader, the figure BENCHMARKS.md compares with
			_, err := manager.NewDownloader(c).Download(ctx, discard{}, &awss3.GetObjectInput{Bucket: &bucket, Key: baseKey})
			return err
		},
		cleanup: func() {
			for _, k := range []string{*baseKey, consignKey} {
				c.DeleteObject(context.Background(), &awss3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(k)})
			}
			c.DeleteBucket(context.Background(), &awss3.DeleteBucketInput{Bucket: &bucket})
		},
	}, nil
}

// putPlain opens src and hands put a plain io.Reader on it, of unknown
// length and without the file's other methods: the same reader
// Consign's Put gets.
func putPlain(src string, put func(io.Reader) error) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return put(struct{ io.Reader }{f})
}

func newAzure(ctx context.Context) (*bench, error) {
	conn, err := env("CONSIGN_TEST_AZURE_CONNSTR")
	if err != nil {
		return nil, err
	}
	st, err := azure.New(ctx, azure.Config{ConnectionString: conn, Container: benchkit.RandomName(), CreateContainer: true})
	if err != nil {
		return nil, err
	}
	c := st.Client()
	bb := c.NewBlockBlobClient("bench/baseline.bin")
	return &bench{
		name: "Azure Blob", putLabel: "azblob `UploadStream` (defaults, plain reader)", getLabel: "azblob `DownloadStream` (plain)",
		store: st,
		basePut: func(ctx context.Context, src string) error {
			return putPlain(src, func(r io.Reader) error {
				_, err := bb.UploadStream(ctx, r, nil)
				return err
			})
		},
		baseGet: func(ctx context.Context) error {
			// DownloadFile needs a real file and DownloadBuffer the whole
			// object in memory: the SDK's streaming download it is.
			resp, err := bb.BlobClient().DownloadStream(ctx, nil)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.CopyBuffer(discard{}, resp.Body, make([]byte, 1<<20))
			return err
		},
		cleanup: func() { c.Delete(context.Background(), nil) },
	}, nil
}

// evict drops a written file's pages from the page cache.
func evict(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("evict %s: %w", path, err)
	}
	return nil
}
