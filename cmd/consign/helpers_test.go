package main

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/consign/consign/internal/testenv"
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

// request makes an HTTP request, as user when user is not empty, and
// returns the status and the body.
func request(t *testing.T, method, url, user, password, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, b := testenv.Do(t, req)
	return resp.StatusCode, b
}

func get(t *testing.T, url, user, password string) (int, string) {
	t.Helper()
	code, b := request(t, "GET", url, user, password, "", nil)
	return code, string(b)
}

// upload PUTs content to url as the multipart form field "document"
// named name, as user, and returns the status and the answer.
func upload(t *testing.T, url, user, password, name, content string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("document", name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, content)
	mw.Close()
	code, b := request(t, "PUT", url, user, password, mw.FormDataContentType(), &body)
	return code, string(b)
}
