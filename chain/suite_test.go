package chain

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/consign/consign/chain/consortium"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/testenv"
)

// harness is one chain the suite runs against.
type harness struct {
	backend Backend
	funder  Signer // an account with plenty of ether
	sim     *simulated.Backend
	// lock, when set, guards the funder against other test processes
	// sending from it at the same time (the shared key on geth).
	lock func() (unlock func())
}

// fund sends wei from the funder to addr and waits for it to be mined.
func (h harness) fund(ctx context.Context, addr common.Address, wei *big.Int) error {
	if h.lock != nil {
		defer h.lock()()
	}
	return Transfer(ctx, h.backend, h.funder, addr, wei)
}

func simHarness(t *testing.T) harness {
	key, _ := ethcrypto.GenerateKey()
	bal := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))
	sim := simulated.NewBackend(types.GenesisAlloc{ethcrypto.PubkeyToAddress(key.PublicKey): {Balance: bal}})
	t.Cleanup(func() { sim.Close() })
	return harness{backend: &autoCommit{Client: sim.Client(), sim: sim}, funder: NewKeySigner(key), sim: sim}
}

func gethHarness(t *testing.T) harness {
	c, key := testenv.Geth(t)
	return harness{backend: c, funder: NewKeySigner(key), lock: func() func() { return testenv.LockEthFunder(t) }}
}

// newAccount makes a key funded with 10 ether.
func (h harness) newAccount(t *testing.T) *KeySigner {
	t.Helper()
	k, err := ethcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s := NewKeySigner(k)
	if err := h.fund(context.Background(), s.Address(), testenv.AccountFunds()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSuiteSimulated(t *testing.T) { runSuite(t, simHarness(t)) }
func TestSuiteGeth(t *testing.T)      { runSuite(t, gethHarness(t)) }

// proofs makes identity proofs for tests.
type proofs struct{ t *testing.T }

func (p proofs) selfSigned(env, nonce, org string) []byte {
	p.t.Helper()
	k, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		p.t.Fatal(err)
	}
	now := time.Now()
	c, err := crypto.SelfSign(k, env+"-"+nonce+"--"+org, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		p.t.Fatal(err)
	}
	return crypto.MarshalCertificatePEM(c)
}

type ca struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func (p proofs) newCA(name string) ca {
	p.t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Organization: []string{name}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		p.t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return ca{k, c}
}

// issued returns the PEM chain leaf+CA for a leaf issued by signer but
// presented with presented as its issuer (a forgery when they differ).
func (p proofs) issued(env, nonce, org string, signer, presented ca) []byte {
	p.t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: env + "-" + nonce + "--" + org},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer.cert, &k.PublicKey, signer.key)
	if err != nil {
		p.t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: presented.cert.Raw})...)
}

// rsaChain returns leaf, intermediate and root RSA-2048 certificates.
func (p proofs) rsaChain(env, nonce, org string) []byte {
	p.t.Helper()
	type node struct {
		key  *rsa.PrivateKey
		cert *x509.Certificate
	}
	mk := func(cn string, serial int64, ca bool, parent *node) *node {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			p.t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"Example Trust"}},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: ca, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
		signer, parentCert := k, tmpl
		if parent != nil {
			signer, parentCert = parent.key, parent.cert
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &k.PublicKey, signer)
		if err != nil {
			p.t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return &node{k, c}
	}
	root := mk("Example Root CA", 1, true, nil)
	inter := mk("Example Issuing CA", 2, true, root)
	leaf := mk(env+"-"+nonce+"--"+org, 3, false, inter)
	var out []byte
	for _, n := range []*node{leaf, inter, root} {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: n.cert.Raw})...)
	}
	return out
}

