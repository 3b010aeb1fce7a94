package s3_test

import (
	"bytes"
	"errors"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/s3"
	"github.com/consign/consign/storage/storagetest/stores"
)

// TestStalledServer puts a proxy in front of the S3 server that stops
// forwarding: a Put through it fails with a deadline error once the SDK's
// retries are spent, instead of hanging for as long as the socket lives;
// nothing of it is listed, and once the server moves again so does the
// store.
func TestStalledServer(t *testing.T) {
	cfg := stores.S3Config(t)
	direct := stores.NewS3(t, cfg) // creates the bucket
	cfg.Bucket = bucketFromStore(t, direct)
	p := newStallProxy(t, cfg.Endpoint)
	cfg.Endpoint, cfg.IdleTimeout = p.url, 300*time.Millisecond
	s, err := s3.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p.stall(true)
	_, err = s.Put(ctx, "stalled.bin", bytes.NewReader(make([]byte, 64<<10)))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Put through a stalled server: %v, want a deadline error", err)
	}
	p.stall(false)
	if _, err := s.Put(ctx, "after.bin", bytes.NewReader([]byte("moving again"))); err != nil {
		t.Fatalf("Put once the server moves again: %v", err)
	}
	page, err := direct.List(ctx, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 1 || page.Objects[0].Key != "after.bin" {
		t.Errorf("listed %+v, want after.bin alone", page.Objects)
	}
}

// stallProxy forwards TCP to a server until told to stall; then it holds
// every byte in both directions, and drops them with their connection
// when told to go on (a route that went dead: nothing held arrives late).
type stallProxy struct {
	url    string
	target string
	mu     sync.Mutex
	moving *sync.Cond
	halted bool
}

func newStallProxy(t *testing.T, endpoint string) *stallProxy {
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{url: "http://" + ln.Addr().String(), target: u.Host}
	p.moving = sync.NewCond(&p.mu)
	var conns sync.Map
	t.Cleanup(func() {
		ln.Close()
		p.stall(false)
		conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			conns.Store(c, true)
			conns.Store(u, true)
			go p.pipe(u, c)
			go p.pipe(c, u)
		}
	}()
	return p
}

func (p *stallProxy) stall(on bool) {
	p.mu.Lock()
	p.halted = on
	p.mu.Unlock()
	p.moving.Broadcast()
}

func (p *stallProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			held := p.halted
			for p.halted {
				p.moving.Wait()
			}
			p.mu.Unlock()
			if held {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
