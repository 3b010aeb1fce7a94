package web

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/textutil"
)

// RegistryReader is what the registry read API needs from the on-chain
// member registry. The web package states it in its own terms so that it
// never sees the chain client; web/chainapi adapts *chain.Registry.
type RegistryReader interface {
	// Members returns every member of the environment, in registry order.
	Members(ctx context.Context) ([]RegistryMember, error)
	// Destination returns the destination published for uri (the
	// handler parsed it from the query). A URI no member of this
	// environment publishes returns an error for which errors.Is(err,
	// ErrNotFound).
	Destination(ctx context.Context, uri destination.URI) (RegistryDestination, error)
}

// PinProver proves hash pins. web/chainapi adapts *chain.Pinner.
type PinProver interface {
	// Prove returns the first pin of hash. A hash never pinned returns an
	// error for which errors.Is(err, ErrNotFound).
	Prove(ctx context.Context, hash [32]byte) (PinProof, error)
}

// ManagedFunc reports whether this node holds the private key of the
// destination uri (a managed destination, in API.md's terms). The
// registry cannot know it: only the node's destination store can.
type ManagedFunc func(ctx context.Context, uri destination.URI) (bool, error)

// RegistryMember is one member as the registry shows it.
type RegistryMember struct {
	Name         string
	Address      string // the owner's address, 0x-prefixed hex (EIP-55)
	Identity     RegistryIdentity
	Destinations []RegistryDestinationRef // ordered by URI
}

// RegistryIdentity describes a member's identity proof.
type RegistryIdentity struct {
	// SelfSigned is true when the proof ends in a self-signed leaf rather
	// than in a certificate authority.
	SelfSigned bool
	// OrganizationUnvouched is true when the proof is CA-issued but no
	// issuer names the organization the leaf claims (the "Eve" case).
	OrganizationUnvouched bool
	LeafSubject           string   // the leaf certificate's subject DN
	IssuerChain           []string // subject DNs of the issuers above the leaf, nearest first
	// Certificates describes each certificate of the proof's chain as
	// stored, leaf first (nil when the reader cannot tell).
	Certificates []RegistryCertificate
}

// RegistryCertificate is one certificate of an identity proof's chain.
type RegistryCertificate struct {
	Subject   string // subject DN
	Issuer    string // issuer DN
	NotBefore time.Time
	NotAfter  time.Time
}

// RegistryDestinationRef names a destination a member publishes.
type RegistryDestinationRef struct {
	URI  string
	Name string
}

// RegistryDestination is a published destination with its certificate.
type RegistryDestination struct {
	URI            string
	Member         string
	CertificatePEM string
}

// PinProof says who first pinned a hash, in which transaction and block,
// and when.
type PinProof struct {
	Hash      [32]byte
	Tx        string // transaction hash, 0x-prefixed hex
	Block     uint64
	Timestamp time.Time // block time
	By        string    // the pinning address, 0x-prefixed hex (EIP-55)
}

// JSON shapes of API.md's "Registry read API".
type (
	registryMemberJSON struct {
		Name         string                `json:"name"`
		Address      string                `json:"address"`
		Identity     registryIdentityJSON  `json:"identity"`
		Destinations []registryDestRefJSON `json:"destinations"`
	}
	registryIdentityJSON struct {
		SelfSigned bool `json:"self_signed"`
		// OrganizationUnvouched is an addition to API.md's shape: a
		// CA-issued proof none of whose issuers names the claimed
		// organization.
		OrganizationUnvouched bool     `json:"organization_unvouched"`
		LeafSubject           string   `json:"leaf_subject"`
		IssuerChain           []string `json:"issuer_chain"`
		// Certificates is an addition to API.md's shape: the chain's
		// certificates, leaf first, with their validity.
		Certificates []registryCertJSON `json:"certificates"`
	}
	registryCertJSON struct {
		Subject   string `json:"subject"`
		Issuer    string `json:"issuer"`
		NotBefore string `json:"not_before"`
		NotAfter  string `json:"not_after"`
	}
	registryDestRefJSON struct {
		URI  string `json:"uri"`
		Name string `json:"name"`
	}
	registryDestinationJSON struct {
		URI         string `json:"uri"`
		Member      string `json:"member"`
		Managed     bool   `json:"managed"`
		Certificate string `json:"certificate"`
	}
	pinProofJSON struct {
		Hash      string `json:"hash"`
		Tx        string `json:"tx"`
		Block     uint64 `json:"block"`
		Timestamp string `json:"timestamp"`
		By        string `json:"by"`
	}
)

