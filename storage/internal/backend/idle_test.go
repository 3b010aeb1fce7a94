package backend

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// A server that reads the request and then never answers: the client
// fails with a timeout instead of waiting for ever, while a server that
// answers slowly but steadily is waited for.
func TestIdleClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var (
		mu      sync.Mutex
		stalled []net.Conn // read nothing, answer nothing
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			stalled = append(stalled, c)
			mu.Unlock()
		}
	}()
	defer func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range stalled {
			c.Close()
		}
	}()
	cl := IdleClient(200 * time.Millisecond)
	_, err = cl.Post("http://"+ln.Addr().String()+"/", "text/plain", strings.NewReader("hello"))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("stalled server: %v, want a deadline error", err)
	}

	// Steady: one byte every 50 ms for two seconds, twice the idle limit.
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 40 {
			_, _ = w.Write([]byte("x"))
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	})}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln2) }()
	defer srv.Close()
	resp, err := IdleClient(time.Second).Get("http://" + ln2.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || len(b) != 40 {
		t.Fatalf("steady server: %d bytes, %v", len(b), err)
	}
}
