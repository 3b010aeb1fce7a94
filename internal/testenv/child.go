package testenv

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// Child is the test binary run again as a child process, for tests that
// kill a process in the middle of its work. The package's TestMain (or
// the test run selects) recognises the child by a variable of the
// environment StartChild is given and runs the child side.
type Child struct {
	// Cmd is the running process.
	Cmd *exec.Cmd
	// Stdin is the child's standard input.
	Stdin io.WriteCloser
	// Lines carries the child's standard output, a line at a time; it is
	// closed when the output ends.
	Lines <-chan string

	stderr strings.Builder // read after Wait, which ends the copying
}

// StartChild runs os.Args[0] -test.run=run -test.count=1 with env added
// to this process's environment. When the test ends the child is killed;
// if the test failed, the child's standard error is logged.
func StartChild(t testing.TB, run string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	c := &Child{Cmd: cmd}
	cmd.Stderr = &c.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if c.Stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1<<17)
	c.Lines = lines
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("child %s: standard error:\n%s", run, c.stderr.String())
		}
	})
	return c
}

// Kill stops the child with SIGKILL, waits for it and returns the lines
// of its output that were not read yet.
func (c *Child) Kill() []string {
	_ = c.Cmd.Process.Signal(syscall.SIGKILL)
	var rest []string
	for l := range c.Lines {
		rest = append(rest, l)
	}
	_ = c.Cmd.Wait()
	return rest
}
