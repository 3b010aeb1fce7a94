package evidence

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/errkind"
)

// PinnedEventSignature is the Pin contract's event whose keccak256 is
// topic 0 of every pin log.
const PinnedEventSignature = "Pinned(bytes32,address,uint64)"

// PinnedTopic is keccak256(PinnedEventSignature).
var PinnedTopic = ethcrypto.Keccak256Hash([]byte(PinnedEventSignature))

// Transfers gives what the node recorded about a transfer;
// *docstore.Transfers implements it.
type Transfers interface {
	Evidence(ctx context.Context, member, id string) (docstore.TransferEvidence, error)
}

// Registry reads members and destinations; *chain.Registry implements it.
type Registry interface {
	Member(ctx context.Context, name string) (*chain.Member, error)
	Destination(ctx context.Context, uri destination.URI) (chain.Destination, error)
	Address() common.Address
}

// Pins proves pins; *chain.Pinner implements it.
type Pins interface {
	Prove(ctx context.Context, hash [32]byte) (chain.Proof, error)
	Address() common.Address
}

// ChainReader reads transactions, receipts and blocks; *ethclient.Client
// and the simulated backend's client implement it.
type ChainReader interface {
	ChainID(ctx context.Context) (*big.Int, error)
	TransactionReceipt(ctx context.Context, tx common.Hash) (*types.Receipt, error)
	BlockByHash(ctx context.Context, hash common.Hash) (*types.Block, error)
}

// Config wires an Exporter. Every field is required but Now.
type Config struct {
	Transfers Transfers
	Registry  Registry
	Pins      Pins
	Chain     ChainReader
	// Keys gives the exporting destination's key, which signs the index.
	Keys docstore.KeySource
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Validate reports the first missing field.
func (c Config) Validate() error {
	switch {
	case c.Transfers == nil:
		return errors.New("evidence: config: Transfers is required")
	case c.Registry == nil:
		return errors.New("evidence: config: Registry is required")
	case c.Pins == nil:
		return errors.New("evidence: config: Pins is required")
	case c.Chain == nil:
		return errors.New("evidence: config: Chain is required")
	case c.Keys == nil:
		return errors.New("evidence: config: Keys is required")
	}
	return nil
}

// Exporter makes evidence bundles of the transfers in a node's log.
type Exporter struct{ cfg Config }

// NewExporter returns an Exporter reading from cfg's sources.
func NewExporter(cfg Config) (*Exporter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Exporter{cfg: cfg}, nil
}

// Sentinel errors of Export, besides docstore.ErrUnknownTransfer.
var (
	// ErrNotReady means the transfer has no transfer hash yet (it was not
	// sent yet): there is nothing to prove.
	ErrNotReady = errkind.New(errkind.Conflict, "transfer not sent yet")
	// ErrUnavailable means a source (the registry, the chain) could not
	// be read; trying again later may work.
	ErrUnavailable = errkind.New(errkind.Unavailable, "evidence source unavailable")
)

// Export writes the evidence bundle of transfer id of member's log to w.
// Everything is gathered before the first byte is written, so an error
// (docstore.ErrUnknownTransfer, ErrNotReady, ErrUnavailable) leaves w
// untouched; the bundle is small (certificates, signatures and a few
// blocks' data, not the document).
func (e *Exporter) Export(ctx context.Context, member, id string, w io.Writer) error {
	b, err := e.gather(ctx, member, id)
	if err != nil {
		return err
	}
	return b.write(w)
}

// bundle is a bundle being made.
type bundle struct {
	idx   Index
	files []file
	sign  func([]byte) ([]byte, error)
	now   time.Time
}

func (b *bundle) add(name string, data []byte) { b.files = append(b.files, file{name, data}) }

func (b *bundle) write(w io.Writer) error { return writeBundle(w, b.files, b.idx, b.sign, b.now) }

func (e *Exporter) gather(ctx context.Context, member, id string) (*bundle, error) {
	op := fmt.Sprintf("evidence: transfer %q", id)
	ev, err := e.cfg.Transfers.Evidence(ctx, member, id)
	if err != nil {
		return nil, err
	}
	if ev.TransferHash == "" || ev.SenderSignature == "" {
		return nil, fmt.Errorf("%s: %w: it has no transfer hash yet; export it once it is sent", op, ErrNotReady)
	}
	now := e.cfg.Now().UTC()
	side, own := Sender, ev.From
	if ev.Direction == docstore.Incoming {
		side, own = Recipient, ev.To
	}
	_, key, _, err := e.cfg.Keys.ManagedKey(own)
	if err != nil {
		return nil, fmt.Errorf("%s: the %s destination's key signs the bundle: %w", op, side, err)
	}
	b := &bundle{now: now, sign: func(m []byte) ([]byte, error) { return crypto.Sign(key, m) },
		idx: Index{Format: Format, Transfer: ev.ID, Exported: now.Format(time.RFC3339Nano), SignedBy: side}}

	rec := Record{ID: ev.ID, Timestamp: ev.Timestamp, From: ev.From.String(), To: ev.To.String(), Hash: ev.Hash, Size: ev.Size,
		Document: ev.Document, Status: string(ev.Status), TransferHash: ev.TransferHash, SenderSignature: ev.SenderSignature,
		RecipientSignature: ev.RecipientSignature, Error: ev.Error, ExportedBy: side}
	b.add(FileTransfer, marshal(rec))
	b.add(FileTransferHashInput, []byte(rec.From+rec.To+rec.Hash+rec.Timestamp))
	b.add(FileTransferHash, []byte(rec.TransferHash))
	for name, sig := range map[string]string{FileSenderSig: rec.SenderSignature, FileRecipientSig: rec.RecipientSignature} {
		if sig == "" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			return nil, fmt.Errorf("%s: the recorded signature %s is not base64: %v", op, name, err)
		}
		b.add(name, raw)
	}
	if len(ev.Manifest) > 0 {
		var m Manifest
		if err := json.Unmarshal(ev.Manifest, &m); err != nil {
			return nil, fmt.Errorf("%s: the recorded manifest does not parse: %v", op, err)
		}
		sig, err := base64.StdEncoding.DecodeString(m.Signature)
		if err != nil {
			return nil, fmt.Errorf("%s: the recorded manifest's signature is not base64: %v", op, err)
		}
		b.add(FileManifest, ev.Manifest)
		b.add(FileManifestStatement, m.Statement())
		b.add(FileManifestSig, sig)
	}

	for _, p := range []struct {
		party string
		uri   destination.URI
	}{{Sender, ev.From}, {Recipient, ev.To}} {
		if err := e.addParty(ctx, b, p.party, p.uri); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}

	events := []Event{{Time: ev.Timestamp, Event: EventRequested, Source: SourceTransferHash}}
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	if !ev.SentAt.IsZero() {
		events = append(events, Event{Time: stamp(ev.SentAt), Event: EventSent, Source: SourceNode})
	}
	if !ev.AckedAt.IsZero() {
		events = append(events, Event{Time: stamp(ev.AckedAt), Event: EventReceived, Source: SourceNode})
	}
	if ev.Direction == docstore.Incoming && ev.Status == docstore.StatusReceived {
		events = append(events, Event{Time: stamp(ev.Created), Event: EventPlaced, Source: SourceNode})
	}
	ci, pinEvents, err := e.addPins(ctx, b, ev)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	events = append(events, pinEvents...)
	events = append(events, Event{Time: b.idx.Exported, Event: EventExported, Source: SourceNode})
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]).Before(eventTime(events[j])) })
	b.add(FileTimeline, marshal(events))
	b.add(FileChain, marshal(ci))
	return b, nil
}

