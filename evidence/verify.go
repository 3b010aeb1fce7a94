package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/trie"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
)

// Result is the outcome of one check.
type Result int

const (
	Pass Result = iota
	Warn        // worth a human look; does not fail the verdict
	Fail
)

func (r Result) String() string {
	switch r {
	case Pass:
		return "PASS"
	case Warn:
		return "WARN"
	}
	return "FAIL"
}

// Check is one verified claim.
type Check struct {
	Name   string
	Result Result
	Detail string
}

// Report is what Verify found.
type Report struct {
	Record Record // as the bundle states it (zero if transfer.json is unreadable)
	Checks []Check
	Online bool // the chain was asked too
}

// OK reports whether no check failed.
func (r *Report) OK() bool { return len(r.Failures()) == 0 }

// Failures returns the failed checks.
func (r *Report) Failures() []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Result == Fail {
			out = append(out, c)
		}
	}
	return out
}

// WriteText prints the report and its verdict for a person.
func (r *Report) WriteText(w io.Writer) {
	rec := r.Record
	if rec.ID != "" {
		fmt.Fprintf(w, "Evidence bundle of transfer %s\n", rec.ID)
		fmt.Fprintf(w, "  from      %s\n  to        %s\n", rec.From, rec.To)
		fmt.Fprintf(w, "  document  %s (%d bytes, SHA-256 %s)\n", rec.Document, rec.Size, rec.Hash)
		fmt.Fprintf(w, "  requested %s, status %s, transfer hash %s\n\n", rec.Timestamp, rec.Status, rec.TransferHash)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(w, "%s  %s: %s\n", c.Result, c.Name, c.Detail)
	}
	fails := r.Failures()
	where := "offline"
	if r.Online {
		where = "offline and against the chain"
	}
	if len(fails) == 0 {
		fmt.Fprintf(w, "\nVERDICT: VERIFIED (%d checks, %s): the bundle proves what was sent, when, by whom, to whom, and that it was received.\n", len(r.Checks), where)
		return
	}
	fmt.Fprintf(w, "\nVERDICT: NOT VERIFIED (%d of %d checks failed, %s):\n", len(fails), len(r.Checks), where)
	for _, c := range fails {
		fmt.Fprintf(w, "  - %s: %s\n", c.Name, c.Detail)
	}
}

// OnlineChain is the JSON-RPC connection Verify checks pins against;
// *ethclient.Client implements it.
type OnlineChain interface {
	chain.Backend
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Chain, when set, is asked whether the pins are on its canonical
	// chain and what the registry held at the pins' blocks.
	Chain OnlineChain
}

// Verify reads a bundle from r and checks it. It returns an error only
// when r cannot be read as a bundle at all (errors.Is(err,
// ErrMalformed)); every other problem is a failed check of the report.
func Verify(ctx context.Context, r io.Reader, opts VerifyOptions) (*Report, error) {
	files, _, err := readBundle(r)
	if err != nil {
		return nil, err
	}
	v := &verifier{files: files, rep: &Report{}}
	v.run(ctx, opts)
	return v.rep, nil
}

type verifier struct {
	files map[string][]byte
	rep   *Report

	idx     Index
	rec     Record
	from    destination.URI
	to      destination.URI
	at      time.Time // the transfer's timestamp
	certs   map[string]*x509.Certificate
	members map[string]MemberInfo
	ci      ChainInfo
	hasCI   bool
}

func (v *verifier) pass(name, format string, args ...any) {
	v.rep.Checks = append(v.rep.Checks, Check{name, Pass, fmt.Sprintf(format, args...)})
}

func (v *verifier) warn(name, format string, args ...any) {
	v.rep.Checks = append(v.rep.Checks, Check{name, Warn, fmt.Sprintf(format, args...)})
}

func (v *verifier) fail(name, format string, args ...any) {
	v.rep.Checks = append(v.rep.Checks, Check{name, Fail, fmt.Sprintf(format, args...)})
}

