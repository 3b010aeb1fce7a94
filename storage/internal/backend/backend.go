// Package backend holds the plumbing that the storage backends share: key
// and option checks with each backend's error prefix, the closed state
// of a store, context-aware reads of fixed-size chunks, and the
// concurrent part upload loop of the object stores (S3 multipart
// uploads, Azure staged blocks). The contract itself is in package
// storage; this package only keeps the backends from writing it twice.
package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/internal/bufpool"
)

// Name is a backend's package path as its errors begin: "storage/s3".
type Name string

// CheckKey applies storage.ValidateKey, prefixing a refusal with the
// backend's name and op: `storage/s3: put: invalid key: "..": ...`.
func (n Name) CheckKey(op, key string) error {
	if err := storage.ValidateKey(key); err != nil {
		return fmt.Errorf("%s: %s: %w", n, op, err)
	}
	return nil
}

// Wrap prefixes err with the backend's name, op and key:
// `storage/s3: get "a/b.pdf": not found`.
func (n Name) Wrap(op, key string, err error) error {
	return fmt.Errorf("%s: %s %q: %w", n, op, key, err)
}

// ListLimit checks the options every backend supports alike (only the
// "/" delimiter, a non-negative limit) and returns the page size: Limit,
// or 1000 when it is zero.
func (n Name) ListLimit(opts storage.ListOptions) (int, error) {
	if opts.Delimiter != "" && opts.Delimiter != "/" {
		return 0, fmt.Errorf("%s: list %q: delimiter %q not supported (only \"/\")", n, opts.Prefix, opts.Delimiter)
	}
	if opts.Limit < 0 {
		return 0, fmt.Errorf("%s: list %q: negative limit %d", n, opts.Prefix, opts.Limit)
	}
	if opts.Limit == 0 {
		return 1000, nil
	}
	return opts.Limit, nil
}

// Closed is the closed state of a store: it makes Close idempotent and
// lets every operation refuse to run afterwards. The zero value is open.
type Closed struct {
	once sync.Once
	done atomic.Bool
	err  error
}

// Close marks the store closed and runs release once; every call
// returns release's result.
func (c *Closed) Close(release func() error) error {
	c.once.Do(func() {
		c.done.Store(true)
		c.err = release()
	})
	return c.err
}

// Check returns an error wrapping storage.ErrClosed once Close has been
// called, nil before.
func (c *Closed) Check(n Name, op string) error {
	if c.done.Load() {
		return fmt.Errorf("%s: %s: %w", n, op, storage.ErrClosed)
	}
	return nil
}

// CheckKey is Check, then n.CheckKey.
func (c *Closed) CheckKey(n Name, op, key string) error {
	if err := c.Check(n, op); err != nil {
		return err
	}
	return n.CheckKey(op, key)
}

