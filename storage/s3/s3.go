// Package s3 is the storage.Backend on an S3 bucket (AWS or any server
// that speaks the S3 API: MinIO, versitygw, Ceph), through aws-sdk-go-v2.
//
// Keys map one to one onto object names, optionally under a fixed
// Config.Prefix, so objects put into the bucket by other tools show up in
// listings and can be read and hashed. Names that storage.ValidateKey
// refuses are reported in ListPage.Refused and are never read or written;
// zero-byte folder markers ("a/") are skipped.
//
// A Put streams: it reads the body into part-sized buffers taken from a
// fixed pool of Config.Concurrency buffers, and uploads each as a part of
// a multipart upload while the next is read, so memory stays at about
// PartSize × Concurrency whatever the object size. A body shorter than one
// part goes up in a single PutObject. S3 makes a multipart object visible
// only at CompleteMultipartUpload, so a reader error or a cancelled ctx
// aborts the upload and leaves nothing behind; of concurrent Puts to one
// name, the last to complete wins.
//
// The largest object is 10,000 parts: 78 GiB at the default 8 MiB part
// size; raise PartSize for more.
package s3

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/internal/backend"
	"github.com/consign/consign/storage/internal/bufpool"
)

// Limits of the S3 multipart API.
const (
	MinPartSize = 5 << 20
	MaxParts    = 10000
)

// Config configures a Store.
type Config struct {
	// Endpoint is the base URL of the S3 server, e.g.
	// "http://127.0.0.1:9000"; empty means AWS's endpoint for Region.
	Endpoint string
	// Region to sign requests for; empty means "us-east-1".
	Region string
	// Bucket holds the objects. Required.
	Bucket string
	// Prefix, if set, is prepended to every key, so that the store is one
	// "folder" of the bucket. It must be a valid key followed by "/".
	Prefix string
	// AccessKey and SecretKey are static credentials; when both are
	// empty, the SDK's default chain is used (environment, shared files,
	// instance role). SessionToken goes with temporary credentials.
	AccessKey, SecretKey, SessionToken string
	// PathStyle addresses the bucket as ENDPOINT/BUCKET/KEY instead of
	// BUCKET.ENDPOINT/KEY; most self-hosted servers need it.
	PathStyle bool
	// PartSize is the size of one uploaded part, and of one chunk read
	// ahead by Get, in bytes; zero means 8 MiB. At least MinPartSize.
	PartSize int64
	// Concurrency is the number of part buffers shared by all Puts of
	// the store, and of read-ahead buffers shared by all Gets; zero means
	// 4. A store's buffers thus take at most 2 × Concurrency × PartSize
	// bytes however many transfers run (64 MiB by default), and none
	// while it is idle; a Put waits for a free part buffer, a Get streams
	// without read-ahead when none is free.
	Concurrency int
	// CreateBucket creates Bucket in New if it does not exist.
	CreateBucket bool
	// NoChecksums turns off the CRC32 checksums that uploads carry by
	// default, for servers that reject them (older S3-compatible ones).
	// The request body is then signed with SHA-256 instead, which costs
	// far more CPU: about half the upload throughput here.
	NoChecksums bool
	// HTTPClient, if set, carries the requests (tests, proxies).
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
	if c.Bucket == "" {
		errs = append(errs, errors.New("Bucket is required"))
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		errs = append(errs, errors.New("AccessKey and SecretKey go together"))
	}
	if c.PartSize != 0 && c.PartSize < MinPartSize {
		errs = append(errs, fmt.Errorf("PartSize %d is below S3's minimum %d", c.PartSize, MinPartSize))
	}
	if c.PartSize > 5<<30 {
		errs = append(errs, fmt.Errorf("PartSize %d is above S3's maximum 5 GiB", c.PartSize))
	}
	return pkg.CheckConfig(c.Concurrency, c.Prefix, c.Endpoint, errs...)
}

// Store is a storage.Backend on one S3 bucket. It is safe for concurrent
// use.
type Store struct {
	client   *s3.Client
	bucket   string
	prefix   string
	partSize int64
	bufs     *bufpool.Pool           // part buffers of Puts
	getBufs  *bufpool.Pool           // read-ahead buffers of Gets
	checksum types.ChecksumAlgorithm // of uploads; "" for none
}

