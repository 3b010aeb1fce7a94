package ipfs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/consign/consign/storage"
)

// ErrKubo wraps errors reported by the Kubo node (its RPC "Message").
var ErrKubo = errors.New("kubo error")

// Kubo is the IPFS backend that stores content in a Kubo node through its
// RPC API and keeps names in a local index. Content is added with the
// same chunking flags the package documents for `ipfs add`, so the CIDs
// agree with embedded mode and with the command line, and it is linked
// into the store's MFS folder (see RefsDir) while a name refers to it. See the package documentation.
type Kubo struct {
	cfg  Config
	base string
	hc   *http.Client
	*names
	refs string     // MFS folder holding one entry per stored CID
	mu   sync.Mutex // orders index writes with reference changes
}

var (
	_ storage.Backend = (*Kubo)(nil)
	_ storage.Closer  = (*Kubo)(nil)
)

// NewKubo opens (creating if needed) the name index in cfg.Dir and checks
// that the node at cfg.API answers. Close releases the directory.
func NewKubo(cfg Config) (*Kubo, error) {
	if err := cfg.ValidateKubo(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("storage/ipfs: open %s: %w", cfg.Dir, err)
	}
	nm, err := openNames(cfg.Dir, cfg.NoSync)
	if err != nil {
		return nil, err
	}
	k := &Kubo{
		cfg:   cfg,
		base:  strings.TrimRight(cfg.API, "/") + "/api/v0/",
		hc:    &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 8}},
		names: nm,
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout())
	defer cancel()
	if err := k.call(ctx, "version", nil, nil); err != nil {
		k.Close()
		return nil, fmt.Errorf("storage/ipfs: kubo at %s: %w", cfg.API, err)
	}
	id, err := k.ix.storeID(ctx)
	if err != nil {
		k.Close()
		return nil, fmt.Errorf("storage/ipfs: open index in %s: %w", cfg.Dir, err)
	}
	k.refs = cfg.mfsRoot() + "/" + id
	if err := k.call(ctx, "files/mkdir", url.Values{"arg": {k.refs}, "parents": {"true"}}, nil); err != nil {
		k.Close()
		return nil, fmt.Errorf("storage/ipfs: kubo at %s: %w", cfg.API, err)
	}
	return k, nil
}

// RefsDir returns the MFS folder in which this store references its
// content on the node (one entry per CID, named by the CID).
func (k *Kubo) RefsDir() string { return k.refs }

// Close closes the index and releases the directory lock. See
// storage.Closer.
func (k *Kubo) Close() error {
	k.hc.CloseIdleConnections()
	return k.names.close()
}

// AddParams returns the query parameters of /api/v0/add for the
// configured layout: the RPC form of the `ipfs add` flags that give the
// CIDs embedded mode computes.
func (c Config) AddParams() url.Values {
	q := url.Values{}
	q.Set("chunker", "size-"+strconv.Itoa(ChunkSize))
	q.Set("trickle", "false")
	q.Set("hash", "sha2-256")
	switch c.layout() {
	case LayoutCIDv1:
		q.Set("cid-version", "1")
		q.Set("raw-leaves", "true")
	case LayoutCIDv1ProtoLeaves:
		q.Set("cid-version", "1")
		q.Set("raw-leaves", "false")
	case LayoutCIDv0:
		q.Set("cid-version", "0")
		q.Set("raw-leaves", "false")
	}
	return q
}

// AddFlags returns the `ipfs add` command-line flags matching AddParams.
func (c Config) AddFlags() []string {
	var out []string
	q := c.AddParams()
	for _, k := range []string{"cid-version", "raw-leaves", "chunker", "trickle", "hash"} {
		out = append(out, "--"+k+"="+q.Get(k))
	}
	return out
}

type kuboError struct {
	Message string
	Code    int
	Type    string
}

// do sends one RPC call and returns the response when it succeeded.
func (k *Kubo) do(ctx context.Context, cmd string, q url.Values, body io.Reader, ctype string) (*http.Response, error) {
	u := k.base + cmd
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := k.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ke kuboError
	if json.Unmarshal(msg, &ke) == nil && ke.Message != "" {
		return nil, fmt.Errorf("%s: %w: %s", cmd, ErrKubo, ke.Message)
	}
	return nil, fmt.Errorf("%s: %w: HTTP %s: %s", cmd, ErrKubo, resp.Status, strings.TrimSpace(string(msg)))
}

// call runs a small RPC with the request timeout and decodes its JSON
// answer into out (when not nil).
func (k *Kubo) call(ctx context.Context, cmd string, q url.Values, out any) error {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.timeout())
	defer cancel()
	resp, err := k.do(ctx, cmd, q, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("%s: decoding answer: %w", cmd, err)
		}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// add streams r to /api/v0/add and returns the root CID.
