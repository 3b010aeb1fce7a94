package chain

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/consign/consign/crypto"
)

// Identity is what the registry shows about a member's identity proof.
type Identity struct {
	// SelfSigned is true when the proof's chain ends in a self-signed leaf
	// rather than a certificate authority's; such members are shown as
	// self-signed wherever they appear.
	SelfSigned   bool
	LeafSubject  string   // the leaf certificate's subject DN
	Organization string   // the organization the leaf claims (a claim: compare with IssuerChain)
	IssuerChain  []string // subject DNs of the issuers above the leaf, nearest first; empty when self-signed
	// OrganizationUnvouched is true for a CA-issued proof none of whose
	// issuers names the claimed Organization: a CA of another name
	// vouches for the leaf (the "Eve" case). Such a member is registered
	// and shown flagged; a self-signed proof is never flagged so (it is
	// flagged SelfSigned instead).
	OrganizationUnvouched bool
	ProofHash             [32]byte // sha256 of ChainPEM, stored on-chain
	ChainPEM              string   // the proof's PEM certificate chain, leaf first
}

// IdentityVerifier validates an identity proof: a PEM chain, leaf first,
// whose leaf names environmentID and the single-use nonce. It returns
// what the registry records, or an error saying why the proof fails.
type IdentityVerifier interface {
	VerifyIdentity(chainPEM []byte, environmentID, nonce string) (Identity, error)
}

// IdentityVerifierFunc adapts a function to IdentityVerifier.
type IdentityVerifierFunc func(chainPEM []byte, environmentID, nonce string) (Identity, error)

// VerifyIdentity calls f.
func (f IdentityVerifierFunc) VerifyIdentity(chainPEM []byte, environmentID, nonce string) (Identity, error) {
	return f(chainPEM, environmentID, nonce)
}

// NonceConsumer marks an invitation nonce as used when a member is
// registered with it; consortium.Model implements it. An error (unknown,
// used, expired or foreign nonce) stops the registration.
type NonceConsumer interface {
	ConsumeNonce(ctx context.Context, environmentID, nonce, memberName, owner string) error
}

// maxProofPEM bounds the identity proof chain stored on-chain.
const maxProofPEM = 32 << 10

// describeIdentity fills the display fields of an Identity from the PEM
// chain stored on-chain. It does not validate the chain: that happened at
// registration.
func describeIdentity(chainPEM string, selfSigned bool, proofHash [32]byte) Identity {
	id := Identity{SelfSigned: selfSigned, ProofHash: proofHash, ChainPEM: chainPEM}
	certs, err := crypto.ParseCertificatesPEM([]byte(chainPEM))
	if err != nil || len(certs) == 0 {
		return id
	}
	leaf := certs[0]
	id.LeafSubject = leaf.Subject.String()
	for _, c := range certs[1:] {
		id.IssuerChain = append(id.IssuerChain, c.Subject.String())
	}
	// The organization is the one the leaf CN claims, as crypto reports it.
	if _, _, org, err := crypto.ParseIdentityCN(leaf.Subject.CommonName); err == nil {
		id.Organization = org
	} else if len(leaf.Subject.Organization) > 0 {
		id.Organization = leaf.Subject.Organization[0]
	}
	id.OrganizationUnvouched = !selfSigned && len(certs) > 1 && !crypto.IssuersNameOrganization(certs[1:], id.Organization)
	return id
}

func proofHash(chainPEM []byte) [32]byte { return sha256.Sum256(chainPEM) }

// CryptoVerifier validates identity proofs with crypto.VerifyIdentityProof.
type CryptoVerifier struct {
	// Roots, when set, must anchor every chain; nil accepts self-signed
	// proofs (which the registry then flags as self-signed).
	Roots *x509.CertPool
	// CRLs, when set, are checked for revoked chain certificates.
	CRLs []*x509.RevocationList
	// Now is the clock validity is checked against; nil means time.Now.
	Now func() time.Time
}

// VerifyIdentity implements IdentityVerifier. A proof for another
// environment also satisfies errors.Is(err, ErrCrossEnvironment); the
// crypto package's sentinels (ErrBadNonce, ErrWrongEnvironment,
// ErrBadChain, ErrExpired, ErrRevoked) stay visible to errors.Is.
func (v CryptoVerifier) VerifyIdentity(chainPEM []byte, environmentID, nonce string) (Identity, error) {
	pol := crypto.IdentityPolicy{EnvironmentID: environmentID, Nonce: nonce, Roots: v.Roots, CRLs: v.CRLs}
	if v.Now != nil {
		pol.Now = v.Now()
	}
	p, err := crypto.VerifyIdentityProof(chainPEM, pol)
	if err != nil {
		if errors.Is(err, crypto.ErrWrongEnvironment) {
			return Identity{}, fmt.Errorf("%w: %w", ErrCrossEnvironment, err)
		}
		return Identity{}, err
	}
	return Identity{
		SelfSigned:   p.SelfSigned,
		LeafSubject:  p.LeafSubject,
		Organization: p.Organization,
		IssuerChain:  append([]string(nil), p.IssuerChain...),
		ProofHash:    proofHash(chainPEM),
		ChainPEM:     string(chainPEM),

		OrganizationUnvouched: !p.SelfSigned && !p.IssuerNamesOrganization,
	}, nil
}
