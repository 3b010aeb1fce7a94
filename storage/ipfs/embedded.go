package ipfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"

	"github.com/consign/consign/storage"
)

// Chunking parameters shared with Kubo's `ipfs add` defaults.
const (
	ChunkSize    = 256 << 10 // bytes per leaf
	LinksPerNode = 174       // children per internal node
)

// Embedded is the IPFS backend that needs no daemon: it imports content as
// UnixFS into its own block files and keeps names in its own index. See
// the package documentation for the scheme.
type Embedded struct {
	cfg   Config
	files blockFiles
	*names

	// mu orders index transactions with block deletion, and guards the
	// maps below.
	mu sync.Mutex
	// held counts, per block, the Puts currently writing it: garbage
	// collection never deletes a held block.
	held map[string]int
	// readers counts open Get streams per root; released roots with
	// readers are parked in deferred until the last reader closes.
	readers  map[string]int
	deferred map[string]bool
}

var (
	_ storage.Backend = (*Embedded)(nil)
	_ storage.Closer  = (*Embedded)(nil)
)

// NewEmbedded opens (creating if needed) the embedded store in cfg.Dir.
// It takes an exclusive lock on the directory, then finishes any garbage
// collection a crash interrupted and removes block files no DAG refers to.
// Close releases it.
func NewEmbedded(cfg Config) (*Embedded, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "blocks"), 0o755); err != nil {
		return nil, fmt.Errorf("storage/ipfs: open %s: %w", cfg.Dir, err)
	}
	nm, err := openNames(cfg.Dir, cfg.NoSync)
	if err != nil {
		return nil, err
	}
	e := &Embedded{
		cfg:      cfg,
		files:    blockFiles{dir: filepath.Join(cfg.Dir, "blocks"), noSync: cfg.NoSync},
		names:    nm,
		held:     map[string]int{},
		readers:  map[string]int{},
		deferred: map[string]bool{},
	}
	if err := e.recover(context.Background()); err != nil {
		e.Close()
		return nil, fmt.Errorf("storage/ipfs: open %s: recover: %w", cfg.Dir, err)
	}
	return e, nil
}

// Close closes the index and releases the directory lock. Open readers
// must be closed first. See storage.Closer.
func (e *Embedded) Close() error { return e.names.close() }

// recover releases DAGs that no name refers to and deletes block files
// that no DAG holds: the leftovers of a crash mid-Put or mid-collection.
func (e *Embedded) recover(ctx context.Context) error {
	roots, err := e.ix.orphanRoots(ctx)
	if err != nil {
		return err
	}
	for _, r := range roots {
		free, err := e.ix.release(ctx, r)
		if err != nil {
			return err
		}
		for _, b := range free {
			if err := e.files.remove(b); err != nil {
				return err
			}
		}
	}
	return e.files.walk(func(c string) error {
		used, err := e.ix.blockInUse(ctx, c)
		if err != nil || used {
			return err
		}
		return e.files.remove(c)
	})
}

func (e *Embedded) hold(c string) {
	e.mu.Lock()
	e.held[c]++
	e.mu.Unlock()
}

