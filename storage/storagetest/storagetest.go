// Package storagetest is the conformance suite every storage.Backend
// runs. A backend's test calls Run with a constructor that returns a
// fresh, empty store (a new directory, bucket, container or prefix) each
// time it is called:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Backend {
//			return newEmptyBackend(t)
//		})
//	}
//
// Each check is a named subtest (RoundTrip, Overwrite, NotFound, ...), so
// `go test -run 'TestConformance/Large'` picks one. The checks of the
// optional capabilities, Move (storage.Mover) and Close (storage.Closer),
// run for every backend that offers them and pass with a log line for
// one that does not. The Large check
// streams 1 GiB from a deterministic generator when CONSIGN_TEST_LARGE=1
// and 64 MiB otherwise, verifies it by SHA-256 on read-back, and asserts
// that the heap grows by less than MaxHeapGrowth while it runs.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/storage"
)

// MaxHeapGrowth is the most the heap in use may grow, above what it was
// before, while one large object is put or got.
const MaxHeapGrowth = 64 << 20

// LargeSize returns the size of the Large check's object: 1 GiB when
// CONSIGN_TEST_LARGE=1, 64 MiB otherwise.
func LargeSize() int64 {
	if os.Getenv("CONSIGN_TEST_LARGE") == "1" {
		return 1 << 30
	}
	return 64 << 20
}

// Run runs the whole suite. newBackend is called once per subtest and must
// return an empty store; it registers its own cleanup with t.Cleanup.
func Run(t *testing.T, newBackend func(t *testing.T) storage.Backend) {
	t.Helper()
	RunExcept(t, newBackend)
}

// RunExcept runs the suite without the named checks, for a second pass
// over a variant of a backend that need not repeat, say, Large.
func RunExcept(t *testing.T, newBackend func(t *testing.T) storage.Backend, skip ...string) {
	t.Helper()
	checks := []struct {
		name string
		fn   func(*testing.T, storage.Backend)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"NotFound", testNotFound},
		{"ZeroByte", testZeroByte},
		{"Ranges", testRanges},
		{"List", testList},
		{"ListPagination", testListPagination},
		{"Names", testNames},
		{"InvalidKeys", testInvalidKeys},
		{"CancelledPut", testCancelledPut},
		{"FailedPut", testFailedPut},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Delete", testDelete},
		{"Move", testMove},
		{"Close", testClose},
		{"Large", testLarge},
	}
	for _, c := range checks {
		if slices.Contains(skip, c.name) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newBackend(t))
		})
	}
}

// RunPrefixed runs the suite, Large aside (the same code path with or
// without a prefix), on stores that are folders of one shared bucket or
// container: newPrefixed returns a store under the prefix it is given, a
// new one for each subtest.
func RunPrefixed(t *testing.T, newPrefixed func(t *testing.T, prefix string) storage.Backend) {
	t.Helper()
	n := 0
	RunExcept(t, func(t *testing.T) storage.Backend {
		n++
		return newPrefixed(t, "tenant "+strings.Repeat("x", n)+"/")
	}, "Large")
}

