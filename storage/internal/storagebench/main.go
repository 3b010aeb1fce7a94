// Command storagebench measures one storage backend for `make bench`:
// put and get throughput of one large object through Consign's Backend,
// beside a baseline that moves the same bytes in the same run, plus the
// heap growth during Consign's put and get. It prints Markdown table rows
// (measure | command | Consign | baseline | ratio | goal).
//
// Baselines: local — `cp SRC DST && sync DST` and `cp` back out (Consign's
// local put also fsyncs); s3 — the SDK's upload and download managers
// (feature/s3/manager) with their default part size and concurrency;
// azure — azblob's UploadStream and DownloadFile with their defaults.
// Uploads, Consign's and the baselines', read the same file through a
// plain io.Reader (unknown length, no seeking), as a document arriving
// over HTTP would; downloads all write to a file. Dirty pages are flushed
// (untimed) before every timed step.
// Servers come from the CONSIGN_TEST_* variables of .testenv/env.sh.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	if err := run(context.Background(), *backend, *src, *work); err != nil {
		fmt.Fprintln(os.Stderr, "storagebench:", err)
		os.Exit(1)
	}
}

type result struct {
	consignPut, consignGet   float64 // MB/s
	basePut, baseGet         float64
	putHeap, getHeap         float64 // MiB of growth
	putLabel, getLabel, name string
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
	var res result
	switch backend {
	case "local":
		res, err = benchLocal(ctx, src, work, size)
	case "s3":
		res, err = benchS3(ctx, src, work, size)
	case "azure":
		res, err = benchAzure(ctx, src, work, size)
	default:
		return fmt.Errorf("unknown backend %q", backend)
	}
	if err != nil {
		return err
	}
	mib := size >> 20
	cmd := fmt.Sprintf("`scripts/bench/storage.sh` (`storagebench -backend %s`)", backend)
	fmt.Printf("| storage %s put %d MiB (MB/s) | %s vs %s | %.1f | %.1f | %.2f× | ≥ 0.8× |\n",
		res.name, mib, cmd, res.putLabel, res.consignPut, res.basePut, res.consignPut/res.basePut)
	fmt.Printf("| storage %s get %d MiB (MB/s) | %s vs %s | %.1f | %.1f | %.2f× | ≥ 0.8× |\n",
		res.name, mib, cmd, res.getLabel, res.consignGet, res.baseGet, res.consignGet/res.baseGet)
	fmt.Printf("| storage %s heap growth, put / get %d MiB (MiB) | %s | %.1f / %.1f | – | – | < 64 |\n",
		res.name, mib, cmd, res.putHeap, res.getHeap)
	return nil
}

func mbps(size int64, d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }

// consignPutGet puts src into b as key and reads it back into dst,
// timing both and sampling the heap.
func consignPutGet(ctx context.Context, b storage.Backend, key, src, dst string, size int64, res *result) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	settle()
	hs := storagetest.StartHeapSampler()
	t0 := time.Now()
	// Hide the file's other methods: Consign streams from a plain Reader.
	obj, err := b.Put(ctx, key, struct{ io.Reader }{f})
	d := time.Since(t0)
	base, peak := hs.Stop()
	if err != nil {
		return err
	}
	if obj.Size != size {
		return fmt.Errorf("put stored %d bytes, want %d", obj.Size, size)
	}
	res.consignPut, res.putHeap = mbps(size, d), float64(peak-base)/(1<<20)

	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	settle()
	hs = storagetest.StartHeapSampler()
	t0 = time.Now()
	rc, err := b.Get(ctx, key, 0, -1)
	if err != nil {
		hs.Stop()
		return err
	}
	n, err := io.Copy(struct{ io.Writer }{out}, rc)
	rc.Close()
	d = time.Since(t0)
	base, peak = hs.Stop()
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("get returned %d bytes, want %d", n, size)
	}
	res.consignGet, res.getHeap = mbps(size, d), float64(peak-base)/(1<<20)
	return os.Remove(dst)
}

// settle flushes dirty pages machine-wide (untimed), so that no timed
// step pays for the writeback of an earlier one.
func settle() { exec.Command("sync").Run() }

func timeCmd(name string, args ...string) (time.Duration, error) {
	t0 := time.Now()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s: %v: %s", name, err, out)
	}
	return time.Since(t0), nil
}

func benchLocal(ctx context.Context, src, work string, size int64) (result, error) {
	res := result{name: "local", putLabel: "`cp SRC DST && sync DST`", getLabel: "`cp` out of the store"}
	root := filepath.Join(work, "local")
	st, err := local.New(local.Config{Root: root, CreateRoot: true})
	if err != nil {
		return res, err
	}
	defer st.Close()
	// Baseline first, on its own copy.
	baseDst := filepath.Join(root, "baseline.bin")
	settle()
	d1, err := timeCmd("cp", src, baseDst)
	if err != nil {
		return res, err
	}
	d2, err := timeCmd("sync", baseDst)
	if err != nil {
		return res, err
	}
	res.basePut = mbps(size, d1+d2)
	settle()
	d, err := timeCmd("cp", baseDst, filepath.Join(work, "baseline.out"))
	if err != nil {
		return res, err
	}
	res.baseGet = mbps(size, d)
	os.Remove(filepath.Join(work, "baseline.out"))
	os.Remove(baseDst)

	if err := consignPutGet(ctx, st, "bench/consign.bin", src, filepath.Join(work, "consign.out"), size, &res); err != nil {
		return res, fmt.Errorf("consign: %w", err)
	}
	return res, st.Delete(ctx, "bench/consign.bin")
}

