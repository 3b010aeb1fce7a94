package web_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/web"
	"github.com/consign/consign/web/chainapi"
)

// regServer is a running web.Server with the registry routes mounted and
// one credential of its environment.
type regServer struct {
	base, user, pass string
}

func startRegistryServer(t *testing.T, env string, reg web.RegistryReader, pins web.PinProver, managed web.ManagedFunc) regServer {
	t.Helper()
	ctx := context.Background()
	creds, err := auth.New(&auth.MemoryStore{}, auth.Config{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16}})
	if err != nil {
		t.Fatal(err)
	}
	user, pass, err := creds.Create(ctx, env, "reader")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{EnvironmentID: env, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, creds)
	if err != nil {
		t.Fatal(err)
	}
	srv.HandleRegistry(reg, pins, managed)
	return regServer{base: web.ServeForTest(t, srv), user: user, pass: pass}
}

// get fetches path (kept as written, "//" included) with the server's
// credential unless anonymous, and returns the status and body.
func (s regServer) get(t *testing.T, path string, anonymous bool) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !anonymous {
		req.SetBasicAuth(s.user, s.pass)
	}
	res, body := testenv.Do(t, req)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q, body %q", path, ct, body)
	}
	return res.StatusCode, body
}

// getJSON expects status want and decodes the body into v.
func (s regServer) getJSON(t *testing.T, path string, want int, v any) {
	t.Helper()
	status, body := s.get(t, path, false)
	if status != want {
		t.Fatalf("GET %s: status %d, want %d; body %s", path, status, want, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: body %s: %v", path, body, err)
	}
}

// getError expects status want and a JSON error body, whose message it returns.
func (s regServer) getError(t *testing.T, path string, want int) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	s.getJSON(t, path, want, &e)
	if e.Error == "" {
		t.Fatalf("GET %s: %d without an error message", path, want)
	}
	return e.Error
}

// Wire shapes, decoded strictly enough to catch a renamed field.
type memberOut struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Identity struct {
		SelfSigned  *bool     `json:"self_signed"`
		LeafSubject string    `json:"leaf_subject"`
		IssuerChain *[]string `json:"issuer_chain"`
		Certs       []struct {
			Subject   string `json:"subject"`
			Issuer    string `json:"issuer"`
			NotBefore string `json:"not_before"`
			NotAfter  string `json:"not_after"`
		} `json:"certificates"`
	} `json:"identity"`
	Destinations *[]struct {
		URI  string `json:"uri"`
		Name string `json:"name"`
	} `json:"destinations"`
}

type destinationOut struct {
	URI         string `json:"uri"`
	Member      string `json:"member"`
	Managed     *bool  `json:"managed"`
	Certificate string `json:"certificate"`
}

type pinOut struct {
	Hash      string `json:"hash"`
	Tx        string `json:"tx"`
	Block     uint64 `json:"block"`
	Timestamp string `json:"timestamp"`
	By        string `json:"by"`
}

func destinationsPath(uri string) string {
	return "/api/v1/registry/destinations?uri=" + url.QueryEscape(uri)
}

func destURI(member, env, name string) string {
	return "kld://documentstore/m/" + member + "/e/" + env + "/s/docs/d/" + name
}

func newDestCert(t testing.TB, cn string) []byte {
	t.Helper()
	_, c, err := crypto.GenerateDestination(cn, crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	return crypto.MarshalCertificatePEM(c)
}

// caIssuedProof returns an identity proof chain (leaf, then its CA) for
// org in env with nonce, the CA's subject being caName.
func caIssuedProof(t *testing.T, env, nonce, org, caName string) []byte {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: caName, Organization: []string{caName}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: env + "-" + nonce + "--" + org},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
}

// checkCertificate parses the PEM the API returned and checks it is
// exactly the certificate that was published.
func checkCertificate(t *testing.T, got string, published []byte) {
	t.Helper()
	c, err := crypto.ParseCertificatePEM([]byte(got))
	if err != nil {
		t.Fatalf("certificate from the API does not parse: %v\n%s", err, got)
	}
	want, err := crypto.ParseCertificatePEM(published)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Raw, want.Raw) {
		t.Fatalf("certificate from the API (CN %q) is not the published one (CN %q)", c.Subject.CommonName, want.Subject.CommonName)
	}
}

