package app2app

import (
	"context"
	stdcrypto "crypto"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

// Profile keys this package reads and writes in members' registry
// profiles, besides destination.NodeProfileKey.
const (
	// ExternalKeyPrefix + URI is set to "true" for an externally managed
	// destination (absent for a managed one).
	ExternalKeyPrefix = "dest-external:"
)

// Registry is what the service reads from the on-chain registry;
// *chain.Registry implements it.
type Registry interface {
	Destination(ctx context.Context, uri destination.URI) (chain.Destination, error)
	Member(ctx context.Context, name string) (*chain.Member, error)
	AddressBook(ctx context.Context) ([]chain.AddressBookEntry, error)
}

// Publisher writes one member's registry profile; *chain.Registry
// signing as the member's owner implements it.
type Publisher interface {
	PublishDestination(ctx context.Context, uri destination.URI, certPEM []byte) (*types.Receipt, error)
	RemoveDestination(ctx context.Context, uri destination.URI) (*types.Receipt, error)
	SetProfile(ctx context.Context, member, key, value string) (*types.Receipt, error)
	DeleteProfile(ctx context.Context, member, key string) (*types.Receipt, error)
}

// Config configures a Service. Zero values are documented per field.
type Config struct {
	// Node names this node; its inbox is messaging.InboxTopic(Node).
	// Required. A production node usually uses its member name; `consign
	// dev`, which hosts every demo member in one process, any fixed name.
	Node string
	// EnvironmentID is the environment of the destination URIs the node
	// makes. Required.
	EnvironmentID string
	// Members maps each member this node serves to the Publisher that
	// writes its registry profile. Required (at least one).
	Members map[string]Publisher
	// Transport carries messages between nodes. Required.
	Transport messaging.Transport
	// Registry reads the registry. Required.
	Registry Registry
	// DB is the metadata database holding destination records. Required.
	DB *sql.DB
	// MasterKey (MasterKeySize bytes) seals managed destination keys in DB.
	// Required; LoadOrCreateMasterKey keeps one in a file.
	MasterKey []byte
	// KeyAlgorithm is the kind of key made for new managed destinations
	// when the request names none; zero means crypto.P256.
	KeyAlgorithm crypto.KeyAlgorithm
	// Partitions of inbox topics this node creates; zero means 8.
	Partitions int32
	// Scheme of destination URIs made here; empty means "kld".
	Scheme string
	// ServiceID returns the service id of the URIs of member's
	// destinations of a kind; nil means member+"-a2a" for app2app and
	// member+"-ds" for documentstore (as `consign dev` names them).
	ServiceID func(member, kind string) string
	// MaxBatch bounds the messages in one transport Send; zero means 512.
	MaxBatch int
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Validate reports the first missing or unusable setting.
func (c Config) Validate() error {
	const op = "app2app: config"
	switch {
	case c.Node == "":
		return fmt.Errorf("%s: Node is required", op)
	case c.EnvironmentID == "":
		return fmt.Errorf("%s: EnvironmentID is required", op)
	case len(c.Members) == 0:
		return fmt.Errorf("%s: Members is empty: name at least one member this node serves", op)
	case c.Transport == nil:
		return fmt.Errorf("%s: Transport is required", op)
	case c.Registry == nil:
		return fmt.Errorf("%s: Registry is required", op)
	case c.DB == nil:
		return fmt.Errorf("%s: DB is required", op)
	case len(c.MasterKey) != MasterKeySize:
		return fmt.Errorf("%s: MasterKey must be %d bytes (see LoadOrCreateMasterKey)", op, MasterKeySize)
	case c.Partitions < 0 || c.MaxBatch < 0:
		return fmt.Errorf("%s: Partitions and MaxBatch must not be negative", op)
	}
	if _, err := messaging.InboxTopic(c.Node); err != nil {
		return fmt.Errorf("%s: Node %q: %w", op, c.Node, err)
	}
	for m, p := range c.Members {
		if p == nil {
			return fmt.Errorf("%s: member %q has no Publisher", op, m)
		}
	}
	return nil
}

// local is a destination of this node, held in memory.
type local struct {
	member, name, uri, kind string
	u                       destination.URI // uri, parsed
	managed                 bool
	requiredCN              string
	certPEM                 string
	cert                    *x509.Certificate // nil for an external destination without certificate
	key                     stdcrypto.Signer  // managed only
	created                 time.Time
}

// Service is the app-to-app messaging of one node. It is safe for
// concurrent use.
type Service struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	store  store
	sealer *keySealer
	inbox  string

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	pubMu sync.Mutex // serializes registry writes

	mu      sync.RWMutex
	byURI   map[string]*local
	outbox  map[string]*outbox // by topic
	senders map[string]*crypto.SessionSender
	closed  bool

	certs chain.CertCache // parsed registry certificates
}

// New opens the service: migrates its tables, loads and unseals the
// destination records, makes sure the node's inbox topic exists and that
// each served member's profile names this node.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.KeyAlgorithm == "" {
		cfg.KeyAlgorithm = crypto.P256
	}
	if cfg.Partitions == 0 {
		cfg.Partitions = 8
	}
	if cfg.Scheme == "" {
		cfg.Scheme = "kld"
	}
	if cfg.ServiceID == nil {
		cfg.ServiceID = defaultServiceID
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = 512
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sealer, err := newKeySealer(cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	inbox, _ := messaging.InboxTopic(cfg.Node)
	s := &Service{
		cfg: cfg, log: cfg.Logger, now: cfg.Now, store: store{cfg.DB}, sealer: sealer, inbox: inbox,
		byURI: map[string]*local{}, outbox: map[string]*outbox{}, senders: map[string]*crypto.SessionSender{},
	}
	if err := s.store.migrate(ctx); err != nil {
		return nil, fmt.Errorf("app2app: %w", err)
	}
	rows, err := s.store.all(ctx)
	if err != nil {
		return nil, fmt.Errorf("app2app: load destinations: %w", err)
	}
	for _, r := range rows {
		l, err := s.fromRow(r)
		if err != nil {
			return nil, fmt.Errorf("app2app: load destination %q: %w", r.URI, err)
		}
		s.byURI[l.uri] = l
	}
	if err := cfg.Transport.EnsureTopic(ctx, inbox, cfg.Partitions); err != nil {
		return nil, fmt.Errorf("app2app: inbox: %w", err)
	}
	for m, p := range cfg.Members {
		if err := s.claimMember(ctx, m, p); err != nil {
			return nil, err
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

func defaultServiceID(member, kind string) string {
	if kind == destination.KindDocumentStore {
		return member + "-ds"
	}
	return member + "-a2a"
}

// claimMember writes destination.NodeProfileKey into member's profile when it names
// another node (or none and the node is not named after the member).
func (s *Service) claimMember(ctx context.Context, member string, p Publisher) error {
	m, err := s.cfg.Registry.Member(ctx, member)
	if err != nil {
		return fmt.Errorf("app2app: served member %q: %w", member, err)
	}
	cur, ok := m.Profile[destination.NodeProfileKey]
	if (ok && cur == s.cfg.Node) || (!ok && member == s.cfg.Node) {
		return nil
	}
	if _, err := p.SetProfile(ctx, member, destination.NodeProfileKey, s.cfg.Node); err != nil {
		return fmt.Errorf("app2app: record node of member %q: %w", member, err)
	}
	return nil
}

func (s *Service) fromRow(r row) (*local, error) {
	u, err := destination.Parse(r.URI)
	if err != nil {
		return nil, err
	}
	l := &local{member: r.Member, name: r.Name, uri: r.URI, u: u, kind: r.Kind, managed: r.Managed,
		requiredCN: r.RequiredCN, certPEM: r.CertPEM, created: r.Created}
	if r.CertPEM != "" {
		c, err := crypto.ParseCertificatePEM([]byte(r.CertPEM))
		if err != nil {
			return nil, err
		}
		l.cert = c
	}
	if r.Managed {
		pemKey, err := s.sealer.open(r.URI, r.SealedKey)
		if err != nil {
			return nil, err
		}
		if l.key, err = crypto.ParsePrivateKeyPEM(pemKey); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Node is this node's name; Inbox its inbox topic.
func (s *Service) Node() string  { return s.cfg.Node }
func (s *Service) Inbox() string { return s.inbox }

// Close stops every subscription and producer pipeline; produces not yet
// sent fail with ErrClosed.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

// ManagedKey returns the member, key and certificate of a managed
// destination this node holds, of any kind: the document store's
// transfers sign and open with the same keys. A URI the node does not
// manage gives an error wrapping destination.ErrUnknownDestination.
func (s *Service) ManagedKey(u destination.URI) (member string, key stdcrypto.Signer, cert *x509.Certificate, err error) {
	l := s.lookup(u.String())
	if l == nil || !l.managed || l.key == nil || l.cert == nil {
		return "", nil, nil, fmt.Errorf("app2app: destination %q: this node holds no key for it: %w", clip(u.String()), destination.ErrUnknownDestination)
	}
	return l.member, l.key, l.cert, nil
}

// lookup returns this node's destination uri.
func (s *Service) lookup(uri string) *local {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byURI[uri]
}

// remote is what the sending side needs to know about a recipient.
type remote struct {
	uri      string
	member   string
	cert     *x509.Certificate
	certHash [32]byte
	external bool
	node     string
}

// resolve looks up destination uri in the registry: its certificate,
// whether it is externally managed, and the node that serves it.
func (s *Service) resolve(ctx context.Context, u destination.URI) (*remote, error) {
	uri := u.String()
	d, err := s.cfg.Registry.Destination(ctx, u)
	if errors.Is(err, destination.ErrUnknownDestination) {
		return nil, fmt.Errorf("%q is not in the registry: %w: %w", uri, destination.ErrUnknownDestination, err)
	}
	if err != nil {
		return nil, fmt.Errorf("registry lookup of %q: %w", uri, err)
	}
	cert, err := s.certs.Certificate(d)
	if err != nil {
		return nil, fmt.Errorf("%q: %w: %w", uri, destination.ErrUnknownDestination, err)
	}
	m, err := s.cfg.Registry.Member(ctx, d.Member)
	if err != nil {
		return nil, fmt.Errorf("registry lookup of member %q: %w", d.Member, err)
	}
	r := &remote{uri: uri, member: d.Member, cert: cert, certHash: sha256.Sum256([]byte(d.CertificatePEM)),
		external: m.Profile[ExternalKeyPrefix+uri] == "true"}
	switch node, ok := m.Profile[destination.NodeProfileKey]; {
	case s.cfg.Members[d.Member] != nil:
		r.node = s.cfg.Node
	case ok && node != "":
		r.node = node
	default:
		r.node = d.Member
	}
	return r, nil
}