// CheckForeign checks a store into which other tools have put objects
// whose content is "foreign " followed by their name: a recursive
// listing holds exactly objects (sorted) and reports exactly refused,
// a refused name cannot be read, and every listed object reads back.
func CheckForeign(t *testing.T, b storage.Backend, objects, refused []string) {
	t.Helper()
	ctx := ctxT(t)
	page, err := b.List(ctx, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range page.Objects {
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, objects) {
		t.Errorf("List objects = %q, want %q", keys, objects)
	}
	if !slices.Equal(page.Refused, refused) {
		t.Errorf("List refused = %q, want %q", page.Refused, refused)
	}
	for _, r := range page.Refused {
		if _, err := b.Stat(ctx, r); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Stat(refused %q) = %v, want ErrInvalidKey", r, err)
		}
	}
	for _, k := range objects {
		if got := string(get(t, b, k, 0, -1)); got != "foreign "+k {
			t.Errorf("Get(%q) = %q", k, got)
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, b storage.Backend, key string, data []byte) storage.Object {
	t.Helper()
	obj, err := b.Put(ctxT(t), key, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if obj.Key != key {
		t.Errorf("Put(%q) returned key %q", key, obj.Key)
	}
	if obj.Size != int64(len(data)) {
		t.Errorf("Put(%q) returned size %d, want %d", key, obj.Size, len(data))
	}
	return obj
}

func get(t *testing.T, b storage.Backend, key string, off, n int64) []byte {
	t.Helper()
	rc, err := b.Get(ctxT(t), key, off, n)
	if err != nil {
		t.Fatalf("Get(%q, %d, %d): %v", key, off, n, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q, %d, %d): read: %v", key, off, n, err)
	}
	return data
}

func pattern(seed uint64, n int) []byte {
	buf := make([]byte, n)
	rand.NewChaCha8(seedBytes(seed)).Read(buf)
	return buf
}

func seedBytes(seed uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return s
}

func testRoundTrip(t *testing.T, b storage.Backend) {
	data := pattern(1, 300_000)
	obj := put(t, b, "docs/report.pdf", data)
	if got := get(t, b, "docs/report.pdf", 0, -1); !bytes.Equal(got, data) {
		t.Fatalf("Get returned %d bytes, not the %d put", len(got), len(data))
	}
	st, err := b.Stat(ctxT(t), "docs/report.pdf")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if st.Key != obj.Key || st.Size != int64(len(data)) {
		t.Fatalf("Stat = %+v, want key %q size %d", st, obj.Key, len(data))
	}
	if st.ModTime.IsZero() {
		t.Errorf("Stat: zero ModTime")
	}
	// A reader that returns short reads and data with io.EOF together.
	small := []byte("hello, consortium")
	if _, err := b.Put(ctxT(t), "docs/hello.txt", &trickleReader{data: small}); err != nil {
		t.Fatalf("Put from trickling reader: %v", err)
	}
	if got := get(t, b, "docs/hello.txt", 0, -1); !bytes.Equal(got, small) {
		t.Fatalf("Get = %q, want %q", got, small)
	}
}

// trickleReader returns one byte per Read and io.EOF with the last one.
type trickleReader struct{ data []byte }

func (r *trickleReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	if len(r.data) == 0 {
		return 1, io.EOF
	}
	return 1, nil
}

func testOverwrite(t *testing.T, b storage.Backend) {
	put(t, b, "a.txt", pattern(2, 100_000))
	second := []byte("shorter")
	put(t, b, "a.txt", second)
	if got := get(t, b, "a.txt", 0, -1); !bytes.Equal(got, second) {
		t.Fatalf("after overwrite Get = %d bytes, want %q", len(got), second)
	}
	st, err := b.Stat(ctxT(t), "a.txt")
	if err != nil || st.Size != int64(len(second)) {
		t.Fatalf("Stat after overwrite = %+v, %v; want size %d", st, err, len(second))
	}
}

func testNotFound(t *testing.T, b storage.Backend) {
	ctx := ctxT(t)
	if _, err := b.Get(ctx, "missing.txt", 0, -1); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := b.Get(ctx, "missing.txt", 5, 10); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get(missing, range) error = %v, want ErrNotFound", err)
	}
	if _, err := b.Stat(ctx, "no/such/thing"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat(missing) error = %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, "missing.txt"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete(missing) error = %v, want ErrNotFound", err)
	}
	// A folder is not an object.
	put(t, b, "dir/file", []byte("x"))
	if _, err := b.Stat(ctx, "dir"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat(folder) error = %v, want ErrNotFound", err)
	}
	if _, err := b.Get(ctx, "dir", 0, -1); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get(folder) error = %v, want ErrNotFound", err)
	}
}

func testZeroByte(t *testing.T, b storage.Backend) {
	put(t, b, "empty", nil)
	if got := get(t, b, "empty", 0, -1); len(got) != 0 {
		t.Fatalf("Get(empty) = %d bytes", len(got))
	}
	if got := get(t, b, "empty", 0, 10); len(got) != 0 {
		t.Fatalf("Get(empty, 0, 10) = %d bytes", len(got))
	}
	st, err := b.Stat(ctxT(t), "empty")
	if err != nil || st.Size != 0 {
		t.Fatalf("Stat(empty) = %+v, %v", st, err)
	}
	if _, err := b.Get(ctxT(t), "empty", 1, -1); !errors.Is(err, storage.ErrInvalidRange) {
		t.Fatalf("Get(empty, 1) error = %v, want ErrInvalidRange", err)
	}
}

func testRanges(t *testing.T, b storage.Backend) {
	data := pattern(3, 1_000_003)
	put(t, b, "r.bin", data)
	n := int64(len(data))
	cases := []struct{ off, length int64 }{
		{0, -1}, {0, 1}, {1, 1}, {0, n}, {0, n + 100}, {12345, -1}, {12345, 1000},
		{n - 1, -1}, {n - 1, 1}, {n - 1, 50}, {n, -1}, {n, 10}, {500_000, 0}, {0, 0},
		{262_143, 262_146}, // across typical chunk boundaries
	}
	for _, c := range cases {
		end := n
		if c.length >= 0 && c.off+c.length < n {
			end = c.off + c.length
		}
		want := data[c.off:end]
		if got := get(t, b, "r.bin", c.off, c.length); !bytes.Equal(got, want) {
			t.Errorf("Get(off=%d, len=%d) = %d bytes, want %d (content differs: %v)",
				c.off, c.length, len(got), len(want), len(got) == len(want))
		}
	}
	for _, off := range []int64{n + 1, n + 1<<20} {
		rc, err := b.Get(ctxT(t), "r.bin", off, -1)
		if err == nil {
			rc.Close()
		}
		if !errors.Is(err, storage.ErrInvalidRange) {
			t.Errorf("Get(off=%d) past end: error = %v, want ErrInvalidRange", off, err)
		}
	}
	if _, err := b.Get(ctxT(t), "r.bin", -1, 5); err == nil {
		t.Errorf("Get(off=-1) succeeded")
	}
}

// listing is the whole result of paging through a listing.
type listing struct {
	objects  []string
	prefixes []string
}

func listAll(t *testing.T, b storage.Backend, prefix, delim string, limit int) listing {
	t.Helper()
	var out listing
	after := ""
	var last string
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("List(%q, %q, %d): more than 10000 pages", prefix, delim, limit)
		}
		page, err := b.List(ctxT(t), storage.ListOptions{Prefix: prefix, Delimiter: delim, After: after, Limit: limit})
		if err != nil {
			t.Fatalf("List(prefix=%q, delim=%q, limit=%d): %v", prefix, delim, limit, err)
		}
		if n := len(page.Objects) + len(page.Prefixes); limit > 0 && n > limit {
			t.Fatalf("List(limit=%d) returned %d entries", limit, n)
		}
		var entries []string
		for _, o := range page.Objects {
			if o.Size < 0 || o.Key == "" {
				t.Errorf("List returned object %+v", o)
			}
			out.objects = append(out.objects, o.Key)
			entries = append(entries, o.Key)
		}
		for _, p := range page.Prefixes {
			if delim == "" || !strings.HasSuffix(p, delim) {
				t.Errorf("List(delim=%q) returned prefix %q", delim, p)
			}
			out.prefixes = append(out.prefixes, p)
			entries = append(entries, p)
		}
		if !slices.IsSorted(page.Prefixes) || !sort.SliceIsSorted(page.Objects, func(i, j int) bool { return page.Objects[i].Key < page.Objects[j].Key }) {
			t.Errorf("List page not sorted: %v %v", page.Objects, page.Prefixes)
		}
		slices.Sort(entries)
		if len(entries) > 0 {
			if last != "" && entries[0] <= last {
				t.Errorf("List page starts at %q, not after previous page's %q", entries[0], last)
			}
			last = entries[len(entries)-1]
		}
		if page.Next == "" {
			return out
		}
		if page.Next == after {
			t.Fatalf("List returned Next %q equal to After: no progress", after)
		}
		after = page.Next
	}
}

