package docstore

import (
	"context"
	stdcrypto "crypto"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/internal/textutil"
	"github.com/consign/consign/messaging"
)

// Transfers moves documents between members, node to node, following
// the Transfer, Receive and Acknowledge flows of the architecture.
//
// # Sending
//
// Send checks the request (the sending destination is a managed
// documentstore destination of the caller's member on this node; the
// recipient is in the registry with a certificate valid now; the document
// exists) and writes one row to the outbox table. Nothing else happens in
// the request. The outbox worker then streams the document from the
// backend into crypto.Seal (zstd when it pays, AES-256-GCM to the
// recipient certificate, signed by the sending destination's key), cuts
// the sealed stream into shards of messaging.MaxShardSize bytes and sends
// them, in order and keyed by the transfer id, to the inbox topic of the
// node serving the recipient. The last record of an attempt is the
// manifest: document name, SHA-256 and size, shard count, sealed size,
// timestamp, the transfer hash (SHA-256 hex of from + to + hash +
// timestamp) with the sender's signature of it, and the sender's
// signature of all of that. Once the manifest is durable in the
// transport the record shows "sent" and document_sent is emitted.
//
// # Receiving
//
// The receiving node consumes its inbox in the group
// messaging.NodeGroup(node). Shards of one transfer arrive in order; they
// are fed, as they come, through crypto.Open (with the recipient
// destination's key, expecting the sender's registry certificate) into
// Store.Stage, so a document is decrypted and written while it arrives
// and never held in memory. When the manifest arrives the envelope must
// end cleanly (complete, untampered, signed by the sender), the staged
// SHA-256 and size must be the manifest's, and both sender signatures
// must verify against the registry; only then is the staged content
// placed (Space.Place) in the recipient member's receivedDocumentsPath
// folder under its original name, recorded, announced with
// document_received, and answered with a receipt carrying the
// recipient's signature of the transfer hash. Anything that fails is
// discarded, recorded as failed with its reason, and answered with a
// failed receipt; nothing unverified is ever placed.
//
// The handler of a manifest returns (letting the transport commit) only
// after the document is placed and recorded and the receipt is sent. A
// shard's handler returns as soon as the shard is handed to the opening
// pipeline, so the shards of an unfinished transfer are committed but
// live only in memory: a receiving node that restarts, or to which the
// partition moves, sees the rest of an attempt without its beginning,
// drops it, and asks the sender (a resend record) for a new attempt. The
// sender's outbox is the durable copy until the receipt arrives.
//
// # Acknowledging
//
// The sender consumes receipts and resend requests from its own inbox.
// A receipt whose recipient signature verifies against the recipient's
// registry certificate marks the transfer received, stores the
// signature, emits transfer_acknowledgement and clears the outbox entry.
// Without a receipt the outbox sends a new attempt after AckTimeout
// (doubling), at most MaxResends times; a resend request brings the next
// attempt forward. Receivers de-duplicate by transfer id: a transfer
// already received or refused is answered again with its receipt, so
// crashes and duplicates on either side give one stored copy and one
// acknowledgement.
type Transfers struct {
	store *Store
	db    *sql.DB
	cfg   TransferConfig
	log   *slog.Logger
	now   func() time.Time
	inbox string
	hosts map[string]bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{}

	mu         sync.Mutex
	incoming   map[string]*incoming          // by transfer id
	inflight   map[string]bool               // outbox rows being sent by this process
	resendWish map[string]int                // transfer id → attempt a resend was asked for while in flight
	asked      map[string]int                // transfer id → attempt this node asked a resend of
	topics     map[string]bool               // inbox topics known to exist
	refusals   map[string]pendingRefusal     // transfer id → a refusal waiting for its verified manifest
	busyIn     map[string]int                // transfer id → attempt this node answered busy
	busyWish   map[string]int                // transfer id → attempt the recipient answered busy while in flight
	attempts   map[string]context.CancelFunc // transfer id → stops the attempt in flight
	closed     bool

	forged forgedCounts // records dropped for a missing or bad signature
	owner  claimOwner   // this process, as its outbox claims name it

	busyAnswers atomic.Uint64 // attempts answered busy (busy.go)

	certs chain.CertCache // parsed registry certificates
}

