package docstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/storage"
)

// runSuite checks the document store on a fresh backend per subtest.
// newBackend returns an empty store and registers its own cleanup.
func runSuite(t *testing.T, newBackend func(t *testing.T) storage.Backend) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, f *fx)
	}{
		{"UploadDownload", testUploadDownload},
		{"CreateOnly", testCreateOnly},
		{"Overwrite", testOverwrite},
		{"FolderConflicts", testFolderConflicts},
		{"ListPagination", testListPagination},
		{"BadListArguments", testBadListArguments},
		{"PlacedByOtherMeans", testPlacedByOtherMeans},
		{"SyncHashes", testSyncHashes},
		{"Delete", testDelete},
		{"MakeFolder", testMakeFolder},
		{"Search", testSearch},
		{"SpacesIsolated", testSpacesIsolated},
		{"StageAndPlace", testStageAndPlace},
		{"IncompleteUpload", testIncompleteUpload},
		{"Preferences", testPreferences},
		{"ConcurrentWriters", testConcurrentWriters},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newFx(t, newBackend(t)))
		})
	}
}

// fx is a Store on one backend with the spaces of members "org1" and
// "org2".
type fx struct {
	st      *docstore.Store
	b       storage.Backend
	sp, sp2 *docstore.Space
}

func newFx(t *testing.T, b storage.Backend) *fx {
	t.Helper()
	ctx := context.Background()
	db := app2apptest.OpenDB(t, filepath.Join(t.TempDir(), "meta.db"))
	st, err := docstore.New(ctx, db, b, docstore.Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	f := &fx{st: st, b: b}
	if f.sp, err = st.Space("org1"); err != nil {
		t.Fatal(err)
	}
	if f.sp2, err = st.Space("org2"); err != nil {
		t.Fatal(err)
	}
	return f
}

func mustPath(t testing.TB, s string) docstore.Path {
	t.Helper()
	p, err := docstore.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func content(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed*2654435761 + 1)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func (f *fx) put(t *testing.T, sp *docstore.Space, path string, data []byte) docstore.Document {
	t.Helper()
	d, err := sp.Put(context.Background(), mustPath(t, path), bytes.NewReader(data), docstore.Overwrite)
	if err != nil {
		t.Fatalf("Put(%q): %v", path, err)
	}
	return d
}

func (f *fx) read(t *testing.T, sp *docstore.Space, path string) []byte {
	t.Helper()
	return readDoc(t, sp, path)
}

// readDoc reads the whole document at path of sp.
func readDoc(t *testing.T, sp *docstore.Space, path string) []byte {
	t.Helper()
	rc, err := sp.Read(context.Background(), mustPath(t, path), 0, -1)
	if err != nil {
		t.Fatalf("Read(%q): %v", path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fx) list(t *testing.T, sp *docstore.Space, dir string, offset, limit int) docstore.Listing {
	t.Helper()
	l, err := sp.List(context.Background(), mustPath(t, dir), offset, limit)
	if err != nil {
		t.Fatalf("List(%q, %d, %d): %v", dir, offset, limit, err)
	}
	return l
}

func (f *fx) lookup(t *testing.T, sp *docstore.Space, path string) docstore.Entry {
	t.Helper()
	e, err := sp.Lookup(context.Background(), mustPath(t, path))
	if err != nil {
		t.Fatalf("Lookup(%q): %v", path, err)
	}
	return e
}

// names renders a listing as "name" for documents and "name/" for
// folders.
func names(l docstore.Listing) []string {
	var out []string
	for _, e := range l.Entries {
		if e.IsDir {
			out = append(out, e.Name+"/")
		} else {
			out = append(out, e.Name)
		}
	}
	return out
}

// allKeys lists every backend key, for no-state-change checks.
func allKeys(t *testing.T, b storage.Backend) []string {
	t.Helper()
	var keys []string
	opts := storage.ListOptions{}
	for {
		page, err := b.List(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			keys = append(keys, fmt.Sprintf("%s:%d:%s", o.Key, o.Size, o.Ref))
		}
		if page.Next == "" {
			return keys
		}
		opts.After = page.Next
	}
}

func testUploadDownload(t *testing.T, f *fx) {
	ctx := context.Background()
	data := content(1, 300_000)
	d, err := f.sp.Put(ctx, mustPath(t, "/images/kaleido-logo.png"), bytes.NewReader(data), docstore.CreateOnly)
	if err != nil {
		t.Fatal(err)
	}
	if d.Hash != sha(data) || d.Size != int64(len(data)) || d.Path.String() != "images/kaleido-logo.png" {
		t.Fatalf("Put returned %+v, want hash %s size %d", d, sha(data), len(data))
	}
	if got := f.read(t, f.sp, "images/kaleido-logo.png"); !bytes.Equal(got, data) {
		t.Fatalf("Read returned %d bytes, not the %d stored", len(got), len(data))
	}
	// A range, as a resumed download would read.
	rc, err := f.sp.Read(ctx, mustPath(t, "images/kaleido-logo.png"), 1000, 10)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(part, data[1000:1010]) {
		t.Fatalf("range read %x", part)
	}
	e := f.lookup(t, f.sp, "images/kaleido-logo.png")
	if e.IsDir || e.Name != "kaleido-logo.png" || e.Size != int64(len(data)) || e.Hash != sha(data) || e.LastModified.IsZero() {
		t.Fatalf("Lookup = %+v", e)
	}
	if e := f.lookup(t, f.sp, "images"); !e.IsDir || e.Name != "images" {
		t.Fatalf("Lookup(images) = %+v", e)
	}
	if e := f.lookup(t, f.sp, "/"); !e.IsDir {
		t.Fatalf("Lookup(/) = %+v", e)
	}
	root := f.list(t, f.sp, "/", 0, 100)
	if !slices.Equal(names(root), []string{"images/"}) || root.Truncated {
		t.Fatalf("root listing %v truncated=%v", names(root), root.Truncated)
	}
	l := f.list(t, f.sp, "images", 0, 100)
	if len(l.Entries) != 1 || l.Entries[0].Hash != sha(data) || l.Entries[0].Size != int64(len(data)) || l.Entries[0].LastModified.IsZero() {
		t.Fatalf("images listing %+v", l)
	}
	// Zero bytes are a document too.
	if d := f.put(t, f.sp, "empty.txt", nil); d.Hash != sha(nil) {
		t.Fatalf("empty document hash %s", d.Hash)
	}
	if _, err := f.sp.Lookup(ctx, mustPath(t, "nothing/here")); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("Lookup of a missing path: %v", err)
	}
	if _, err := f.sp.Read(ctx, mustPath(t, "nothing.txt"), 0, -1); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("Read of a missing path: %v", err)
	}
}

func testCreateOnly(t *testing.T, f *fx) {
	ctx := context.Background()
	first := content(2, 1000)
	f.put(t, f.sp, "a/doc.txt", first)
	before := allKeys(t, f.b)
	_, err := f.sp.Put(ctx, mustPath(t, "a/doc.txt"), bytes.NewReader(content(3, 2000)), docstore.CreateOnly)
	if !errors.Is(err, docstore.ErrExists) {
		t.Fatalf("CreateOnly onto an existing document: %v, want ErrExists", err)
	}
	if !strings.Contains(err.Error(), "PUT") {
		t.Errorf("message %q does not say how to replace", err)
	}
	if got := f.read(t, f.sp, "a/doc.txt"); !bytes.Equal(got, first) {
		t.Fatal("refused write changed the content")
	}
	if e := f.lookup(t, f.sp, "a/doc.txt"); e.Hash != sha(first) {
		t.Fatal("refused write changed the hash")
	}
	if after := allKeys(t, f.b); !slices.Equal(before, after) {
		t.Fatalf("backend changed: %v → %v", before, after)
	}
}

func testOverwrite(t *testing.T, f *fx) {
	f.put(t, f.sp, "doc.bin", content(4, 5000))
	second := content(5, 7000)
	d := f.put(t, f.sp, "doc.bin", second)
	if d.Hash != sha(second) {
		t.Fatal("hash of the overwrite")
	}
	if got := f.read(t, f.sp, "doc.bin"); !bytes.Equal(got, second) {
		t.Fatal("content after overwrite")
	}
	if e := f.lookup(t, f.sp, "doc.bin"); e.Hash != sha(second) || e.Size != 7000 {
		t.Fatalf("Lookup after overwrite %+v", e)
	}
	if res, err := f.sp.Search(context.Background(), sha(second), true); err != nil || len(res) != 1 {
		t.Fatalf("search by the new hash: %v %v", res, err)
	}
}

func testFolderConflicts(t *testing.T, f *fx) {
	ctx := context.Background()
	f.put(t, f.sp, "a/b", []byte("b"))
	before := allKeys(t, f.b)
	for _, c := range []struct {
		path string
		want error
	}{
		{"a", docstore.ErrIsFolder},
		{"a/b/c", docstore.ErrNotFolder},
		{"a/b/c/d", docstore.ErrNotFolder},
		{"/", docstore.ErrIsFolder},
	} {
		for _, mode := range []docstore.WriteMode{docstore.Overwrite, docstore.CreateOnly} {
			_, err := f.sp.Put(ctx, mustPath(t, c.path), strings.NewReader("x"), mode)
			if !errors.Is(err, c.want) {
				t.Errorf("Put(%q, mode %d): %v, want %v", c.path, mode, err, c.want)
			}
		}
	}
	if after := allKeys(t, f.b); !slices.Equal(before, after) {
		t.Fatalf("refused writes changed the backend: %v → %v", before, after)
	}
	if _, err := f.sp.List(ctx, mustPath(t, "a/b"), 0, 10); !errors.Is(err, docstore.ErrNotFolder) {
		t.Fatalf("List of a document: %v", err)
	}
}

func testListPagination(t *testing.T, f *fx) {
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("doc-%d.txt", i)
		f.put(t, f.sp, "dir/"+name, []byte(name))
		want = append(want, name)
	}
	for _, sub := range []string{"sub-a", "doc-3", "zz"} {
		f.put(t, f.sp, "dir/"+sub+"/inner.txt", []byte(sub))
		want = append(want, sub+"/")
	}
	// Names in byte order, documents and folders together ("doc-3" the
	// folder after "doc-3.txt" the document: '.' < '/').
	slices.SortFunc(want, func(a, b string) int { return strings.Compare(a, b) })
	for _, limit := range []int{1, 2, 3, 4, 100} {
		var got []string
		for offset := 0; ; offset += limit {
			l := f.list(t, f.sp, "dir", offset, limit)
			got = append(got, names(l)...)
			if wantTrunc := offset+limit < len(want); l.Truncated != wantTrunc {
				t.Fatalf("limit %d offset %d: truncated %v, want %v", limit, offset, l.Truncated, wantTrunc)
			}
			if !l.Truncated {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("limit %d: paged listing %v, want %v", limit, got, want)
		}
	}
	if l := f.list(t, f.sp, "dir", 100, 10); len(l.Entries) != 0 || l.Truncated {
		t.Fatalf("offset past the end: %+v", l)
	}
	for _, e := range f.list(t, f.sp, "dir", 0, 100).Entries {
		if e.IsDir != slices.Contains(want, e.Name+"/") {
			t.Fatalf("entry %+v", e)
		}
		if !e.IsDir && (e.Hash != sha([]byte(e.Name)) || e.Size != int64(len(e.Name))) {
			t.Fatalf("document entry %+v", e)
		}
	}
}

func testBadListArguments(t *testing.T, f *fx) {
	ctx := context.Background()
	f.put(t, f.sp, "d/x", []byte("x"))
	for _, c := range []struct{ offset, limit int }{{-1, 10}, {0, 0}, {0, -5}, {0, docstore.MaxListLimit + 1}} {
		if _, err := f.sp.List(ctx, mustPath(t, "d"), c.offset, c.limit); !errors.Is(err, docstore.ErrInvalidArgument) {
			t.Errorf("List(offset %d, limit %d): %v, want ErrInvalidArgument", c.offset, c.limit, err)
		}
	}
	if _, err := f.sp.List(ctx, mustPath(t, "missing"), 0, 10); !errors.Is(err, docstore.ErrNotFound) {
		t.Errorf("List of a missing folder: %v", err)
	}
	if l, err := f.sp2.List(ctx, docstore.Path{}, 0, 10); err != nil || len(l.Entries) != 0 {
		t.Errorf("an empty space's root lists as empty, not missing: %+v %v", l, err)
	}
}

// putOther writes an object as another tool would: straight to the
// backend under the space's key.
func putOther(t *testing.T, b storage.Backend, key string, data []byte) storage.Object {
	t.Helper()
	o, err := b.Put(context.Background(), key, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func testPlacedByOtherMeans(t *testing.T, f *fx) {
	ctx := context.Background()
	data := content(6, 40_000)
	putOther(t, f.b, "org1/ext/report.pdf", data)
	l := f.list(t, f.sp, "ext", 0, 10)
	if len(l.Entries) != 1 || l.Entries[0].Name != "report.pdf" || l.Entries[0].Hash != "" || l.Entries[0].Size != int64(len(data)) {
		t.Fatalf("unhashed object listed as %+v", l.Entries)
	}
	if e := f.lookup(t, f.sp, "ext/report.pdf"); e.Hash != "" || e.Size != int64(len(data)) {
		t.Fatalf("Lookup before hashing %+v", e)
	}
	if res, _ := f.sp.Search(ctx, "report", false); len(res) != 0 {
		t.Fatalf("unhashed document found by search: %+v", res)
	}
	d, err := f.sp.Hash(ctx, mustPath(t, "/ext/report.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Hash != sha(data) {
		t.Fatalf("Hash = %s, want %s", d.Hash, sha(data))
	}
	if l := f.list(t, f.sp, "ext", 0, 10); l.Entries[0].Hash != sha(data) {
		t.Fatalf("listed after hashing: %+v", l.Entries[0])
	}
	if res, err := f.sp.Search(ctx, "REPORT", false); err != nil || len(res) != 1 || res[0].Path.String() != "ext/report.pdf" {
		t.Fatalf("search after hashing: %+v %v", res, err)
	}
	// Replaced by other means (another size, so even a coarse clock
	// tells): the recorded hash no longer applies.
	other := content(7, 41_000)
	putOther(t, f.b, "org1/ext/report.pdf", other)
	if e := f.lookup(t, f.sp, "ext/report.pdf"); e.Hash != "" {
		t.Fatalf("stale hash shown for replaced content: %+v", e)
	}
	if d, err := f.sp.Hash(ctx, mustPath(t, "ext/report.pdf")); err != nil || d.Hash != sha(other) {
		t.Fatalf("re-hash: %+v %v", d, err)
	}
	if _, err := f.sp.Hash(ctx, mustPath(t, "ext/missing.pdf")); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("Hash of a missing document: %v", err)
	}
	if _, err := f.sp.Hash(ctx, mustPath(t, "ext")); !errors.Is(err, docstore.ErrIsFolder) {
		t.Fatalf("Hash of a folder: %v", err)
	}
}

func testSyncHashes(t *testing.T, f *fx) {
	ctx := context.Background()
	up := f.put(t, f.sp, "mine.txt", []byte("uploaded"))
	a, b := content(8, 3000), content(9, 5000)
	putOther(t, f.b, "org1/x/a.bin", a)
	putOther(t, f.b, "org1/x/y/b.bin", b)
	putOther(t, f.b, "org2/other.bin", []byte("other member")) // not org1's
	n, err := f.sp.SyncHashes(ctx, false)
	if err != nil || n != 2 {
		t.Fatalf("SyncHashes(false) = %d, %v; want 2", n, err)
	}
	if e := f.lookup(t, f.sp, "x/y/b.bin"); e.Hash != sha(b) {
		t.Fatalf("after sync: %+v", e)
	}
	if n, err := f.sp.SyncHashes(ctx, false); err != nil || n != 0 {
		t.Fatalf("second SyncHashes(false) = %d, %v; want 0", n, err)
	}
	if n, err := f.sp.SyncHashes(ctx, true); err != nil || n != 3 {
		t.Fatalf("SyncHashes(true) = %d, %v; want 3", n, err)
	}
	// Deleted by other means: the record goes at the next sync.
	if err := f.b.Delete(ctx, "org1/mine.txt"); err != nil {
		t.Fatal(err)
	}
	if res, _ := f.sp.Search(ctx, up.Hash, true); len(res) != 1 {
		t.Fatalf("before sync the stale record is still searchable: %v", res)
	}
	if n, err := f.sp.SyncHashes(ctx, false); err != nil || n != 0 {
		t.Fatalf("SyncHashes after an outside delete = %d, %v", n, err)
	}
	if res, _ := f.sp.Search(ctx, up.Hash, true); len(res) != 0 {
		t.Fatalf("record of a deleted document survived the sync: %v", res)
	}
	if res, _ := f.sp.Search(ctx, sha(a), true); len(res) != 1 || res[0].Path.String() != "x/a.bin" {
		t.Fatalf("synced document by hash: %v", res)
	}
	if n, err := f.sp2.SyncHashes(ctx, false); err != nil || n != 1 {
		t.Fatalf("org2 sync = %d, %v", n, err)
	}
}

func testDelete(t *testing.T, f *fx) {
	ctx := context.Background()
	d := f.put(t, f.sp, "f/one.txt", []byte("one"))
	f.put(t, f.sp, "f/two.txt", []byte("two"))
	if err := f.sp.Delete(ctx, mustPath(t, "f")); !errors.Is(err, docstore.ErrIsFolder) {
		t.Fatalf("Delete of a folder: %v", err)
	}
	if err := f.sp.Delete(ctx, mustPath(t, "f/one.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sp.Lookup(ctx, mustPath(t, "f/one.txt")); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("Lookup after Delete: %v", err)
	}
	if res, _ := f.sp.Search(ctx, d.Hash, true); len(res) != 0 {
		t.Fatalf("deleted document still searchable: %v", res)
	}
	if err := f.sp.Delete(ctx, mustPath(t, "f/one.txt")); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if err := f.sp.Delete(ctx, mustPath(t, "f/two.txt")); err != nil {
		t.Fatal(err)
	}
	// The folder went with its last document.
	if _, err := f.sp.Lookup(ctx, mustPath(t, "f")); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("emptied folder: %v", err)
	}
}

// testMakeFolder: an empty folder made by MakeFolder exists (lists as
// empty, in its parent as a folder), stays when its last document goes,
// goes with Delete once empty, and never shows its marker.
func testMakeFolder(t *testing.T, f *fx) {
	ctx := context.Background()
	if err := f.sp.MakeFolder(ctx, mustPath(t, "a/b")); err != nil {
		t.Fatal(err)
	}
	if l := f.list(t, f.sp, "a/b", 0, 10); len(l.Entries) != 0 || l.Truncated {
		t.Fatalf("new folder lists %q", names(l))
	}
	if got := names(f.list(t, f.sp, "a", 0, 10)); !slices.Equal(got, []string{"b/"}) {
		t.Fatalf("parent lists %q", got)
	}
	if e := f.lookup(t, f.sp, "a/b"); !e.IsDir {
		t.Fatalf("Lookup of the new folder: %+v", e)
	}
	for _, p := range []string{"a/b", "a", "/"} {
		if err := f.sp.MakeFolder(ctx, mustPath(t, p)); !errors.Is(err, docstore.ErrExists) {
			t.Errorf("MakeFolder(%q) again: %v", p, err)
		}
	}
	f.put(t, f.sp, "doc.txt", []byte("x"))
	if err := f.sp.MakeFolder(ctx, mustPath(t, "doc.txt")); !errors.Is(err, docstore.ErrExists) {
		t.Errorf("MakeFolder onto a document: %v", err)
	}
	if err := f.sp.MakeFolder(ctx, mustPath(t, "doc.txt/sub")); !errors.Is(err, docstore.ErrNotFolder) {
		t.Errorf("MakeFolder below a document: %v", err)
	}
	if _, err := f.sp.Put(ctx, mustPath(t, "a/b"), strings.NewReader("x"), docstore.Overwrite); !errors.Is(err, docstore.ErrIsFolder) {
		t.Errorf("Put onto the empty folder: %v", err)
	}
	if _, err := docstore.ParsePath("a/b/" + docstore.FolderMarker); !errors.Is(err, docstore.ErrInvalidPath) {
		t.Errorf("ParsePath of the marker: %v", err)
	}
	// The folder stays when its last document goes.
	f.put(t, f.sp, "a/b/one.txt", []byte("one"))
	if got := names(f.list(t, f.sp, "a/b", 0, 10)); !slices.Equal(got, []string{"one.txt"}) {
		t.Fatalf("folder with a document lists %q", got)
	}
	if err := f.sp.Delete(ctx, mustPath(t, "a/b")); !errors.Is(err, docstore.ErrIsFolder) {
		t.Fatalf("Delete of a folder with a document: %v", err)
	}
	if err := f.sp.Delete(ctx, mustPath(t, "a/b/one.txt")); err != nil {
		t.Fatal(err)
	}
	if l := f.list(t, f.sp, "a/b", 0, 10); len(l.Entries) != 0 {
		t.Fatalf("emptied folder lists %q", names(l))
	}
	// sync_hashes neither hashes nor records the marker.
	if _, err := f.sp.SyncHashes(ctx, true); err != nil {
		t.Fatal(err)
	}
	if res, err := f.sp.Search(ctx, docstore.FolderMarker, false); err != nil || len(res) != 0 {
		t.Fatalf("search finds the marker: %v %v", res, err)
	}
	// Delete removes it once empty; "a" goes with it.
	if err := f.sp.Delete(ctx, mustPath(t, "a/b")); err != nil {
		t.Fatalf("Delete of the empty folder: %v", err)
	}
	for _, p := range []string{"a/b", "a"} {
		if _, err := f.sp.Lookup(ctx, mustPath(t, p)); !errors.Is(err, docstore.ErrNotFound) {
			t.Errorf("Lookup(%q) after deleting the empty folder: %v", p, err)
		}
	}
}

func testSearch(t *testing.T, f *fx) {
	ctx := context.Background()
	f.put(t, f.sp, "images/Kaleido-Logo.png", []byte("logo"))
	f.put(t, f.sp, "docs/kaleido.txt", []byte("text"))
	f.put(t, f.sp, "docs/other.txt", []byte("logo")) // same content as the logo
	f.put(t, f.sp, "docs/100%_sure.txt", []byte("pct"))
	f.put(t, f.sp, "docs/100x_sure.txt", []byte("x"))
	check := func(query string, byHash bool, want ...string) {
		t.Helper()
		res, err := f.sp.Search(ctx, query, byHash)
		if err != nil {
			t.Fatalf("Search(%q, %v): %v", query, byHash, err)
		}
		var got []string
		for _, d := range res {
			got = append(got, d.Path.String())
			if d.Hash == "" || d.Size == 0 || d.LastModified.IsZero() {
				t.Errorf("result %+v lacks details", d)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Search(%q, %v) = %v, want %v", query, byHash, got, want)
		}
	}
	check("kaleido", false, "docs/kaleido.txt", "images/Kaleido-Logo.png")
	check("/images/", false, "images/Kaleido-Logo.png")
	check("100%", false, "docs/100%_sure.txt") // % and _ are literal
	check("%_s", false, "docs/100%_sure.txt")
	check("0x_", false, "docs/100x_sure.txt")
	check(sha([]byte("logo")), true, "docs/other.txt", "images/Kaleido-Logo.png")
	check(strings.ToUpper(sha([]byte("logo"))), true, "docs/other.txt", "images/Kaleido-Logo.png")
	check("kaleido", true)
	check("nothing-like-this", false)
	if _, err := f.sp.Search(ctx, "", false); !errors.Is(err, docstore.ErrInvalidArgument) {
		t.Fatalf("empty query: %v", err)
	}
}

func testSpacesIsolated(t *testing.T, f *fx) {
	ctx := context.Background()
	d := f.put(t, f.sp, "private/secret.txt", []byte("org1 only"))
	if _, err := f.sp2.Lookup(ctx, mustPath(t, "private/secret.txt")); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("org2 sees org1's document: %v", err)
	}
	if _, err := f.sp2.Read(ctx, mustPath(t, "private/secret.txt"), 0, -1); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("org2 reads org1's document: %v", err)
	}
	if res, _ := f.sp2.Search(ctx, d.Hash, true); len(res) != 0 {
		t.Fatalf("org2 finds org1's document: %v", res)
	}
	if l := f.list(t, f.sp2, "/", 0, 10); len(l.Entries) != 0 {
		t.Fatalf("org2's root lists %v", names(l))
	}
	f.put(t, f.sp2, "private/secret.txt", []byte("org2's own"))
	if got := f.read(t, f.sp, "private/secret.txt"); string(got) != "org1 only" {
		t.Fatalf("org2's write reached org1: %q", got)
	}
	for _, bad := range []string{"", ".staging", "a/b", "..", strings.Repeat("m", 200)} {
		if _, err := f.st.Space(bad); !errors.Is(err, docstore.ErrInvalidArgument) {
			t.Errorf("Space(%q): %v", bad, err)
		}
	}
}

func testStageAndPlace(t *testing.T, f *fx) {
	ctx := context.Background()
	data := content(10, 700_000)
	st, err := f.st.Stage(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if st.Hash != sha(data) || st.Size != int64(len(data)) {
		t.Fatalf("Staged %+v", st)
	}
	// Staged content is in nobody's space.
	if l := f.list(t, f.sp, "/", 0, 10); len(l.Entries) != 0 {
		t.Fatalf("staged content listed: %v", names(l))
	}
	folder, err := f.sp.ReceivedFolder(ctx, docstore.ReceivedVars{SenderOrg: "org2", SenderDestination: "out", RecipientDestination: "in"})
	if err != nil || folder.Abs() != "/received/org2/in" {
		t.Fatalf("ReceivedFolder = %q, %v", folder.Abs(), err)
	}
	p, _ := folder.Join("contract.pdf")
	d, err := f.sp.Place(ctx, st, p, docstore.CreateOnly)
	if err != nil {
		t.Fatal(err)
	}
	if d.Hash != sha(data) || d.Path.Abs() != "/received/org2/in/contract.pdf" {
		t.Fatalf("Place = %+v", d)
	}
	if got := f.read(t, f.sp, "received/org2/in/contract.pdf"); !bytes.Equal(got, data) {
		t.Fatal("placed content differs")
	}
	if e := f.lookup(t, f.sp, "received/org2/in/contract.pdf"); e.Hash != sha(data) {
		t.Fatalf("placed document %+v", e)
	}
	if _, err := f.b.Stat(ctx, st.Key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("staged key still there after Place: %v", err)
	}
	if _, err := f.sp.Place(ctx, st, p, docstore.Overwrite); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("placing twice: %v", err)
	}
	// Refused placement keeps the staged content, which can be discarded.
	st2, err := f.st.Stage(ctx, strings.NewReader("second"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sp.Place(ctx, st2, p, docstore.CreateOnly); !errors.Is(err, docstore.ErrExists) {
		t.Fatalf("CreateOnly Place onto a document: %v", err)
	}
	if got := f.read(t, f.sp, "received/org2/in/contract.pdf"); !bytes.Equal(got, data) {
		t.Fatal("refused Place changed the document")
	}
	if err := f.st.Discard(ctx, st2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.Stat(ctx, st2.Key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("discarded content: %v", err)
	}
	// Only staging keys can be placed: not another member's document.
	f.put(t, f.sp2, "theirs.txt", []byte("theirs"))
	forged := docstore.Staged{Key: "org2/theirs.txt", Size: 6, Hash: sha([]byte("theirs"))}
	if _, err := f.sp.Place(ctx, forged, mustPath(t, "stolen.txt"), docstore.Overwrite); !errors.Is(err, docstore.ErrInvalidArgument) {
		t.Fatalf("Place of a non-staging key: %v", err)
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	r io.Reader
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func testIncompleteUpload(t *testing.T, f *fx) {
	ctx := context.Background()
	old := content(11, 2000)
	f.put(t, f.sp, "kept.bin", old)
	before := allKeys(t, f.b)
	for _, path := range []string{"kept.bin", "new.bin"} {
		for _, n := range []int{0, 1000, 9 << 20} {
			_, err := f.sp.Put(ctx, mustPath(t, path), &failingReader{bytes.NewReader(content(12, n))}, docstore.Overwrite)
			if !errors.Is(err, docstore.ErrIncomplete) {
				t.Fatalf("Put(%q) of a stream failing after %d bytes: %v, want ErrIncomplete", path, n, err)
			}
		}
	}
	if got := f.read(t, f.sp, "kept.bin"); !bytes.Equal(got, old) {
		t.Fatal("failed overwrite changed the document")
	}
	if e := f.lookup(t, f.sp, "kept.bin"); e.Hash != sha(old) {
		t.Fatalf("failed overwrite changed the record: %+v", e)
	}
	if after := allKeys(t, f.b); !slices.Equal(before, after) {
		t.Fatalf("failed uploads changed the backend: %v → %v", before, after)
	}
	// A cancelled context too.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.sp.Put(cctx, mustPath(t, "new.bin"), bytes.NewReader(old), docstore.Overwrite); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	if _, err := f.sp.Lookup(ctx, mustPath(t, "new.bin")); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("cancelled Put left a document: %v", err)
	}
}

func testPreferences(t *testing.T, f *fx) {
	ctx := context.Background()
	p, err := f.sp.Preferences(ctx)
	if err != nil || p.ReceivedDocumentsPath != docstore.DefaultReceivedDocumentsPath {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	tmpl := "/transfers/to/${recipient_destination}/from/${sender_org}-${sender_destination}"
	if err := f.sp.SetPreference(ctx, docstore.PrefReceivedDocumentsPath, tmpl); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ key, value string }{
		{"receivedDocumentsPath", "relative/${sender_org}"},
		{"receivedDocumentsPath", "/a/../${sender_org}"},
		{"receivedDocumentsPath", "/a/${unknown}"},
		{"receivedDocumentsPath", "/a/$HOME"},
		{"receivedDocumentsPath", "/a/${sender_org"},
		{"receivedDocumentsPath", `/a\b`},
		{"otherKey", "/x"},
		{"", "/x"},
	} {
		if err := f.sp.SetPreference(ctx, bad.key, bad.value); !errors.Is(err, docstore.ErrInvalidArgument) && !errors.Is(err, docstore.ErrInvalidPath) {
			t.Errorf("SetPreference(%q, %q): %v", bad.key, bad.value, err)
		}
	}
	if p, _ := f.sp.Preferences(ctx); p.ReceivedDocumentsPath != tmpl {
		t.Fatalf("after refused sets: %q", p.ReceivedDocumentsPath)
	}
	if p, _ := f.sp2.Preferences(ctx); p.ReceivedDocumentsPath != docstore.DefaultReceivedDocumentsPath {
		t.Fatalf("org2 got org1's preference: %q", p.ReceivedDocumentsPath)
	}
	folder, err := f.sp.ReceivedFolder(ctx, docstore.ReceivedVars{SenderOrg: "org2", SenderDestination: "a", RecipientDestination: "b"})
	if err != nil || folder.String() != "transfers/to/b/from/org2-a" {
		t.Fatalf("ReceivedFolder = %q, %v", folder, err)
	}
	if _, err := f.sp.ReceivedFolder(ctx, docstore.ReceivedVars{SenderOrg: "..", SenderDestination: "..", RecipientDestination: "b"}); err != nil {
		// "..-.." is a plain name; ".." alone as a segment is refused.
		t.Fatalf("dotted values inside a segment: %v", err)
	}
	if err := f.sp2.SetPreference(ctx, docstore.PrefReceivedDocumentsPath, "/in/${recipient_destination}"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sp2.ReceivedFolder(ctx, docstore.ReceivedVars{RecipientDestination: ".."}); !errors.Is(err, docstore.ErrInvalidPath) {
		t.Fatalf("'..' as a whole segment: %v", err)
	}
}

func testConcurrentWriters(t *testing.T, f *fx) {
	ctx := context.Background()
	const writers = 4
	bodies := make([][]byte, writers)
	for i := range bodies {
		bodies[i] = content(20+i, 200_000+i)
	}
	for _, mode := range []docstore.WriteMode{docstore.CreateOnly, docstore.Overwrite} {
		path := fmt.Sprintf("race/mode-%d.bin", mode)
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.sp.Put(ctx, mustPath(t, path), bytes.NewReader(bodies[i]), mode)
			}()
		}
		wg.Wait()
		var won []int
		for i, err := range errs {
			switch {
			case err == nil:
				won = append(won, i)
			case mode == docstore.CreateOnly && errors.Is(err, docstore.ErrExists):
			default:
				t.Fatalf("mode %d writer %d: %v", mode, i, err)
			}
		}
		if mode == docstore.CreateOnly && len(won) != 1 {
			t.Fatalf("%d create-only writers succeeded, want exactly 1", len(won))
		}
		got := f.read(t, f.sp, path)
		e := f.lookup(t, f.sp, path)
		if e.Hash != sha(got) {
			t.Fatalf("mode %d: recorded hash %s does not match the stored content (%s)", mode, e.Hash, sha(got))
		}
		if !slices.ContainsFunc(won, func(i int) bool { return bytes.Equal(got, bodies[i]) }) {
			t.Fatalf("mode %d: stored content is no successful writer's", mode)
		}
	}
}
