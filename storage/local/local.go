// Package local is the storage.Backend that keeps objects as files under
// one directory on local disk.
//
// A key maps to the file of the same relative path under Config.Root.
// Every access goes through an os.Root opened on that directory, so after
// storage.ValidateKey has refused "..", absolute and encoded names, even a
// symbolic link planted inside the tree cannot lead a read or write
// outside it.
//
// A Put writes to a new file in the hidden folder ".consign-tmp" under the
// root (with direct I/O where the filesystem allows it, see direct.go),
// flushes it to disk (fsync), and renames it over the final name,
// then flushes the folder. Readers see the old file or the new one, never
// a part; a failed or cancelled Put removes its temporary file, and New
// removes those a crash left behind (older than Config.TempMaxAge). Concurrent
// Puts to one key each write their own temporary file, and the last
// rename wins. Keys under ".consign-tmp" are refused. Folders are created
// as needed and removed when their last object is deleted, so that, as in
// S3, a folder exists only while it holds objects.
//
// A disk cannot hold both an object "a" and an object "a/b"; a Put that
// would need that fails with an error and changes nothing.
package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/internal/backend"
)

// TempDir is the folder under the root that holds Puts in progress.
const TempDir = ".consign-tmp"

// Config configures a Store.
type Config struct {
	// Root is the directory that holds the objects. Required.
	Root string
	// CreateRoot creates Root (and its parents) if it does not exist;
	// false means a missing Root is an error.
	CreateRoot bool
	// BufferSize is the copy buffer of a Put, in bytes; zero means 256 KiB
	// (1 MiB when the Put writes with direct I/O).
	BufferSize int
	// Buffered turns direct I/O off: every Put then writes through the
	// page cache. See direct.go for when direct I/O is used.
	Buffered bool
	// TempMaxAge is how old (since its last write) a file of TempDir must
	// be for New to remove it as the leftover of a Put that a crash
	// interrupted; zero means DefaultTempMaxAge, a negative value keeps
	// them all. The age spares the Puts in progress of another process
	// sharing the root.
	TempMaxAge time.Duration
}

// DefaultTempMaxAge is the default Config.TempMaxAge.
const DefaultTempMaxAge = 10 * time.Minute

// Validate reports whether c is usable.
func (c Config) Validate() error {
	if c.Root == "" {
		return errors.New("storage/local: config: Root is required")
	}
	if c.BufferSize < 0 {
		return fmt.Errorf("storage/local: config: BufferSize %d is negative", c.BufferSize)
	}
	return nil
}

// Store is a storage.Backend on local disk. It is safe for concurrent use.
type Store struct {
	root        *os.Root
	bufPool     sync.Pool // buffered copies
	alignedPool sync.Pool // direct I/O copies
	buffered    bool
	direct      directState
	closed      backend.Closed
	swept       int // leftovers removed by New
}

var (
	_ storage.Backend = (*Store)(nil)
	_ storage.Mover   = (*Store)(nil)
	_ storage.Closer  = (*Store)(nil)
)

const pkg backend.Name = "storage/local"

// New opens the store at cfg.Root.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CreateRoot {
		if err := os.MkdirAll(cfg.Root, 0o755); err != nil {
			return nil, fmt.Errorf("storage/local: create root: %w", err)
		}
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("storage/local: open root: %w", err)
	}
	if err := root.MkdirAll(TempDir, 0o700); err != nil {
		root.Close()
		return nil, fmt.Errorf("storage/local: create %s: %w", TempDir, err)
	}
	size := cfg.BufferSize
	if size == 0 {
		size = 256 << 10
	}
	maxAge := cfg.TempMaxAge
	if maxAge == 0 {
		maxAge = DefaultTempMaxAge
	}
	s := &Store{root: root, buffered: cfg.Buffered}
	if maxAge > 0 {
		s.swept = s.sweepTemp(time.Now().Add(-maxAge))
	}
	s.bufPool.New = func() any { b := make([]byte, size); return &b }
	dsize := (max(cfg.BufferSize, 1<<20) + directAlign - 1) &^ (directAlign - 1)
	s.alignedPool.New = func() any { b := alignedBuffer(dsize); return &b }
	return s, nil
}

// sweepTemp removes the regular files of TempDir last written before
// cutoff and returns how many it removed. Errors are skipped: a file
// that cannot be removed now is tried again at the next start.
func (s *Store) sweepTemp(cutoff time.Time) int {
	d, err := s.root.Open(TempDir)
	if err != nil {
		return 0
	}
	defer d.Close()
	n := 0
	for {
		ents, err := d.ReadDir(256)
		for _, e := range ents {
			info, ierr := e.Info()
			if ierr != nil || !info.Mode().IsRegular() || !info.ModTime().Before(cutoff) {
				continue
			}
			if s.root.Remove(TempDir+"/"+e.Name()) == nil {
				n++
			}
		}
		if err != nil {
			return n
		}
	}
}

