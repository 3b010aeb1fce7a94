package evidence_test

import (
	"archive/tar"
	"bytes"
	"context"
	stdcrypto "crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/evidence"
	"github.com/consign/consign/internal/textutil"
)

// The in-process layer: a transfer made up from real keys and
// certificates, registered and pinned on a simulated chain (the real
// transfer on geth is cmd/consign's TestEvidenceBundleOnRealChain).

type party struct {
	uri  destination.URI
	key  stdcrypto.Signer
	cert *x509.Certificate
}

type fixture struct {
	dc               *chain.DevChain
	sender, receiver party
	ev               docstore.TransferEvidence
	ex               *evidence.Exporter
}

type transfers struct{ ev *docstore.TransferEvidence }

func (f transfers) Evidence(_ context.Context, member, id string) (docstore.TransferEvidence, error) {
	if id != f.ev.ID || member != f.ev.Member {
		return docstore.TransferEvidence{}, fmt.Errorf("transfer %q: %w", id, docstore.ErrUnknownTransfer)
	}
	return *f.ev, nil
}

func (f *fixture) ManagedKey(uri destination.URI) (string, stdcrypto.Signer, *x509.Certificate, error) {
	for _, p := range []party{f.sender, f.receiver} {
		if p.uri == uri {
			return uri.Member, p.key, p.cert, nil
		}
	}
	return "", nil, nil, destination.ErrUnknownDestination
}

func newParty(t *testing.T, member string) party {
	t.Helper()
	u := destination.URI{Scheme: "kld", Kind: "documentstore", Member: member, Environment: "evtest", Service: member + "-ds", Name: "docs"}
	k, c, err := crypto.GenerateDestination(u.Kind+":"+u.Member+":"+u.Environment+":"+u.Name, crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	return party{uri: u, key: k, cert: c}
}

func newFixture(t *testing.T, pin bool) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{sender: newParty(t, "alpha"), receiver: newParty(t, "beta")}
	var members []chain.DevMember
	for _, p := range []party{f.sender, f.receiver} {
		members = append(members, chain.DevMember{Name: p.uri.Member,
			Destinations: map[destination.URI][]byte{p.uri: crypto.MarshalCertificatePEM(p.cert)}})
	}
	dc, err := chain.StartDev(ctx, chain.DevConfig{EnvironmentID: "evtest", Members: members})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	f.dc = dc

	now := time.Now()
	hash := strings.Repeat("ab", 32)
	ts := textutil.Timestamp(now)
	th := crypto.TransferHash(f.sender.uri.String(), f.receiver.uri.String(), hash, ts)
	ssig, _ := crypto.SignTransferHash(f.sender.key, th)
	rsig, _ := crypto.SignTransferHash(f.receiver.key, th)
	m := evidence.Manifest{V: 1, ID: "6f1c1e7c-58c4-4bd6-9a5b-2a4a0c1b1f00", Attempt: 1, From: f.sender.uri.String(), To: f.receiver.uri.String(),
		Name: "contract.pdf", Hash: hash, Size: 1234, Timestamp: ts, Shards: 1, SealedSize: 1500, TransferHash: th, SenderSignature: ssig}
	msig, _ := crypto.Sign(f.sender.key, m.Statement())
	m.Signature = b64(msig)
	mj, _ := json.Marshal(m)
	f.ev = docstore.TransferEvidence{Transfer: docstore.Transfer{ID: m.ID, Direction: docstore.Outgoing, Member: "alpha", Timestamp: ts,
		From: f.sender.uri, To: f.receiver.uri, Document: "/out/contract.pdf", Hash: hash, Size: 1234, Status: docstore.StatusReceived,
		TransferHash: th, SenderSignature: ssig, RecipientSignature: rsig, Created: now},
		Manifest: mj, SentAt: now.Add(time.Millisecond), AckedAt: now.Add(2 * time.Millisecond)}
	if pin {
		p, err := chain.NewPinner(ctx, dc.Backend, dc.Addresses.Pin, chain.NewKeySigner(dc.MemberKeys["alpha"]))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := hex.DecodeString(th)
		if _, err := p.Pin(ctx, [32]byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	f.ex, err = evidence.NewExporter(evidence.Config{Transfers: transfers{&f.ev}, Registry: dc.Registry, Pins: dc.Pinner,
		Chain: dc.Backend.(evidence.ChainReader), Keys: f})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func b64(b []byte) string {
	var sb strings.Builder
	enc := base64Encoder(&sb)
	enc.Write(b)
	enc.Close()
	return sb.String()
}

func (f *fixture) export(t *testing.T) map[string][]byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.ex.Export(t.Context(), "alpha", f.ev.ID, &buf); err != nil {
		t.Fatal(err)
	}
	return untar(t, buf.Bytes())
}

func untar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name], _ = io.ReadAll(tr)
	}
}

func pack(files map[string][]byte) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for n, d := range files {
		tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(d)), Typeflag: tar.TypeReg})
		tw.Write(d)
	}
	tw.Close()
	return buf.Bytes()
}

func verify(t *testing.T, files map[string][]byte, online evidence.OnlineChain) *evidence.Report {
	t.Helper()
	rep, err := evidence.Verify(t.Context(), bytes.NewReader(pack(files)), evidence.VerifyOptions{Chain: online})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func text(r *evidence.Report) string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}

func failed(r *evidence.Report, name string) bool {
	for _, c := range r.Failures() {
		if c.Name == name {
			return true
		}
	}
	return false
}

