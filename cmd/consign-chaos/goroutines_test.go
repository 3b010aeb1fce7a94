package main

import "testing"

const profileBefore = `goroutine profile: total 3
2 @ 0x1 0x2 0x3
#	0x1	runtime.gopark+0x12	/go/src/runtime/proc.go:1
#	0x2	net/http.(*persistConn).readLoop+0x40	/go/src/net/http/transport.go:2
#	0x3	runtime.goexit+0x1	/go/src/runtime/asm.s:3

1 @ 0x1 0x4
#	0x1	runtime.gopark+0x12	/go/src/runtime/proc.go:1
#	0x4	main.main+0x8	/app/main.go:9
`

const profileAfter = `goroutine profile: total 6
3 @ 0x1 0x2 0x3
#	0x1	runtime.gopark+0x12	/go/src/runtime/proc.go:1
#	0x2	net/http.(*persistConn).readLoop+0x40	/go/src/net/http/transport.go:2
#	0x3	runtime.goexit+0x1	/go/src/runtime/asm.s:3

1 @ 0x1 0x9 0x3
#	0x1	runtime.gopark+0x18	/go/src/runtime/proc.go:1
#	0x9	net/http.(*persistConn).readLoop+0x44	/go/src/net/http/transport.go:2
#	0x3	runtime.goexit+0x1	/go/src/runtime/asm.s:3

1 @ 0x1 0x4
#	0x1	runtime.gopark+0x12	/go/src/runtime/proc.go:1
#	0x4	main.main+0x8	/app/main.go:9

1 @ 0x1 0x5
#	0x1	runtime.gopark+0x12	/go/src/runtime/proc.go:1
#	0x5	main.worker+0x8	/app/main.go:20
`

func TestGrownStacks(t *testing.T) {
	before, after := parseGoroutines(profileBefore), parseGoroutines(profileAfter)
	if len(before) != 2 || len(after) != 3 {
		t.Fatalf("parsed %d and %d stacks, want 2 and 3: %v %v", len(before), len(after), before, after)
	}
	g := grownStacks(before, after)
	if len(g) != 2 {
		t.Fatalf("grown stacks: %+v", g)
	}
	// The two readLoop records differ only in offsets: one stack, 2 → 4.
	if g[0].before != 2 || g[0].after != 4 || headFrames(g[0].stack, 2) != "net/http.(*persistConn).readLoop ← runtime.goexit" {
		t.Errorf("first grown stack %+v (%q)", g[0], headFrames(g[0].stack, 2))
	}
	if g[1].before != 0 || g[1].after != 1 || headFrames(g[1].stack, 4) != "main.worker" {
		t.Errorf("second grown stack %+v", g[1])
	}
}