// HandleRegistry serves the registry read API of API.md, so that anyone
// holding a credential can check a signature or a receipt without chain
// tooling:
//
//	GET /api/v1/registry/members                  every member, its identity and destinations
//	GET /api/v1/registry/destinations?uri=<URI>   one destination and its certificate (PEM)
//	GET /api/v1/pins/<sha256 hex>                 the proof of a pinned hash
//
// managed tells whether this node holds a destination's key; nil means
// it holds none (every destination shows "managed": false). pins may be
// nil on a node without a pin contract: the pin route then answers 503.
// Call it once.
func (s *Server) HandleRegistry(reg RegistryReader, pins PinProver, managed ManagedFunc) {
	a := &registryAPI{reg: reg, pins: pins, managed: managed}
	s.HandleFunc("GET /api/v1/registry/members", a.members)
	s.HandleFunc("GET /api/v1/registry/destinations", a.destination)
	s.HandleFunc("GET /api/v1/pins/{hash}", a.pin)
}

type registryAPI struct {
	reg     RegistryReader
	pins    PinProver
	managed ManagedFunc
}

func (a *registryAPI) members(w http.ResponseWriter, r *http.Request) {
	ms, err := a.reg.Members(r.Context())
	if err != nil {
		Error(w, r, fmt.Errorf("registry: list members: %w", err))
		return
	}
	out := make([]registryMemberJSON, len(ms))
	for i, m := range ms {
		j := registryMemberJSON{
			Name:    m.Name,
			Address: m.Address,
			Identity: registryIdentityJSON{
				SelfSigned:            m.Identity.SelfSigned,
				OrganizationUnvouched: m.Identity.OrganizationUnvouched,
				LeafSubject:           m.Identity.LeafSubject,
				IssuerChain:           append([]string{}, m.Identity.IssuerChain...),
				Certificates:          make([]registryCertJSON, len(m.Identity.Certificates)),
			},
			Destinations: make([]registryDestRefJSON, len(m.Destinations)),
		}
		for k, d := range m.Destinations {
			j.Destinations[k] = registryDestRefJSON(d)
		}
		for k, c := range m.Identity.Certificates {
			j.Identity.Certificates[k] = registryCertJSON{Subject: c.Subject, Issuer: c.Issuer,
				NotBefore: textutil.Timestamp(c.NotBefore), NotAfter: textutil.Timestamp(c.NotAfter)}
		}
		out[i] = j
	}
	WriteJSON(w, http.StatusOK, out)
}

func (a *registryAPI) destination(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	uris := q["uri"]
	if len(uris) != 1 || uris[0] == "" {
		Error(w, r, fmt.Errorf("%w: give exactly one destination URI in the query parameter uri (…/registry/destinations?uri=kld://documentstore/m/<member>/e/<environment>/s/<service>/d/<name>, URL-encoded)", ErrBadRequest))
		return
	}
	uri, err := destination.Parse(uris[0])
	if err != nil {
		Error(w, r, fmt.Errorf("registry: %w", err))
		return
	}
	d, err := a.reg.Destination(r.Context(), uri)
	if errors.Is(err, ErrNotFound) {
		Error(w, r, fmt.Errorf("registry: %w (GET /api/v1/registry/members lists the published destinations)", err))
		return
	}
	if err != nil {
		Error(w, r, fmt.Errorf("registry: %w", err))
		return
	}
	managed := false
	if a.managed != nil {
		if managed, err = a.managed(r.Context(), uri); err != nil {
			Error(w, r, fmt.Errorf("registry: is destination %q managed by this node: %w", d.URI, err))
			return
		}
	}
	WriteJSON(w, http.StatusOK, registryDestinationJSON{URI: d.URI, Member: d.Member, Managed: managed, Certificate: d.CertificatePEM})
}

func (a *registryAPI) pin(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("hash")
	hash, err := parseSHA256Hex(raw)
	if err != nil {
		Error(w, r, err)
		return
	}
	if a.pins == nil {
		Error(w, r, fmt.Errorf("%w: this node has no pin contract configured, so it cannot prove pins", ErrUnavailable))
		return
	}
	p, err := a.pins.Prove(r.Context(), hash)
	if errors.Is(err, ErrNotFound) {
		Error(w, r, fmt.Errorf("pins: hash %x has never been pinned on this environment's chain: %w", hash, err))
		return
	}
	if err != nil {
		Error(w, r, fmt.Errorf("pins: prove %x: %w", hash, err))
		return
	}
	WriteJSON(w, http.StatusOK, pinProofJSON{
		Hash:      hex.EncodeToString(p.Hash[:]),
		Tx:        p.Tx,
		Block:     p.Block,
		Timestamp: p.Timestamp.UTC().Format(time.RFC3339),
		By:        p.By,
	})
}

// parseSHA256Hex parses exactly 64 hexadecimal digits (either case, no
// "0x" prefix), the form the document store reports hashes in.
func parseSHA256Hex(s string) ([32]byte, error) {
	var h [32]byte
	shown := textutil.Clip(s, 80)
	if len(s) != 64 {
		return h, fmt.Errorf("%w: %q is not a SHA-256 hash: want exactly 64 hexadecimal digits, got %d bytes", ErrBadRequest, shown, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return [32]byte{}, fmt.Errorf("%w: %q is not a SHA-256 hash: want exactly 64 hexadecimal digits, without a 0x prefix", ErrBadRequest, shown)
	}
	return h, nil
}