// unholdLocked drops a Put's hold on its blocks; when dropIfUnused, blocks
// that no DAG records and nobody else holds are deleted (a failed Put).
func (e *Embedded) unholdLocked(ctx context.Context, blocks []string, dropIfUnused bool) error {
	var first error
	for _, c := range blocks {
		e.held[c]--
		if e.held[c] > 0 {
			continue
		}
		delete(e.held, c)
		if !dropIfUnused {
			continue
		}
		used, err := e.ix.blockInUse(ctx, c)
		if err == nil && !used {
			err = e.files.remove(c)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// releaseLocked forgets root's DAG if no name and no reader uses it, and
// deletes the blocks that only it held.
func (e *Embedded) releaseLocked(ctx context.Context, root string) error {
	if root == "" {
		return nil
	}
	if e.readers[root] > 0 {
		e.deferred[root] = true
		return nil
	}
	free, err := e.ix.release(ctx, root)
	if err != nil {
		return err
	}
	for _, b := range free {
		if e.held[b] > 0 {
			continue // being rewritten by a Put, which now owns it
		}
		if err := e.files.remove(b); err != nil {
			return err
		}
	}
	return nil
}

func (e *Embedded) params(ds ipld.DAGService) helpers.DagBuilderParams {
	p := helpers.DagBuilderParams{Maxlinks: LinksPerNode, Dagserv: ds}
	switch e.cfg.layout() {
	case LayoutCIDv1:
		p.RawLeaves = true
		p.CidBuilder = cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}
	case LayoutCIDv1ProtoLeaves:
		p.CidBuilder = cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}
	case LayoutCIDv0:
		p.CidBuilder = merkledag.V0CidPrefix()
	}
	return p
}

// beginPut starts a Put of key: it checks key and ctx, and wraps r to
// count its bytes.
func (n *names) beginPut(ctx context.Context, key string, r io.Reader) (*countingReader, error) {
	if err := n.checkKey("put", key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, pkg.Wrap("put", key, err)
	}
	return &countingReader{ctx: ctx, r: r}, nil
}

// countingReader stops with ctx's error once ctx is done and counts bytes.
type countingReader struct {
	ctx context.Context
	r   io.Reader
	n   int64
	err error // the first error other than io.EOF
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// Put imports r as a UnixFS file and then, in one index transaction,
// points key at its root CID. Blocks the previous content no longer needs
// are deleted afterwards.
func (e *Embedded) Put(ctx context.Context, key string, r io.Reader) (storage.Object, error) {
	cr, err := e.beginPut(ctx, key, r)
	if err != nil {
		return storage.Object{}, err
	}
	fail := func(err error) (storage.Object, error) { return storage.Object{}, pkg.Wrap("put", key, err) }
	ds := newImportSession(ctx, e)
	root, err := e.importWith(ds, cr)
	if err == nil && cr.err != nil {
		// boxo's chunker ends a file at io.ErrUnexpectedEOF as if it were
		// io.EOF; for a Put that is a truncated body, never content.
		err = cr.err
	}
	if ferr := ds.finish(); err == nil {
		err = ferr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = e.files.syncDirs(ds.dirs)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		if cr.err != nil && !errors.Is(err, cr.err) {
			err = fmt.Errorf("%w (%v)", cr.err, err)
		}
		e.unholdLocked(context.WithoutCancel(ctx), ds.order, true)
		return fail(err)
	}
	rw := row{key: key, root: root.String(), size: cr.n, mtime: time.Now().UnixNano()}
	// The index write must not be torn by ctx: from here the Put either
	// commits or fails as a whole.
	ictx := context.WithoutCancel(ctx)
	old, err := e.ix.put(ictx, rw, ds.order)
	if err != nil {
		e.unholdLocked(ictx, ds.order, true)
		return fail(fmt.Errorf("index: %w", err))
	}
	e.unholdLocked(ictx, ds.order, false)
	if old != rw.root {
		if err := e.releaseLocked(ictx, old); err != nil {
			// The new object is stored; the leftovers are collected on
			// the next open.
			return rw.object(), fmt.Errorf("storage/ipfs: put %q: stored, but collecting old blocks failed: %w", key, err)
		}
	}
	return rw.object(), nil
}

// importWith cuts r into a balanced UnixFS DAG written to ds and returns
// its root.
func (e *Embedded) importWith(ds ipld.DAGService, r io.Reader) (cid.Cid, error) {
	p := e.params(ds)
	db, err := p.New(chunker.NewSizeSplitter(r, ChunkSize))
	if err != nil {
		return cid.Undef, err
	}
	n, err := balanced.Layout(db)
	if err != nil {
		return cid.Undef, err
	}
	return n.Cid(), nil
}

// Get streams the object through the UnixFS reader, which seeks to offset
// using the sizes recorded in the DAG and reads only the blocks it needs.
func (e *Embedded) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := e.checkKey("get", key); err != nil {
		return nil, err
	}
	e.mu.Lock()
	rw, err := e.ix.get(ctx, key)
	if err != nil {
		e.mu.Unlock()
		return nil, wrapIndexErr("get", key, err)
	}
	e.readers[rw.root]++
	e.mu.Unlock()
	rc, err := e.open(ctx, rw, offset, length)
	if err != nil {
		e.closeReader(rw.root)
		return nil, fmt.Errorf("storage/ipfs: get %q: %w", key, err)
	}
	return rc, nil
}

func (e *Embedded) open(ctx context.Context, rw row, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 || offset > rw.size {
		return nil, fmt.Errorf("offset %d of %d bytes: %w", offset, rw.size, storage.ErrInvalidRange)
	}
	c, err := cid.Decode(rw.root)
	if err != nil {
		return nil, err
	}
	nd, err := e.files.node(c)
	if err != nil {
		return nil, err
	}
	dr, err := uio.NewDagReader(ctx, nd, getter{&e.files})
	if err != nil {
		return nil, err
	}
	if offset > 0 {
		if _, err := dr.Seek(offset, io.SeekStart); err != nil {
			dr.Close()
			return nil, err
		}
	}
	var src io.Reader = dr
	if length >= 0 {
		src = io.LimitReader(dr, length)
	}
	return &reader{ctx: ctx, r: src, dr: dr, done: func() { e.closeReader(rw.root) }}, nil
}

func (e *Embedded) closeReader(root string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.readers[root]--
	if e.readers[root] > 0 {
		return
	}
	delete(e.readers, root)
	if e.deferred[root] {
		delete(e.deferred, root)
		// Errors leave leftovers that the next open collects.
		_ = e.releaseLocked(context.Background(), root)
	}
}

// reader ends the stream with ctx's error once ctx is done.
type reader struct {
	ctx  context.Context
	r    io.Reader
	dr   io.Closer
	once sync.Once
	done func()
}

func (r *reader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

func (r *reader) Close() error {
	err := r.dr.Close()
	r.once.Do(r.done)
	return err
}

// Delete removes key from the index, then deletes the blocks only its DAG
// held (later, if a reader still streams it).
func (e *Embedded) Delete(ctx context.Context, key string) error {
	return e.remove(ctx, key, &e.mu, func(ctx context.Context, root string) error {
		if err := e.releaseLocked(ctx, root); err != nil {
			return fmt.Errorf("collecting its blocks failed: %w", err)
		}
		return nil
	})
}

// Ref returns the CID key names.
func (e *Embedded) Ref(ctx context.Context, key string) (cid.Cid, error) {
	o, err := e.Stat(ctx, key)
	if err != nil {
		return cid.Undef, err
	}
	return cid.Decode(o.Ref)
}