var _ storage.Backend = (*Store)(nil)

// New connects to the bucket, checking that it exists (or creating it when
// cfg.CreateBucket is set).
func New(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if cfg.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(cfg.HTTPClient))
	} else if cfg.IdleTimeout >= 0 {
		// The SDK's own buildable client (it adds a CA bundle from the
		// environment to it), dialing connections with an idle limit.
		dial := backend.IdleDialer(cmp.Or(cfg.IdleTimeout, backend.DefaultIdleTimeout))
		opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.DialContext = dial
		})))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("storage/s3: load AWS config: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.PathStyle
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		// Uploads carry a CRC32 checksum in a trailer, so that the body
		// need not be hashed with SHA-256 for the signature; downloads
		// are hashed by Consign itself, so the SDK does not check them.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
		if cfg.NoChecksums {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	s := NewFromClient(client, cfg)
	if err := s.ensureBucket(ctx, cfg.CreateBucket, region); err != nil {
		return nil, err
	}
	return s, nil
}

// NewFromClient wraps an S3 client configured elsewhere; only Bucket,
// Prefix, PartSize, Concurrency and NoChecksums of cfg are used, and
// nothing is checked over the network.
func NewFromClient(client *s3.Client, cfg Config) *Store {
	part, conc := backend.Buffers(cfg.PartSize, cfg.Concurrency)
	st := &Store{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix, partSize: part,
		bufs: bufpool.New(conc, part), getBufs: bufpool.New(conc, part)}
	if !cfg.NoChecksums {
		st.checksum = types.ChecksumAlgorithmCrc32
	}
	return st
}

// Client returns the underlying S3 client.
func (s *Store) Client() *s3.Client { return s.client }

func (s *Store) ensureBucket(ctx context.Context, create bool, region string) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket})
	if err == nil {
		return nil
	}
	if !isNotFound(err) || !create {
		return fmt.Errorf("storage/s3: bucket %q: %w", s.bucket, err)
	}
	in := &s3.CreateBucketInput{Bucket: &s.bucket}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := s.client.CreateBucket(ctx, in); err != nil {
		var owned *types.BucketAlreadyOwnedByYou
		if !errors.As(err, &owned) {
			return fmt.Errorf("storage/s3: create bucket %q: %w", s.bucket, err)
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var nb *types.NoSuchBucket
	if errors.As(err, &nsk) || errors.As(err, &nf) || errors.As(err, &nb) {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

func isInvalidRange(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "InvalidRange" {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusRequestedRangeNotSatisfiable
}

const pkg backend.Name = "storage/s3"

// Put streams r into key. See storage.Backend and the package comment.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (storage.Object, error) {
	name := s.prefix + key
	return pkg.Put(ctx, s.bufs, key, r, func(p []byte) (storage.Object, error) {
		// The whole body fits in one part: a single PutObject.
		out, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:            &s.bucket,
			Key:               &name,
			Body:              bytes.NewReader(p),
			ContentLength:     aws.Int64(int64(len(p))),
			ChecksumAlgorithm: s.checksum,
		})
		if err != nil {
			return storage.Object{}, err
		}
		return storage.Object{Key: key, Size: int64(len(p)), ModTime: time.Now(), Ref: aws.ToString(out.ETag)}, nil
	}, func(first []byte, n int) (storage.Object, error) {
		return s.putMultipart(ctx, key, name, r, first, n)
	})
}

func (s *Store) putMultipart(ctx context.Context, key, name string, r io.Reader, first []byte, firstN int) (storage.Object, error) {
	wrap := func(err error) error { return pkg.Wrap("put", key, err) }
	created, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: &name, ChecksumAlgorithm: s.checksum})
	if err != nil {
		s.bufs.Put(first)
		return storage.Object{}, wrap(backend.CtxErr(ctx, err))
	}
	uploadID := created.UploadId

	var (
		mu    sync.Mutex
		parts []types.CompletedPart
	)
	_, total, failure := backend.Upload(ctx, backend.Parts{Pool: s.bufs, Max: MaxParts, Size: s.partSize, Unit: "parts",
		Send: func(ctx context.Context, i int, p []byte) error {
			num := int32(i + 1)
			out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
				Bucket:            &s.bucket,
				Key:               &name,
				UploadId:          uploadID,
				PartNumber:        aws.Int32(num),
				Body:              bytes.NewReader(p),
				ContentLength:     aws.Int64(int64(len(p))),
				ChecksumAlgorithm: s.checksum,
			})
			if err != nil {
				return fmt.Errorf("part %d: %w", num, err)
			}
			mu.Lock()
			parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num), ChecksumCRC32: out.ChecksumCRC32})
			mu.Unlock()
			return nil
		}}, r, first, firstN)
	if failure == nil {
		slices.SortFunc(parts, func(a, b types.CompletedPart) int { return int(*a.PartNumber - *b.PartNumber) })
		out, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket:          &s.bucket,
			Key:             &name,
			UploadId:        uploadID,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		if err == nil {
			return storage.Object{Key: key, Size: total, ModTime: time.Now(), Ref: aws.ToString(out.ETag)}, nil
		}
		failure = backend.CtxErr(ctx, err)
	}
	// Abort even though ctx may be cancelled: the parts would otherwise
	// be kept (and billed) by the server.
	abortCtx, abortCancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer abortCancel()
	if _, err := s.client.AbortMultipartUpload(abortCtx, &s3.AbortMultipartUploadInput{
		Bucket: &s.bucket, Key: &name, UploadId: uploadID,
	}); err != nil {
		failure = fmt.Errorf("%w (and aborting the upload failed: %v)", failure, err)
	}
	return storage.Object{}, wrap(failure)
}

