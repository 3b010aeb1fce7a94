package ipfs

import (
	"context"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// ComputeCID returns the CID `ipfs add` with the flags of
// Config{Layout: layout}.AddFlags() would give r's content, and its size,
// without storing anything. Memory use is bounded as for Put.
func ComputeCID(ctx context.Context, r io.Reader, layout Layout) (cid.Cid, int64, error) {
	cfg := Config{Dir: "-", Layout: layout}
	if err := cfg.Validate(); err != nil {
		return cid.Undef, 0, err
	}
	e := &Embedded{cfg: cfg}
	cr := &countingReader{ctx: ctx, r: r}
	root, err := e.importWith(discard{ctx}, cr)
	if err != nil {
		return cid.Undef, 0, fmt.Errorf("storage/ipfs: compute CID: %w", err)
	}
	return root, cr.n, nil
}

// discard is a DAGService that drops every node.
type discard struct{ ctx context.Context }

func (d discard) Add(context.Context, ipld.Node) error { return d.ctx.Err() }
func (d discard) AddMany(context.Context, []ipld.Node) error {
	return d.ctx.Err()
}
func (d discard) Get(_ context.Context, c cid.Cid) (ipld.Node, error) {
	return nil, ipld.ErrNotFound{Cid: c}
}
func (d discard) GetMany(_ context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	out := make(chan *ipld.NodeOption, len(cs))
	for _, c := range cs {
		out <- &ipld.NodeOption{Err: ipld.ErrNotFound{Cid: c}}
	}
	close(out)
	return out
}
func (d discard) Remove(context.Context, cid.Cid) error       { return nil }
func (d discard) RemoveMany(context.Context, []cid.Cid) error { return nil }
