package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), &cliEnv{stdin: bytes.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestCryptoCommands(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, k := range []struct{ name, alg string }{{"alice", "p256"}, {"bob", "rsa2048"}, {"eve", "ed25519"}} {
		if code, _, errs := runCLI(t, nil, "keygen", "--cn", k.name, "--alg", k.alg, "--key-out", p(k.name+".key"), "--cert-out", p(k.name+".crt")); code != 0 {
			t.Fatalf("keygen %s: %s", k.name, errs)
		}
	}
	plain := make([]byte, 300_000)
	rand.Read(plain)
	os.WriteFile(p("plain"), plain, 0o600)

	if code, _, errs := runCLI(t, nil, "seal", "--to", p("bob.crt"), "--to", p("eve.crt"), "--sign", p("alice.key"), "--cert", p("alice.crt"), p("plain"), p("env")); code != 0 {
		t.Fatalf("seal: %s", errs)
	}
	for _, who := range []string{"bob", "eve"} {
		code, out, errs := runCLI(t, nil, "open", "--key", p(who+".key"), "--from", p("alice.crt"), p("env"))
		if code != 0 || out != string(plain) {
			t.Fatalf("open as %s: code %d, %s", who, code, errs)
		}
	}
	env, _ := os.ReadFile(p("env"))
	// stdin to stdout, without --from: works, with a warning.
	code, out, errs := runCLI(t, env, "open", "--key", p("bob.key"))
	if code != 0 || out != string(plain) || !strings.Contains(errs, "not verified") {
		t.Fatalf("open from stdin: code %d, stderr %q", code, errs)
	}

	failures := []struct {
		name  string
		stdin []byte
		args  []string
		want  string
	}{
		{"wrong key", nil, []string{"open", "--key", p("alice.key"), p("env"), p("out1")}, "not a recipient"},
		{"wrong sender", nil, []string{"open", "--key", p("bob.key"), "--from", p("eve.crt"), p("env"), p("out2")}, "unexpected key"},
		{"tampered", append(bytes.Clone(env[:len(env)-10]), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), []string{"open", "--key", p("bob.key"), "-", p("out3")}, "authentication failed"},
		{"truncated", env[:len(env)/2], []string{"open", "--key", p("bob.key"), "-", p("out4")}, "truncated"},
		{"no recipients", nil, []string{"seal", p("plain")}, "--to"},
		{"key/cert mismatch", nil, []string{"seal", "--to", p("bob.crt"), "--sign", p("alice.key"), "--cert", p("bob.crt"), p("plain")}, "does not belong"},
		{"idproof bad args", nil, []string{"idproof", "verify", "--chain", p("bob.crt")}, "required"},
		{"idproof wrong env", nil, []string{"idproof", "verify", "--chain", "../../testdata/crypto/vectors/idproof-good-ca-chain.txt", "--env", "other", "--nonce", "nonce42"}, "another environment"},
	}
	for _, f := range failures {
		code, _, errs := runCLI(t, f.stdin, f.args...)
		if code == 0 || !strings.Contains(errs, f.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s: code %d, stderr %q (want one line containing %q)", f.name, code, errs, f.want)
		}
	}
	for _, n := range []string{"out1", "out2", "out3", "out4"} {
		if _, err := os.Stat(p(n)); !os.IsNotExist(err) {
			t.Errorf("%s exists after a failed open", n)
		}
	}
	code, out, errs = runCLI(t, nil, "idproof", "verify", "--chain", "../../testdata/crypto/vectors/idproof-good-ca-chain.txt", "--env", "zzenv1", "--nonce", "nonce42")
	if code != 0 || !strings.Contains(out, "Acme Corp") {
		t.Fatalf("idproof: %d %s %s", code, out, errs)
	}
}
