package ipfs

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// FuzzStoredBlock feeds arbitrary bytes to the read path as a dag-pb root
// block (with a CID that matches them, so the hash check passes): decoding
// and streaming must fail cleanly or return data, never panic or hang.
func FuzzStoredBlock(f *testing.F) {
	e := newEmbedded(f, "")
	ctx := context.Background()
	// Seeds: real roots of a one-chunk and a three-chunk object, and junk.
	for _, n := range []int{10, 3*ChunkSize + 7} {
		o := putBytes(f, e, "seed", bytes.Repeat([]byte{'s'}, n))
		c, _ := cid.Decode(o.Ref)
		nd, err := e.files.node(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(nd.RawData(), int64(n))
	}
	f.Add([]byte{0x0a, 0x02, 0x08, 0x02}, int64(0))
	f.Add([]byte("\x12\x00\x0a\x00"), int64(5))
	f.Fuzz(func(t *testing.T, data []byte, size int64) {
		if size < 0 || size > 1<<20 {
			return
		}
		c, err := cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: mh.SHA2_256, MhLength: -1}.Sum(data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.files.put(c.String(), data); err != nil {
			t.Fatal(err)
		}
		defer e.files.remove(c.String())
		rc, err := e.open(ctx, row{key: "fuzz", root: c.String(), size: size}, 0, size)
		if err != nil {
			return
		}
		defer rc.Close()
		io.Copy(io.Discard, io.LimitReader(rc, 2<<20))
	})
}
