package docstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/storage/local"
)

func openCatalogDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := metadb.Open(context.Background(), metadb.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func newCatalogStore(t *testing.T, db *sql.DB) (*Store, *local.Store) {
	t.Helper()
	b, err := local.New(local.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	st, err := New(context.Background(), db, b, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return st, b
}

// firstSchemaSteps is how many steps the schema had before the catalog
// got its indexes: a database made by a node of that time has these.
const firstSchemaSteps = 3

// TestCatalogUpgradesInPlace opens a database made by the first schema,
// with documents recorded the way that schema's node recorded them, and
// checks that opening the store upgrades it in place: every record and
// preference kept, found by the new indexes, writable again.
func TestCatalogUpgradesInPlace(t *testing.T) {
	ctx := context.Background()
	db, _ := openCatalogDB(t)
	if err := metadb.Migrate(ctx, db, "docstore", catalogMigrations[:firstSchemaSteps]); err != nil {
		t.Fatal(err)
	}
	type old struct {
		member, path, hash string
		size               int64
	}
	var olds []old
	for i := range 50 {
		member := []string{"org1", "org2"}[i%2]
		olds = append(olds, old{member, fmt.Sprintf("folder%d/Report-%03d.pdf", i%5, i), fmt.Sprintf("%064x", i), int64(i)})
	}
	for _, o := range olds {
		if _, err := db.ExecContext(ctx, `INSERT INTO docstore_documents (member, path, size, hash, ref, modified_ns, hashed_ns)
			VALUES (?, ?, ?, ?, '', 1000, 2000)`, o.member, o.path, o.size, o.hash); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO docstore_preferences (member, key, value) VALUES ('org1', ?, '/in/${sender_org}')`,
		PrefReceivedDocumentsPath); err != nil {
		t.Fatal(err)
	}

	st, _ := newCatalogStore(t, db)
	var steps int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE part = 'docstore'`).Scan(&steps); err != nil {
		t.Fatal(err)
	}
	if steps != len(catalogMigrations) {
		t.Fatalf("%d steps recorded after the upgrade, want %d", steps, len(catalogMigrations))
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM docstore_documents`).Scan(&n); err != nil || n != len(olds) {
		t.Fatalf("%d records after the upgrade (%v), want %d", n, err, len(olds))
	}
	sp, err := st.Space("org1")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range olds {
		if o.member != "org1" {
			continue
		}
		r, ok, err := sp.getRow(ctx, Path{rel: o.path})
		if err != nil || !ok || r.hash != o.hash || r.fp.size != o.size || r.fp.modNS != 1000 {
			t.Fatalf("record of %s after the upgrade: %+v %v %v", o.path, r, ok, err)
		}
		res, err := sp.Search(ctx, o.hash, true)
		if err != nil || len(res) != 1 || res[0].Path.rel != o.path {
			t.Fatalf("search by hash %s after the upgrade: %+v %v", o.hash, res, err)
		}
	}
	res, err := sp.Search(ctx, "report-01", false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res {
		got = append(got, d.Path.rel)
	}
	want := []string{"folder0/Report-010.pdf", "folder2/Report-012.pdf", "folder4/Report-014.pdf", "folder1/Report-016.pdf", "folder3/Report-018.pdf"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("search by name after the upgrade = %v, want %v", got, want)
	}
	if prefs, err := sp.Preferences(ctx); err != nil || prefs.ReceivedDocumentsPath != "/in/${sender_org}" {
		t.Fatalf("preferences after the upgrade: %+v %v", prefs, err)
	}
	// The upgraded table takes new records and replaces old ones.
	if _, err := sp.Put(ctx, Path{rel: "folder0/Report-010.pdf"}, strings.NewReader("new"), Overwrite); err != nil {
		t.Fatal(err)
	}
	if res, err := sp.Search(ctx, fmt.Sprintf("%064x", 10), true); err != nil || len(res) != 0 {
		t.Fatalf("replaced record still found by its old hash: %+v %v", res, err)
	}
	if res, err := sp.Search(ctx, "report-010", false); err != nil || len(res) != 1 || res[0].Size != 3 {
		t.Fatalf("replaced record by name: %+v %v", res, err)
	}
	checkTrigramCounts(t, db)
	// Opening again applies nothing twice.
	newCatalogStore(t, db)
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM docstore_documents`).Scan(&n); err != nil || n != len(olds) {
		t.Fatalf("%d records after reopening (%v), want %d", n, err, len(olds))
	}
}

// queryPlan returns the detail lines of EXPLAIN QUERY PLAN for q.
func queryPlan(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	lines, err := metadb.Collect(rows, err,
		func(rows *sql.Rows) (string, error) {
			var id, parent, unused int
			var detail string
			err := rows.Scan(&id, &parent, &unused, &detail)
			return detail, err
		})
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN %s: %v", q, err)
	}
	return lines
}

// TestCatalogQueryPlans checks that each catalog query reads the index
// meant for it and never scans the documents table, so that an index
// cannot silently stop being used.
func TestCatalogQueryPlans(t *testing.T) {
	db, _ := openCatalogDB(t)
	st, _ := newCatalogStore(t, db)
	sp, _ := st.Space("org1")
	ctx := context.Background()
	for i := range 200 {
		if _, err := db.ExecContext(ctx, upsertRow, "org1", fmt.Sprintf("f%d/doc-%d.bin", i%10, i), 1, fmt.Sprintf("%064x", i), "", 1, 1); err != nil {
			t.Fatal(err)
		}
	}
	match, _ := trigramQuery("doc-1")
	cases := []struct {
		name  string
		query string
		args  []any
		uses  []string // each must appear in some line of the plan
		avoid []string // none may appear in any line
	}{
		{"by hash", searchByHash, []any{"org1", "ab", 100},
			[]string{"USING INDEX docstore_documents_hash (member=? AND hash=?)"}, []string{"TEMP B-TREE"}},
		{"by trigrams", searchByTrigrams, []any{match, "org1", "%doc-1%", 100},
			[]string{"VIRTUAL TABLE INDEX", "USING INTEGER PRIMARY KEY (rowid=?)"}, nil},
		{"trigram counts", trigramCounts + ", ?)", []any{"doc", "oc-"}, []string{"USING PRIMARY KEY (trigram=?)"}, nil},
		{"ordered walk", searchByScan, []any{"org1", "%a%", 100},
			[]string{"USING INDEX docstore_documents_path (member=?)"}, []string{"TEMP B-TREE"}},
		{"one record", selectRow, []any{"org1", "a"}, []string{"USING INDEX docstore_documents_path (member=? AND path=?)"}, nil},
		{"a folder page's records", selectRows(3), []any{"org1", "a", "b", "c"},
			[]string{"USING INDEX docstore_documents_path (member=? AND path=?)"}, nil},
		{"records after", selectRowsAfter, []any{"org1", "a", 10},
			[]string{"USING INDEX docstore_documents_path (member=? AND path>?)"}, []string{"TEMP B-TREE"}},
	}
	// Nodes do not run ANALYZE; the plans must hold without statistics
	// and with them.
	for _, analyzed := range []bool{false, true} {
		if analyzed {
			if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range cases {
			checkPlan(t, db, fmt.Sprintf("%s (analyzed %v)", c.name, analyzed), c.query, c.args, c.uses, c.avoid)
		}
	}
	// The search itself picks the trigram query for a rare substring.
	q, _, err := sp.searchQuery(ctx, "doc-17", false)
	if err != nil || q != searchByTrigrams {
		t.Fatalf("a rare substring is not searched through the trigram index (%v)", err)
	}
}

func checkPlan(t *testing.T, db *sql.DB, name, query string, args []any, uses, avoid []string) {
	t.Helper()
	plan := queryPlan(t, db, query, args...)
	joined := strings.Join(plan, "\n")
	for _, u := range uses {
		if !strings.Contains(joined, u) {
			t.Errorf("%s: plan does not use %q:\n%s", name, u, joined)
		}
	}
	for _, a := range avoid {
		if strings.Contains(joined, a) {
			t.Errorf("%s: plan has %q:\n%s", name, a, joined)
		}
	}
	for _, line := range plan {
		if line == "SCAN docstore_documents" || line == "SCAN d" || strings.HasPrefix(line, "SCAN docstore_documents USING") {
			t.Errorf("%s: plan scans the documents table:\n%s", name, joined)
		}
	}
}

// TestSearchMatchesLike checks that the trigram search finds exactly what
// the LIKE walk it replaces finds, in the same order, for queries of every
// kind: case, non-ASCII, LIKE's own wildcards and escape, quotes, slashes.
func TestSearchMatchesLike(t *testing.T) {
	db, _ := openCatalogDB(t)
	st, b := newCatalogStore(t, db)
	ctx := context.Background()
	sp, _ := st.Space("org1")
	sp2, _ := st.Space("org2")
	names := []string{"Report.PDF", "report_final.pdf", "report%final.pdf", `say "hello".txt`,
		"café.txt", "CAFÉ.txt", "ÀÉÎ.txt", "aaa.txt", "aaaa.bin", "x/y/z.bin", "漢字かな.txt", "AND OR NOT.txt"}
	var paths []string
	for i, n := range names {
		for _, dir := range []string{"", "Docs/", "docs/Reports/", "deep/a/b/c/"} {
			paths = append(paths, dir+n)
			_ = i
		}
	}
	for i, p := range paths {
		for _, s := range []*Space{sp, sp2} {
			if s == sp2 && i%3 != 0 {
				continue
			}
			if _, err := s.Put(ctx, Path{rel: p}, bytes.NewReader([]byte(p)), Overwrite); err != nil {
				t.Fatalf("Put %s: %v", p, err)
			}
		}
	}
	// One document without a hash: found by neither.
	if _, err := b.Put(ctx, "org1/unhashed-report.pdf", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	pathsOf := func(docs []Document) []string {
		var out []string
		for _, d := range docs {
			out = append(out, d.Path.rel)
		}
		return out
	}
	for _, q := range []string{"report", "REPORT", "Report.pdf", "rt_f", "t%f", `k\s`, `"hello"`, `y "h`, "café", "CAFÉ",
		"afé", "ÀÉÎ", "àéî", "aaa", "aa", "a", "/docs/", "docs/reports/report", "x/y", "漢字か", "かな", "AND", "OR NOT", "nothing",
		"/", "eport", "unhashed", "é.t"} {
		sub := strings.TrimPrefix(q, "/")
		like := "%" + escapeLike(sub) + "%"
		for _, s := range []*Space{sp, sp2} {
			want, err := scanDocuments(db.QueryContext(ctx, searchByScan, s.member, like, MaxSearchResults))
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Search(ctx, q, false)
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			if !slices.Equal(pathsOf(got), pathsOf(want)) {
				t.Errorf("%s: Search(%q) = %q, the LIKE walk finds %q", s.member, q, pathsOf(got), pathsOf(want))
			}
			if match, ok := trigramQuery(sub); ok {
				tri, err := scanDocuments(db.QueryContext(ctx, searchByTrigrams, match, s.member, like, MaxSearchResults))
				if err != nil {
					t.Fatalf("trigram query for %q: %v", q, err)
				}
				if !slices.Equal(pathsOf(tri), pathsOf(want)) {
					t.Errorf("%s: trigram query for %q = %q, the LIKE walk finds %q", s.member, q, pathsOf(tri), pathsOf(want))
				}
			}
		}
	}
	// Deleted documents leave the name index.
	if err := sp.Delete(ctx, Path{rel: "Report.PDF"}); err != nil {
		t.Fatal(err)
	}
	if res, err := sp.Search(ctx, "Report.PDF", false); err != nil || slices.Contains(pathsOf(res), "Report.PDF") {
		t.Fatalf("a deleted document is still found: %q %v", pathsOf(res), err)
	}
	var n int
	match, _ := trigramQuery("Report.PDF")
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM docstore_documents_names WHERE docstore_documents_names MATCH ?`, match).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3+2 { // the three folders' copies in org1, org2's copies at i%3 == 0 (0 and 3 of the four)
		t.Fatalf("%d trigram candidates for Report.PDF after a delete, want 5", n)
	}
	checkTrigramCounts(t, db)
}

// checkTrigramCounts checks that the counts the triggers keep are those
// of the sampled rows.
func checkTrigramCounts(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT path FROM docstore_documents WHERE id % ? = 0`, trigramSample)
	paths, err := metadb.Collect(rows, err, func(rows *sql.Rows) (string, error) {
		var p string
		err := rows.Scan(&p)
		return p, err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, p := range paths {
		for _, tri := range trigrams(asciiLower(p)) {
			want[tri]++
		}
	}
	rows, err = db.QueryContext(context.Background(), `SELECT trigram, rows FROM docstore_trigram_counts WHERE rows > 0`)
	type tc struct {
		tri string
		n   int
	}
	got, err := metadb.Collect(rows, err, func(rows *sql.Rows) (tc, error) {
		var c tc
		err := rows.Scan(&c.tri, &c.n)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d trigrams counted, the rows hold %d", len(got), len(want))
	}
	for _, c := range got {
		if want[c.tri] != c.n {
			t.Errorf("trigram %q counted in %d rows, held by %d", c.tri, c.n, want[c.tri])
		}
	}
}

// TestRecord checks the bulk loader: documents placed by other means are
// recorded with the importer's hashes and their backend fingerprints, and
// a batch with one bad entry records nothing.
func TestRecord(t *testing.T) {
	db, _ := openCatalogDB(t)
	st, b := newCatalogStore(t, db)
	ctx := context.Background()
	sp, _ := st.Space("org1")
	var docs []Hashed
	for i := range 20 {
		data := fmt.Sprintf("document %d", i)
		key := fmt.Sprintf("org1/bulk/d%02d.txt", i)
		if _, err := b.Put(ctx, key, strings.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, Hashed{Path: Path{rel: strings.TrimPrefix(key, "org1/")}, Hash: shaHex(data)})
	}
	bad := []struct {
		name string
		docs []Hashed
	}{
		{"root", append(slices.Clone(docs), Hashed{Hash: docs[0].Hash})},
		{"upper-case hash", append(slices.Clone(docs), Hashed{Path: docs[0].Path, Hash: strings.ToUpper(docs[0].Hash)})},
		{"short hash", append(slices.Clone(docs), Hashed{Path: docs[0].Path, Hash: "abc"})},
		{"missing document", append(slices.Clone(docs), Hashed{Path: Path{rel: "bulk/none.txt"}, Hash: docs[0].Hash})},
		{"too many", make([]Hashed, MaxRecordBatch+1)},
	}
	for _, c := range bad {
		err := sp.Record(ctx, c.docs)
		if err == nil {
			t.Fatalf("%s: Record accepted the batch", c.name)
		}
		if res, _ := sp.Search(ctx, "bulk/", false); len(res) != 0 {
			t.Fatalf("%s: a refused batch recorded %d documents (%v)", c.name, len(res), err)
		}
	}
	if err := sp.Record(ctx, docs); err != nil {
		t.Fatal(err)
	}
	res, err := sp.Search(ctx, "bulk/", false)
	if err != nil || len(res) != len(docs) {
		t.Fatalf("after Record, search finds %d (%v), want %d", len(res), err, len(docs))
	}
	l, err := sp.List(ctx, Path{rel: "bulk"}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range l.Entries {
		if e.Hash != docs[i].Hash {
			t.Fatalf("listed %s with hash %q, want %q", e.Name, e.Hash, docs[i].Hash)
		}
	}
}

func shaHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