// CtxErr prefers the context's error, which says why a request failed
// more plainly than an SDK's, keeping the SDK's text beside it.
func CtxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// ReadChunk fills buf from r, stopping with ctx's error once ctx is
// done. It returns io.EOF when r ended within buf (n may then be
// anything from 0 to len(buf)), nil when buf is full.
func ReadChunk(ctx context.Context, r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReadFirst takes a buffer from pool (waiting for a free one) and reads
// the start of r into it. eof reports that r ended within the buffer, so
// buf[:n] is the whole body; otherwise buf is full and more may follow.
// On error the buffer is back in the pool.
func ReadFirst(ctx context.Context, pool *bufpool.Pool, r io.Reader) (buf []byte, n int, eof bool, err error) {
	buf, err = pool.Get(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	n, err = ReadChunk(ctx, r, buf)
	if err != nil && err != io.EOF {
		pool.Put(buf)
		return nil, 0, false, err
	}
	return buf, n, err == io.EOF, nil
}

// Parts describes one chunked upload for Upload.
type Parts struct {
	Pool *bufpool.Pool // the store's part buffers
	Max  int           // the most parts an object may have
	Size int64         // the size of one part (of the pool's buffers)
	Unit string        // what a part is called in errors: "parts", "blocks"
	// Send uploads part i (from 0) with content p. It runs in its own
	// goroutine, concurrently with other parts, and must not keep p.
	Send func(ctx context.Context, i int, p []byte) error
}

// Upload sends first[:firstN], already read from r, as part 0, then
// reads r part by part into buffers of the pool and sends each while the
// next is read, until r ends. It returns once every Send has returned,
// with the number of parts and bytes sent, or the first failure: r's
// error, ctx's, or that of a Send (which stops the others). first is
// returned to the pool like every other buffer.
func Upload(ctx context.Context, p Parts, r io.Reader, first []byte, firstN int) (parts int, total int64, err error) {
	upCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	send := func(i int, buf []byte, n int) {
		defer wg.Done()
		defer p.Pool.Put(buf)
		if err := p.Send(upCtx, i, buf[:n]); err != nil {
			cancel(err)
		}
	}
	var failure error
	buf, n, rerr := first, firstN, error(nil)
	for i := 0; ; i++ {
		total += int64(n)
		parts++
		wg.Add(1)
		go send(i, buf, n)
		if rerr == io.EOF {
			break
		}
		if i+1 == p.Max {
			failure = fmt.Errorf("object larger than %d %s of %d bytes", p.Max, p.Unit, p.Size)
			break
		}
		buf, err = p.Pool.Get(upCtx)
		if err != nil {
			break // upCtx ended: its cause is reported below
		}
		n, rerr = ReadChunk(upCtx, r, buf)
		if rerr != nil && rerr != io.EOF {
			p.Pool.Put(buf)
			failure = rerr
			break
		}
		if rerr == io.EOF && n == 0 {
			p.Pool.Put(buf)
			break
		}
	}
	wg.Wait()
	if failure == nil {
		if err := ctx.Err(); err != nil {
			failure = err
		} else if cause := context.Cause(upCtx); cause != nil {
			failure = cause
		}
	}
	return parts, total, failure
}

// CheckPrefix checks a Config.Prefix of an object store: empty, or a
// valid key followed by "/".
func CheckPrefix(prefix string) error {
	if prefix != "" && (!strings.HasSuffix(prefix, "/") || storage.ValidateKey(strings.TrimSuffix(prefix, "/")) != nil) {
		return fmt.Errorf("Prefix %q must be a valid key followed by \"/\"", prefix)
	}
	return nil
}

// CheckEndpoint checks a Config.Endpoint: empty, or an http(s) URL.
func CheckEndpoint(endpoint string) error {
	if endpoint != "" && !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
		return fmt.Errorf("Endpoint %q must start with http:// or https://", endpoint)
	}
	return nil
}

// Buffers applies the defaults of an object store's Config to its part
// (or block) size and its number of shared part buffers: zero means
// 8 MiB and 4.
func Buffers(size int64, concurrency int) (int64, int) {
	if size == 0 {
		size = 8 << 20
	}
	if concurrency == 0 {
		concurrency = 4
	}
	return size, concurrency
}

// CheckConcurrency checks a Config.Concurrency: zero (the default) or
// more.
func CheckConcurrency(n int) error {
	if n < 0 {
		return fmt.Errorf("Concurrency %d is negative", n)
	}
	return nil
}

// EmptyOrBeyond settles a read that an object store cannot express as a
// range request (an empty range, any range of an empty object): it
// stats the object and returns an empty stream, or storage.ErrInvalidRange
// when offset lies beyond the end.
func EmptyOrBeyond(ctx context.Context, b storage.Backend, n Name, key string, offset int64) (io.ReadCloser, error) {
	obj, err := b.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	if offset > obj.Size {
		return nil, n.Wrap("get", key, fmt.Errorf("%w: offset %d beyond size %d", storage.ErrInvalidRange, offset, obj.Size))
	}
	return io.NopCloser(strings.NewReader("")), nil
}

// CheckOffset refuses a negative offset with storage.ErrInvalidRange.
func (n Name) CheckOffset(key string, offset int64) error {
	if offset < 0 {
		return n.Wrap("get", key, fmt.Errorf("%w: negative offset %d", storage.ErrInvalidRange, offset))
	}
	return nil
}

// CheckConfig joins refusals, a backend's own checks of its Config, with
// the checks of the settings every object store has (Concurrency,
// Prefix, Endpoint), and prefixes the lot: `storage/s3: config: ...`.
// It returns nil when there is nothing to refuse.
func (n Name) CheckConfig(concurrency int, prefix, endpoint string, refusals ...error) error {
	refusals = append(refusals, CheckConcurrency(concurrency), CheckPrefix(prefix), CheckEndpoint(endpoint))
	if err := errors.Join(refusals...); err != nil {
		return fmt.Errorf("%s: config: %w", n, err)
	}
	return nil
}

// RequestErr wraps the error of an object store's request about key:
// storage.ErrNotFound when notFound (the backend's reading of err),
// otherwise err behind ctx's error (see CtxErr).
func (n Name) RequestErr(ctx context.Context, op, key string, err error, notFound bool) error {
	if notFound {
		err = storage.ErrNotFound
	}
	return n.Wrap(op, key, CtxErr(ctx, err))
}

// CheckGet checks the key and the offset of a Get.
func (n Name) CheckGet(key string, offset int64) error {
	if err := n.CheckKey("get", key); err != nil {
		return err
	}
	return n.CheckOffset(key, offset)
}

// Put is the part of an object store's Put that does not depend on the
// store: it checks key and ctx, and reads the start of r into a buffer
// of pool (ReadFirst). A body that ended within that buffer goes to
// whole, which uploads it in one request, and the buffer goes back to
// the pool; a longer one goes to parts with the full first buffer, which
// parts must return to the pool, and which uploads the rest of r in
// parts. Errors of whole are wrapped here; parts wraps its own.
func (n Name) Put(ctx context.Context, pool *bufpool.Pool, key string, r io.Reader,
	whole func(p []byte) (storage.Object, error),
	parts func(first []byte, n int) (storage.Object, error)) (storage.Object, error) {
	if err := n.CheckKey("put", key); err != nil {
		return storage.Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Object{}, n.Wrap("put", key, err)
	}
	pool.Begin()
	defer pool.End()
	buf, size, eof, err := ReadFirst(ctx, pool, r)
	if err != nil {
		return storage.Object{}, n.Wrap("put", key, err)
	}
	if !eof {
		return parts(buf, size)
	}
	obj, err := whole(buf[:size])
	pool.Put(buf)
	if err != nil {
		return storage.Object{}, n.Wrap("put", key, CtxErr(ctx, err))
	}
	return obj, nil
}
