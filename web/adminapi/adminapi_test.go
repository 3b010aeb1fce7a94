package adminapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/chain/consortium"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/web"
	"github.com/consign/consign/web/adminapi"
	"github.com/consign/consign/web/chainapi"
)

// fastParams keep hashing cheap in tests.
var fastParams = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16}

// testNode is one node: its own handle on the shared metadata database
// (as a separate process would have), its own credential cache, the
// management API and two application routes to try credentials on.
type testNode struct {
	url string
	srv *web.Server
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := metadb.Open(context.Background(), metadb.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func startNode(t *testing.T, dbPath, envID string, reg *chain.Registry) testNode {
	t.Helper()
	ctx := context.Background()
	db := openDB(t, dbPath)
	apps, ops := auth.NewSQLStore(db, auth.SQLite), auth.NewOperatorSQLStore(db, auth.SQLite)
	for _, s := range []*auth.SQLStore{apps, ops} {
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	creds, err := auth.New(apps, auth.Config{Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	operators, err := auth.New(ops, auth.Config{Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	store, err := consortium.NewSQLStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{EnvironmentID: envID, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), FailureBurst: 1000}, creds)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetOperators(operators)
	srv.HandleCredentials(web.AuthCredentials(creds, apps))
	if reg != nil {
		srv.HandleRegistry(chainapi.Registry(reg), nil, nil)
	}
	if _, err := adminapi.Mount(srv, adminapi.Config{Model: consortium.New(store), Credentials: creds, Store: apps, Registry: reg}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return testNode{url: hs.URL, srv: srv}
}

// newOperator issues an operator credential in the database at dbPath.
func newOperator(t *testing.T, dbPath string) (user, password string) {
	t.Helper()
	ctx := context.Background()
	store := auth.NewOperatorSQLStore(openDB(t, dbPath), auth.SQLite)
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ops, err := auth.New(store, auth.Config{Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	user, password, err = ops.Create(ctx, "*", "operator")
	if err != nil {
		t.Fatal(err)
	}
	return user, password
}

type cred struct{ user, password string }

// call sends body (JSON unless it is []byte) and returns status and body.
func call(t *testing.T, c cred, method, url string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/x-pem-file"
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// must calls and decodes the answer into v, failing unless the status is want.
func must(t *testing.T, c cred, want int, method, url string, body, v any) {
	t.Helper()
	code, out := call(t, c, method, url, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, code, out, want)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, out)
		}
	}
}

// refused checks that a call answers want with a JSON error.
func refused(t *testing.T, c cred, want int, method, url string, body any) string {
	t.Helper()
	code, out := call(t, c, method, url, body)
	var e struct {
		Error string `json:"error"`
	}
	if code != want || json.Unmarshal(out, &e) != nil || e.Error == "" {
		t.Fatalf("%s %s: %d %s, want %d with a JSON error", method, url, code, out, want)
	}
	return e.Error
}

// waitStatus polls url as c until it answers want, failing after 5 s.
func waitStatus(t *testing.T, c cred, url string, want int, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, out := call(t, c, "GET", url, nil)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %d %s after 5 s, want %d", what, code, out, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// selfSigned is an identity proof: a self-signed leaf with cn.
func selfSigned(t *testing.T, cn string) []byte {
	t.Helper()
	key, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cert, err := crypto.SelfSign(key, cn, now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return crypto.MarshalCertificatePEM(cert)
}

// caIssued is an identity proof: a leaf with cn issued by a CA whose
// subject names caOrg, then the CA.
func caIssued(t *testing.T, cn, caOrg string) []byte {
	t.Helper()
	caKey, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: caOrg + " Root CA", Organization: []string{caOrg}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, leafKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return b.Bytes()
}

func address(t *testing.T) string {
	t.Helper()
	k, err := ethcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return ethcrypto.PubkeyToAddress(k.PublicKey).Hex()
}

// simRegistry is an admin-signed registry for envID on an in-process chain.
func simRegistry(t *testing.T, envID string) *chain.Registry {
	t.Helper()
	dc, err := chain.StartDev(context.Background(), chain.DevConfig{EnvironmentID: envID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	return dc.Registry
}

// gethRegistry deploys the contracts on the geth of `make testenv` with
// an admin key of its own and returns the admin-signed registry for envID.
func gethRegistry(t *testing.T, envID string) *chain.Registry {
	t.Helper()
	ctx := context.Background()
	rpc := testenv.Get(t, testenv.EthRPC)
	funderHex := testenv.Get(t, testenv.EthKey)
	client, err := ethclient.DialContext(ctx, rpc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	fk, err := ethcrypto.HexToECDSA(strings.TrimPrefix(funderHex, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	adminKey, err := ethcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	unlock := testenv.LockEthFunder(t)
	err = chain.Transfer(ctx, client, chain.NewKeySigner(fk), ethcrypto.PubkeyToAddress(adminKey.PublicKey), testenv.AccountFunds())
	unlock()
	if err != nil {
		t.Fatal(err)
	}
	admin := chain.NewKeySigner(adminKey)
	addrs, err := chain.Deploy(ctx, client, admin)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := chain.NewRegistry(ctx, client, admin, chain.RegistryConfig{Address: addrs.Registry, EnvironmentID: envID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return reg
}

func TestManagementSimulatedChain(t *testing.T) { managementFlow(t, simRegistry) }

// TestManagementRealChain runs the whole flow against geth: registration
// is a real transaction.
func TestManagementRealChain(t *testing.T) { managementFlow(t, gethRegistry) }

func managementFlow(t *testing.T, registry func(t *testing.T, envID string) *chain.Registry) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "meta.db")
	opUser, opPass := newOperator(t, dbPath)
	op := cred{opUser, opPass}
	mgmt := startNode(t, dbPath, "mgmt", nil)
	api := mgmt.url + "/api/v1"

	// Consortium and two environments.
	var c struct{ ID string }
	must(t, op, 201, "POST", api+"/consortia", map[string]string{"name": "Demo"}, &c)
	var envA, envB struct{ ID string }
	must(t, op, 201, "POST", api+"/consortia/"+c.ID+"/environments", map[string]any{"name": "a", "chain_id": 1337}, &envA)
	must(t, op, 201, "POST", api+"/consortia/"+c.ID+"/environments", map[string]any{"name": "b", "chain_id": 1338, "consensus": "raft"}, &envB)

	// Malformed input: 400, nothing stored.
	refused(t, op, 400, "POST", api+"/consortia", `{"name": `)
	refused(t, op, 400, "POST", api+"/consortia", `{"nmae": "typo"}`)
	refused(t, op, 400, "POST", api+"/consortia/"+c.ID+"/environments", map[string]any{"name": "x", "consensus": "pow"})
	var all []struct{ ID string }
	must(t, op, 200, "GET", api+"/consortia", nil, &all)
	if len(all) != 1 {
		t.Fatalf("consortia after refused requests: %+v", all)
	}
	// An environment reached through another consortium is refused.
	var other struct{ ID string }
	must(t, op, 201, "POST", api+"/consortia", map[string]string{"name": "Other"}, &other)
	refused(t, op, 403, "GET", api+"/consortia/"+other.ID+"/environments/"+envA.ID, nil)

	// The environment's nodes: A1 registers members, A2 shares its
	// metadata; B1 serves environment B.
	reg := registry(t, envA.ID)
	a1 := startNode(t, dbPath, envA.ID, reg)
	a2 := startNode(t, dbPath, envA.ID, nil)
	b1 := startNode(t, dbPath, envB.ID, nil)
	apiA := a1.url + "/api/v1"
	envPath := func(env string) string { return apiA + "/consortia/" + c.ID + "/environments/" + env }

	// Invitations: a token, one accept.
	invite := func(org string) string {
		var inv struct{ Token string }
		must(t, op, 201, "POST", apiA+"/consortia/"+c.ID+"/invitations", map[string]string{"environment_id": envA.ID, "org_name": org}, &inv)
		if len(inv.Token) < 32 {
			t.Fatalf("invitation token %q", inv.Token)
		}
		return inv.Token
	}
	tokB := invite("Org B")
	refused(t, op, 400, "POST", apiA+"/consortia/"+c.ID+"/invitations/accept", map[string]string{"token": tokB, "membership_id": "orgb", "owner": "not-an-address"})
	var ms struct{ ID, EnvironmentID string }
	must(t, op, 201, "POST", apiA+"/consortia/"+c.ID+"/invitations/accept", map[string]string{"token": tokB, "membership_id": "orgb", "owner": address(t)}, &ms)
	if ms.ID != "orgb" {
		t.Fatalf("membership %+v", ms)
	}
	refused(t, op, 409, "POST", apiA+"/consortia/"+c.ID+"/invitations/accept", map[string]string{"token": tokB, "membership_id": "orgb2", "owner": address(t)})
	refused(t, op, 404, "GET", apiA+"/memberships/orgb2", nil)
	must(t, op, 201, "POST", apiA+"/consortia/"+c.ID+"/invitations/accept", map[string]string{"token": invite("Org C"), "membership_id": "orgc", "owner": address(t)}, nil)
	must(t, op, 201, "POST", apiA+"/consortia/"+c.ID+"/invitations/accept", map[string]string{"token": invite("Org E"), "membership_id": "orge", "owner": address(t)}, nil)

	// Identity proofs.
	type proofReq struct {
		Nonce    string `json:"nonce"`
		CNPrefix string `json:"cn_prefix"`
	}
	request := func(m string) proofReq {
		var p proofReq
		must(t, op, 201, "POST", apiA+"/memberships/"+m+"/idproofs", nil, &p)
		if p.CNPrefix != envA.ID+"-"+p.Nonce {
			t.Fatalf("cn_prefix %q for nonce %q", p.CNPrefix, p.Nonce)
		}
		return p
	}
	pb, pc, pe := request("orgb"), request("orgc"), request("orge")

	// A borrowed chain: orgc's nonce in orgb's proof, and orgb using orgc's nonce.
	msg := refused(t, op, 400, "PUT", apiA+"/memberships/orgb/idproofs/"+pb.Nonce, selfSigned(t, pc.CNPrefix+"--Org B"))
	if !strings.Contains(msg, "nonce") {
		t.Errorf("borrowed chain refused with %q, which does not name the nonce", msg)
	}
	refused(t, op, 403, "PUT", apiA+"/memberships/orgb/idproofs/"+pc.Nonce, selfSigned(t, pc.CNPrefix+"--Org B"))
	refused(t, op, 400, "PUT", apiA+"/memberships/orgb/idproofs/"+pb.Nonce, []byte("not a PEM chain"))
	// A chain for another environment.
	refused(t, op, 400, "PUT", apiA+"/memberships/orgb/idproofs/"+pb.Nonce, selfSigned(t, envB.ID+"-"+pb.Nonce+"--Org B"))
	if _, err := reg.Member(ctx, "orgb"); err == nil {
		t.Fatal("a refused proof registered the member")
	}

	// The right chain registers the member, self-signed and marked so.
	type result struct {
		Registered            bool   `json:"registered"`
		SelfSigned            bool   `json:"self_signed"`
		OrganizationUnvouched bool   `json:"organization_unvouched"`
		Organization          string `json:"organization"`
		NotAfter              string `json:"not_after"`
	}
	var rb result
	must(t, op, 201, "PUT", apiA+"/memberships/orgb/idproofs/"+pb.Nonce, selfSigned(t, pb.CNPrefix+"--Org B"), &rb)
	if !rb.Registered || !rb.SelfSigned || rb.OrganizationUnvouched || rb.Organization != "Org B" || rb.NotAfter == "" {
		t.Fatalf("orgb result %+v", rb)
	}
	if m, err := reg.Member(ctx, "orgb"); err != nil || !m.Identity.SelfSigned {
		t.Fatalf("orgb in the registry: %+v, %v", m, err)
	}
	refused(t, op, 409, "PUT", apiA+"/memberships/orgb/idproofs/"+pb.Nonce, selfSigned(t, pb.CNPrefix+"--Org B"))

	// A CA that names the organization vouches for it.
	var rc result
	must(t, op, 201, "PUT", apiA+"/memberships/orgc/idproofs/"+pc.Nonce, caIssued(t, pc.CNPrefix+"--Org C", "Org C"), &rc)
	if !rc.Registered || rc.SelfSigned || rc.OrganizationUnvouched {
		t.Fatalf("orgc result %+v", rc)
	}
	// Eve: the issuer names another organization than the claimed one.
	var re result
	must(t, op, 201, "PUT", apiA+"/memberships/orge/idproofs/"+pe.Nonce, caIssued(t, pe.CNPrefix+"--Org E", "Mallory Trust"), &re)
	if !re.Registered || re.SelfSigned || !re.OrganizationUnvouched {
		t.Fatalf("orge result %+v", re)
	}
	ab, err := reg.AddressBook(ctx)
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[string]bool{}
	for _, e := range ab {
		flagged[e.Membership] = e.OrganizationUnvouched
	}
	if !flagged["/orge"] || flagged["/orgc"] || flagged["/orgb"] {
		t.Fatalf("address book flags %v, want only /orge", flagged)
	}

	// Application credentials.
	var ac struct {
		Username, Password string
	}
	refused(t, op, 403, "POST", envPath(envB.ID)+"/appcreds", map[string]string{"membership_id": "orgb"})
	refused(t, op, 400, "POST", envPath(envA.ID)+"/appcreds", map[string]string{})
	must(t, op, 201, "POST", envPath(envA.ID)+"/appcreds", map[string]string{"membership_id": "orgb"}, &ac)
	app := cred{ac.Username, ac.Password}
	code, listed := call(t, op, "GET", envPath(envA.ID)+"/appcreds", nil)
	if code != 200 || !strings.Contains(string(listed), ac.Username) || strings.Contains(string(listed), ac.Password) || strings.Contains(string(listed), "password") {
		t.Fatalf("list: %d %s", code, listed)
	}
	refused(t, op, 404, "DELETE", envPath(envB.ID)+"/appcreds/"+ac.Username, nil)

	// The registry view shows the Eve flag to an application of environment A.
	var members []struct {
		Name     string
		Identity struct {
			SelfSigned            bool `json:"self_signed"`
			OrganizationUnvouched bool `json:"organization_unvouched"`
		}
	}
	must(t, app, 200, "GET", apiA+"/registry/members", nil, &members)
	for _, m := range members {
		if m.Identity.OrganizationUnvouched != (m.Name == "orge") {
			t.Errorf("registry view: %s organization_unvouched=%v", m.Name, m.Identity.OrganizationUnvouched)
		}
	}
	if len(members) != 3 {
		t.Errorf("registry view lists %d members, want 3", len(members))
	}

	// Credentials of one kind are refused where the other is asked for.
	refused(t, app, 401, "GET", apiA+"/consortia", nil)
	refused(t, op, 401, "GET", apiA+"/credentials", nil)
	refused(t, cred{}, 401, "GET", apiA+"/consortia", nil)
	// Environment A's credential is refused in environment B.
	must(t, app, 200, "GET", a1.url+"/api/v1/credentials", nil, nil)
	must(t, app, 200, "GET", a2.url+"/api/v1/credentials", nil, nil)
	refused(t, app, 401, "GET", b1.url+"/api/v1/credentials", nil)

	// Revoked on A1: refused by A2 within 5 s.
	must(t, op, 204, "DELETE", envPath(envA.ID)+"/appcreds/"+ac.Username, nil, nil)
	refused(t, app, 401, "GET", a1.url+"/api/v1/credentials", nil)
	waitStatus(t, app, a2.url+"/api/v1/credentials", 401, "revoked credential on the second node")

	// Rotated on A1: the old password refused by A2 within 5 s, the new one taken.
	var ac2, rot struct{ Username, Password string }
	must(t, op, 201, "POST", envPath(envA.ID)+"/appcreds", map[string]string{"membership_id": "orgb"}, &ac2)
	old := cred{ac2.Username, ac2.Password}
	must(t, old, 200, "GET", a2.url+"/api/v1/credentials", nil, nil)
	must(t, op, 200, "POST", envPath(envA.ID)+"/appcreds/"+ac2.Username+"/rotate", nil, &rot)
	if rot.Username != ac2.Username || rot.Password == "" || rot.Password == ac2.Password {
		t.Fatalf("rotation answered %+v", rot)
	}
	waitStatus(t, old, a2.url+"/api/v1/credentials", 401, "rotated credential's old password on the second node")
	must(t, cred{rot.Username, rot.Password}, 200, "GET", a2.url+"/api/v1/credentials", nil, nil)

	// Nodes and services reference memberships of their own environment only.
	refused(t, op, 403, "POST", envPath(envB.ID)+"/nodes", map[string]string{"membership_id": "orgb", "name": "n"})
	must(t, op, 201, "POST", envPath(envA.ID)+"/nodes", map[string]string{"membership_id": "orgb", "name": "n1", "rpc_url": "http://127.0.0.1:8545"}, nil)
	refused(t, op, 400, "POST", envPath(envA.ID)+"/services", map[string]string{"membership_id": "orgb", "kind": "ftp"})
	must(t, op, 201, "POST", envPath(envA.ID)+"/services", map[string]string{"membership_id": "orgb", "kind": "documentstore", "name": "ds"}, nil)
	var memberships []struct{ ID string }
	must(t, op, 200, "GET", apiA+"/consortia/"+c.ID+"/memberships", nil, &memberships)
	var ids []string
	for _, m := range memberships {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"orgb", "orgc", "orge"}) {
		t.Fatalf("memberships %v", ids)
	}
}

// TestMountsDocumentedRoutes: the operator routes are the ones the
// OpenAPI document describes under the management tag.
func TestMountsDocumentedRoutes(t *testing.T) {
	n := startNode(t, filepath.Join(t.TempDir(), "m.db"), "e", nil)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(web.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for p, item := range doc.Paths {
		for m, raw := range item {
			var op struct{ Tags []string }
			if json.Unmarshal(raw, &op) == nil && slices.Contains(op.Tags, "management") {
				described[strings.ToUpper(m)+" "+p] = true
			}
		}
	}
	mounted := map[string]bool{}
	for _, r := range n.srv.Routes() {
		m, p, _ := web.OpenAPIOperation(r)
		if strings.HasPrefix(p, "/api/v1/consortia") || strings.HasPrefix(p, "/api/v1/memberships") {
			mounted[strings.ToUpper(m)+" "+p] = true
		}
	}
	for r := range mounted {
		if !described[r] {
			t.Errorf("%s is mounted but not described", r)
		}
	}
	for r := range described {
		if !mounted[r] {
			t.Errorf("%s is described but not mounted", r)
		}
	}
}
