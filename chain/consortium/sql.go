package consortium

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// SQLStore keeps records in a database/sql database as JSON documents in
// one table, consortium_records(kind, id, env, body). It uses "?"
// placeholders and standard SQL, as SQLite does.
type SQLStore struct {
	db *sql.DB
	mu sync.Mutex // serializes Update's read-modify-write within this process
}

// NewSQLStore creates the table if needed and returns the store.
func NewSQLStore(ctx context.Context, db *sql.DB) (*SQLStore, error) {
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS consortium_records (
		kind TEXT NOT NULL,
		id   TEXT NOT NULL,
		env  TEXT NOT NULL,
		body TEXT NOT NULL,
		PRIMARY KEY (kind, id))`)
	if err != nil {
		return nil, fmt.Errorf("consortium: create table: %w", err)
	}
	return &SQLStore{db: db}, nil
}

// decoders decode the JSON body of a record, by kind.
var decoders = map[string]func(body string) (Record, error){
	KindConsortium:  decodeAs[Consortium],
	KindEnvironment: decodeAs[Environment],
	KindMembership:  decodeAs[Membership],
	KindNode:        decodeAs[Node],
	KindInvitation:  decodeAs[Invitation],
	KindService:     decodeAs[Service],
	KindDestination: decodeAs[Destination],
	KindProofNonce:  decodeAs[ProofNonce],
}

func decode(kind, body string) (Record, error) {
	dec, ok := decoders[kind]
	if !ok {
		return nil, fmt.Errorf("consortium: unknown record kind %q: %w", kind, ErrInvalid)
	}
	r, err := dec(body)
	if err != nil {
		return nil, fmt.Errorf("consortium: decode %s: %w", kind, err)
	}
	return r, nil
}

// decodeAs decodes the JSON body of a record of type T.
func decodeAs[T Record](body string) (Record, error) {
	var v T
	err := json.Unmarshal([]byte(body), &v)
	return v, err
}

// Create stores r, or returns ErrExists if its key is taken.
func (s *SQLStore) Create(ctx context.Context, r Record) error {
	kind, id := r.Key()
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM consortium_records WHERE kind = ? AND id = ?`, kind, id).Scan(&n); err != nil {
		return fmt.Errorf("consortium: create %s %q: %w", kind, id, err)
	}
	if n > 0 {
		return fmt.Errorf("consortium: %s %q: %w", kind, id, ErrExists)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO consortium_records (kind, id, env, body) VALUES (?, ?, ?, ?)`, kind, id, r.Env(), string(body))
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "unique") || strings.Contains(strings.ToLower(err.Error()), "constraint") {
			return fmt.Errorf("consortium: %s %q: %w", kind, id, ErrExists)
		}
		return fmt.Errorf("consortium: create %s %q: %w", kind, id, err)
	}
	return nil
}

// Get returns the record kind/id or ErrNotFound.
func (s *SQLStore) Get(ctx context.Context, kind, id string) (Record, error) {
	var body string
	err := s.db.QueryRowContext(ctx, `SELECT body FROM consortium_records WHERE kind = ? AND id = ?`, kind, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("consortium: get %s %q: %w", kind, id, err)
	}
	return decode(kind, body)
}

// Update replaces kind/id by fn's result inside one transaction.
func (s *SQLStore) Update(ctx context.Context, kind, id string, fn func(Record) (Record, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("consortium: update %s %q: %w", kind, id, err)
	}
	defer tx.Rollback()
	var body string
	err = tx.QueryRowContext(ctx, `SELECT body FROM consortium_records WHERE kind = ? AND id = ?`, kind, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("consortium: %s %q: %w", kind, id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("consortium: update %s %q: %w", kind, id, err)
	}
	cur, err := decode(kind, body)
	if err != nil {
		return err
	}
	n, err := fn(cur)
	if err != nil {
		return err
	}
	if k, i := n.Key(); k != kind || i != id || n.Env() != cur.Env() {
		return fmt.Errorf("consortium: update %s %q may not change its key or environment: %w", kind, id, ErrInvalid)
	}
	nb, err := json.Marshal(n)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE consortium_records SET body = ? WHERE kind = ? AND id = ?`, string(nb), kind, id); err != nil {
		return fmt.Errorf("consortium: update %s %q: %w", kind, id, err)
	}
	return tx.Commit()
}

// List returns the records of kind in env ("" for all), ordered by id.
func (s *SQLStore) List(ctx context.Context, kind, env string) ([]Record, error) {
	return s.Find(ctx, kind, env, func(Record) bool { return true })
}

// Find returns the records of kind in env ("" for all) that match, ordered by id.
func (s *SQLStore) Find(ctx context.Context, kind, env string, match func(Record) bool) ([]Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM consortium_records WHERE kind = ? AND (? = '' OR env = ?) ORDER BY id`, kind, env, env)
	if err != nil {
		return nil, fmt.Errorf("consortium: list %s: %w", kind, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("consortium: list %s: %w", kind, err)
		}
		r, err := decode(kind, body)
		if err != nil {
			return nil, err
		}
		if match(r) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}
