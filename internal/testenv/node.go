package testenv

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RunNode runs `node script` with NODE_PATH=nodePath and env added to
// this process's environment, until the script ends or ctx is done. It
// returns what the script printed on standard output and on standard
// error. The test fails if the script fails, or if node is not installed
// (under `make test`; it is skipped otherwise).
func RunNode(t testing.TB, ctx context.Context, nodePath, script string, env ...string) (stdout []byte, stderr string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if Required() {
			t.Fatal("node is not installed")
		}
		t.Skip("node is not installed")
	}
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), append(env, "NODE_PATH="+nodePath)...)
	var errOut strings.Builder
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, errOut.String())
	}
	return out, errOut.String()
}

// DecodeClientOutput decodes the JSON a socket.io client script printed
// (out) into v. The test fails unless the JSON's "version" is that of a
// socket.io-client of the given major ("2.") and its "error" is empty.
func DecodeClientOutput(t testing.TB, out []byte, major string, v any) {
	t.Helper()
	var head struct {
		Version string `json:"version"`
		Error   string `json:"error"`
	}
	if err := json.Unmarshal(out, &head); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if !strings.HasPrefix(head.Version, major) {
		t.Fatalf("NODE_PATH gave socket.io-client %q", head.Version)
	}
	if head.Error != "" {
		t.Fatalf("client: %s\n%s", head.Error, out)
	}
}
