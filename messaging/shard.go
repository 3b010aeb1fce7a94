package messaging

import (
	"errors"
	"fmt"
	"io"
)

// Shards reads r to its end in pieces of at most MaxShardSize bytes and
// calls fn with each, numbered from 0, reusing one buffer (fn must not keep
// the slice). Every piece except the last is exactly MaxShardSize bytes; an
// empty stream gives no call. It returns the number of pieces, or the first
// error from r or fn.
func Shards(r io.Reader, fn func(index int, shard []byte) error) (int, error) {
	buf := make([]byte, MaxShardSize)
	n := 0
	for {
		m, err := io.ReadFull(r, buf)
		if m > 0 {
			if ferr := fn(n, buf[:m]); ferr != nil {
				return n, ferr
			}
			n++
		}
		switch {
		case err == nil:
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return n, nil
		default:
			return n, fmt.Errorf("messaging: read shard %d: %w", n, err)
		}
	}
}
