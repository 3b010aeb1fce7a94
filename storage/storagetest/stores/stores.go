// Package stores makes storage backends for tests, on a temporary
// directory or on the test servers internal/testenv names: each S3 store
// on a new bucket and each Azure store on a new container, removed when
// the test ends. A test that needs a server fails, or skips, as
// testenv.Get decides when the server is not configured.
package stores

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/azure"
	"github.com/consign/consign/storage/ipfs"
	"github.com/consign/consign/storage/local"
	"github.com/consign/consign/storage/s3"
)

// UniqueName returns a new bucket or container name, "consign-test-"
// and 12 random hexadecimal digits.
func UniqueName() string {
	var b [6]byte
	rand.Read(b[:])
	return "consign-test-" + hex.EncodeToString(b[:])
}

// orUnique is name, or a UniqueName when name is empty.
func orUnique(name string) string {
	if name == "" {
		return UniqueName()
	}
	return name
}

// opened fails t when err is set; otherwise it has cleanup run at the
// end of the test and returns s.
func opened[S any](t *testing.T, s S, err error, cleanup func()) S {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	return s
}

// Local is a local store on a directory of its own.
func Local(t *testing.T) storage.Backend {
	t.Helper()
	s, err := local.New(local.Config{Root: t.TempDir()})
	return opened(t, s, err, func() { s.Close() })
}

// S3Config returns the settings of the test S3 server, without a bucket.
func S3Config(t *testing.T) s3.Config {
	return s3.Config{
		Endpoint:  testenv.Get(t, testenv.S3Endpoint),
		Region:    testenv.Get(t, testenv.S3Region),
		AccessKey: testenv.Get(t, testenv.S3AccessKey),
		SecretKey: testenv.Get(t, testenv.S3SecretKey),
		PathStyle: true,
	}
}

// S3 is a store on a new bucket of the test S3 server.
func S3(t *testing.T) storage.Backend { return NewS3(t, S3Config(t)) }

// NewS3 makes a store with cfg, creating cfg.Bucket (a new name when it
// is empty); the bucket is emptied and removed after the test.
func NewS3(t *testing.T, cfg s3.Config) *s3.Store {
	t.Helper()
	cfg.Bucket, cfg.CreateBucket = orUnique(cfg.Bucket), true
	s, err := s3.New(t.Context(), cfg)
	return opened(t, s, err, func() { removeBucket(t, s.Client(), cfg.Bucket) })
}

func removeBucket(t *testing.T, c *awss3.Client, bucket string) {
	ctx := context.Background()
	p := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: &bucket})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Logf("cleanup: list %s: %v", bucket, err)
			return
		}
		for _, o := range out.Contents {
			c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &bucket, Key: o.Key})
		}
	}
	if _, err := c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		t.Logf("cleanup: delete bucket %s: %v", bucket, err)
	}
}

// AzureConfig returns the settings of the test Azure server (Azurite),
// without a container.
func AzureConfig(t *testing.T) azure.Config {
	return azure.Config{ConnectionString: testenv.Get(t, testenv.AzureConnStr)}
}

// Azure is a store on a new container of the test Azure server.
func Azure(t *testing.T) storage.Backend { return NewAzure(t, AzureConfig(t)) }

// NewAzure makes a store with cfg, creating cfg.Container (a new name
// when it is empty); the container is removed after the test.
func NewAzure(t *testing.T, cfg azure.Config) *azure.Store {
	t.Helper()
	cfg.Container, cfg.CreateContainer = orUnique(cfg.Container), true
	s, err := azure.New(t.Context(), cfg)
	return opened(t, s, err, func() {
		if _, err := s.Client().Delete(context.Background(), nil); err != nil {
			t.Logf("cleanup: delete container %s: %v", cfg.Container, err)
		}
	})
}

// IPFSEmbedded is an embedded IPFS store on a directory of its own.
func IPFSEmbedded(t *testing.T) storage.Backend {
	t.Helper()
	e, err := ipfs.NewEmbedded(ipfs.Config{Dir: t.TempDir(), NoSync: true})
	return opened(t, e, err, func() { e.Close() })
}

// Kubo is an IPFS store on the test Kubo node, its index in a directory
// of its own.
func Kubo(t *testing.T) storage.Backend {
	t.Helper()
	k, err := ipfs.NewKubo(ipfs.Config{Dir: t.TempDir(), API: testenv.Get(t, testenv.IPFSAPI)})
	return opened(t, k, err, func() { k.Close() })
}
