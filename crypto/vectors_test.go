package crypto

// Test vectors live in ../testdata/crypto: keys/ holds fixed keys and
// certificates, vectors/ one file per case. A vector is a text header of
// "name: value" lines, a blank line, then the artifact (an envelope, a PEM
// chain or a base64 signature):
//
//	expect: ok | error <Sentinel>
//	kind: envelope | idproof | transfer-signature
//	...kind-specific fields (key, from, now, env, nonce, roots, cert, transfer-hash, sha256)
//
// TestVectors walks them; `go test ./crypto -run TestVectors -update`
// regenerates keys and vectors (the artifacts change, the expectations
// must not).

import (
	"bufio"
	"bytes"
	"context"
	stdcrypto "crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/crypto/internal/format"
)

var update = flag.Bool("update", false, "regenerate testdata/crypto keys and vectors")

const vectorDir = "../testdata/crypto"

var sentinels = map[string]error{
	"ErrBadSignature": ErrBadSignature, "ErrWrongSigner": ErrWrongSigner, "ErrUnsigned": ErrUnsigned,
	"ErrExpired": ErrExpired, "ErrNotRecipient": ErrNotRecipient, "ErrMalformed": ErrMalformed,
	"ErrTampered": ErrTampered, "ErrTruncated": ErrTruncated, "ErrTrailingData": ErrTrailingData,
	"ErrBadChain": ErrBadChain, "ErrBadNonce": ErrBadNonce, "ErrWrongEnvironment": ErrWrongEnvironment,
	"ErrRevoked": ErrRevoked, "ErrBadPEM": ErrBadPEM,
}

type vector struct {
	name   string
	fields map[string]string
	body   []byte
}

func parseVector(name string, data []byte) (*vector, error) {
	head, body, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		return nil, fmt.Errorf("%s: no blank line after the header", name)
	}
	v := &vector{name: name, fields: map[string]string{}, body: body}
	sc := bufio.NewScanner(bytes.NewReader(head))
	for sc.Scan() {
		k, val, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			return nil, fmt.Errorf("%s: header line %q", name, sc.Text())
		}
		v.fields[k] = val
	}
	if v.fields["expect"] == "" || v.fields["kind"] == "" {
		return nil, fmt.Errorf("%s: needs expect and kind", name)
	}
	return v, nil
}

func loadKey(t testing.TB, name string) stdcrypto.Signer {
	t.Helper()
	return loadPEM(t, name+".key", ParsePrivateKeyPEM)
}

func loadCert(t testing.TB, name string) *x509.Certificate {
	t.Helper()
	return loadPEM(t, name+".crt", ParseCertificatePEM)
}

// loadPEM reads file from the vectors' keys folder and parses it.
func loadPEM[T any](t testing.TB, file string, parse func([]byte) (T, error)) T {
	t.Helper()
	v, err := ReadPEMFile(filepath.Join(vectorDir, "keys", file), parse)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVectors(t *testing.T) {
	if *update {
		generateVectors(t)
	}
	files, err := filepath.Glob(filepath.Join(vectorDir, "vectors", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors in %s: %v", vectorDir, err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v, err := parseVector(name, data)
			if err != nil {
				t.Fatal(err)
			}
			err = v.run(t)
			expect := v.fields["expect"]
			if expect == "ok" {
				if err != nil {
					t.Fatalf("expected success, got %v", err)
				}
				return
			}
			want, ok := sentinels[strings.TrimPrefix(expect, "error ")]
			if !ok {
				t.Fatalf("unknown expectation %q", expect)
			}
			if !errors.Is(err, want) {
				t.Fatalf("expected %v, got %v", want, err)
			}
		})
	}
}

func (v *vector) now(t *testing.T) time.Time {
	n, err := time.Parse(time.RFC3339, v.fields["now"])
	if err != nil {
		t.Fatalf("now: %v", err)
	}
	return n
}

