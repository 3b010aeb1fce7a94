package docstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/storage"
)

// The catalog is the docstore's record of documents in the metadata
// database: one row per document (path, size, hash, backend reference
// and modification time), and the indexes that serve search without
// reading every row:
//
//   - docstore_documents_path (member, path): one document, a folder
//     page's hashes (List), the ordered walk of SyncHashes;
//   - docstore_documents_hash (member, hash, path): search by hash, in
//     path order;
//   - docstore_documents_names: a trigram index of paths (SQLite FTS5,
//     tokenizer "trigram", kept by triggers) that narrows a substring
//     search to the rows holding every trigram of the query.
//
// The SQL that is SQLite's own (FTS5, the triggers, CROSS JOIN as a join
// order hint) is confined to this file: catalogMigrations and the
// searchBy* queries. A PostgreSQL catalog replaces those with a pg_trgm
// GIN index and "path ILIKE" (see docs/metadata.md); the rest of the
// docstore's SQL is portable.

// catalogMigrations are the docstore's schema steps, in order. A step,
// once released, never changes: a database records the steps it has
// applied (metadb.Migrate), and a node opening an older database applies
// only the new ones, in place, keeping its rows.
var catalogMigrations = []metadb.Migration{
	{Description: "documents", SQL: `CREATE TABLE docstore_documents (
		member      TEXT    NOT NULL,
		path        TEXT    NOT NULL, -- relative, no leading slash
		size        INTEGER NOT NULL,
		hash        TEXT    NOT NULL, -- SHA-256, lower-case hex
		ref         TEXT    NOT NULL, -- backend reference (ETag, CID) or ''
		modified_ns INTEGER NOT NULL, -- backend modification time
		hashed_ns   INTEGER NOT NULL, -- when the hash was computed
		PRIMARY KEY (member, path)) WITHOUT ROWID`},
	{Description: "documents by hash", SQL: `CREATE INDEX docstore_documents_hash ON docstore_documents (member, hash)`},
	{Description: "preferences", SQL: `CREATE TABLE docstore_preferences (
		member TEXT NOT NULL,
		key    TEXT NOT NULL,
		value  TEXT NOT NULL,
		PRIMARY KEY (member, key)) WITHOUT ROWID`},
	// A row id gives the name index a key to point at; (member, path)
	// stays unique through its own index. The hash index now carries the
	// path too, so a search by hash reads its results in path order.
	{Description: "documents keyed by row id; hash index in path order", SQL: `
		CREATE TABLE docstore_documents_v2 (
			id          INTEGER PRIMARY KEY,
			member      TEXT    NOT NULL,
			path        TEXT    NOT NULL,
			size        INTEGER NOT NULL,
			hash        TEXT    NOT NULL,
			ref         TEXT    NOT NULL,
			modified_ns INTEGER NOT NULL,
			hashed_ns   INTEGER NOT NULL);
		INSERT INTO docstore_documents_v2 (member, path, size, hash, ref, modified_ns, hashed_ns)
			SELECT member, path, size, hash, ref, modified_ns, hashed_ns FROM docstore_documents ORDER BY member, path;
		DROP TABLE docstore_documents;
		ALTER TABLE docstore_documents_v2 RENAME TO docstore_documents;
		CREATE UNIQUE INDEX docstore_documents_path ON docstore_documents (member, path);
		CREATE INDEX docstore_documents_hash ON docstore_documents (member, hash, path);`},
	// The trigram index holds the paths of the rows (external content:
	// the text stays in docstore_documents) without positions
	// (detail=none), so a query is an AND of trigrams and every
	// candidate is checked again with LIKE. case_sensitive 0 folds
	// case, so the candidates include every case-insensitive match.
	// docstore_trigram_counts estimates how many rows hold a trigram
	// (lower-cased as lower() does) from one row in trigramSample (by
	// row id): counting every row's trigrams made each insert eight
	// times dearer, and choosing which trigrams to ask the index for
	// needs only an estimate.
	{Description: "trigram index of document paths", SQL: `
		CREATE VIRTUAL TABLE docstore_documents_names USING fts5(path,
			content='docstore_documents', content_rowid='id',
			tokenize='trigram case_sensitive 0', detail=none);
		CREATE TABLE docstore_trigram_counts (
			trigram TEXT    NOT NULL PRIMARY KEY,
			rows    INTEGER NOT NULL) WITHOUT ROWID;
		CREATE TABLE docstore_positions (i INTEGER PRIMARY KEY);
		INSERT INTO docstore_positions (i)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1024) SELECT i FROM n;
		CREATE TRIGGER docstore_documents_names_insert AFTER INSERT ON docstore_documents BEGIN
			INSERT INTO docstore_documents_names (rowid, path) VALUES (new.id, new.path);
			INSERT INTO docstore_trigram_counts (trigram, rows)
				SELECT DISTINCT lower(substr(new.path, i, 3)), 1 FROM docstore_positions WHERE new.id % 16 = 0 AND i <= length(new.path) - 2
				ON CONFLICT (trigram) DO UPDATE SET rows = rows + 1;
		END;
		CREATE TRIGGER docstore_documents_names_delete AFTER DELETE ON docstore_documents BEGIN
			INSERT INTO docstore_documents_names (docstore_documents_names, rowid, path) VALUES ('delete', old.id, old.path);
			UPDATE docstore_trigram_counts SET rows = rows - 1 WHERE old.id % 16 = 0 AND trigram IN
				(SELECT lower(substr(old.path, i, 3)) FROM docstore_positions WHERE i <= length(old.path) - 2);
		END;
		CREATE TRIGGER docstore_documents_names_update AFTER UPDATE OF path ON docstore_documents BEGIN
			INSERT INTO docstore_documents_names (docstore_documents_names, rowid, path) VALUES ('delete', old.id, old.path);
			UPDATE docstore_trigram_counts SET rows = rows - 1 WHERE old.id % 16 = 0 AND trigram IN
				(SELECT lower(substr(old.path, i, 3)) FROM docstore_positions WHERE i <= length(old.path) - 2);
			INSERT INTO docstore_documents_names (rowid, path) VALUES (new.id, new.path);
			INSERT INTO docstore_trigram_counts (trigram, rows)
				SELECT DISTINCT lower(substr(new.path, i, 3)), 1 FROM docstore_positions WHERE new.id % 16 = 0 AND i <= length(new.path) - 2
				ON CONFLICT (trigram) DO UPDATE SET rows = rows + 1;
		END;
		INSERT INTO docstore_trigram_counts (trigram, rows)
			SELECT t, COUNT(*) FROM (SELECT DISTINCT d.id, lower(substr(d.path, p.i, 3)) AS t
				FROM docstore_documents AS d JOIN docstore_positions AS p ON p.i <= length(d.path) - 2 WHERE d.id % 16 = 0)
			GROUP BY t;
		INSERT INTO docstore_documents_names (docstore_documents_names) VALUES ('rebuild');`},
}