// TransferStatus is the status of a transfer record.
type TransferStatus string

// Statuses of API.md's transfer record.
const (
	StatusSent     TransferStatus = "sent"
	StatusReceived TransferStatus = "received"
	StatusFailed   TransferStatus = "failed"
)

// Direction says whether a record is a transfer a member of this node
// sent or received.
type Direction int

const (
	Outgoing Direction = iota
	Incoming
)

// Transfer is one record of a member's transfer log (API.md, "transfer
// record").
type Transfer struct {
	ID        string
	Direction Direction
	Member    string // the member of this node whose record it is
	Timestamp string // RFC 3339, UTC, milliseconds; part of the transfer hash
	From, To  destination.URI
	// Document is, for the sender, the absolute path sent; for the
	// recipient, the absolute path the document was placed at (empty
	// when it was refused).
	Document           string
	Hash               string // SHA-256 hex of the content; empty until first sent
	Size               int64
	Status             TransferStatus
	TransferHash       string
	SenderSignature    string
	RecipientSignature string
	Error              string // why a failed transfer failed
	// Note says, on a received record, that the document was placed under
	// another name than the sender's because a document from another
	// sender was at that path (see Preferences.ReceivedDocumentsOverwrite).
	Note    string
	Created time.Time
}

// TransferEvent names the socket.io events of a transfer (API.md).
type TransferEvent string

const (
	EventDocumentSent            TransferEvent = "document_sent"
	EventDocumentReceived        TransferEvent = "document_received"
	EventTransferAcknowledgement TransferEvent = "transfer_acknowledgement"
)

// TransferNotifier is told about transfer events; the web server
// forwards them to the member's socket.io connections. It must not block.
type TransferNotifier interface {
	NotifyTransfer(member string, event TransferEvent, t Transfer)
}

// DestinationKey is a managed destination's key pair.
type DestinationKey struct {
	Member      string           // the member owning the destination
	Key         stdcrypto.Signer // signs; also opens envelopes sealed to Certificate
	Certificate *x509.Certificate
}

// KeySource gives the keys of the destinations this node manages: the
// member owning the destination, its signing (and opening) key and its
// certificate. A URI the node holds no key for gives an error wrapping
// destination.ErrUnknownDestination. The node's app-to-app service
// implements it (it keeps every managed destination's key, document
// store and app-to-app alike, sealed in the metadata database); so does
// KeyRing.
type KeySource interface {
	ManagedKey(uri destination.URI) (member string, key stdcrypto.Signer, cert *x509.Certificate, err error)
}

// destinationKey asks the key source for uri's key pair.
func (t *Transfers) destinationKey(uri destination.URI) (DestinationKey, error) {
	m, k, c, err := t.cfg.Keys.ManagedKey(uri)
	if err != nil {
		return DestinationKey{}, fmt.Errorf("docstore: %w", err)
	}
	return DestinationKey{Member: m, Key: k, Certificate: c}, nil
}

// TransferRegistry is what transfers read from the on-chain registry;
// *chain.Registry implements it.
type TransferRegistry interface {
	Destination(ctx context.Context, uri destination.URI) (chain.Destination, error)
	Member(ctx context.Context, name string) (*chain.Member, error)
}

// TransferPinner pins transfer hashes on-chain; *chain.Pinner implements it.
type TransferPinner interface {
	Pin(ctx context.Context, hash [32]byte) (chain.PinReceipt, error)
}

