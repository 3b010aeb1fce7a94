package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/evidence"
	"github.com/consign/consign/internal/testenv"
)

// TestEvidenceBundleOnRealChain transfers a document between two member
// nodes on the real Kafka and geth of `make testenv`, exports the
// transfer's evidence bundle with `consign evidence export`, and checks
// that `consign evidence verify --rpc` accepts it; that changing one
// byte of any of its files, or swapping a certificate, makes verify fail
// with the reason; that a chain without the pin (a fresh simulated
// chain, and a second geth --dev) fails it; and that the openssl steps of
// docs/evidence.md pass on it.
func TestEvidenceBundleOnRealChain(t *testing.T) {
	ctx := testContext(t)
	rc := newRealChain(t, ctx)
	var nodes []*serveNode
	for _, org := range []string{"Alpha Trading", "Beta Shipping"} {
		member := strings.ToLower(org[:1]) + randomHex(5)
		key := rc.member(t, ctx, member, org)
		cfg := rc.nodeConfig(t, t.TempDir(), member, key, fmt.Sprintf("  kind: local\n  local: {root: %q}", t.TempDir()))
		nodes = append(nodes, startServeNode(t, ctx, cfg))
	}
	a, b := nodes[0], nodes[1]
	from, to := a.destination(t, "docs"), b.destination(t, "docs")
	if code, body := upload(t, a.base+"/api/v1/documents/out/contract.pdf", a.user, a.pass, "contract.pdf", "the signed contract\n"); code != http.StatusOK {
		t.Fatalf("upload: %d %s", code, body)
	}
	code, body := a.call(t, "POST", "/api/v1/transfers", fmt.Sprintf(`{"from":%q,"to":%q,"document":"/out/contract.pdf"}`, from, to))
	var sent struct {
		ID string `json:"transfer_id"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &sent) != nil || sent.ID == "" {
		t.Fatalf("POST /transfers: %d %s", code, body)
	}
	var rec struct{ Status, TransferHash string }
	waitFor(t, ctx, "the transfer acknowledged", func() (bool, string) {
		code, body := a.call(t, "GET", "/api/v1/transfers/"+sent.ID, "")
		_ = json.Unmarshal(body, &rec)
		return code == 200 && rec.Status == "received", fmt.Sprintf("%d %s", code, body)
	})
	a.waitPinned(t, ctx, rec.TransferHash)

	// Before the export: an unknown id is a clear 404, and others' transfers are not visible.
	if code, body := a.call(t, "GET", "/api/v1/transfers/00000000-0000-4000-8000-000000000000/evidence", ""); code != http.StatusNotFound {
		t.Errorf("evidence of an unknown transfer: %d %s", code, body)
	}

	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(a.pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "evidence.tar")
	if out, code := consignCLI(t, ctx, "evidence", "export", "--url", a.base, "--user", a.user, "--password-file", pwFile, "-o", bundle, sent.ID); code != 0 {
		t.Fatalf("consign evidence export: exit %d\n%s", code, out)
	}
	// The recipient's node exports its side too.
	bundleB := filepath.Join(dir, "evidence-b.tar")
	os.Setenv("CONSIGN_PASSWORD", b.pass)
	t.Cleanup(func() { os.Unsetenv("CONSIGN_PASSWORD") })
	if out, code := consignCLI(t, ctx, "evidence", "export", "--url", b.base+"/api/v1", "--user", b.user, "-o", bundleB, sent.ID); code != 0 {
		t.Fatalf("consign evidence export (recipient): exit %d\n%s", code, out)
	}

	for _, f := range []string{bundle, bundleB} {
		out, code := consignCLI(t, ctx, "evidence", "verify", f, "--rpc", rc.rpc)
		if code != 0 || !strings.Contains(out, "VERDICT: VERIFIED") {
			t.Fatalf("verify %s --rpc: exit %d\n%s", filepath.Base(f), code, out)
		}
		t.Logf("consign evidence verify %s --rpc:\n%s", filepath.Base(f), out)
		for _, want := range []string{"PASS  pin transfer-hash (online)", "PASS  receipt (recipient signature)", "PASS  manifest",
			"PASS  sender registry entry (online)", "PASS  recipient registry entry (online)", "the sender member's registered owner"} {
			if !strings.Contains(out, want) {
				t.Errorf("verify %s: no %q in\n%s", filepath.Base(f), want, out)
			}
		}
	}
	files := readTar(t, bundle)

	// One byte changed in any file: verify (offline) fails, naming why.
	for _, name := range sortedKeys(files) {
		data := files[name]
		for _, at := range []int{0, len(data) / 2, len(data) - 1} {
			mod := cloneFiles(files)
			c := append([]byte(nil), data...)
			c[at] ^= 0x01
			mod[name] = c
			rep := verifyFiles(t, ctx, mod, evidence.VerifyOptions{})
			if rep.OK() {
				t.Errorf("%s with byte %d flipped verifies", name, at)
				continue
			}
			if name != evidence.FileIndex && name != evidence.FileIndexSig && !failureMentions(rep, name) {
				t.Errorf("%s with byte %d flipped: the failures do not name the file: %v", name, at, rep.Failures())
			}
		}
	}

	// A swapped certificate, with the index fixed up to match: the
	// signatures made with the real key no longer verify.
	mod := cloneFiles(files)
	mod[evidence.PartyFile(evidence.Recipient, "certificate.pem")] = files[evidence.PartyFile(evidence.Sender, "certificate.pem")]
	fixIndex(t, mod)
	rep := verifyFiles(t, ctx, mod, evidence.VerifyOptions{})
	if rep.OK() || !failureNamed(rep, "receipt (recipient signature)") || !failureNamed(rep, "index signature") {
		t.Errorf("a swapped recipient certificate: failures %v", rep.Failures())
	}

	// A chain where the pin is absent: a fresh simulated chain...
	dc, err := chain.StartDev(ctx, chain.DevConfig{EnvironmentID: "evidence"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	rep = verifyFiles(t, ctx, files, evidence.VerifyOptions{Chain: dc.Backend})
	if rep.OK() || !failureNamed(rep, "pin transfer-hash (online)") {
		t.Errorf("verify against a fresh simulated chain: failures %v", rep.Failures())
	}
	// ... and a second geth --dev, through the command line.
	other := startDevGeth(t, ctx)
	out, code := consignCLI(t, ctx, "evidence", "verify", bundle, "--rpc", other)
	if code == 0 || !strings.Contains(out, "the pin is not on this chain") {
		t.Errorf("verify --rpc <another geth>: exit %d\n%s", code, out)
	}
	t.Logf("consign evidence verify --rpc <another geth>: exit %d\n%s", code, out)

	// docs/evidence.md's openssl steps, run with the system openssl.
	runDocSteps(t, ctx, bundle, rc.rpc)
}

// consignCLI runs a consign command in-process and returns its output
// (stdout then stderr) and exit code.
func consignCLI(t *testing.T, ctx context.Context, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}, args)
	return out.String() + errOut.String(), code
}

func readTar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
	for _, want := range []string{evidence.FileIndex, evidence.FileIndexSig, evidence.FileTransfer, evidence.FileManifest,
		evidence.FileRecipientSig, evidence.FileChain, evidence.FileTimeline,
		evidence.PinFile(evidence.PinTransfer, "block-header.json"), evidence.PartyFile(evidence.Recipient, "identity-chain.pem")} {
		if files[want] == nil {
			t.Fatalf("the bundle has no %s; it has %v", want, sortedKeys(files))
		}
	}
	return files
}

func writeTar(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := sortedKeys(files)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[n])
	}
	tw.Close()
	return buf.Bytes()
}

func verifyFiles(t *testing.T, ctx context.Context, files map[string][]byte, opts evidence.VerifyOptions) *evidence.Report {
	t.Helper()
	rep, err := evidence.Verify(ctx, bytes.NewReader(writeTar(t, files)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// fixIndex rewrites index.json's sizes and hashes to match files (not its signature).
func fixIndex(t *testing.T, files map[string][]byte) {
	t.Helper()
	var idx evidence.Index
	if err := json.Unmarshal(files[evidence.FileIndex], &idx); err != nil {
		t.Fatal(err)
	}
	for i, f := range idx.Files {
		sum := sha256.Sum256(files[f.Name])
		idx.Files[i].SHA256, idx.Files[i].Size = hex.EncodeToString(sum[:]), int64(len(files[f.Name]))
	}
	b, _ := json.MarshalIndent(idx, "", "  ")
	files[evidence.FileIndex] = append(b, '\n')
}

func cloneFiles(m map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func sortedKeys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func failureNamed(r *evidence.Report, name string) bool {
	for _, c := range r.Failures() {
		if c.Name == name {
			return true
		}
	}
	return false
}

func failureMentions(r *evidence.Report, s string) bool {
	for _, c := range r.Failures() {
		if strings.Contains(c.Name+": "+c.Detail, s) {
			return true
		}
	}
	return false
}

// startDevGeth starts a geth --dev of the test's own (the built geth of
// `make testenv`) on a free port and returns its JSON-RPC URL.
func startDevGeth(t *testing.T, ctx context.Context) string {
	t.Helper()
	bin := filepath.Join(testenv.Get(t, testenv.ToolsBin), "geth")
	port := freePort(t)
	cmd := exec.Command(bin, "--dev", "--dev.period", "0", "--http", "--http.addr", "127.0.0.1", "--http.port", fmt.Sprint(port),
		"--http.api", "eth,net,web3", "--ipcdisable", "--nat", "none", "--port", "0", "--authrpc.port", fmt.Sprint(freePort(t)),
		"--verbosity", "1")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, ctx, "a second geth --dev answering", func() (bool, string) {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`))
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})
	return url
}

// runDocSteps runs the shell blocks of docs/evidence.md marked
// "sh verify" in a folder holding the bundle, with RPC set to the chain.
func runDocSteps(t *testing.T, ctx context.Context, bundle, rpcURL string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "evidence.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh verify\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) < 4 {
		t.Fatalf("docs/evidence.md has %d \"sh verify\" blocks, want the steps", len(blocks))
	}
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	for _, b := range blocks {
		script.Write(b[1])
	}
	script.WriteString("echo ALL-STEPS-PASSED\n")
	work := t.TempDir()
	if err := os.Link(bundle, filepath.Join(work, "evidence.tar")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "RPC="+rpcURL)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ALL-STEPS-PASSED") {
		t.Fatalf("the steps of docs/evidence.md failed: %v\n%s", err, out)
	}
	t.Logf("docs/evidence.md steps:\n%s", out)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