func env(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s is not set: source .testenv/env.sh", name)
	}
	return v, nil
}

func randomName() string {
	var b [6]byte
	rand.Read(b[:])
	return "consign-bench-" + hex.EncodeToString(b[:])
}

func benchS3(ctx context.Context, src, work string, size int64) (result, error) {
	res := result{name: "S3", putLabel: "SDK `manager.Uploader` (defaults, plain reader)", getLabel: "SDK `manager.Downloader` (defaults)"}
	var cfg s3.Config
	var err error
	for _, v := range []struct {
		dst  *string
		name string
	}{{&cfg.Endpoint, "CONSIGN_TEST_S3_ENDPOINT"}, {&cfg.Region, "CONSIGN_TEST_S3_REGION"},
		{&cfg.AccessKey, "CONSIGN_TEST_S3_ACCESS_KEY"}, {&cfg.SecretKey, "CONSIGN_TEST_S3_SECRET_KEY"}} {
		if *v.dst, err = env(v.name); err != nil {
			return res, err
		}
	}
	cfg.PathStyle, cfg.CreateBucket, cfg.Bucket = true, true, randomName()
	st, err := s3.New(ctx, cfg)
	if err != nil {
		return res, err
	}
	c := st.Client()
	bucket := cfg.Bucket
	defer func() {
		for _, k := range []string{"bench/baseline.bin", "bench/consign.bin"} {
			c.DeleteObject(context.Background(), &awss3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(k)})
		}
		c.DeleteBucket(context.Background(), &awss3.DeleteBucketInput{Bucket: &bucket})
	}()

	f, err := os.Open(src)
	if err != nil {
		return res, err
	}
	defer f.Close()
	settle()
	t0 := time.Now()
	// The same plain io.Reader of unknown length that Consign gets.
	if _, err := manager.NewUploader(c).Upload(ctx, &awss3.PutObjectInput{Bucket: &bucket, Key: aws.String("bench/baseline.bin"), Body: struct{ io.Reader }{f}}); err != nil {
		return res, fmt.Errorf("baseline upload: %w", err)
	}
	res.basePut = mbps(size, time.Since(t0))
	out, err := os.Create(filepath.Join(work, "baseline.out"))
	if err != nil {
		return res, err
	}
	settle()
	t0 = time.Now()
	n, err := manager.NewDownloader(c).Download(ctx, out, &awss3.GetObjectInput{Bucket: &bucket, Key: aws.String("bench/baseline.bin")})
	res.baseGet = mbps(size, time.Since(t0))
	out.Close()
	os.Remove(out.Name())
	if err != nil || n != size {
		return res, fmt.Errorf("baseline download: %d bytes, %v", n, err)
	}
	if err := consignPutGet(ctx, st, "bench/consign.bin", src, filepath.Join(work, "consign.out"), size, &res); err != nil {
		return res, fmt.Errorf("consign: %w", err)
	}
	return res, nil
}

func benchAzure(ctx context.Context, src, work string, size int64) (result, error) {
	res := result{name: "Azure Blob", putLabel: "azblob `UploadStream` (defaults, plain reader)", getLabel: "azblob `DownloadFile` (defaults)"}
	conn, err := env("CONSIGN_TEST_AZURE_CONNSTR")
	if err != nil {
		return res, err
	}
	st, err := azure.New(ctx, azure.Config{ConnectionString: conn, Container: randomName(), CreateContainer: true})
	if err != nil {
		return res, err
	}
	c := st.Client()
	defer c.Delete(context.Background(), nil)

	f, err := os.Open(src)
	if err != nil {
		return res, err
	}
	defer f.Close()
	bb := c.NewBlockBlobClient("bench/baseline.bin")
	settle()
	t0 := time.Now()
	if _, err := bb.UploadStream(ctx, struct{ io.Reader }{f}, nil); err != nil {
		return res, fmt.Errorf("baseline upload: %w", err)
	}
	res.basePut = mbps(size, time.Since(t0))
	out, err := os.Create(filepath.Join(work, "baseline.out"))
	if err != nil {
		return res, err
	}
	settle()
	t0 = time.Now()
	n, err := bb.BlobClient().DownloadFile(ctx, out, nil)
	res.baseGet = mbps(size, time.Since(t0))
	out.Close()
	os.Remove(out.Name())
	if err != nil || n != size {
		return res, fmt.Errorf("baseline download: %d bytes, %v", n, err)
	}
	if err := consignPutGet(ctx, st, "bench/consign.bin", src, filepath.Join(work, "consign.out"), size, &res); err != nil {
		return res, fmt.Errorf("consign: %w", err)
	}
	return res, nil
}
