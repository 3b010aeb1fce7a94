package docstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/consign/consign/storage"
)

// WriteMode says what a write does when a document already exists at
// its path.
type WriteMode int

const (
	// Overwrite replaces an existing document (HTTP PUT).
	Overwrite WriteMode = iota
	// CreateOnly refuses, with ErrExists, to replace one (HTTP POST).
	CreateOnly
)

// Limits of List.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// MaxSearchResults is the most documents Search returns.
const MaxSearchResults = 100

// Put stores the content read from r (to io.EOF) as the document at p,
// computing its SHA-256 on the way to the backend, and records it. The
// content is streamed, never held whole in memory. Missing folders above
// p come into being with it.
//
// Nothing changes when Put fails: the previous document (or nothing)
// stays in place. Put refuses with ErrExists a CreateOnly write onto an
// existing document, with ErrIsFolder a path that is a folder, with
// ErrNotFolder a path below a document; a reader that fails or whose
// stream is cut short gives ErrIncomplete.
func (sp *Space) Put(ctx context.Context, p Path, r io.Reader, mode WriteMode) (Document, error) {
	op := fmt.Sprintf("docstore: upload %q", p.rel)
	unlock, err := sp.lockDocument(ctx, p, op, "the root folder cannot be a document; put the document's name in the path")
	if err != nil {
		return Document{}, err
	}
	defer unlock()
	if err := sp.checkWritable(ctx, p, mode); err != nil {
		return Document{}, fmt.Errorf("%s: %w", op, err)
	}
	hr := &hashingReader{r: r, h: sha256.New()}
	obj, err := sp.s.backend.Put(ctx, sp.key(p), hr)
	if err != nil {
		if hr.err != nil {
			return Document{}, fmt.Errorf("%s: %w after %d bytes: %v; nothing was stored", op, ErrIncomplete, hr.n, hr.err)
		}
		return Document{}, fmt.Errorf("%s: %w", op, err)
	}
	if obj.Size != hr.n {
		return Document{}, fmt.Errorf("%s: the backend stored %d bytes of the %d read", op, obj.Size, hr.n)
	}
	sum := hex.EncodeToString(hr.h.Sum(nil))
	// The content is in place: record it even if the caller has gone.
	if err := sp.putRow(context.WithoutCancel(ctx), p, fingerprintOf(obj), sum); err != nil {
		return Document{}, fmt.Errorf("%s: recording the document: %w", op, err)
	}
	return Document{Path: p, Size: obj.Size, LastModified: obj.ModTime, Hash: sum, Ref: obj.Ref}, nil
}

// checkWritable checks, under the path's lock, that a document may be
// written at p: not onto an existing one in CreateOnly mode, not onto a
// folder, not below a document.
func (sp *Space) checkWritable(ctx context.Context, p Path, mode WriteMode) error {
	_, err := sp.s.backend.Stat(ctx, sp.key(p))
	switch {
	case err == nil:
		if mode == CreateOnly {
			return fmt.Errorf("%w: a document is already stored at %s; use PUT to replace it", ErrExists, p.Abs())
		}
		return nil
	case !errors.Is(err, storage.ErrNotFound):
		return err
	}
	isDir, err := sp.isFolder(ctx, p)
	if err != nil {
		return err
	}
	if isDir {
		return fmt.Errorf("%w: %s is a folder; choose a name inside it", ErrIsFolder, p.Abs())
	}
	return sp.checkAncestors(ctx, p)
}

