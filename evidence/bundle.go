package evidence

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// Format names the bundle layout this package writes and reads.
const Format = "consign-evidence/1"

// ContentType is the media type of a bundle (a POSIX tar file).
const ContentType = "application/x-tar"

// Names of the files of a bundle. Per-party files live under sender/
// and recipient/, per-pin files under chain/pins/<kind>/.
const (
	FileIndex             = "index.json"
	FileIndexSig          = "index.sig"
	FileTransfer          = "transfer.json"
	FileTransferHashInput = "transfer-hash-input.txt"
	FileTransferHash      = "transfer-hash.txt"
	FileSenderSig         = "sender-signature.bin"
	FileRecipientSig      = "recipient-signature.bin"
	FileManifest          = "manifest.json"
	FileManifestStatement = "manifest-statement.txt"
	FileManifestSig       = "manifest-signature.bin"
	FileTimeline          = "timeline.json"
	FileChain             = "chain/chain.json"

	// In a party's folder.
	fileCertificate   = "certificate.pem"
	fileIdentityChain = "identity-chain.pem"
	fileMember        = "member.json"

	// In a pin's folder.
	fileTx            = "transaction.json"
	fileReceipt       = "receipt.json"
	fileHeader        = "block-header.json"
	fileBlockTxs      = "block-transactions.json"
	fileBlockReceipts = "block-receipts.json"
)

// Parties and pin kinds.
const (
	Sender    = "sender"
	Recipient = "recipient"

	PinTransfer = "transfer-hash" // the pin of the transfer hash
	PinDocument = "document-hash" // a pin of the document's SHA-256
)

// PartyFile is the name of a party's file in the bundle.
func PartyFile(party, name string) string { return party + "/" + name }

// PinFile is the name of a pin's file in the bundle.
func PinFile(kind, name string) string { return "chain/pins/" + kind + "/" + name }

// Limits on what Verify reads.
const (
	maxFileSize  = 16 << 20 // one file (a block's transactions may be large)
	maxTotalSize = 64 << 20
	maxFiles     = 64
)

// Index is index.json: the bundle's table of contents. Every file but
// index.json and index.sig is listed, sorted by name; index.sig is the
// signature of index.json's bytes by the destination SignedBy names
// (sender or recipient), whose certificate is in the bundle.
type Index struct {
	Format   string      `json:"format"`
	Transfer string      `json:"transfer"` // the transfer id
	Exported string      `json:"exported"` // RFC 3339 UTC, when the bundle was made
	SignedBy string      `json:"signedBy"` // Sender or Recipient
	Files    []IndexFile `json:"files"`
}

// IndexFile is one file of the bundle.
type IndexFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Record is transfer.json: the transfer record as API.md defines it,
// with the side of the exporting node.
type Record struct {
	ID                 string `json:"id"`
	Timestamp          string `json:"timestamp"`
	From               string `json:"from"`
	To                 string `json:"to"`
	Hash               string `json:"hash"`
	Size               int64  `json:"size"`
	Document           string `json:"document"`
	Status             string `json:"status"`
	TransferHash       string `json:"transferHash"`
	SenderSignature    string `json:"senderSignature"`
	RecipientSignature string `json:"recipientSignature,omitempty"`
	Error              string `json:"error,omitempty"`
	// ExportedBy is the side whose log the record comes from: Sender or
	// Recipient.
	ExportedBy string `json:"exportedBy"`
}

// Manifest is manifest.json: the manifest record as it travelled
// (docstore's wire format, version 1).
type Manifest struct {
	V               int    `json:"v"`
	ID              string `json:"id"`
	Attempt         int    `json:"attempt"`
	From            string `json:"from"`
	To              string `json:"to"`
	Name            string `json:"name"`
	Hash            string `json:"hash"`
	Size            int64  `json:"size"`
	Timestamp       string `json:"timestamp"`
	Shards          int    `json:"shards"`
	SealedSize      int64  `json:"sealedSize"`
	TransferHash    string `json:"transferHash"`
	SenderSignature string `json:"senderSignature"`
	Signature       string `json:"signature"`
}

// Statement is what the manifest's Signature signs (docstore's manifest
// statement: the fields joined by line feeds after a fixed label).
func (m *Manifest) Statement() []byte {
	return []byte(strings.Join([]string{"consign/v1 transfer manifest", m.ID, fmt.Sprint(m.Attempt), m.From, m.To,
		m.Name, m.Hash, fmt.Sprint(m.Size), m.Timestamp, fmt.Sprint(m.Shards), fmt.Sprint(m.SealedSize)}, "\n"))
}

// MemberInfo is a party's member.json: its registry entry.
type MemberInfo struct {
	Name         string `json:"name"`
	Owner        string `json:"owner"`     // the Ethereum address owning the entry
	ProofHash    string `json:"proofHash"` // sha256 of identity-chain.pem, as stored on-chain (hex)
	SelfSigned   bool   `json:"selfSigned"`
	Organization string `json:"organization"`
	RegisteredAt uint64 `json:"registeredAt"` // block number
	Status       string `json:"status"`
	Destination  string `json:"destination"` // the destination URI whose certificate is beside
}

