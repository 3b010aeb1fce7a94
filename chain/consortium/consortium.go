// Package consortium is the small management model around a consortium
// chain: consortia, their environments (each one chain: chain id and
// consensus kind, recorded as metadata), memberships, nodes, single-use
// invitations, services and destinations.
//
// The rule that holds everything together: every record other than a
// consortium belongs to exactly one environment, and nothing crosses
// environments. A node, service or destination can only reference a
// membership or service of its own environment; an invitation's nonce
// can only be redeemed in the environment it was issued for, and only
// once. Violations return errors for which errors.Is(err,
// ErrCrossEnvironment) (or ErrInvitationUsed, ErrInvitationExpired,
// ErrNotFound) and change nothing.
//
// Records are kept in a Store, a five-method interface; NewMemoryStore
// is the in-process implementation and NewSQLStore keeps them as JSON
// documents in one table of a database/sql database (SQLite dialect).
// Both run the same tests.
package consortium

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/consign/consign/internal/errkind"
)

// Sentinel errors.
var (
	// ErrNotFound means the store has no record of that kind and id.
	ErrNotFound = errkind.New(errkind.NotFound, "not found")
	// ErrExists is returned when a record with that id is already stored.
	ErrExists = errkind.New(errkind.Exists, "already exists")
	// ErrCrossEnvironment means the record belongs to another environment
	// than the one asked about.
	ErrCrossEnvironment = errkind.New(errkind.Forbidden, "belongs to another environment")
	// ErrInvitationUsed is returned for an invitation that was already
	// accepted; ask for a new one.
	ErrInvitationUsed = errkind.New(errkind.Conflict, "invitation already used")
	// ErrInvitationExpired is returned for an invitation past its expiry;
	// ask for a new one.
	ErrInvitationExpired = errkind.New(errkind.Conflict, "invitation expired")
	// ErrInvalid reports an unusable record or argument (empty, malformed,
	// out of range, or an update that would change a record's key).
	ErrInvalid = errkind.New(errkind.Invalid, "invalid record")
)

// Consensus is the consensus kind of an environment's chain. It is
// metadata: Consign talks JSON-RPC to whatever runs the chain.
type Consensus string

// Known consensus kinds.
const (
	PoA  Consensus = "poa"
	Raft Consensus = "raft"
	IBFT Consensus = "ibft"
)

// Kinds of record, as used by Store.
const (
	KindConsortium  = "consortium"
	KindEnvironment = "environment"
	KindMembership  = "membership"
	KindNode        = "node"
	KindInvitation  = "invitation"
	KindService     = "service"
	KindDestination = "destination"
	KindProofNonce  = "proofnonce"
)

// Record is anything a Store keeps.
type Record interface {
	// Key returns the record's kind and id, unique together.
	Key() (kind, id string)
	// Env is the environment the record belongs to ("" only for a consortium).
	Env() string
}

// Consortium groups environments.
type Consortium struct {
	ID, Name  string
	CreatedAt time.Time
}

// Environment is one chain of a consortium.
type Environment struct {
	ID, ConsortiumID, Name string
	ChainID                uint64
	Consensus              Consensus
	CreatedAt              time.Time
}

// Membership is an organization's place in an environment. Its ID is the
// member name used in the on-chain registry and in destination URIs.
type Membership struct {
	ID, EnvironmentID, OrgName string
	Owner                      string // Ethereum address (hex) that owns the registry entry
	CreatedAt                  time.Time
}

// Node is a Consign node run by a membership.
type Node struct {
	ID, EnvironmentID, MembershipID, Name string
	RPCURL                                string
}

// Invitation lets an organization join an environment once. Its Nonce is
// what the invitee's identity proof must carry.
type Invitation struct {
	Token, EnvironmentID, OrgName, Nonce string
	CreatedAt, ExpiresAt                 time.Time
	UsedAt                               time.Time // zero while unused
	MembershipID                         string    // set when redeemed
}

// Service is a membership's document store or app-to-app service.
type Service struct {
	ID, EnvironmentID, MembershipID string
	Kind                            string // "documentstore", "app2app"
	Name                            string
}