// TransferConfig configures Transfers. Zero values are documented per
// field.
type TransferConfig struct {
	// Node names this node; it receives on messaging.InboxTopic(Node).
	// Required; the same name app2app uses.
	Node string
	// Members lists the members this node serves: a recipient member
	// listed here is reached through this node's own inbox unless its
	// registry profile names another node.
	Members []string
	// Transport carries shards, manifests and receipts. Required.
	Transport messaging.Transport
	// Registry reads destination certificates and members. Required.
	Registry TransferRegistry
	// Keys gives the keys of the managed destinations. Required.
	Keys KeySource
	// Notifier receives document_sent, document_received and
	// transfer_acknowledgement; nil drops them.
	Notifier TransferNotifier
	// Pinner and PinTransfers: when both are set, the sender pins each
	// transfer hash on-chain once the manifest is sent.
	Pinner       TransferPinner
	PinTransfers bool
	// Partitions of this node's inbox topic when it has to be created;
	// zero means 8.
	Partitions int32
	// Concurrency is how many outgoing transfers are sent at once; zero
	// means 2.
	Concurrency int
	// RetryMin and RetryMax bound the wait after a failed attempt
	// (storage, transport or registry unavailable); it doubles from
	// RetryMin to RetryMax. Zero means 1s and 5m.
	RetryMin, RetryMax time.Duration
	// MaxFailures bounds the consecutive failed attempts (storage,
	// transport or registry unavailable); the attempt that reaches it
	// fails the transfer with its error. Zero means 16, about 40 minutes
	// of retrying with the default backoff; negative means retry for
	// ever.
	MaxFailures int
	// AckTimeout is how long a sent transfer waits for its receipt before
	// a new attempt (doubling with each); zero means 15m.
	AckTimeout time.Duration
	// MaxResends bounds the attempts made after the first complete one
	// (receipt timeouts and resend requests); then the transfer fails.
	// Zero means 8.
	MaxResends int
	// Lease is how long an outbox row being sent stays claimed by the
	// sending process without a sign of life (it renews the claim every
	// third of it); after a crash the transfer resumes once the claim
	// lapses. Zero means 2m.
	Lease time.Duration
	// IncomingPerSender caps the transfers one sending destination may
	// have arriving at this node at once; the first shard of one more is
	// answered with a signed busy, and the sender tries that transfer
	// again later (backing off from RetryMin to RetryMax; busy answers do
	// not count against MaxResends). Zero means 4; negative means no cap.
	IncomingPerSender int
	// IdleTimeout drops an incoming transfer whose next shard has not
	// come for this long; zero means 10m.
	IdleTimeout time.Duration
	// ChunkSize is the envelope chunk size; zero means 256 KiB.
	ChunkSize int
	// StagingMaxAge is how old staged content must be for NewTransfers to
	// remove it when no incoming transfer being placed holds it (the
	// leftover of a crash between staging and placing); zero means 10m,
	// a negative value keeps it all. The age spares content another node
	// sharing the store has staged for a transfer still arriving.
	StagingMaxAge time.Duration
	// Logger; nil means the store's.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Validate reports the first missing or unusable setting.
func (c TransferConfig) Validate() error {
	const op = "docstore: transfer config"
	switch {
	case c.Node == "":
		return fmt.Errorf("%s: Node is required", op)
	case c.Transport == nil:
		return fmt.Errorf("%s: Transport is required", op)
	case c.Registry == nil:
		return fmt.Errorf("%s: Registry is required", op)
	case c.Keys == nil:
		return fmt.Errorf("%s: Keys is required", op)
	case c.PinTransfers && c.Pinner == nil:
		return fmt.Errorf("%s: PinTransfers needs a Pinner", op)
	case c.Partitions < 0 || c.Concurrency < 0 || c.MaxResends < 0:
		return fmt.Errorf("%s: Partitions, Concurrency and MaxResends must not be negative", op)
	case c.RetryMin < 0 || c.RetryMax < 0 || c.AckTimeout < 0 || c.IdleTimeout < 0 || c.Lease < 0:
		return fmt.Errorf("%s: durations must not be negative", op)
	case c.ChunkSize != 0 && (c.ChunkSize < 1<<10 || c.ChunkSize > 1<<20 || c.ChunkSize&(c.ChunkSize-1) != 0):
		return fmt.Errorf("%s: ChunkSize %d must be a power of two from 1 KiB to 1 MiB", op, c.ChunkSize)
	}
	if _, err := messaging.InboxTopic(c.Node); err != nil {
		return fmt.Errorf("%s: Node %q: %w", op, c.Node, err)
	}
	return nil
}

// transferMigrations are the tables of transfers, under part
// "docstore-transfers".
var transferMigrations = []metadb.Migration{
	{Description: "outgoing transfers (log and outbox)", SQL: `CREATE TABLE docstore_transfers_out (
		id            TEXT    NOT NULL PRIMARY KEY,
		member        TEXT    NOT NULL,
		from_uri      TEXT    NOT NULL,
		to_uri        TEXT    NOT NULL,
		document      TEXT    NOT NULL, -- absolute path in the member's space
		hash          TEXT    NOT NULL, -- '' until the first attempt has read the document
		size          INTEGER NOT NULL,
		timestamp     TEXT    NOT NULL,
		transfer_hash TEXT    NOT NULL,
		sender_sig    TEXT    NOT NULL,
		recipient_sig TEXT    NOT NULL,
		status        TEXT    NOT NULL, -- sent, received, failed
		error         TEXT    NOT NULL,
		state         TEXT    NOT NULL, -- queued, awaiting (a receipt), done (out of the outbox)
		attempt       INTEGER NOT NULL, -- last attempt started
		resends       INTEGER NOT NULL, -- attempts after the first complete one
		failures      INTEGER NOT NULL, -- consecutive failed attempts (backoff)
		next_ns       INTEGER NOT NULL, -- when the outbox acts next (queued: send; awaiting: resend)
		sent_ns       INTEGER NOT NULL, -- when the first manifest was sent (document_sent emitted); 0 before
		pin_tx        TEXT    NOT NULL,
		created_ns    INTEGER NOT NULL)`},
	{Description: "outgoing transfers by member", SQL: `CREATE INDEX docstore_transfers_out_member ON docstore_transfers_out (member, created_ns)`},
	{Description: "outbox by due time", SQL: `CREATE INDEX docstore_transfers_out_due ON docstore_transfers_out (state, next_ns)`},
	{Description: "incoming transfers (log and inbox)", SQL: `CREATE TABLE docstore_transfers_in (
		id            TEXT    NOT NULL PRIMARY KEY,
		member        TEXT    NOT NULL,
		from_uri      TEXT    NOT NULL,
		to_uri        TEXT    NOT NULL,
		document      TEXT    NOT NULL, -- absolute path it was placed at; '' when refused
		hash          TEXT    NOT NULL,
		size          INTEGER NOT NULL,
		timestamp     TEXT    NOT NULL,
		transfer_hash TEXT    NOT NULL,
		sender_sig    TEXT    NOT NULL,
		recipient_sig TEXT    NOT NULL,
		status        TEXT    NOT NULL, -- placing, received, failed
		error         TEXT    NOT NULL,
		attempt       INTEGER NOT NULL,
		staged_key    TEXT    NOT NULL, -- while placing: the verified staged content
		staged_size   INTEGER NOT NULL,
		staged_hash   TEXT    NOT NULL,
		staged_ref    TEXT    NOT NULL,
		staged_mod_ns INTEGER NOT NULL,
		created_ns    INTEGER NOT NULL)`},
	{Description: "incoming transfers by member", SQL: `CREATE INDEX docstore_transfers_in_member ON docstore_transfers_in (member, created_ns)`},
	{Description: "incoming transfers: placement note", SQL: `ALTER TABLE docstore_transfers_in ADD COLUMN note TEXT NOT NULL DEFAULT ''`},
	{Description: "incoming transfers by placed document", SQL: `CREATE INDEX docstore_transfers_in_document ON docstore_transfers_in (member, document)`},
	{Description: "outbox claims: owner host", SQL: `ALTER TABLE docstore_transfers_out ADD COLUMN claim_host TEXT NOT NULL DEFAULT ''`},
	{Description: "outbox claims: owner process id", SQL: `ALTER TABLE docstore_transfers_out ADD COLUMN claim_pid INTEGER NOT NULL DEFAULT 0`},
	{Description: "outbox claims: owner run", SQL: `ALTER TABLE docstore_transfers_out ADD COLUMN claim_run TEXT NOT NULL DEFAULT ''`},
	{Description: "outbox: consecutive busy answers", SQL: `ALTER TABLE docstore_transfers_out ADD COLUMN busy INTEGER NOT NULL DEFAULT 0`},
}

// NewTransfers opens the transfer service of store: it creates its tables,
// makes sure the node's inbox topic exists, and starts the outbox worker
// and the inbox consumer. Close stops them.
func NewTransfers(ctx context.Context, store *Store, cfg TransferConfig) (*Transfers, error) {
	if store == nil {
		return nil, errors.New("docstore: transfers: a Store is required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Partitions == 0 {
		cfg.Partitions = 8
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 2
	}
	if cfg.RetryMin == 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 5 * time.Minute
	}
	cfg.RetryMax = max(cfg.RetryMax, cfg.RetryMin)
	if cfg.AckTimeout == 0 {
		cfg.AckTimeout = 15 * time.Minute
	}
	if cfg.MaxResends == 0 {
		cfg.MaxResends = 8
	}
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = 16
	}
	if cfg.Lease == 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 10 * time.Minute
	}
	if cfg.ChunkSize == 0 {
		cfg.ChunkSize = 256 << 10
	}
	if cfg.IncomingPerSender == 0 {
		cfg.IncomingPerSender = 4
	}
	if cfg.StagingMaxAge == 0 {
		cfg.StagingMaxAge = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = store.log
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := metadb.Migrate(ctx, store.db, "docstore-transfers", transferMigrations); err != nil {
		return nil, fmt.Errorf("docstore: transfers: %w", err)
	}
	if err := metadb.Migrate(ctx, store.db, "docstore-evidence", evidenceMigrations); err != nil {
		return nil, fmt.Errorf("docstore: transfers: %w", err)
	}
	inbox, _ := messaging.InboxTopic(cfg.Node)
	if err := cfg.Transport.EnsureTopic(ctx, inbox, cfg.Partitions); err != nil {
		return nil, fmt.Errorf("docstore: transfers: inbox %q: %w", inbox, err)
	}
	t := &Transfers{
		store: store, db: store.db, cfg: cfg, log: cfg.Logger, now: cfg.Now, inbox: inbox,
		hosts: map[string]bool{}, wake: make(chan struct{}, 1),
		incoming: map[string]*incoming{}, inflight: map[string]bool{}, resendWish: map[string]int{},
		asked: map[string]int{}, topics: map[string]bool{inbox: true},
		refusals: map[string]pendingRefusal{}, owner: thisProcess(),
		busyIn: map[string]int{}, busyWish: map[string]int{}, attempts: map[string]context.CancelFunc{},
	}
	for _, m := range cfg.Members {
		t.hosts[m] = true
	}
	if n, err := t.releaseDeadClaims(ctx); err != nil {
		t.log.Warn("docstore: transfers: releasing the outbox claims of a previous run", "released", n, "err", err)
	} else if n > 0 {
		t.log.Info("docstore: transfers: resuming transfers whose sending process is gone", "released", n)
	}
	if cfg.StagingMaxAge > 0 {
		n, err := t.sweepStaging(ctx, t.now().Add(-cfg.StagingMaxAge))
		if err != nil {
			t.log.Warn("docstore: transfers: sweeping staging leftovers", "removed", n, "err", err)
		} else if n > 0 {
			t.log.Info("docstore: transfers: removed staging leftovers of transfers no longer arriving", "removed", n)
		}
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.wg.Add(2)
	go t.outboxLoop()
	go t.consumeLoop()
	return t, nil
}

// Close stops the outbox worker and the inbox consumer and waits for
// them. Transfers in flight resume when the service is opened again.
func (t *Transfers) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	t.cancel()
	t.wg.Wait()
	t.mu.Lock()
	for id, inc := range t.incoming {
		inc.abort()
		delete(t.incoming, id)
	}
	t.mu.Unlock()
	return nil
}

