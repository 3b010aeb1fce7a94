package app2app

import (
	"context"
	stdcrypto "crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
)

// Destination describes one of a member's destinations.
type Destination struct {
	Name, Kind string
	URI        destination.URI
	Managed    bool
	// Certificate is the PEM certificate; empty for an externally managed
	// destination whose certificate has not been published yet.
	Certificate string
	// RequiredCN is the CN an externally managed destination's certificate
	// must carry (empty for managed ones).
	RequiredCN string
}

func (l *local) describe() Destination {
	return Destination{Name: l.name, URI: l.u, Kind: l.kind, Managed: l.managed, Certificate: l.certPEM, RequiredCN: l.requiredCN}
}

// CreateRequest asks for a new destination.
type CreateRequest struct {
	Name string
	Kind string // destination.KindApp2App or destination.KindDocumentStore
	// External makes an externally managed destination: the client brings
	// its own key and certificate (see SetCertificate).
	External bool
	// KeyAlgorithm of a managed destination's key; zero means the
	// service's default.
	KeyAlgorithm crypto.KeyAlgorithm
}

// RequiredCN is the subject CN an externally managed destination's
// certificate must have: "<kind>.<name>.<member>.<environment>" would be
// ambiguous (names hold dots), so the parts are joined with ':', a
// character none of them may contain and openssl's -subj accepts.
func RequiredCN(u destination.URI) string {
	return u.Kind + ":" + u.Member + ":" + u.Environment + ":" + u.Name
}

func (s *Service) publisher(member string) (Publisher, error) {
	p := s.cfg.Members[member]
	if p == nil {
		return nil, fmt.Errorf("member %q: %w", member, ErrNotHosted)
	}
	return p, nil
}