// Destination is an addressable inbox of a service.
type Destination struct {
	EnvironmentID, MembershipID, ServiceID, Name string
	URI                                          string
}

// ProofNonce is a single-use nonce issued to a membership for its
// identity proof: the proof's leaf CN must start with
// "<EnvironmentID>-<Nonce>".
type ProofNonce struct {
	Nonce, EnvironmentID, MembershipID string
	CreatedAt                          time.Time
	UsedAt                             time.Time // zero while unused
}

// CNPrefix is what the leaf CN of the identity proof must start with.
func (p ProofNonce) CNPrefix() string { return p.EnvironmentID + "-" + p.Nonce }

func (r ProofNonce) Key() (string, string)  { return KindProofNonce, r.Nonce }
func (r ProofNonce) Env() string            { return r.EnvironmentID }
func (r Consortium) Key() (string, string)  { return KindConsortium, r.ID }
func (r Consortium) Env() string            { return "" }
func (r Environment) Key() (string, string) { return KindEnvironment, r.ID }
func (r Environment) Env() string           { return r.ID }
func (r Membership) Key() (string, string)  { return KindMembership, r.ID }
func (r Membership) Env() string            { return r.EnvironmentID }
func (r Node) Key() (string, string)        { return KindNode, r.ID }
func (r Node) Env() string                  { return r.EnvironmentID }
func (r Invitation) Key() (string, string)  { return KindInvitation, r.Token }
func (r Invitation) Env() string            { return r.EnvironmentID }
func (r Service) Key() (string, string)     { return KindService, r.ID }
func (r Service) Env() string               { return r.EnvironmentID }
func (r Destination) Key() (string, string) { return KindDestination, r.URI }
func (r Destination) Env() string           { return r.EnvironmentID }

// Store keeps records. Get and Update return ErrNotFound for a missing
// record; Create returns ErrExists for a taken key. Update applies fn
// atomically with respect to other Store calls; if fn fails nothing changes.
type Store interface {
	Create(ctx context.Context, r Record) error
	Get(ctx context.Context, kind, id string) (Record, error)
	Update(ctx context.Context, kind, id string, fn func(Record) (Record, error)) error
	List(ctx context.Context, kind, env string) ([]Record, error)
	// Find returns the records of kind in env for which match is true.
	Find(ctx context.Context, kind, env string, match func(Record) bool) ([]Record, error)
}

// Model applies the rules on top of a Store.
type Model struct {
	store Store
	now   func() time.Time
	rand  io.Reader
}

// New returns a Model over store using the wall clock and crypto/rand.
func New(store Store) *Model { return &Model{store: store, now: time.Now, rand: rand.Reader} }

func (m *Model) id(prefix string) (string, error) {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 8)
	if _, err := io.ReadFull(m.rand, b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b), nil
}

