package azure_test

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/azure"
	"github.com/consign/consign/storage/storagetest"
	"github.com/consign/consign/storage/storagetest/stores"
)

func TestConformance(t *testing.T) {
	cfg := stores.AzureConfig(t)
	storagetest.Run(t, func(t *testing.T) storage.Backend { return stores.NewAzure(t, cfg) })
}

// TestConformanceWithPrefix runs the suite on stores that are folders of
// one shared container.
func TestConformanceWithPrefix(t *testing.T) {
	cfg := stores.AzureConfig(t)
	cfg.Container = stores.UniqueName()
	stores.NewAzure(t, cfg)
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
	s := stores.NewAzure(t, stores.AzureConfig(t))
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