// The record queries: one path, several paths (a folder page), the
// paths after one (SyncHashes's walk). All read docstore_documents_path.
const (
	selectRow       = `SELECT size, hash, ref, modified_ns FROM docstore_documents WHERE member = ? AND path = ?`
	selectRowsAfter = `SELECT path, size, hash, ref, modified_ns FROM docstore_documents
		WHERE member = ? AND path > ? ORDER BY path LIMIT ?`
)

// selectRows reads the records of n paths: the member, then the paths.
func selectRows(n int) string {
	return `SELECT path, size, hash, ref, modified_ns FROM docstore_documents WHERE member = ? AND path IN (?` +
		strings.Repeat(",?", n-1) + `)`
}

// The search queries. Each returns path, size, hash, ref, modified_ns in
// path order, at most the last argument's number of rows.
const (
	// searchByHash reads the hash index (member, hash, path) in order.
	searchByHash = `SELECT path, size, hash, ref, modified_ns FROM docstore_documents
		WHERE member = ? AND hash = ? ORDER BY path LIMIT ?`

	// searchByTrigrams takes the rows holding every trigram of the query
	// from the name index, then keeps the member's hashed rows whose
	// path really contains the query. CROSS JOIN keeps the index first.
	searchByTrigrams = `SELECT d.path, d.size, d.hash, d.ref, d.modified_ns
		FROM docstore_documents_names AS n CROSS JOIN docstore_documents AS d ON d.id = n.rowid
		WHERE n.docstore_documents_names MATCH ? AND d.member = ? AND d.hash != '' AND d.path LIKE ? ESCAPE '\'
		ORDER BY d.path LIMIT ?`

	// trigramCounts reads how many rows (of all members) hold each of
	// some trigrams, folded to lower case as SQLite's lower() does.
	trigramCounts = `SELECT trigram, rows FROM docstore_trigram_counts WHERE trigram IN (?`

	// searchByScan walks the member's rows in path order and stops at the
	// limit: quick when matches are common, a scan of the member's rows
	// when they are rare. It serves queries too short for trigrams and
	// queries whose trigrams are everywhere.
	searchByScan = `SELECT path, size, hash, ref, modified_ns FROM docstore_documents
		WHERE member = ? AND hash != '' AND path LIKE ? ESCAPE '\' ORDER BY path LIMIT ?`
)