// resign rewrites the index of files and signs it with key: what an
// exporter with that key could produce.
func resign(t *testing.T, files map[string][]byte, key stdcrypto.Signer) {
	t.Helper()
	var idx evidence.Index
	if err := json.Unmarshal(files[evidence.FileIndex], &idx); err != nil {
		t.Fatal(err)
	}
	for i, f := range idx.Files {
		sum := sha256.Sum256(files[f.Name])
		idx.Files[i].SHA256, idx.Files[i].Size = hex.EncodeToString(sum[:]), int64(len(files[f.Name]))
	}
	b, _ := json.MarshalIndent(idx, "", "  ")
	b = append(b, '\n')
	files[evidence.FileIndex] = b
	sig, err := crypto.Sign(key, b)
	if err != nil {
		t.Fatal(err)
	}
	files[evidence.FileIndexSig] = sig
}

func TestExportVerify(t *testing.T) {
	f := newFixture(t, true)
	files := f.export(t)
	rep := verify(t, files, f.dc.Backend)
	if !rep.OK() {
		t.Fatalf("a fresh bundle does not verify:\n%s", text(rep))
	}
	if !strings.Contains(text(rep), "VERDICT: VERIFIED") || !strings.Contains(text(rep), "the sender member's registered owner") {
		t.Errorf("report:\n%s", text(rep))
	}

	// The exporter signs with its own key whatever it claims: a swapped
	// recipient certificate, with the recipient's signatures made again
	// by the swapped key and the index re-signed, passes offline but not
	// against the registry.
	evil := newParty(t, "beta")
	forged := maps(files)
	forged[evidence.PartyFile(evidence.Recipient, "certificate.pem")] = crypto.MarshalCertificatePEM(evil.cert)
	var rec evidence.Record
	json.Unmarshal(files[evidence.FileTransfer], &rec)
	rsig, _ := crypto.SignTransferHash(evil.key, rec.TransferHash)
	rec.RecipientSignature = rsig
	forged[evidence.FileTransfer], _ = json.MarshalIndent(rec, "", "  ")
	forged[evidence.FileRecipientSig] = mustB64(t, rsig)
	resign(t, forged, f.sender.key)
	if rep := verify(t, forged, nil); !rep.OK() {
		t.Fatalf("the consistent forgery should pass offline (only the registry can tell):\n%s", text(rep))
	}
	if rep := verify(t, forged, f.dc.Backend); rep.OK() || !failed(rep, "recipient registry entry (online)") {
		t.Errorf("a swapped certificate against the registry:\n%s", text(rep))
	}
}

func TestExportErrors(t *testing.T) {
	f := newFixture(t, false)
	var buf bytes.Buffer
	if err := f.ex.Export(t.Context(), "alpha", "00000000-0000-4000-8000-000000000000", &buf); !errors.Is(err, docstore.ErrUnknownTransfer) || buf.Len() != 0 {
		t.Errorf("unknown transfer: %v, %d bytes written", err, buf.Len())
	}
	if err := f.ex.Export(t.Context(), "beta", f.ev.ID, &buf); !errors.Is(err, docstore.ErrUnknownTransfer) {
		t.Errorf("another member's transfer: %v", err)
	}
	// Not pinned: the bundle verifies, with a warning.
	files := f.export(t)
	rep := verify(t, files, nil)
	if !rep.OK() || !strings.Contains(text(rep), "WARN  pin transfer-hash: the transfer hash is not pinned") {
		t.Errorf("an unpinned transfer:\n%s", text(rep))
	}
	// Not received: no receipt, no verdict.
	f.ev.Status, f.ev.RecipientSignature = docstore.StatusSent, ""
	rep = verify(t, f.export(t), nil)
	if rep.OK() || !failed(rep, "receipt") {
		t.Errorf("an unacknowledged transfer:\n%s", text(rep))
	}
	// Not sent yet: nothing to prove.
	f.ev.TransferHash, f.ev.SenderSignature = "", ""
	if err := f.ex.Export(t.Context(), "alpha", f.ev.ID, &buf); !errors.Is(err, evidence.ErrNotReady) {
		t.Errorf("a transfer not sent: %v", err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":    nil,
		"not tar":  []byte("hello, this is not a tar file at all................................"),
		"no files": pack(map[string][]byte{}),
		"unsafe":   pack(map[string][]byte{"../index.json": []byte("{}")}),
	} {
		if _, err := evidence.Verify(t.Context(), bytes.NewReader(b), evidence.VerifyOptions{}); !errors.Is(err, evidence.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	rep, err := evidence.Verify(t.Context(), bytes.NewReader(pack(map[string][]byte{"index.json": []byte(`{"format":"other/2"}`)})), evidence.VerifyOptions{})
	if err != nil || rep.OK() || !strings.Contains(text(rep), `format "other/2"`) {
		t.Errorf("another format: %v\n%s", err, text(rep))
	}
}

// FuzzVerify feeds arbitrary bytes, and bundles with one byte changed,
// to Verify: it must never panic, and a changed bundle must never verify.
func FuzzVerify(f *testing.F) {
	f.Add([]byte{}, uint32(0))
	f.Add(pack(map[string][]byte{"index.json": []byte(`{"format":"consign-evidence/1","files":[]}`)}), uint32(10))
	f.Fuzz(func(t *testing.T, b []byte, _ uint32) {
		rep, err := evidence.Verify(context.Background(), bytes.NewReader(b), evidence.VerifyOptions{})
		if err == nil && rep.OK() && len(rep.Checks) > 0 {
			// Only a bundle signed by a destination key verifies; random
			// input cannot be one.
			t.Fatalf("random input verifies:\n%s", text(rep))
		}
	})
}

func maps(m map[string][]byte) map[string][]byte {
	c := map[string][]byte{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

func base64Encoder(w io.Writer) io.WriteCloser { return base64.NewEncoder(base64.StdEncoding, w) }

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
