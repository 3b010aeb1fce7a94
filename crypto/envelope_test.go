package crypto

import (
	"bytes"
	"context"
	stdcrypto "crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/crypto/internal/format"
)

type testDest struct {
	key  stdcrypto.Signer
	cert *x509.Certificate
}

var (
	destMu    sync.Mutex
	destCache = map[KeyAlgorithm]testDest{}
)

// dest returns a cached destination of the given kind (RSA key generation
// is slow; tests share keys).
func dest(t testing.TB, alg KeyAlgorithm, cn string) testDest {
	t.Helper()
	destMu.Lock()
	defer destMu.Unlock()
	k := KeyAlgorithm(string(alg) + "/" + cn)
	if d, ok := destCache[k]; ok {
		return d
	}
	key, cert, err := GenerateDestination(cn, alg)
	if err != nil {
		t.Fatal(err)
	}
	d := testDest{key, cert}
	destCache[k] = d
	return d
}

func sealBytes(t testing.TB, plain []byte, to []*x509.Certificate, opts SealOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := Seal(context.Background(), &buf, to, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Write in odd pieces to exercise buffering.
	for p := plain; len(p) > 0; {
		n := min(len(p), 7777)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(plain); !bytes.Equal(w.SHA256(), sum[:]) || w.Size() != int64(len(plain)) {
		t.Fatalf("seal reports sha %x size %d", w.SHA256(), w.Size())
	}
	return buf.Bytes()
}

func openBytes(env []byte, key stdcrypto.PrivateKey, opts OpenOptions) ([]byte, *OpenReader, error) {
	r, err := Open(context.Background(), bytes.NewReader(env), key, opts)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	out, err := io.ReadAll(r)
	return out, r, err
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestSealOpenRoundTrip(t *testing.T) {
	algs := []KeyAlgorithm{RSA2048, P256, Ed25519}
	sender := dest(t, P256, "sender")
	sizes := []int{0, 1, 1023, 1024, 1025, 64 << 10, 300 << 10, 1<<20 + 3}
	for _, alg := range algs {
		rcpt := dest(t, alg, "rcpt")
		for _, n := range sizes {
			for _, comp := range []Compression{CompressAuto, CompressNever, CompressAlways} {
				plain := randBytes(n)
				if comp == CompressAlways {
					plain = bytes.Repeat([]byte("consign "), n/8+1)[:n]
				}
				env := sealBytes(t, plain, []*x509.Certificate{rcpt.cert}, SealOptions{Signer: sender.key, Compression: comp, ChunkSize: 1 << 10})
				got, r, err := openBytes(env, rcpt.key, OpenOptions{Senders: []*x509.Certificate{sender.cert}})
				if err != nil {
					t.Fatalf("%s n=%d comp=%d: %v", alg, n, comp, err)
				}
				if !bytes.Equal(got, plain) {
					t.Fatalf("%s n=%d: plaintext differs", alg, n)
				}
				if r.Signer() != sender.cert {
					t.Fatalf("signer not reported")
				}
				if comp == CompressAlways && n > 4096 && len(env) > n/2 {
					t.Fatalf("repetitive data did not compress: %d -> %d", n, len(env))
				}
			}
		}
	}
}

func TestSealMultipleRecipients(t *testing.T) {
	a, b, c := dest(t, RSA2048, "a"), dest(t, P256, "b"), dest(t, Ed25519, "c")
	plain := randBytes(100_000)
	env := sealBytes(t, plain, []*x509.Certificate{a.cert, b.cert}, SealOptions{})
	for _, d := range []testDest{a, b} {
		got, _, err := openBytes(env, d.key, OpenOptions{})
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("recipient %s: %v", d.cert.Subject.CommonName, err)
		}
	}
	if _, _, err := openBytes(env, c.key, OpenOptions{}); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("outsider: got %v, want ErrNotRecipient", err)
	}
}

func TestOpenSignatureChecks(t *testing.T) {
	rcpt, sender, other := dest(t, P256, "rcpt"), dest(t, RSA2048, "sender"), dest(t, Ed25519, "other")
	plain := []byte("hello")
	signed := sealBytes(t, plain, []*x509.Certificate{rcpt.cert}, SealOptions{Signer: sender.key})
	unsigned := sealBytes(t, plain, []*x509.Certificate{rcpt.cert}, SealOptions{})
	cases := []struct {
		name string
		env  []byte
		opts OpenOptions
		want error
	}{
		{"good", signed, OpenOptions{Senders: []*x509.Certificate{other.cert, sender.cert}}, nil},
		{"unchecked", unsigned, OpenOptions{}, nil},
		{"unsigned", unsigned, OpenOptions{Senders: []*x509.Certificate{sender.cert}}, ErrUnsigned},
		{"wrong signer", signed, OpenOptions{Senders: []*x509.Certificate{other.cert}}, ErrWrongSigner},
		{"expired sender", signed, OpenOptions{Senders: []*x509.Certificate{sender.cert}, Now: time.Now().Add(2 * DefaultValidity)}, ErrExpired},
	}
	for _, c := range cases {
		got, _, err := openBytes(c.env, rcpt.key, c.opts)
		if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		if c.want == nil && !bytes.Equal(got, plain) {
			t.Errorf("%s: plaintext differs", c.name)
		}
	}
}

// TestTamperEveryByte flips one bit in each byte of a small envelope
// (several chunks, compressed and not) and requires that opening fails.
func TestTamperEveryByte(t *testing.T) {
	rcpt, sender := dest(t, P256, "rcpt"), dest(t, P256, "sender")
	for _, comp := range []Compression{CompressNever, CompressAlways} {
		plain := bytes.Repeat([]byte("0123456789abcdef"), 200) // 3200 bytes, 4 chunks of 1 KiB
		env := sealBytes(t, plain, []*x509.Certificate{rcpt.cert}, SealOptions{Signer: sender.key, ChunkSize: 1 << 10, Compression: comp})
		for i := range env {
			bad := bytes.Clone(env)
			bad[i] ^= 0x10
			if got, _, err := openBytes(bad, rcpt.key, OpenOptions{Senders: []*x509.Certificate{sender.cert}}); err == nil {
				t.Fatalf("byte %d flipped: opened %d bytes without error", i, len(got))
			}
		}
		for n := 0; n < len(env); n++ {
			if _, _, err := openBytes(env[:n], rcpt.key, OpenOptions{}); err == nil {
				t.Fatalf("truncated at %d of %d: no error", n, len(env))
			}
		}
		if _, _, err := openBytes(append(bytes.Clone(env), 0), rcpt.key, OpenOptions{}); !errors.Is(err, ErrTrailingData) {
			t.Fatalf("trailing byte: %v", err)
		}
	}
}

func TestSealCancel(t *testing.T) {
	rcpt := dest(t, P256, "rcpt")
	ctx, cancel := context.WithCancel(context.Background())
	var buf bytes.Buffer
	w, err := Seal(ctx, &buf, []*x509.Certificate{rcpt.cert}, SealOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(randBytes(1 << 20))
	cancel()
	if _, err := w.Write([]byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("write after cancel: %v", err)
	}
	if err := w.Close(); !errors.Is(err, context.Canceled) {
		t.Fatalf("close after cancel: %v", err)
	}
	if _, _, err := openBytes(buf.Bytes(), rcpt.key, OpenOptions{}); !errors.Is(err, ErrTruncated) {
		t.Fatalf("open of cancelled envelope: %v", err)
	}
}

func TestSealRefusesExpiredRecipient(t *testing.T) {
	key, _ := GenerateKey(P256)
	old, err := SelfSign(key, "old", time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Seal(context.Background(), io.Discard, []*x509.Certificate{old}, SealOptions{}); !errors.Is(err, ErrExpired) {
		t.Fatalf("got %v", err)
	}
}

// TestLargeStreamBoundedMemory seals and opens a large stream through a
// pipe (64 MiB, or 1 GiB with CONSIGN_TEST_LARGE=1) and checks that the
// bytes allocated on the way stay far below the document size.
func TestLargeStreamBoundedMemory(t *testing.T) {
	size := int64(64 << 20)
	if os.Getenv("CONSIGN_TEST_LARGE") == "1" {
		size = 1 << 30
	}
	rcpt, sender := dest(t, P256, "rcpt"), dest(t, P256, "sender")
	src := io.LimitReader(keystreamReader(), size)
	want := sha256.New()
	pr, pw := io.Pipe()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	go func() {
		w, err := Seal(context.Background(), pw, []*x509.Certificate{rcpt.cert}, SealOptions{Signer: sender.key})
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		if _, err := io.CopyBuffer(w, io.TeeReader(src, want), make([]byte, 1<<20)); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(w.Close())
	}()
	r, err := Open(context.Background(), pr, rcpt.key, OpenOptions{Senders: []*x509.Certificate{sender.cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := io.CopyBuffer(io.Discard, r, make([]byte, 1<<20))
	if err != nil || n != size {
		t.Fatalf("opened %d of %d bytes: %v", n, size, err)
	}
	runtime.ReadMemStats(&after)
	if !bytes.Equal(r.SHA256(), want.Sum(nil)) {
		t.Fatal("hash differs")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Fatalf("allocated %d MiB to stream %d MiB", alloc>>20, size>>20)
	}
}

// keystreamReader yields fast pseudo-random bytes (AES-CTR keystream).
func keystreamReader() io.Reader {
	b, _ := aes.NewCipher(make([]byte, 32))
	return cipher.StreamReader{S: cipher.NewCTR(b, make([]byte, 16)), R: zeroReader{}}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestCompressionAutoProbe(t *testing.T) {
	rcpt := dest(t, P256, "rcpt")
	flags := func(env []byte) byte { return env[len(format.Magic)] }
	random := sealBytes(t, randBytes(200_000), []*x509.Certificate{rcpt.cert}, SealOptions{})
	if flags(random)&format.FlagCompressed != 0 {
		t.Fatal("incompressible data was compressed")
	}
	text := bytes.Repeat([]byte("a compressible line of a business document\n"), 5000)
	env := sealBytes(t, text, []*x509.Certificate{rcpt.cert}, SealOptions{})
	if flags(env)&format.FlagCompressed == 0 || len(env) > len(text)/4 {
		t.Fatalf("text not compressed: %d -> %d", len(text), len(env))
	}
	tiny := sealBytes(t, []byte("tiny tiny tiny tiny"), []*x509.Certificate{rcpt.cert}, SealOptions{})
	if flags(tiny)&format.FlagCompressed != 0 {
		t.Fatal("a tiny payload was compressed")
	}
}