// Inbox returns this node's inbox topic.
func (t *Transfers) Inbox() string { return t.inbox }

// kick wakes the outbox worker.
func (t *Transfers) kick() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *Transfers) notify(member string, ev TransferEvent, tr Transfer) {
	if t.cfg.Notifier != nil && member != "" {
		t.cfg.Notifier.NotifyTransfer(member, ev, tr)
	}
}

// Send records a transfer of member's document from its destination
// from to the destination to, and returns the record (status sent). The
// document travels afterwards, from the outbox. Errors (nothing is
// recorded): ErrInvalidArgument for a malformed field, destination.ErrForeignDestination
// when from is not a managed documentstore destination of member here,
// destination.ErrUnknownDestination when to is not in the registry,
// ErrRecipientUnusable when its certificate cannot be used now,
// ErrInvalidPath, ErrNotFound and ErrIsFolder for the document.
func (t *Transfers) Send(ctx context.Context, member string, from, to destination.URI, document string) (Transfer, error) {
	const op = "docstore: transfer"
	if t.ctx.Err() != nil {
		return Transfer{}, fmt.Errorf("%s: %w", op, ErrTransfersClosed)
	}
	sp, err := t.store.Space(member)
	if err != nil {
		return Transfer{}, fmt.Errorf("%s: %w", op, err)
	}
	if from.IsZero() || to.IsZero() || document == "" {
		return Transfer{}, fmt.Errorf(`%s: %w: send {"from": "<your documentstore destination URI>", "to": "<recipient destination URI>", "document": "/path/of/the/document"}`, op, ErrInvalidArgument)
	}
	if err := from.Validate(); err != nil {
		return Transfer{}, fmt.Errorf("%s: %w: from: %v", op, ErrInvalidArgument, err)
	}
	if err := to.Validate(); err != nil {
		return Transfer{}, fmt.Errorf("%s: %w: to: %v", op, ErrInvalidArgument, err)
	}
	if from.Kind != destination.KindDocumentStore || to.Kind != destination.KindDocumentStore {
		return Transfer{}, fmt.Errorf("%s: %w: documents go between %s destinations; from is %q, to is %q",
			op, ErrInvalidArgument, destination.KindDocumentStore, from.Kind, to.Kind)
	}
	k, err := t.destinationKey(from)
	if errors.Is(err, destination.ErrUnknownDestination) {
		return Transfer{}, fmt.Errorf("%s: %w: from %q is not a managed destination on this node", op, destination.ErrForeignDestination, clip(from.String()))
	}
	if err != nil {
		return Transfer{}, fmt.Errorf("%s: from %q: %w", op, clip(from.String()), err)
	}
	if k.Member != member {
		return Transfer{}, fmt.Errorf("%s: %w: from %q belongs to member %q, not to your member %q", op, destination.ErrForeignDestination, clip(from.String()), k.Member, member)
	}
	if _, err := t.recipientCert(ctx, to); err != nil {
		return Transfer{}, fmt.Errorf("%s: %w", op, err)
	}
	p, err := ParseDocumentPath(document)
	if err != nil {
		return Transfer{}, fmt.Errorf("%s: document: %w", op, err)
	}
	e, err := sp.Lookup(ctx, p)
	if err != nil {
		return Transfer{}, fmt.Errorf("%s: %w", op, err)
	}
	if e.IsDir {
		return Transfer{}, fmt.Errorf("%s: %w: %s is a folder; transfer one document at a time", op, ErrIsFolder, p.Abs())
	}
	now := t.now()
	tr := Transfer{
		ID: newTransferID(), Direction: Outgoing, Member: member, Timestamp: textutil.Timestamp(now),
		From: from, To: to, Document: p.Abs(), Size: e.Size, Status: StatusSent, Created: now,
	}
	_, err = t.db.ExecContext(ctx, `INSERT INTO docstore_transfers_out (id, member, from_uri, to_uri, document, hash, size,
		timestamp, transfer_hash, sender_sig, recipient_sig, status, error, state, attempt, resends, failures, next_ns, sent_ns,
		pin_tx, created_ns) VALUES (?, ?, ?, ?, ?, '', ?, ?, '', '', '', ?, '', 'queued', 0, 0, 0, ?, 0, '', ?)`,
		tr.ID, member, from.String(), to.String(), tr.Document, tr.Size, tr.Timestamp, string(StatusSent), now.UnixNano(), now.UnixNano())
	if err != nil {
		return Transfer{}, fmt.Errorf("%s: recording the transfer: %w", op, err)
	}
	t.kick()
	return tr, nil
}

