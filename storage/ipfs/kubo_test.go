package ipfs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/storagetest"
)

func newKubo(t testing.TB, layout Layout) *Kubo {
	t.Helper()
	api := testenv.Get(t, testenv.IPFSAPI)
	k, err := NewKubo(Config{Dir: t.TempDir(), API: api, Layout: layout})
	return opened(t, k, err)
}

func TestKuboConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend { return newKubo(t, "") })
}

// ipfsCLI runs the ipfs binary against the test node's repository.
func ipfsCLI(t *testing.T, stdin io.Reader, args ...string) []byte {
	t.Helper()
	bin := testenv.Get(t, testenv.IPFSBin)
	repo := testenv.Get(t, testenv.IPFSPath)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "IPFS_PATH="+repo, "IPFS_TELEMETRY=off")
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ipfs %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// Content stored through Kubo mode is ordinary IPFS content: `ipfs cat`
// on the node returns it, and the store's MFS folder references it until
// its name is deleted.
func TestKuboContentReadableWithIPFSCat(t *testing.T) {
	k := newKubo(t, "")
	ctx := context.Background()
	data := storagetestBytes(ChunkSize*3 + 1234)
	o := putBytes(t, k, "docs/cat-me.bin", data)
	if got := ipfsCLI(t, nil, "cat", o.Ref); !bytes.Equal(got, data) {
		t.Fatalf("ipfs cat %s returned %d bytes, not the %d stored", o.Ref, len(got), len(data))
	}
	refs := string(ipfsCLI(t, nil, "files", "ls", k.RefsDir()))
	if !strings.Contains(refs, o.Ref) {
		t.Fatalf("%s not in %s after Put: %q", o.Ref, k.RefsDir(), refs)
	}
	// A second name for the same content, then deleting the first, keeps it.
	putBytes(t, k, "docs/copy.bin", data)
	if err := k.Delete(ctx, "docs/cat-me.bin"); err != nil {
		t.Fatal(err)
	}
	if refs := string(ipfsCLI(t, nil, "files", "ls", k.RefsDir())); !strings.Contains(refs, o.Ref) {
		t.Fatalf("%s dropped while docs/copy.bin still names it", o.Ref)
	}
	if err := k.Delete(ctx, "docs/copy.bin"); err != nil {
		t.Fatal(err)
	}
	if refs := string(ipfsCLI(t, nil, "files", "ls", k.RefsDir())); strings.Contains(refs, o.Ref) {
		t.Fatalf("%s still referenced after its last name was deleted", o.Ref)
	}
}

// cidSizes straddle the layout's boundaries: empty, one raw block, exactly
// one chunk, two chunks, one full node of 174 leaves, and a second level.
var cidSizes = []int{0, 1, 1000, ChunkSize - 1, ChunkSize, ChunkSize + 1, LinksPerNode * ChunkSize, LinksPerNode*ChunkSize + 1}

// The CID embedded mode computes equals what the real Kubo's `ipfs add`
// prints, for every layout, with the documented flags; for the default
// layout also with the bare `ipfs add --cid-version=1`, and Kubo mode's
// Ref (the node's own answer over RPC) agrees too.
func TestCIDsMatchKubo(t *testing.T) {
	testenv.Get(t, testenv.IPFSBin)
	ctx := context.Background()
	for _, layout := range []Layout{LayoutCIDv1, LayoutCIDv1ProtoLeaves, LayoutCIDv0} {
		e := newEmbedded(t, layout)
		k := newKubo(t, layout)
		flags := Config{Layout: layout}.AddFlags()
		for _, n := range cidSizes {
			if raceEnabled && n > ChunkSize+1 && layout != LayoutCIDv1 {
				continue // slow under -race; the plain pass covers them
			}
			t.Run(fmt.Sprintf("%s/%d", layout, n), func(t *testing.T) {
				data := storagetestBytes(n)
				o := putBytes(t, e, "x", data)
				c, size, err := ComputeCID(ctx, bytes.NewReader(data), layout)
				if err != nil || c.String() != o.Ref || size != int64(n) {
					t.Fatalf("ComputeCID = %s, %d, %v; Put gave %s", c, size, err, o.Ref)
				}
				args := append([]string{"add", "-Q", "--only-hash"}, flags...)
				kubo := strings.TrimSpace(string(ipfsCLI(t, bytes.NewReader(data), args...)))
				if kubo != o.Ref {
					t.Fatalf("ipfs %s: %s; embedded: %s", strings.Join(args, " "), kubo, o.Ref)
				}
				if layout == LayoutCIDv1 {
					bare := strings.TrimSpace(string(ipfsCLI(t, bytes.NewReader(data), "add", "-Q", "--only-hash", "--cid-version=1")))
					if bare != o.Ref {
						t.Errorf("ipfs add --cid-version=1: %s; embedded: %s", bare, o.Ref)
					}
				}
				if layout == LayoutCIDv0 {
					bare := strings.TrimSpace(string(ipfsCLI(t, bytes.NewReader(data), "add", "-Q", "--only-hash")))
					if bare != o.Ref {
						t.Errorf("ipfs add: %s; embedded: %s", bare, o.Ref)
					}
				}
				ko := putBytes(t, k, "x", data)
				if ko.Ref != o.Ref {
					t.Fatalf("Kubo mode Ref %s; embedded %s", ko.Ref, o.Ref)
				}
				if n > 0 {
					if got := readAll(t, k, "x"); !bytes.Equal(got, data) {
						t.Fatalf("Kubo mode read back %d bytes", len(got))
					}
				}
			})
		}
	}
}