func (k *Kubo) add(ctx context.Context, cr *countingReader) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan struct{})
	go func() {
		defer close(done)
		part, err := mw.CreateFormFile("file", "data")
		if err == nil {
			_, err = io.Copy(part, cr)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	q := k.cfg.AddParams()
	q.Set("pin", "false")
	q.Set("progress", "false")
	q.Set("quieter", "true")
	resp, err := k.do(ctx, "add", q, pr, mw.FormDataContentType())
	if err != nil {
		// Stop the writer and wait, so r is not read after Put returns.
		pr.CloseWithError(errors.New("request failed"))
		<-done
		return "", err
	}
	defer func() {
		resp.Body.Close()
		pr.CloseWithError(errors.New("request finished"))
		<-done
	}()
	var root string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var ev struct{ Hash, Message string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return "", fmt.Errorf("add: decoding answer: %w", err)
		}
		if ev.Message != "" {
			return "", fmt.Errorf("add: %w: %s", ErrKubo, ev.Message)
		}
		if ev.Hash != "" {
			root = ev.Hash
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if e := resp.Trailer.Get("X-Stream-Error"); e != "" {
		return "", fmt.Errorf("add: %w: %s", ErrKubo, e)
	}
	if root == "" {
		return "", fmt.Errorf("add: %w: answer named no CID", ErrKubo)
	}
	return root, nil
}

// Put adds r to the node, references the result in the store's MFS
// folder, then points key at it in the index, and drops the reference to
// the content key named before if no other name needs it. A failed or
// cancelled Put leaves no name and no reference; blocks the node had
// already received stay until the node's own garbage collection.
func (k *Kubo) Put(ctx context.Context, key string, r io.Reader) (storage.Object, error) {
	cr, err := k.beginPut(ctx, key, r)
	if err != nil {
		return storage.Object{}, err
	}
	fail := func(err error) (storage.Object, error) { return storage.Object{}, pkg.Wrap("put", key, err) }
	root, err := k.add(ctx, cr)
	if cr.err != nil {
		// The reader's own error explains the failure best.
		if err == nil || !errors.Is(err, cr.err) {
			err = fmt.Errorf("%w (%v)", cr.err, err)
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return fail(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.reference(ctx, root); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		k.unreferenceUnused(context.WithoutCancel(ctx), root)
		return fail(err)
	}
	rw := row{key: key, root: root, size: cr.n, mtime: time.Now().UnixNano()}
	ictx := context.WithoutCancel(ctx)
	old, err := k.ix.put(ictx, rw, nil)
	if err != nil {
		k.unreferenceUnused(ictx, root)
		return fail(fmt.Errorf("index: %w", err))
	}
	if old != "" && old != root {
		if err := k.unreferenceUnused(ictx, old); err != nil {
			return rw.object(), fmt.Errorf("storage/ipfs: put %q: stored, but dropping the reference to the old content %s failed: %w", key, old, err)
		}
	}
	return rw.object(), nil
}

// reference links root into the store's MFS folder, which protects it
// from the node's garbage collection. Callers hold k.mu.
func (k *Kubo) reference(ctx context.Context, root string) error {
	used, err := k.ix.rootInUse(ctx, root)
	if err != nil || used {
		return err // already referenced
	}
	err = k.call(ctx, "files/cp", url.Values{"arg": {"/ipfs/" + root, k.refs + "/" + root}}, nil)
	if err != nil && strings.Contains(err.Error(), "already") {
		return nil // left by an earlier failed Put
	}
	return err
}

// unreferenceUnused removes root's entry from the MFS folder unless a name
// still refers to it. Callers hold k.mu.
func (k *Kubo) unreferenceUnused(ctx context.Context, root string) error {
	used, err := k.ix.rootInUse(ctx, root)
	if err != nil || used {
		return err
	}
	err = k.call(ctx, "files/rm", url.Values{"arg": {k.refs + "/" + root}}, nil)
	if err != nil && strings.Contains(err.Error(), "not exist") {
		return nil
	}
	return err
}

// Get streams /api/v0/cat with the node's own offset and length support.
func (k *Kubo) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := k.checkKey("get", key); err != nil {
		return nil, err
	}
	rw, err := k.ix.get(ctx, key)
	if err != nil {
		return nil, wrapIndexErr("get", key, err)
	}
	if offset < 0 || offset > rw.size {
		return nil, fmt.Errorf("storage/ipfs: get %q: offset %d of %d bytes: %w", key, offset, rw.size, storage.ErrInvalidRange)
	}
	if offset == rw.size || length == 0 {
		return io.NopCloser(strings.NewReader("")), nil
	}
	q := url.Values{"arg": {rw.root}}
	if offset > 0 {
		q.Set("offset", strconv.FormatInt(offset, 10))
	}
	if length > 0 {
		q.Set("length", strconv.FormatInt(length, 10))
	}
	resp, err := k.do(ctx, "cat", q, nil, "")
	if err != nil {
		return nil, fmt.Errorf("storage/ipfs: get %q: %w", key, err)
	}
	want := rw.size - offset
	if length > 0 {
		want = min(want, length)
	}
	return &catReader{ctx: ctx, resp: resp, left: want, key: key}, nil
}

// catReader checks the stream's length and Kubo's trailing error, so a
// stream cut short never looks like a complete object.
type catReader struct {
	ctx  context.Context
	resp *http.Response
	left int64
	key  string
}

func (c *catReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.resp.Body.Read(p)
	c.left -= int64(n)
	if err == io.EOF {
		if e := c.resp.Trailer.Get("X-Stream-Error"); e != "" {
			return n, fmt.Errorf("storage/ipfs: get %q: %w: %s", c.key, ErrKubo, e)
		}
		if c.left != 0 {
			return n, fmt.Errorf("storage/ipfs: get %q: stream ended %d bytes early: %w", c.key, c.left, io.ErrUnexpectedEOF)
		}
	} else if err != nil {
		if cerr := c.ctx.Err(); cerr != nil {
			err = cerr
		}
		err = fmt.Errorf("storage/ipfs: get %q: %w", c.key, err)
	}
	return n, err
}

func (c *catReader) Close() error { return c.resp.Body.Close() }

// Delete forgets key and drops the reference to its content unless
// another name needs it.
func (k *Kubo) Delete(ctx context.Context, key string) error {
	return k.remove(ctx, key, &k.mu, func(ctx context.Context, root string) error {
		if err := k.unreferenceUnused(ctx, root); err != nil {
			return fmt.Errorf("dropping the reference to %s failed: %w", root, err)
		}
		return nil
	})
}
