package ipfs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/storage"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// index is the durable name → CID table, kept in SQLite (WAL, synchronous
// FULL unless NoSync). In embedded mode it also records which blocks each
// root's DAG is made of, which is what garbage collection counts on.
//
//	objects(key, root, size, mtime): one row per name.
//	links(root, block):             one row per distinct block of a DAG
//	                                (the root itself included).
//
// A block is live while some links row names it; a root's links rows are
// kept while some object names the root. Both questions are answered by
// indexed lookups, so no reference counter can drift out of step.
type index struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS objects(
	key   TEXT PRIMARY KEY,
	root  TEXT NOT NULL,
	size  INTEGER NOT NULL,
	mtime INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS objects_root ON objects(root);
CREATE TABLE IF NOT EXISTS links(
	root  TEXT NOT NULL,
	block TEXT NOT NULL,
	PRIMARY KEY(root, block)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_block ON links(block);
CREATE TABLE IF NOT EXISTS meta(
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
`

func openIndex(path string, noSync bool) (*index, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	if noSync {
		q.Add("_pragma", "synchronous(OFF)")
	} else {
		q.Add("_pragma", "synchronous(FULL)")
	}
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, err
	}
	return &index{db: db}, nil
}

func (ix *index) close() error { return ix.db.Close() }

// storeID returns the random identifier of this index, made on first use.
func (ix *index) storeID(ctx context.Context) (string, error) {
	var rnd [12]byte
	rand.Read(rnd[:])
	if _, err := ix.db.ExecContext(ctx, `INSERT OR IGNORE INTO meta(name, value) VALUES('store-id', ?)`,
		hex.EncodeToString(rnd[:])); err != nil {
		return "", err
	}
	var id string
	err := ix.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'store-id'`).Scan(&id)
	return id, err
}

type row struct {
	key   string
	root  string
	size  int64
	mtime int64
}

func (r row) object() storage.Object {
	return storage.Object{Key: r.key, Size: r.size, ModTime: time.Unix(0, r.mtime), Ref: r.root}
}

// get returns the row of key, or storage.ErrNotFound.
func (ix *index) get(ctx context.Context, key string) (row, error) {
	r := row{key: key}
	err := ix.db.QueryRowContext(ctx, `SELECT root, size, mtime FROM objects WHERE key = ?`, key).
		Scan(&r.root, &r.size, &r.mtime)
	if errors.Is(err, sql.ErrNoRows) {
		return r, storage.ErrNotFound
	}
	return r, err
}

// put records r (replacing any row of the same key) and, when blocks is
// not nil, the blocks of r.root's DAG, in one transaction. It returns the
// root the key named before ("" if none).
func (ix *index) put(ctx context.Context, r row, blocks []string) (old string, err error) {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT root FROM objects WHERE key = ?`, r.key).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if len(blocks) > 0 {
		st, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO links(root, block) VALUES(?, ?)`)
		if err != nil {
			return "", err
		}
		defer st.Close()
		for _, b := range blocks {
			if _, err := st.ExecContext(ctx, r.root, b); err != nil {
				return "", err
			}
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO objects(key, root, size, mtime) VALUES(?, ?, ?, ?)
		ON CONFLICT(key) DO UPDATE SET root = excluded.root, size = excluded.size, mtime = excluded.mtime`,
		r.key, r.root, r.size, r.mtime)
	if err != nil {
		return "", err
	}
	return old, tx.Commit()
}

// remove deletes key's row and returns the root it named, or
// storage.ErrNotFound.
func (ix *index) remove(ctx context.Context, key string) (string, error) {
	var root string
	err := ix.db.QueryRowContext(ctx, `DELETE FROM objects WHERE key = ? RETURNING root`, key).Scan(&root)
	if errors.Is(err, sql.ErrNoRows) {
		return "", storage.ErrNotFound
	}
	return root, err
}

// rootInUse reports whether some object names root.
func (ix *index) rootInUse(ctx context.Context, root string) (bool, error) {
	return ix.exists(ctx, `SELECT 1 FROM objects WHERE root = ? LIMIT 1`, root)
}

// blockInUse reports whether some root's DAG holds block.
func (ix *index) blockInUse(ctx context.Context, block string) (bool, error) {
	return ix.exists(ctx, `SELECT 1 FROM links WHERE block = ? LIMIT 1`, block)
}

// exists reports whether query, a SELECT 1 of at most one row, finds one.
func (ix *index) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := ix.db.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// release forgets the DAG of root unless some object names it again, and
// returns the blocks that no remaining DAG holds: those may be deleted.
func (ix *index) release(ctx context.Context, root string) ([]string, error) {
	tx, err := ix.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM objects WHERE root = ? LIMIT 1`, root).Scan(&one)
	if err == nil {
		return nil, nil // named again since
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	blocks, err := queryStrings(ctx, tx, `DELETE FROM links WHERE root = ? RETURNING block`, root)
	if err != nil {
		return nil, err
	}
	var free []string
	for _, b := range blocks {
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM links WHERE block = ? LIMIT 1`, b).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			free = append(free, b)
		case err != nil:
			return nil, err
		}
	}
	return free, tx.Commit()
}

// orphanRoots lists roots whose DAG is recorded but that no object names
// (left by a crash between an overwrite and its clean-up).
func (ix *index) orphanRoots(ctx context.Context) ([]string, error) {
	return queryStrings(ctx, ix.db,
		`SELECT DISTINCT root FROM links WHERE root NOT IN (SELECT root FROM objects)`)
}

// queryStrings runs a query of one text column on q (the database or a
// transaction) and returns its values; the rows are closed on return.
func queryStrings(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	return metadb.Collect(rows, err, func(rows *sql.Rows) (string, error) {
		var v string
		err := rows.Scan(&v)
		return v, err
	})
}

// list returns one page of the listing described by opts, reading the
// key-ordered table in batches and folding keys into common prefixes.
func (ix *index) list(ctx context.Context, opts storage.ListOptions) (storage.ListPage, error) {
	var page storage.ListPage
	limit := opts.Limit
	if limit <= 0 {
		limit = 1000
	}
	// cursor: the next key to consider is the first one > cursor (or >=
	// start when the cursor is a folder skip).
	cursor, inclusive := opts.After, false
	if opts.Delimiter != "" && strings.HasPrefix(opts.After, opts.Prefix) {
		rest := opts.After[len(opts.Prefix):]
		if i := strings.Index(rest, opts.Delimiter); i >= 0 {
			// After is (inside) a folder already returned: skip past it.
			cursor, inclusive = prefixEnd(opts.After[:len(opts.Prefix)+i+len(opts.Delimiter)]), true
		}
	}
	if opts.Prefix > cursor {
		cursor, inclusive = opts.Prefix, true
	}
	end := prefixEnd(opts.Prefix) // "" means unbounded
	n := 0
	last := ""
	const batch = 256
	for {
		q := `SELECT key, root, size, mtime FROM objects WHERE key > ?`
		if inclusive {
			q = `SELECT key, root, size, mtime FROM objects WHERE key >= ?`
		}
		args := []any{cursor}
		if end != "" {
			q += ` AND key < ?`
			args = append(args, end)
		}
		q += ` ORDER BY key LIMIT ?`
		args = append(args, batch)
		rows, err := ix.db.QueryContext(ctx, q, args...)
		if err != nil {
			return page, err
		}
		var got []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.key, &r.root, &r.size, &r.mtime); err != nil {
				rows.Close()
				return page, err
			}
			got = append(got, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return page, err
		}
		if len(got) == 0 {
			return page, nil
		}
		skipped := false
		for _, r := range got {
			if n == limit {
				page.Next = last
				return page, nil
			}
			if opts.Delimiter != "" {
				rest := r.key[len(opts.Prefix):]
				if i := strings.Index(rest, opts.Delimiter); i >= 0 {
					p := opts.Prefix + rest[:i+len(opts.Delimiter)]
					page.Prefixes = append(page.Prefixes, p)
					n++
					last = p
					// Continue after every key under p.
					cursor, inclusive, skipped = prefixEnd(p), true, true
					break
				}
			}
			page.Objects = append(page.Objects, r.object())
			n++
			last = r.key
			cursor, inclusive = r.key, false
		}
		if !skipped && len(got) < batch {
			return page, nil
		}
		if cursor == "" { // prefixEnd overflowed: nothing sorts after
			return page, nil
		}
	}
}

// prefixEnd returns the smallest string greater than every string that
// starts with p, or "" if there is none (p empty or all 0xff bytes).
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

func wrapIndexErr(op, key string, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("storage/ipfs: %s %q: %w", op, key, storage.ErrNotFound)
	}
	return fmt.Errorf("storage/ipfs: %s %q: index: %w", op, key, err)
}
