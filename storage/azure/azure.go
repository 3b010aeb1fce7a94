// Package azure is the storage.Backend on an Azure Blob Storage container
// (or Azurite), through the azblob SDK.
//
// Keys map one to one onto block blob names, optionally under a fixed
// Config.Prefix, so blobs put into the container by other tools show up
// in listings and can be read and hashed. Names that storage.ValidateKey
// refuses are reported in ListPage.Refused and never read or written.
//
// A Put streams: it reads the body into block-sized buffers from a fixed
// pool of Config.Concurrency buffers and stages each as an uncommitted
// block (Put Block) while the next is read; Put Block List then commits
// them in one step. Uncommitted blocks are invisible to readers and are
// discarded by the service, so a failed or cancelled Put leaves the
// previous blob (or none) as it was. A body shorter than one block goes
// up in a single Put Blob. Block ids carry a random per-upload part, so
// concurrent Puts to one name never mix blocks; but Azure discards all
// uncommitted blocks of a blob when any block list is committed, so of
// concurrent Puts to one name the first to commit wins and the others can
// fail with InvalidBlockList. Memory stays at about BlockSize × Concurrency.
//
// The listing marker that Azure returns is passed through as
// ListPage.Next, so After is opaque here, not a key.
package azure

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/internal/backend"
	"github.com/consign/consign/storage/internal/bufpool"
)

// Limits of block blobs.
const (
	MaxBlocks    = 50000
	MaxBlockSize = 4000 << 20
)

// Config configures a Store. Give either ConnectionString, or AccountName
// and AccountKey (with Endpoint for anything but public Azure).
type Config struct {
	// ConnectionString is an Azure storage connection string
	// ("DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...;
	// BlobEndpoint=..."), as the portal and Azurite give it.
	ConnectionString string
	// AccountName and AccountKey are shared-key credentials.
	AccountName, AccountKey string
	// Endpoint is the blob service URL; empty means
	// https://ACCOUNT.blob.core.windows.net/. Used with AccountName.
	Endpoint string
	// Container holds the blobs. Required.
	Container string
	// Prefix, if set, is prepended to every key, so that the store is one
	// "folder" of the container. It must be a valid key followed by "/".
	Prefix string
	// BlockSize is the size of one staged block in bytes; zero means
	// 8 MiB.
	BlockSize int64
	// Concurrency is the number of block buffers shared by all Puts of
	// the store (so at most Concurrency × BlockSize bytes, 32 MiB by
	// default, and none while idle); zero means 4.
	Concurrency int
	// CreateContainer creates Container in New if it does not exist.
	CreateContainer bool
	// HTTPClient, if set, carries the requests.
	HTTPClient *http.Client
	// IdleTimeout fails a request whose connection moves no byte for that
	// long (a stalled server), so that the SDK's retries, then an error,
	// follow; zero means 30 s, negative waits for ever. Not applied to
	// HTTPClient.
	IdleTimeout time.Duration
}

// Validate reports whether c is usable.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.ConnectionString != "" && (c.AccountName != "" || c.AccountKey != ""):
		errs = append(errs, errors.New("give ConnectionString or AccountName/AccountKey, not both"))
	case c.ConnectionString == "" && (c.AccountName == "" || c.AccountKey == ""):
		errs = append(errs, errors.New("ConnectionString, or AccountName and AccountKey, are required"))
	}
	if c.Container == "" {
		errs = append(errs, errors.New("Container is required"))
	}
	if c.BlockSize < 0 || c.BlockSize > MaxBlockSize {
		errs = append(errs, fmt.Errorf("BlockSize %d out of range (0 to %d)", c.BlockSize, int64(MaxBlockSize)))
	}
	return pkg.CheckConfig(c.Concurrency, c.Prefix, c.Endpoint, errs...)
}

// Store is a storage.Backend on one Azure Blob container. It is safe for
// concurrent use.
type Store struct {
	client    *container.Client
	prefix    string
	blockSize int64
	bufs      *bufpool.Pool // block buffers of Puts
}

var _ storage.Backend = (*Store)(nil)