// Get streams length bytes of key from offset. See storage.Backend.
//
// The first chunk (PartSize bytes) is streamed straight from one ranged
// GetObject; while it is read, the following chunks are fetched in
// parallel into buffers of a store-wide pool of Concurrency buffers, each
// request pinned with If-Match to the ETag of the first, so a read never
// mixes two versions of an object (an overwrite during the read ends it
// with an error). When no buffer is free, the next chunk is streamed
// directly instead: a Get never waits for buffers.
func (s *Store) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := pkg.CheckGet(key, offset); err != nil {
		return nil, err
	}
	wrap := func(err error) error { return pkg.Wrap("get", key, err) }
	name := s.prefix + key
	// S3 cannot express an empty range, nor any range on an empty object:
	// those cases are settled by a Stat.
	if length == 0 {
		return backend.EmptyOrBeyond(ctx, s, pkg, key, offset)
	}
	first := s.partSize
	if length > 0 && length < first {
		first = length
	}
	rng := fmt.Sprintf("bytes=%d-%d", offset, offset+first-1)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &name, Range: &rng})
	if err != nil {
		switch {
		case isNotFound(err):
			return nil, wrap(storage.ErrNotFound)
		case isInvalidRange(err):
			return backend.EmptyOrBeyond(ctx, s, pkg, key, offset)
		}
		return nil, wrap(backend.CtxErr(ctx, err))
	}
	total, ok := parseTotal(aws.ToString(out.ContentRange))
	if !ok {
		out.Body.Close()
		return nil, wrap(fmt.Errorf("server answered a range request without a usable Content-Range (%q)", aws.ToString(out.ContentRange)))
	}
	end := total
	if length > 0 && offset+length < end {
		end = offset + length
	}
	firstEnd := offset + aws.ToInt64(out.ContentLength)
	if firstEnd >= end {
		return out.Body, nil
	}
	rctx, cancel := context.WithCancel(ctx)
	s.getBufs.Begin()
	r := &rangeReader{
		s: s, ctx: rctx, cancel: cancel, key: key, name: name, etag: aws.ToString(out.ETag),
		pos: offset, end: end, cur: out.Body, curEnd: firstEnd, nextSched: firstEnd,
	}
	r.schedule()
	return r, nil
}

// parseTotal reads the complete length from "bytes a-b/total".
func parseTotal(cr string) (int64, bool) {
	i := strings.LastIndexByte(cr, '/')
	if i < 0 {
		return 0, false
	}
	var total int64
	if _, err := fmt.Sscan(cr[i+1:], &total); err != nil || total < 0 {
		return 0, false
	}
	return total, true
}

