package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store in process memory, for tests and throw-away
// nodes. The zero value is ready to use.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]Credential
}

func checkCredential(c Credential) error {
	if c.User == "" || c.EnvironmentID == "" || c.Member == "" {
		return fmt.Errorf("%w: user, environment and member are required", ErrInvalid)
	}
	if _, err := parsePHC(c.Hash); err != nil {
		return err
	}
	return nil
}

// Insert implements Store.
func (s *MemoryStore) Insert(_ context.Context, c Credential) error {
	if err := checkCredential(c); err != nil {
		return fmt.Errorf("auth/memory: insert %q: %w", c.User, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]Credential)
	}
	if _, ok := s.m[c.User]; ok {
		return fmt.Errorf("auth/memory: insert %q: %w", c.User, ErrExists)
	}
	s.m[c.User] = c
	return nil
}

// Lookup implements Store.
func (s *MemoryStore) Lookup(_ context.Context, user string) (Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[user]
	if !ok {
		return Credential{}, fmt.Errorf("auth/memory: lookup %q: %w", user, ErrNotFound)
	}
	return c, nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[user]; !ok {
		return fmt.Errorf("auth/memory: delete %q: %w", user, ErrNotFound)
	}
	delete(s.m, user)
	return nil
}

// SetHash implements Store.
func (s *MemoryStore) SetHash(_ context.Context, user, hash string) error {
	if _, err := parsePHC(hash); err != nil {
		return fmt.Errorf("auth/memory: set hash of %q: %w", user, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[user]
	if !ok {
		return fmt.Errorf("auth/memory: set hash of %q: %w", user, ErrNotFound)
	}
	c.Hash = hash
	s.m[user] = c
	return nil
}

// List implements Store.
func (s *MemoryStore) List(_ context.Context, environmentID string) ([]Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Credential
	for _, c := range s.m {
		if c.EnvironmentID == environmentID {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Credential) int {
		if d := a.Created.Compare(b.Created); d != 0 {
			return d
		}
		return strings.Compare(a.User, b.User)
	})
	return out, nil
}

// Dialect selects the SQL placeholder style of an SQLStore.
type Dialect int

const (
	SQLite   Dialect = iota // "?" placeholders (modernc.org/sqlite, MySQL)
	Postgres                // "$1" placeholders
)

// SQLStore is a Store in a SQL database through database/sql. It uses
// only portable SQL (one table, VARCHAR and BIGINT columns, times as
// Unix milliseconds) and works with modernc.org/sqlite and PostgreSQL.
type SQLStore struct {
	db      *sql.DB
	dialect Dialect
	table   string
}

// NewSQLStore returns a store over db keeping application credentials in
// the table consign_credentials. Call Migrate once before use.
func NewSQLStore(db *sql.DB, dialect Dialect) *SQLStore {
	return &SQLStore{db: db, dialect: dialect, table: "consign_credentials"}
}

// NewOperatorSQLStore returns a store over db keeping operator
// credentials (those of the management API) in a table of their own,
// consign_operators, so that no operator credential is ever an
// application credential or the reverse. Call Migrate once before use.
func NewOperatorSQLStore(db *sql.DB, dialect Dialect) *SQLStore {
	return &SQLStore{db: db, dialect: dialect, table: "consign_operators"}
}

// q names the store's table (written {t} in query) and rewrites "?"
// placeholders for the dialect.
func (s *SQLStore) q(query string) string {
	query = strings.ReplaceAll(query, "{t}", s.table)
	if s.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Migrate creates the credentials table and its index if they are
// missing. It is idempotent.
func (s *SQLStore) Migrate(ctx context.Context) error {
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS {t} (
			username       VARCHAR(64)  NOT NULL PRIMARY KEY,
			environment_id VARCHAR(128) NOT NULL,
			member         VARCHAR(128) NOT NULL,
			secret_hash    VARCHAR(256) NOT NULL,
			created_ms     BIGINT       NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS {t}_env ON {t} (environment_id, created_ms)`,
	} {
		if _, err := s.db.ExecContext(ctx, s.q(stmt)); err != nil {
			return fmt.Errorf("auth/sql: migrate: %w", err)
		}
	}
	return nil
}

// Insert implements Store.
func (s *SQLStore) Insert(ctx context.Context, c Credential) error {
	if err := checkCredential(c); err != nil {
		return fmt.Errorf("auth/sql: insert %q: %w", c.User, err)
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO {t}
		(username, environment_id, member, secret_hash, created_ms) VALUES (?, ?, ?, ?, ?)`),
		c.User, c.EnvironmentID, c.Member, c.Hash, c.Created.UnixMilli())
	if err != nil {
		// Drivers report a key violation differently; look the user up
		// to give the portable answer.
		if _, lerr := s.Lookup(ctx, c.User); lerr == nil {
			return fmt.Errorf("auth/sql: insert %q: %w", c.User, ErrExists)
		}
		return fmt.Errorf("auth/sql: insert %q: %w", c.User, err)
	}
	return nil
}

// Lookup implements Store.
func (s *SQLStore) Lookup(ctx context.Context, user string) (Credential, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT username, environment_id, member, secret_hash, created_ms
		FROM {t} WHERE username = ?`), user)
	c, err := scanCredential(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Credential{}, fmt.Errorf("auth/sql: lookup %q: %w", user, ErrNotFound)
	}
	if err != nil {
		return Credential{}, fmt.Errorf("auth/sql: lookup %q: %w", user, err)
	}
	return c, nil
}

// Delete implements Store.
func (s *SQLStore) Delete(ctx context.Context, user string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM {t} WHERE username = ?`), user)
	if err != nil {
		return fmt.Errorf("auth/sql: delete %q: %w", user, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("auth/sql: delete %q: %w", user, ErrNotFound)
	}
	return nil
}

// SetHash implements Store.
func (s *SQLStore) SetHash(ctx context.Context, user, hash string) error {
	if _, err := parsePHC(hash); err != nil {
		return fmt.Errorf("auth/sql: set hash of %q: %w", user, err)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE {t} SET secret_hash = ? WHERE username = ?`), hash, user)
	if err != nil {
		return fmt.Errorf("auth/sql: set hash of %q: %w", user, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("auth/sql: set hash of %q: %w", user, ErrNotFound)
	}
	return nil
}

// List implements Store.
func (s *SQLStore) List(ctx context.Context, environmentID string) ([]Credential, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT username, environment_id, member, secret_hash, created_ms
		FROM {t} WHERE environment_id = ? ORDER BY created_ms, username`), environmentID)
	if err != nil {
		return nil, fmt.Errorf("auth/sql: list %q: %w", environmentID, err)
	}
	defer rows.Close()
	var out []Credential
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, fmt.Errorf("auth/sql: list %q: %w", environmentID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth/sql: list %q: %w", environmentID, err)
	}
	return out, nil
}

func scanCredential(r interface{ Scan(...any) error }) (Credential, error) {
	var c Credential
	var ms int64
	if err := r.Scan(&c.User, &c.EnvironmentID, &c.Member, &c.Hash, &ms); err != nil {
		return Credential{}, err
	}
	c.Created = time.UnixMilli(ms).UTC()
	return c, nil
}
