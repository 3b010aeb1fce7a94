package ipfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/internal/backend"
)

const pkg backend.Name = "storage/ipfs"

// names is what both modes share: the name index in Dir, the lock on
// Dir and the closed state. Stat and List answer from it alone.
type names struct {
	ix     *index
	lock   *os.File
	closed backend.Closed
}

// openNames takes the exclusive lock on dir and opens its index.
func openNames(dir string, noSync bool) (*names, error) {
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	ix, err := openIndex(filepath.Join(dir, "index.db"), noSync)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("storage/ipfs: open index in %s: %w", dir, err)
	}
	return &names{ix: ix, lock: lock}, nil
}

// ErrLocked is returned when another process holds the store directory.
var ErrLocked = errors.New("store directory is in use by another process")

func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("storage/ipfs: open %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("storage/ipfs: open %s: %w (%v)", dir, ErrLocked, err)
	}
	return f, nil
}

// close closes the index and releases the directory lock, once; see
// storage.Closer.
func (n *names) close() error {
	return n.closed.Close(func() error {
		err := n.ix.close()
		if cerr := n.lock.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// checkKey applies storage.ValidateKey with this package's op prefix,
// and refuses everything once the store is closed.
func (n *names) checkKey(op, key string) error {
	return n.closed.CheckKey(pkg, op, key)
}

// Stat answers from the index.
func (n *names) Stat(ctx context.Context, key string) (storage.Object, error) {
	if err := n.checkKey("stat", key); err != nil {
		return storage.Object{}, err
	}
	rw, err := n.ix.get(ctx, key)
	if err != nil {
		return storage.Object{}, wrapIndexErr("stat", key, err)
	}
	return rw.object(), nil
}

// List answers from the index.
func (n *names) List(ctx context.Context, opts storage.ListOptions) (storage.ListPage, error) {
	if err := n.closed.Check(pkg, "list"); err != nil {
		return storage.ListPage{}, err
	}
	if opts.Delimiter != "" && opts.Delimiter != "/" {
		return storage.ListPage{}, fmt.Errorf("storage/ipfs: list: delimiter %q not supported (use \"/\" or none)", opts.Delimiter)
	}
	page, err := n.ix.list(ctx, opts)
	if err != nil {
		return storage.ListPage{}, fmt.Errorf("storage/ipfs: list %q: %w", opts.Prefix, err)
	}
	return page, nil
}

// remove forgets key under mu, then lets release drop what only its
// content held.
func (n *names) remove(ctx context.Context, key string, mu *sync.Mutex, release func(ctx context.Context, root string) error) error {
	if err := n.checkKey("delete", key); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	root, err := n.ix.remove(ctx, key)
	if err != nil {
		return wrapIndexErr("delete", key, err)
	}
	if err := release(context.WithoutCancel(ctx), root); err != nil {
		return fmt.Errorf("storage/ipfs: delete %q: removed, but %w", key, err)
	}
	return nil
}
