// Package metadb opens the node's metadata database, applies schema
// migrations and reads query results (Collect).
//
// SQLite (modernc.org/sqlite, no cgo) is the default: one file under the
// data directory, opened in WAL mode with a busy timeout so that several
// connections, and a second process reading the same file, coexist.
// Each part that keeps tables hands its migrations to Migrate under its own
// name; applied steps are recorded in schema_migrations, so re-running is a
// no-op and a step is never applied twice.
package metadb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/consign/consign/internal/errkind"
)

// ErrUnsupportedDriver is returned by Open for a driver other than sqlite.
var ErrUnsupportedDriver = errkind.New(errkind.Invalid, "unsupported metadata driver")

// Config selects the database. The zero value is not usable: set Path.
type Config struct {
	// Driver is "sqlite" (the default when empty).
	Driver string `yaml:"driver"`
	// Path of the SQLite file; its folder is created if missing.
	Path string `yaml:"path"`
}

// Validate reports the first unusable setting.
func (c Config) Validate() error {
	switch c.Driver {
	case "", "sqlite":
	default:
		return fmt.Errorf("metadata.driver: %w %q (supported: sqlite)", ErrUnsupportedDriver, c.Driver)
	}
	if c.Path == "" {
		return errors.New("metadata.path: must name the database file")
	}
	return nil
}

// Open opens (creating if needed) the database named by cfg.
func Open(ctx context.Context, cfg Config) (*sql.DB, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
		return nil, fmt.Errorf("metadb: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+cfg.Path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("metadb: open %s: %w", cfg.Path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("metadb: open %s: %w", cfg.Path, err)
	}
	return db, nil
}

// Migration is one schema step of a part, identified by its position.
type Migration struct {
	Description string
	SQL         string
}

// Migrate applies, in order and each in its own transaction, the steps of
// part that are not yet recorded.
func Migrate(ctx context.Context, db *sql.DB, part string, steps []Migration) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		part TEXT NOT NULL, step INTEGER NOT NULL, description TEXT NOT NULL,
		PRIMARY KEY (part, step))`); err != nil {
		return fmt.Errorf("metadb: migrate %s: %w", part, err)
	}
	for i, s := range steps {
		if err := apply(ctx, db, part, i+1, s); err != nil {
			return fmt.Errorf("metadb: migrate %s step %d (%s): %w", part, i+1, s.Description, err)
		}
	}
	return nil
}

func apply(ctx context.Context, db *sql.DB, part string, step int, s Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE part = ? AND step = ?`, part, step).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (part, step, description) VALUES (?, ?, ?)`, part, step, s.Description); err != nil {
		return err
	}
	return tx.Commit()
}

// Collect reads every row of rows with scan and closes rows; hand it what
// QueryContext returned, whose error it returns as it is. It stops at the
// first error of scan, and returns the rows read so far with the error of
// the iteration (rows.Err).
func Collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
