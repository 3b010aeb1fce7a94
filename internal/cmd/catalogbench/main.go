// Command catalogbench measures the document catalog for
// scripts/bench/catalog.sh: search by hash and by name, and folder
// listing, in a store holding many documents.
//
// It fills a store of one member on local disk with -docs documents of
// 1 KiB: 100 top-level folders f000…f099, each holding sub-folders of
// 1,000 documents (s00, s01, …), named doc-NNNNNNN.bin. The files are
// written straight into the backend's folder, as an importer would
// (a document Put fsyncs each file, which would make a million of them
// take hours); their hashes go into the catalog through Space.Record,
// the catalog's bulk loader, 10,000 at a time.
//
// Then it times -requests calls of each operation through the docstore
// API, in process, one after the other, and prints Markdown table rows
// (measure | command | Consign | baseline | ratio | goal). The
// baselines run on the same data in the same run:
//   - search: the query shapes the indexes replaced (by hash: the same
//     query with the table's indexes bypassed, NOT INDEXED, as the old
//     plan scanned; by name: the LIKE walk of the member's rows in path
//     order, the old query verbatim);
//   - browse of the folder holding the 100 folders: the old local-disk
//     listing's sub-folder check, which read every entry of each
//     sub-folder (recursing until it met a file), run over the same tree.
//
// It also reports the process's RSS after the timings (the store is
// opened in this process: it stands for the node).
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/cmd/benchkit"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/storage/local"
)

const (
	member    = "org1"
	folders   = 100
	leafDocs  = 1000
	batchSize = 10_000
	docSize   = 1024
)

func main() {
	docs := flag.Int("docs", 1_000_000, "documents to load (a multiple of 100,000)")
	work := flag.String("work", "", "scratch directory (emptied first)")
	requests := flag.Int("requests", 300, "timed calls per operation")
	baseRequests := flag.Int("baseline-requests", 30, "timed calls per baseline (each scans the store: slow)")
	label := flag.String("label", "", "text added to each row's measure (e.g. the machine's load)")
	reuse := flag.Bool("reuse", false, "time the store a previous run left in -work instead of filling it again")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timings to this file")
	flag.Parse()
	benchkit.Exit("catalogbench", run(context.Background(), options{*docs, *work, *requests, *baseRequests, *label, *reuse, *cpuProfile}))
}

// content is document i's bytes.
func content(i int) []byte {
	b := make([]byte, docSize)
	x := uint64(i)*0x9E3779B97F4A7C15 + 1
	for j := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[j] = byte(x)
	}
	return b
}

func hashOf(i int) string {
	s := sha256.Sum256(content(i))
	return hex.EncodeToString(s[:])
}

// pathOf is document i's path: folder i%100, then its sub-folder.
func pathOf(i int) string {
	f := i % folders
	k := i / folders // index within the folder
	return fmt.Sprintf("f%03d/s%02d/doc-%07d.bin", f, k/leafDocs, i)
}

type options struct {
	docs       int
	work       string
	requests   int
	baseReqs   int
	label      string
	reuse      bool
	cpuProfile string
}