// checkAncestors checks that no folder above p is a document
// (ErrNotFolder).
func (sp *Space) checkAncestors(ctx context.Context, p Path) error {
	for _, anc := range p.ancestors() {
		_, err := sp.s.backend.Stat(ctx, sp.prefix+anc)
		switch {
		case err == nil:
			return fmt.Errorf("%w: /%s is a document, so it cannot hold %s", ErrNotFolder, anc, p.Abs())
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
	}
	return nil
}

// isFolder reports whether any object lies below p.
func (sp *Space) isFolder(ctx context.Context, p Path) (bool, error) {
	opts := storage.ListOptions{Prefix: sp.folderPrefix(p), Delimiter: "/", Limit: 1}
	for {
		page, err := sp.s.backend.List(ctx, opts)
		if err != nil {
			return false, err
		}
		if len(page.Objects)+len(page.Prefixes) > 0 {
			return true, nil
		}
		if page.Next == "" {
			return false, nil
		}
		opts.After = page.Next
	}
}

// MakeFolder creates the empty folder p, with any missing folders above
// it. Storage keeps folders by their contents, so MakeFolder stores a
// zero-byte object named FolderMarker in it; the folder then lists as
// empty, stays when its last document is deleted, and goes with Delete
// once empty. It refuses with ErrExists a path where a folder or a
// document already is (the root always exists), with ErrNotFolder a path
// below a document.
func (sp *Space) MakeFolder(ctx context.Context, p Path) error {
	op := fmt.Sprintf("docstore: make folder %q", p.rel)
	if p.IsRoot() {
		return fmt.Errorf("%s: %w: the root folder always exists", op, ErrExists)
	}
	// The lock of a document at p: a concurrent upload to p waits.
	unlock, err := sp.s.locks.lock(ctx, sp.key(p))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer unlock()
	_, err = sp.s.backend.Stat(ctx, sp.key(p))
	switch {
	case err == nil:
		return fmt.Errorf("%s: %w: a document is stored at %s", op, ErrExists, p.Abs())
	case !errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("%s: %w", op, err)
	}
	isDir, err := sp.isFolder(ctx, p)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if isDir {
		return fmt.Errorf("%s: %w: the folder %s is already there", op, ErrExists, p.Abs())
	}
	if err := sp.checkAncestors(ctx, p); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := sp.s.backend.Put(ctx, sp.folderPrefix(p)+FolderMarker, strings.NewReader("")); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// lockDocument takes the write lock of the document at p, refusing the
// root folder (rootRefusal says why) with ErrIsFolder; errors begin with
// op.
func (sp *Space) lockDocument(ctx context.Context, p Path, op, rootRefusal string) (unlock func(), err error) {
	if p.IsRoot() {
		return nil, fmt.Errorf("%s: %w: %s", op, ErrIsFolder, rootRefusal)
	}
	unlock, err = sp.s.locks.lock(ctx, sp.key(p))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return unlock, nil
}

// Lookup describes what is at p: a document (with its hash when known)
// or a folder. A path naming neither gives ErrNotFound. The root is
// always a folder.
func (sp *Space) Lookup(ctx context.Context, p Path) (Entry, error) {
	if p.IsRoot() {
		return Entry{IsDir: true}, nil
	}
	op := fmt.Sprintf("docstore: lookup %q", p.rel)
	obj, err := sp.s.backend.Stat(ctx, sp.key(p))
	switch {
	case err == nil:
		r, ok, err := sp.getRow(ctx, p)
		if err != nil {
			return Entry{}, fmt.Errorf("%s: %w", op, err)
		}
		return Entry{Name: p.Name(), Size: obj.Size, LastModified: obj.ModTime, Hash: hashFor(r, ok, obj), Ref: obj.Ref}, nil
	case !errors.Is(err, storage.ErrNotFound):
		return Entry{}, fmt.Errorf("%s: %w", op, err)
	}
	isDir, err := sp.isFolder(ctx, p)
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w", op, err)
	}
	if !isDir {
		return Entry{}, fmt.Errorf("%s: %w: no document or folder at %s", op, ErrNotFound, p.Abs())
	}
	return Entry{Name: p.Name(), IsDir: true}, nil
}

// Read streams length bytes of the document at p from offset (length < 0:
// to the end). The caller must Close the reader.
func (sp *Space) Read(ctx context.Context, p Path, offset, length int64) (io.ReadCloser, error) {
	if p.IsRoot() {
		return nil, fmt.Errorf("docstore: read /: %w", ErrIsFolder)
	}
	rc, err := sp.s.backend.Get(ctx, sp.key(p), offset, length)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("docstore: read %q: %w: no document at %s", p.rel, ErrNotFound, p.Abs())
	}
	if err != nil {
		return nil, fmt.Errorf("docstore: read %q: %w", p.rel, err)
	}
	return rc, nil
}

// Listing is one page of a folder.
type Listing struct {
	Entries   []Entry // documents and folders, sorted by name (byte order)
	Truncated bool    // more entries follow
}