// model computes what a listing of keys must return.
func model(keys []string, prefix, delim string) listing {
	var out listing
	seen := map[string]bool{}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		rest := k[len(prefix):]
		if delim != "" {
			if i := strings.Index(rest, delim); i >= 0 {
				p := prefix + rest[:i+len(delim)]
				if !seen[p] {
					seen[p] = true
					out.prefixes = append(out.prefixes, p)
				}
				continue
			}
		}
		out.objects = append(out.objects, k)
	}
	slices.Sort(out.objects)
	slices.Sort(out.prefixes)
	return out
}

func checkListing(t *testing.T, b storage.Backend, keys []string, prefix, delim string, limit int) {
	t.Helper()
	got := listAll(t, b, prefix, delim, limit)
	want := model(keys, prefix, delim)
	if !slices.Equal(got.objects, want.objects) {
		t.Errorf("List(prefix=%q, delim=%q, limit=%d) objects =\n  %q\nwant\n  %q", prefix, delim, limit, got.objects, want.objects)
	}
	if !slices.Equal(got.prefixes, want.prefixes) {
		t.Errorf("List(prefix=%q, delim=%q, limit=%d) prefixes =\n  %q\nwant\n  %q", prefix, delim, limit, got.prefixes, want.prefixes)
	}
}

