package local

import (
	"context"
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Direct I/O.
//
// A Put writes its temporary file with O_DIRECT where the filesystem
// allows it: the bytes go from the copy buffer to the disk without
// passing through the page cache. A received 1 GiB document is written
// once and not read again soon, so caching it buys nothing, and the
// kernel's buffered path is costly on two cores: writing 1 GiB with dd
// took 0.5 s of system time on a clean page cache and 2.6 s while another
// GiB was being flushed, against 0.1 s with O_DIRECT (both measured on
// the development machine). The transfer benchmark shows the effect.
//
// O_DIRECT needs the buffer's address, the length and the file offset to
// be multiples of the device's block size; directAlign covers every
// common one. Full buffers are written directly; the last, partial one is
// written through the page cache after O_DIRECT is turned off on the
// descriptor (the file's offset is aligned at that point). A filesystem
// that refuses O_DIRECT (tmpfs, some network filesystems) is noticed on
// the first open or write and the store goes on with buffered writes.

const directAlign = 4096

// alignedBuffer returns a buffer of n bytes (n a multiple of directAlign)
// whose first byte is aligned to directAlign.
func alignedBuffer(n int) []byte {
	b := make([]byte, n+directAlign)
	off := 0
	if r := int(uintptr(unsafe.Pointer(&b[0])) & (directAlign - 1)); r != 0 {
		off = directAlign - r
	}
	return b[off : off+n : off+n]
}

// directState remembers whether the filesystem under the root took
// O_DIRECT; it starts as untested.
type directState struct{ refused atomic.Bool }

// openFlag is the extra open flag for a Put's temporary file.
func (d *directState) openFlag(enabled bool) int {
	if !enabled || d.refused.Load() {
		return 0
	}
	return syscall.O_DIRECT
}

// refusedBy reports whether err is the filesystem refusing O_DIRECT, and
// if so remembers it.
func (d *directState) refusedBy(err error) bool {
	if errors.Is(err, syscall.EINVAL) {
		d.refused.Store(true)
		return true
	}
	return false
}

// setDirect turns O_DIRECT on or off for an open file.
func setDirect(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = rc.Control(func(fd uintptr) {
		flags, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
		if err != nil {
			ferr = err
			return
		}
		if on {
			flags |= unix.O_DIRECT
		} else {
			flags &^= unix.O_DIRECT
		}
		_, ferr = unix.FcntlInt(fd, unix.F_SETFL, flags)
	})
	if err != nil {
		return err
	}
	return ferr
}

// copyDirect copies src into f, opened with O_DIRECT at offset 0, through
// buf (aligned, its length a multiple of directAlign). A write the
// filesystem refuses is retried with O_DIRECT off (and d remembers it).
func (d *directState) copyDirect(ctx context.Context, f *os.File, src io.Reader, buf []byte) (int64, error) {
	var total int64
	direct := true
	write := func(p []byte) error {
		for len(p) > 0 {
			n, err := f.Write(p)
			total += int64(n)
			p = p[n:]
			if err == nil {
				continue
			}
			if direct && d.refusedBy(err) {
				if err := setDirect(f, false); err != nil {
					return err
				}
				direct = false
				continue
			}
			return err
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		// Fill the buffer: O_DIRECT writes whole aligned blocks.
		n := 0
		var rerr error
		for n < len(buf) && rerr == nil {
			var m int
			m, rerr = src.Read(buf[n:])
			n += m
			if rerr == nil && m == 0 {
				if err := ctx.Err(); err != nil {
					return total, err
				}
			}
		}
		if rerr != nil && rerr != io.EOF {
			return total, rerr
		}
		whole := n &^ (directAlign - 1)
		if err := write(buf[:whole]); err != nil {
			return total, err
		}
		if whole < n {
			// The tail: only the last read can end off a block boundary.
			if direct {
				if err := setDirect(f, false); err != nil {
					return total, err
				}
				direct = false
			}
			if err := write(buf[whole:n]); err != nil {
				return total, err
			}
		}
		if rerr == io.EOF {
			return total, ctx.Err()
		}
	}
}
