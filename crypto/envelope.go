package crypto

import (
	"context"
	stdcrypto "crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/consign/consign/crypto/internal/format"
	"github.com/consign/consign/crypto/internal/stream"
)

// DefaultChunkSize is the plaintext size of an envelope data chunk unless
// SealOptions.ChunkSize says otherwise.
const DefaultChunkSize = 64 << 10

// Compression says whether Seal compresses the payload with zstd.
type Compression int

const (
	// CompressAuto (the zero value) compresses unless a trial compression
	// of the first 64 KiB saves less than 10%.
	CompressAuto Compression = iota
	// CompressNever stores the payload as is.
	CompressNever
	// CompressAlways compresses whatever the data.
	CompressAlways
)

// SealOptions tunes Seal. The zero value seals unsigned, with automatic
// compression, 64 KiB chunks, checking recipient certificates at time.Now().
type SealOptions struct {
	// Signer, when set, signs the envelope (header and plaintext SHA-256)
	// in its trailer, making it attributable to the holder of this key.
	Signer stdcrypto.Signer
	// Compression chooses whether the payload is zstd-compressed.
	Compression Compression
	// ChunkSize is the plaintext size of each data chunk: a power of two
	// from 1 KiB to 1 MiB. Zero means DefaultChunkSize.
	ChunkSize int
	// Now is when recipient certificates must be valid; zero means time.Now().
	Now time.Time
}

const (
	probeSize       = 64 << 10  // bytes compressed on trial by CompressAuto
	blockSize       = 256 << 10 // plaintext block handed between pipeline stages
	blockCount      = 4         // blocks in flight (bounds memory to ~1 MiB)
	minSavingPc     = 10        // CompressAuto keeps zstd if it saves at least this %
	minCompressible = 512       // CompressAuto never compresses less than this
)

// SealWriter is the writing end of Seal. It is not safe for concurrent use.
type SealWriter struct {
	ctx    context.Context
	dst    io.Writer
	opts   SealOptions
	header []byte // complete header, MAC included
	hdr    format.Header
	sw     *stream.Writer
	macKey []byte

	probe   []byte // first bytes, held until the compression decision
	started bool
	zw      *zstd.Encoder
	chunk   []byte // pending plaintext of the next data chunk
	err     error
	closed  bool

	// Hashing runs in its own goroutine, fed with blocks of plaintext.
	hasher  hash.Hash
	size    uint64
	cur     *block
	free    chan *block
	toHash  chan *block
	hashed  chan struct{}
	sum     [32]byte
	payload payloadSink
}

type block struct {
	buf  []byte
	n    int
	refs atomic.Int32
}

// payloadSink receives plaintext after hashing: the zstd encoder or the chunker.
type payloadSink interface{ Write([]byte) (int, error) }

