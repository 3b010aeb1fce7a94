package s3_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/s3"
	"github.com/consign/consign/storage/storagetest"
	"github.com/consign/consign/storage/storagetest/stores"
)

func TestConformance(t *testing.T) {
	cfg := stores.S3Config(t)
	storagetest.Run(t, func(t *testing.T) storage.Backend { return stores.NewS3(t, cfg) })
}

// TestConformanceWithPrefix runs the suite on stores that are folders of
// one shared bucket.
func TestConformanceWithPrefix(t *testing.T) {
	cfg := stores.S3Config(t)
	cfg.Bucket = stores.UniqueName()
	stores.NewS3(t, cfg) // creates the bucket, removes it at the end
	storagetest.RunPrefixed(t, func(t *testing.T, prefix string) storage.Backend {
		c := cfg
		c.Prefix = prefix
		s, err := s3.New(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestForeignObjects checks that objects put into the bucket by other
// means are listed one to one and can be read, that folder markers are
// skipped and that names Consign refuses are reported, not served.
func TestForeignObjects(t *testing.T) {
	s := stores.NewS3(t, stores.S3Config(t))
	ctx := t.Context()
	bucket := bucketFromStore(t, s)
	for _, name := range []string{"scans/2026/invoice 1.pdf", "scans/", "scans/2026/", "readme.txt", `back\slash.txt`} {
		body := "foreign " + name
		if strings.HasSuffix(name, "/") {
			body = ""
		}
		if _, err := s.Client().PutObject(ctx, &awss3.PutObjectInput{Bucket: &bucket, Key: aws.String(name), Body: strings.NewReader(body)}); err != nil {
			t.Logf("server refused foreign name %q: %v", name, err)
		}
	}
	storagetest.CheckForeign(t, s, []string{"readme.txt", "scans/2026/invoice 1.pdf"}, []string{`back\slash.txt`})
	page, err := s.List(ctx, storage.ListOptions{Prefix: "scans/", Delimiter: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 0 || !slices.Equal(page.Prefixes, []string{"scans/2026/"}) {
		t.Errorf("List(scans/) = %+v, want only the prefix scans/2026/", page)
	}
}

func bucketFromStore(t *testing.T, s *s3.Store) string {
	t.Helper()
	out, err := s.Client().ListBuckets(t.Context(), &awss3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	// The newest consign-test bucket is ours; find it by probing with a
	// marker object put through the store.
	if _, err := s.Put(t.Context(), "probe", strings.NewReader("p")); err != nil {
		t.Fatal(err)
	}
	defer s.Delete(t.Context(), "probe")
	for _, b := range out.Buckets {
		if _, err := s.Client().HeadObject(t.Context(), &awss3.HeadObjectInput{Bucket: b.Name, Key: aws.String("probe")}); err == nil {
			return *b.Name
		}
	}
	t.Fatal("bucket not found")
	return ""
}

func TestConfigValidate(t *testing.T) {
	bad := []s3.Config{
		{},
		{Bucket: "b", AccessKey: "only-access"},
		{Bucket: "b", PartSize: 1 << 20},
		{Bucket: "b", Prefix: "no-slash"},
		{Bucket: "b", Prefix: "../"},
		{Bucket: "b", Endpoint: "127.0.0.1:9000"},
		{Bucket: "b", Concurrency: -1},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", c)
		}
	}
	if err := (s3.Config{Bucket: "b", Prefix: "tenant/"}).Validate(); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
}

// TestChunkedGet reads with a tiny chunk size, so that read-ahead,
// direct streaming when buffers run out, and If-Match pinning are all
// exercised on a small object.
func TestChunkedGet(t *testing.T) {
	cfg := stores.S3Config(t)
	s := stores.NewS3(t, cfg)
	ctx := t.Context()
	data := make([]byte, 1_000_003)
	rand.Read(data)
	if _, err := s.Put(ctx, "obj", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	bucket := bucketFromStore(t, s)
	for _, conc := range []int{1, 3} {
		small := s3.NewFromClient(s.Client(), s3.Config{Bucket: bucket, PartSize: 64 << 10, Concurrency: conc})
		n := int64(len(data))
		for _, c := range [][2]int64{{0, -1}, {1, -1}, {65535, 65538}, {100_000, 300_000}, {n - 70_000, -1}, {0, n + 5}} {
			end := n
			if c[1] >= 0 && c[0]+c[1] < n {
				end = c[0] + c[1]
			}
			// Two readers at once, so that one of them finds no free buffer.
			r1, err := small.Get(ctx, "obj", c[0], c[1])
			if err != nil {
				t.Fatal(err)
			}
			r2, err := small.Get(ctx, "obj", c[0], c[1])
			if err != nil {
				t.Fatal(err)
			}
			got1, err1 := io.ReadAll(iotest.OneByteReader(io.LimitReader(r1, 10)))
			rest1, err1b := io.ReadAll(r1)
			got2, err2 := io.ReadAll(r2)
			r1.Close()
			r2.Close()
			if err := errors.Join(err1, err1b, err2); err != nil {
				t.Fatalf("conc %d range %v: %v", conc, c, err)
			}
			if !bytes.Equal(append(got1, rest1...), data[c[0]:end]) || !bytes.Equal(got2, data[c[0]:end]) {
				t.Fatalf("conc %d range %v: content differs", conc, c)
			}
		}
		// Closing early returns the buffers: later reads still work.
		r, err := small.Get(ctx, "obj", 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(r, make([]byte, 100_000)); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if _, err := r.Read(make([]byte, 10)); err == nil {
			t.Fatal("Read after Close succeeded")
		}
	}
	// An overwrite during a read ends it with an error, never a mix.
	small := s3.NewFromClient(s.Client(), s3.Config{Bucket: bucket, PartSize: 64 << 10, Concurrency: 1})
	r, err := small.Get(ctx, "obj", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	other := bytes.Repeat([]byte("B"), len(data))
	if _, err := s.Put(ctx, "obj", bytes.NewReader(other)); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err == nil {
		// Only acceptable if everything had been fetched ahead already.
		if !bytes.Equal(append(head, rest...), data) {
			t.Fatal("read across an overwrite returned a mix")
		}
		t.Log("whole object was read ahead before the overwrite")
	} else {
		t.Logf("read across an overwrite failed as it should: %v", err)
	}
}

// TestFailedPutAbortsUpload checks that a multipart Put that fails midway
// aborts its upload on the server, so no parts linger.
func TestFailedPutAbortsUpload(t *testing.T) {
	s := stores.NewS3(t, stores.S3Config(t))
	ctx := t.Context()
	bucket := bucketFromStore(t, s)
	boom := errors.New("reader broke")
	// 20 MiB then an error: two parts uploaded, the third never comes.
	r := io.MultiReader(storagetest.Generator(3, 20<<20), iotest.ErrReader(boom))
	if _, err := s.Put(ctx, "big", r); !errors.Is(err, boom) {
		t.Fatalf("Put: %v, want the reader's error", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	r = io.MultiReader(storagetest.Generator(3, 20<<20), readerFunc(func([]byte) (int, error) {
		cancel() // cancelled midway, with parts uploaded
		return 0, context.Canceled
	}))
	if _, err := s.Put(cctx, "big2", r); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Put: %v", err)
	}
	out, err := s.Client().ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 0 {
		t.Fatalf("%d multipart uploads left after failed Puts", len(out.Uploads))
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
