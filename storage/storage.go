// Package storage defines the streaming object store that Consign keeps
// documents in, and its backends: local disk, S3, Azure Blob and IPFS.
//
// Every backend implements Backend and runs the conformance suite in
// storage/storagetest. Keys are slash-separated relative paths ("a/b.pdf");
// a key that is empty, absolute, contains "." or ".." segments, a
// backslash or a NUL byte is refused with ErrInvalidKey before any I/O.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// Sentinel errors. Backends wrap them with an operation prefix, e.g.
// `storage/s3: get "a/b.pdf": not found`; callers test with errors.Is.
var (
	// ErrNotFound: the key names no object.
	ErrNotFound = errors.New("not found")
	// ErrInvalidKey: the key is malformed or tries to escape the store.
	ErrInvalidKey = errors.New("invalid key")
	// ErrInvalidRange: a range read starts beyond the end of the object.
	ErrInvalidRange = errors.New("invalid range")
)

// Object describes a stored object.
type Object struct {
	Key     string    // slash-separated key relative to the store root
	Size    int64     // bytes
	ModTime time.Time // last modification
	// Ref is the backend's own reference when it has one (an IPFS CID,
	// an S3 ETag); empty otherwise.
	Ref string
}

// ListOptions selects one page of a listing.
type ListOptions struct {
	// Prefix restricts the listing to keys that start with it. A prefix
	// ending in "/" lists one folder.
	Prefix string
	// Delimiter, when "/", folds keys that have a further "/" after the
	// prefix into common prefixes (folders); when empty, lists recursively.
	Delimiter string
	// After resumes a listing: only keys and prefixes sorting strictly
	// after it are returned. Pass the previous page's Next.
	After string
	// Limit caps Objects+Prefixes in the page; zero means 1000.
	Limit int
}

// ListPage is one page of a listing, sorted by key.
type ListPage struct {
	Objects  []Object
	Prefixes []string // common prefixes, each ending in the delimiter
	// Next is non-empty when more entries follow; pass it as After.
	Next string
}

// Backend is a streaming object store.
//
// Contract (checked by storagetest):
//   - Put stores the whole of r under key, replacing any object there. The
//     new object becomes visible only once complete: a Put that fails or
//     whose ctx is cancelled leaves the previous object (or nothing) in
//     place, never a partial one. Concurrent Puts to one key leave exactly
//     one of the complete contents.
//   - Get of a missing key returns an error for which errors.Is(err,
//     ErrNotFound). length < 0 reads to the end; offset beyond the size
//     returns ErrInvalidRange.
//   - Nothing holds a whole object in memory.
type Backend interface {
	Put(ctx context.Context, key string, r io.Reader) (Object, error)
	Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (Object, error)
	List(ctx context.Context, opts ListOptions) (ListPage, error)
	// Delete removes key; a missing key returns ErrNotFound.
	Delete(ctx context.Context, key string) error
}
