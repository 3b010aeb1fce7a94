package crypto

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// IdentityPolicy says what an identity proof must show.
type IdentityPolicy struct {
	// EnvironmentID is the environment the proof must name.
	EnvironmentID string
	// Nonce is the one-time value issued to the account for this proof.
	// Single use is the caller's bookkeeping; VerifyIdentityProof checks
	// equality only.
	Nonce string
	// Roots, when set, must anchor the chain (the chain's last certificate
	// is issued by, or is, one of them). Nil accepts any chain whose
	// signatures verify internally, including a single self-signed leaf.
	Roots *x509.CertPool
	// Now is the time validity periods are checked at; zero means time.Now().
	Now time.Time
	// CRLs, when set, are checked: a chain certificate whose serial one of
	// them lists (and whose issuer signed that CRL) is refused with ErrRevoked.
	CRLs []*x509.RevocationList
}

// IdentityProof is what a verified identity-proof chain says.
type IdentityProof struct {
	EnvironmentID string
	Nonce         string
	// Organization is the name the member claims (the leaf CN after "--").
	// It is a claim: compare it with IssuerChain before believing it.
	Organization string
	// LeafSubject is the leaf's full subject DN.
	LeafSubject string
	// SelfSigned is true when the leaf is its own issuer (no CA vouches
	// for the claimed organization).
	SelfSigned bool
	// IssuerChain lists the subject DN of each issuer above the leaf,
	// nearest first (empty when SelfSigned).
	IssuerChain []string
	// IssuerNamesOrganization is true when some issuer's subject
	// (organization or common name) contains the claimed organization.
	// False on a CA-issued chain means a CA of another name vouched for the
	// leaf: the claim deserves a human look.
	IssuerNamesOrganization bool
	Leaf                    *x509.Certificate
	Chain                   []*x509.Certificate
}

// ParseIdentityCN splits a leaf CN of the form "<envId>-<nonce>--<Org
// Name>" into its parts. The environment ID is everything before the first
// '-', the nonce runs to the first "--" after it, and the organization is
// the rest.
func ParseIdentityCN(cn string) (envID, nonce, org string, err error) {
	envID, rest, ok := strings.Cut(cn, "-")
	if !ok || envID == "" {
		return "", "", "", fmt.Errorf("leaf CN %q is not <envId>-<nonce>--<Org Name>: %w", cn, ErrBadChain)
	}
	nonce, org, ok = strings.Cut(rest, "--")
	if !ok || nonce == "" || strings.TrimSpace(org) == "" {
		return "", "", "", fmt.Errorf("leaf CN %q is not <envId>-<nonce>--<Org Name>: %w", cn, ErrBadChain)
	}
	return envID, nonce, org, nil
}