// recipientCert returns the registry certificate of destination uri if
// it can be sealed to now.
func (t *Transfers) recipientCert(ctx context.Context, uri destination.URI) (*x509.Certificate, error) {
	c, _, err := t.registryCert(ctx, uri)
	if err != nil {
		return nil, err
	}
	now := t.now()
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return nil, fmt.Errorf("%w: the certificate of %q is valid from %s to %s", ErrRecipientUnusable, clip(uri.String()),
			c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	}
	return c, nil
}

// registryCert returns destination uri's certificate and the member
// publishing it. Unknown destinations wrap destination.ErrUnknownDestination,
// suspended members and unparseable certificates ErrRecipientUnusable;
// other errors are the registry's (worth retrying).
func (t *Transfers) registryCert(ctx context.Context, uri destination.URI) (*x509.Certificate, string, error) {
	c, d, err := t.certOf(ctx, uri)
	if err != nil {
		return nil, "", err
	}
	if d.MemberStatus != chain.StatusActive {
		return nil, "", fmt.Errorf("%w: member %q of %q is %s", ErrRecipientUnusable, d.Member, clip(uri.String()), d.MemberStatus)
	}
	return c, d.Member, nil
}

// certOf returns the registry certificate of destination uri whatever
// its member's status (parsed once per certificate).
func (t *Transfers) certOf(ctx context.Context, uri destination.URI) (*x509.Certificate, chain.Destination, error) {
	d, err := t.cfg.Registry.Destination(ctx, uri)
	if errors.Is(err, destination.ErrUnknownDestination) {
		return nil, d, fmt.Errorf("%w: %q is not in the registry (%v)", destination.ErrUnknownDestination, clip(uri.String()), err)
	}
	if err != nil {
		return nil, d, fmt.Errorf("registry lookup of %q: %w", clip(uri.String()), err)
	}
	c, err := t.certs.Certificate(d)
	if err != nil {
		return nil, d, fmt.Errorf("%w: %v", ErrRecipientUnusable, err)
	}
	return c, d, nil
}