// Swept returns how many leftover temporary files New removed.
func (s *Store) Swept() int { return s.swept }

// Close releases the root directory handle. See storage.Closer.
func (s *Store) Close() error { return s.closed.Close(s.root.Close) }

// checkKey refuses keys as every backend does, and those under TempDir;
// after Close it refuses everything.
func (s *Store) checkKey(op, key string) error {
	if err := s.closed.CheckKey(pkg, op, key); err != nil {
		return err
	}
	if key == TempDir || strings.HasPrefix(key, TempDir+"/") {
		return fmt.Errorf("storage/local: %s %q: %w: %s is reserved", op, key, storage.ErrInvalidKey, TempDir)
	}
	return nil
}

// notFound reports whether err means that no file is at the path: missing,
// or a path component is a file.
func notFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// Put streams r into key. See storage.Backend.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (obj storage.Object, err error) {
	if err := s.checkKey("put", key); err != nil {
		return storage.Object{}, err
	}
	wrap := func(err error) error { return fmt.Errorf("storage/local: put %q: %w", key, err) }
	if err := ctx.Err(); err != nil {
		return storage.Object{}, wrap(err)
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	tmp := TempDir + "/" + hex.EncodeToString(rnd[:])
	flag := s.direct.openFlag(!s.buffered)
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|flag, 0o644)
	if err != nil && flag != 0 && s.direct.refusedBy(err) {
		s.root.Remove(tmp) // some kernels create the file before refusing O_DIRECT
		flag = 0
		f, err = s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	}
	if err != nil {
		return storage.Object{}, wrap(err)
	}
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			s.root.Remove(tmp)
		}
	}()
	var n int64
	if flag != 0 {
		bp := s.alignedPool.Get().(*[]byte)
		n, err = s.direct.copyDirect(ctx, f, r, *bp)
		s.alignedPool.Put(bp)
	} else {
		bp := s.bufPool.Get().(*[]byte)
		n, err = copyCtx(ctx, f, r, *bp)
		s.bufPool.Put(bp)
	}
	if err != nil {
		return storage.Object{}, wrap(err)
	}
	if err := f.Sync(); err != nil {
		return storage.Object{}, wrap(err)
	}
	info, err := f.Stat()
	if err != nil {
		return storage.Object{}, wrap(err)
	}
	if err := f.Close(); err != nil {
		return storage.Object{}, wrap(err)
	}
	if err := ctx.Err(); err != nil {
		return storage.Object{}, wrap(err)
	}
	if err := s.renameInto(tmp, key); err != nil {
		return storage.Object{}, wrap(err)
	}
	renamed = true
	return storage.Object{Key: key, Size: n, ModTime: info.ModTime()}, nil
}

// renameInto renames the file at from to key, creating key's folders,
// and makes the new entry durable (fsync of key's folder).
func (s *Store) renameInto(from, key string) error {
	dir := path.Dir(key)
	// A concurrent Delete may remove an emptied folder between MkdirAll
	// and Rename; try again a few times.
	for attempt := 0; ; attempt++ {
		if dir != "." {
			if err := s.root.MkdirAll(dir, 0o755); err != nil {
				s.removeEmptyParents(dir)
				return err
			}
		}
		err := s.root.Rename(from, key)
		if err == nil {
			break
		}
		if notFound(err) && attempt < 3 {
			if _, serr := s.root.Lstat(from); serr == nil {
				continue
			}
		}
		if dir != "." {
			s.removeEmptyParents(dir)
		}
		if st, serr := s.root.Lstat(key); serr == nil && st.IsDir() {
			return fmt.Errorf("a folder of that name holds objects: %w", err)
		}
		return err
	}
	return s.syncDir(dir)
}

