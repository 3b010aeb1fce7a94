package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// testContext is cancelled when t ends, or shortly before the deadline of
// `go test -timeout`, so that a wait that never ends fails the test with
// its own message instead of the binary's timeout panic. Tests bound their
// waits with it rather than with a fixed duration, which a loaded machine
// can exceed.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx := t.Context()
	d, ok := t.Deadline()
	if !ok {
		return ctx
	}
	ctx, cancel := context.WithDeadline(ctx, d.Add(-30*time.Second))
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls check until it reports done, and fails t with what and the
// last state check described if ctx ends first.
func waitFor(t *testing.T, ctx context.Context, what string, check func() (done bool, state string)) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		done, state := check()
		if done {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v; last seen: %s", what, ctx.Err(), state)
		case <-tick.C:
		}
	}
}

// waitReady waits until base/readyz answers 200: its probes each have a
// time limit that a loaded machine can exceed on a first call.
func waitReady(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	waitFor(t, ctx, "GET "+base+"/readyz", func() (bool, string) {
		code, body := get(t, base+"/readyz", "", "")
		return code == http.StatusOK, body
	})
}

func get(t *testing.T, url, user, password string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
