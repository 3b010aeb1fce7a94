package azure_test

import (
	stdcontext "context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/azure"
	"github.com/consign/consign/storage/storagetest"
)

func containerName() string {
	var b [6]byte
	rand.Read(b[:])
	return "consign-test-" + hex.EncodeToString(b[:])
}

// newStore makes a store on a new container, removed after the test.
func newStore(t *testing.T, cfg azure.Config) *azure.Store {
	t.Helper()
	if cfg.Container == "" {
		cfg.Container = containerName()
	}
	cfg.CreateContainer = true
	s, err := azure.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := s.Client().Delete(stdcontext.Background(), nil); err != nil {
			t.Logf("cleanup: delete container %s: %v", cfg.Container, err)
		}
	})
	return s
}

func config(t *testing.T) azure.Config {
	return azure.Config{ConnectionString: testenv.Get(t, testenv.AzureConnStr)}
}

func TestConformance(t *testing.T) {
	cfg := config(t)
	storagetest.Run(t, func(t *testing.T) storage.Backend { return newStore(t, cfg) })
}

// TestConformanceWithPrefix runs the suite on stores that are folders of
// one shared container.
func TestConformanceWithPrefix(t *testing.T) {
	cfg := config(t)
	cfg.Container = containerName()
	newStore(t, cfg)
	storagetest.RunPrefixed(t, func(t *testing.T, prefix string) storage.Backend {
		c := cfg
		c.Prefix = prefix
		s, err := azure.New(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestForeignObjects checks that blobs put into the container by other
// means are listed one to one and can be read, and that names Consign
// refuses are reported, not served.
func TestForeignObjects(t *testing.T) {
	s := newStore(t, config(t))
	ctx := t.Context()
	for _, name := range []string{"scans/2026/invoice 1.pdf", "readme.txt", "dot/./name"} {
		bb := s.Client().NewBlockBlobClient(name)
		if _, err := bb.Upload(ctx, streaming.NopCloser(strings.NewReader("foreign "+name)), &blockblob.UploadOptions{}); err != nil {
			t.Fatalf("upload %q: %v", name, err)
		}
	}
	// (Azure turns a backslash in a name into "/", so "." segments are
	// the refused names one can plant here.)
	storagetest.CheckForeign(t, s, []string{"readme.txt", "scans/2026/invoice 1.pdf"}, []string{"dot/./name"})
}

func TestConfigValidate(t *testing.T) {
	bad := []azure.Config{
		{},
		{Container: "c"},
		{Container: "c", AccountName: "a"},
		{Container: "c", ConnectionString: "x", AccountName: "a", AccountKey: "k"},
		{ConnectionString: "x"},
		{ConnectionString: "x", Container: "c", Prefix: "nope"},
		{ConnectionString: "x", Container: "c", BlockSize: -1},
		{AccountName: "a", AccountKey: "k", Container: "c", Endpoint: "host:1"},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", c)
		}
	}
	if err := (azure.Config{AccountName: "a", AccountKey: "k", Container: "c"}).Validate(); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
}
