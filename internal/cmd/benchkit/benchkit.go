// Package benchkit is what the benchmark programs under internal/cmd share:
// how a program reports a failure, names its scratch resources, measures
// heap growth, and runs its Node client scripts. It is for those programs
// only.
package benchkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/consign/consign/storage/storagetest"
)

// Exit prints "program: err" to standard error and exits with status 1 when
// err is not nil; it returns otherwise.
func Exit(program string, err error) {
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", program, err)
	os.Exit(1)
}

// RandomName is a fresh name for a scratch bucket, container or topic:
// "consign-bench-" and twelve hex digits.
func RandomName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "consign-bench-" + hex.EncodeToString(b[:])
}

// Heap samples the heap in use from Start until Stop.
type Heap struct{ s *storagetest.HeapSampler }

// StartHeap collects garbage, records the heap in use as the base and
// samples it every few milliseconds until Stop.
func StartHeap() Heap { return Heap{storagetest.StartHeapSampler()} }

// StopMiB ends sampling and returns the peak growth over the base, in MiB.
func (h Heap) StopMiB() float64 {
	base, peak := h.s.Stop()
	return float64(peak-base) / (1 << 20)
}

// NodeFlags defines the flags of a program that runs a Node client
// script: -modules, the node_modules folder holding socket.io-client 4.x
// ($CONSIGN_TEST_SIO4_MODULES by default), and -script, the client script
// (defaultScript by default).
func NodeFlags(defaultScript string) (modules, script *string) {
	modules = flag.String("modules", os.Getenv("CONSIGN_TEST_SIO4_MODULES"), "node_modules with socket.io-client 4.x")
	script = flag.String("script", defaultScript, "the Node client script")
	return modules, script
}

// NodeClient is a running Node client script.
type NodeClient struct {
	Cmd    *exec.Cmd
	Stdin  io.WriteCloser
	Stdout io.ReadCloser
}

// StartNode runs "node script" with NODE_PATH=modules and env added to
// this program's environment, its standard error going to this program's.
// The process is killed when ctx is done.
func StartNode(ctx context.Context, modules, script string, env ...string) (*NodeClient, error) {
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Env = append(append(os.Environ(), "NODE_PATH="+modules), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &NodeClient{Cmd: cmd, Stdin: stdin, Stdout: stdout}, nil
}
