package docstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/storage"
)

// maxMemberLen bounds a member id, the first segment of every key.
const maxMemberLen = 128

// Config tunes a Store. The zero value is ready to use.
type Config struct {
	// StagingFolder is the top-level backend folder holding staged
	// content (Stage) until it is placed at its path. It must be one key
	// segment starting with '.', so that it can never be a member id.
	// Empty means ".staging".
	StagingFolder string
	// Logger receives what the store notices but does not return (names
	// in the backend it cannot serve, clean-up failures); nil means
	// slog.Default().
	Logger *slog.Logger
}

// Validate reports the first unusable setting.
func (c Config) Validate() error {
	if c.StagingFolder != "" {
		if !strings.HasPrefix(c.StagingFolder, ".") || strings.Contains(c.StagingFolder, "/") ||
			storage.ValidateKey(c.StagingFolder) != nil {
			return fmt.Errorf("docstore: config: StagingFolder %q must be one key segment starting with '.'", c.StagingFolder)
		}
	}
	return nil
}

// Store is the document store of a node: one document space per member,
// the content in a storage.Backend, the metadata in the node's database.
// It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	backend storage.Backend
	staging string
	log     *slog.Logger
	locks   keyLocks
}

// New returns a Store keeping content in backend and metadata in db
// (opened with internal/metadb), whose tables it creates or upgrades.
func New(ctx context.Context, db *sql.DB, backend storage.Backend, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if db == nil || backend == nil {
		return nil, errors.New("docstore: new: a metadata database and a storage backend are required")
	}
	if err := metadb.Migrate(ctx, db, "docstore", catalogMigrations); err != nil {
		return nil, fmt.Errorf("docstore: %w", err)
	}
	s := &Store{db: db, backend: backend, staging: cfg.StagingFolder, log: cfg.Logger}
	if s.staging == "" {
		s.staging = ".staging"
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Backend returns the store's content backend.
func (s *Store) Backend() storage.Backend { return s.backend }

// Space returns the document space of member. The member id becomes the
// first segment of every backend key of the space, so it must be a valid
// key segment that does not start with '.'.
func (s *Store) Space(member string) (*Space, error) {
	if member == "" || len(member) > maxMemberLen || strings.HasPrefix(member, ".") ||
		strings.Contains(member, "/") || storage.ValidateKey(member) != nil {
		return nil, fmt.Errorf("docstore: %w: member id %q cannot name a document space", ErrInvalidArgument, truncate(member))
	}
	return &Space{s: s, member: member, prefix: member + "/"}, nil
}

// Space is one member's documents and preferences. Backend keys are
// "<member>/<path>".
type Space struct {
	s      *Store
	member string
	prefix string
}

// Member returns the member whose space this is.
func (sp *Space) Member() string { return sp.member }

// key returns the backend key of p (p must not be the root).
func (sp *Space) key(p Path) string { return sp.prefix + p.rel }

// folderPrefix returns the backend prefix listing folder p.
func (sp *Space) folderPrefix(p Path) string {
	if p.IsRoot() {
		return sp.prefix
	}
	return sp.prefix + p.rel + "/"
}

// Document describes a stored document.
type Document struct {
	Path         Path
	Size         int64
	LastModified time.Time
	// Hash is the SHA-256 of the content in lower-case hex; empty when
	// the content was placed in the backend by other means and has not
	// been hashed yet (see Space.Hash and Space.SyncHashes).
	Hash string
	// Ref is the backend's own reference (an IPFS CID, an S3 or Azure
	// ETag); empty for local disk.
	Ref string
}

// Entry is one item of a folder: a document or a sub-folder.
type Entry struct {
	Name  string
	IsDir bool
	// Size, LastModified and Hash are those of a document; a folder has
	// zero values.
	Size         int64
	LastModified time.Time
	Hash         string
	Ref          string
}

// fingerprint identifies one version of a backend object. The metadata
// row's hash belongs to the object only while the fingerprints agree.
type fingerprint struct {
	size  int64
	ref   string
	modNS int64
}

func fingerprintOf(o storage.Object) fingerprint {
	return fingerprint{size: o.Size, ref: normalRef(o.Ref), modNS: o.ModTime.UnixNano()}
}

// normalRef drops the quotes of an ETag: some backends report the same
// ETag quoted from one call and bare from another.
func normalRef(ref string) string { return strings.Trim(ref, `"`) }

// matches compares by size and the backend's reference when there is one
// (an ETag or CID changes with the content; S3 reports the time of a Put
// from the client's clock, so time cannot be compared there), else by
// size and modification time.
func (f fingerprint) matches(g fingerprint) bool {
	if f.size != g.size {
		return false
	}
	if f.ref != "" || g.ref != "" {
		return f.ref == g.ref
	}
	return f.modNS == g.modNS
}

// row is a docstore_documents record.
type row struct {
	path string
	fp   fingerprint
	hash string
}

func (sp *Space) getRow(ctx context.Context, p Path) (row, bool, error) {
	r := row{path: p.rel}
	err := sp.s.db.QueryRowContext(ctx, selectRow,
		sp.member, p.rel).Scan(&r.fp.size, &r.hash, &r.fp.ref, &r.fp.modNS)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, err
	}
	return r, true, nil
}

// getRows returns the rows of the given relative paths.
func (sp *Space) getRows(ctx context.Context, paths []string) (map[string]row, error) {
	out := make(map[string]row, len(paths))
	for len(paths) > 0 {
		n := min(len(paths), 500)
		batch := paths[:n]
		paths = paths[n:]
		args := make([]any, 0, n+1)
		args = append(args, sp.member)
		for _, p := range batch {
			args = append(args, p)
		}
		rows, err := sp.s.db.QueryContext(ctx, selectRows(n), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.path, &r.fp.size, &r.hash, &r.fp.ref, &r.fp.modNS); err != nil {
				rows.Close()
				return nil, err
			}
			out[r.path] = r
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (sp *Space) putRow(ctx context.Context, p Path, fp fingerprint, hash string) error {
	_, err := sp.s.db.ExecContext(ctx, upsertRow, sp.member, p.rel, fp.size, hash, fp.ref, fp.modNS, time.Now().UnixNano())
	return err
}

func (sp *Space) deleteRow(ctx context.Context, rel string) error {
	_, err := sp.s.db.ExecContext(ctx, `DELETE FROM docstore_documents WHERE member = ? AND path = ?`, sp.member, rel)
	return err
}

// hashFor returns the recorded hash of the object o at p when the
// record still describes o, else "".
func hashFor(r row, ok bool, o storage.Object) string {
	if ok && r.fp.matches(fingerprintOf(o)) {
		return r.hash
	}
	return ""
}

// keyLocks serialises writers of one key within this process, so that a
// create-only upload's existence check and its write are not interleaved
// with another writer of the same path.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sem  chan struct{} // holds one token while locked
	refs int
}

// lock locks key and returns the unlock function. It gives up when ctx
// is done.
func (l *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*keyLock)
	}
	k := l.m[key]
	if k == nil {
		k = &keyLock{sem: make(chan struct{}, 1)}
		l.m[key] = k
	}
	k.refs++
	l.mu.Unlock()
	release := func() {
		l.mu.Lock()
		k.refs--
		if k.refs == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
	select {
	case k.sem <- struct{}{}:
		return func() { <-k.sem; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// hashingReader computes SHA-256 and counts bytes of what is read
// through it, and remembers the error of the underlying reader so that a
// failed upload can be told apart from a failed backend.
type hashingReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	err error
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	if err != nil && err != io.EOF {
		h.err = err
		// A fresh error value: a backend must not mistake a truncated
		// upload's io.ErrUnexpectedEOF for the end of a short stream.
		return n, &sourceError{err}
	}
	return n, err
}

// sourceError is a failure of the stream being stored. It deliberately
// does not unwrap.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return "reading the content: " + e.err.Error() }

func randomName() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