// rangeReader delivers [pos, end) of an object in order, chunk by chunk:
// the current chunk either streams from a response body (cur) or is
// served from a prefetched buffer (curPre); pre holds the chunks being
// fetched ahead, contiguous from the current chunk's end to nextSched.
type rangeReader struct {
	s         *Store
	ctx       context.Context
	cancel    context.CancelFunc
	key, name string
	etag      string
	pos, end  int64
	cur       io.ReadCloser
	curEnd    int64
	curPre    *prefetch
	pre       []*prefetch
	nextSched int64
	err       error
	closed    bool
}

type prefetch struct {
	start, end int64
	buf        []byte
	off        int
	done       chan struct{}
	err        error
}

func (r *rangeReader) schedule() {
	for r.nextSched < r.end {
		buf := r.s.getBufs.TryGet()
		if buf == nil {
			return
		}
		p := &prefetch{start: r.nextSched, end: min(r.nextSched+r.s.partSize, r.end), buf: buf, done: make(chan struct{})}
		r.pre = append(r.pre, p)
		r.nextSched = p.end
		go r.fetch(p)
	}
}

func (r *rangeReader) fetch(p *prefetch) {
	defer close(p.done)
	rng := fmt.Sprintf("bytes=%d-%d", p.start, p.end-1)
	out, err := r.s.client.GetObject(r.ctx, &s3.GetObjectInput{Bucket: &r.s.bucket, Key: &r.name, Range: &rng, IfMatch: &r.etag})
	if err != nil {
		p.err = r.requestErr(err)
		return
	}
	defer out.Body.Close()
	n := int(p.end - p.start)
	if _, err := io.ReadFull(out.Body, p.buf[:n]); err != nil {
		p.err = backend.CtxErr(r.ctx, err)
	}
	p.buf = p.buf[:n]
}

func (r *rangeReader) requestErr(err error) error {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed {
		return errors.New("the object was replaced during the read")
	}
	if isNotFound(err) {
		return errors.New("the object was deleted during the read")
	}
	return backend.CtxErr(r.ctx, err)
}

func (r *rangeReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for {
		if r.pos >= r.end {
			return 0, io.EOF
		}
		if err := r.ctx.Err(); err != nil {
			return 0, r.fail(err)
		}
		switch {
		case r.cur != nil:
			n, err := r.cur.Read(p[:min(int64(len(p)), r.curEnd-r.pos)])
			r.pos += int64(n)
			if err == io.EOF || (err == nil && r.pos == r.curEnd) {
				r.cur.Close()
				r.cur = nil
				if r.pos != r.curEnd {
					return n, r.fail(io.ErrUnexpectedEOF)
				}
				err = nil
			}
			if err != nil {
				return n, r.fail(backend.CtxErr(r.ctx, err))
			}
			if n > 0 {
				return n, nil
			}
		case r.curPre != nil:
			n := copy(p, r.curPre.buf[r.curPre.off:])
			r.curPre.off += n
			r.pos += int64(n)
			if r.curPre.off == len(r.curPre.buf) {
				r.release(r.curPre)
				r.curPre = nil
			}
			return n, nil
		case len(r.pre) > 0:
			next := r.pre[0]
			r.pre = r.pre[1:]
			select {
			case <-next.done:
			case <-r.ctx.Done():
				<-next.done
			}
			if next.err != nil {
				r.release(next)
				return 0, r.fail(next.err)
			}
			r.curPre = next
			r.schedule()
		default:
			// Nothing fetched ahead: stream the next chunk directly.
			end := min(r.pos+r.s.partSize, r.end)
			rng := fmt.Sprintf("bytes=%d-%d", r.pos, end-1)
			out, err := r.s.client.GetObject(r.ctx, &s3.GetObjectInput{Bucket: &r.s.bucket, Key: &r.name, Range: &rng, IfMatch: &r.etag})
			if err != nil {
				return 0, r.fail(r.requestErr(err))
			}
			r.cur, r.curEnd, r.nextSched = out.Body, end, end
			r.schedule()
		}
	}
}

func (r *rangeReader) fail(err error) error {
	r.err = fmt.Errorf("storage/s3: get %q: %w", r.key, err)
	return r.err
}