// nodeOf returns the node serving member: the one its registry profile
// names (destination.NodeProfileKey), else this node if it serves the
// member, else the member's own name.
func (t *Transfers) nodeOf(ctx context.Context, member string) (string, error) {
	m, err := t.cfg.Registry.Member(ctx, member)
	if err != nil {
		return "", fmt.Errorf("registry lookup of member %q: %w", member, err)
	}
	if n := m.Profile[destination.NodeProfileKey]; n != "" {
		return n, nil
	}
	if t.hosts[member] {
		return t.cfg.Node, nil
	}
	return member, nil
}

// inboxOf returns the inbox topic of the node serving the member of
// destination uri, creating it if needed.
func (t *Transfers) inboxOf(ctx context.Context, u destination.URI) (string, error) {
	node, err := t.nodeOf(ctx, u.Member)
	if err != nil {
		return "", err
	}
	topic, err := messaging.InboxTopic(node)
	if err != nil {
		return "", err
	}
	t.mu.Lock()
	known := t.topics[topic]
	t.mu.Unlock()
	if !known {
		if err := t.cfg.Transport.EnsureTopic(ctx, topic, t.cfg.Partitions); err != nil {
			return "", fmt.Errorf("inbox %q: %w", topic, err)
		}
		t.mu.Lock()
		t.topics[topic] = true
		t.mu.Unlock()
	}
	return topic, nil
}

