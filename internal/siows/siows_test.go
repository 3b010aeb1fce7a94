package siows

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// An upgraded connection's reads wait until the wrapped handler returned,
// and the writer lets go of net/http's after the hijack.
func TestHandlerHoldsReadsUntilServed(t *testing.T) {
	var readBeforeReturn atomic.Bool
	returned := make(chan struct{})
	got := make(chan string, 1)
	srv := httptest.NewServer(Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		if _, _, err := w.(http.Hijacker).Hijack(); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("second Hijack: %v", err)
		}
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("Write after Hijack: %v", err)
		}
		w.Header().Set("X-After", "1") // harmless
		if brw.Reader.Buffered() != 0 {
			t.Error("bytes buffered before the upgrade completed")
		}
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		go func() {
			defer c.Close()
			b := make([]byte, 5)
			_, err := io.ReadFull(c, b)
			select {
			case <-returned:
			default:
				readBeforeReturn.Store(true)
			}
			if err != nil {
				t.Error(err)
			}
			got <- string(b)
		}()
		// The client writes as soon as it sees the 101; wait until those
		// bytes reached this side of the socket (they are what a fast
		// client's first packet is) before returning.
		waitReadable(t, c)
		close(returned)
	})))
	defer srv.Close()

	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_, _ = io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	_, _ = io.WriteString(nc, "hello")
	if s := <-got; s != "hello" {
		t.Fatalf("read %q", s)
	}
	if readBeforeReturn.Load() {
		t.Fatal("the connection was read before the handler returned")
	}
}

// waitReadable returns once c has bytes to read, without consuming them
// (through the underlying connection, which the gate does not hold).
func waitReadable(t *testing.T, c net.Conn) {
	t.Helper()
	sc, ok := c.(*conn).Conn.(syscallConn)
	if !ok {
		t.Fatal("no syscall.Conn")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Read(func(fd uintptr) bool { return peek(fd) }); err != nil {
		t.Fatal(err)
	}
}

func TestHandlerPassesOtherRequests(t *testing.T) {
	srv := httptest.NewServer(Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(*writer); ok {
			t.Error("a plain request got the upgrade writer")
		}
		_, _ = io.WriteString(w, "ok")
	})))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "ok" {
		t.Fatalf("body %q", b)
	}
}