// ChainInfo is chain/chain.json.
type ChainInfo struct {
	ChainID  string `json:"chainId"` // decimal
	Registry string `json:"registry"`
	Pin      string `json:"pin"` // the Pin contract
	// PinnedTopic is topic 0 of the Pin contract's event
	// Pinned(bytes32 indexed hash, address indexed by, uint64 timestamp):
	// keccak256 of that signature.
	PinnedTopic string    `json:"pinnedTopic"`
	Pins        []PinInfo `json:"pins"`
}

// PinInfo names one pin and where it is.
type PinInfo struct {
	Kind      string `json:"kind"` // PinTransfer or PinDocument
	Hash      string `json:"hash"` // the pinned hash (hex, no 0x)
	Tx        string `json:"tx"`
	Block     uint64 `json:"block"`
	BlockHash string `json:"blockHash"`
	By        string `json:"by"` // the account that pinned
	Timestamp string `json:"timestamp"`
}

// Event is one entry of timeline.json.
type Event struct {
	Time  string `json:"time"` // RFC 3339 UTC
	Event string `json:"event"`
	// Source says what vouches for the time: "transfer hash" (signed by
	// both parties), "block header" (the chain), or "exporting node"
	// (only the index signature).
	Source string `json:"source"`
}

// Timeline events.
const (
	EventRequested = "transfer requested (the record's timestamp)"
	EventSent      = "document and manifest sent"
	EventPinned    = "transfer hash pinned on-chain"
	EventDocPinned = "document hash pinned on-chain"
	EventReceived  = "signed receipt accepted by the sender's node"
	EventExported  = "bundle exported"
)

// Sources of timeline times.
const (
	SourceTransferHash = "transfer hash"
	SourceBlock        = "block header"
	SourceNode         = "exporting node"
)

// marshal encodes v as indented JSON with a final line feed.
func marshal(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // only package types are marshalled
	}
	return append(b, '\n')
}

// file is one file of a bundle being written.
type file struct {
	name string
	data []byte
}

// writeBundle writes files as a tar: index.json first (listing the
// others), then index.sig, then the files in name order.
func writeBundle(w io.Writer, files []file, idx Index, sign func([]byte) ([]byte, error), mtime time.Time) error {
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	idx.Files = idx.Files[:0]
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		idx.Files = append(idx.Files, IndexFile{Name: f.name, Size: int64(len(f.data)), SHA256: hex.EncodeToString(sum[:])})
	}
	ib := marshal(idx)
	sig, err := sign(ib)
	if err != nil {
		return fmt.Errorf("evidence: signing the index: %w", err)
	}
	tw := tar.NewWriter(w)
	all := append([]file{{FileIndex, ib}, {FileIndexSig, sig}}, files...)
	for _, f := range all {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("evidence: writing %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("evidence: writing %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("evidence: closing the bundle: %w", err)
	}
	return nil
}

// ErrMalformed marks a bundle that cannot be read as one (not a tar,
// too large, an unsafe or repeated name).
var ErrMalformed = errors.New("malformed evidence bundle")

// readBundle reads the files of a bundle, bounded by the limits above.
func readBundle(r io.Reader) (map[string][]byte, []string, error) {
	tr := tar.NewReader(r)
	files := map[string][]byte{}
	var order []string
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: not a readable tar file: %v", ErrMalformed, err)
		}
		name := hdr.Name
		switch {
		case hdr.Typeflag == tar.TypeDir:
			continue
		case hdr.Typeflag != tar.TypeReg:
			return nil, nil, fmt.Errorf("%w: %q is not a regular file", ErrMalformed, name)
		case name == "" || path.Clean(name) != name || strings.HasPrefix(name, "/") || strings.HasPrefix(name, "../") || name == "..":
			return nil, nil, fmt.Errorf("%w: unsafe file name %q", ErrMalformed, name)
		case files[name] != nil:
			return nil, nil, fmt.Errorf("%w: %q appears twice", ErrMalformed, name)
		case len(files) >= maxFiles:
			return nil, nil, fmt.Errorf("%w: more than %d files", ErrMalformed, maxFiles)
		case hdr.Size > maxFileSize:
			return nil, nil, fmt.Errorf("%w: %q is %d bytes, more than %d", ErrMalformed, name, hdr.Size, maxFileSize)
		}
		total += hdr.Size
		if total > maxTotalSize {
			return nil, nil, fmt.Errorf("%w: more than %d bytes in all", ErrMalformed, maxTotalSize)
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, io.LimitReader(tr, maxFileSize+1)); err != nil {
			return nil, nil, fmt.Errorf("%w: reading %q: %v", ErrMalformed, name, err)
		}
		files[name] = append([]byte{}, buf.Bytes()...)
		order = append(order, name)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%w: no files", ErrMalformed)
	}
	return files, order, nil
}