func (v *vector) run(t *testing.T) error {
	f := v.fields
	switch f["kind"] {
	case "envelope":
		opts := OpenOptions{Now: v.now(t)}
		if f["from"] != "" {
			opts.Senders = []*x509.Certificate{loadCert(t, f["from"])}
		}
		r, err := Open(context.Background(), bytes.NewReader(v.body), loadKey(t, f["key"]), opts)
		if err != nil {
			return err
		}
		defer r.Close()
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != f["sha256"] {
			t.Fatalf("opened, but plaintext SHA-256 %s differs from %s", got, f["sha256"])
		}
		return nil
	case "idproof":
		p := IdentityPolicy{EnvironmentID: f["env"], Nonce: f["nonce"], Now: v.now(t)}
		if f["roots"] != "" {
			p.Roots = x509.NewCertPool()
			p.Roots.AddCert(loadCert(t, f["roots"]))
		}
		proof, err := VerifyIdentityProof(v.body, p)
		if err == nil && f["organization"] != proof.Organization {
			t.Fatalf("organization %q, vector says %q", proof.Organization, f["organization"])
		}
		return err
	case "transfer-signature":
		return VerifyTransferHash(loadCert(t, f["cert"]), f["transfer-hash"], strings.TrimSpace(string(v.body)), v.now(t))
	}
	t.Fatalf("unknown kind %q", f["kind"])
	return nil
}

// ---- generation (only with -update) ----

var (
	vecNow       = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	vecNotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	vecNotAfter  = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
)