// A substring search reads, from docstore_trigram_counts, about how
// many rows hold each trigram of the query, and asks the name index for
// the rows holding all of the rarest few (at most trigramsPerQuery, none
// estimated above maxTrigramRows): an AND of long posting lists costs
// far more than one of short ones. When even the rarest trigram is
// common, the matches are most likely common too, and the ordered walk
// finds the first MaxSearchResults of them sooner than the index could
// list the candidates; its worst case is a query whose trigrams are each
// common but seldom meet, which walks all the member's rows.
const (
	// trigramSample: the counts come from the rows whose id is a
	// multiple of it (the migration's triggers use the same number).
	trigramSample    = 16
	maxTrigramRows   = 8192
	trigramsPerQuery = 3
	// maxProbes bounds how many trigrams of a long query are looked
	// up; they are taken evenly along it.
	maxProbes = 64
)

// searchQuery returns the query and arguments of a search.
func (sp *Space) searchQuery(ctx context.Context, query string, byHash bool) (string, []any, error) {
	if byHash {
		return searchByHash, []any{sp.member, strings.ToLower(query), MaxSearchResults}, nil
	}
	sub := strings.TrimPrefix(query, "/")
	like := "%" + escapeLike(sub) + "%"
	scan := []any{sp.member, like, MaxSearchResults}
	tris := trigrams(asciiLower(sub))
	if len(tris) == 0 {
		return searchByScan, scan, nil
	}
	if len(tris) > maxProbes {
		picked := make([]string, maxProbes)
		for i := range picked {
			picked[i] = tris[i*(len(tris)-1)/(maxProbes-1)]
		}
		tris = picked
	}
	type count struct {
		tri string
		n   int
	}
	args := make([]any, len(tris))
	for i, t := range tris {
		args[i] = t
	}
	rows, err := sp.s.db.QueryContext(ctx, trigramCounts+strings.Repeat(", ?", len(tris)-1)+")", args...)
	counts, err := metadb.Collect(rows, err, func(rows *sql.Rows) (count, error) {
		var c count
		err := rows.Scan(&c.tri, &c.n)
		return c, err
	})
	if err != nil {
		return "", nil, err
	}
	// A trigram no sampled row holds is rare: it ranks first.
	est := make(map[string]int, len(tris))
	for _, c := range counts {
		est[c.tri] = max(c.n, 0) * trigramSample
	}
	slices.SortStableFunc(tris, func(a, b string) int { return est[a] - est[b] })
	if est[tris[0]] > maxTrigramRows {
		return searchByScan, scan, nil
	}
	terms := make([]string, 0, trigramsPerQuery)
	for _, t := range tris[:min(len(tris), trigramsPerQuery)] {
		if est[t] > maxTrigramRows {
			break
		}
		terms = append(terms, ftsString(t))
	}
	return searchByTrigrams, []any{strings.Join(terms, " AND "), sp.member, like, MaxSearchResults}, nil
}

// asciiLower folds ASCII letters to lower case and leaves every other
// character as it is, as SQLite's lower() and LIKE do.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

