package crypto

import (
	stdcrypto "crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"
)

// issue makes a certificate for a new key of alg, signed by parent (or
// self-signed when parent is nil).
func issue(t testing.TB, alg KeyAlgorithm, parent *testDest, cn, org string, isCA bool, nb, na time.Time) testDest {
	t.Helper()
	key, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	if org != "" {
		tmpl.Subject.Organization = []string{org}
	}
	if isCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	pc, pk := tmpl, stdcrypto.Signer(key)
	if parent != nil {
		pc, pk = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, pc, key.Public(), pk)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testDest{key, cert}
}

func chainPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, MarshalCertificatePEM(c)...)
	}
	return out
}

func TestVerifyIdentityProof(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	nb, na := now.Add(-24*time.Hour), now.Add(365*24*time.Hour)
	root := issue(t, P256, nil, "Acme Root CA", "Acme Corp", true, nb, na)
	inter := issue(t, P256, &root, "Acme Issuing CA", "Acme Corp", true, nb, na)
	leaf := issue(t, P256, &inter, "zzenv1-n0nce--Acme Corp", "Acme Corp", false, nb, na)
	self := issue(t, RSA2048, nil, "zzenv1-n0nce--Solo Ltd", "", false, nb, na)
	evilRoot := issue(t, P256, nil, "Evil Inc Root", "Evil Inc", true, nb, na)
	impostor := issue(t, P256, &evilRoot, "zzenv1-n0nce--Acme Corp", "", false, nb, na)
	expired := issue(t, P256, &inter, "zzenv1-n0nce--Acme Corp", "", false, nb, now.Add(-time.Hour))
	// forged: claims inter as issuer (same issuer name) but signed by another key.
	fakeInter := issue(t, P256, &root, "Acme Issuing CA", "Acme Corp", true, nb, na)
	forged := issue(t, P256, &fakeInter, "zzenv1-n0nce--Acme Corp", "", false, nb, na)

	roots := x509.NewCertPool()
	roots.AddCert(root.cert)
	pol := IdentityPolicy{EnvironmentID: "zzenv1", Nonce: "n0nce", Now: now}
	withRoots := pol
	withRoots.Roots = roots

	type tc struct {
		name  string
		chain []byte
		pol   IdentityPolicy
		want  error
		check func(*IdentityProof) string
	}
	cases := []tc{
		{"ca chain", chainPEM(leaf.cert, inter.cert, root.cert), pol, nil, func(p *IdentityProof) string {
			if p.SelfSigned || len(p.IssuerChain) != 2 || p.Organization != "Acme Corp" || !p.IssuerNamesOrganization {
				return "wrong report"
			}
			return ""
		}},
		{"ca chain with roots", chainPEM(leaf.cert, inter.cert), withRoots, nil, func(p *IdentityProof) string {
			if len(p.IssuerChain) != 2 {
				return "issuer chain should include the root"
			}
			return ""
		}},
		{"self-signed", chainPEM(self.cert), pol, nil, func(p *IdentityProof) string {
			if !p.SelfSigned || p.Organization != "Solo Ltd" || len(p.IssuerChain) != 0 {
				return "wrong report"
			}
			return ""
		}},
		{"self-signed not in roots", chainPEM(self.cert), withRoots, ErrBadChain, nil},
		{"impostor CA flagged", chainPEM(impostor.cert, evilRoot.cert), pol, nil, func(p *IdentityProof) string {
			if p.IssuerNamesOrganization || p.Organization != "Acme Corp" {
				return "another company's CA vouching for Acme Corp is not flagged"
			}
			return ""
		}},
		{"impostor with roots", chainPEM(impostor.cert, evilRoot.cert), withRoots, ErrBadChain, nil},
		{"forged link", chainPEM(forged.cert, inter.cert, root.cert), pol, ErrBadChain, nil},
		{"missing issuer", chainPEM(leaf.cert), pol, ErrBadChain, nil},
		{"expired", chainPEM(expired.cert, inter.cert, root.cert), pol, ErrExpired, nil},
		{"expired with roots", chainPEM(expired.cert, inter.cert), withRoots, ErrExpired, nil},
		{"wrong nonce", chainPEM(leaf.cert, inter.cert, root.cert), IdentityPolicy{EnvironmentID: "zzenv1", Nonce: "other", Now: now}, ErrBadNonce, nil},
		{"wrong env", chainPEM(leaf.cert, inter.cert, root.cert), IdentityPolicy{EnvironmentID: "zzenv2", Nonce: "n0nce", Now: now}, ErrWrongEnvironment, nil},
		{"garbage", []byte("not pem"), pol, ErrBadChain, nil},
	}
	bad := issue(t, P256, nil, "no-separator", "", false, nb, na)
	cases = append(cases, tc{"bad CN", chainPEM(bad.cert), pol, ErrBadChain, nil})

	// Revocation through a CRL signed by the intermediate.
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(1),
		ThisUpdate:                nb,
		NextUpdate:                na,
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: leaf.cert.SerialNumber, RevocationTime: nb}},
	}, inter.cert, inter.key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		t.Fatal(err)
	}
	revPol := pol
	revPol.CRLs = []*x509.RevocationList{crl}
	cases = append(cases, tc{"revoked", chainPEM(leaf.cert, inter.cert, root.cert), revPol, ErrRevoked, nil})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := VerifyIdentityProof(c.chain, c.pol)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.EnvironmentID != "zzenv1" || p.Nonce != "n0nce" || p.Leaf == nil || len(p.Chain) == 0 {
				t.Fatalf("proof fields: %+v", p)
			}
			if msg := c.check(p); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

func TestParseIdentityCN(t *testing.T) {
	env, nonce, org, err := ParseIdentityCN("zzjsqi1m1n-8f2c--Org With - Dashes")
	if err != nil || env != "zzjsqi1m1n" || nonce != "8f2c" || org != "Org With - Dashes" {
		t.Fatalf("%q %q %q %v", env, nonce, org, err)
	}
	for _, bad := range []string{"", "env", "env-nonce", "-n--o", "env---o", "env-n--  "} {
		if _, _, _, err := ParseIdentityCN(bad); !errors.Is(err, ErrBadChain) {
			t.Errorf("%q accepted", bad)
		}
	}
}