func (m *Model) secret(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(m.rand, b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func get[T Record](ctx context.Context, s Store, kind, id string) (T, error) {
	var zero T
	r, err := s.Get(ctx, kind, id)
	if err != nil {
		return zero, fmt.Errorf("consortium: %s %q: %w", kind, id, err)
	}
	v, ok := r.(T)
	if !ok {
		return zero, fmt.Errorf("consortium: %s %q: stored record has type %T: %w", kind, id, r, ErrInvalid)
	}
	return v, nil
}

func list[T Record](ctx context.Context, s Store, kind, env string) ([]T, error) {
	rs, err := s.List(ctx, kind, env)
	if err != nil {
		return nil, fmt.Errorf("consortium: list %s: %w", kind, err)
	}
	out := make([]T, 0, len(rs))
	for _, r := range rs {
		if v, ok := r.(T); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// sameEnv loads kind/id and checks it belongs to env.
func sameEnv[T Record](ctx context.Context, s Store, kind, id, env string) (T, error) {
	v, err := get[T](ctx, s, kind, id)
	if err != nil {
		return v, err
	}
	if v.Env() != env {
		return v, fmt.Errorf("consortium: %s %q is in environment %q, not %q: %w", kind, id, v.Env(), env, ErrCrossEnvironment)
	}
	return v, nil
}

func nonEmpty(what, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("consortium: %s is empty: %w", what, ErrInvalid)
	}
	return nil
}

// CreateConsortium records a new consortium.
func (m *Model) CreateConsortium(ctx context.Context, name string) (Consortium, error) {
	if err := nonEmpty("consortium name", name); err != nil {
		return Consortium{}, err
	}
	id, err := m.id("zz")
	if err != nil {
		return Consortium{}, err
	}
	c := Consortium{ID: id, Name: name, CreatedAt: m.now()}
	return c, m.store.Create(ctx, c)
}

// CreateEnvironment adds an environment (one chain) to a consortium.
func (m *Model) CreateEnvironment(ctx context.Context, consortiumID, name string, chainID uint64, consensus Consensus) (Environment, error) {
	return m.createEnvironment(ctx, consortiumID, "", name, chainID, consensus)
}

func (m *Model) createEnvironment(ctx context.Context, consortiumID, id, name string, chainID uint64, consensus Consensus) (Environment, error) {
	if err := nonEmpty("environment name", name); err != nil {
		return Environment{}, err
	}
	switch consensus {
	case PoA, Raft, IBFT:
	default:
		return Environment{}, fmt.Errorf("consortium: consensus %q is not one of poa, raft, ibft: %w", consensus, ErrInvalid)
	}
	if _, err := get[Consortium](ctx, m.store, KindConsortium, consortiumID); err != nil {
		return Environment{}, err
	}
	if id == "" {
		var err error
		if id, err = m.id("zz"); err != nil {
			return Environment{}, err
		}
	}
	e := Environment{ID: id, ConsortiumID: consortiumID, Name: name, ChainID: chainID, Consensus: consensus, CreatedAt: m.now()}
	return e, m.store.Create(ctx, e)
}

// Consortium returns the consortium with id.
func (m *Model) Consortium(ctx context.Context, id string) (Consortium, error) {
	return get[Consortium](ctx, m.store, KindConsortium, id)
}

// Consortia lists every consortium, ordered by id.
func (m *Model) Consortia(ctx context.Context) ([]Consortium, error) {
	return list[Consortium](ctx, m.store, KindConsortium, "")
}

// Environments lists the environments of consortiumID, ordered by id.
func (m *Model) Environments(ctx context.Context, consortiumID string) ([]Environment, error) {
	all, err := list[Environment](ctx, m.store, KindEnvironment, "")
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if e.ConsortiumID == consortiumID {
			out = append(out, e)
		}
	}
	return out, nil
}

// EnvironmentOf returns environment envID, checking that it belongs to
// consortiumID: one of another consortium is refused with
// ErrCrossEnvironment.
func (m *Model) EnvironmentOf(ctx context.Context, consortiumID, envID string) (Environment, error) {
	e, err := m.Environment(ctx, envID)
	if err != nil {
		return Environment{}, err
	}
	if e.ConsortiumID != consortiumID {
		return Environment{}, fmt.Errorf("consortium: environment %q belongs to consortium %q, not %q: %w", envID, e.ConsortiumID, consortiumID, ErrCrossEnvironment)
	}
	return e, nil
}

// AdoptEnvironment records an environment whose id was chosen before the
// management layer knew of it (a chain already running with that id, as
// `consign dev` keeps across restarts). The id must be 1–64 of a-z 0-9
// (no '-', which separates it from the nonce in identity-proof CNs).
func (m *Model) AdoptEnvironment(ctx context.Context, consortiumID, id, name string, chainID uint64, consensus Consensus) (Environment, error) {
	if !validEnvID(id) {
		return Environment{}, fmt.Errorf("consortium: environment id %q must be 1–64 of a-z 0-9: %w", id, ErrInvalid)
	}
	return m.createEnvironment(ctx, consortiumID, id, name, chainID, consensus)
}

func validEnvID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Environment returns the environment with id.
func (m *Model) Environment(ctx context.Context, id string) (Environment, error) {
	return get[Environment](ctx, m.store, KindEnvironment, id)
}

// Invite issues a single-use invitation to envID valid for ttl. The
// returned Nonce goes into the invitee's identity proof.
func (m *Model) Invite(ctx context.Context, envID, orgName string, ttl time.Duration) (Invitation, error) {
	if err := nonEmpty("organization name", orgName); err != nil {
		return Invitation{}, err
	}
	if ttl <= 0 {
		return Invitation{}, fmt.Errorf("consortium: invitation lifetime %v: %w", ttl, ErrInvalid)
	}
	if _, err := m.Environment(ctx, envID); err != nil {
		return Invitation{}, err
	}
	token, err := m.secret(24)
	if err != nil {
		return Invitation{}, err
	}
	nonce, err := m.secret(16)
	if err != nil {
		return Invitation{}, err
	}
	now := m.now()
	inv := Invitation{Token: token, EnvironmentID: envID, OrgName: orgName, Nonce: nonce, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	return inv, m.store.Create(ctx, inv)
}

// Invitation returns the invitation with token, so the invitee can learn
// the environment and nonce its identity proof must name. The token is
// the secret shared with the invitee; the nonce is single-use (Redeem).
func (m *Model) Invitation(ctx context.Context, token string) (Invitation, error) {
	inv, err := get[Invitation](ctx, m.store, KindInvitation, token)
	if err != nil {
		return Invitation{}, fmt.Errorf("consortium: invitation: %w", ErrNotFound)
	}
	if !inv.UsedAt.IsZero() {
		return Invitation{}, fmt.Errorf("consortium: invitation: used at %s: %w", inv.UsedAt.Format(time.RFC3339), ErrInvitationUsed)
	}
	if !m.now().Before(inv.ExpiresAt) {
		return Invitation{}, fmt.Errorf("consortium: invitation: expired at %s: %w", inv.ExpiresAt.Format(time.RFC3339), ErrInvitationExpired)
	}
	return inv, nil
}

// Redeem consumes the invitation whose nonce is nonce in envID and
// creates the membership memberID owned by owner. It fails, changing
// nothing, if the nonce is unknown, was issued for another environment,
// is used or has expired, or memberID is taken.
func (m *Model) Redeem(ctx context.Context, envID, nonce, memberID, owner string) (Membership, error) {
	if err := nonEmpty("member id", memberID); err != nil {
		return Membership{}, err
	}
	found, err := m.store.Find(ctx, KindInvitation, "", func(r Record) bool {
		inv, ok := r.(Invitation)
		return ok && inv.Nonce == nonce
	})
	if err != nil {
		return Membership{}, fmt.Errorf("consortium: redeem: %w", err)
	}
	if len(found) == 0 || nonce == "" {
		return Membership{}, fmt.Errorf("consortium: redeem nonce: no invitation carries it: %w", ErrNotFound)
	}
	inv := found[0].(Invitation)
	if inv.EnvironmentID != envID {
		return Membership{}, fmt.Errorf("consortium: redeem nonce: issued for environment %q, not %q: %w", inv.EnvironmentID, envID, ErrCrossEnvironment)
	}
	if _, err := m.store.Get(ctx, KindMembership, memberID); err == nil {
		return Membership{}, fmt.Errorf("consortium: membership %q: %w", memberID, ErrExists)
	}
	now := m.now()
	err = m.store.Update(ctx, KindInvitation, inv.Token, func(r Record) (Record, error) {
		cur := r.(Invitation)
		if !cur.UsedAt.IsZero() {
			return nil, fmt.Errorf("consortium: redeem nonce: used at %s: %w", cur.UsedAt.Format(time.RFC3339), ErrInvitationUsed)
		}
		if !now.Before(cur.ExpiresAt) {
			return nil, fmt.Errorf("consortium: redeem nonce: expired at %s: %w", cur.ExpiresAt.Format(time.RFC3339), ErrInvitationExpired)
		}
		cur.UsedAt, cur.MembershipID = now, memberID
		return cur, nil
	})
	if err != nil {
		return Membership{}, err
	}
	ms := Membership{ID: memberID, EnvironmentID: envID, OrgName: inv.OrgName, Owner: owner, CreatedAt: now}
	if err := m.store.Create(ctx, ms); err != nil {
		return Membership{}, fmt.Errorf("consortium: create membership %q: %w", memberID, err)
	}
	return ms, nil
}

// ConsumeNonce redeems the invitation carrying nonce for the member being
// registered on-chain; it is the hook chain.Registry calls (its
// NonceConsumer) after an identity proof naming nonce has been verified.
func (m *Model) ConsumeNonce(ctx context.Context, envID, nonce, memberName, owner string) error {
	_, err := m.Redeem(ctx, envID, nonce, memberName, owner)
	return err
}

// Accept redeems the invitation with token (the secret handed to the
// invitee) and creates the membership memberID owned by owner. A second
// Accept of the same token fails with ErrInvitationUsed and changes
// nothing.
func (m *Model) Accept(ctx context.Context, token, memberID, owner string) (Membership, error) {
	inv, err := get[Invitation](ctx, m.store, KindInvitation, token)
	if err != nil {
		return Membership{}, fmt.Errorf("consortium: invitation: no invitation has this token: %w", ErrNotFound)
	}
	return m.Redeem(ctx, inv.EnvironmentID, inv.Nonce, memberID, owner)
}

// Invitations lists the invitations of envID.
func (m *Model) Invitations(ctx context.Context, envID string) ([]Invitation, error) {
	return list[Invitation](ctx, m.store, KindInvitation, envID)
}

// Membership returns the membership with id.
func (m *Model) Membership(ctx context.Context, id string) (Membership, error) {
	return get[Membership](ctx, m.store, KindMembership, id)
}

// RequestProof issues a new single-use nonce for the identity proof of
// membershipID. Earlier unused nonces of the membership stay valid until
// one of them is used.
func (m *Model) RequestProof(ctx context.Context, membershipID string) (ProofNonce, error) {
	ms, err := m.Membership(ctx, membershipID)
	if err != nil {
		return ProofNonce{}, err
	}
	nonce, err := m.secret(16)
	if err != nil {
		return ProofNonce{}, err
	}
	p := ProofNonce{Nonce: nonce, EnvironmentID: ms.EnvironmentID, MembershipID: ms.ID, CreatedAt: m.now()}
	return p, m.store.Create(ctx, p)
}

// ProofNonces lists the identity-proof nonces issued to membershipID.
func (m *Model) ProofNonces(ctx context.Context, membershipID string) ([]ProofNonce, error) {
	ms, err := m.Membership(ctx, membershipID)
	if err != nil {
		return nil, err
	}
	rs, err := m.store.Find(ctx, KindProofNonce, ms.EnvironmentID, func(r Record) bool {
		p, ok := r.(ProofNonce)
		return ok && p.MembershipID == membershipID
	})
	if err != nil {
		return nil, fmt.Errorf("consortium: proof nonces: %w", err)
	}
	out := make([]ProofNonce, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.(ProofNonce))
	}
	return out, nil
}

// ProofNonce returns the nonce record, checking that it was issued to
// membershipID: another membership's nonce is refused with
// ErrCrossEnvironment (a borrowed proof), a used one with
// ErrInvitationUsed.
func (m *Model) ProofNonce(ctx context.Context, membershipID, nonce string) (ProofNonce, error) {
	p, err := get[ProofNonce](ctx, m.store, KindProofNonce, nonce)
	if err != nil {
		return ProofNonce{}, fmt.Errorf("consortium: identity-proof nonce: not issued (request one first): %w", ErrNotFound)
	}
	if p.MembershipID != membershipID {
		return ProofNonce{}, fmt.Errorf("consortium: identity-proof nonce was issued to another membership, not %q: %w", membershipID, ErrCrossEnvironment)
	}
	if !p.UsedAt.IsZero() {
		return ProofNonce{}, fmt.Errorf("consortium: identity-proof nonce used at %s; request a new one: %w", p.UsedAt.Format(time.RFC3339), ErrInvitationUsed)
	}
	return p, nil
}

// ProofNonceConsumer returns the chain.NonceConsumer (by shape) that
// marks an identity-proof nonce used when the member registers with it.
// It refuses a nonce of another environment or membership, or one used.
func (m *Model) ProofNonceConsumer() ProofNonceConsumer { return ProofNonceConsumer{m} }

// ProofNonceConsumer consumes identity-proof nonces; see
// Model.ProofNonceConsumer.
type ProofNonceConsumer struct{ m *Model }

// ConsumeNonce marks nonce used by memberName in envID.
func (c ProofNonceConsumer) ConsumeNonce(ctx context.Context, envID, nonce, memberName, _ string) error {
	now := c.m.now()
	return c.m.store.Update(ctx, KindProofNonce, nonce, func(r Record) (Record, error) {
		p := r.(ProofNonce)
		switch {
		case p.EnvironmentID != envID:
			return nil, fmt.Errorf("consortium: identity-proof nonce issued for environment %q, not %q: %w", p.EnvironmentID, envID, ErrCrossEnvironment)
		case p.MembershipID != memberName:
			return nil, fmt.Errorf("consortium: identity-proof nonce issued to membership %q, not %q: %w", p.MembershipID, memberName, ErrCrossEnvironment)
		case !p.UsedAt.IsZero():
			return nil, fmt.Errorf("consortium: identity-proof nonce used at %s: %w", p.UsedAt.Format(time.RFC3339), ErrInvitationUsed)
		}
		p.UsedAt = now
		return p, nil
	})
}

// Memberships lists the memberships of envID.
func (m *Model) Memberships(ctx context.Context, envID string) ([]Membership, error) {
	return list[Membership](ctx, m.store, KindMembership, envID)
}

// addToMembership checks a new record of membershipID in envID (what
// names its required field v), builds it with a new id and stores it.
func addToMembership[T Record](ctx context.Context, m *Model, envID, membershipID, what, v string, build func(id string) T) (T, error) {
	var zero T
	if err := nonEmpty(what, v); err != nil {
		return zero, err
	}
	if _, err := sameEnv[Membership](ctx, m.store, KindMembership, membershipID, envID); err != nil {
		return zero, err
	}
	id, err := m.id("zz")
	if err != nil {
		return zero, err
	}
	r := build(id)
	return r, m.store.Create(ctx, r)
}

// AddNode records a node of membershipID in envID.
func (m *Model) AddNode(ctx context.Context, envID, membershipID, name, rpcURL string) (Node, error) {
	return addToMembership(ctx, m, envID, membershipID, "node name", name, func(id string) Node {
		return Node{ID: id, EnvironmentID: envID, MembershipID: membershipID, Name: name, RPCURL: rpcURL}
	})
}

// Nodes lists the nodes of envID.
func (m *Model) Nodes(ctx context.Context, envID string) ([]Node, error) {
	return list[Node](ctx, m.store, KindNode, envID)
}

// AddService records a service of membershipID in envID.
func (m *Model) AddService(ctx context.Context, envID, membershipID, kind, name string) (Service, error) {
	return addToMembership(ctx, m, envID, membershipID, "service kind", kind, func(id string) Service {
		return Service{ID: id, EnvironmentID: envID, MembershipID: membershipID, Kind: kind, Name: name}
	})
}

// Services lists the services of envID.
func (m *Model) Services(ctx context.Context, envID string) ([]Service, error) {
	return list[Service](ctx, m.store, KindService, envID)
}

// AddDestination records destination name of serviceID in envID and
// derives its URI.
func (m *Model) AddDestination(ctx context.Context, envID, serviceID, name string) (Destination, error) {
	if !validDestName(name) {
		return Destination{}, fmt.Errorf("consortium: destination name %q: must be 1–64 of a-z 0-9 - _ .: %w", name, ErrInvalid)
	}
	svc, err := sameEnv[Service](ctx, m.store, KindService, serviceID, envID)
	if err != nil {
		return Destination{}, err
	}
	uri := "kld://" + svc.Kind + "/m/" + svc.MembershipID + "/e/" + envID + "/s/" + svc.ID + "/d/" + name
	d := Destination{EnvironmentID: envID, MembershipID: svc.MembershipID, ServiceID: svc.ID, Name: name, URI: uri}
	return d, m.store.Create(ctx, d)
}

// Destinations lists the destinations of envID.
func (m *Model) Destinations(ctx context.Context, envID string) ([]Destination, error) {
	return list[Destination](ctx, m.store, KindDestination, envID)
}

func validDestName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