var listKeys = []string{
	"a.txt", "a-b.txt", "a/b.txt", "a/c/d.txt", "a/c/e.txt", "a/c.txt", "a0",
	"b/x", "b/y/z", "c", "z/deep/er/still/file",
}

func testList(t *testing.T, b storage.Backend) {
	if page, err := b.List(ctxT(t), storage.ListOptions{}); err != nil || len(page.Objects)+len(page.Prefixes) != 0 || page.Next != "" {
		t.Fatalf("List of an empty store = %+v, %v", page, err)
	}
	for i, k := range listKeys {
		put(t, b, k, []byte(fmt.Sprintf("content %d", i)))
	}
	for _, prefix := range []string{"", "a", "a/", "a/c", "a/c/", "b/", "z/", "nothing/", "a/b.txt"} {
		checkListing(t, b, listKeys, prefix, "/", 0)
		checkListing(t, b, listKeys, prefix, "", 0)
	}
	page, err := b.List(ctxT(t), storage.ListOptions{Prefix: "a/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range page.Objects {
		if o.Key == "a/c.txt" && o.Size != int64(len("content 5")) {
			t.Errorf("List size of a/c.txt = %d", o.Size)
		}
		if o.ModTime.IsZero() {
			t.Errorf("List: %q has zero ModTime", o.Key)
		}
	}
}

func testListPagination(t *testing.T, b storage.Backend) {
	keys := slices.Clone(listKeys)
	for i := range 12 {
		keys = append(keys, fmt.Sprintf("p/%02d", i))
	}
	for i := range 3 {
		keys = append(keys, fmt.Sprintf("p/sub%d/x", i), fmt.Sprintf("p/sub%d/y", i))
	}
	for _, k := range keys {
		put(t, b, k, []byte(k))
	}
	for _, limit := range []int{1, 2, 3, 5} {
		for _, prefix := range []string{"", "a/", "p/"} {
			checkListing(t, b, keys, prefix, "/", limit)
			checkListing(t, b, keys, prefix, "", limit)
		}
	}
}

var unicodeKeys = []string{
	"dossier été/rapport final.pdf",
	"ファイル/名前 スペース.txt",
	"emoji 📄 doc.txt",
	"spaces  double  .txt",
	"plus+equals=amp&.txt",
	"100% sure.txt",
	"quote's \"double\".txt",
	"semi;colon,comma:colon.txt",
	"ü/Ünïcödé/ß",
	"hash#question?.txt",
	"tilde~star*(paren)[bracket].txt",
	"a..b/c...d",
	".hidden",
	"dir/.also-hidden",
	"trailing space ",
	" leading space",
}

func testNames(t *testing.T, b storage.Backend) {
	for i, k := range unicodeKeys {
		put(t, b, k, []byte(fmt.Sprintf("%d:%s", i, k)))
	}
	for i, k := range unicodeKeys {
		if got, want := string(get(t, b, k, 0, -1)), fmt.Sprintf("%d:%s", i, k); got != want {
			t.Errorf("Get(%q) = %q, want %q", k, got, want)
		}
		if st, err := b.Stat(ctxT(t), k); err != nil || st.Key != k {
			t.Errorf("Stat(%q) = %+v, %v", k, st, err)
		}
	}
	checkListing(t, b, unicodeKeys, "", "", 0)
	checkListing(t, b, unicodeKeys, "", "/", 0)
	checkListing(t, b, unicodeKeys, "ファイル/", "/", 0)
	checkListing(t, b, unicodeKeys, "dossier été/", "/", 2)
}

// InvalidKeys are keys every backend must refuse.
var InvalidKeys = []string{
	"", "/", "/etc/passwd", "//server/share", "..", ".", "../x", "a/../../x", "a/..",
	"./a", "a/./b", "a//b", "a/", `a\b`, `..\x`, `\abs`, `C:\x`,
	"%2e%2e/x", "a/%2E%2E/b", "%2e%2e%2fx", "%2fetc/passwd", "a%5cb", "%252e%252e/x",
	"a\x00b", "line\nbreak", "tab\there", "del\x7f", "\xff\xfe", strings.Repeat("x", 256),
	strings.Repeat("a/", 600) + "b",
}

func testInvalidKeys(t *testing.T, b storage.Backend) {
	ctx := ctxT(t)
	for _, k := range InvalidKeys {
		if err := storage.ValidateKey(k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, err := b.Put(ctx, k, strings.NewReader("escape")); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if rc, err := b.Get(ctx, k, 0, -1); !errors.Is(err, storage.ErrInvalidKey) {
			if err == nil {
				rc.Close()
			}
			t.Errorf("Get(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if _, err := b.Stat(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Stat(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if err := b.Delete(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidKey", k, err)
		}
	}
	got := listAll(t, b, "", "", 0)
	if len(got.objects) != 0 || len(got.prefixes) != 0 {
		t.Errorf("refused puts left objects: %q %q", got.objects, got.prefixes)
	}
	for _, p := range []string{"../", "/", "a/../"} {
		if _, err := b.List(ctx, storage.ListOptions{Prefix: p}); err == nil {
			// A prefix is only a filter, but one that escapes must not
			// list anything outside the store.
			got := listAll(t, b, p, "", 0)
			if len(got.objects)+len(got.prefixes) != 0 {
				t.Errorf("List(prefix=%q) found %q %q", p, got.objects, got.prefixes)
			}
		}
	}
}

// failingReader yields n bytes of data, then calls hook and returns err.
type failingReader struct {
	r    io.Reader
	n    int64
	hook func()
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		if f.hook != nil {
			f.hook()
			f.hook = nil
		}
		return 0, f.err
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

func partialSizes() []int64 { return []int64{1000, 20 << 20} }

func testCancelledPut(t *testing.T, b storage.Backend) {
	old := []byte("previous complete content")
	put(t, b, "kept", old)
	for _, n := range partialSizes() {
		for _, key := range []string{"kept", fmt.Sprintf("new-%d", n)} {
			ctx, cancel := context.WithCancel(ctxT(t))
			r := &failingReader{r: rand.NewChaCha8(seedBytes(uint64(n))), n: n, hook: cancel, err: context.Canceled}
			_, err := b.Put(ctx, key, r)
			cancel()
			if err == nil {
				t.Fatalf("Put(%q) with ctx cancelled after %d bytes succeeded", key, n)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Put(%q) cancelled: error %v does not wrap context.Canceled", key, err)
			}
		}
		if got := get(t, b, "kept", 0, -1); !bytes.Equal(got, old) {
			t.Fatalf("cancelled Put over %q changed it to %d bytes", "kept", len(got))
		}
		if _, err := b.Stat(ctxT(t), fmt.Sprintf("new-%d", n)); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("cancelled Put left an object: Stat error = %v", err)
		}
	}
	// Cancelled before the call.
	ctx, cancel := context.WithCancel(ctxT(t))
	cancel()
	if _, err := b.Put(ctx, "precancelled", strings.NewReader("x")); err == nil {
		t.Fatalf("Put with a cancelled ctx succeeded")
	}
	checkListing(t, b, []string{"kept"}, "", "", 0)
}

func testFailedPut(t *testing.T, b storage.Backend) {
	old := []byte("old")
	put(t, b, "f", old)
	// io.ErrUnexpectedEOF is what a truncated upload body gives; a backend
	// must not mistake it for the end of the content (io.ReadFull returns
	// the same error for a short final read).
	for _, boom := range []error{errors.New("reader broke"), io.ErrUnexpectedEOF} {
		for _, n := range partialSizes() {
			r := &failingReader{r: rand.NewChaCha8(seedBytes(7)), n: n, err: boom}
			if _, err := b.Put(ctxT(t), "f", r); !errors.Is(err, boom) {
				t.Errorf("Put with reader failing after %d bytes: error = %v, want it to wrap the reader's %v", n, err, boom)
			}
			r = &failingReader{r: rand.NewChaCha8(seedBytes(7)), n: n, err: boom}
			if _, err := b.Put(ctxT(t), "g", r); err == nil {
				t.Errorf("Put with reader failing with %v after %d bytes succeeded", boom, n)
			}
		}
	}
	if got := get(t, b, "f", 0, -1); !bytes.Equal(got, old) {
		t.Fatalf("failed Put changed the object to %d bytes", len(got))
	}
	checkListing(t, b, []string{"f"}, "", "", 0)
}

func testConcurrentWriters(t *testing.T, b storage.Backend) {
	const writers = 4
	size := 3<<20 + 17 // several parts for chunked backends
	sums := make([][32]byte, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		data := pattern(uint64(100+i), size)
		sums[i] = sha256.Sum256(data)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = b.Put(ctxT(t), "contended", &trickleChunks{data: data, chunk: 64 << 10})
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
		} else {
			t.Logf("writer %d failed (allowed): %v", i, err)
		}
	}
	if ok == 0 {
		t.Fatalf("all %d concurrent Puts failed: %v", writers, errs)
	}
	got := sha256.Sum256(get(t, b, "contended", 0, -1))
	for i := range writers {
		if got == sums[i] {
			if errs[i] != nil {
				t.Fatalf("content is writer %d's, whose Put failed: %v", i, errs[i])
			}
			return
		}
	}
	t.Fatalf("content after concurrent Puts matches no writer: a mix")
}

// trickleChunks returns data in chunks with a yield between them, so
// concurrent writers interleave.
type trickleChunks struct {
	data  []byte
	chunk int
}

func (r *trickleChunks) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	runtime.Gosched()
	n := min(len(p), r.chunk, len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func testDelete(t *testing.T, b storage.Backend) {
	put(t, b, "d/one", []byte("1"))
	put(t, b, "d/two", []byte("2"))
	if err := b.Delete(ctxT(t), "d/one"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := b.Stat(ctxT(t), "d/one"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat after Delete: %v", err)
	}
	checkListing(t, b, []string{"d/two"}, "", "/", 0)
	if err := b.Delete(ctxT(t), "d/two"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	// The folder disappears with its last object.
	checkListing(t, b, nil, "", "/", 0)
	if err := b.Delete(ctxT(t), "d/two"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
}

// Generator returns a deterministic stream of n pseudo-random bytes.
func Generator(seed uint64, n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8(seedBytes(seed)), n)
}

// HeapSampler records the peak heap in use while it runs.
type HeapSampler struct {
	base, peak uint64
	stop       chan struct{}
	done       chan struct{}
}

// StartHeapSampler collects garbage, records the heap in use as the base
// and samples it every few milliseconds until Stop.
func StartHeapSampler() *HeapSampler {
	runtime.GC()
	s := &HeapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	s.base = heapInUse()
	s.peak = s.base
	go func() {
		defer close(s.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				s.peak = max(s.peak, heapInUse())
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the base and peak heap in use, in bytes.
func (s *HeapSampler) Stop() (base, peak uint64) {
	close(s.stop)
	<-s.done
	s.peak = max(s.peak, heapInUse())
	return s.base, s.peak
}

func heapInUse() uint64 {
	// The same quantity as MemStats.HeapInuse, read without stopping the
	// world.
	ms := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	metrics.Read(ms)
	return ms[0].Value.Uint64() + ms[1].Value.Uint64()
}

func testLarge(t *testing.T, b storage.Backend) {
	size := LargeSize()
	const seed = 42
	h := sha256.New()
	if _, err := io.Copy(h, Generator(seed, size)); err != nil {
		t.Fatal(err)
	}
	want := h.Sum(nil)

	s := StartHeapSampler()
	start := time.Now()
	obj, err := b.Put(ctxT(t), "large/object.bin", Generator(seed, size))
	putTime := time.Since(start)
	base, peak := s.Stop()
	if err != nil {
		t.Fatalf("Put %d bytes: %v", size, err)
	}
	if obj.Size != size {
		t.Fatalf("Put size = %d, want %d", obj.Size, size)
	}
	t.Logf("put %d MiB: %.1f MB/s, heap in use base %.1f MiB, peak %.1f MiB, growth %.1f MiB",
		size>>20, float64(size)/1e6/putTime.Seconds(), mib(base), mib(peak), mib(peak-base))
	if peak-base >= MaxHeapGrowth {
		t.Errorf("Put of %d MiB grew the heap by %.1f MiB (limit %d MiB)", size>>20, mib(peak-base), MaxHeapGrowth>>20)
	}

	s = StartHeapSampler()
	start = time.Now()
	rc, err := b.Get(ctxT(t), "large/object.bin", 0, -1)
	if err != nil {
		s.Stop()
		t.Fatalf("Get: %v", err)
	}
	h.Reset()
	n, err := io.Copy(h, rc)
	rc.Close()
	getTime := time.Since(start)
	base, peak = s.Stop()
	if err != nil {
		t.Fatalf("Get: read after %d bytes: %v", n, err)
	}
	if n != size || !bytes.Equal(h.Sum(nil), want) {
		t.Fatalf("Get returned %d bytes with a different SHA-256 (want %d bytes)", n, size)
	}
	t.Logf("get %d MiB: %.1f MB/s, heap in use base %.1f MiB, peak %.1f MiB, growth %.1f MiB",
		size>>20, float64(size)/1e6/getTime.Seconds(), mib(base), mib(peak), mib(peak-base))
	if peak-base >= MaxHeapGrowth {
		t.Errorf("Get of %d MiB grew the heap by %.1f MiB (limit %d MiB)", size>>20, mib(peak-base), MaxHeapGrowth>>20)
	}

	// Resume from the middle, as an interrupted transfer would.
	half := size / 2
	rc, err = b.Get(ctxT(t), "large/object.bin", half, 1<<20)
	if err != nil {
		t.Fatalf("Get range: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	wantRange := make([]byte, 1<<20)
	g := Generator(seed, size)
	if _, err := io.CopyN(io.Discard, g, half); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(g, wantRange); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wantRange) {
		t.Fatalf("Get(%d, 1 MiB) differs from the generator", half)
	}
	if err := b.Delete(ctxT(t), "large/object.bin"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

func testMove(t *testing.T, b storage.Backend) {
	m, ok := b.(storage.Mover)
	if !ok {
		t.Logf("%T is not a storage.Mover: nothing to check", b)
		return
	}
	ctx := ctxT(t)
	first := pattern(11, 300_000)
	put(t, b, "staging/one", first)
	before, err := b.Stat(ctx, "staging/one")
	if err != nil {
		t.Fatal(err)
	}
	// To a new name, in a new folder.
	obj, err := m.Move(ctx, "staging/one", "in/box/doc.pdf")
	if err != nil {
		t.Fatalf("Move to a new name: %v", err)
	}
	if obj.Key != "in/box/doc.pdf" || obj.Size != int64(len(first)) {
		t.Errorf("Move returned %+v, want key in/box/doc.pdf, size %d", obj, len(first))
	}
	if before.Ref != "" && obj.Ref != before.Ref {
		t.Errorf("Move changed Ref from %q to %q", before.Ref, obj.Ref)
	}
	if got := get(t, b, "in/box/doc.pdf", 0, -1); !bytes.Equal(got, first) {
		t.Fatalf("moved object reads back %d bytes, not the %d put", len(got), len(first))
	}
	if _, err := b.Stat(ctx, "staging/one"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat of the source after Move: %v, want ErrNotFound", err)
	}
	checkListing(t, b, []string{"in/box/doc.pdf"}, "", "/", 0)

	// Over an existing object, which stays intact until the move succeeds.
	second := []byte("second content")
	put(t, b, "staging/two", second)
	type refusal struct {
		name     string
		ctx      context.Context
		from, to string
		want     error
	}
	refusals := []refusal{
		{"missing source", ctx, "staging/none", "in/box/doc.pdf", storage.ErrNotFound},
		{"invalid target", ctx, "staging/two", "../in/box/doc.pdf", storage.ErrInvalidKey},
		{"invalid source", ctx, "staging/../staging/two", "in/box/doc.pdf", storage.ErrInvalidKey},
		{"cancelled ctx", cancelled(ctx), "staging/two", "in/box/doc.pdf", context.Canceled},
	}
	for _, k := range InvalidKeys {
		refusals = append(refusals,
			refusal{"invalid target key", ctx, "staging/two", k, storage.ErrInvalidKey},
			refusal{"invalid source key", ctx, k, "in/box/doc.pdf", storage.ErrInvalidKey})
	}
	for _, c := range refusals {
		if _, err := m.Move(c.ctx, c.from, c.to); !errors.Is(err, c.want) {
			t.Errorf("Move %q to %q (%s): %v, want %v", c.from, c.to, c.name, err, c.want)
		}
	}
	if got := get(t, b, "in/box/doc.pdf", 0, -1); !bytes.Equal(got, first) {
		t.Fatalf("refused Moves changed the target to %d bytes", len(got))
	}
	if got := get(t, b, "staging/two", 0, -1); !bytes.Equal(got, second) {
		t.Fatalf("refused Moves changed the source to %q", got)
	}
	if _, err := m.Move(ctx, "staging/two", "in/box/doc.pdf"); err != nil {
		t.Fatalf("Move over an existing object: %v", err)
	}
	if got := get(t, b, "in/box/doc.pdf", 0, -1); !bytes.Equal(got, second) {
		t.Fatalf("after Move over it the target reads %d bytes, want %q", len(got), second)
	}
	// Onto itself: the object stays.
	if _, err := m.Move(ctx, "in/box/doc.pdf", "in/box/doc.pdf"); err != nil {
		t.Fatalf("Move onto itself: %v", err)
	}
	if got := get(t, b, "in/box/doc.pdf", 0, -1); !bytes.Equal(got, second) {
		t.Fatalf("after Move onto itself the object reads %q", got)
	}
	checkListing(t, b, []string{"in/box/doc.pdf"}, "", "", 0)
}

func cancelled(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return ctx
}

func testClose(t *testing.T, b storage.Backend) {
	c, ok := b.(storage.Closer)
	if !ok {
		if err := storage.Close(b); err != nil {
			t.Errorf("storage.Close of a backend that is no Closer: %v", err)
		}
		t.Logf("%T is not a storage.Closer: nothing to check", b)
		return
	}
	ctx := ctxT(t)
	put(t, b, "kept", []byte("content"))
	if err := storage.Close(b); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	closed := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, storage.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", op, err)
		}
	}
	_, err := b.Put(ctx, "new", strings.NewReader("x"))
	closed("Put", err)
	rc, err := b.Get(ctx, "kept", 0, -1)
	if err == nil {
		rc.Close()
	}
	closed("Get", err)
	_, err = b.Stat(ctx, "kept")
	closed("Stat", err)
	_, err = b.List(ctx, storage.ListOptions{})
	closed("List", err)
	closed("Delete", b.Delete(ctx, "kept"))
	if m, ok := b.(storage.Mover); ok {
		_, err = m.Move(ctx, "kept", "moved")
		closed("Move", err)
	}
}
