// Package bufpool is a fixed set of equal-sized byte buffers shared by
// the transfers of one store, so that the memory of all transfers
// together is bounded: N buffers of Size bytes at most. Buffers are
// allocated on first use and dropped for the garbage collector when the
// last transfer using the pool ends, so an idle store holds none.
package bufpool

import (
	"context"
	"sync/atomic"
)

// Pool hands out at most N buffers of Size bytes.
type Pool struct {
	size   int
	free   chan []byte // N tokens: a buffer, or nil for one not yet allocated
	active atomic.Int64
}

// New returns a pool of n buffers of size bytes.
func New(n int, size int64) *Pool {
	p := &Pool{size: int(size), free: make(chan []byte, n)}
	for range n {
		p.free <- nil
	}
	return p
}

// Begin marks the start of a transfer; each Begin needs one End.
func (p *Pool) Begin() { p.active.Add(1) }

// End marks the end of a transfer. When none is left, the pool drops its
// buffers.
func (p *Pool) End() {
	if p.active.Add(-1) == 0 {
		p.trim()
	}
}

// trim swaps every free buffer for an unallocated token. Tokens are never
// created or destroyed, so putting one back always finds room.
func (p *Pool) trim() {
	for range cap(p.free) {
		select {
		case <-p.free:
			p.free <- nil
		default:
			return
		}
	}
}

// Get takes a buffer, waiting until one is free or ctx ends.
func (p *Pool) Get(ctx context.Context) ([]byte, error) {
	select {
	case b := <-p.free:
		return p.alloc(b), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TryGet takes a buffer if one is free, or returns nil.
func (p *Pool) TryGet() []byte {
	select {
	case b := <-p.free:
		return p.alloc(b)
	default:
		return nil
	}
}

func (p *Pool) alloc(b []byte) []byte {
	if b == nil {
		b = make([]byte, p.size)
	}
	return b[:p.size]
}

// Put returns a buffer taken with Get or TryGet.
func (p *Pool) Put(b []byte) { p.free <- b }