// trigrams returns the distinct trigrams (three characters) of s in the
// order they occur: none when s is shorter or is not valid UTF-8.
func trigrams(s string) []string {
	if !utf8.ValidString(s) {
		return nil
	}
	runes := []rune(s)
	var out []string
	seen := make(map[string]bool, len(runes))
	for i := 0; i+3 <= len(runes); i++ {
		t := string(runes[i : i+3])
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// ftsString quotes s as an FTS5 string.
func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// trigramQuery returns the FTS5 query for the rows holding every trigram
// of s, or false when s has none.
func trigramQuery(s string) (string, bool) {
	tris := trigrams(s)
	if len(tris) == 0 {
		return "", false
	}
	terms := make([]string, len(tris))
	for i, t := range tris {
		terms[i] = ftsString(t)
	}
	return strings.Join(terms, " AND "), true
}

// scanDocuments reads search results.
func scanDocuments(rows *sql.Rows, err error) ([]Document, error) {
	return metadb.Collect(rows, err, func(rows *sql.Rows) (Document, error) {
		var r row
		if err := rows.Scan(&r.path, &r.fp.size, &r.hash, &r.fp.ref, &r.fp.modNS); err != nil {
			return Document{}, err
		}
		return Document{Path: Path{rel: r.path}, Size: r.fp.size, Hash: r.hash, Ref: r.fp.ref,
			LastModified: time.Unix(0, r.fp.modNS)}, nil
	})
}

// Hashed names a document placed in the backend by other means and its
// SHA-256 as the importer computed it (lower-case hex).
type Hashed struct {
	Path Path
	Hash string
}

// MaxRecordBatch is the most documents one Record call takes.
const MaxRecordBatch = 10_000

// Record is the bulk loader of the catalog: it records the hashes of
// documents that an importer placed in the backend by other means and
// hashed itself, in one transaction, instead of one Hash call (which
// reads the content again) per document. Each document's size, reference
// and modification time come from the backend (Stat), so the hash is
// shown for exactly that version, as after Hash; the hash is the
// importer's word and is not checked. Every entry is checked before
// anything is written: the root, a hash that is not 64 lower-case hex
// digits, more than MaxRecordBatch entries (ErrInvalidArgument) or a
// path with no document (ErrNotFound) fails the whole call, which then
// records nothing.
func (sp *Space) Record(ctx context.Context, docs []Hashed) error {
	op := "docstore: record"
	if len(docs) > MaxRecordBatch {
		return fmt.Errorf("%s: %w: %d documents; at most %d per call", op, ErrInvalidArgument, len(docs), MaxRecordBatch)
	}
	fps := make([]fingerprint, len(docs))
	for i, d := range docs {
		if d.Path.IsRoot() {
			return fmt.Errorf("%s: %w: entry %d names the root folder", op, ErrInvalidArgument, i)
		}
		if !isHexSHA256(d.Hash) {
			return fmt.Errorf("%s: %w: entry %d (%s): hash %q is not 64 lower-case hex digits", op, ErrInvalidArgument, i, d.Path.Abs(), truncate(d.Hash))
		}
		obj, err := sp.s.backend.Stat(ctx, sp.key(d.Path))
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("%s: %w: entry %d: no document at %s", op, ErrNotFound, i, d.Path.Abs())
		}
		if err != nil {
			return fmt.Errorf("%s: %s: %w", op, d.Path.Abs(), err)
		}
		fps[i] = fingerprintOf(obj)
	}
	tx, err := sp.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, upsertRow)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer stmt.Close()
	now := time.Now().UnixNano()
	for i, d := range docs {
		if _, err := stmt.ExecContext(ctx, sp.member, d.Path.rel, fps[i].size, d.Hash, fps[i].ref, fps[i].modNS, now); err != nil {
			return fmt.Errorf("%s: %s: %w", op, d.Path.Abs(), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// upsertRow records one document, replacing the record of its path.
const upsertRow = `INSERT INTO docstore_documents (member, path, size, hash, ref, modified_ns, hashed_ns)
	VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (member, path) DO UPDATE SET size = excluded.size, hash = excluded.hash, ref = excluded.ref,
		modified_ns = excluded.modified_ns, hashed_ns = excluded.hashed_ns`

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
