package local

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// chunkReader returns its content in reads of a few odd sizes, so that
// the copy buffer fills across reads that end off block boundaries.
type chunkReader struct {
	b []byte
	i int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	sizes := []int{1, 7777, 4096, 65536 + 3}
	n := min(len(p), len(r.b), sizes[r.i%len(sizes)])
	r.i++
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

// TestDirectIOSizes puts objects of sizes around the block and buffer
// boundaries, with direct I/O and without, and reads them back.
func TestDirectIOSizes(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 3<<20+12345)
	rand.NewChaCha8([32]byte{1}).Read(data)
	for _, buffered := range []bool{false, true} {
		s, err := New(Config{Root: t.TempDir(), Buffered: buffered})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, size := range []int{0, 1, 4095, 4096, 4097, 1<<20 - 1, 1 << 20, 1<<20 + 1, 2 << 20, len(data)} {
			obj, err := s.Put(ctx, "obj", &chunkReader{b: data[:size]})
			if err != nil || obj.Size != int64(size) {
				t.Fatalf("buffered=%v: put %d bytes: %+v, %v", buffered, size, obj, err)
			}
			rc, err := s.Get(ctx, "obj", 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, data[:size]) {
				t.Fatalf("buffered=%v: read back %d of %d bytes, equal %v, %v", buffered, len(got), size, bytes.Equal(got, data[:size]), err)
			}
		}
		if !buffered && s.direct.refused.Load() {
			t.Logf("the filesystem of %s refused O_DIRECT; the buffered path was used", os.TempDir())
		}
	}
}

// TestDirectIORefusedWrite makes the kernel refuse a direct write (a
// buffer off the block alignment) and checks that the copy goes on
// through the page cache and remembers the refusal.
func TestDirectIORefusedWrite(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_DIRECT, 0o600)
	if err != nil {
		t.Skipf("this filesystem does not open files with O_DIRECT: %v", err)
	}
	defer f.Close()
	data := make([]byte, 1<<20+100)
	rand.NewChaCha8([32]byte{2}).Read(data)
	buf := alignedBuffer(1<<20 + directAlign)[1 : 1+1<<20] // misaligned on purpose
	var d directState
	n, err := d.copyDirect(context.Background(), f, bytes.NewReader(data), buf)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("copy: %d bytes, %v", n, err)
	}
	if !d.refused.Load() {
		t.Fatal("a refused direct write was not remembered")
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("file holds %d bytes, equal %v, %v", len(got), bytes.Equal(got, data), err)
	}
}