// Move gives the object at from the key to, replacing any object there,
// by renaming its file: no byte is copied, and readers of to see the old
// object or the new one, never a mix. See storage.Mover. Folders from
// leaves empty are removed. docstore places received documents with it.
func (s *Store) Move(ctx context.Context, from, to string) (storage.Object, error) {
	wrap := func(err error) error { return fmt.Errorf("storage/local: move %q to %q: %w", from, to, err) }
	if err := s.checkKey("move", from); err != nil {
		return storage.Object{}, err
	}
	if err := s.checkKey("move", to); err != nil {
		return storage.Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Object{}, wrap(err)
	}
	info, err := s.root.Lstat(from)
	if err != nil || !info.Mode().IsRegular() {
		if err == nil || notFound(err) {
			err = storage.ErrNotFound
		}
		return storage.Object{}, wrap(err)
	}
	if from == to {
		return storage.Object{Key: to, Size: info.Size(), ModTime: info.ModTime()}, nil
	}
	if err := s.renameInto(from, to); err != nil {
		if notFound(err) {
			err = storage.ErrNotFound // moved or deleted meanwhile
		}
		return storage.Object{}, wrap(err)
	}
	if dir := path.Dir(from); dir != path.Dir(to) {
		if err := s.syncDir(dir); err != nil && !notFound(err) {
			return storage.Object{}, wrap(err)
		}
		if dir != "." {
			s.removeEmptyParents(dir)
		}
	}
	return storage.Object{Key: to, Size: info.Size(), ModTime: info.ModTime()}, nil
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// removeEmptyParents removes dir and its parents while they are empty
// folders. (os.Root has no rmdir; the Lstat keeps it from removing a file
// of that name.)
func (s *Store) removeEmptyParents(dir string) {
	for dir != "." && dir != "/" && dir != "" {
		if info, err := s.root.Lstat(dir); err != nil || !info.IsDir() {
			return
		}
		if err := s.root.Remove(dir); err != nil {
			return
		}
		dir = path.Dir(dir)
	}
}

func copyCtx(ctx context.Context, dst io.Writer, src io.Reader, buf []byte) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, rerr := src.Read(buf)
		if n > 0 {
			w, werr := dst.Write(buf[:n])
			total += int64(w)
			if werr != nil {
				return total, werr
			}
		}
		if rerr == io.EOF {
			return total, ctx.Err()
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// Get streams length bytes of key from offset. See storage.Backend.
func (s *Store) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := s.checkKey("get", key); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return pkg.Wrap("get", key, err) }
	if err := pkg.CheckOffset(key, offset); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap(err)
	}
	f, err := s.root.Open(key)
	if err != nil {
		if notFound(err) {
			return nil, wrap(storage.ErrNotFound)
		}
		return nil, wrap(err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, wrap(err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, wrap(storage.ErrNotFound)
	}
	if offset > info.Size() {
		f.Close()
		return nil, wrap(fmt.Errorf("%w: offset %d beyond size %d", storage.ErrInvalidRange, offset, info.Size()))
	}
	n := info.Size() - offset
	if length >= 0 && length < n {
		n = length
	}
	return &reader{ctx: ctx, f: f, r: io.NewSectionReader(f, offset, n), key: key}, nil
}

type reader struct {
	ctx context.Context
	f   *os.File
	r   io.Reader
	key string
}

func (r *reader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("storage/local: get %q: %w", r.key, err)
	}
	return r.r.Read(p)
}

func (r *reader) Close() error { return r.f.Close() }

// Stat describes key. See storage.Backend.
func (s *Store) Stat(ctx context.Context, key string) (storage.Object, error) {
	if err := s.checkKey("stat", key); err != nil {
		return storage.Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Object{}, fmt.Errorf("storage/local: stat %q: %w", key, err)
	}
	info, err := s.root.Stat(key)
	if err != nil {
		if notFound(err) {
			err = storage.ErrNotFound
		}
		return storage.Object{}, fmt.Errorf("storage/local: stat %q: %w", key, err)
	}
	if !info.Mode().IsRegular() {
		return storage.Object{}, fmt.Errorf("storage/local: stat %q: %w", key, storage.ErrNotFound)
	}
	return storage.Object{Key: key, Size: info.Size(), ModTime: info.ModTime()}, nil
}

// Delete removes key and any folders it leaves empty. See storage.Backend.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.checkKey("delete", key); err != nil {
		return err
	}
	wrap := func(err error) error { return fmt.Errorf("storage/local: delete %q: %w", key, err) }
	if err := ctx.Err(); err != nil {
		return wrap(err)
	}
	info, err := s.root.Lstat(key)
	if err != nil {
		if notFound(err) {
			return wrap(storage.ErrNotFound)
		}
		return wrap(err)
	}
	if !info.Mode().IsRegular() {
		return wrap(storage.ErrNotFound)
	}
	if err := s.root.Remove(key); err != nil {
		if notFound(err) {
			return wrap(storage.ErrNotFound)
		}
		return wrap(err)
	}
	if dir := path.Dir(key); dir != "." {
		s.removeEmptyParents(dir)
	}
	return nil
}

// List returns one page of keys. See storage.Backend. Only regular files
// are objects; symbolic links and special files are not listed. After is
// the last key or prefix of the previous page.
func (s *Store) List(ctx context.Context, opts storage.ListOptions) (storage.ListPage, error) {
	if err := s.closed.Check(pkg, "list"); err != nil {
		return storage.ListPage{}, err
	}
	limit, err := pkg.ListLimit(opts)
	if err != nil {
		return storage.ListPage{}, err
	}
	l := &lister{s: s, ctx: ctx, opts: opts, limit: limit}
	// Start from the deepest folder the prefix names completely.
	start := ""
	if i := strings.LastIndex(opts.Prefix, "/"); i >= 0 {
		start = opts.Prefix[:i+1]
		if storage.ValidateKey(start[:len(start)-1]) != nil {
			return storage.ListPage{}, nil // no key can start with it
		}
	}
	err = l.walk(start)
	if err != nil && !errors.Is(err, errPageFull) {
		return storage.ListPage{}, fmt.Errorf("storage/local: list %q: %w", opts.Prefix, err)
	}
	return l.page, nil
}

