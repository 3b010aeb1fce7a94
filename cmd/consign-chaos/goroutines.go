package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
)

// goroutineProfile is a node's goroutines grouped by stack, as
// /debug/pprof/goroutine?debug=1 gives them: the stack's frames (function
// names, innermost first) mapped to how many goroutines stand there.
type goroutineProfile map[string]int

// goroutines reads the node's goroutine profile; raw is the text as served.
func (n *nodeProc) goroutines(ctx context.Context) (p goroutineProfile, raw []byte, err error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", n.debug+"/debug/pprof/goroutine?debug=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("goroutine profile of %s: %s", n.name, resp.Status)
	}
	raw, err = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, err
	}
	return parseGoroutines(string(raw)), raw, nil
}

// parseGoroutines reads the debug=1 text: a record is a line "N @ addrs"
// followed by "#\taddr\tfunc+off\tfile:line" frames and ends at a blank
// line. Frames are keyed by function name only, so that the same stack
// reached through different call offsets counts once.
func parseGoroutines(text string) goroutineProfile {
	p := goroutineProfile{}
	var count int
	var frames []string
	flush := func() {
		if count > 0 && len(frames) > 0 {
			p[strings.Join(frames, "\n")] += count
		}
		count, frames = 0, nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "#"):
			f := strings.Fields(line)
			if count > 0 && len(f) >= 3 {
				fn, _, _ := strings.Cut(f[2], "+")
				frames = append(frames, fn)
			}
		default:
			if n, rest, ok := strings.Cut(line, " @ "); ok && rest != "" {
				flush()
				count, _ = strconv.Atoi(n)
			}
		}
	}
	flush()
	return p
}

// stackGrowth is one stack with more goroutines after than before.
type stackGrowth struct {
	stack         string
	before, after int
}

// grownStacks lists the stacks that hold more goroutines in after than in
// before, most grown first.
func grownStacks(before, after goroutineProfile) []stackGrowth {
	var g []stackGrowth
	for s, n := range after {
		if n > before[s] {
			g = append(g, stackGrowth{s, before[s], n})
		}
	}
	slices.SortFunc(g, func(a, b stackGrowth) int {
		return cmp.Or(cmp.Compare(b.after-b.before, a.after-a.before), strings.Compare(a.stack, b.stack))
	})
	return g
}

// headFrames is the first n frames of a stack below the runtime's parking
// frames, joined for a one-line note.
func headFrames(stack string, n int) string {
	var out []string
	for _, f := range strings.Split(stack, "\n") {
		if len(out) == 0 && (strings.HasPrefix(f, "runtime.") || strings.HasPrefix(f, "internal/poll.") || strings.HasPrefix(f, "sync.")) {
			continue
		}
		out = append(out, f)
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, " ← ")
}

// noteGrownGoroutines writes the node's before and after profiles next to
// the report (when there is one) and notes the stacks that grew.
func noteGrownGoroutines(res *Result, out, name string, before, after goroutineProfile, rawBefore, rawAfter []byte) {
	if out != "" {
		_ = os.WriteFile(out+"-"+name+"-goroutines-before.txt", rawBefore, 0o644)
		_ = os.WriteFile(out+"-"+name+"-goroutines-after.txt", rawAfter, 0o644)
	}
	g := grownStacks(before, after)
	res.set(name+"_goroutine_stacks_grown", len(g))
	for i, s := range g {
		if i == 5 {
			break
		}
		res.note("%s: %d → %d goroutines at %s", name, s.before, s.after, headFrames(s.stack, 4))
	}
}
