package ipfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/storagetest"
)

func newEmbedded(t testing.TB, layout Layout) *Embedded {
	t.Helper()
	e, err := NewEmbedded(Config{Dir: t.TempDir(), Layout: layout})
	return opened(t, e, err)
}

// opened fails the test on err, else closes b when the test ends and
// returns it.
func opened[B io.Closer](t testing.TB, b B, err error) B {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestEmbeddedConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend { return newEmbedded(t, "") })
}

func TestEmbeddedConformanceCIDv0(t *testing.T) {
	newBackend := func(t *testing.T) storage.Backend { return newEmbedded(t, LayoutCIDv0) }
	if testing.Short() || raceEnabled {
		// The layout differs only in CIDs; its large case runs in the plain pass.
		storagetest.RunExcept(t, newBackend, "Large")
		return
	}
	storagetest.Run(t, newBackend)
}

// blockCount returns the number of block files in e's store.
func blockCount(t *testing.T, e *Embedded) int {
	t.Helper()
	n := 0
	if err := e.files.walk(func(string) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func putBytes(t testing.TB, b storage.Backend, key string, data []byte) storage.Object {
	t.Helper()
	o, err := b.Put(context.Background(), key, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return o
}

func readAll(t testing.TB, b storage.Backend, key string) []byte {
	t.Helper()
	rc, err := b.Get(context.Background(), key, 0, -1)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return data
}

// Two names sharing blocks: deleting one must keep every block the other
// needs; deleting both must leave no block behind.
func TestEmbeddedGCSharedBlocks(t *testing.T) {
	e := newEmbedded(t, "")
	ctx := context.Background()
	common := bytes.Repeat([]byte("shared chunk data "), 3*ChunkSize/18) // several leaves
	a := append(append([]byte{}, common...), []byte("tail of a")...)
	b := append(append([]byte{}, common...), []byte("tail of b, longer")...)
	putBytes(t, e, "a", a)
	putBytes(t, e, "b", b)
	putBytes(t, e, "a-copy", a) // same root under two names
	both := blockCount(t, e)
	if err := e.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := blockCount(t, e); got != both {
		t.Fatalf("deleting one of two names of a root freed blocks: %d -> %d", both, got)
	}
	if err := e.Delete(ctx, "a-copy"); err != nil {
		t.Fatal(err)
	}
	afterA := blockCount(t, e)
	if afterA >= both {
		t.Fatalf("deleting a freed nothing (%d blocks)", afterA)
	}
	if got := readAll(t, e, "b"); !bytes.Equal(got, b) {
		t.Fatalf("b damaged after deleting a")
	}
	// Overwrite b with unrelated content: its old blocks go.
	putBytes(t, e, "b", []byte("small"))
	if got := blockCount(t, e); got != 1 {
		t.Fatalf("after overwrite with a small object, %d blocks remain, want 1", got)
	}
	if err := e.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if got := blockCount(t, e); got != 0 {
		t.Fatalf("empty store keeps %d blocks", got)
	}
}

// A reader streaming an object keeps its blocks alive across a Delete.
func TestEmbeddedDeleteWhileReading(t *testing.T) {
	e := newEmbedded(t, "")
	ctx := context.Background()
	data := storagetestBytes(3*ChunkSize + 5)
	putBytes(t, e, "k", data)
	rc, err := e.Get(ctx, "k", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 10)
	if _, err := io.ReadFull(rc, head); err != nil {
		t.Fatal(err)
	}
	if err := e.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read after Delete: %v", err)
	}
	if !bytes.Equal(append(head, rest...), data) {
		t.Fatal("content changed under a reader")
	}
	rc.Close()
	if got := blockCount(t, e); got != 0 {
		t.Fatalf("after the reader closed, %d blocks remain", got)
	}
}

// Reopening finds the objects again and collects unreferenced leftovers.
func TestEmbeddedReopenRecovers(t *testing.T) {
	dir := t.TempDir()
	e, err := NewEmbedded(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	data := storagetestBytes(2*ChunkSize + 1)
	o := putBytes(t, e, "x/y", data)
	if _, err := NewEmbedded(Config{Dir: dir}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open of a locked dir: %v, want ErrLocked", err)
	}
	// Simulate a crash's leftovers: a stray block and a temp file.
	if _, err := e.files.put("bafkreistrayblockxx", []byte("stray")); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(e.files.dir, "xx", ".tmp-123")
	os.MkdirAll(filepath.Dir(tmp), 0o755)
	os.WriteFile(tmp, []byte("partial"), 0o644)
	e.Close()

	e2, err := NewEmbedded(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	st, err := e2.Stat(context.Background(), "x/y")
	if err != nil || st.Ref != o.Ref || st.Size != int64(len(data)) {
		t.Fatalf("Stat after reopen = %+v, %v; want ref %s", st, err, o.Ref)
	}
	if got := readAll(t, e2, "x/y"); !bytes.Equal(got, data) {
		t.Fatal("content changed across reopen")
	}
	if got := blockCount(t, e2); got != 4 { // 3 leaves + root
		t.Fatalf("after recovery %d blocks, want 4", got)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp file survived recovery: %v", err)
	}
}

func TestEmbeddedCorruptBlock(t *testing.T) {
	e := newEmbedded(t, "")
	o := putBytes(t, e, "c", []byte("hello corrupt"))
	if err := os.WriteFile(e.files.path(o.Ref), []byte("hello c0rrupt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Get(context.Background(), "c", 0, -1); !errors.Is(err, ErrCorruptBlock) {
		t.Fatalf("Get of a tampered block: %v, want ErrCorruptBlock", err)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []Config{{}, {Dir: "x", Layout: "cidv2"}, {Dir: "x", RequestTimeout: -1}}
	for _, c := range bad {
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("Validate(%+v) = %v", c, err)
		}
	}
	for _, api := range []string{"", "127.0.0.1:5001", "ftp://x", "http://"} {
		if err := (Config{Dir: "x", API: api}).ValidateKubo(); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "API") {
			t.Errorf("ValidateKubo(API=%q) = %v", api, err)
		}
	}
	if err := (Config{Dir: "x", API: "http://127.0.0.1:5001"}).ValidateKubo(); err != nil {
		t.Error(err)
	}
}

// storagetestBytes returns n deterministic, incompressible-looking bytes.
func storagetestBytes(n int) []byte {
	data, _ := io.ReadAll(storagetest.Generator(1, int64(n)))
	return data
}

// Puts, overwrites and deletes racing over contents that share blocks
// must leave every surviving object readable and exactly the blocks the
// survivors need: no block lost, none leaked.
func TestEmbeddedConcurrentGC(t *testing.T) {
	e := newEmbedded(t, "")
	ctx := context.Background()
	common := storagetestBytes(2 * ChunkSize)
	contents := make([][]byte, 4)
	for i := range contents {
		// Two shared leading chunks, then a chunk of its own.
		contents[i] = append(append([]byte{}, common...), bytes.Repeat([]byte{byte('a' + i)}, ChunkSize+i)...)
	}
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				key := fmt.Sprintf("k%d", (w+r)%3)
				switch (w*7 + r) % 4 {
				case 3:
					if err := e.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
						t.Error(err)
					}
				default:
					if _, err := e.Put(ctx, key, bytes.NewReader(contents[(w+r)%len(contents)])); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	page, err := e.List(ctx, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := newEmbedded(t, "")
	for _, o := range page.Objects {
		got := readAll(t, e, o.Key)
		putBytes(t, ref, o.Key, got)
		found := false
		for _, c := range contents {
			found = found || bytes.Equal(got, c)
		}
		if !found {
			t.Fatalf("%s holds content no writer wrote", o.Key)
		}
	}
	if got, want := blockCount(t, e), blockCount(t, ref); got != want {
		t.Fatalf("store keeps %d blocks; its %d objects need %d", got, len(page.Objects), want)
	}
}
