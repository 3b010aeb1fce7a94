package docstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/consign/consign/storage"
)

// Staged is content written by Stage to the store's staging folder:
// stored and hashed, but in no member's space until Place puts it at a
// path. Its fields can be saved (in an inbox record, say) and the value
// rebuilt after a restart.
type Staged struct {
	Key     string // backend key under the staging folder
	Size    int64
	Hash    string // SHA-256, lower-case hex
	Ref     string
	ModTime time.Time
}

// Stage streams r into a new key of the staging folder, computing its
// SHA-256. A receiver stages a document while it arrives, verifies it,
// and only then places it, so nothing unverified ever shows in a space.
// A failed Stage leaves nothing behind.
func (s *Store) Stage(ctx context.Context, r io.Reader) (Staged, error) {
	key := s.staging + "/" + randomName()
	hr := &hashingReader{r: r, h: sha256.New()}
	obj, err := s.backend.Put(ctx, key, hr)
	if err != nil {
		if hr.err != nil {
			return Staged{}, fmt.Errorf("docstore: stage: %w after %d bytes: %v", ErrIncomplete, hr.n, hr.err)
		}
		return Staged{}, fmt.Errorf("docstore: stage: %w", err)
	}
	if obj.Size != hr.n {
		s.Discard(context.WithoutCancel(ctx), Staged{Key: key})
		return Staged{}, fmt.Errorf("docstore: stage: the backend stored %d bytes of the %d read", obj.Size, hr.n)
	}
	return Staged{Key: key, Size: obj.Size, Hash: hex.EncodeToString(hr.h.Sum(nil)), Ref: obj.Ref, ModTime: obj.ModTime}, nil
}

// Discard removes staged content that will not be placed. Discarding
// content already placed or discarded is not an error.
func (s *Store) Discard(ctx context.Context, st Staged) error {
	if err := s.checkStaged(st); err != nil {
		return err
	}
	if err := s.backend.Delete(ctx, st.Key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("docstore: discard %q: %w", st.Key, err)
	}
	return nil
}

func (s *Store) checkStaged(st Staged) error {
	rest, ok := strings.CutPrefix(st.Key, s.staging+"/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return fmt.Errorf("docstore: %w: %q is not a staging key", ErrInvalidArgument, st.Key)
	}
	return nil
}

// Place makes staged content the document at p, as one step for readers:
// they see the previous document (or nothing) until the new one is
// complete. With a backend that is a storage.Mover the object is moved;
// otherwise it is copied, streaming, and its hash checked against
// st.Hash on the way (a mismatch removes the copy and gives ErrChanged).
// The staged key is gone afterwards. mode, ErrExists, ErrIsFolder and
// ErrNotFolder are as for Put.
func (sp *Space) Place(ctx context.Context, st Staged, p Path, mode WriteMode) (Document, error) {
	op := fmt.Sprintf("docstore: place %q", p.rel)
	if err := sp.s.checkStaged(st); err != nil {
		return Document{}, fmt.Errorf("%s: %w", op, err)
	}
	unlock, err := sp.lockDocument(ctx, p, op, "the root folder cannot be a document")
	if err != nil {
		return Document{}, err
	}
	defer unlock()
	cur, err := sp.s.backend.Stat(ctx, st.Key)
	if errors.Is(err, storage.ErrNotFound) {
		return Document{}, fmt.Errorf("%s: %w: staged content %q is gone", op, ErrNotFound, st.Key)
	}
	if err != nil {
		return Document{}, fmt.Errorf("%s: %w", op, err)
	}
	if !fingerprintOf(cur).matches(fingerprint{size: st.Size, ref: normalRef(st.Ref), modNS: st.ModTime.UnixNano()}) {
		return Document{}, fmt.Errorf("%s: %w: staged content %q is not what was staged", op, ErrChanged, st.Key)
	}
	if err := sp.checkWritable(ctx, p, mode); err != nil {
		return Document{}, fmt.Errorf("%s: %w", op, err)
	}
	var obj storage.Object
	if m, ok := sp.s.backend.(storage.Mover); ok {
		if obj, err = m.Move(ctx, st.Key, sp.key(p)); err != nil {
			return Document{}, fmt.Errorf("%s: %w", op, err)
		}
	} else {
		if obj, err = sp.copyStaged(ctx, st, p); err != nil {
			return Document{}, fmt.Errorf("%s: %w", op, err)
		}
		if err := sp.s.backend.Delete(context.WithoutCancel(ctx), st.Key); err != nil && !errors.Is(err, storage.ErrNotFound) {
			sp.s.log.Warn("docstore: could not remove placed staging content", "key", st.Key, "err", err)
		}
	}
	if err := sp.putRow(context.WithoutCancel(ctx), p, fingerprintOf(obj), st.Hash); err != nil {
		return Document{}, fmt.Errorf("%s: recording the document: %w", op, err)
	}
	return Document{Path: p, Size: obj.Size, LastModified: obj.ModTime, Hash: st.Hash, Ref: obj.Ref}, nil
}

func (sp *Space) copyStaged(ctx context.Context, st Staged, p Path) (storage.Object, error) {
	rc, err := sp.s.backend.Get(ctx, st.Key, 0, -1)
	if err != nil {
		return storage.Object{}, err
	}
	defer rc.Close()
	hr := &hashingReader{r: rc, h: sha256.New()}
	obj, err := sp.s.backend.Put(ctx, sp.key(p), hr)
	if err != nil {
		return storage.Object{}, err
	}
	if sum := hex.EncodeToString(hr.h.Sum(nil)); sum != st.Hash || hr.n != st.Size {
		// The copy is not what was verified: take it away again.
		if err := sp.s.backend.Delete(context.WithoutCancel(ctx), sp.key(p)); err != nil {
			sp.s.log.Error("docstore: could not remove a placed copy that failed its hash check", "key", sp.key(p), "err", err)
		}
		return storage.Object{}, fmt.Errorf("%w: staged content read back with SHA-256 %s, %d bytes; staged as %s, %d bytes",
			ErrChanged, sum, hr.n, st.Hash, st.Size)
	}
	return obj, nil
}

// sweepStaging removes the staged content last modified before cutoff
// that no incoming transfer being placed holds: what a crash left between
// Stage and Place, or between Place and its record. It returns how many
// objects it removed.
func (t *Transfers) sweepStaging(ctx context.Context, cutoff time.Time) (int, error) {
	live := map[string]bool{}
	rows, err := t.db.QueryContext(ctx, `SELECT staged_key FROM docstore_transfers_in WHERE status = 'placing' AND staged_key != ''`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var k string
		if rows.Scan(&k) == nil {
			live[k] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	removed := 0
	opts := storage.ListOptions{Prefix: t.store.staging + "/"}
	for {
		page, err := t.store.backend.List(ctx, opts)
		if err != nil {
			return removed, err
		}
		for _, o := range page.Objects {
			if live[o.Key] || !o.ModTime.Before(cutoff) {
				continue
			}
			if err := t.store.backend.Delete(ctx, o.Key); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return removed, err
			}
			removed++
		}
		if page.Next == "" {
			return removed, nil
		}
		opts.After = page.Next
	}
}
