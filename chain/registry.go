package chain

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/consign/consign/chain/internal/contracts"
	"github.com/consign/consign/destination"
)

// DestinationKeyPrefix prefixes the profile keys holding destination
// certificates: the key of destination URI u is DestinationKeyPrefix + u.
const DestinationKeyPrefix = "dest:"

// maxCertPEM bounds a destination certificate stored on-chain.
const maxCertPEM = 16 << 10

// Status is a member's registry status.
type Status uint8

// Member statuses, as stored by the contract.
const (
	StatusActive    Status = 1
	StatusSuspended Status = 2
)

func (s Status) String() string {
	switch s {
	case StatusActive:
		return "active"
	case StatusSuspended:
		return "suspended"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Member is one registry entry with its profile. Values returned by
// Registry are copies; changing them changes nothing else.
type Member struct {
	Name         string
	Owner        common.Address
	Identity     Identity
	Status       Status
	RegisteredAt uint64            // block number
	Profile      map[string]string // key → value, destination certificates included
}

// Destination is a destination published in a member's profile.
type Destination struct {
	URI            destination.URI
	Name           string // the URI's last segment
	Member         string
	MemberStatus   Status
	CertificatePEM string
}

// Certificate parses the destination's certificate.
func (d Destination) Certificate() (*x509.Certificate, error) {
	c, err := parseOneCert([]byte(d.CertificatePEM))
	if err != nil {
		return nil, fmt.Errorf("chain: destination %q: %w", d.URI, err)
	}
	return c, nil
}

// Destinations lists the member's published destinations ordered by URI.
// A destination key whose URI does not parse (PublishDestination writes
// none; SetProfile could) names no destination and is left out.
func (m *Member) Destinations() []Destination {
	var out []Destination
	for k, v := range m.Profile {
		s, ok := strings.CutPrefix(k, DestinationKeyPrefix)
		if !ok {
			continue
		}
		u, err := destination.Parse(s)
		if err != nil {
			continue
		}
		out = append(out, Destination{URI: u, Name: u.Name, Member: m.Name, MemberStatus: m.Status, CertificatePEM: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URI.String() < out[j].URI.String() })
	return out
}

func (m *Member) clone() *Member {
	c := *m
	c.Profile = maps.Clone(m.Profile)
	c.Identity.IssuerChain = append([]string(nil), m.Identity.IssuerChain...)
	return &c
}

// AddressBookEntry is one member in the address book.
type AddressBookEntry struct {
	Membership string // "/" + member name
	SelfSigned bool
	// OrganizationUnvouched: see Identity.OrganizationUnvouched.
	OrganizationUnvouched bool
	Destinations          []AddressBookDestination
}

// AddressBookDestination is a destination in the address book.
type AddressBookDestination struct {
	URI  destination.URI
	Name string
}

// RegistryConfig configures a Registry client.
type RegistryConfig struct {
	// Address of the deployed Registry contract. Required.
	Address common.Address
	// EnvironmentID is the environment this registry serves. Required:
	// destination URIs and identity proofs must name it.
	EnvironmentID string
	// Verifier validates identity proofs; Register fails without one.
	Verifier IdentityVerifier
	// Nonces, if set, is told about every nonce a registration uses and
	// may refuse it (unknown, used, expired, foreign).
	Nonces NonceConsumer
	// PollInterval is how often the cache polls the chain for registry
	// events. Zero means one second.
	PollInterval time.Duration
	// NoCache makes every lookup read the chain.
	NoCache bool
}

// Validate reports a missing or malformed field.
func (c RegistryConfig) Validate() error {
	if c.Address == (common.Address{}) {
		return errors.New("chain: registry config: Address is required")
	}
	if !destination.ValidID(c.EnvironmentID) {
		return fmt.Errorf("chain: registry config: EnvironmentID %q must be 1–64 of A-Z a-z 0-9 - _ .", c.EnvironmentID)
	}
	if c.PollInterval < 0 {
		return errors.New("chain: registry config: PollInterval is negative")
	}
	return nil
}

// Registry reads and writes the on-chain member registry. Lookups are
// served from a cache kept fresh by polling the contract's events (see
// the package documentation); writes need a Signer. It is safe for
// concurrent use.
type Registry struct {
	cfg     RegistryConfig
	backend Backend
	abi     *contracts.Registry
	bound   *bind.BoundContract
	tx      *transactor
	cache   *registryCache // nil with NoCache
	stop    context.CancelFunc
	done    chan struct{}
}

type registryCache struct {
	syncMu sync.Mutex // serializes Sync

	mu      sync.Mutex
	height  uint64 // last block whose events are applied
	epoch   uint64 // bumped by every invalidation
	members map[string]*Member
	names   []string
	named   bool // names is valid
	lastErr error
}

// NewRegistry connects to the registry at cfg.Address. signer may be nil
// for a read-only client. Unless cfg.NoCache, a goroutine polls for
// events until Close.
func NewRegistry(ctx context.Context, backend Backend, signer Signer, cfg RegistryConfig) (*Registry, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if err := checkCode(ctx, backend, cfg.Address); err != nil {
		return nil, fmt.Errorf("chain: registry: %w", err)
	}
	tx, err := newTransactor(ctx, backend, signer)
	if err != nil {
		return nil, err
	}
	abi := contracts.NewRegistry()
	r := &Registry{cfg: cfg, backend: backend, abi: abi, bound: abi.Instance(backend, cfg.Address), tx: tx}
	if cfg.NoCache {
		return r, nil
	}
	head, err := backend.BlockNumber(ctx)
	if err != nil {
		return nil, fmt.Errorf("chain: registry: read head: %w", err)
	}
	r.cache = &registryCache{height: head, members: map[string]*Member{}}
	pctx, cancel := context.WithCancel(context.Background())
	r.stop, r.done = cancel, make(chan struct{})
	go r.poll(pctx)
	return r, nil
}

// WithSigner returns a client sharing r's connection and cache that signs
// its writes with s. Closing it does not stop r's poller.
func (r *Registry) WithSigner(ctx context.Context, s Signer) (*Registry, error) {
	tx, err := newTransactor(ctx, r.backend, s)
	if err != nil {
		return nil, err
	}
	c := *r
	c.tx, c.stop, c.done = tx, nil, nil
	return &c, nil
}

// WithIdentity returns a client sharing r's connection, signer and cache
// that validates identity proofs with v and tells nonces (which may be
// nil) about the nonce each registration uses. Closing it does not stop
// r's poller.
func (r *Registry) WithIdentity(v IdentityVerifier, nonces NonceConsumer) *Registry {
	c := *r
	c.cfg.Verifier, c.cfg.Nonces = v, nonces
	c.stop, c.done = nil, nil
	return &c
}

// Close stops the event poller.
func (r *Registry) Close() error {
	if r.stop != nil {
		r.stop()
		<-r.done
	}
	return nil
}

// EnvironmentID is the environment this registry serves.
func (r *Registry) EnvironmentID() string { return r.cfg.EnvironmentID }

// Address is the registry contract's address.
func (r *Registry) Address() common.Address { return r.cfg.Address }

// Signer is the address writes are signed with (zero when read-only).
func (r *Registry) Signer() common.Address {
	if r.tx == nil {
		return common.Address{}
	}
	return r.tx.signer.Address()
}

func (r *Registry) poll(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := r.Sync(ctx)
		r.cache.mu.Lock()
		r.cache.lastErr = err
		r.cache.mu.Unlock()
	}
}

// Height returns the last block whose registry events the cache has
// applied (0 without a cache).
func (r *Registry) Height() uint64 {
	if r.cache == nil {
		return 0
	}
	r.cache.mu.Lock()
	defer r.cache.mu.Unlock()
	return r.cache.height
}

// PollErr returns the error of the poller's last round (nil when it
// succeeded or there is no cache), for health checks: while it fails,
// lookups may serve values older than the chain's head.
func (r *Registry) PollErr() error {
	if r.cache == nil {
		return nil
	}
	r.cache.mu.Lock()
	defer r.cache.mu.Unlock()
	return r.cache.lastErr
}

// Sync applies every registry event up to the current head to the cache
// now, instead of waiting for the poller, and returns the new height.
func (r *Registry) Sync(ctx context.Context) (uint64, error) {
	c := r.cache
	if c == nil {
		return 0, nil
	}
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	head, err := r.backend.BlockNumber(ctx)
	if err != nil {
		return 0, fmt.Errorf("chain: registry sync: read head: %w", err)
	}
	c.mu.Lock()
	from := c.height + 1
	c.mu.Unlock()
	const span = 5000
	for from <= head {
		to := min(head, from+span-1)
		logs, err := r.backend.FilterLogs(ctx, ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(from),
			ToBlock:   new(big.Int).SetUint64(to),
			Addresses: []common.Address{r.cfg.Address},
		})
		if err != nil {
			return 0, fmt.Errorf("chain: registry sync: logs %d–%d: %w", from, to, err)
		}
		touched, listChanged := r.affected(logs)
		c.mu.Lock()
		for name := range touched {
			delete(c.members, name)
		}
		if listChanged {
			c.names, c.named = nil, false
		}
		if len(touched) > 0 || listChanged {
			c.epoch++
		}
		c.height = to
		c.mu.Unlock()
		from = to + 1
	}
	return head, nil
}

// affected names the members the logs change and whether the member list changed.
func (r *Registry) affected(logs []types.Log) (map[string]bool, bool) {
	touched := map[string]bool{}
	list := false
	for i := range logs {
		l := &logs[i]
		if ev, err := r.abi.UnpackProfileSetEvent(l); err == nil {
			touched[ev.Name] = true
		} else if ev, err := r.abi.UnpackProfileDeletedEvent(l); err == nil {
			touched[ev.Name] = true
		} else if ev, err := r.abi.UnpackMemberStatusChangedEvent(l); err == nil {
			touched[ev.Name] = true
		} else if ev, err := r.abi.UnpackMemberAddedEvent(l); err == nil {
			touched[ev.Name], list = true, true
		} else if ev, err := r.abi.UnpackMemberRemovedEvent(l); err == nil {
			touched[ev.Name], list = true, true
		}
	}
	return touched, list
}

// Member returns the member called name, or an error for which
// errors.Is(err, ErrUnknownMember).
func (r *Registry) Member(ctx context.Context, name string) (*Member, error) {
	c := r.cache
	if c == nil {
		m, err := r.fetchMember(ctx, name, 0)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	c.mu.Lock()
	if m, ok := c.members[name]; ok {
		c.mu.Unlock()
		return m.clone(), nil
	}
	h, epoch := c.height, c.epoch
	c.mu.Unlock()
	m, err := r.fetchMember(ctx, name, h)
	if err != nil && h > 0 && ctx.Err() == nil {
		// Unknown at the poller's height may mean registered since; any
		// other failure may mean the node no longer keeps state that old
		// (a stalled poller on a pruning node). Either way answer from the
		// latest state, uncached: the poller will catch up.
		return r.fetchMember(ctx, name, 0)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.epoch == epoch {
		c.members[name] = m
	}
	c.mu.Unlock()
	return m.clone(), nil
}

// MemberAt reads the member called name as the chain held it at block
// height (0: the latest), bypassing the cache; checking old evidence
// needs a node that keeps state that old. An unknown member gives an
// error for which errors.Is(err, ErrUnknownMember).
func (r *Registry) MemberAt(ctx context.Context, name string, height uint64) (*Member, error) {
	return r.fetchMember(ctx, name, height)
}

func (r *Registry) fetchMember(ctx context.Context, name string, height uint64) (*Member, error) {
	return r.fetchMemberOpt(ctx, name, height, true)
}

// fetchMemberOpt reads a member and its profile at height (0: latest) and,
// if withIdentity, its identity proof chain from the MemberAdded event.
func (r *Registry) fetchMemberOpt(ctx context.Context, name string, height uint64, withIdentity bool) (*Member, error) {
	if !destination.ValidID(name) {
		return nil, fmt.Errorf("chain: member %q: %w", name, ErrUnknownMember)
	}
	opts := callOpts(ctx, height)
	raw, err := bind.Call(r.bound, opts, r.abi.PackGetMember(name), r.abi.UnpackGetMember)
	if err != nil {
		return nil, fmt.Errorf("chain: read member %q: %w", name, decodeRevert(err, r.abi.UnpackError))
	}
	prof, err := bind.Call(r.bound, opts, r.abi.PackGetProfile(name), r.abi.UnpackGetProfile)
	if err != nil {
		return nil, fmt.Errorf("chain: read profile of %q: %w", name, decodeRevert(err, r.abi.UnpackError))
	}
	m := &Member{
		Name:         raw.Name,
		Owner:        raw.Owner,
		Identity:     Identity{SelfSigned: raw.SelfSigned, ProofHash: raw.ProofHash},
		Status:       Status(raw.Status),
		RegisteredAt: raw.RegisteredAt,
		Profile:      make(map[string]string, len(prof.Ks)),
	}
	for i, k := range prof.Ks {
		if i < len(prof.Vs) {
			m.Profile[k] = prof.Vs[i]
		}
	}
	if withIdentity {
		chainPEM, err := r.proofChain(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("chain: identity proof of %q: %w", name, err)
		}
		m.Identity = describeIdentity(chainPEM, raw.SelfSigned, raw.ProofHash)
	}
	return m, nil
}

// proofChain finds the identity proof PEM chain of a member in the
// MemberAdded event of the block it was registered in, and checks it
// against the stored hash (the contract checked it too).
func (r *Registry) proofChain(ctx context.Context, m contracts.RegistryMember) (string, error) {
	blk := new(big.Int).SetUint64(m.RegisteredAt)
	logs, err := r.backend.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: blk, ToBlock: blk, Addresses: []common.Address{r.cfg.Address},
		Topics: [][]common.Hash{{r.abi.GetABI().Events[contracts.RegistryMemberAddedEventName].ID}, {common.BytesToHash(m.Owner.Bytes())}},
	})
	if err != nil {
		return "", fmt.Errorf("read MemberAdded event in block %d: %w", m.RegisteredAt, err)
	}
	for i := len(logs) - 1; i >= 0; i-- {
		ev, err := r.abi.UnpackMemberAddedEvent(&logs[i])
		if err != nil || ev.Name != m.Name {
			continue
		}
		if proofHash([]byte(ev.ProofChain)) != m.ProofHash {
			return "", fmt.Errorf("event in block %d does not match the stored hash: %w", m.RegisteredAt, ErrIdentityRejected)
		}
		return ev.ProofChain, nil
	}
	return "", fmt.Errorf("no MemberAdded event in block %d (pruned logs?)", m.RegisteredAt)
}

// MemberOf returns the name of the member owner owns, or an error for
// which errors.Is(err, ErrUnknownMember). It always reads the chain.
func (r *Registry) MemberOf(ctx context.Context, owner common.Address) (string, error) {
	name, err := bind.Call(r.bound, &bind.CallOpts{Context: ctx}, r.abi.PackMemberOf(owner), r.abi.UnpackMemberOf)
	if err != nil {
		err = decodeRevert(err, r.abi.UnpackError)
		if errors.Is(err, ErrBadArgument) {
			err = ErrUnknownMember
		}
		return "", fmt.Errorf("chain: member owned by %s: %w", owner.Hex(), err)
	}
	return name, nil
}

// MemberNames lists the registered member names in registry order.
func (r *Registry) MemberNames(ctx context.Context) ([]string, error) {
	c := r.cache
	var h, epoch uint64
	if c != nil {
		c.mu.Lock()
		if c.named {
			names := append([]string(nil), c.names...)
			c.mu.Unlock()
			return names, nil
		}
		h, epoch = c.height, c.epoch
		c.mu.Unlock()
	}
	names, err := bind.Call(r.bound, callOpts(ctx, h), r.abi.PackMemberNames(), r.abi.UnpackMemberNames)
	if err != nil {
		return nil, fmt.Errorf("chain: list members: %w", decodeRevert(err, r.abi.UnpackError))
	}
	if c != nil {
		c.mu.Lock()
		if c.epoch == epoch {
			c.names, c.named = append([]string(nil), names...), true
		}
		c.mu.Unlock()
	}
	return names, nil
}

// Members returns every member with its profile, in registry order.
func (r *Registry) Members(ctx context.Context) ([]*Member, error) {
	names, err := r.MemberNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Member, 0, len(names))
	for _, n := range names {
		m, err := r.Member(ctx, n)
		if errors.Is(err, ErrUnknownMember) {
			continue // removed since the list was read
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Destinations lists the destinations member publishes.
func (r *Registry) Destinations(ctx context.Context, member string) ([]Destination, error) {
	m, err := r.Member(ctx, member)
	if err != nil {
		return nil, err
	}
	return m.Destinations(), nil
}

// Destination returns the published destination uri. A URI no member
// publishes, of an unknown member, or of another environment returns an
// error for which errors.Is(err, destination.ErrUnknownDestination).
func (r *Registry) Destination(ctx context.Context, u destination.URI) (Destination, error) {
	if err := u.Validate(); err != nil {
		return Destination{}, fmt.Errorf("chain: destination: %w: %w", destination.ErrUnknownDestination, err)
	}
	uri := u.String()
	var err error
	if u.Environment != r.cfg.EnvironmentID {
		return Destination{}, fmt.Errorf("chain: destination %q: environment %q is not this registry's %q: %w: %w",
			uri, u.Environment, r.cfg.EnvironmentID, destination.ErrUnknownDestination, ErrCrossEnvironment)
	}
	var m *Member
	if r.cache == nil {
		m, err = r.fetchMemberOpt(ctx, u.Member, 0, false) // the certificate needs no identity
	} else {
		m, err = r.Member(ctx, u.Member)
	}
	if errors.Is(err, ErrUnknownMember) {
		return Destination{}, fmt.Errorf("chain: destination %q: %w: %w", uri, destination.ErrUnknownDestination, err)
	}
	if err != nil {
		return Destination{}, err
	}
	pemText, ok := m.Profile[DestinationKeyPrefix+uri]
	if !ok && r.cache != nil {
		// The cache answers at the poller's height: a destination published
		// since (say, by the recipient's node a moment ago) is missing
		// there. Ask the latest state, uncached, before refusing it.
		if fresh, err := r.fetchMemberOpt(ctx, u.Member, 0, false); err == nil {
			m = fresh
			pemText, ok = m.Profile[DestinationKeyPrefix+uri]
		}
	}
	if !ok {
		return Destination{}, fmt.Errorf("chain: destination %q: member %q publishes no certificate for it: %w", uri, u.Member, destination.ErrUnknownDestination)
	}
	return Destination{URI: u, Name: u.Name, Member: m.Name, MemberStatus: m.Status, CertificatePEM: pemText}, nil
}

// Certificate returns the certificate published for destination uri, to
// seal to or verify with. Besides Destination's errors, a suspended
// member's destination returns an error for which errors.Is(err,
// ErrSuspended).
func (r *Registry) Certificate(ctx context.Context, uri destination.URI) (*x509.Certificate, error) {
	d, err := r.Destination(ctx, uri)
	if err != nil {
		return nil, err
	}
	if d.MemberStatus != StatusActive {
		return nil, fmt.Errorf("chain: destination %q: member %q is %s: %w", uri, d.Member, d.MemberStatus, ErrSuspended)
	}
	return d.Certificate()
}

// AddressBook lists every member and its destinations.
func (r *Registry) AddressBook(ctx context.Context) ([]AddressBookEntry, error) {
	ms, err := r.Members(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]AddressBookEntry, 0, len(ms))
	for _, m := range ms {
		e := AddressBookEntry{Membership: "/" + m.Name, SelfSigned: m.Identity.SelfSigned,
			OrganizationUnvouched: m.Identity.OrganizationUnvouched, Destinations: []AddressBookDestination{}}
		for _, d := range m.Destinations() {
			e.Destinations = append(e.Destinations, AddressBookDestination{URI: d.URI, Name: d.Name})
		}
		out = append(out, e)
	}
	return out, nil
}

// Registration is what Register needs to add a member.
type Registration struct {
	Name     string         // member name, 1–64 of A-Z a-z 0-9 - _ .
	Owner    common.Address // the address that will own the member's profile
	ProofPEM []byte         // identity proof: PEM chain, leaf first
	Nonce    string         // the single-use nonce the proof's leaf carries
}

// Register validates reg's identity proof for this environment and nonce,
// consumes the nonce and adds the member; the signer must be an admin.
// A rejected proof returns an error for which errors.Is(err,
// ErrIdentityRejected) (wrapping the verifier's own error); a taken
// name or owner returns ErrMemberExists; in both cases nothing changes.
func (r *Registry) Register(ctx context.Context, reg Registration) (*Member, error) {
	op := fmt.Sprintf("chain: register %q", reg.Name)
	if r.tx == nil {
		return nil, fmt.Errorf("%s: %w", op, ErrNoSigner)
	}
	if !destination.ValidID(reg.Name) {
		return nil, fmt.Errorf("%s: name must be 1–64 of A-Z a-z 0-9 - _ .: %w", op, ErrBadArgument)
	}
	if reg.Owner == (common.Address{}) {
		return nil, fmt.Errorf("%s: owner address is zero: %w", op, ErrBadArgument)
	}
	if len(reg.ProofPEM) == 0 || len(reg.ProofPEM) > maxProofPEM {
		return nil, fmt.Errorf("%s: identity proof must be 1 byte to %d KiB of PEM: %w", op, maxProofPEM>>10, ErrIdentityRejected)
	}
	if r.cfg.Verifier == nil {
		return nil, fmt.Errorf("%s: no identity verifier configured: %w", op, ErrIdentityRejected)
	}
	id, err := r.cfg.Verifier.VerifyIdentity(reg.ProofPEM, r.cfg.EnvironmentID, reg.Nonce)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", op, ErrIdentityRejected, err)
	}
	data := r.abi.PackAddMember(reg.Name, reg.Owner, proofHash(reg.ProofPEM), string(reg.ProofPEM), id.SelfSigned)
	// Dry run first: a taken name or a non-admin signer fails here, before
	// the nonce is spent.
	if _, err := r.bound.CallRaw(&bind.CallOpts{Context: ctx, From: r.tx.signer.Address()}, data); err != nil {
		return nil, fmt.Errorf("%s: %w", op, decodeRevert(err, r.abi.UnpackError))
	}
	if r.cfg.Nonces != nil {
		if err := r.cfg.Nonces.ConsumeNonce(ctx, r.cfg.EnvironmentID, reg.Nonce, reg.Name, reg.Owner.Hex()); err != nil {
			return nil, fmt.Errorf("%s: nonce: %w: %w", op, ErrIdentityRejected, err)
		}
	}
	if _, err := r.write(ctx, data); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return r.fetchMember(ctx, reg.Name, 0)
}

// write sends a registry transaction, waits for it and brings the cache
// up to its block so the writer reads its own write.
func (r *Registry) write(ctx context.Context, data []byte) (*types.Receipt, error) {
	rc, err := r.tx.send(ctx, r.bound, data, r.abi.UnpackError)
	if err != nil {
		return rc, err
	}
	if _, err := r.Sync(ctx); err != nil {
		return rc, err
	}
	return rc, nil
}

// RemoveMember deletes a member and its profile; the signer must be an admin.
func (r *Registry) RemoveMember(ctx context.Context, name string) (*types.Receipt, error) {
	rc, err := r.write(ctx, r.abi.PackRemoveMember(name))
	if err != nil {
		return nil, fmt.Errorf("chain: remove member %q: %w", name, err)
	}
	return rc, nil
}

// SetStatus changes a member's status; the signer must be an admin.
func (r *Registry) SetStatus(ctx context.Context, name string, s Status) (*types.Receipt, error) {
	if s != StatusActive && s != StatusSuspended {
		return nil, fmt.Errorf("chain: set status of %q: %v: %w", name, s, ErrBadArgument)
	}
	rc, err := r.write(ctx, r.abi.PackSetStatus(name, uint8(s)))
	if err != nil {
		return nil, fmt.Errorf("chain: set status of %q: %w", name, err)
	}
	return rc, nil
}

// SetAdmin grants or revokes admin rights; the signer must be an admin.
func (r *Registry) SetAdmin(ctx context.Context, addr common.Address, enabled bool) (*types.Receipt, error) {
	rc, err := r.write(ctx, r.abi.PackSetAdmin(addr, enabled))
	if err != nil {
		return nil, fmt.Errorf("chain: set admin %s: %w", addr.Hex(), err)
	}
	return rc, nil
}

// SetProfile sets key to value in member's profile. Only the member's
// owner may: any other signer gets an error for which errors.Is(err,
// ErrNotOwner), and nothing is sent.
func (r *Registry) SetProfile(ctx context.Context, member, key, value string) (*types.Receipt, error) {
	rc, err := r.write(ctx, r.abi.PackSetProfile(member, key, value))
	if err != nil {
		return nil, fmt.Errorf("chain: set profile %q of %q: %w", key, member, err)
	}
	return rc, nil
}

// DeleteProfile removes key from member's profile (owner only).
func (r *Registry) DeleteProfile(ctx context.Context, member, key string) (*types.Receipt, error) {
	rc, err := r.write(ctx, r.abi.PackDeleteProfile(member, key))
	if err != nil {
		return nil, fmt.Errorf("chain: delete profile %q of %q: %w", key, member, err)
	}
	return rc, nil
}

// PublishDestination publishes (or rotates) the certificate of
// destination uri in the profile of the member the URI names. The URI
// must be of this environment (ErrCrossEnvironment) and certPEM exactly
// one parseable certificate (destination.ErrBadCertificate); the signer must own the
// member (ErrNotOwner).
func (r *Registry) PublishDestination(ctx context.Context, u destination.URI, certPEM []byte) (*types.Receipt, error) {
	uri := u.String()
	op := fmt.Sprintf("chain: publish destination %q", uri)
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if u.Environment != r.cfg.EnvironmentID {
		return nil, fmt.Errorf("%s: environment %q is not this registry's %q: %w", op, u.Environment, r.cfg.EnvironmentID, ErrCrossEnvironment)
	}
	if len(certPEM) > maxCertPEM {
		return nil, fmt.Errorf("%s: certificate larger than %d KiB: %w", op, maxCertPEM>>10, destination.ErrBadCertificate)
	}
	if _, err := parseOneCert(certPEM); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	rc, err := r.write(ctx, r.abi.PackSetProfile(u.Member, DestinationKeyPrefix+uri, string(certPEM)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return rc, nil
}

// RemoveDestination deletes destination uri from its member's profile
// (owner only); an unpublished URI returns destination.ErrUnknownDestination.
func (r *Registry) RemoveDestination(ctx context.Context, u destination.URI) (*types.Receipt, error) {
	uri := u.String()
	op := fmt.Sprintf("chain: remove destination %q", uri)
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	rc, err := r.write(ctx, r.abi.PackDeleteProfile(u.Member, DestinationKeyPrefix+uri))
	if errors.Is(err, ErrBadArgument) {
		return nil, fmt.Errorf("%s: %w", op, destination.ErrUnknownDestination)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return rc, nil
}

// parseOneCert parses a PEM text holding exactly one certificate.
func parseOneCert(b []byte) (*x509.Certificate, error) {
	blk, rest := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("want one PEM CERTIFICATE block: %w", destination.ErrBadCertificate)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, fmt.Errorf("text after the certificate: %w", destination.ErrBadCertificate)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", destination.ErrBadCertificate, err)
	}
	return c, nil
}