// List returns entries offset to offset+limit-1 of folder dir, documents
// and sub-folders together in byte order of their names. It reads the
// backend, so documents placed there by other means are listed too, with
// an empty hash until they are hashed. limit must be 1 to MaxListLimit
// and offset not negative (ErrInvalidArgument). A folder with nothing in
// it does not exist (ErrNotFound), except the root and a folder made by
// MakeFolder (an empty listing: its FolderMarker is never listed); a
// document gives ErrNotFolder.
func (sp *Space) List(ctx context.Context, dir Path, offset, limit int) (Listing, error) {
	op := fmt.Sprintf("docstore: list %q", dir.rel)
	if offset < 0 {
		return Listing{}, fmt.Errorf("%s: %w: offset %d must not be negative", op, ErrInvalidArgument, offset)
	}
	if limit < 1 || limit > MaxListLimit {
		return Listing{}, fmt.Errorf("%s: %w: limit %d must be from 1 to %d", op, ErrInvalidArgument, limit, MaxListLimit)
	}
	prefix := sp.folderPrefix(dir)
	want := offset + limit + 1 // one more tells whether the page is truncated
	var (
		seen    int
		entries []Entry
		docs    []string
		refused int
		marked  bool // the folder holds its FolderMarker
	)
	opts := storage.ListOptions{Prefix: prefix, Delimiter: "/"}
	for seen < want {
		opts.Limit = min(MaxListLimit, want-seen)
		page, err := sp.s.backend.List(ctx, opts)
		if err != nil {
			return Listing{}, fmt.Errorf("%s: %w", op, err)
		}
		refused += len(page.Refused)
		// Objects and Prefixes are each sorted: merge them.
		objs, pres := page.Objects, page.Prefixes
		for len(objs) > 0 || len(pres) > 0 {
			var e Entry
			if len(pres) == 0 || (len(objs) > 0 && objs[0].Key < pres[0]) {
				o := objs[0]
				objs = objs[1:]
				e = Entry{Name: strings.TrimPrefix(o.Key, prefix), Size: o.Size, LastModified: o.ModTime, Ref: o.Ref}
			} else {
				e = Entry{Name: strings.TrimSuffix(strings.TrimPrefix(pres[0], prefix), "/"), IsDir: true}
				pres = pres[1:]
			}
			if e.Name == FolderMarker {
				marked = true
				continue
			}
			seen++
			if seen > offset && seen <= offset+limit {
				entries = append(entries, e)
				if !e.IsDir {
					docs = append(docs, dir.childRel(e.Name))
				}
			}
		}
		if page.Next == "" {
			break
		}
		opts.After = page.Next
	}
	if refused > 0 {
		sp.s.log.Warn("docstore: backend names that cannot be served were left out of a listing",
			"member", sp.member, "folder", dir.Abs(), "count", refused)
	}
	if seen == 0 && !marked && !dir.IsRoot() {
		if _, err := sp.s.backend.Stat(ctx, sp.key(dir)); err == nil {
			return Listing{}, fmt.Errorf("%s: %w: %s is a document; download it without a trailing slash", op, ErrNotFolder, dir.Abs())
		}
		return Listing{}, fmt.Errorf("%s: %w: no folder at %s", op, ErrNotFound, dir.Abs())
	}
	rows, err := sp.getRows(ctx, docs)
	if err != nil {
		return Listing{}, fmt.Errorf("%s: %w", op, err)
	}
	for i := range entries {
		e := &entries[i]
		if e.IsDir {
			continue
		}
		r, ok := rows[dir.childRel(e.Name)]
		e.Hash = hashFor(r, ok, storage.Object{Size: e.Size, ModTime: e.LastModified, Ref: e.Ref})
	}
	return Listing{Entries: entries, Truncated: seen > offset+limit}, nil
}

// childRel returns the relative path of name inside p.
func (p Path) childRel(name string) string {
	if p.rel == "" {
		return name
	}
	return p.rel + "/" + name
}