var errPageFull = errors.New("page full")

type lister struct {
	s     *Store
	ctx   context.Context
	opts  storage.ListOptions
	limit int
	count int
	last  string
	page  storage.ListPage
}

// emit adds one entry, or ends the walk when the page is already full.
func (l *lister) emit(name string, obj *storage.Object) error {
	if l.count == l.limit {
		l.page.Next = l.last
		return errPageFull
	}
	if obj != nil {
		l.page.Objects = append(l.page.Objects, *obj)
	} else {
		l.page.Prefixes = append(l.page.Prefixes, name)
	}
	l.count++
	l.last = name
	return nil
}

// walk visits the folder dir ("" or ending in "/") in key order.
func (l *lister) walk(dir string) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	entries, err := l.readDir(dir)
	if err != nil {
		if notFound(err) && dir != "" {
			return nil
		}
		return err
	}
	prefix, after := l.opts.Prefix, l.opts.After
	for _, e := range entries {
		full := dir + e.sortName
		if e.dir {
			inside := strings.HasPrefix(full, prefix)
			if !inside && !strings.HasPrefix(prefix, full) {
				continue
			}
			// Every key under full sorts before after: skip the subtree.
			if after != "" && full <= after && !strings.HasPrefix(after, full) {
				continue
			}
			if inside && l.opts.Delimiter == "/" {
				p := prefix + full[len(prefix):][:strings.Index(full[len(prefix):], "/")+1]
				if p <= after {
					continue
				}
				if ok, err := l.hasObject(full); err != nil {
					return err
				} else if !ok {
					continue
				}
				if err := l.emit(p, nil); err != nil {
					return err
				}
				continue
			}
			if err := l.walk(full); err != nil {
				return err
			}
			continue
		}
		if !strings.HasPrefix(full, prefix) || full <= after {
			continue
		}
		if dir == "" && e.name == TempDir {
			continue
		}
		if storage.ValidateKey(full) != nil {
			l.page.Refused = append(l.page.Refused, full)
			continue
		}
		info, err := e.entry.Info()
		if err != nil {
			if notFound(err) {
				continue // deleted while listing
			}
			return err
		}
		if err := l.emit(full, &storage.Object{Key: full, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

type dirEntry struct {
	name, sortName string
	dir            bool
	entry          fs.DirEntry
}

// readDir lists the folders and regular files of dir, sorted as keys sort:
// a folder "a" as "a/".
func (l *lister) readDir(dir string) ([]dirEntry, error) {
	name := dir
	if name == "" {
		name = "."
	}
	f, err := l.s.root.Open(strings.TrimSuffix(name, "/"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	out := make([]dirEntry, 0, len(des))
	for _, de := range des {
		switch {
		case de.IsDir():
			if dir == "" && de.Name() == TempDir {
				continue
			}
			out = append(out, dirEntry{name: de.Name(), sortName: de.Name() + "/", dir: true, entry: de})
		case de.Type().IsRegular():
			out = append(out, dirEntry{name: de.Name(), sortName: de.Name(), entry: de})
		}
	}
	slices.SortFunc(out, func(a, b dirEntry) int { return strings.Compare(a.sortName, b.sortName) })
	return out, nil
}

// hasObject reports whether the folder dir holds a regular file, at any
// depth. It reads the folder an entry at a time, looks into a sub-folder
// as soon as it meets one, and stops at the first regular file, so a
// listing's sub-folder check usually costs an entry or two per level,
// not the folders' whole contents. (A folder opened in an os.Root has
// each entry it returns stat'ed: reading ahead would stat entries for
// nothing.)
func (l *lister) hasObject(dir string) (bool, error) {
	f, err := l.s.root.Open(strings.TrimSuffix(dir, "/"))
	if err != nil {
		if notFound(err) {
			return false, nil
		}
		return false, err
	}
	defer f.Close()
	for {
		des, err := f.ReadDir(1)
		for _, de := range des {
			switch {
			case de.Type().IsRegular():
				return true, nil
			case de.IsDir():
				if ok, err := l.hasObject(dir + de.Name() + "/"); ok || err != nil {
					return ok, err
				}
			}
		}
		if errors.Is(err, io.EOF) || (err == nil && len(des) == 0) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}