// decode reads a JSON file of the bundle strictly into dst.
func (v *verifier) decode(name string, dst any) error {
	b, ok := v.files[name]
	if !ok {
		return fmt.Errorf("%s is missing", name)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%s does not parse: %v", name, err)
	}
	if dec.More() {
		return fmt.Errorf("%s has data after its JSON value", name)
	}
	return nil
}

func (v *verifier) run(ctx context.Context, opts VerifyOptions) {
	if !v.checkIndex() {
		return
	}
	if !v.loadRecord() {
		return
	}
	v.loadParties()
	v.checkIndexSignature()
	v.checkTransferHash()
	v.checkSignatures()
	v.checkManifest()
	v.checkCertificates()
	v.checkIdentities()
	v.checkPins()
	v.checkTimeline()
	if opts.Chain != nil {
		v.rep.Online = true
		v.checkOnline(ctx, opts.Chain)
	}
}

// checkIndex checks that index.json lists exactly the other files, with
// their sizes and SHA-256.
func (v *verifier) checkIndex() bool {
	const name = "index"
	if err := v.decode(FileIndex, &v.idx); err != nil {
		v.fail(name, "%v", err)
		return false
	}
	if v.idx.Format != Format {
		v.fail(name, "format %q, this verifier reads %q", v.idx.Format, Format)
		return false
	}
	listed := map[string]bool{}
	bad := 0
	for _, f := range v.idx.Files {
		listed[f.Name] = true
		b, ok := v.files[f.Name]
		if !ok {
			v.fail("file "+f.Name, "listed in index.json but missing from the bundle")
			bad++
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 || int64(len(b)) != f.Size {
			v.fail("file "+f.Name, "SHA-256 %s (%d bytes), index.json says %s (%d bytes): the file was changed", got, len(b), f.SHA256, f.Size)
			bad++
		}
	}
	for n := range v.files {
		if !listed[n] && n != FileIndex && n != FileIndexSig {
			v.fail("file "+n, "in the bundle but not listed in index.json")
			bad++
		}
	}
	if bad == 0 {
		v.pass(name, "all %d files match the SHA-256 and size index.json gives", len(v.idx.Files))
	}
	return true
}

func (v *verifier) loadRecord() bool {
	if err := v.decode(FileTransfer, &v.rec); err != nil {
		v.fail("transfer record", "%v", err)
		return false
	}
	v.rep.Record = v.rec
	var err error
	ok := true
	if v.from, err = destination.Parse(v.rec.From); err != nil {
		v.fail("transfer record", "from: %v", err)
		ok = false
	}
	if v.to, err = destination.Parse(v.rec.To); err != nil {
		v.fail("transfer record", "to: %v", err)
		ok = false
	}
	if v.at, err = time.Parse(time.RFC3339Nano, v.rec.Timestamp); err != nil {
		v.fail("transfer record", "timestamp %q is not RFC 3339: %v", v.rec.Timestamp, err)
		ok = false
	}
	if v.rec.ID != v.idx.Transfer {
		v.fail("transfer record", "id %s, index.json is about %s", v.rec.ID, v.idx.Transfer)
	}
	return ok
}

func (v *verifier) loadParties() {
	v.certs, v.members = map[string]*x509.Certificate{}, map[string]MemberInfo{}
	for _, p := range []string{Sender, Recipient} {
		name := PartyFile(p, fileCertificate)
		b, ok := v.files[name]
		if !ok {
			v.fail(p+" certificate", "%s is missing", name)
			continue
		}
		c, err := crypto.ParseCertificatePEM(b)
		if err != nil {
			v.fail(p+" certificate", "%s: %v", name, err)
			continue
		}
		v.certs[p] = c
		var m MemberInfo
		if err := v.decode(PartyFile(p, fileMember), &m); err != nil {
			v.fail(p+" member", "%v", err)
			continue
		}
		v.members[p] = m
	}
}

func (v *verifier) checkIndexSignature() {
	const name = "index signature"
	c := v.certs[v.idx.SignedBy]
	if c == nil {
		v.fail(name, "signed by %q, which is neither %s nor %s with a certificate in the bundle", v.idx.SignedBy, Sender, Recipient)
		return
	}
	sig, ok := v.files[FileIndexSig]
	if !ok {
		v.fail(name, "%s is missing", FileIndexSig)
		return
	}
	at, err := time.Parse(time.RFC3339Nano, v.idx.Exported)
	if err != nil {
		v.fail(name, "index.json's export time %q is not RFC 3339", v.idx.Exported)
		return
	}
	if err := crypto.Verify(c, v.files[FileIndex], sig, at); err != nil {
		v.fail(name, "index.sig is not the %s destination's signature of index.json at %s: %v", v.idx.SignedBy, v.idx.Exported, err)
		return
	}
	v.pass(name, "index.json is signed by the %s destination (exported %s)", v.idx.SignedBy, v.idx.Exported)
}

func (v *verifier) checkTransferHash() {
	const name = "transfer hash"
	r := v.rec
	input := r.From + r.To + r.Hash + r.Timestamp
	want := crypto.TransferHash(r.From, r.To, r.Hash, r.Timestamp)
	switch {
	case r.TransferHash != want:
		v.fail(name, "the record says %s, but SHA-256(from + to + hash + timestamp) is %s", r.TransferHash, want)
	case string(v.files[FileTransferHashInput]) != input:
		v.fail(name, "%s is not from + to + hash + timestamp of the record", FileTransferHashInput)
	case string(v.files[FileTransferHash]) != r.TransferHash:
		v.fail(name, "%s is not the record's transfer hash", FileTransferHash)
	default:
		v.pass(name, "%s = SHA-256(from + to + hash + timestamp)", want)
	}
}

// checkSig checks a base64 signature of the transfer hash against a
// party's certificate at the transfer's time, and the binary copy of it.
func (v *verifier) checkSig(name, party, sigB64, binName string) {
	c := v.certs[party]
	if c == nil {
		v.fail(name, "no %s certificate to check it with", party)
		return
	}
	raw, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		v.fail(name, "the record's signature is not base64")
		return
	}
	if !bytes.Equal(raw, v.files[binName]) {
		v.fail(name, "%s is not the record's signature", binName)
		return
	}
	if err := crypto.Verify(c, []byte(v.rec.TransferHash), raw, v.at); err != nil {
		v.fail(name, "does not verify against the %s certificate (%s) at %s: %v", party, c.Subject.CommonName, v.rec.Timestamp, err)
		return
	}
	v.pass(name, "the %s destination signed the transfer hash (certificate %s)", party, c.Subject.CommonName)
}