// EventPlaced is the recipient's timeline event.
const EventPlaced = "document verified and placed by the recipient's node"

func eventTime(e Event) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, e.Time)
	return t
}

// addParty adds a party's destination certificate, identity proof chain
// and registry entry.
func (e *Exporter) addParty(ctx context.Context, b *bundle, party string, uri destination.URI) error {
	d, err := e.cfg.Registry.Destination(ctx, uri)
	if errors.Is(err, destination.ErrUnknownDestination) {
		return fmt.Errorf("the %s destination %q is no longer in the registry: %w", party, uri, err)
	}
	if err != nil {
		return fmt.Errorf("%w: registry lookup of the %s destination: %v", ErrUnavailable, party, err)
	}
	m, err := e.cfg.Registry.Member(ctx, uri.Member)
	if err != nil {
		return fmt.Errorf("%w: registry lookup of the %s member %q: %v", ErrUnavailable, party, uri.Member, err)
	}
	if m.Identity.ChainPEM == "" {
		return fmt.Errorf("%w: the registry shows no identity proof chain for member %q", ErrUnavailable, uri.Member)
	}
	b.add(PartyFile(party, fileCertificate), []byte(d.CertificatePEM))
	b.add(PartyFile(party, fileIdentityChain), []byte(m.Identity.ChainPEM))
	b.add(PartyFile(party, fileMember), marshal(MemberInfo{Name: m.Name, Owner: m.Owner.Hex(),
		ProofHash: hex.EncodeToString(m.Identity.ProofHash[:]), SelfSigned: m.Identity.SelfSigned, Organization: m.Identity.Organization,
		RegisteredAt: m.RegisteredAt, Status: m.Status.String(), Destination: uri.String()}))
	return nil
}