// Destinations lists member's destinations on this node, by name.
func (s *Service) Destinations(_ context.Context, member string) ([]Destination, error) {
	s.mu.RLock()
	out := []Destination{}
	for _, l := range s.byURI {
		if l.member == member {
			out = append(out, l.describe())
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *Service) byName(member, name string) *local {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, l := range s.byURI {
		if l.member == member && l.name == name {
			return l
		}
	}
	return nil
}

// CreateDestination makes a destination for member. A managed one gets a
// new key (sealed in the database) and a self-signed certificate that is
// published in the member's registry profile before the call returns; an
// externally managed one is only recorded, with the CN its certificate
// must carry. A bad name or kind wraps ErrBadRequest, a taken name
// ErrNameTaken; on any failure nothing is left behind.
func (s *Service) CreateDestination(ctx context.Context, member string, req CreateRequest) (Destination, error) {
	op := fmt.Sprintf("app2app: create destination %q", req.Name)
	pub, err := s.publisher(member)
	if err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	if !destination.ValidName(req.Name) {
		return Destination{}, fmt.Errorf("%s: a name is 1–64 of a-z 0-9 - _ .: %w", op, ErrBadRequest)
	}
	if req.Kind != destination.KindApp2App && req.Kind != destination.KindDocumentStore {
		return Destination{}, fmt.Errorf("%s: kind %q: want %q or %q: %w", op, clip(req.Kind), destination.KindApp2App, destination.KindDocumentStore, ErrBadRequest)
	}
	alg := req.KeyAlgorithm
	if alg == "" {
		alg = s.cfg.KeyAlgorithm
	}
	switch alg {
	case crypto.RSA2048, crypto.RSA3072, crypto.P256, crypto.Ed25519:
	default:
		return Destination{}, fmt.Errorf("%s: key algorithm %q: want rsa2048, rsa3072, p256 or ed25519: %w", op, clip(string(alg)), ErrBadRequest)
	}
	u := destination.URI{Scheme: s.cfg.Scheme, Kind: req.Kind, Member: member, Environment: s.cfg.EnvironmentID,
		Service: s.cfg.ServiceID(member, req.Kind), Name: req.Name}
	if err := u.Validate(); err != nil {
		return Destination{}, fmt.Errorf("%s: %w: %w", op, ErrBadRequest, err)
	}
	uri := u.String()
	if s.byName(member, req.Name) != nil {
		return Destination{}, fmt.Errorf("%s: member %q already has one: %w", op, member, ErrNameTaken)
	}
	r := row{Member: member, Name: req.Name, URI: uri, Kind: req.Kind, Managed: !req.External, Created: s.now()}
	var key stdcrypto.Signer
	if req.External {
		r.RequiredCN = RequiredCN(u)
	} else {
		k, cert, err := crypto.GenerateDestination(RequiredCN(u), alg)
		if err != nil {
			return Destination{}, fmt.Errorf("%s: %w", op, err)
		}
		keyPEM, err := crypto.MarshalPrivateKeyPEM(k)
		if err != nil {
			return Destination{}, fmt.Errorf("%s: %w", op, err)
		}
		if r.SealedKey, err = s.sealer.seal(uri, keyPEM); err != nil {
			return Destination{}, fmt.Errorf("%s: %w", op, err)
		}
		r.CertPEM, key = string(crypto.MarshalCertificatePEM(cert)), k
	}
	// The row reserves the name (unique in the database, also across
	// processes sharing it) before anything is published.
	if err := s.store.insert(ctx, r); err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	if !req.External {
		s.pubMu.Lock()
		_, err := pub.PublishDestination(ctx, u, []byte(r.CertPEM))
		s.pubMu.Unlock()
		if err != nil {
			_ = s.store.delete(context.WithoutCancel(ctx), member, req.Name)
			return Destination{}, fmt.Errorf("%s: publish certificate: %w", op, err)
		}
	}
	l := &local{member: member, name: req.Name, uri: uri, u: u, kind: req.Kind, managed: !req.External,
		requiredCN: r.RequiredCN, certPEM: r.CertPEM, key: key, created: r.Created}
	if l.certPEM != "" {
		l.cert, _ = crypto.ParseCertificatePEM([]byte(l.certPEM))
	}
	s.mu.Lock()
	s.byURI[uri] = l
	s.mu.Unlock()
	s.log.Info("app2app destination created", "member", member, "uri", uri, "managed", l.managed)
	return l.describe(), nil
}

// SetCertificate checks certPEM for member's externally managed
// destination name (exactly one certificate, CN equal to the required CN,
// valid now, an RSA ≥ 2048, P-256 or Ed25519 key) and publishes it in the
// registry, replacing any earlier one. A refused certificate wraps
// destination.ErrBadCertificate with the reason and changes nothing; a managed
// destination gives ErrManaged.
func (s *Service) SetCertificate(ctx context.Context, member, name string, certPEM []byte) (Destination, error) {
	op := fmt.Sprintf("app2app: certificate of destination %q", name)
	pub, err := s.publisher(member)
	if err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	l := s.byName(member, name)
	if l == nil {
		return Destination{}, fmt.Errorf("%s: member %q has no such destination: %w", op, member, destination.ErrUnknownDestination)
	}
	if l.managed {
		return Destination{}, fmt.Errorf("%s: the node made its key and certificate; only externally managed destinations take one: %w", op, ErrManaged)
	}
	certs, err := crypto.ParseCertificatesPEM(certPEM)
	if err != nil {
		return Destination{}, fmt.Errorf("%s: %w: %w", op, destination.ErrBadCertificate, err)
	}
	if len(certs) != 1 {
		return Destination{}, fmt.Errorf("%s: send exactly one PEM certificate, got %d: %w", op, len(certs), destination.ErrBadCertificate)
	}
	cert := certs[0]
	if err := crypto.CheckDestinationCertificate(cert, l.requiredCN, s.now()); err != nil {
		return Destination{}, fmt.Errorf("%s: %w: %w", op, destination.ErrBadCertificate, err)
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		// CMS delivery needs RSA key transport.
		return Destination{}, fmt.Errorf("%s: the key is %T; externally managed destinations receive CMS with RSA key transport, so use an RSA key: %w",
			op, cert.PublicKey, destination.ErrBadCertificate)
	}
	canonical := string(crypto.MarshalCertificatePEM(cert))
	s.pubMu.Lock()
	_, err = pub.SetProfile(ctx, member, ExternalKeyPrefix+l.uri, "true")
	if err == nil {
		_, err = pub.PublishDestination(ctx, l.u, []byte(canonical))
	}
	s.pubMu.Unlock()
	if err != nil {
		return Destination{}, fmt.Errorf("%s: publish: %w", op, err)
	}
	if err := s.store.setCertificate(ctx, member, name, canonical); err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	s.mu.Lock()
	nl := *l
	nl.certPEM, nl.cert = canonical, cert
	s.byURI[l.uri] = &nl
	s.mu.Unlock()
	return nl.describe(), nil
}

// DeleteDestination removes member's destination name from the registry
// and from the node (its key is destroyed). An unknown name wraps
// destination.ErrUnknownDestination.
func (s *Service) DeleteDestination(ctx context.Context, member, name string) error {
	op := fmt.Sprintf("app2app: delete destination %q", name)
	pub, err := s.publisher(member)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	l := s.byName(member, name)
	if l == nil {
		return fmt.Errorf("%s: member %q has no such destination: %w", op, member, destination.ErrUnknownDestination)
	}
	s.pubMu.Lock()
	_, err = pub.RemoveDestination(ctx, l.u)
	if errors.Is(err, destination.ErrUnknownDestination) {
		err = nil // never published (external without certificate)
	}
	if err == nil && !l.managed {
		if _, derr := pub.DeleteProfile(ctx, member, ExternalKeyPrefix+l.uri); derr != nil && !errors.Is(derr, chain.ErrBadArgument) {
			err = derr
		}
	}
	s.pubMu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: unpublish: %w", op, err)
	}
	if err := s.store.delete(ctx, member, name); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	s.mu.Lock()
	delete(s.byURI, l.uri)
	for k := range s.senders {
		if strings.HasPrefix(k, l.uri+"\x00") {
			delete(s.senders, k)
		}
	}
	s.mu.Unlock()
	return nil
}

// ImportManaged records a managed destination whose key was made
// elsewhere (the demo destinations `consign dev` creates), so that it can
// send and receive app-to-app messages. It is idempotent: a destination
// already recorded with the same URI and certificate is left alone. The
// certificate is not published here (the caller has published it).
func (s *Service) ImportManaged(ctx context.Context, member, name string, key stdcrypto.Signer, certPEM []byte) (Destination, error) {
	op := fmt.Sprintf("app2app: import destination %q", name)
	if _, err := s.publisher(member); err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	cert, err := crypto.ParseCertificatePEM(certPEM)
	if err != nil {
		return Destination{}, fmt.Errorf("%s: %w: %w", op, destination.ErrBadCertificate, err)
	}
	pk, err := crypto.PublicKeyID(key.Public())
	if err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	ck, err := crypto.PublicKeyID(cert.PublicKey)
	if err != nil || pk != ck {
		return Destination{}, fmt.Errorf("%s: the key does not match the certificate: %w", op, destination.ErrBadCertificate)
	}
	uri := cert.Subject.CommonName
	u, err := destination.Parse(uri)
	if err != nil || u.Member != member || u.Name != name {
		// Certificates made by this package carry RequiredCN, not the URI.
		return Destination{}, fmt.Errorf("%s: the certificate's CN %q is not a URI of member %q named %q: %w", op, clip(uri), member, name, ErrBadRequest)
	}
	if l := s.byName(member, name); l != nil {
		if l.uri == uri && l.certPEM == string(certPEM) {
			return l.describe(), nil
		}
		return Destination{}, fmt.Errorf("%s: member %q already has a different one: %w", op, member, ErrNameTaken)
	}
	keyPEM, err := crypto.MarshalPrivateKeyPEM(key)
	if err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	r := row{Member: member, Name: name, URI: uri, Kind: u.Kind, Managed: true, CertPEM: string(certPEM), Created: s.now()}
	if r.SealedKey, err = s.sealer.seal(uri, keyPEM); err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := s.store.insert(ctx, r); err != nil {
		return Destination{}, fmt.Errorf("%s: %w", op, err)
	}
	l := &local{member: member, name: name, uri: uri, u: u, kind: u.Kind, managed: true, certPEM: r.CertPEM, cert: cert, key: key, created: r.Created}
	s.mu.Lock()
	s.byURI[uri] = l
	s.mu.Unlock()
	return l.describe(), nil
}

// Republish publishes every destination certificate this node holds that
// the registry lacks or holds differently (after `consign dev` restarts its
// in-memory chain, or a registry migration). It returns how many it wrote.
func (s *Service) Republish(ctx context.Context) (int, error) {
	s.mu.RLock()
	var ls []*local
	for _, l := range s.byURI {
		if l.certPEM != "" {
			ls = append(ls, l)
		}
	}
	s.mu.RUnlock()
	sort.Slice(ls, func(i, j int) bool { return ls[i].uri < ls[j].uri })
	n := 0
	for _, l := range ls {
		pub, err := s.publisher(l.member)
		if err != nil {
			continue
		}
		m, err := s.cfg.Registry.Member(ctx, l.member)
		if err != nil {
			return n, fmt.Errorf("app2app: republish: %w", err)
		}
		s.pubMu.Lock()
		if !l.managed && m.Profile[ExternalKeyPrefix+l.uri] != "true" {
			_, err = pub.SetProfile(ctx, l.member, ExternalKeyPrefix+l.uri, "true")
		}
		if err == nil && m.Profile[chain.DestinationKeyPrefix+l.uri] != l.certPEM {
			_, err = pub.PublishDestination(ctx, l.u, []byte(l.certPEM))
			n++
		}
		s.pubMu.Unlock()
		if err != nil {
			return n, fmt.Errorf("app2app: republish %q: %w", l.uri, err)
		}
	}
	return n, nil
}

// AddressBookEntry is one member of the environment in the address book.
type AddressBookEntry struct {
	Membership   string // "/" + member name
	Destinations []AddressBookDestination
	// OrganizationUnvouched flags a member whose CA-issued identity proof
	// has no issuer naming the organization it claims (the "Eve" case).
	OrganizationUnvouched bool
}

// AddressBookDestination is a published destination.
type AddressBookDestination struct {
	URI  destination.URI
	Name string
}

// AddressBook lists every member of the environment with its published
// destinations, from the registry.
func (s *Service) AddressBook(ctx context.Context) ([]AddressBookEntry, error) {
	ab, err := s.cfg.Registry.AddressBook(ctx)
	if err != nil {
		return nil, fmt.Errorf("app2app: address book: %w", err)
	}
	out := make([]AddressBookEntry, len(ab))
	for i, e := range ab {
		out[i] = AddressBookEntry{Membership: e.Membership, Destinations: make([]AddressBookDestination, len(e.Destinations)),
			OrganizationUnvouched: e.OrganizationUnvouched}
		for j, d := range e.Destinations {
			out[i].Destinations[j] = AddressBookDestination{URI: d.URI, Name: d.Name}
		}
	}
	return out, nil
}