func (v *verifier) checkSignatures() {
	v.checkSig("sender signature", Sender, v.rec.SenderSignature, FileSenderSig)
	if v.rec.Status != "received" || v.rec.RecipientSignature == "" {
		why := ""
		if v.rec.Error != "" {
			why = ": " + v.rec.Error
		}
		v.fail("receipt", "the transfer is %q, not received; there is no signed receipt%s", v.rec.Status, why)
		return
	}
	v.checkSig("receipt (recipient signature)", Recipient, v.rec.RecipientSignature, FileRecipientSig)
}

func (v *verifier) checkManifest() {
	const name = "manifest"
	if _, ok := v.files[FileManifest]; !ok {
		v.warn(name, "the node recorded no manifest for this transfer (sent before it kept them); the record's signatures still bind what was sent")
		return
	}
	var m Manifest
	if err := v.decode(FileManifest, &m); err != nil {
		v.fail(name, "%v", err)
		return
	}
	r := v.rec
	var diff []string
	for _, f := range []struct {
		field     string
		got, want any
	}{{"id", m.ID, r.ID}, {"from", m.From, r.From}, {"to", m.To, r.To}, {"hash", m.Hash, r.Hash}, {"size", m.Size, r.Size},
		{"timestamp", m.Timestamp, r.Timestamp}, {"transferHash", m.TransferHash, r.TransferHash},
		{"senderSignature", m.SenderSignature, r.SenderSignature}} {
		if f.got != f.want {
			diff = append(diff, fmt.Sprintf("%s %v (record: %v)", f.field, f.got, f.want))
		}
	}
	if len(diff) > 0 {
		v.fail(name, "it disagrees with the transfer record: %s", strings.Join(diff, ", "))
		return
	}
	if !bytes.Equal(v.files[FileManifestStatement], m.Statement()) {
		v.fail(name, "%s is not the statement of manifest.json", FileManifestStatement)
		return
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil || !bytes.Equal(sig, v.files[FileManifestSig]) {
		v.fail(name, "%s is not manifest.json's signature", FileManifestSig)
		return
	}
	c := v.certs[Sender]
	if c == nil {
		v.fail(name, "no sender certificate to check it with")
		return
	}
	if err := crypto.Verify(c, m.Statement(), sig, v.at); err != nil {
		v.fail(name, "its signature does not verify against the sender certificate: %v", err)
		return
	}
	v.pass(name, "signed by the sender: document %q, %d bytes in %d shards (%d sealed bytes), attempt %d", m.Name, m.Size, m.Shards, m.SealedSize, m.Attempt)
}

// requiredCN is the subject CN of a destination certificate (as
// app2app.RequiredCN makes it).
func requiredCN(u destination.URI) string {
	return u.Kind + ":" + u.Member + ":" + u.Environment + ":" + u.Name
}

func (v *verifier) checkCertificates() {
	for _, p := range []struct {
		party string
		uri   destination.URI
	}{{Sender, v.from}, {Recipient, v.to}} {
		name := p.party + " certificate"
		c := v.certs[p.party]
		if c == nil {
			continue // reported by loadParties
		}
		if want := requiredCN(p.uri); c.Subject.CommonName != want {
			v.fail(name, "its CN is %q; the certificate of %s must have CN %q", c.Subject.CommonName, p.uri, want)
			continue
		}
		if v.at.Before(c.NotBefore) || v.at.After(c.NotAfter) {
			v.fail(name, "valid %s to %s, not at the transfer's time %s", c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), v.rec.Timestamp)
			continue
		}
		if m, ok := v.members[p.party]; ok && m.Destination != p.uri.String() {
			v.fail(name, "member.json is about destination %s, the record names %s", m.Destination, p.uri)
			continue
		}
		v.pass(name, "CN %s, valid %s to %s", c.Subject.CommonName, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	}
}

func (v *verifier) checkIdentities() {
	for _, p := range []struct {
		party string
		uri   destination.URI
	}{{Sender, v.from}, {Recipient, v.to}} {
		name := p.party + " identity chain"
		m, ok := v.members[p.party]
		if !ok {
			continue // reported by loadParties
		}
		pemb, ok := v.files[PartyFile(p.party, fileIdentityChain)]
		if !ok {
			v.fail(name, "%s is missing", PartyFile(p.party, fileIdentityChain))
			continue
		}
		sum := sha256.Sum256(pemb)
		if got := hex.EncodeToString(sum[:]); got != m.ProofHash {
			v.fail(name, "its SHA-256 is %s; the registry's proof hash in member.json is %s", got, m.ProofHash)
			continue
		}
		if m.Name != p.uri.Member {
			v.fail(name, "member.json is about member %q; the destination belongs to %q", m.Name, p.uri.Member)
			continue
		}
		certs, err := crypto.ParseCertificatesPEM(pemb)
		if err != nil {
			v.fail(name, "%v", err)
			continue
		}
		env, nonce, _, err := crypto.ParseIdentityCN(certs[0].Subject.CommonName)
		if err != nil {
			v.fail(name, "%v", err)
			continue
		}
		if env != p.uri.Environment {
			v.fail(name, "its leaf names environment %q; the destination is in %q", env, p.uri.Environment)
			continue
		}
		proof, err := crypto.VerifyIdentityProof(pemb, crypto.IdentityPolicy{EnvironmentID: env, Nonce: nonce, Now: v.at})
		if err != nil {
			v.fail(name, "%v", err)
			continue
		}
		if proof.SelfSigned != m.SelfSigned {
			v.fail(name, "the chain is self-signed=%v, member.json says %v", proof.SelfSigned, m.SelfSigned)
			continue
		}
		how := "issued by " + strings.Join(proof.IssuerChain, " <- ")
		if proof.SelfSigned {
			how = "self-signed: no certificate authority vouches for the organization's name"
		}
		v.pass(name, "member %s (%q), %d certificate(s) valid at the transfer's time, %s", m.Name, proof.Organization, len(proof.Chain), how)
		if proof.SelfSigned {
			v.warn(name, "member %s's identity proof is self-signed", m.Name)
		}
	}
}

// pinData is one pin's chain data, decoded.
type pinData struct {
	header  *types.Header
	tx      *types.Transaction
	receipt *types.Receipt
}

func (v *verifier) checkPins() {
	if err := v.decode(FileChain, &v.ci); err != nil {
		v.fail("chain", "%v", err)
		return
	}
	v.hasCI = true
	if !common.IsHexAddress(v.ci.Pin) || !common.IsHexAddress(v.ci.Registry) {
		v.fail("chain", "chain.json's contract addresses %q and %q are not addresses", v.ci.Pin, v.ci.Registry)
		return
	}
	if v.ci.PinnedTopic != PinnedTopic.Hex() {
		v.fail("chain", "chain.json's Pinned topic %s is not keccak256(%q) = %s", v.ci.PinnedTopic, PinnedEventSignature, PinnedTopic.Hex())
		return
	}
	chainID, ok := new(big.Int).SetString(v.ci.ChainID, 10)
	if !ok {
		v.fail("chain", "chain id %q is not a decimal number", v.ci.ChainID)
		return
	}
	kinds := map[string]bool{}
	for _, pi := range v.ci.Pins {
		if kinds[pi.Kind] {
			v.fail("pin "+pi.Kind, "listed twice in chain.json")
			continue
		}
		kinds[pi.Kind] = true
		v.checkPin(pi, chainID)
	}
	if !kinds[PinTransfer] {
		v.warn("pin "+PinTransfer, "the transfer hash is not pinned on-chain: when it was sent rests on the parties' signatures and the exporting node's word")
	}
}

func (v *verifier) checkPin(pi PinInfo, chainID *big.Int) {
	name := "pin " + pi.Kind
	want := map[string]string{PinTransfer: v.rec.TransferHash, PinDocument: v.rec.Hash}[pi.Kind]
	if want == "" {
		v.fail(name, "unknown pin kind %q", pi.Kind)
		return
	}
	if pi.Hash != want {
		v.fail(name, "pins %s; the record's %s is %s", pi.Hash, pi.Kind, want)
		return
	}
	if err := v.checkPinData(pi, chainID); err != nil {
		v.fail(name, "%v", err)
		return
	}
	by := common.HexToAddress(pi.By)
	owner := v.members[Sender].Owner
	who := "the account " + by.Hex()
	if owner != "" && common.HexToAddress(owner) == by {
		who += ", the sender member's registered owner"
	}
	v.pass(name, "transaction %s in block %d (%s) at %s, by %s; header, transaction and receipt roots, status and Pinned event check",
		pi.Tx, pi.Block, pi.BlockHash, pi.Timestamp, who)
	if pi.Kind == PinTransfer && owner != "" && common.HexToAddress(owner) != by {
		v.warn(name, "pinned by %s, not by the sender member's registered owner %s", by.Hex(), owner)
	}
}

// checkPinData decodes and checks one pin's files: the header hashes to the
// block hash, its transaction and receipt roots are those of the block's
// transactions and receipts, the pin transaction is in the block and
// went to the Pin contract, its receipt succeeded and carries the
// Pinned event of the hash by the account that signed it.
func (v *verifier) checkPinData(pi PinInfo, chainID *big.Int) error {
	f := func(n string) string { return PinFile(pi.Kind, n) }
	d := &pinData{}
	raw := func(n string) ([]byte, error) {
		b, ok := v.files[f(n)]
		if !ok {
			return nil, fmt.Errorf("%s is missing", f(n))
		}
		return b, nil
	}
	b, err := raw(fileHeader)
	if err != nil {
		return err
	}
	d.header = new(types.Header)
	if err := json.Unmarshal(b, d.header); err != nil {
		return fmt.Errorf("%s does not parse: %v", f(fileHeader), err)
	}
	var stated struct {
		Hash common.Hash `json:"hash"`
	}
	_ = json.Unmarshal(b, &stated)
	bh := d.header.Hash()
	switch {
	case bh != common.HexToHash(pi.BlockHash):
		return fmt.Errorf("the block header hashes to %s, not to the block hash %s", bh.Hex(), pi.BlockHash)
	case stated.Hash != bh:
		return fmt.Errorf("%s states hash %s but hashes to %s", f(fileHeader), stated.Hash.Hex(), bh.Hex())
	case d.header.Number == nil || d.header.Number.Uint64() != pi.Block:
		return fmt.Errorf("the block header is of block %v, not %d", d.header.Number, pi.Block)
	case time.Unix(int64(d.header.Time), 0).UTC().Format(time.RFC3339Nano) != pi.Timestamp:
		return fmt.Errorf("the block's time is %s, chain.json says %s", time.Unix(int64(d.header.Time), 0).UTC().Format(time.RFC3339), pi.Timestamp)
	}
	if b, err = raw(fileBlockTxs); err != nil {
		return err
	}
	var txs types.Transactions
	if err := json.Unmarshal(b, &txs); err != nil {
		return fmt.Errorf("%s does not parse: %v", f(fileBlockTxs), err)
	}
	if root := types.DeriveSha(txs, trie.NewStackTrie(nil)); root != d.header.TxHash {
		return fmt.Errorf("the block's transactions have root %s, the header says %s", root.Hex(), d.header.TxHash.Hex())
	}
	if b, err = raw(fileBlockReceipts); err != nil {
		return err
	}
	var rcs types.Receipts
	if err := json.Unmarshal(b, &rcs); err != nil {
		return fmt.Errorf("%s does not parse: %v", f(fileBlockReceipts), err)
	}
	if root := types.DeriveSha(rcs, trie.NewStackTrie(nil)); root != d.header.ReceiptHash {
		return fmt.Errorf("the block's receipts have root %s, the header says %s", root.Hex(), d.header.ReceiptHash.Hex())
	}
	if len(rcs) != len(txs) {
		return fmt.Errorf("%d receipts for %d transactions", len(rcs), len(txs))
	}
	if b, err = raw(fileTx); err != nil {
		return err
	}
	d.tx = new(types.Transaction)
	if err := json.Unmarshal(b, d.tx); err != nil {
		return fmt.Errorf("%s does not parse: %v", f(fileTx), err)
	}
	if d.tx.Hash() != common.HexToHash(pi.Tx) {
		return fmt.Errorf("the transaction hashes to %s, not %s", d.tx.Hash().Hex(), pi.Tx)
	}
	if b, err = raw(fileReceipt); err != nil {
		return err
	}
	d.receipt = new(types.Receipt)
	if err := json.Unmarshal(b, d.receipt); err != nil {
		return fmt.Errorf("%s does not parse: %v", f(fileReceipt), err)
	}
	rc := d.receipt
	i := int(rc.TransactionIndex)
	switch {
	case rc.TxHash != d.tx.Hash():
		return fmt.Errorf("the receipt is of transaction %s", rc.TxHash.Hex())
	case rc.BlockHash != bh:
		return fmt.Errorf("the receipt is of block %s, not %s", rc.BlockHash.Hex(), bh.Hex())
	case i >= len(txs) || txs[i].Hash() != d.tx.Hash():
		return fmt.Errorf("the block does not hold the transaction at index %d", i)
	case !sameReceipt(rc, rcs[i]):
		return fmt.Errorf("%s differs from the block's receipt %d", f(fileReceipt), i)
	case rc.Status != types.ReceiptStatusSuccessful:
		return fmt.Errorf("the pin transaction failed (receipt status %d)", rc.Status)
	case d.tx.To() == nil || *d.tx.To() != common.HexToAddress(v.ci.Pin):
		return fmt.Errorf("the transaction is not a call of the Pin contract %s", v.ci.Pin)
	}
	from, err := types.Sender(types.LatestSignerForChainID(chainID), d.tx)
	if err != nil {
		return fmt.Errorf("the transaction's signature does not recover a sender on chain %s: %v", chainID, err)
	}
	if from != common.HexToAddress(pi.By) {
		return fmt.Errorf("the transaction was signed by %s, chain.json says %s", from.Hex(), pi.By)
	}
	if !hasPinLog(rc, common.HexToAddress(v.ci.Pin), pi.Hash, from) {
		return fmt.Errorf("the receipt has no Pinned(%s, %s) event of the Pin contract", pi.Hash, from.Hex())
	}
	return nil
}

func sameReceipt(a, b *types.Receipt) bool {
	x, err1 := a.MarshalJSON()
	y, err2 := b.MarshalJSON()
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// hasPinLog reports whether rc holds the Pin contract's Pinned event of
// hash (hex) by by.
func hasPinLog(rc *types.Receipt, pin common.Address, hash string, by common.Address) bool {
	h := common.HexToHash(hash)
	return slices.ContainsFunc(rc.Logs, func(l *types.Log) bool {
		return l.Address == pin && len(l.Topics) >= 3 && l.Topics[0] == PinnedTopic && l.Topics[1] == h &&
			l.Topics[2] == common.BytesToHash(by.Bytes())
	})
}

func (v *verifier) checkTimeline() {
	const name = "timeline"
	var events []Event
	if err := v.decode(FileTimeline, &events); err != nil {
		v.fail(name, "%v", err)
		return
	}
	pins := map[string]string{}
	for _, p := range v.ci.Pins {
		pins[map[string]string{PinTransfer: EventPinned, PinDocument: EventDocPinned}[p.Kind]] = p.Timestamp
	}
	var prev time.Time
	for i, e := range events {
		t, err := time.Parse(time.RFC3339Nano, e.Time)
		if err != nil {
			v.fail(name, "event %d (%s): time %q is not RFC 3339", i+1, e.Event, e.Time)
			return
		}
		if t.Before(prev) {
			v.fail(name, "event %d (%s) at %s comes before the event above it", i+1, e.Event, e.Time)
			return
		}
		prev = t
		var want string
		switch e.Event {
		case EventRequested:
			want = v.rec.Timestamp
		case EventPinned, EventDocPinned:
			want = pins[e.Event]
		case EventExported:
			want = v.idx.Exported
		}
		if want != "" && want != e.Time {
			v.fail(name, "%q at %s, but its source (%s) says %s", e.Event, e.Time, e.Source, want)
			return
		}
	}
	var lines []string
	for _, e := range events {
		lines = append(lines, e.Time+" "+e.Event)
	}
	v.pass(name, "%s", strings.Join(lines, "; "))
}

// checkOnline asks the chain about every pin and the registry.
func (v *verifier) checkOnline(ctx context.Context, c OnlineChain) {
	if !v.hasCI {
		return
	}
	id, err := c.ChainID(ctx)
	if err != nil {
		v.fail("chain (online)", "reading the chain id: %v", err)
		return
	}
	if id.String() != v.ci.ChainID {
		v.fail("chain (online)", "the endpoint serves chain %s; the bundle's pins are on chain %s", id, v.ci.ChainID)
		return
	}
	v.pass("chain (online)", "the endpoint serves chain %s", id)
	var pinBlock uint64
	for _, pi := range v.ci.Pins {
		if v.checkPinOnline(ctx, c, pi) && pi.Kind == PinTransfer {
			pinBlock = pi.Block
		}
	}
	v.checkRegistryOnline(ctx, c, pinBlock)
}

func (v *verifier) checkPinOnline(ctx context.Context, c OnlineChain, pi PinInfo) bool {
	name := "pin " + pi.Kind + " (online)"
	h, err := c.HeaderByNumber(ctx, new(big.Int).SetUint64(pi.Block))
	if err != nil {
		v.fail(name, "the chain has no block %d (%v): the pin is not on this chain", pi.Block, err)
		return false
	}
	if h.Hash() != common.HexToHash(pi.BlockHash) {
		v.fail(name, "block %d of the canonical chain is %s, the bundle's is %s: the pin is not on this chain", pi.Block, h.Hash().Hex(), pi.BlockHash)
		return false
	}
	rc, err := c.TransactionReceipt(ctx, common.HexToHash(pi.Tx))
	if err != nil {
		v.fail(name, "the chain has no receipt of transaction %s: %v", pi.Tx, err)
		return false
	}
	switch {
	case rc.BlockHash != h.Hash():
		v.fail(name, "the chain has transaction %s in block %s, not in %s", pi.Tx, rc.BlockHash.Hex(), pi.BlockHash)
		return false
	case rc.Status != types.ReceiptStatusSuccessful:
		v.fail(name, "the chain's receipt of %s has status %d", pi.Tx, rc.Status)
		return false
	case !hasPinLog(rc, common.HexToAddress(v.ci.Pin), pi.Hash, common.HexToAddress(pi.By)):
		v.fail(name, "the chain's receipt of %s carries no Pinned event of %s", pi.Tx, pi.Hash)
		return false
	}
	head, err := c.BlockNumber(ctx)
	if err != nil {
		head = pi.Block
	}
	// The contract's own record of the hash: the first pin's block.
	p, err := chain.NewPinner(ctx, c, common.HexToAddress(v.ci.Pin), nil)
	if err == nil {
		var proof chain.Proof
		proof, err = p.Prove(ctx, common.HexToHash(pi.Hash))
		if err == nil && (proof.Block != pi.Block || proof.Tx != common.HexToHash(pi.Tx)) {
			err = fmt.Errorf("the contract records the first pin in block %d, transaction %s", proof.Block, proof.Tx.Hex())
		}
	}
	if err != nil {
		v.fail(name, "the Pin contract %s does not prove the pin: %v", v.ci.Pin, err)
		return false
	}
	v.pass(name, "block %d is %s on the canonical chain (%d confirmations), the receipt succeeded with the Pinned event, and the Pin contract proves it",
		pi.Block, pi.BlockHash, head-pi.Block+1)
	return true
}

// checkRegistryOnline compares each party's identity proof hash, owner
// and destination certificate with the registry at the transfer pin's
// block (or the latest block when there is no pin or the node keeps no
// state that old).
func (v *verifier) checkRegistryOnline(ctx context.Context, c OnlineChain, height uint64) {
	if !common.IsHexAddress(v.ci.Registry) {
		return
	}
	reg, err := chain.NewRegistry(ctx, c, nil, chain.RegistryConfig{Address: common.HexToAddress(v.ci.Registry),
		EnvironmentID: v.from.Environment, NoCache: true})
	if err != nil {
		v.fail("registry (online)", "%v", err)
		return
	}
	defer reg.Close()
	for _, p := range []struct {
		party string
		uri   destination.URI
	}{{Sender, v.from}, {Recipient, v.to}} {
		name := p.party + " registry entry (online)"
		info, ok := v.members[p.party]
		if !ok {
			continue
		}
		at := fmt.Sprintf("at block %d (the pin's)", height)
		m, err := reg.MemberAt(ctx, p.uri.Member, height)
		if err != nil && height > 0 && !errors.Is(err, chain.ErrUnknownMember) {
			at = "at the latest block (the node keeps no state of the pin's block)"
			m, err = reg.MemberAt(ctx, p.uri.Member, 0)
		}
		if height == 0 {
			at = "at the latest block"
		}
		if err != nil {
			v.fail(name, "member %s %s: %v", p.uri.Member, at, err)
			continue
		}
		cert := v.files[PartyFile(p.party, fileCertificate)]
		switch {
		case hex.EncodeToString(m.Identity.ProofHash[:]) != info.ProofHash:
			v.fail(name, "the registry's proof hash of %s %s is %x, the bundle's %s", m.Name, at, m.Identity.ProofHash, info.ProofHash)
		case m.Owner != common.HexToAddress(info.Owner):
			v.fail(name, "the registry's owner of %s %s is %s, the bundle's %s", m.Name, at, m.Owner.Hex(), info.Owner)
		case m.Profile[chain.DestinationKeyPrefix+p.uri.String()] != string(cert):
			v.fail(name, "the registry %s does not publish the bundle's certificate for %s", at, p.uri)
		default:
			v.pass(name, "the registry %s holds member %s with this identity proof and owner, publishing this certificate for %s", at, m.Name, p.uri)
		}
	}
}
