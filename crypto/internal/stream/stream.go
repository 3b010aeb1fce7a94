// Package stream implements the chunked AES-256-GCM payload of Consign's
// sealed envelope. Each record is a kind byte, a big-endian uint32
// ciphertext length and the ciphertext (plaintext plus 16-byte tag). The
// nonce of record i is i as a big-endian uint64, then the kind byte, then
// three zero bytes, so a record moved to another position, or relabelled
// from data to final, fails authentication. Data records carry 1 to
// chunkSize plaintext bytes; exactly one final record ends the stream.
package stream

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/consign/consign/crypto/internal/format"
	"github.com/consign/consign/internal/errkind"
)

// Errors from Reader, mapped by the caller to its package's sentinels.
var (
	// ErrAuth means a chunk did not authenticate: modified, reordered or
	// sealed under another key.
	ErrAuth = errkind.New(errkind.Integrity, "chunk authentication failed")
	// ErrTruncated means the stream ended before its final chunk.
	ErrTruncated = errkind.New(errkind.Integrity, "stream truncated")
	// ErrMalformed is returned for a chunk that cannot be parsed.
	ErrMalformed = errkind.New(errkind.Invalid, "malformed chunk")
)

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func nonce(counter uint64, kind byte) []byte {
	var n [12]byte
	binary.BigEndian.PutUint64(n[:], counter)
	n[8] = kind
	return n[:]
}

// Writer seals records to an io.Writer.
type Writer struct {
	dst     io.Writer
	aead    cipher.AEAD
	counter uint64
	out     []byte
}

// NewWriter returns a Writer for records of at most chunkSize plaintext bytes.
func NewWriter(dst io.Writer, key []byte, chunkSize int) (*Writer, error) {
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &Writer{dst: dst, aead: a}, nil
}

// WriteRecord seals one record of the given kind.
func (w *Writer) WriteRecord(kind byte, plaintext []byte) error {
	if need := format.RecordHeaderSize + len(plaintext) + format.TagSize; cap(w.out) < need {
		w.out = make([]byte, need)
	}
	out := w.out[:format.RecordHeaderSize]
	out[0] = kind
	binary.BigEndian.PutUint32(out[1:], uint32(len(plaintext)+format.TagSize))
	out = w.aead.Seal(out, nonce(w.counter, kind), plaintext, nil)
	w.counter++
	_, err := w.dst.Write(out)
	return err
}

// Reader opens records from an io.Reader.
type Reader struct {
	src       io.Reader
	aead      cipher.AEAD
	chunkSize int
	counter   uint64
	done      bool
}

// NewReader returns a Reader for records of at most chunkSize plaintext bytes.
func NewReader(src io.Reader, key []byte, chunkSize int) (*Reader, error) {
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &Reader{src: src, aead: a, chunkSize: chunkSize}, nil
}

// Next reads and opens the next record into buf (or into a new buffer
// when buf is too small; plain then starts that buffer) and returns its
// plaintext and whether it was the final record. After the final record
// Next checks that src is exhausted.
func (r *Reader) Next(buf []byte) (plain []byte, final bool, err error) {
	if r.done {
		return nil, false, io.EOF
	}
	var hdr [format.RecordHeaderSize]byte
	if _, err := io.ReadFull(r.src, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, false, fmt.Errorf("%w: no final chunk after %d chunks", ErrTruncated, r.counter)
		}
		return nil, false, err
	}
	kind, n := hdr[0], int(binary.BigEndian.Uint32(hdr[1:]))
	max := r.chunkSize
	switch kind {
	case format.KindData:
	case format.KindFinal:
		max = format.MaxTrailer
	default:
		return nil, false, fmt.Errorf("%w: chunk %d has kind %d", ErrMalformed, r.counter, kind)
	}
	if n < format.TagSize || n-format.TagSize > max || (kind == format.KindData && n == format.TagSize) {
		return nil, false, fmt.Errorf("%w: chunk %d of %d bytes", ErrMalformed, r.counter, n)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	ct := buf[:n]
	if _, err := io.ReadFull(r.src, ct); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, false, fmt.Errorf("%w: chunk %d cut short", ErrTruncated, r.counter)
		}
		return nil, false, err
	}
	plain, err = r.aead.Open(ct[:0], nonce(r.counter, kind), ct, nil)
	if err != nil {
		return nil, false, fmt.Errorf("%w: chunk %d", ErrAuth, r.counter)
	}
	r.counter++
	if kind == format.KindFinal {
		r.done = true
		var one [1]byte
		if k, err := io.ReadFull(r.src, one[:]); k != 0 || (err != nil && !errors.Is(err, io.EOF)) {
			if err == nil || k != 0 {
				return nil, false, ErrTrailing
			}
			return nil, false, err
		}
		return plain, true, nil
	}
	return plain, false, nil
}

// ErrTrailing reports bytes after the final record.
var ErrTrailing = errkind.New(errkind.Integrity, "data after the final chunk")