// addPins adds the pins of the transfer hash and of the document hash
// (when pinned), with their chain data.
func (e *Exporter) addPins(ctx context.Context, b *bundle, ev docstore.TransferEvidence) (ChainInfo, []Event, error) {
	id, err := e.cfg.Chain.ChainID(ctx)
	if err != nil {
		return ChainInfo{}, nil, fmt.Errorf("%w: reading the chain id: %v", ErrUnavailable, err)
	}
	ci := ChainInfo{ChainID: id.String(), Registry: e.cfg.Registry.Address().Hex(), Pin: e.cfg.Pins.Address().Hex(),
		PinnedTopic: PinnedTopic.Hex(), Pins: []PinInfo{}}
	var events []Event
	for _, p := range []struct{ kind, hash, event string }{
		{PinTransfer, ev.TransferHash, EventPinned},
		{PinDocument, ev.Hash, EventDocPinned},
	} {
		raw, err := hex.DecodeString(p.hash)
		if err != nil || len(raw) != 32 {
			continue
		}
		proof, err := e.cfg.Pins.Prove(ctx, [32]byte(raw))
		if errors.Is(err, chain.ErrNotPinned) {
			continue
		}
		if err != nil {
			return ci, nil, fmt.Errorf("%w: proving the pin of the %s: %v", ErrUnavailable, p.kind, err)
		}
		pi, err := e.addPin(ctx, b, p.kind, proof)
		if err != nil {
			return ci, nil, err
		}
		pi.Hash = p.hash
		ci.Pins = append(ci.Pins, pi)
		events = append(events, Event{Time: pi.Timestamp, Event: p.event, Source: SourceBlock})
	}
	return ci, events, nil
}

// maxBlockTxs bounds the transactions of a pin's block a bundle carries.
const maxBlockTxs = 5000

func (e *Exporter) addPin(ctx context.Context, b *bundle, kind string, proof chain.Proof) (PinInfo, error) {
	unavailable := func(what string, err error) error {
		return fmt.Errorf("%w: %s of the %s pin %s: %v", ErrUnavailable, what, kind, proof.Tx.Hex(), err)
	}
	rc, err := e.cfg.Chain.TransactionReceipt(ctx, proof.Tx)
	if err != nil {
		return PinInfo{}, unavailable("receipt", err)
	}
	blk, err := e.cfg.Chain.BlockByHash(ctx, rc.BlockHash)
	if err != nil {
		return PinInfo{}, unavailable("block", err)
	}
	txs := blk.Transactions()
	if len(txs) > maxBlockTxs {
		return PinInfo{}, fmt.Errorf("%w: block %d holds %d transactions, more than a bundle carries (%d)", ErrUnavailable, blk.NumberU64(), len(txs), maxBlockTxs)
	}
	rcs := make([]*types.Receipt, len(txs))
	var pinTx *types.Transaction
	for i, tx := range txs {
		if tx.Hash() == proof.Tx {
			pinTx = tx
			rcs[i] = rc
			continue
		}
		if rcs[i], err = e.cfg.Chain.TransactionReceipt(ctx, tx.Hash()); err != nil {
			return PinInfo{}, unavailable(fmt.Sprintf("receipt of transaction %d of its block", i), err)
		}
	}
	if pinTx == nil {
		return PinInfo{}, fmt.Errorf("%w: block %s does not hold the %s pin transaction %s", ErrUnavailable, rc.BlockHash.Hex(), kind, proof.Tx.Hex())
	}
	txJSON, err := pinTx.MarshalJSON()
	if err != nil {
		return PinInfo{}, err
	}
	rcJSON, err := rc.MarshalJSON()
	if err != nil {
		return PinInfo{}, err
	}
	hdrJSON, err := blk.Header().MarshalJSON()
	if err != nil {
		return PinInfo{}, err
	}
	b.add(PinFile(kind, fileTx), indent(txJSON))
	b.add(PinFile(kind, fileReceipt), indent(rcJSON))
	b.add(PinFile(kind, fileHeader), indent(hdrJSON))
	b.add(PinFile(kind, fileBlockTxs), marshal(txs))
	b.add(PinFile(kind, fileBlockReceipts), marshal(rcs))
	return PinInfo{Kind: kind, Tx: proof.Tx.Hex(), Block: blk.NumberU64(), BlockHash: blk.Hash().Hex(), By: proof.By.Hex(),
		Timestamp: time.Unix(int64(blk.Time()), 0).UTC().Format(time.RFC3339Nano)}, nil
}

// indent re-indents compact JSON for people reading the bundle.
func indent(b []byte) []byte {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return b
	}
	out.WriteByte('\n')
	return out.Bytes()
}
