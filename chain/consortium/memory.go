package consortium

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// MemoryStore is a Store in process memory, safe for concurrent use.
type MemoryStore struct {
	mu   sync.Mutex
	recs map[string]map[string]Record // kind → id → record
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{recs: map[string]map[string]Record{}} }

// Create stores r, or returns ErrExists if its key is taken.
func (s *MemoryStore) Create(_ context.Context, r Record) error {
	kind, id := r.Key()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recs[kind] == nil {
		s.recs[kind] = map[string]Record{}
	}
	if _, ok := s.recs[kind][id]; ok {
		return fmt.Errorf("consortium: %s %q: %w", kind, id, ErrExists)
	}
	s.recs[kind][id] = r
	return nil
}

// Get returns the record kind/id or ErrNotFound.
func (s *MemoryStore) Get(_ context.Context, kind, id string) (Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[kind][id]
	if !ok {
		return nil, ErrNotFound
	}
	return r, nil
}

// Update replaces kind/id by fn's result, atomically.
func (s *MemoryStore) Update(_ context.Context, kind, id string, fn func(Record) (Record, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[kind][id]
	if !ok {
		return fmt.Errorf("consortium: %s %q: %w", kind, id, ErrNotFound)
	}
	n, err := fn(r)
	if err != nil {
		return err
	}
	if k, i := n.Key(); k != kind || i != id || n.Env() != r.Env() {
		return fmt.Errorf("consortium: update %s %q may not change its key or environment: %w", kind, id, ErrInvalid)
	}
	s.recs[kind][id] = n
	return nil
}

// List returns the records of kind in env ("" for all), ordered by id.
func (s *MemoryStore) List(ctx context.Context, kind, env string) ([]Record, error) {
	return s.Find(ctx, kind, env, func(Record) bool { return true })
}

// Find returns the records of kind in env ("" for all) that match, ordered by id.
func (s *MemoryStore) Find(_ context.Context, kind, env string, match func(Record) bool) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.recs[kind]))
	for id, r := range s.recs[kind] {
		if (env == "" || r.Env() == env) && match(r) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := make([]Record, len(ids))
	for i, id := range ids {
		out[i] = s.recs[kind][id]
	}
	return out, nil
}
