// Package storage defines the streaming object store that Consign keeps
// documents in, and its backends: local disk (storage/local), S3
// (storage/s3), Azure Blob (storage/azure) and IPFS (storage/ipfs).
//
// Every backend implements Backend and runs the conformance suite in
// storage/storagetest, so callers can rely on one contract whatever sits
// behind it: puts are streamed and become visible all at once, gets stream
// and can start at an offset (to resume a transfer), listings are sorted,
// paginated and fold "folders" into common prefixes like S3 does.
//
// Keys are slash-separated relative paths ("reports/2026/q1.pdf"). Before
// any I/O every backend checks a key with ValidateKey and refuses, with
// ErrInvalidKey, anything that could name something outside the store or
// that does not survive a round trip through every backend: empty keys,
// absolute paths, "." and ".." segments (also when percent-encoded),
// empty segments, backslashes, control characters, invalid UTF-8 and
// over-long names.
//
// Object stores that other tools also write to (an S3 bucket, an Azure
// container) may hold names that ValidateKey refuses. List leaves those
// out of Objects and reports them in ListPage.Refused, so the operator can
// be told, but no Backend method ever reads or writes them.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/consign/consign/internal/errkind"
)

// Sentinel errors. Backends wrap them with an operation prefix, e.g.
// `storage/s3: get "a/b.pdf": not found`; callers test with errors.Is,
// and errkind.Of gives each its kind.
var (
	// ErrNotFound means the key names no object (errkind.NotFound).
	ErrNotFound = errkind.New(errkind.NotFound, "not found")
	// ErrInvalidKey is returned for a key that is malformed or tries to escape the store
	// (errkind.Invalid).
	ErrInvalidKey = errkind.New(errkind.Invalid, "invalid key")
	// ErrInvalidRange is returned for a range read that starts beyond the end of the object
	// (errkind.Invalid).
	ErrInvalidRange = errkind.New(errkind.Invalid, "invalid range")
	// ErrClosed is returned once the backend is closed (errkind.Unavailable).
	ErrClosed = errkind.New(errkind.Unavailable, "store is closed")
)

// Limits on keys. MaxKeyLen is S3's limit on object names; MaxSegmentLen
// is the usual file-system limit on one name.
const (
	MaxKeyLen     = 1024
	MaxSegmentLen = 255
)