// VerifyIdentityProof checks an identity-proof chain (PEM certificates,
// leaf first, then each issuer) against p:
//
//   - every certificate parses and each is signed by the next one (the
//     last by itself when it is self-signed, or by one of p.Roots);
//   - every certificate is valid at p.Now (ErrExpired otherwise) and none
//     is listed in p.CRLs (ErrRevoked);
//   - the leaf CN names p.EnvironmentID (ErrWrongEnvironment) and p.Nonce
//     (ErrBadNonce).
//
// Structural and signature failures wrap ErrBadChain. Environment and
// nonce are checked after the signatures, so a forged chain is reported as
// forged whatever it claims.
func VerifyIdentityProof(chainPEM []byte, p IdentityPolicy) (*IdentityProof, error) {
	const op = "crypto: identity proof"
	certs, err := ParseCertificatesPEM(chainPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", op, ErrBadChain, err)
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	leaf := certs[0]
	proof := &IdentityProof{Leaf: leaf, Chain: certs, LeafSubject: leaf.Subject.String()}

	// Links: each certificate signed by the next.
	for i := 0; i+1 < len(certs); i++ {
		if err := certs[i].CheckSignatureFrom(certs[i+1]); err != nil {
			return nil, fmt.Errorf("%s: certificate %d (%q) is not signed by certificate %d (%q): %w: %v",
				op, i+1, certs[i].Subject.CommonName, i+2, certs[i+1].Subject.CommonName, ErrBadChain, err)
		}
		proof.IssuerChain = append(proof.IssuerChain, certs[i+1].Subject.String())
	}
	top := certs[len(certs)-1]
	topSelfSigned := string(top.RawIssuer) == string(top.RawSubject) &&
		top.CheckSignature(top.SignatureAlgorithm, top.RawTBSCertificate, top.Signature) == nil
	proof.SelfSigned = len(certs) == 1 && topSelfSigned

	switch {
	case p.Roots != nil:
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		chains, err := leaf.Verify(x509.VerifyOptions{Roots: p.Roots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil {
			var inv x509.CertificateInvalidError
			if errors.As(err, &inv) && inv.Reason == x509.Expired {
				return nil, fmt.Errorf("%s: %w: %v", op, ErrExpired, err)
			}
			return nil, fmt.Errorf("%s: not anchored in the trusted roots: %w: %v", op, ErrBadChain, err)
		}
		// Report the issuers of the verified path (it may add the root).
		proof.IssuerChain = proof.IssuerChain[:0]
		for _, c := range chains[0][1:] {
			proof.IssuerChain = append(proof.IssuerChain, c.Subject.String())
		}
		proof.SelfSigned = len(chains[0]) == 1
	case !topSelfSigned:
		return nil, fmt.Errorf("%s: chain ends at %q, which is not self-signed, and no trust roots were given: %w",
			op, top.Subject.CommonName, ErrBadChain)
	}

	for i, c := range certs {
		if err := checkValidity(c, now); err != nil {
			return nil, fmt.Errorf("%s: certificate %d: %w", op, i+1, err)
		}
	}
	if err := checkRevocation(certs, p.CRLs, now); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}

	env, nonce, org, err := ParseIdentityCN(leaf.Subject.CommonName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	proof.EnvironmentID, proof.Nonce, proof.Organization = env, nonce, org
	if env != p.EnvironmentID {
		return nil, fmt.Errorf("%s: names environment %q, expected %q: %w", op, env, p.EnvironmentID, ErrWrongEnvironment)
	}
	if nonce != p.Nonce {
		return nil, fmt.Errorf("%s: names nonce %q, not the one issued: %w", op, nonce, ErrBadNonce)
	}
	proof.IssuerNamesOrganization = IssuersNameOrganization(certs[1:], org)
	return proof, nil
}

// IssuersNameOrganization reports whether some certificate of issuers
// names org (case-insensitively, in its common name or an organization
// of its subject). False for a CA-issued identity proof means a CA of
// another name vouches for the leaf's claimed organization.
func IssuersNameOrganization(issuers []*x509.Certificate, org string) bool {
	want := strings.ToLower(strings.TrimSpace(org))
	if want == "" {
		return false
	}
	for _, c := range issuers {
		names := append([]string{c.Subject.CommonName}, c.Subject.Organization...)
		for _, n := range names {
			if strings.Contains(strings.ToLower(n), want) {
				return true
			}
		}
	}
	return false
}

// checkRevocation refuses a certificate listed by a CRL whose signature
// verifies against that certificate's issuer in the chain.
func checkRevocation(certs []*x509.Certificate, crls []*x509.RevocationList, now time.Time) error {
	for i := 0; i+1 < len(certs); i++ {
		issuer := certs[i+1]
		for _, crl := range crls {
			if crl.CheckSignatureFrom(issuer) != nil {
				continue
			}
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(certs[i].SerialNumber) == 0 && !e.RevocationTime.After(now) {
					return fmt.Errorf("certificate %d (%q) revoked at %s: %w", i+1, certs[i].Subject.CommonName,
						e.RevocationTime.UTC().Format(time.RFC3339), ErrRevoked)
				}
			}
		}
	}
	return nil
}