func (r *rangeReader) release(p *prefetch) {
	r.s.getBufs.Put(p.buf)
	p.buf = nil
}

// Close ends the read, waits for fetches in flight and returns their
// buffers to the pool.
func (r *rangeReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.cancel()
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
	if r.curPre != nil {
		r.release(r.curPre)
		r.curPre = nil
	}
	for _, p := range r.pre {
		<-p.done
		r.release(p)
	}
	r.pre = nil
	r.s.getBufs.End()
	if r.err == nil {
		r.err = errors.New("storage/s3: read after Close")
	}
	return nil
}

// Stat describes key. See storage.Backend.
func (s *Store) Stat(ctx context.Context, key string) (storage.Object, error) {
	if err := pkg.CheckKey("stat", key); err != nil {
		return storage.Object{}, err
	}
	name := s.prefix + key
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &name})
	if err != nil {
		return storage.Object{}, pkg.RequestErr(ctx, "stat", key, err, isNotFound(err))
	}
	return storage.Object{
		Key:     key,
		Size:    aws.ToInt64(out.ContentLength),
		ModTime: aws.ToTime(out.LastModified),
		Ref:     aws.ToString(out.ETag),
	}, nil
}

// Delete removes key. S3 deletes are idempotent, so a HeadObject first
// finds out whether there was anything to delete.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := pkg.CheckKey("delete", key); err != nil {
		return err
	}
	if _, err := s.Stat(ctx, key); err != nil {
		return fmt.Errorf("storage/s3: delete %q: %w", key, errors.Unwrap(err))
	}
	name := s.prefix + key
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &name}); err != nil {
		return pkg.Wrap("delete", key, backend.CtxErr(ctx, err))
	}
	return nil
}

type entry struct {
	name string
	obj  *storage.Object
}

// List returns one page of keys with ListObjectsV2. See storage.Backend.
// After is the last key or prefix of the previous page, passed to S3 as
// StartAfter.
func (s *Store) List(ctx context.Context, opts storage.ListOptions) (storage.ListPage, error) {
	limit, err := pkg.ListLimit(opts)
	if err != nil {
		return storage.ListPage{}, err
	}
	in := &s3.ListObjectsV2Input{
		Bucket:  &s.bucket,
		Prefix:  aws.String(s.prefix + opts.Prefix),
		MaxKeys: aws.Int32(int32(min(limit+1, 1000))),
	}
	if opts.Delimiter != "" {
		in.Delimiter = aws.String(opts.Delimiter)
	}
	if opts.After != "" {
		in.StartAfter = aws.String(s.prefix + opts.After)
	}
	var page storage.ListPage
	var entries []entry
	for len(entries) <= limit {
		out, err := s.client.ListObjectsV2(ctx, in)
		if err != nil {
			return storage.ListPage{}, pkg.Wrap("list", opts.Prefix, backend.CtxErr(ctx, err))
		}
		var batch []entry
		for _, o := range out.Contents {
			name := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if strings.HasSuffix(name, "/") && aws.ToInt64(o.Size) == 0 {
				continue // folder marker
			}
			if name <= opts.After {
				continue
			}
			if storage.ValidateKey(name) != nil {
				page.Refused = append(page.Refused, name)
				continue
			}
			batch = append(batch, entry{name: name, obj: &storage.Object{
				Key: name, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified), Ref: aws.ToString(o.ETag),
			}})
		}
		for _, p := range out.CommonPrefixes {
			name := strings.TrimPrefix(aws.ToString(p.Prefix), s.prefix)
			if name <= opts.After {
				continue
			}
			batch = append(batch, entry{name: name})
		}
		slices.SortFunc(batch, func(a, b entry) int { return strings.Compare(a.name, b.name) })
		entries = append(entries, batch...)
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = out.NextContinuationToken
	}
	if len(entries) > limit {
		entries = entries[:limit]
		page.Next = entries[limit-1].name
		// Names beyond Next are reported with the next page.
		page.Refused = slices.DeleteFunc(page.Refused, func(n string) bool { return n > page.Next })
	}
	for _, e := range entries {
		if e.obj != nil {
			page.Objects = append(page.Objects, *e.obj)
		} else {
			page.Prefixes = append(page.Prefixes, e.name)
		}
	}
	return page, nil
}