// devRegistry is a simulated chain with two members: alice (self-signed
// proof, two destinations) and bob (CA-issued proof, one destination).
type devRegistry struct {
	env   string
	dc    *chain.DevChain
	certs map[string][]byte // URI → published PEM
}

func startDevRegistry(t *testing.T) devRegistry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env := "regenv1"
	d := devRegistry{env: env, certs: map[string][]byte{
		destURI("alice", env, "inbox"):   newDestCert(t, "alice-inbox"),
		destURI("alice", env, "archive"): newDestCert(t, "alice-archive"),
		destURI("bob", env, "inbox"):     newDestCert(t, "bob-inbox"),
	}}
	mine := func(member string) map[destination.URI][]byte {
		m := map[destination.URI][]byte{}
		for u, c := range d.certs {
			if strings.Contains(u, "/m/"+member+"/") {
				m[destination.MustParse(u)] = c
			}
		}
		return m
	}
	bobNonce := "bobnonce0123456789"
	dc, err := chain.StartDev(ctx, chain.DevConfig{EnvironmentID: env, Members: []chain.DevMember{
		{Name: "alice", Destinations: mine("alice")},
		{Name: "bob", ProofPEM: caIssuedProof(t, env, bobNonce, "Bob Ltd", "Bob Root CA"), Nonce: bobNonce, Destinations: mine("bob")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	d.dc = dc
	return d
}

func TestRegistryMembers(t *testing.T) {
	d := startDevRegistry(t)
	s := startRegistryServer(t, d.env, chainapi.Registry(d.dc.Registry), chainapi.Pins(d.dc.Pinner), nil)

	var ms []memberOut
	s.getJSON(t, "/api/v1/registry/members", http.StatusOK, &ms)
	if len(ms) != 2 || ms[0].Name != "alice" || ms[1].Name != "bob" {
		t.Fatalf("members %+v, want alice then bob", ms)
	}
	for _, m := range ms {
		want := ethcrypto.PubkeyToAddress(d.dc.MemberKeys[m.Name].PublicKey).Hex()
		if m.Address != want {
			t.Errorf("%s: address %q, want %q", m.Name, m.Address, want)
		}
		if m.Identity.SelfSigned == nil || m.Identity.IssuerChain == nil || m.Destinations == nil {
			t.Fatalf("%s: self_signed, issuer_chain or destinations missing or null: %+v", m.Name, m)
		}
	}
	alice, bob := ms[0], ms[1]
	if !*alice.Identity.SelfSigned || len(*alice.Identity.IssuerChain) != 0 {
		t.Errorf("alice's demo proof is self-signed: self_signed %v, issuer_chain %v", *alice.Identity.SelfSigned, *alice.Identity.IssuerChain)
	}
	if !strings.Contains(alice.Identity.LeafSubject, "--alice") {
		t.Errorf("alice's leaf subject %q does not name her organization", alice.Identity.LeafSubject)
	}
	if *bob.Identity.SelfSigned {
		t.Error("bob's CA-issued proof is flagged self-signed")
	}
	if ic := *bob.Identity.IssuerChain; len(ic) != 1 || !strings.Contains(ic[0], "CN=Bob Root CA") {
		t.Errorf("bob's issuer chain %v, want [the CA's subject]", ic)
	}
	if !strings.Contains(bob.Identity.LeafSubject, "--Bob Ltd") {
		t.Errorf("bob's leaf subject %q", bob.Identity.LeafSubject)
	}
	// Each certificate of the chain with its validity, leaf first.
	if c := bob.Identity.Certs; len(c) != 2 || c[0].Subject != bob.Identity.LeafSubject || c[0].Issuer != c[1].Subject ||
		!strings.Contains(c[1].Subject, "CN=Bob Root CA") || c[0].NotBefore == "" || c[0].NotAfter <= c[0].NotBefore {
		t.Errorf("bob's certificates %+v", c)
	}
	if c := alice.Identity.Certs; len(c) != 1 || c[0].Subject != c[0].Issuer {
		t.Errorf("alice's self-signed certificate %+v", c)
	}
	ad := *alice.Destinations
	if len(ad) != 2 || ad[0].URI != destURI("alice", d.env, "archive") || ad[0].Name != "archive" ||
		ad[1].URI != destURI("alice", d.env, "inbox") || ad[1].Name != "inbox" {
		t.Errorf("alice's destinations %+v", ad)
	}
	if bd := *bob.Destinations; len(bd) != 1 || bd[0].URI != destURI("bob", d.env, "inbox") || bd[0].Name != "inbox" {
		t.Errorf("bob's destinations %+v", bd)
	}

	// A destination published later shows up once the registry has seen it.
	late := destURI("bob", d.env, "late")
	if _, err := d.dc.Members["bob"].PublishDestination(context.Background(), destination.MustParse(late), newDestCert(t, "bob-late")); err != nil {
		t.Fatal(err)
	}
	s.getJSON(t, "/api/v1//registry/members", http.StatusOK, &ms)
	if bd := *ms[1].Destinations; len(bd) != 2 || bd[1].URI != late {
		t.Errorf("after publishing %s, bob's destinations %+v", late, bd)
	}
}

func TestRegistryDestination(t *testing.T) {
	d := startDevRegistry(t)
	managedURI := destURI("alice", d.env, "inbox")
	managed := func(_ context.Context, uri destination.URI) (bool, error) { return uri.String() == managedURI, nil }
	s := startRegistryServer(t, d.env, chainapi.Registry(d.dc.Registry), chainapi.Pins(d.dc.Pinner), managed)

	for uri, published := range d.certs {
		var got destinationOut
		s.getJSON(t, destinationsPath(uri), http.StatusOK, &got)
		wantMember := "alice"
		if strings.Contains(uri, "/m/bob/") {
			wantMember = "bob"
		}
		if got.URI != uri || got.Member != wantMember || got.Managed == nil || *got.Managed != (uri == managedURI) {
			t.Errorf("%s: got uri %q member %q managed %v", uri, got.URI, got.Member, got.Managed)
		}
		checkCertificate(t, got.Certificate, published)
	}

	t.Run("unknown", func(t *testing.T) {
		for _, uri := range []string{
			destURI("alice", d.env, "nosuch"), // member exists, destination not published
			destURI("carol", d.env, "inbox"),  // no such member
			destURI("alice", "otherenv", "inbox"),
		} {
			msg := s.getError(t, destinationsPath(uri), http.StatusNotFound)
			if !strings.Contains(msg, uri) {
				t.Errorf("%s: message %q does not name the URI", uri, msg)
			}
		}
	})
	t.Run("malformed", func(t *testing.T) {
		for _, uri := range []string{
			"not a uri",
			"kld://documentstore/m/alice/e/" + d.env + "/s/docs",          // too few segments
			"kld://documentstore/m/alice/e/" + d.env + "/s/docs/d/In Box", // bad name
			"kld://documentstore/x/alice/e/" + d.env + "/s/docs/d/inbox",  // wrong label
		} {
			s.getError(t, destinationsPath(uri), http.StatusBadRequest)
		}
		s.getError(t, "/api/v1/registry/destinations", http.StatusBadRequest)
		s.getError(t, "/api/v1/registry/destinations?uri=", http.StatusBadRequest)
		two := destinationsPath(managedURI) + "&uri=" + url.QueryEscape(destURI("bob", d.env, "inbox"))
		s.getError(t, two, http.StatusBadRequest)
	})
	t.Run("managed lookup fails", func(t *testing.T) {
		broken := func(context.Context, destination.URI) (bool, error) {
			return false, errors.New("destination store offline")
		}
		s2 := startRegistryServer(t, d.env, chainapi.Registry(d.dc.Registry), nil, broken)
		msg := s2.getError(t, destinationsPath(managedURI), http.StatusInternalServerError)
		if strings.Contains(msg, "offline") {
			t.Errorf("a 500 leaks internal details: %q", msg)
		}
	})
}

func TestRegistryPins(t *testing.T) {
	d := startDevRegistry(t)
	ctx := context.Background()
	s := startRegistryServer(t, d.env, chainapi.Registry(d.dc.Registry), chainapi.Pins(d.dc.Pinner), nil)

	hash := sha256.Sum256([]byte("the pinned document " + t.Name()))
	hexHash := hex.EncodeToString(hash[:])
	s.getError(t, "/api/v1/pins/"+hexHash, http.StatusNotFound) // before the pin

	rc, err := d.dc.Pinner.Pin(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := d.dc.Backend.HeaderByNumber(ctx, new(big.Int).SetUint64(rc.Block))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/pins/" + hexHash, "/api/v1//pins/" + strings.ToUpper(hexHash)} {
		var p pinOut
		s.getJSON(t, path, http.StatusOK, &p)
		if p.Hash != hexHash || p.Tx != rc.Tx.Hex() || p.Block != rc.Block || p.By != d.dc.Admin.Address().Hex() {
			t.Errorf("%s: proof %+v; want hash %s tx %s block %d by %s", path, p, hexHash, rc.Tx.Hex(), rc.Block, d.dc.Admin.Address().Hex())
		}
		ts, err := time.Parse(time.RFC3339, p.Timestamp)
		if err != nil || !ts.Equal(time.Unix(int64(hdr.Time), 0)) {
			t.Errorf("%s: timestamp %q (%v), want the block time %v", path, p.Timestamp, err, time.Unix(int64(hdr.Time), 0).UTC())
		}
	}

	other := sha256.Sum256([]byte("never pinned"))
	msg := s.getError(t, "/api/v1/pins/"+hex.EncodeToString(other[:]), http.StatusNotFound)
	if !strings.Contains(msg, hex.EncodeToString(other[:])) {
		t.Errorf("not-pinned message %q does not name the hash", msg)
	}

	for _, bad := range []string{
		hexHash[:63],
		hexHash + "0",
		"0x" + hexHash[:62],
		"0x" + hexHash,
		strings.Repeat("g", 64),
		"not-a-hash",
		url.PathEscape(strings.Repeat("é", 32)),
	} {
		s.getError(t, "/api/v1/pins/"+bad, http.StatusBadRequest)
	}

	t.Run("no pin contract", func(t *testing.T) {
		s2 := startRegistryServer(t, d.env, chainapi.Registry(d.dc.Registry), chainapi.Pins(nil), nil)
		s2.getError(t, "/api/v1/pins/"+hexHash, http.StatusServiceUnavailable)
		s2.getError(t, "/api/v1/pins/xyz", http.StatusBadRequest)
	})
}

func TestRegistryUnauthenticated(t *testing.T) {
	d := startDevRegistry(t)
	s := startRegistryServer(t, d.env, chainapi.Registry(d.dc.Registry), chainapi.Pins(d.dc.Pinner), nil)
	hash := sha256.Sum256([]byte("x"))
	for _, path := range []string{
		"/api/v1/registry/members",
		destinationsPath(destURI("alice", d.env, "inbox")),
		"/api/v1/pins/" + hex.EncodeToString(hash[:]),
	} {
		status, body := s.get(t, path, true)
		var e struct {
			Error string `json:"error"`
		}
		if status != http.StatusUnauthorized || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("GET %s without credentials: %d %s, want 401 with a JSON error", path, status, body)
		}
		for _, leak := range []string{"alice", "BEGIN CERTIFICATE"} {
			if bytes.Contains(body, []byte(leak)) {
				t.Errorf("GET %s without credentials leaks %q: %s", path, leak, body)
			}
		}
	}
}

// TestRegistryGeth deploys the contracts on the real geth, registers a
// member, publishes a destination, pins a hash and reads all of it back
// through the HTTP API.
func TestRegistryGeth(t *testing.T) {
	client, funderKey := testenv.Geth(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	funder := chain.NewKeySigner(funderKey)
	// Fresh accounts, so that this test's transactions do not race other
	// tests for the shared key's nonces.
	account := func() *chain.KeySigner {
		k, err := ethcrypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		s := chain.NewKeySigner(k)
		unlock := testenv.LockEthFunder(t)
		defer unlock()
		if err := chain.Transfer(ctx, client, funder, s.Address(), testenv.AccountFunds()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	admin, owner := account(), account()
	addrs, err := chain.Deploy(ctx, client, admin)
	if err != nil {
		t.Fatal(err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	env := "webreg" + hex.EncodeToString(rnd[:])
	reg, err := chain.NewRegistry(ctx, client, admin, chain.RegistryConfig{
		Address: addrs.Registry, EnvironmentID: env, Verifier: chain.CryptoVerifier{}, PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	proof, nonce, err := chain.DemoIdentityProof(env, "Gethco")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Register(ctx, chain.Registration{Name: "gethco", Owner: owner.Address(), ProofPEM: proof, Nonce: nonce}); err != nil {
		t.Fatal(err)
	}
	ownerReg, err := reg.WithSigner(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	uri := destURI("gethco", env, "inbox")
	certPEM := newDestCert(t, "gethco-inbox")
	if _, err := ownerReg.PublishDestination(ctx, destination.MustParse(uri), certPEM); err != nil {
		t.Fatal(err)
	}
	pinner, err := chain.NewPinner(ctx, client, addrs.Pin, owner)
	if err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256([]byte("geth pin " + env))
	rc, err := pinner.Pin(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}

	// The web server reads through its own read-only clients, as a node would.
	roReg, err := chain.NewRegistry(ctx, client, nil, chain.RegistryConfig{Address: addrs.Registry, EnvironmentID: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { roReg.Close() })
	roPins, err := chain.NewPinner(ctx, client, addrs.Pin, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := startRegistryServer(t, env, chainapi.Registry(roReg), chainapi.Pins(roPins), nil)

	var ms []memberOut
	s.getJSON(t, "/api/v1/registry/members", http.StatusOK, &ms)
	if len(ms) != 1 || ms[0].Name != "gethco" || ms[0].Address != owner.Address().Hex() ||
		ms[0].Identity.SelfSigned == nil || !*ms[0].Identity.SelfSigned ||
		ms[0].Destinations == nil || len(*ms[0].Destinations) != 1 || (*ms[0].Destinations)[0].URI != uri {
		t.Fatalf("members on geth: %+v", ms)
	}
	var dest destinationOut
	s.getJSON(t, destinationsPath(uri), http.StatusOK, &dest)
	if dest.URI != uri || dest.Member != "gethco" || dest.Managed == nil || *dest.Managed {
		t.Errorf("destination on geth: %+v", dest)
	}
	checkCertificate(t, dest.Certificate, certPEM)
	s.getError(t, destinationsPath(destURI("gethco", env, "nosuch")), http.StatusNotFound)

	var p pinOut
	s.getJSON(t, "/api/v1/pins/"+hex.EncodeToString(hash[:]), http.StatusOK, &p)
	if p.Hash != hex.EncodeToString(hash[:]) || p.Tx != rc.Tx.Hex() || p.Block != rc.Block || p.By != owner.Address().Hex() {
		t.Errorf("pin on geth: %+v; want tx %s block %d by %s", p, rc.Tx.Hex(), rc.Block, owner.Address().Hex())
	}
	if _, err := time.Parse(time.RFC3339, p.Timestamp); err != nil {
		t.Errorf("timestamp %q: %v", p.Timestamp, err)
	}
	unpinned := sha256.Sum256([]byte(fmt.Sprintf("unpinned %s", env)))
	s.getError(t, "/api/v1/pins/"+hex.EncodeToString(unpinned[:]), http.StatusNotFound)
}

// fakeRegistry answers from memory, for the cases a chain cannot easily
// produce (an empty registry, a failing one).
type fakeRegistry struct {
	members []web.RegistryMember
	err     error
}

func (f fakeRegistry) Members(context.Context) ([]web.RegistryMember, error) { return f.members, f.err }
func (f fakeRegistry) Destination(_ context.Context, uri destination.URI) (web.RegistryDestination, error) {
	return web.RegistryDestination{}, fmt.Errorf("fake: %q: %w", uri, web.ErrNotFound)
}

// fakePins proves every hash whose first byte is even and records what
// it was asked.
type fakePins struct {
	mu    sync.Mutex
	asked [][32]byte
}

func (f *fakePins) Prove(_ context.Context, h [32]byte) (web.PinProof, error) {
	f.mu.Lock()
	f.asked = append(f.asked, h)
	f.mu.Unlock()
	if h[0]%2 == 1 {
		return web.PinProof{}, fmt.Errorf("fake: %x: %w", h, web.ErrNotFound)
	}
	return web.PinProof{Hash: h, Tx: "0x01", Block: 7, Timestamp: time.Unix(1_700_000_000, 0), By: "0x02"}, nil
}

func (f *fakePins) take() [][32]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.asked
	f.asked = nil
	return a
}

func TestRegistryEdgeCases(t *testing.T) {
	t.Run("empty registry", func(t *testing.T) {
		s := startRegistryServer(t, "env1", fakeRegistry{}, nil, nil)
		status, body := s.get(t, "/api/v1/registry/members", false)
		if status != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
			t.Errorf("empty registry: %d %s, want 200 []", status, body)
		}
	})
	t.Run("member without destinations", func(t *testing.T) {
		s := startRegistryServer(t, "env1", fakeRegistry{members: []web.RegistryMember{{Name: "m", Address: "0x03"}}}, nil, nil)
		status, body := s.get(t, "/api/v1/registry/members", false)
		want := `[{"name":"m","address":"0x03","identity":{"self_signed":false,"organization_unvouched":false,"leaf_subject":"","issuer_chain":[],"certificates":[]},"destinations":[]}]`
		if status != http.StatusOK || strings.TrimSpace(string(body)) != want {
			t.Errorf("got %d %s\nwant 200 %s", status, body, want)
		}
	})
	t.Run("registry failure", func(t *testing.T) {
		s := startRegistryServer(t, "env1", fakeRegistry{err: errors.New("dial tcp 10.0.0.7:8545: refused")}, nil, nil)
		if msg := s.getError(t, "/api/v1/registry/members", http.StatusInternalServerError); strings.Contains(msg, "10.0.0.7") {
			t.Errorf("a 500 leaks internal details: %q", msg)
		}
	})
	t.Run("pin timestamp is UTC RFC 3339", func(t *testing.T) {
		pins := &fakePins{}
		s := startRegistryServer(t, "env1", fakeRegistry{}, pins, nil)
		var p pinOut
		s.getJSON(t, "/api/v1/pins/"+strings.Repeat("0a", 32), http.StatusOK, &p)
		if p.Timestamp != "2023-11-14T22:13:20Z" || p.Tx != "0x01" || p.By != "0x02" || p.Block != 7 || p.Hash != strings.Repeat("0a", 32) {
			t.Errorf("proof %+v", p)
		}
		if a := pins.take(); len(a) != 1 || hex.EncodeToString(a[0][:]) != strings.Repeat("0a", 32) {
			t.Errorf("prover asked %x", a)
		}
	})
}

// FuzzPinHash sends arbitrary path segments to the pin route: anything
// but 64 hex digits must be refused (400, or 404 for a path that is no
// route) without reaching the prover; 64 hex digits (after the server
// collapses doubled slashes) must reach it as the hash they spell.
func FuzzPinHash(f *testing.F) {
	for _, s := range []string{strings.Repeat("ab", 32), strings.Repeat("AB", 32), "0x" + strings.Repeat("1", 62), "zz", "", "..", "a/b", "//" + strings.Repeat("cd", 32), strings.Repeat("cd", 32) + "/", strings.Repeat("é", 32)} {
		f.Add(s)
	}
	ctx := context.Background()
	creds, err := auth.New(&auth.MemoryStore{}, auth.Config{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16}})
	if err != nil {
		f.Fatal(err)
	}
	user, pass, err := creds.Create(ctx, "env1", "reader")
	if err != nil {
		f.Fatal(err)
	}
	srv, err := web.New(web.Config{EnvironmentID: "env1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, creds)
	if err != nil {
		f.Fatal(err)
	}
	pins := &fakePins{}
	srv.HandleRegistry(fakeRegistry{}, pins, nil)
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, seg string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = "/api/v1/pins/" + seg
		req.URL.RawPath = ""
		req.SetBasicAuth(user, pass)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		asked := pins.take()
		// The server collapses runs of '/', so leading slashes vanish.
		want, decodeErr := hex.DecodeString(strings.TrimLeft(seg, "/"))
		valid := decodeErr == nil && len(want) == 32
		if valid {
			if len(asked) != 1 || !bytes.Equal(asked[0][:], want) {
				t.Fatalf("%q: prover asked %x", seg, asked)
			}
			if rec.Code != http.StatusOK && rec.Code != http.StatusNotFound {
				t.Fatalf("%q: status %d %s", seg, rec.Code, rec.Body)
			}
			return
		}
		if len(asked) != 0 {
			t.Fatalf("%q (not a hash) reached the prover as %x", seg, asked)
		}
		if rec.Code != http.StatusBadRequest && rec.Code != http.StatusNotFound {
			t.Fatalf("%q: status %d %s, want 400 or 404", seg, rec.Code, rec.Body)
		}
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
			t.Fatalf("%q: %d without a JSON error: %s", seg, rec.Code, rec.Body)
		}
	})
}
