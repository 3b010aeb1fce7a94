package ipfs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ipfs/boxo/ipld/merkledag"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// ErrCorruptBlock is returned when a stored block does not hash to its CID.
var ErrCorruptBlock = errors.New("block does not match its CID")

// blockFiles keeps one file per block under dir, named by the CID's
// string form and sharded by its next-to-last two characters (flatfs's
// "next-to-last/2" scheme), e.g. blocks/ab/bafkrei…abx. A block is written
// to a temporary file and renamed into place, so a block file is either
// absent or complete; it is fsynced unless noSync.
type blockFiles struct {
	dir    string
	noSync bool
}

func (s *blockFiles) path(c string) string {
	shard := "__"
	if len(c) >= 3 {
		shard = c[len(c)-3 : len(c)-1]
	}
	return filepath.Join(s.dir, shard, c)
}

// pendingBlock is a block written to its temporary file but not yet
// synced and renamed into place.
type pendingBlock struct {
	f     *os.File
	final string
}

// commit fsyncs (unless noSync), closes and renames the block into place.
func (s *blockFiles) commit(p pendingBlock) error {
	var err error
	if !s.noSync {
		err = p.f.Sync()
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.f.Name(), p.final)
	}
	if err != nil {
		os.Remove(p.f.Name())
	}
	return err
}

// write writes data as block c to a temporary file unless the block is
// there already; the caller commits the returned pending block. shard is
// the directory the block goes to ("" when nothing was written).
func (s *blockFiles) write(c string, data []byte) (p pendingBlock, shard string, err error) {
	final := s.path(c)
	if _, err := os.Stat(final); err == nil {
		return p, "", nil
	}
	shard = filepath.Dir(final)
	if err := os.MkdirAll(shard, 0o755); err != nil {
		return p, "", err
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(shard, ".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return p, "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return p, "", err
	}
	return pendingBlock{f: f, final: final}, shard, nil
}

// put writes block c and commits it at once.
func (s *blockFiles) put(c string, data []byte) (string, error) {
	p, shard, err := s.write(c, data)
	if err != nil || p.f == nil {
		return shard, err
	}
	return shard, s.commit(p)
}

func (s *blockFiles) remove(c string) error {
	err := os.Remove(s.path(c))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// syncDirs fsyncs the given directories (and the blocks directory, which
// may have gained shards), making renames into them durable.
func (s *blockFiles) syncDirs(dirs map[string]struct{}) error {
	if s.noSync || len(dirs) == 0 {
		return nil
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return syncDir(s.dir)
}

func syncDir(d string) error {
	f, err := os.Open(d)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// node reads block c, checks it against its CID and decodes it.
func (s *blockFiles) node(c cid.Cid) (ipld.Node, error) {
	data, err := os.ReadFile(s.path(c.String()))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ipld.ErrNotFound{Cid: c}
	}
	if err != nil {
		return nil, err
	}
	sum, err := c.Prefix().Sum(data)
	if err != nil {
		return nil, err
	}
	if !sum.Equals(c) {
		return nil, fmt.Errorf("block %s: %w", c, ErrCorruptBlock)
	}
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		return nil, err
	}
	switch c.Type() {
	case cid.Raw:
		return merkledag.DecodeRawBlock(b)
	case cid.DagProtobuf:
		return merkledag.DecodeProtobufBlock(b)
	default:
		return nil, fmt.Errorf("block %s: unsupported codec %#x", c, c.Type())
	}
}

// walk calls fn with the CID string of every block file, and removes
// temporary files left by an interrupted write.
func (s *blockFiles) walk(fn func(c string) error) error {
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".tmp-") {
			return os.Remove(p)
		}
		return fn(name)
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// getter serves DAG nodes from the block files to the UnixFS reader.
type getter struct{ s *blockFiles }

func (g getter) Get(ctx context.Context, c cid.Cid) (ipld.Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return g.s.node(c)
}

func (g getter) GetMany(ctx context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	out := make(chan *ipld.NodeOption, len(cs))
	go func() {
		defer close(out)
		for _, c := range cs {
			if err := ctx.Err(); err != nil {
				out <- &ipld.NodeOption{Err: err}
				return
			}
			n, err := g.s.node(c)
			out <- &ipld.NodeOption{Node: n, Err: err}
		}
	}()
	return out
}

// syncWorkers is how many block fsyncs a Put keeps in flight: fsync
// latency overlaps with chunking and hashing, and the file system can
// group the flushes.
const syncWorkers = 8

// importSession is the DAGService the UnixFS importer writes into for one
// Put. It writes each block (announcing it to the store first, so garbage
// collection leaves it alone) and hands it to workers that fsync and
// rename it; it remembers the distinct blocks and the shard directories
// it touched. finish must be called once the importer is done.
type importSession struct {
	ctx    context.Context
	e      *Embedded
	mu     sync.Mutex
	blocks map[string]struct{}
	order  []string
	dirs   map[string]struct{}
	err    error // first error of a sync worker

	jobs chan pendingBlock
	wg   sync.WaitGroup
}

func newImportSession(ctx context.Context, e *Embedded) *importSession {
	s := &importSession{ctx: ctx, e: e, blocks: map[string]struct{}{}, dirs: map[string]struct{}{}}
	s.jobs = make(chan pendingBlock, syncWorkers)
	for range syncWorkers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for p := range s.jobs {
				if err := s.e.files.commit(p); err != nil {
					s.mu.Lock()
					if s.err == nil {
						s.err = err
					}
					s.mu.Unlock()
				}
			}
		}()
	}
	return s
}

// finish waits for every block to be committed and reports the first
// error.
func (s *importSession) finish() error {
	close(s.jobs)
	s.wg.Wait()
	return s.err
}

func (s *importSession) Add(_ context.Context, n ipld.Node) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	c := n.Cid().String()
	s.mu.Lock()
	_, seen := s.blocks[c]
	if !seen {
		s.blocks[c] = struct{}{}
		s.order = append(s.order, c)
	}
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if !seen {
		s.e.hold(c)
	}
	p, dir, err := s.e.files.write(c, n.RawData())
	if err != nil {
		return err
	}
	if p.f != nil {
		s.jobs <- p
	}
	if dir != "" {
		s.mu.Lock()
		s.dirs[dir] = struct{}{}
		s.mu.Unlock()
	}
	return nil
}

func (s *importSession) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		if err := s.Add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (s *importSession) Get(ctx context.Context, c cid.Cid) (ipld.Node, error) {
	return getter{&s.e.files}.Get(ctx, c)
}

func (s *importSession) GetMany(ctx context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	return getter{&s.e.files}.GetMany(ctx, cs)
}

// Remove and RemoveMany are not used by the importer; blocks are only
// removed by garbage collection.
func (s *importSession) Remove(context.Context, cid.Cid) error       { return nil }
func (s *importSession) RemoveMany(context.Context, []cid.Cid) error { return nil }
