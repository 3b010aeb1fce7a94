package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/consign/consign/crypto"
)

// admin runs `consign admin --dev FILE args...` and decodes its JSON
// answer into v (when not nil).
func admin(t *testing.T, devJSON string, v any, args ...string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	if code := run(t.Context(), env, append([]string{"admin", "--dev", devJSON}, args...)); code != 0 {
		t.Fatalf("consign admin %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
	}
	if v != nil {
		if err := json.Unmarshal(out.Bytes(), v); err != nil {
			t.Fatalf("consign admin %s: %v: %s", strings.Join(args, " "), err, out.String())
		}
	}
}

// TestAdminCLIAgainstDev: consign dev creates its consortium and
// environment through the management layer and hands out an operator
// credential; consign admin drives the management API with it, through
// onboarding a new member to its registration on the dev chain, and an
// application credential's life.
func TestAdminCLIAgainstDev(t *testing.T) {
	dir := t.TempDir()
	n, cancel, done := startTestDev(t, dir)
	devJSON := filepath.Join(dir, "dev.json")
	raw, err := os.ReadFile(devJSON)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Operator    struct{ User, Password string }
		Consortium  string
		Environment string
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.Operator.User == "" || f.Operator.Password == "" || f.Consortium == "" {
		t.Fatalf("dev.json: %v: %s", err, raw)
	}
	if uri := n.file.Members[0].Destinations[0].URI; !strings.Contains(uri, "/e/"+f.Environment+"/") {
		t.Fatalf("dev.json environment %q is not the one the demo destinations name", f.Environment)
	}
	var cs []struct{ ID, Name string }
	admin(t, devJSON, &cs, "consortia", "list")
	if len(cs) != 1 || cs[0].ID != f.Consortium {
		t.Fatalf("consortia %+v, want the demo's %s", cs, f.Consortium)
	}
	var es []struct{ ID string }
	admin(t, devJSON, &es, "environments", "list", "--consortium", f.Consortium)
	if len(es) != 1 || es[0].ID != f.Environment {
		t.Fatalf("environments %+v, want %s", es, f.Environment)
	}

	// Onboarding: invite, accept, request a proof, upload it: registered.
	var inv struct{ Token string }
	admin(t, devJSON, &inv, "invitations", "create", "--consortium", f.Consortium, "--env", f.Environment, "--org", "Hooli")
	k, _ := ethcrypto.GenerateKey()
	admin(t, devJSON, nil, "invitations", "accept", "--consortium", f.Consortium, "--token", inv.Token,
		"--membership", "hooli", "--owner", ethcrypto.PubkeyToAddress(k.PublicKey).Hex())
	var pr struct {
		Nonce    string `json:"nonce"`
		CNPrefix string `json:"cn_prefix"`
	}
	admin(t, devJSON, &pr, "idproofs", "request", "--membership", "hooli")
	key, _ := crypto.GenerateKey(crypto.P256)
	cert, err := crypto.SelfSign(key, pr.CNPrefix+"--Hooli", time.Now().Add(-time.Minute), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	chainFile := filepath.Join(dir, "hooli.pem")
	os.WriteFile(chainFile, crypto.MarshalCertificatePEM(cert), 0o600)
	var res struct {
		Registered bool `json:"registered"`
		SelfSigned bool `json:"self_signed"`
	}
	admin(t, devJSON, &res, "idproofs", "upload", "--membership", "hooli", "--nonce", pr.Nonce, "--chain", chainFile)
	if !res.Registered || !res.SelfSigned {
		t.Fatalf("upload: %+v", res)
	}
	if _, err := n.registry.Member(t.Context(), "hooli"); err != nil {
		t.Fatalf("hooli is not in the dev registry: %v", err)
	}

	// An application credential: works, is listed without its password,
	// rotated, revoked.
	var ac struct{ Username, Password string }
	admin(t, devJSON, &ac, "appcreds", "create", "--consortium", f.Consortium, "--env", f.Environment, "--membership", "hooli")
	url := n.file.APIURL + "/credentials"
	if code, body := get(t, url, ac.Username, ac.Password); code != http.StatusOK {
		t.Fatalf("new appcred: %d %s", code, body)
	}
	var list []map[string]any
	admin(t, devJSON, &list, "appcreds", "list", "--consortium", f.Consortium, "--env", f.Environment)
	found := false
	for _, c := range list {
		if _, ok := c["password"]; ok {
			t.Fatalf("list shows a password: %v", c)
		}
		found = found || c["username"] == ac.Username
	}
	if !found {
		t.Fatalf("list %v lacks %s", list, ac.Username)
	}
	var rot struct{ Username, Password string }
	admin(t, devJSON, &rot, "appcreds", "rotate", "--consortium", f.Consortium, "--env", f.Environment, ac.Username)
	if code, _ := get(t, url, ac.Username, ac.Password); code != http.StatusUnauthorized {
		t.Fatalf("old password after rotation: %d", code)
	}
	admin(t, devJSON, nil, "appcreds", "revoke", "--consortium", f.Consortium, "--env", f.Environment, ac.Username)
	if code, _ := get(t, url, rot.Username, rot.Password); code != http.StatusUnauthorized {
		t.Fatalf("revoked credential: %d", code)
	}
	stopTestDev(t, cancel, done)

	// A restart keeps the consortium, the environment and the operator credential.
	n2, cancel2, done2 := startTestDev(t, dir)
	defer stopTestDev(t, cancel2, done2)
	if n2.file.Consortium != f.Consortium || n2.file.Environment != f.Environment || n2.file.Operator.User != f.Operator.User {
		t.Fatalf("after a restart: %+v", n2.file)
	}
	admin(t, devJSON, &cs, "consortia", "list")
	if len(cs) != 1 {
		t.Fatalf("consortia after a restart: %+v", cs)
	}
}

// TestCredentialOperator: consign credential --operator issues, lists and
// revokes operator credentials, which are not application credentials.
func TestCredentialOperator(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeConfig(t, goodYAML+"data_dir: "+dir+"\n")
	cli := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(t.Context(), &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}, args); code != 0 {
			t.Fatalf("consign %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String()
	}
	var op struct{ User, Password string }
	if err := json.Unmarshal([]byte(cli("credential", "create", "--operator", "--config", cfgPath)), &op); err != nil || op.User == "" || op.Password == "" {
		t.Fatalf("create: %v %+v", err, op)
	}
	if list := cli("credential", "list", "--operator", "--config", cfgPath); !strings.Contains(list, op.User) {
		t.Fatalf("operator list %s lacks %s", list, op.User)
	}
	if list := cli("credential", "list", "--config", cfgPath); strings.Contains(list, op.User) {
		t.Fatalf("the application credentials list the operator: %s", list)
	}
	cfg, err := loadNodeConfig(cfgPath, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	db, _, apps, err := openMetadata(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apps.Verify(t.Context(), op.User, op.Password); err == nil {
		t.Fatal("an operator credential verifies as an application credential")
	}
	ops, err := openOperators(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ops.Verify(t.Context(), op.User, op.Password); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cli("credential", "revoke", "--operator", "--config", cfgPath, op.User)
	if list := cli("credential", "list", "--operator", "--config", cfgPath); strings.Contains(list, op.User) {
		t.Fatalf("revoked operator still listed: %s", list)
	}
}