// Delete removes the document at p and its record, or the empty folder
// p made by MakeFolder. Any other folder gives ErrIsFolder (delete its
// documents first; it disappears with the last one, unless MakeFolder
// made it), a missing path ErrNotFound.
func (sp *Space) Delete(ctx context.Context, p Path) error {
	op := fmt.Sprintf("docstore: delete %q", p.rel)
	unlock, err := sp.lockDocument(ctx, p, op, "the root folder cannot be deleted")
	if err != nil {
		return err
	}
	defer unlock()
	err = sp.s.backend.Delete(ctx, sp.key(p))
	if errors.Is(err, storage.ErrNotFound) {
		isDir, lerr := sp.isFolder(ctx, p)
		if lerr != nil {
			return fmt.Errorf("%s: %w", op, lerr)
		}
		if isDir {
			return sp.deleteEmptyFolder(ctx, p, op)
		}
		// A record left by a document deleted by other means goes too.
		if err := sp.deleteRow(ctx, p.rel); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return fmt.Errorf("%s: %w: no document at %s", op, ErrNotFound, p.Abs())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := sp.deleteRow(context.WithoutCancel(ctx), p.rel); err != nil {
		return fmt.Errorf("%s: removing the record: %w", op, err)
	}
	return nil
}

// deleteEmptyFolder removes the marker of folder p when nothing else is
// in it; a folder with contents gives ErrIsFolder.
func (sp *Space) deleteEmptyFolder(ctx context.Context, p Path, op string) error {
	l, err := sp.List(ctx, p, 0, 1)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err != nil || len(l.Entries) > 0 {
		return fmt.Errorf("%s: %w: %s is a folder with documents in it; delete them first", op, ErrIsFolder, p.Abs())
	}
	err = sp.s.backend.Delete(ctx, sp.folderPrefix(p)+FolderMarker)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// Hash reads the document at p, which may have been placed in the
// backend by other means, computes its SHA-256 and records it. A
// document replaced while it is read gives ErrChanged.
func (sp *Space) Hash(ctx context.Context, p Path) (Document, error) {
	op := fmt.Sprintf("docstore: hash %q", p.rel)
	unlock, err := sp.lockDocument(ctx, p, op, "the root folder is not a document")
	if err != nil {
		return Document{}, err
	}
	defer unlock()
	obj, err := sp.s.backend.Stat(ctx, sp.key(p))
	if errors.Is(err, storage.ErrNotFound) {
		if isDir, lerr := sp.isFolder(ctx, p); lerr == nil && isDir {
			return Document{}, fmt.Errorf("%s: %w: %s is a folder; use POST /sync_hashes to hash every document", op, ErrIsFolder, p.Abs())
		}
		return Document{}, fmt.Errorf("%s: %w: no document at %s", op, ErrNotFound, p.Abs())
	}
	if err != nil {
		return Document{}, fmt.Errorf("%s: %w", op, err)
	}
	sum, err := sp.hashObject(ctx, obj)
	if err != nil {
		return Document{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := sp.putRow(context.WithoutCancel(ctx), p, fingerprintOf(obj), sum); err != nil {
		return Document{}, fmt.Errorf("%s: recording the hash: %w", op, err)
	}
	return Document{Path: p, Size: obj.Size, LastModified: obj.ModTime, Hash: sum, Ref: obj.Ref}, nil
}

// hashObject streams obj through SHA-256 and checks that it was not
// replaced meanwhile.
func (sp *Space) hashObject(ctx context.Context, obj storage.Object) (string, error) {
	rc, err := sp.s.backend.Get(ctx, obj.Key, 0, -1)
	if errors.Is(err, storage.ErrNotFound) {
		return "", fmt.Errorf("%w: deleted while being hashed", ErrChanged)
	}
	if err != nil {
		return "", err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, rc, make([]byte, 256<<10))
	rc.Close()
	if err != nil {
		return "", err
	}
	after, err := sp.s.backend.Stat(ctx, obj.Key)
	if errors.Is(err, storage.ErrNotFound) {
		return "", fmt.Errorf("%w: deleted while being hashed", ErrChanged)
	}
	if err != nil {
		return "", err
	}
	if n != obj.Size || !fingerprintOf(obj).matches(fingerprintOf(after)) {
		return "", fmt.Errorf("%w: replaced while being hashed (%d bytes read, %d listed); retry", ErrChanged, n, obj.Size)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SyncHashes brings the records in line with the backend: it hashes
// every document of the space that has no current hash (all of them when
// reset is true), and forgets records of documents no longer in the
// backend. It returns how many hashes it computed. Documents that change
// while being hashed are skipped (a later run picks them up).
func (sp *Space) SyncHashes(ctx context.Context, reset bool) (int, error) {
	op := "docstore: sync hashes"
	rows := &rowCursor{sp: sp}
	n := 0
	opts := storage.ListOptions{Prefix: sp.prefix, Limit: MaxListLimit}
	for {
		page, err := sp.s.backend.List(ctx, opts)
		if err != nil {
			return n, fmt.Errorf("%s: %w", op, err)
		}
		for _, obj := range page.Objects {
			rel := strings.TrimPrefix(obj.Key, sp.prefix)
			// Records sorting before this object have no object (listings
			// and the table are both in byte order).
			r, ok, err := rows.advanceTo(ctx, rel, false)
			if err != nil {
				return n, fmt.Errorf("%s: %w", op, err)
			}
			if !reset && ok && r.hash != "" && r.fp.matches(fingerprintOf(obj)) {
				continue
			}
			p, err := ParsePath(rel)
			if err != nil { // ValidateKey passed in List: cannot happen
				continue
			}
			done, err := sp.hashIfUnchanged(ctx, p, obj)
			if err != nil {
				return n, fmt.Errorf("%s: %w", op, err)
			}
			if done {
				n++
			}
		}
		if page.Next == "" {
			break
		}
		opts.After = page.Next
	}
	if _, _, err := rows.advanceTo(ctx, "", true); err != nil {
		return n, fmt.Errorf("%s: %w", op, err)
	}
	return n, nil
}

// hashIfUnchanged hashes obj under p's lock and records it; it reports
// false, without error, when the object changed or went away meanwhile.
func (sp *Space) hashIfUnchanged(ctx context.Context, p Path, obj storage.Object) (bool, error) {
	unlock, err := sp.s.locks.lock(ctx, obj.Key)
	if err != nil {
		return false, err
	}
	defer unlock()
	sum, err := sp.hashObject(ctx, obj)
	if errors.Is(err, ErrChanged) {
		sp.s.log.Info("docstore: sync skipped a document that changed while being hashed", "member", sp.member, "path", p.Abs())
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := sp.putRow(context.WithoutCancel(ctx), p, fingerprintOf(obj), sum); err != nil {
		return false, err
	}
	return true, nil
}

// rowCursor walks the space's records in path order, in batches, and
// removes those whose object has gone.
type rowCursor struct {
	sp    *Space
	batch []row
	last  string
	done  bool
}

// advanceTo moves past every record sorting before rel (every record
// left, when end is set), forgetting each one whose object is confirmed
// missing, and returns the record of rel itself when there is one.
func (c *rowCursor) advanceTo(ctx context.Context, rel string, end bool) (row, bool, error) {
	for {
		if len(c.batch) == 0 {
			if c.done {
				return row{}, false, nil
			}
			if err := c.load(ctx); err != nil {
				return row{}, false, err
			}
			continue
		}
		r := c.batch[0]
		switch {
		case end:
		case r.path == rel:
			c.batch = c.batch[1:]
			return r, true, nil
		case r.path > rel:
			return row{}, false, nil
		}
		c.batch = c.batch[1:]
		// The listing went past r without finding it; it may have been
		// written since, so check before forgetting it.
		_, err := c.sp.s.backend.Stat(ctx, c.sp.prefix+r.path)
		if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInvalidKey) {
			if err := c.sp.deleteRow(ctx, r.path); err != nil {
				return row{}, false, err
			}
		} else if err != nil {
			return row{}, false, err
		}
	}
}

func (c *rowCursor) load(ctx context.Context) error {
	const batch = 500
	rows, err := c.sp.s.db.QueryContext(ctx, selectRowsAfter, c.sp.member, c.last, batch)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.path, &r.fp.size, &r.hash, &r.fp.ref, &r.fp.modNS); err != nil {
			return err
		}
		c.batch = append(c.batch, r)
		c.last = r.path
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(c.batch) < batch {
		c.done = true
	}
	return nil
}

// Search returns up to MaxSearchResults recorded documents, by path,
// whose path contains query (case-insensitively for ASCII letters), or
// whose hash is query when byHash is set. It searches the records:
// documents placed in the backend by other means are found once hashed
// (Hash, SyncHashes).
func (sp *Space) Search(ctx context.Context, query string, byHash bool) ([]Document, error) {
	op := "docstore: search"
	if query == "" {
		return nil, fmt.Errorf("%s: %w: the query parameter is required", op, ErrInvalidArgument)
	}
	if len(query) > MaxPathLen {
		return nil, fmt.Errorf("%s: %w: the query is longer than %d bytes", op, ErrInvalidArgument, MaxPathLen)
	}
	q, args, err := sp.searchQuery(ctx, query, byHash)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	docs, err := scanDocuments(sp.s.db.QueryContext(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if docs == nil {
		docs = []Document{}
	}
	return docs, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