func run(ctx context.Context, o options) error {
	docs, work, requests, baseReqs, label := o.docs, o.work, o.requests, o.baseReqs, o.label
	if work == "" || docs < 100_000 || docs%100_000 != 0 || requests < 1 || baseReqs < 1 {
		return errors.New("usage: catalogbench -work DIR [-docs N (a multiple of 100,000)] [-requests N] [-reuse]")
	}
	if !o.reuse {
		if err := os.RemoveAll(work); err != nil {
			return err
		}
	}
	root := filepath.Join(work, "store")
	backend, err := local.New(local.Config{Root: root, CreateRoot: true})
	if err != nil {
		return err
	}
	defer backend.Close()
	db, err := metadb.Open(ctx, metadb.Config{Path: filepath.Join(work, "meta.db")})
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := docstore.New(ctx, db, backend, docstore.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	sp, err := st.Space(member)
	if err != nil {
		return err
	}

	start := time.Now()
	if !o.reuse {
		if err := fill(ctx, sp, filepath.Join(root, member), docs); err != nil {
			return err
		}
	}
	loadSecs := time.Since(start).Seconds()
	dbSize := fileSize(filepath.Join(work, "meta.db")) + fileSize(filepath.Join(work, "meta.db-wal"))
	n := fmt.Sprintf("%d", docs)
	if docs%1_000_000 == 0 {
		n = fmt.Sprintf("%d,000,000", docs/1_000_000)
	} else if docs%1000 == 0 {
		n = fmt.Sprintf("%d,000", docs/1000)
	}
	cmd := fmt.Sprintf("`go run ./internal/cmd/catalogbench -docs %d -requests %d -baseline-requests %d -work DIR`", docs, requests, baseReqs)
	sfx := ""
	if label != "" {
		sfx = ", " + label
	}
	if !o.reuse {
		fmt.Printf("| catalog bulk load, %s documents of 1 KiB (files written by the bench, hashes through Space.Record)%s | %s | %.0f docs/s (%.0f s; catalog %.0f MiB) | – | – | – |\n",
			n, sfx, cmd, float64(docs)/loadSecs, loadSecs, float64(dbSize)/(1<<20))
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() int { return rng.IntN(docs) }

	// Search by hash.
	cons, err := timeN(requests, func() error {
		i := pick()
		return expectOne(sp.Search(ctx, hashOf(i), true))(pathOf(i))
	})
	if err != nil {
		return fmt.Errorf("search by hash: %w", err)
	}
	base, err := timeN(baseReqs, func() error {
		i := pick()
		return expectOne(oldHashSearch(ctx, db, hashOf(i)))(pathOf(i))
	})
	if err != nil {
		return fmt.Errorf("search by hash, baseline: %w", err)
	}
	row(fmt.Sprintf("search by hash, %s documents (p50 / p99 of %d, docstore API in process%s)", n, requests, sfx), cmd, cons, base,
		"the same query with the indexes bypassed (NOT INDEXED: the old plan's scan)", "p99 ≤ 2 ms")

	// Search by name: one hit, then no hit.
	cons, err = timeN(requests, func() error {
		i := pick()
		return expectOne(sp.Search(ctx, fmt.Sprintf("doc-%07d", i), false))(pathOf(i))
	})
	if err != nil {
		return fmt.Errorf("search by name: %w", err)
	}
	base, err = timeN(baseReqs, func() error {
		i := pick()
		return expectOne(oldNameSearch(ctx, db, fmt.Sprintf("doc-%07d", i)))(pathOf(i))
	})
	if err != nil {
		return fmt.Errorf("search by name, baseline: %w", err)
	}
	row(fmt.Sprintf("search by name substring, one hit, %s documents (p50 / p99 of %d, docstore API in process%s)", n, requests, sfx), cmd, cons, base,
		"the old query: LIKE over the member's rows in path order", "p99 ≤ 20 ms")
	cons, err = timeN(requests, func() error {
		res, err := sp.Search(ctx, fmt.Sprintf("nothing-%d", pick()), false)
		return expectNone(res, err)
	})
	if err != nil {
		return fmt.Errorf("search by name, no hit: %w", err)
	}
	base, err = timeN(baseReqs, func() error {
		return expectNone(oldNameSearch(ctx, db, fmt.Sprintf("nothing-%d", pick())))
	})
	if err != nil {
		return fmt.Errorf("search by name, no hit, baseline: %w", err)
	}
	row(fmt.Sprintf("search by name substring, no hit, %s documents (p50 / p99 of %d, docstore API in process%s)", n, requests, sfx), cmd, cons, base,
		"the old query: LIKE over the member's rows in path order", "p99 ≤ 20 ms")

	// Browse the folder holding the 100 folders.
	top, err := docstore.ParsePath("/")
	if err != nil {
		return err
	}
	cons, err = timeN(requests, func() error {
		l, err := sp.List(ctx, top, 0, docstore.DefaultListLimit)
		if err == nil && (len(l.Entries) != folders || !l.Entries[0].IsDir) {
			err = fmt.Errorf("listed %d entries, want %d folders", len(l.Entries), folders)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("browse: %w", err)
	}
	base, err = timeN(baseReqs, func() error {
		n, err := oldFolderCheck(filepath.Join(root, member))
		if err == nil && n != folders {
			err = fmt.Errorf("old check found %d folders, want %d", n, folders)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("browse, baseline: %w", err)
	}
	row(fmt.Sprintf("browse a folder holding 100 folders (%s documents below; p50 / p99 of %d, docstore API in process%s)", n, requests, sfx), cmd, cons, base,
		"the old local-disk sub-folder check alone (every entry of each sub-folder read), same tree", "p99 ≤ 20 ms")

	// Browse a page of a 1,000-entry folder.
	cons, err = timeN(requests, func() error {
		i := pick()
		dir, err := docstore.ParsePath(filepath.Dir(pathOf(i)))
		if err != nil {
			return err
		}
		off := rng.IntN(leafDocs/docstore.DefaultListLimit) * docstore.DefaultListLimit
		l, err := sp.List(ctx, dir, off, docstore.DefaultListLimit)
		if err == nil && (len(l.Entries) != docstore.DefaultListLimit || l.Entries[0].Hash == "") {
			err = fmt.Errorf("page at %d of %s: %d entries, first %+v", off, dir, len(l.Entries), l.Entries[0])
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("browse a page: %w", err)
	}
	fmt.Printf("| browse a page of 100 in a 1,000-entry folder (%s documents in the store; p50 / p99 of %d, docstore API in process%s) | %s | %s | – (9 ms p99 at 100,000 before, issue 15) | – | p99 ≤ 20 ms |\n",
		n, requests, sfx, cmd, cons)

	rss, hwm := memory()
	fmt.Printf("| RSS of the process holding the store after the timings, %s documents (MiB, current / peak%s) | %s | %d / %d MiB | – | – | reported |\n",
		n, sfx, cmd, rss>>20, hwm>>20)
	return nil
}

// fill writes docs documents into dir (the member's folder of the local
// backend) and records their hashes in batches. Two writers produce
// batches; the caller's goroutine records them.
func fill(ctx context.Context, sp *docstore.Space, dir string, docs int) error {
	for i := range folders {
		for s := 0; s < docs/folders/leafDocs; s++ {
			if err := os.MkdirAll(filepath.Join(dir, fmt.Sprintf("f%03d/s%02d", i, s)), 0o755); err != nil {
				return err
			}
		}
	}
	type batch struct {
		docs []docstore.Hashed
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const writers = 2
	batches := docs / batchSize
	out := make([]chan batch, writers)
	for w := range writers {
		out[w] = make(chan batch, 1)
		go func(w int) {
			defer close(out[w])
			for b := w; b < batches; b += writers {
				var hs []docstore.Hashed
				var err error
				for i := b * batchSize; i < (b+1)*batchSize && err == nil; i++ {
					data := content(i)
					if err = os.WriteFile(filepath.Join(dir, pathOf(i)), data, 0o644); err != nil {
						break
					}
					var p docstore.Path
					if p, err = docstore.ParsePath(pathOf(i)); err != nil {
						break
					}
					sum := sha256.Sum256(data)
					hs = append(hs, docstore.Hashed{Path: p, Hash: hex.EncodeToString(sum[:])})
				}
				select {
				case out[w] <- batch{hs, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}(w)
	}
	for b := range batches {
		bt, ok := <-out[b%writers]
		if !ok {
			return errors.New("a writer stopped early")
		}
		if bt.err != nil {
			return bt.err
		}
		if err := sp.Record(ctx, bt.docs); err != nil {
			return err
		}
	}
	return nil
}

// oldHashSearch is the search by hash without the index.
func oldHashSearch(ctx context.Context, db *sql.DB, hash string) ([]string, error) {
	return paths(db.QueryContext(ctx, `SELECT path FROM docstore_documents NOT INDEXED
		WHERE member = ? AND hash = ? ORDER BY path LIMIT ?`, member, hash, docstore.MaxSearchResults))
}

// oldNameSearch is the search by name before the trigram index.
func oldNameSearch(ctx context.Context, db *sql.DB, query string) ([]string, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(query) + "%"
	return paths(db.QueryContext(ctx, `SELECT path FROM docstore_documents
		WHERE member = ? AND hash != '' AND path LIKE ? ESCAPE '\' ORDER BY path LIMIT ?`, member, like, docstore.MaxSearchResults))
}

func paths(rows *sql.Rows, err error) ([]string, error) {
	return metadb.Collect(rows, err, func(rows *sql.Rows) (string, error) {
		var p string
		err := rows.Scan(&p)
		return p, err
	})
}

// expectOne checks that a search found exactly the one path.
func expectOne[T any](res []T, err error) func(want string) error {
	return func(want string) error {
		if err != nil {
			return err
		}
		if len(res) != 1 {
			return fmt.Errorf("%d results for %s, want 1", len(res), want)
		}
		var got string
		switch r := any(res[0]).(type) {
		case docstore.Document:
			got = r.Path.String()
		case string:
			got = r
		}
		if got != want {
			return fmt.Errorf("found %s, want %s", got, want)
		}
		return nil
	}
}

func expectNone[T any](res []T, err error) error {
	if err == nil && len(res) != 0 {
		err = fmt.Errorf("%d results, want none", len(res))
	}
	return err
}

// oldFolderCheck is what the local backend did, before it read folders a
// few entries at a time, to tell which sub-folders of dir hold a file:
// read dir, sort, and for each sub-folder read all its entries,
// recursing until a file is met. It returns how many qualify.
func oldFolderCheck(dir string) (int, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, de := range des {
		if de.IsDir() {
			ok, err := oldHasObject(filepath.Join(dir, de.Name()))
			if err != nil {
				return 0, err
			}
			if ok {
				n++
			}
		}
	}
	return n, nil
}

func oldHasObject(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	des, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return false, err
	}
	for _, de := range des {
		if de.Type().IsRegular() {
			return true, nil
		}
	}
	for _, de := range des {
		if de.IsDir() {
			if ok, err := oldHasObject(filepath.Join(dir, de.Name())); ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// latencies are the sorted durations of timed calls.
type latencies []time.Duration

func (l latencies) at(q float64) time.Duration { return l[min(len(l)-1, int(q*float64(len(l))))] }

func (l latencies) String() string { return fmt.Sprintf("%s / %s", ms(l.at(0.50)), ms(l.at(0.99))) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// timeN calls fn n times, one after the other, and returns the sorted
// durations; the first error stops it.
func timeN(n int, fn func() error) (latencies, error) {
	out := make(latencies, 0, n)
	for range n {
		t := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t))
	}
	slices.Sort(out)
	return out, nil
}

// row prints a latency row; the ratio is how many times faster the p99
// is than the baseline's.
func row(measure, cmd string, cons, base latencies, baseWhat, goal string) {
	fmt.Printf("| %s | %s | %s | %s (p50 / p99 of %d: %s) | %.0f× faster at p99 | %s |\n", measure, cmd, cons, base, len(base), baseWhat,
		float64(base.at(0.99))/float64(max(cons.at(0.99), time.Microsecond)), goal)
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// memory returns this process's resident set size and its peak, in
// bytes (Linux).
func memory() (rss, hwm int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			rss = kb << 10
		}
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			hwm = kb << 10
		}
	}
	return rss, hwm
}