func destCert(t *testing.T, cn string) []byte {
	t.Helper()
	_, c, err := crypto.GenerateDestination(cn, crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	return crypto.MarshalCertificatePEM(c)
}

func runSuite(t *testing.T, h harness) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pf := proofs{t}

	// Management model: one consortium, two environments, invitations.
	model := consortium.New(consortium.NewMemoryStore())
	cons, err := model.CreateConsortium(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	chainID, _ := h.backend.ChainID(ctx)
	env, err := model.CreateEnvironment(ctx, cons.ID, "prod", chainID.Uint64(), consortium.PoA)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := model.CreateEnvironment(ctx, cons.ID, "other", chainID.Uint64(), consortium.IBFT)
	invA, _ := model.Invite(ctx, env.ID, "Org A", time.Hour)
	invB, _ := model.Invite(ctx, env.ID, "Org B", time.Hour)
	invOther, _ := model.Invite(ctx, other.ID, "Org X", time.Hour)

	admin := h.newAccount(t)
	ownerA, ownerB := h.newAccount(t), h.newAccount(t)
	addrs, err := Deploy(ctx, h.backend, admin)
	if err != nil {
		t.Fatal(err)
	}
	cfg := RegistryConfig{Address: addrs.Registry, EnvironmentID: env.ID, Verifier: CryptoVerifier{}, Nonces: model, PollInterval: 20 * time.Millisecond}
	reg, err := NewRegistry(ctx, h.backend, admin, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()

	// Refused registrations change nothing.
	refusals := []struct {
		name  string
		reg   Registration
		cause error
	}{
		{"wrong nonce", Registration{Name: "orga", Owner: ownerA.Address(), ProofPEM: pf.selfSigned(env.ID, invB.Nonce, "Org A"), Nonce: invA.Nonce}, crypto.ErrBadNonce},
		{"other environment", Registration{Name: "orga", Owner: ownerA.Address(), ProofPEM: pf.selfSigned(other.ID, invOther.Nonce, "Org A"), Nonce: invOther.Nonce}, ErrCrossEnvironment},
		{"forged chain", Registration{Name: "orga", Owner: ownerA.Address(), ProofPEM: pf.issued(env.ID, invA.Nonce, "Org A", pf.newCA("Real CA"), pf.newCA("Real CA")), Nonce: invA.Nonce}, crypto.ErrBadChain},
		{"not a certificate", Registration{Name: "orga", Owner: ownerA.Address(), ProofPEM: []byte("hello"), Nonce: invA.Nonce}, crypto.ErrBadChain},
		{"nonce of another environment", Registration{Name: "orga", Owner: ownerA.Address(), ProofPEM: pf.selfSigned(env.ID, invOther.Nonce, "Org A"), Nonce: invOther.Nonce}, consortium.ErrCrossEnvironment},
	}
	for _, r := range refusals {
		_, err := reg.Register(ctx, r.reg)
		t.Logf("register with %s: %v", r.name, err)
		if !errors.Is(err, ErrIdentityRejected) || !errors.Is(err, r.cause) {
			t.Errorf("register with %s: got %v, want ErrIdentityRejected and %v", r.name, err, r.cause)
		}
	}
	if names, err := reg.MemberNames(ctx); err != nil || len(names) != 0 {
		t.Fatalf("after refusals members = %v, %v; want none", names, err)
	}

	// Register A (self-signed) and B (issued by a CA).
	proofA := pf.selfSigned(env.ID, invA.Nonce, "Org A")
	mA, err := reg.Register(ctx, Registration{Name: "orga", Owner: ownerA.Address(), ProofPEM: proofA, Nonce: invA.Nonce})
	if err != nil {
		t.Fatal(err)
	}
	if !mA.Identity.SelfSigned || mA.Owner != ownerA.Address() || mA.Status != StatusActive || mA.Identity.ProofHash != sha256.Sum256(proofA) {
		t.Fatalf("member A = %+v", mA)
	}
	if !strings.Contains(mA.Identity.LeafSubject, env.ID+"-"+invA.Nonce) || mA.Identity.Organization != "Org A" || len(mA.Identity.IssuerChain) != 0 {
		t.Fatalf("identity A = %+v", mA.Identity)
	}
	// The nonce is spent: the same proof again is refused (and so is a new name).
	if _, err := reg.Register(ctx, Registration{Name: "orga2", Owner: ownerB.Address(), ProofPEM: proofA, Nonce: invA.Nonce}); !errors.Is(err, consortium.ErrInvitationUsed) {
		t.Fatalf("reused nonce: %v, want ErrInvitationUsed", err)
	}
	rootB := pf.newCA("Org B Root")
	mB, err := reg.Register(ctx, Registration{Name: "orgb", Owner: ownerB.Address(), ProofPEM: pf.issued(env.ID, invB.Nonce, "Org B", rootB, rootB), Nonce: invB.Nonce})
	if err != nil {
		t.Fatal(err)
	}
	if mB.Identity.SelfSigned || len(mB.Identity.IssuerChain) != 1 || !strings.Contains(mB.Identity.IssuerChain[0], "Org B Root") {
		t.Fatalf("identity B = %+v", mB.Identity)
	}
	if n, err := reg.MemberOf(ctx, ownerB.Address()); err != nil || n != "orgb" {
		t.Fatalf("member of B's owner: %q, %v", n, err)
	}
	if _, err := reg.MemberOf(ctx, admin.Address()); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("member of a non-owner: %v", err)
	}
	ms, _ := model.Memberships(ctx, env.ID)
	if len(ms) != 2 {
		t.Fatalf("model memberships = %+v", ms)
	}
	// Taken name: refused before the nonce is touched.
	invC, _ := model.Invite(ctx, env.ID, "Org C", time.Hour)
	if _, err := reg.Register(ctx, Registration{Name: "orga", Owner: admin.Address(), ProofPEM: pf.selfSigned(env.ID, invC.Nonce, "Org C"), Nonce: invC.Nonce}); !errors.Is(err, ErrMemberExists) {
		t.Fatalf("taken name: %v, want ErrMemberExists", err)
	}

	// The nonce survived that refusal: C registers with it, with a
	// three-certificate RSA chain (root, intermediate, leaf), the kind a
	// real CA hands out. The chain travels in the event, not in storage.
	mC, err := reg.Register(ctx, Registration{Name: "orgc", Owner: admin.Address(), ProofPEM: pf.rsaChain(env.ID, invC.Nonce, "Org C"), Nonce: invC.Nonce})
	if err != nil {
		t.Fatal(err)
	}
	if mC.Identity.SelfSigned || len(mC.Identity.IssuerChain) != 2 || mC.Identity.Organization != "Org C" {
		t.Fatalf("identity C = %+v", mC.Identity)
	}
	if blk, err := h.backend.HeaderByNumber(ctx, new(big.Int).SetUint64(mC.RegisteredAt)); err == nil {
		t.Logf("registering with a %d-byte RSA chain used %d gas", len(mC.Identity.ChainPEM), blk.GasUsed)
	}
	if _, err := reg.RemoveMember(ctx, "orgc"); err != nil {
		t.Fatal(err)
	}

	// A publishes a destination certificate; anyone looks it up by URI.
	regA, _ := reg.WithSigner(ctx, ownerA)
	regB, _ := reg.WithSigner(ctx, ownerB)
	uri := destination.MustParse("kld://documentstore/m/orga/e/" + env.ID + "/s/svc1/d/inbox")
	cert1 := destCert(t, "inbox-1")
	before, err := h.backend.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := regA.PublishDestination(ctx, uri, cert1)
	if err != nil {
		t.Fatal(err)
	}
	// MemberAt reads the profile as each block held it.
	if m, err := reg.MemberAt(ctx, "orga", before); err != nil || m.Profile[DestinationKeyPrefix+uri.String()] != "" {
		t.Fatalf("orga at block %d, before the publication: %v, %v", before, m, err)
	}
	if m, err := reg.MemberAt(ctx, "orga", pub.BlockNumber.Uint64()); err != nil || m.Profile[DestinationKeyPrefix+uri.String()] != string(cert1) ||
		m.Identity.ChainPEM == "" {
		t.Fatalf("orga at block %d, the publication's: %v, %v", pub.BlockNumber, m, err)
	}
	if _, err := reg.MemberAt(ctx, "nosuchmember", 0); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("an unknown member: %v", err)
	}
	reader, err := NewRegistry(ctx, h.backend, nil, RegistryConfig{Address: addrs.Registry, EnvironmentID: env.ID, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	d, err := reader.Destination(ctx, uri)
	if err != nil || d.CertificatePEM != string(cert1) || d.Member != "orga" || d.Name != "inbox" {
		t.Fatalf("lookup: %+v, %v", d, err)
	}
	if c, err := reader.Certificate(ctx, uri); err != nil || c.Subject.CommonName != "inbox-1" {
		t.Fatalf("certificate: %v, %v", c, err)
	}

	// Refusals: non-owner, bad certificate, other environment, unknown destinations.
	if _, err := regB.PublishDestination(ctx, uri, destCert(t, "evil")); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("non-owner publish: %v, want ErrNotOwner", err)
	}
	_, err = regB.SetProfile(ctx, "orga", "note", "x")
	t.Logf("non-owner profile write: %v", err)
	if !errors.Is(err, ErrNotOwner) {
		t.Fatalf("non-owner profile write: %v, want ErrNotOwner", err)
	}
	if _, err := regA.PublishDestination(ctx, uri, []byte("not pem")); !errors.Is(err, destination.ErrBadCertificate) {
		t.Fatalf("bad certificate: %v", err)
	}
	if _, err := regA.PublishDestination(ctx, destination.MustParse("kld://documentstore/m/orga/e/"+other.ID+"/s/svc1/d/inbox"), cert1); !errors.Is(err, ErrCrossEnvironment) {
		t.Fatalf("cross-environment publish: %v", err)
	}
	for _, u := range []destination.URI{
		destination.MustParse("kld://documentstore/m/orga/e/" + env.ID + "/s/svc1/d/nope"),
		destination.MustParse("kld://documentstore/m/nobody/e/" + env.ID + "/s/svc1/d/inbox"),
		destination.MustParse("kld://documentstore/m/orga/e/" + other.ID + "/s/svc1/d/inbox"),
		{}, // no URI
		{Scheme: "kld", Kind: "documentstore", Member: "orga", Environment: env.ID, Service: "svc1", Name: "not/a/name"},
	} {
		if _, err := reader.Destination(ctx, u); !errors.Is(err, destination.ErrUnknownDestination) {
			t.Errorf("lookup %q: %v, want destination.ErrUnknownDestination", u, err)
		}
	}
	if _, err := regA.RemoveDestination(ctx, destination.MustParse("kld://documentstore/m/orga/e/"+env.ID+"/s/svc1/d/nope")); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Fatalf("remove unknown destination: %v", err)
	}
	if d, _ := reader.Destination(ctx, uri); d.CertificatePEM != string(cert1) {
		t.Fatal("a refused write changed the certificate")
	}

	// Rotation: the reader's cache (already holding cert1) sees cert2 as
	// soon as its poller has processed the rotation's block.
	cert2 := destCert(t, "inbox-2")
	rc, err := regA.PublishDestination(ctx, uri, cert2)
	if err != nil {
		t.Fatal(err)
	}
	rotated := rc.BlockNumber.Uint64()
	for reader.Height() < rotated {
		select {
		case <-ctx.Done():
			t.Fatalf("poller never reached block %d (at %d)", rotated, reader.Height())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if c, err := reader.Certificate(ctx, uri); err != nil || c.Subject.CommonName != "inbox-2" {
		t.Fatalf("after rotation in block %d, reader at %d sees %v, %v", rotated, reader.Height(), c, err)
	}
	if h.sim != nil {
		if head, _ := h.backend.BlockNumber(ctx); head != rotated {
			t.Fatalf("head %d: a later block was needed", head)
		}
	}

	// A reader whose poller is far behind (it last read orga before the
	// publication) still finds a destination published since: a miss at
	// the cached height is checked against the latest state.
	slow, err := NewRegistry(ctx, h.backend, nil, RegistryConfig{Address: addrs.Registry, EnvironmentID: env.ID, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Destination(ctx, uri); err != nil {
		t.Fatal(err)
	}
	uri2 := destination.MustParse("kld://documentstore/m/orga/e/" + env.ID + "/s/svc1/d/second")
	if _, err := regA.PublishDestination(ctx, uri2, destCert(t, "second")); err != nil {
		t.Fatal(err)
	}
	if c, err := slow.Certificate(ctx, uri2); err != nil || c.Subject.CommonName != "second" {
		t.Fatalf("a destination published after the reader's last poll: %v, %v", c, err)
	}
	if _, err := regA.RemoveDestination(ctx, uri2); err != nil {
		t.Fatal(err)
	}

	// A suspended member's certificates are refused; the record stays visible.
	if _, err := reg.SetStatus(ctx, "orga", StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := regA.SetStatus(ctx, "orga", StatusActive); !errors.Is(err, ErrNotAdmin) {
		t.Fatalf("owner reactivating itself: %v", err)
	}
	if _, err := reader.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Certificate(ctx, uri); !errors.Is(err, ErrSuspended) {
		t.Fatalf("certificate of a suspended member: %v", err)
	}
	if d, err := reader.Destination(ctx, uri); err != nil || d.MemberStatus != StatusSuspended {
		t.Fatalf("destination of a suspended member: %+v, %v", d, err)
	}
	if _, err := reg.SetStatus(ctx, "orga", StatusActive); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	// Address book.
	book, err := reader.AddressBook(ctx)
	if err != nil || len(book) != 2 || book[0].Membership != "/orga" || !book[0].SelfSigned || len(book[0].Destinations) != 1 ||
		book[0].Destinations[0].URI != uri || book[1].Membership != "/orgb" || book[1].SelfSigned {
		t.Fatalf("address book: %+v, %v", book, err)
	}

	// An uncached client agrees.
	raw, err := NewRegistry(ctx, h.backend, nil, RegistryConfig{Address: addrs.Registry, EnvironmentID: env.ID, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := raw.Certificate(ctx, uri); err != nil || c.Subject.CommonName != "inbox-2" {
		t.Fatalf("uncached: %v, %v", c, err)
	}

	// Pins.
	pinA, err := NewPinner(ctx, h.backend, addrs.Pin, ownerA)
	if err != nil {
		t.Fatal(err)
	}
	h1 := sha256.Sum256([]byte("document one"))
	prc, err := pinA.Pin(ctx, h1)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := pinA.Prove(ctx, h1)
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := h.backend.HeaderByNumber(ctx, new(big.Int).SetUint64(prc.Block))
	if err != nil {
		t.Fatal(err)
	}
	if pr.Tx != prc.Tx || pr.Block != prc.Block || pr.By != ownerA.Address() || pr.Timestamp.Unix() != int64(hdr.Time) || pr.Hash != h1 {
		t.Fatalf("proof %+v, receipt %+v, block time %d", pr, prc, hdr.Time)
	}
	if _, err := pinA.Prove(ctx, sha256.Sum256([]byte("never pinned"))); !errors.Is(err, ErrNotPinned) {
		t.Fatalf("prove unpinned: %v", err)
	}
	var batch [][32]byte
	for i := range 50 {
		batch = append(batch, sha256.Sum256([]byte(fmt.Sprintf("batch %d", i))))
	}
	batch = append(batch, h1) // already pinned: keeps its first record
	pinB, _ := NewPinner(ctx, h.backend, addrs.Pin, ownerB)
	brc, err := pinB.PinBatch(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, bh := range batch[:50] {
		p, err := pinB.Prove(ctx, bh)
		if err != nil || p.Tx != brc.Tx || p.By != ownerB.Address() {
			t.Fatalf("batch proof %x: %+v, %v", bh, p, err)
		}
	}
	if p, _ := pinB.Prove(ctx, h1); p.Tx != prc.Tx || p.By != ownerA.Address() {
		t.Fatalf("re-pin replaced the first record: %+v", p)
	}
	if _, err := pinB.PinBatch(ctx, nil); !errors.Is(err, ErrBadArgument) {
		t.Fatalf("empty batch: %v", err)
	}

	// Admin-only operations; removal drops the member everywhere.
	if _, err := regA.RemoveMember(ctx, "orgb"); !errors.Is(err, ErrNotAdmin) {
		t.Fatalf("non-admin remove: %v", err)
	}
	if _, err := reg.RemoveMember(ctx, "orga"); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Destination(ctx, uri); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Fatalf("destination of removed member: %v", err)
	}
	if _, err := reader.Member(ctx, "orga"); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("removed member: %v", err)
	}
	_ = common.Address{}
}