// ValidateKey reports whether key may be used with a Backend. It returns
// nil or an error wrapping ErrInvalidKey that says what is wrong.
//
// A valid key is valid UTF-8, at most MaxKeyLen bytes, made of one or more
// non-empty segments separated by "/", none of them "." or "..", none
// longer than MaxSegmentLen bytes, with no backslash and no control
// character (U+0000–U+001F, U+007F). Percent-encoded forms are checked
// too: a key that, once URL-decoded (repeatedly), would contain a ".."
// segment, a "/" or a backslash it did not have is refused, because some
// layer between a client and a store may decode it. A literal "%" that
// does not start an escape ("100% done.txt") is fine.
func ValidateKey(key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("%w: %q: %s", ErrInvalidKey, key, err)
	}
	// Decode percent escapes until nothing changes (double encoding) and
	// check that decoding neither escapes nor adds separators.
	cur := key
	for i := 0; i < 4 && strings.Contains(cur, "%"); i++ {
		dec, err := url.PathUnescape(cur)
		if err != nil || dec == cur {
			break
		}
		if strings.Count(dec, "/") != strings.Count(key, "/") || strings.Contains(dec, `\`) {
			return fmt.Errorf("%w: %q: percent-encoded separator", ErrInvalidKey, key)
		}
		if err := checkKey(dec); err != nil {
			return fmt.Errorf("%w: %q: percent-encoded form: %s", ErrInvalidKey, key, err)
		}
		cur = dec
	}
	return nil
}

func checkKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty")
	case len(key) > MaxKeyLen:
		return fmt.Errorf("longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(key):
		return errors.New("not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return errors.New("absolute path")
	case strings.HasSuffix(key, "/"):
		return errors.New("ends in a slash (folders are not objects)")
	case strings.Contains(key, `\`):
		return errors.New("contains a backslash")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("contains control character %U", r)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		switch {
		case seg == "":
			return errors.New("empty segment")
		case seg == "." || seg == "..":
			return fmt.Errorf("%q segment", seg)
		case len(seg) > MaxSegmentLen:
			return fmt.Errorf("segment longer than %d bytes", MaxSegmentLen)
		}
	}
	return nil
}

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
	// Prefix restricts the listing to keys that start with it (a plain
	// string prefix, as in S3). A prefix ending in "/" lists one folder.
	Prefix string
	// Delimiter, when "/", folds keys that have a further "/" after the
	// prefix into common prefixes (folders); when empty, lists
	// recursively. No other delimiter is supported.
	Delimiter string
	// After resumes a listing: pass the previous page's Next, unchanged,
	// with the same Prefix and Delimiter. Its form belongs to the backend
	// (for most it is the last key or prefix returned; Azure's is the
	// service's own marker); the empty string starts from the beginning.
	After string
	// Limit caps len(Objects)+len(Prefixes) in the page; zero means 1000.
	Limit int
}

// ListPage is one page of a listing. Objects and Prefixes are each sorted
// by byte order of the key, and every entry of a page sorts after every
// entry of the pages before it.
type ListPage struct {
	Objects  []Object
	Prefixes []string // common prefixes, each ending in the delimiter
	// Refused lists names present in the underlying store (put there by
	// other means) that ValidateKey refuses; they are not in Objects and
	// cannot be read through a Backend. Folder markers (zero-byte names
	// ending in "/", made by some consoles) are skipped silently.
	Refused []string
	// Next is non-empty when more entries may follow; pass it as After.
	// A page may hold fewer than Limit entries (even none) while Next is
	// set; the listing ends when Next is empty.
	Next string
}

// Backend is a streaming object store.
//
// Contract (checked by storagetest):
//   - Every method first checks key with ValidateKey and returns an error
//     wrapping ErrInvalidKey, having done nothing, if it is refused.
//   - Put stores the whole of r (of any length, read until io.EOF) under
//     key, replacing any object there, and returns the stored object's
//     description. The new object becomes visible only once complete: a
//     Put that fails, or whose ctx is cancelled, returns an error and
//     leaves the previous object (or nothing) in place, never a partial
//     one. Concurrent Puts to one key leave exactly one complete content,
//     that of a Put which returned nil (a backend may fail the others).
//   - Get streams length bytes from offset; length < 0 reads to the end,
//     and a range running past the end is cut short at it. offset equal
//     to the size gives an empty stream; a larger one returns
//     ErrInvalidRange. A missing key returns an error for which
//     errors.Is(err, ErrNotFound). Cancelling ctx ends the stream with an
//     error. The caller must Close the reader.
//   - Stat of a missing key returns ErrNotFound.
//   - Delete removes key; a missing key returns ErrNotFound.
//   - Nothing holds a whole object in memory: memory use is bounded by
//     the backend's configured buffers, whatever the object size.
//   - A Backend is safe for concurrent use.
type Backend interface {
	Put(ctx context.Context, key string, r io.Reader) (Object, error)
	Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	Stat(ctx context.Context, key string) (Object, error)
	List(ctx context.Context, opts ListOptions) (ListPage, error)
	Delete(ctx context.Context, key string) error
}

// Mover is an optional capability of a Backend: giving an object a new
// key without copying its content. Callers find it with a type
// assertion and fall back to Get and Put when a backend lacks it.
//
// Contract (checked by storagetest for every backend that offers it):
//   - Move checks both keys with ValidateKey first and returns an error
//     wrapping ErrInvalidKey, having done nothing, if either is refused.
//   - Move makes the object at from the object at to, replacing any
//     object there, and returns its description; from is gone
//     afterwards. Readers of to see the previous object (or nothing)
//     until the move succeeds, then the moved one: never a mix, and a
//     Move that fails leaves to as it was.
//   - A missing from returns an error for which errors.Is(err,
//     ErrNotFound), and changes nothing.
//   - A Move whose ctx is already cancelled returns ctx.Err() (wrapped)
//     and changes nothing.
//   - Moving an object to its own key leaves it in place.
type Mover interface {
	Move(ctx context.Context, from, to string) (Object, error)
}

// Closer is an optional capability of a Backend that holds resources
// (open files, a database, a directory lock) until it is closed. Stores
// that hold none (S3, Azure: their clients need no closing) do not
// implement it; call Close rather than asserting the interface.
//
// Contract (checked by storagetest for every backend that offers it):
//   - Close may be called more than once: later calls do nothing and
//     return what the first returned.
//   - After Close, every method of the Backend (and Move) returns an
//     error for which errors.Is(err, ErrClosed), without touching the
//     store. Readers returned by Get before Close must be closed first.
type Closer interface {
	Close() error
}

// Close closes b if it is a Closer and returns nil otherwise.
func Close(b Backend) error {
	if c, ok := b.(Closer); ok {
		return c.Close()
	}
	return nil
}
