package metadb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

func TestMigrateAppliesEachStepOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "meta.db")
	db, err := Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	steps := []Migration{
		{"create t", `CREATE TABLE t (a INTEGER)`},
		{"seed t", `INSERT INTO t (a) VALUES (1)`},
	}
	for i := 0; i < 3; i++ {
		if err := Migrate(ctx, db, "sample", steps); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("seed applied %d times (err %v), want once", n, err)
	}
	db.Close()

	// A later step added after a restart is applied; earlier ones are not redone.
	db, err = Open(ctx, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	steps = append(steps, Migration{"seed more", `INSERT INTO t (a) VALUES (2)`})
	if err := Migrate(ctx, db, "sample", steps); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows = %d (err %v), want 2", n, err)
	}
}

// openTemp opens a fresh SQLite database in the test's temporary
// folder, closed when the test ends.
func openTemp(t *testing.T) *sql.DB {
	t.Helper()
	db, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "meta.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestFailedStepLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	err := Migrate(ctx, db, "bad", []Migration{{"broken", `CREATE TABLE x (`}})
	if err == nil {
		t.Fatal("broken SQL accepted")
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE part = 'bad'`).Scan(&n)
	if n != 0 {
		t.Fatalf("failed step recorded as applied")
	}
}

func TestValidate(t *testing.T) {
	if err := (Config{Driver: "oracle", Path: "x"}).Validate(); !errors.Is(err, ErrUnsupportedDriver) {
		t.Fatalf("got %v", err)
	}
	if err := (Config{}).Validate(); err == nil {
		t.Fatal("empty path accepted")
	}
}

func TestCollect(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (a TEXT); INSERT INTO t (a) VALUES ('x'), ('y')`); err != nil {
		t.Fatal(err)
	}
	scanText := func(rows *sql.Rows) (string, error) {
		var v string
		err := rows.Scan(&v)
		return v, err
	}
	rows, err := db.QueryContext(ctx, `SELECT a FROM t ORDER BY a`)
	got, err := Collect(rows, err, scanText)
	if err != nil || len(got) != 2 || got[0] != "x" || got[1] != "y" {
		t.Fatalf("Collect = %q, %v; want [x y]", got, err)
	}

	// A query error is returned as it is.
	rows, err = db.QueryContext(ctx, `SELECT nothing FROM nowhere`)
	if got, cerr := Collect(rows, err, scanText); cerr == nil || cerr != err || got != nil {
		t.Fatalf("Collect of a failed query = %q, %v; want nil, %v", got, cerr, err)
	}

	// A scan error stops the reading.
	boom := errors.New("boom")
	rows, err = db.QueryContext(ctx, `SELECT a FROM t`)
	if got, err := Collect(rows, err, func(*sql.Rows) (string, error) { return "", boom }); !errors.Is(err, boom) || got != nil {
		t.Fatalf("Collect with a failing scan = %q, %v; want nil, boom", got, err)
	}
}