// Seal starts an envelope on dst for the given recipients and returns the
// writer that takes the plaintext. Close must be called: it flushes the
// last chunk and writes the trailer (with the signature, if any). Each
// recipient certificate must be valid at opts.Now and carry an RSA (≥ 2048
// bits), P-256, X25519 or Ed25519 key; otherwise Seal fails with ErrExpired
// or ErrUnsupportedKey and writes nothing.
//
// After ctx is cancelled, Write and Close return ctx.Err() and the output
// is incomplete (Open reports ErrTruncated).
func Seal(ctx context.Context, dst io.Writer, recipients []*x509.Certificate, opts SealOptions) (*SealWriter, error) {
	const op = "crypto: seal"
	if len(recipients) == 0 || len(recipients) > format.MaxStanzas {
		return nil, fmt.Errorf("%s: %d recipients (want 1..%d): %w", op, len(recipients), format.MaxStanzas, ErrMalformed)
	}
	if opts.ChunkSize == 0 {
		opts.ChunkSize = DefaultChunkSize
	}
	if opts.ChunkSize < 1<<format.MinChunkLog || opts.ChunkSize > 1<<format.MaxChunkLog || opts.ChunkSize&(opts.ChunkSize-1) != 0 {
		return nil, fmt.Errorf("%s: chunk size %d is not a power of two between 1 KiB and 1 MiB", op, opts.ChunkSize)
	}
	if opts.Signer != nil {
		if _, err := sigAlgOf(opts.Signer.Public()); err != nil {
			return nil, fmt.Errorf("%s: signer: %w", op, err)
		}
	}
	fileKey := make([]byte, fileKeySize)
	if _, err := rand.Read(fileKey); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	w := &SealWriter{ctx: ctx, dst: dst, opts: opts}
	w.hdr.ChunkLog = byte(bits.TrailingZeros(uint(opts.ChunkSize)))
	if opts.Signer != nil {
		w.hdr.Flags |= format.FlagSigned
	}
	if _, err := rand.Read(w.hdr.Salt[:]); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, c := range recipients {
		if err := checkValidity(c, opts.Now); err != nil {
			return nil, fmt.Errorf("%s: recipient: %w", op, err)
		}
		s, err := wrapFileKey(certPublicKey(c), fileKey)
		if err != nil {
			return nil, fmt.Errorf("%s: recipient %q: %w", op, c.Subject.CommonName, err)
		}
		w.hdr.Stanzas = append(w.hdr.Stanzas, s)
	}
	macKey, payloadKey, err := deriveKeys(fileKey, w.hdr.Salt[:])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	w.sw, err = stream.NewWriter(dst, payloadKey, opts.ChunkSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	w.macKey = macKey
	return w, nil
}

func deriveKeys(fileKey, salt []byte) (macKey, payloadKey []byte, err error) {
	macKey, err = hkdf.Key(sha256.New, fileKey, salt, labelHeaderMAC, 32)
	if err != nil {
		return nil, nil, err
	}
	payloadKey, err = hkdf.Key(sha256.New, fileKey, salt, labelPayload, 32)
	return macKey, payloadKey, err
}

func headerMAC(macKey, body []byte) []byte {
	m := hmac.New(sha256.New, macKey)
	m.Write(body)
	return m.Sum(nil)
}

// Write takes the next plaintext bytes.
func (w *SealWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("crypto: seal: write after close")
	}
	if err := w.ctx.Err(); err != nil {
		w.err = err
		return 0, err
	}
	n := len(p)
	if !w.started {
		k := min(len(p), probeSize-len(w.probe))
		w.probe = append(w.probe, p[:k]...)
		p = p[k:]
		if len(w.probe) < probeSize {
			return n, nil
		}
		if err := w.start(true); err != nil {
			return 0, err
		}
	}
	if err := w.feed(p); err != nil {
		return 0, err
	}
	return n, nil
}

// start decides on compression and writes the header. With pipelined
// set it launches the hashing goroutine and feeds it the probe; without
// (a payload that fits the probe, seen only at Close) it hashes and
// encrypts the probe in the calling goroutine, allocating nothing more.
func (w *SealWriter) start(pipelined bool) error {
	w.started = true
	compress := w.opts.Compression == CompressAlways
	var err error
	if compress || w.opts.Compression == CompressAuto && len(w.probe) >= minCompressible {
		w.zw, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true))
		if err != nil {
			return w.fail(err)
		}
		if w.opts.Compression == CompressAuto && len(w.probe) >= minCompressible {
			trial := w.zw.EncodeAll(w.probe, make([]byte, 0, len(w.probe)))
			compress = len(trial)*100 < len(w.probe)*(100-minSavingPc)
		}
	}
	if compress {
		w.hdr.Flags |= format.FlagCompressed
		w.zw.Reset(chunker{w})
		w.payload = w.zw
	} else {
		w.zw = nil
		w.payload = chunker{w}
	}
	body := w.hdr.MarshalBody()
	copy(w.hdr.MAC[:], headerMAC(w.macKey, body))
	w.header = w.hdr.Marshal()
	if _, err := w.dst.Write(w.header); err != nil {
		return w.fail(err)
	}
	w.hasher = sha256.New()
	if !pipelined {
		w.hasher.Write(w.probe)
		w.size = uint64(len(w.probe))
		if _, err := w.payload.Write(w.probe); err != nil {
			return w.fail(err)
		}
		w.probe = nil
		return nil
	}
	w.free = make(chan *block, blockCount)
	for range blockCount {
		w.free <- &block{buf: make([]byte, blockSize)}
	}
	w.toHash = make(chan *block, blockCount)
	w.hashed = make(chan struct{})
	go w.hashLoop()
	probe := w.probe
	w.probe = nil
	return w.feed(probe)
}

func (w *SealWriter) hashLoop() {
	for b := range w.toHash {
		w.hasher.Write(b.buf[:b.n])
		w.release(b)
	}
	close(w.hashed)
}

func (w *SealWriter) release(b *block) {
	if b.refs.Add(-1) == 0 {
		b.n = 0
		w.free <- b
	}
}