// List returns member's transfer log, newest first: transfers it sent
// and transfers it received (or refused). limit must be 1 to 10000.
func (t *Transfers) List(ctx context.Context, member string, offset, limit int) ([]Transfer, error) {
	const op = "docstore: transfer log"
	if offset < 0 || limit < 1 || limit > 10000 {
		return nil, fmt.Errorf("%s: %w: offset %d must not be negative and limit %d must be from 1 to 10000", op, ErrInvalidArgument, offset, limit)
	}
	rows, err := t.db.QueryContext(ctx, `SELECT * FROM (
		SELECT 0, `+recordColumns+`, '' FROM docstore_transfers_out WHERE member = ?
		UNION ALL
		SELECT 1, `+recordColumns+`, note FROM docstore_transfers_in WHERE member = ? AND status IN ('received', 'failed')
	) ORDER BY created_ns DESC, id LIMIT ? OFFSET ?`, member, member, limit, offset)
	out, err := metadb.Collect(rows, err, func(rows *sql.Rows) (Transfer, error) { return scanRecord(rows) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// Get returns one record of member's log; a transfer both sent and
// received by member (to itself) gives the sending side.
func (t *Transfers) Get(ctx context.Context, member, id string) (Transfer, error) {
	op := fmt.Sprintf("docstore: transfer %q", clip(id))
	for _, q := range []string{
		`SELECT 0, ` + recordColumns + `, '' FROM docstore_transfers_out WHERE member = ? AND id = ?`,
		`SELECT 1, ` + recordColumns + `, note FROM docstore_transfers_in WHERE member = ? AND id = ? AND status IN ('received', 'failed')`,
	} {
		tr, err := scanRecord(t.db.QueryRowContext(ctx, q, member, id))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return Transfer{}, fmt.Errorf("%s: %w", op, err)
		}
		return tr, nil
	}
	return Transfer{}, fmt.Errorf("%s: %w", op, ErrUnknownTransfer)
}

const recordColumns = `id, member, from_uri, to_uri, document, hash, size, timestamp, transfer_hash, sender_sig,
	recipient_sig, status, error, created_ns`

type scanner interface{ Scan(dest ...any) error }

func scanRecord(s scanner) (Transfer, error) {
	var (
		tr      Transfer
		dir     int
		status  string
		created int64
	)
	err := s.Scan(&dir, &tr.ID, &tr.Member, &tr.From, &tr.To, &tr.Document, &tr.Hash, &tr.Size, &tr.Timestamp,
		&tr.TransferHash, &tr.SenderSignature, &tr.RecipientSignature, &status, &tr.Error, &created, &tr.Note)
	if err != nil {
		return Transfer{}, err
	}
	tr.Direction = Direction(dir)
	tr.Status = TransferStatus(status)
	tr.Created = time.Unix(0, created)
	return tr, nil
}

// getOut reads an outbox row.
func (t *Transfers) getOut(ctx context.Context, id string) (outRow, error) {
	var r outRow
	var status string
	err := t.db.QueryRowContext(ctx, `SELECT `+recordColumns+`, state, attempt, resends, failures, busy, next_ns, sent_ns
		FROM docstore_transfers_out WHERE id = ?`, id).Scan(&r.ID, &r.Member, &r.From, &r.To, &r.Document, &r.Hash, &r.Size,
		&r.Timestamp, &r.TransferHash, &r.SenderSignature, &r.RecipientSignature, &status, &r.Error, &r.createdNS,
		&r.state, &r.attempt, &r.resends, &r.failures, &r.busy, &r.nextNS, &r.sentNS)
	r.Status = TransferStatus(status)
	r.Direction = Outgoing
	r.Created = time.Unix(0, r.createdNS)
	return r, err
}

// outRow is an outbox row: the record and the outbox's bookkeeping.
type outRow struct {
	Transfer
	createdNS                  int64
	state                      string
	attempt, resends, failures int
	busy                       int // consecutive busy answers (busy.go)
	nextNS, sentNS             int64
}

// backoff returns the wait after n consecutive failures.
func (t *Transfers) backoff(n int) time.Duration {
	d := t.cfg.RetryMin
	for i := 1; i < n && d < t.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, t.cfg.RetryMax)
}

// isClosing reports whether err comes from the service shutting down.
func (t *Transfers) isClosing(err error) bool {
	return t.ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, messaging.ErrClosed))
}

func trimReason(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > maxErrorText {
		s = s[:maxErrorText-3] + "..."
		s = strings.ToValidUTF8(s, "")
	}
	return s
}