func writeVector(t *testing.T, name string, fields [][2]string, body []byte) {
	t.Helper()
	var b bytes.Buffer
	for _, kv := range fields {
		fmt.Fprintf(&b, "%s: %s\n", kv[0], kv[1])
	}
	fmt.Fprintf(&b, "now: %s\n\n", vecNow.Format(time.RFC3339))
	b.Write(body)
	if err := os.WriteFile(filepath.Join(vectorDir, "vectors", name+".txt"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func saveDest(t *testing.T, name string, d testDest) {
	t.Helper()
	kp, err := MarshalPrivateKeyPEM(d.key)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(vectorDir, "keys")
	if err := os.WriteFile(filepath.Join(dir, name+".key"), kp, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), MarshalCertificatePEM(d.cert), 0o644); err != nil {
		t.Fatal(err)
	}
}

// records splits an envelope into header and records.
func records(t *testing.T, env []byte) (header []byte, recs [][]byte) {
	t.Helper()
	r := bytes.NewReader(env)
	if _, _, err := format.Parse(r); err != nil {
		t.Fatal(err)
	}
	off := len(env) - r.Len()
	header = env[:off]
	for off < len(env) {
		n := int(binary.BigEndian.Uint32(env[off+1:]))
		recs = append(recs, env[off:off+format.RecordHeaderSize+n])
		off += format.RecordHeaderSize + n
	}
	return header, recs
}

func generateVectors(t *testing.T) {
	for _, d := range []string{"keys", "vectors"} {
		os.MkdirAll(filepath.Join(vectorDir, d), 0o755)
	}
	old, _ := filepath.Glob(filepath.Join(vectorDir, "vectors", "*.txt"))
	for _, f := range old {
		os.Remove(f)
	}
	mk := func(name string, alg KeyAlgorithm, nb, na time.Time) testDest {
		d := issue(t, alg, nil, name, "", false, nb, na)
		saveDest(t, name, d)
		return d
	}
	rcptRSA := mk("recipient-rsa", RSA2048, vecNotBefore, vecNotAfter)
	rcptP256 := mk("recipient-p256", P256, vecNotBefore, vecNotAfter)
	rcptEd := mk("recipient-ed25519", Ed25519, vecNotBefore, vecNotAfter)
	sndP256 := mk("sender-p256", P256, vecNotBefore, vecNotAfter)
	sndRSA := mk("sender-rsa", RSA2048, vecNotBefore, vecNotAfter)
	other := mk("other-p256", P256, vecNotBefore, vecNotAfter)
	expired := mk("sender-expired", P256, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))

	seal := func(plain []byte, to testDest, signer stdcrypto.Signer, comp Compression) []byte {
		var buf bytes.Buffer
		w, err := Seal(context.Background(), &buf, []*x509.Certificate{to.cert}, SealOptions{Signer: signer, ChunkSize: 1 << 10, Compression: comp, Now: vecNow})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	plain := []byte(strings.Repeat("Consign test vector plaintext, four chunks of one KiB. ", 70))[:3500]
	sum := sha256.Sum256(plain)
	hexSum := hex.EncodeToString(sum[:])
	random := bytes.Repeat([]byte{0}, 2500)
	for i := range random {
		random[i] = byte(i*131 + i/7*17) // deterministic, poorly compressible
	}
	rsum := sha256.Sum256(random)

	env := func(name, expect, key, from string, sha string, body []byte) {
		f := [][2]string{{"expect", expect}, {"kind", "envelope"}, {"key", key}}
		if from != "" {
			f = append(f, [2]string{"from", from})
		}
		f = append(f, [2]string{"sha256", sha})
		writeVector(t, name, f, body)
	}
	good := seal(plain, rcptP256, sndP256.key, CompressNever)
	env("envelope-good-p256", "ok", "recipient-p256", "sender-p256", hexSum, good)
	env("envelope-good-rsa-compressed", "ok", "recipient-rsa", "sender-rsa", hexSum, seal(plain, rcptRSA, sndRSA.key, CompressAlways))
	env("envelope-good-ed25519-unsigned", "ok", "recipient-ed25519", "", hex.EncodeToString(rsum[:]), seal(random, rcptEd, nil, CompressAuto))
	env("envelope-good-empty", "ok", "recipient-p256", "sender-rsa", hex.EncodeToString(func() []byte { s := sha256.Sum256(nil); return s[:] }()), seal(nil, rcptP256, sndRSA.key, CompressAuto))

	hdr, recs := records(t, good)
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 0x01; return c }
	env("envelope-tampered-header", "error ErrTampered", "recipient-p256", "sender-p256", hexSum, flip(good, len(format.Magic)+5)) // a salt byte
	env("envelope-tampered-stanza", "error ErrTampered", "recipient-p256", "sender-p256", hexSum, flip(good, len(hdr)-format.MACSize-3))
	env("envelope-tampered-mac", "error ErrTampered", "recipient-p256", "sender-p256", hexSum, flip(good, len(hdr)-1))
	env("envelope-tampered-chunk", "error ErrTampered", "recipient-p256", "sender-p256", hexSum, flip(good, len(hdr)+len(recs[0])+100))
	env("envelope-truncated", "error ErrTruncated", "recipient-p256", "sender-p256", hexSum, join(append([][]byte{hdr}, recs[:len(recs)-1]...)...))
	env("envelope-truncated-mid-chunk", "error ErrTruncated", "recipient-p256", "sender-p256", hexSum, good[:len(hdr)+len(recs[0])+50])
	env("envelope-reordered-chunks", "error ErrTampered", "recipient-p256", "sender-p256", hexSum, join(append([][]byte{hdr, recs[1], recs[0]}, recs[2:]...)...))
	env("envelope-dropped-chunk", "error ErrTampered", "recipient-p256", "sender-p256", hexSum, join(append([][]byte{hdr, recs[0]}, recs[2:]...)...))
	env("envelope-trailing-data", "error ErrTrailingData", "recipient-p256", "sender-p256", hexSum, append(bytes.Clone(good), recs[0]...))
	env("envelope-wrong-recipient", "error ErrNotRecipient", "recipient-p256", "sender-p256", hexSum, seal(plain, rcptEd, sndP256.key, CompressNever))
	env("envelope-wrong-signer", "error ErrWrongSigner", "recipient-p256", "sender-p256", hexSum, seal(plain, rcptP256, other.key, CompressNever))
	env("envelope-expired-sender", "error ErrExpired", "recipient-p256", "sender-expired", hexSum, seal(plain, rcptP256, expired.key, CompressNever))
	env("envelope-unsigned", "error ErrUnsigned", "recipient-p256", "sender-p256", hexSum, seal(plain, rcptP256, nil, CompressNever))
	env("envelope-not-an-envelope", "error ErrMalformed", "recipient-p256", "", hexSum, []byte("-----BEGIN PKCS7-----\nMIIB\n"))

	// Identity proofs.
	root := issue(t, P256, nil, "Acme Root CA", "Acme Corp", true, vecNotBefore, vecNotAfter)
	saveDest(t, "idproof-root", root)
	inter := issue(t, P256, &root, "Acme Issuing CA", "Acme Corp", true, vecNotBefore, vecNotAfter)
	leaf := issue(t, P256, &inter, "zzenv1-nonce42--Acme Corp", "Acme Corp", false, vecNotBefore, vecNotAfter)
	self := issue(t, RSA2048, nil, "zzenv1-nonce42--Solo Ltd", "", false, vecNotBefore, vecNotAfter)
	fakeInter := issue(t, P256, nil, "Acme Issuing CA", "Acme Corp", true, vecNotBefore, vecNotAfter)
	forged := issue(t, P256, &fakeInter, "zzenv1-nonce42--Acme Corp", "", false, vecNotBefore, vecNotAfter)
	evil := issue(t, P256, nil, "Evil Inc Root", "Evil Inc", true, vecNotBefore, vecNotAfter)
	impostor := issue(t, P256, &evil, "zzenv1-nonce42--Acme Corp", "", false, vecNotBefore, vecNotAfter)
	oldLeaf := issue(t, P256, &inter, "zzenv1-nonce42--Acme Corp", "", false, vecNotBefore, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	id := func(name, expect, env, nonce, roots, org string, chain []byte) {
		f := [][2]string{{"expect", expect}, {"kind", "idproof"}, {"env", env}, {"nonce", nonce}}
		if roots != "" {
			f = append(f, [2]string{"roots", roots})
		}
		if org != "" {
			f = append(f, [2]string{"organization", org})
		}
		writeVector(t, name, f, chain)
	}
	full := chainPEM(leaf.cert, inter.cert, root.cert)
	id("idproof-good-ca-chain", "ok", "zzenv1", "nonce42", "", "Acme Corp", full)
	id("idproof-good-with-roots", "ok", "zzenv1", "nonce42", "idproof-root", "Acme Corp", chainPEM(leaf.cert, inter.cert))
	id("idproof-good-self-signed", "ok", "zzenv1", "nonce42", "", "Solo Ltd", chainPEM(self.cert))
	id("idproof-forged-chain", "error ErrBadChain", "zzenv1", "nonce42", "", "", chainPEM(forged.cert, inter.cert, root.cert))
	id("idproof-untrusted-issuer", "error ErrBadChain", "zzenv1", "nonce42", "idproof-root", "", chainPEM(impostor.cert, evil.cert))
	id("idproof-replayed-nonce", "error ErrBadNonce", "zzenv1", "nonce43", "", "", full)
	id("idproof-wrong-environment", "error ErrWrongEnvironment", "zzenv2", "nonce42", "", "", full)
	id("idproof-expired", "error ErrExpired", "zzenv1", "nonce42", "", "", chainPEM(oldLeaf.cert, inter.cert, root.cert))
	id("idproof-truncated-pem", "error ErrBadChain", "zzenv1", "nonce42", "", "", full[:len(full)/2])

	// Transfer-hash signatures.
	th := TransferHash("kld://documentstore/m/a/e/zzenv1/s/s1/d/x", "kld://documentstore/m/b/e/zzenv1/s/s2/d/y",
		hexSum, "2026-06-01T00:00:00.000Z")
	sig := func(name, expect, cert string, signer stdcrypto.Signer) {
		s, err := SignTransferHash(signer, th)
		if err != nil {
			t.Fatal(err)
		}
		writeVector(t, name, [][2]string{{"expect", expect}, {"kind", "transfer-signature"}, {"cert", cert}, {"transfer-hash", th}}, []byte(s+"\n"))
	}
	sig("signature-good-rsa", "ok", "sender-rsa", sndRSA.key)
	sig("signature-good-p256", "ok", "sender-p256", sndP256.key)
	sig("signature-wrong-signer", "error ErrBadSignature", "sender-rsa", other.key)
	sig("signature-expired-cert", "error ErrExpired", "sender-expired", expired.key)

	names, _ := filepath.Glob(filepath.Join(vectorDir, "vectors", "*.txt"))
	sort.Strings(names)
	t.Logf("wrote %d vectors", len(names))
}