// feed copies p into blocks; each full block is hashed by the hashing
// goroutine while this one compresses and encrypts it.
func (w *SealWriter) feed(p []byte) error {
	for len(p) > 0 {
		if w.cur == nil {
			w.cur = <-w.free
		}
		k := copy(w.cur.buf[w.cur.n:], p)
		w.cur.n += k
		p = p[k:]
		if w.cur.n == len(w.cur.buf) {
			if err := w.dispatch(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *SealWriter) dispatch() error {
	b := w.cur
	w.cur = nil
	if b == nil || b.n == 0 {
		if b != nil {
			w.free <- b
		}
		return nil
	}
	b.refs.Store(2)
	w.size += uint64(b.n)
	w.toHash <- b
	_, err := w.payload.Write(b.buf[:b.n])
	w.release(b)
	if err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *SealWriter) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("crypto: seal: %w", err)
	}
	return w.err
}

// chunker cuts the payload into data records.
type chunker struct{ w *SealWriter }

func (c chunker) Write(p []byte) (int, error) {
	w, n := c.w, len(p)
	size := w.opts.ChunkSize
	if len(w.chunk) > 0 {
		k := min(len(p), size-len(w.chunk))
		w.chunk = append(w.chunk, p[:k]...)
		p = p[k:]
		if len(w.chunk) < size {
			return n, nil
		}
		if err := w.sw.WriteRecord(format.KindData, w.chunk); err != nil {
			return 0, err
		}
		w.chunk = w.chunk[:0]
	}
	for len(p) >= size {
		if err := w.sw.WriteRecord(format.KindData, p[:size]); err != nil {
			return 0, err
		}
		p = p[size:]
	}
	w.chunk = append(w.chunk, p...)
	return n, nil
}

// Close flushes the payload, writes the trailer (signing it when a Signer
// was given) and stops the hashing goroutine. It does not close dst.
func (w *SealWriter) Close() error {
	if w.closed {
		return w.err
	}
	if w.err == nil && !w.started {
		w.start(false)
	}
	if w.started && w.cur != nil && w.err == nil {
		w.dispatch()
	}
	w.closed = true
	if w.toHash != nil {
		close(w.toHash)
		<-w.hashed
	}
	if w.err != nil {
		return w.err
	}
	if err := w.ctx.Err(); err != nil {
		return w.fail(err)
	}
	if w.zw != nil {
		if err := w.zw.Close(); err != nil {
			return w.fail(err)
		}
	}
	if len(w.chunk) > 0 {
		if err := w.sw.WriteRecord(format.KindData, w.chunk); err != nil {
			return w.fail(err)
		}
	}
	copy(w.sum[:], w.hasher.Sum(nil))
	t := format.Trailer{Size: w.size, SHA256: w.sum}
	if s := w.opts.Signer; s != nil {
		t.SigAlg, _ = sigAlgOf(s.Public())
		id, err := PublicKeyID(s.Public())
		if err != nil {
			return w.fail(err)
		}
		t.SignerID = id
		t.Signature, err = Sign(s, signedStatement(w.header, w.size, w.sum))
		if err != nil {
			return w.fail(err)
		}
	}
	if err := w.sw.WriteRecord(format.KindFinal, t.Marshal()); err != nil {
		return w.fail(err)
	}
	return nil
}

// SHA256 returns the SHA-256 of the plaintext once Close has succeeded.
func (w *SealWriter) SHA256() []byte { return append([]byte(nil), w.sum[:]...) }

// Size returns the plaintext length written so far.
func (w *SealWriter) Size() int64 { return int64(w.size) }

// signedStatement is what an envelope signature covers.
func signedStatement(header []byte, size uint64, sum [32]byte) []byte {
	hh := sha256.Sum256(header)
	m := append([]byte(labelSignature), hh[:]...)
	m = binary.BigEndian.AppendUint64(m, size)
	return append(m, sum[:]...)
}

func sigAlgOf(pub stdcrypto.PublicKey) (byte, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return format.SigRSAPKCS1v15, nil
	case *ecdsa.PublicKey:
		return format.SigECDSAP256, nil
	case ed25519.PublicKey:
		return format.SigEd25519, nil
	}
	return 0, fmt.Errorf("%T: %w", pub, ErrUnsupportedKey)
}

// OpenOptions tunes Open.
type OpenOptions struct {
	// Senders, when set, are the certificates the envelope must be signed
	// by (any one of them), valid at Now. An unsigned envelope then fails
	// with ErrUnsigned, one signed by another key with ErrWrongSigner, an
	// expired sender certificate with ErrExpired. When empty the signature
	// is not checked (SignerKeyID still reports who claims to have signed).
	Senders []*x509.Certificate
	// Now is when sender certificates must be valid; zero means time.Now().
	Now time.Time
}