// New connects to the container, checking that it exists (or creating it
// when cfg.CreateContainer is set).
func New(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := &container.ClientOptions{}
	if cfg.HTTPClient != nil {
		opts.Transport = cfg.HTTPClient
	} else if cfg.IdleTimeout >= 0 {
		opts.Transport = backend.IdleClient(cmp.Or(cfg.IdleTimeout, backend.DefaultIdleTimeout))
	}
	// The SDK retries failed requests; bodies are seekable buffers, so a
	// retried block resends the same bytes.
	opts.Retry = policy.RetryOptions{MaxRetries: 3}
	var (
		client *container.Client
		err    error
	)
	if cfg.ConnectionString != "" {
		client, err = container.NewClientFromConnectionString(cfg.ConnectionString, cfg.Container, opts)
	} else {
		endpoint := cfg.Endpoint
		if endpoint == "" {
			endpoint = "https://" + cfg.AccountName + ".blob.core.windows.net/"
		}
		var cred *container.SharedKeyCredential
		cred, err = container.NewSharedKeyCredential(cfg.AccountName, cfg.AccountKey)
		if err == nil {
			client, err = container.NewClientWithSharedKeyCredential(strings.TrimSuffix(endpoint, "/")+"/"+cfg.Container, cred, opts)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("storage/azure: client: %w", err)
	}
	s := NewFromClient(client, cfg)
	if _, err := client.GetProperties(ctx, nil); err != nil {
		if !bloberror.HasCode(err, bloberror.ContainerNotFound) || !cfg.CreateContainer {
			return nil, fmt.Errorf("storage/azure: container %q: %w", cfg.Container, err)
		}
		if _, err := client.Create(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
			return nil, fmt.Errorf("storage/azure: create container %q: %w", cfg.Container, err)
		}
	}
	return s, nil
}

// NewFromClient wraps a container client configured elsewhere; only
// Prefix, BlockSize and Concurrency of cfg are used.
func NewFromClient(client *container.Client, cfg Config) *Store {
	bs, conc := backend.Buffers(cfg.BlockSize, cfg.Concurrency)
	return &Store{client: client, prefix: cfg.Prefix, blockSize: bs, bufs: bufpool.New(conc, bs)}
}

// Client returns the underlying container client.
func (s *Store) Client() *container.Client { return s.client }

const pkg backend.Name = "storage/azure"

func isNotFound(err error) bool {
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
		return true
	}
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// Put streams r into key. See storage.Backend and the package comment.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (storage.Object, error) {
	return pkg.Put(ctx, s.bufs, key, r, func(p []byte) (storage.Object, error) {
		out, err := s.client.NewBlockBlobClient(s.prefix+key).Upload(ctx, streaming.NopCloser(bytes.NewReader(p)), nil)
		if err != nil {
			return storage.Object{}, err
		}
		return storage.Object{Key: key, Size: int64(len(p)), ModTime: val(out.LastModified, time.Now()), Ref: etag(out.ETag)}, nil
	}, func(first []byte, n int) (storage.Object, error) {
		return s.putBlocks(ctx, key, s.client.NewBlockBlobClient(s.prefix+key), r, first, n)
	})
}

func etag(e *azcore.ETag) string {
	if e == nil {
		return ""
	}
	return string(*e)
}

func (s *Store) putBlocks(ctx context.Context, key string, bb *blockblob.Client, r io.Reader, first []byte, firstN int) (storage.Object, error) {
	wrap := func(err error) error { return pkg.Wrap("put", key, err) }
	// Block ids: 16 random bytes naming this upload, then the block
	// number; all ids of a blob must have the same length.
	var upload [16]byte
	rand.Read(upload[:])
	blockID := func(i int) string {
		var raw [20]byte
		copy(raw[:], upload[:])
		binary.BigEndian.PutUint32(raw[16:], uint32(i))
		return base64.StdEncoding.EncodeToString(raw[:])
	}
	parts, total, failure := backend.Upload(ctx, backend.Parts{Pool: s.bufs, Max: MaxBlocks, Size: s.blockSize, Unit: "blocks",
		Send: func(ctx context.Context, i int, p []byte) error {
			if _, err := bb.StageBlock(ctx, blockID(i), streaming.NopCloser(bytes.NewReader(p)), nil); err != nil {
				return fmt.Errorf("block %d: %w", i, err)
			}
			return nil
		}}, r, first, firstN)
	if failure != nil {
		// Staged blocks stay uncommitted: invisible, and collected by
		// the service.
		return storage.Object{}, wrap(failure)
	}
	ids := make([]string, parts)
	for i := range ids {
		ids[i] = blockID(i)
	}
	out, err := bb.CommitBlockList(ctx, ids, nil)
	if err != nil {
		return storage.Object{}, wrap(backend.CtxErr(ctx, err))
	}
	return storage.Object{Key: key, Size: total, ModTime: val(out.LastModified, time.Now()), Ref: etag(out.ETag)}, nil
}

