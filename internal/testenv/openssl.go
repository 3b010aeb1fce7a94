package testenv

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// OpensslVerify checks with `openssl dgst -sha256 -verify` that sigB64
// (base64) is a signature of message by the key of certPEM, and that it
// does not verify for another message: the check a third party makes of
// a transfer hash's sender or recipient signature. Without openssl the
// test fails under `make test` and logs that the check was not made
// otherwise.
func OpensslVerify(t testing.TB, certPEM []byte, message, sigB64 string) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if Required() {
			t.Fatal("openssl is not installed; make test checks signatures with it")
		}
		t.Log("openssl not installed; skipping its check")
		return
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil || len(sig) == 0 {
		t.Fatalf("signature %q is not base64: %v", sigB64, err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert, msg, sigFile := write("cert.pem", certPEM), write("msg.txt", []byte(message)), write("sig.bin", sig)
	pub, err := exec.Command("openssl", "x509", "-in", cert, "-pubkey", "-noout").Output()
	if err != nil {
		t.Fatalf("openssl x509 -pubkey: %v", err)
	}
	pubFile := write("pub.pem", pub)
	if out, err := exec.Command("openssl", "dgst", "-sha256", "-verify", pubFile, "-signature", sigFile, msg).CombinedOutput(); err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Fatalf("openssl dgst -verify: %v: %s", err, out)
	}
	other := write("other.txt", []byte(strings.Repeat("0", 64)))
	if out, err := exec.Command("openssl", "dgst", "-sha256", "-verify", pubFile, "-signature", sigFile, other).CombinedOutput(); err == nil {
		t.Fatalf("openssl verified the signature for another message: %s", out)
	}
}