// OpenReader is the reading end of Open. Bytes it returns come from
// chunks that authenticated under the envelope's file key, but the
// envelope as a whole (its completeness, plaintext hash and signature) is
// only established when Read returns io.EOF: any other error means the
// bytes already read must be discarded. Close releases the decrypting
// goroutine and must be called.
type OpenReader struct {
	opts    OpenOptions
	header  []byte
	results chan chunkResult
	free    chan []byte
	done    chan struct{}
	once    sync.Once

	cur     []byte // unread plaintext of the current chunk
	curBuf  []byte
	dec     *zstd.Decoder
	payload io.Reader // decompressed or raw payload
	hasher  hash.Hash
	size    uint64
	err     error
	trailer *format.Trailer
	final   bool

	signerID   KeyID
	signed     bool
	flagSigned bool
	verified   *x509.Certificate
	sum        [32]byte
}

type chunkResult struct {
	buf   []byte
	plain []byte
	final bool
	err   error
}

// Open reads an envelope's header from src, unwraps the file key with key
// and returns a reader of the plaintext. key is the recipient's private
// key: a crypto.Decrypter with an RSA public key (*rsa.PrivateKey or an
// HSM handle), an *ecdsa.PrivateKey on P-256, an ed25519.PrivateKey, or an
// ECDHKey (*ecdh.PrivateKey, P-256 or X25519).
//
// Errors: ErrMalformed for a header that does not parse, ErrNotRecipient
// when no stanza names key, ErrTampered when the file key does not unwrap
// or the header MAC fails. Chunk and signature failures surface from Read.
func Open(ctx context.Context, src io.Reader, key stdcrypto.PrivateKey, opts OpenOptions) (*OpenReader, error) {
	const op = "crypto: open"
	u, err := newUnwrapper(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	h, body, err := format.Parse(src)
	if err != nil {
		if errors.Is(err, format.ErrMalformed) {
			return nil, fmt.Errorf("%s: %w: %v", op, ErrMalformed, err)
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var st *format.Stanza
	for i := range h.Stanzas {
		if KeyID(h.Stanzas[i].KeyID) == u.id {
			st = &h.Stanzas[i]
			break
		}
	}
	if st == nil {
		return nil, fmt.Errorf("%s: %d recipient(s), none is this key: %w", op, len(h.Stanzas), ErrNotRecipient)
	}
	if st.Type != u.typ {
		return nil, fmt.Errorf("%s: stanza type %d for a key that needs %d: %w", op, st.Type, u.typ, ErrTampered)
	}
	fileKey, err := u.unwrap(st.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	macKey, payloadKey, err := deriveKeys(fileKey, h.Salt[:])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if !hmac.Equal(headerMAC(macKey, body), h.MAC[:]) {
		return nil, fmt.Errorf("%s: header MAC: %w", op, ErrTampered)
	}
	sr, err := stream.NewReader(src, payloadKey, h.ChunkSize())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	r := &OpenReader{
		opts:    opts,
		header:  h.Marshal(),
		results: make(chan chunkResult, blockCount-1),
		free:    make(chan []byte, blockCount),
		done:    make(chan struct{}),
		hasher:  sha256.New(),

		flagSigned: h.Flags&format.FlagSigned != 0,
	}
	for range blockCount {
		r.free <- nil // allocated by stream.Reader.Next at the size records need
	}
	go r.decryptLoop(ctx, sr)
	r.payload = rawPayload{r}
	if h.Flags&format.FlagCompressed != 0 {
		r.dec, err = zstd.NewReader(rawPayload{r}, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(8<<20))
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		r.payload = r.dec
	}
	return r, nil
}

// decryptLoop opens records in its own goroutine, ahead of the reader.
func (r *OpenReader) decryptLoop(ctx context.Context, sr *stream.Reader) {
	for {
		var buf []byte
		select {
		case buf = <-r.free:
		case <-r.done:
			return
		}
		res := chunkResult{buf: buf}
		if err := ctx.Err(); err != nil {
			res.err = err
		} else {
			res.plain, res.final, res.err = sr.Next(buf)
			if res.plain != nil {
				res.buf = res.plain[:cap(res.plain)]
			}
		}
		select {
		case r.results <- res:
		case <-r.done:
			return
		}
		if res.err != nil || res.final {
			return
		}
	}
}

// rawPayload yields the decrypted payload bytes, stopping at the final record.
type rawPayload struct{ r *OpenReader }

func (p rawPayload) Read(b []byte) (int, error) {
	r := p.r
	for len(r.cur) == 0 {
		if r.curBuf != nil {
			r.free <- r.curBuf
			r.curBuf = nil
		}
		if r.final {
			return 0, io.EOF
		}
		res, ok := <-r.results
		if !ok {
			return 0, io.ErrUnexpectedEOF
		}
		if res.err != nil {
			return 0, mapStreamErr(res.err)
		}
		if res.final {
			t, err := format.ParseTrailer(res.plain)
			r.free <- res.buf
			if err != nil {
				return 0, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			r.trailer, r.final = t, true
			return 0, io.EOF
		}
		r.cur, r.curBuf = res.plain, res.buf
	}
	n := copy(b, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func mapStreamErr(err error) error {
	switch {
	case errors.Is(err, stream.ErrAuth):
		return fmt.Errorf("%w: %v", ErrTampered, err)
	case errors.Is(err, stream.ErrTruncated):
		return fmt.Errorf("%w: %v", ErrTruncated, err)
	case errors.Is(err, stream.ErrMalformed):
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	case errors.Is(err, stream.ErrTrailing):
		return ErrTrailingData
	}
	return err
}

// Read returns plaintext. See OpenReader for when it may be trusted.
func (r *OpenReader) Read(b []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.payload.Read(b)
	r.hasher.Write(b[:n])
	r.size += uint64(n)
	if err == io.EOF {
		if ferr := r.finish(); ferr != nil {
			r.err = fmt.Errorf("crypto: open: %w", ferr)
			return n, r.err
		}
		r.err = io.EOF
		return n, io.EOF
	}
	if err != nil {
		if r.dec != nil && !isEnvelopeErr(err) {
			// Both kept: a decoder failure, or an I/O error passed through it.
			err = fmt.Errorf("%w: payload does not decompress: %w", ErrMalformed, err)
		}
		r.err = fmt.Errorf("crypto: open: %w", err)
		return n, r.err
	}
	return n, nil
}

func isEnvelopeErr(err error) bool {
	for _, e := range []error{ErrTampered, ErrTruncated, ErrMalformed, ErrTrailingData, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// finish checks the trailer once the payload is exhausted.
func (r *OpenReader) finish() error {
	if !r.final {
		// The decompressor ended its frame before the payload did.
		if _, err := (rawPayload{r}).Read(make([]byte, 1)); err != io.EOF {
			if err == nil {
				return fmt.Errorf("%w: data after the compressed frame", ErrMalformed)
			}
			return err
		}
	}
	t := r.trailer
	copy(r.sum[:], r.hasher.Sum(nil))
	if t.Size != r.size || t.SHA256 != r.sum {
		return fmt.Errorf("%w: plaintext size or SHA-256 differs from the trailer", ErrTampered)
	}
	r.signed = t.SigAlg != format.SigNone
	if r.signed != r.flagSigned {
		return fmt.Errorf("%w: header and trailer disagree on the signature", ErrMalformed)
	}
	r.signerID = t.SignerID
	if len(r.opts.Senders) == 0 {
		return nil
	}
	if !r.signed {
		return ErrUnsigned
	}
	for _, c := range r.opts.Senders {
		id, err := PublicKeyID(c.PublicKey)
		if err != nil || id != r.signerID {
			continue
		}
		if err := checkValidity(c, r.opts.Now); err != nil {
			return fmt.Errorf("sender: %w", err)
		}
		if alg, err := sigAlgOf(c.PublicKey); err != nil || alg != t.SigAlg {
			return fmt.Errorf("signature algorithm %d does not fit the sender key: %w", t.SigAlg, ErrBadSignature)
		}
		if err := VerifyKey(c.PublicKey, signedStatement(r.header, t.Size, t.SHA256), t.Signature); err != nil {
			return err
		}
		r.verified = c
		return nil
	}
	return fmt.Errorf("%w: signer key %x is none of the %d expected sender(s)", ErrWrongSigner, r.signerID[:8], len(r.opts.Senders))
}

// Close stops the decrypting goroutine. It does not close src; a
// goroutine blocked reading src returns when that read does.
func (r *OpenReader) Close() error {
	r.once.Do(func() {
		close(r.done)
		if r.dec != nil {
			r.dec.Close()
		}
	})
	return nil
}

// SHA256 returns the plaintext SHA-256 once Read has returned io.EOF.
func (r *OpenReader) SHA256() []byte { return append([]byte(nil), r.sum[:]...) }

// Size returns the plaintext bytes read so far.
func (r *OpenReader) Size() int64 { return int64(r.size) }

// Signer returns the sender certificate whose signature was verified
// (nil when OpenOptions.Senders was empty), once Read has returned io.EOF.
func (r *OpenReader) Signer() *x509.Certificate { return r.verified }

// SignerKeyID returns the key id named by the envelope's signature and
// whether it is signed at all (not verified unless Signer is non-nil).
func (r *OpenReader) SignerKeyID() (KeyID, bool) { return r.signerID, r.signed }