// Get streams length bytes of key from offset. See storage.Backend.
func (s *Store) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := pkg.CheckGet(key, offset); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return pkg.Wrap("get", key, err) }
	if length == 0 {
		return backend.EmptyOrBeyond(ctx, s, pkg, key, offset)
	}
	opts := &blob.DownloadStreamOptions{}
	if offset > 0 || length > 0 {
		opts.Range = blob.HTTPRange{Offset: offset, Count: max(length, 0)}
	}
	out, err := s.client.NewBlobClient(s.prefix+key).DownloadStream(ctx, opts)
	if err != nil {
		switch {
		case isNotFound(err):
			return nil, wrap(storage.ErrNotFound)
		case bloberror.HasCode(err, bloberror.InvalidRange):
			return backend.EmptyOrBeyond(ctx, s, pkg, key, offset)
		}
		return nil, wrap(backend.CtxErr(ctx, err))
	}
	// The retry reader resumes the download where a broken connection
	// left it, pinned to the same version of the blob by its ETag.
	return out.NewRetryReader(ctx, &blob.RetryReaderOptions{MaxRetries: 3}), nil
}

// Stat describes key. See storage.Backend.
func (s *Store) Stat(ctx context.Context, key string) (storage.Object, error) {
	if err := pkg.CheckKey("stat", key); err != nil {
		return storage.Object{}, err
	}
	out, err := s.client.NewBlobClient(s.prefix+key).GetProperties(ctx, nil)
	if err != nil {
		return storage.Object{}, pkg.RequestErr(ctx, "stat", key, err, isNotFound(err))
	}
	return storage.Object{
		Key:     key,
		Size:    val(out.ContentLength, 0),
		ModTime: val(out.LastModified, time.Time{}),
		Ref:     etag(out.ETag),
	}, nil
}

// Delete removes key and its snapshots. See storage.Backend.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := pkg.CheckKey("delete", key); err != nil {
		return err
	}
	_, err := s.client.NewBlobClient(s.prefix+key).Delete(ctx, &blob.DeleteOptions{
		DeleteSnapshots: to.Ptr(blob.DeleteSnapshotsOptionTypeInclude),
	})
	if err != nil {
		return pkg.RequestErr(ctx, "delete", key, err, isNotFound(err))
	}
	return nil
}

// List returns one page of keys. See storage.Backend. After is Azure's
// own continuation marker from the previous page's Next.
func (s *Store) List(ctx context.Context, opts storage.ListOptions) (storage.ListPage, error) {
	wrap := func(err error) error { return pkg.Wrap("list", opts.Prefix, err) }
	limit, err := pkg.ListLimit(opts)
	if err != nil {
		return storage.ListPage{}, err
	}
	prefix := s.prefix + opts.Prefix
	var marker *string
	if opts.After != "" {
		marker = &opts.After
	}
	var (
		items    []*container.BlobItem
		prefixes []*container.BlobPrefix
		next     *string
	)
	if opts.Delimiter == "" {
		pager := s.client.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
			Prefix: &prefix, Marker: marker, MaxResults: to.Ptr(int32(limit)),
		})
		out, err := pager.NextPage(ctx)
		if err != nil {
			return storage.ListPage{}, wrap(backend.CtxErr(ctx, err))
		}
		items, next = out.Segment.BlobItems, out.NextMarker
	} else {
		pager := s.client.NewListBlobsHierarchyPager(opts.Delimiter, &container.ListBlobsHierarchyOptions{
			Prefix: &prefix, Marker: marker, MaxResults: to.Ptr(int32(limit)),
		})
		out, err := pager.NextPage(ctx)
		if err != nil {
			return storage.ListPage{}, wrap(backend.CtxErr(ctx, err))
		}
		items, prefixes, next = out.Segment.BlobItems, out.Segment.BlobPrefixes, out.NextMarker
	}
	var page storage.ListPage
	for _, it := range items {
		if it.Name == nil || it.Properties == nil {
			continue
		}
		name := strings.TrimPrefix(*it.Name, s.prefix)
		size := val(it.Properties.ContentLength, 0)
		if strings.HasSuffix(name, "/") && size == 0 {
			continue // folder marker
		}
		if storage.ValidateKey(name) != nil {
			page.Refused = append(page.Refused, name)
			continue
		}
		page.Objects = append(page.Objects, storage.Object{
			Key:     name,
			Size:    size,
			ModTime: val(it.Properties.LastModified, time.Time{}),
			Ref:     etag(it.Properties.ETag),
		})
	}
	for _, p := range prefixes {
		if p.Name != nil {
			page.Prefixes = append(page.Prefixes, strings.TrimPrefix(*p.Name, s.prefix))
		}
	}
	page.Next = val(next, "")
	return page, nil
}

// val returns *p, or def when p is nil.
func val[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
