package docstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"testing"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/azure"
	"github.com/consign/consign/storage/ipfs"
	"github.com/consign/consign/storage/local"
	"github.com/consign/consign/storage/s3"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func uniqueName() string {
	var b [6]byte
	rand.Read(b[:])
	return "consign-docstore-" + hex.EncodeToString(b[:])
}

func newLocal(t *testing.T) storage.Backend {
	s, err := local.New(local.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newS3(t *testing.T) storage.Backend {
	cfg := s3.Config{
		Endpoint:     testenv.Get(t, testenv.S3Endpoint),
		Region:       testenv.Get(t, testenv.S3Region),
		AccessKey:    testenv.Get(t, testenv.S3AccessKey),
		SecretKey:    testenv.Get(t, testenv.S3SecretKey),
		PathStyle:    true,
		Bucket:       uniqueName(),
		CreateBucket: true,
	}
	s, err := s3.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		c := s.Client()
		p := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: &cfg.Bucket})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Logf("cleanup: list %s: %v", cfg.Bucket, err)
				return
			}
			for _, o := range out.Contents {
				c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &cfg.Bucket, Key: o.Key})
			}
		}
		if _, err := c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: &cfg.Bucket}); err != nil {
			t.Logf("cleanup: delete bucket %s: %v", cfg.Bucket, err)
		}
	})
	return s
}

func newAzure(t *testing.T) storage.Backend {
	cfg := azure.Config{ConnectionString: testenv.Get(t, testenv.AzureConnStr), Container: uniqueName(), CreateContainer: true}
	s, err := azure.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := s.Client().Delete(context.Background(), nil); err != nil {
			t.Logf("cleanup: delete container %s: %v", cfg.Container, err)
		}
	})
	return s
}

func newIPFSEmbedded(t *testing.T) storage.Backend {
	e, err := ipfs.NewEmbedded(ipfs.Config{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func newKubo(t *testing.T) storage.Backend {
	k, err := ipfs.NewKubo(ipfs.Config{Dir: t.TempDir(), API: testenv.Get(t, testenv.IPFSAPI)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func TestSuiteLocal(t *testing.T)        { runSuite(t, newLocal) }
func TestSuiteS3(t *testing.T)           { runSuite(t, newS3) }
func TestSuiteAzure(t *testing.T)        { runSuite(t, newAzure) }
func TestSuiteIPFSEmbedded(t *testing.T) { runSuite(t, newIPFSEmbedded) }
func TestSuiteKubo(t *testing.T)         { runSuite(t, newKubo) }
