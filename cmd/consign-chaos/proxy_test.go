package main

import (
	"bufio"
	"io"
	"math"
	"net"
	"testing"
	"time"
)

// echoServer answers every line with itself.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, r *bufio.Reader, s string) (string, error) {
	if _, err := c.Write([]byte(s + "\n")); err != nil {
		return "", err
	}
	return r.ReadString('\n')
}

// TestFaultProxy: bytes pass in pass and delay modes; a stall holds them
// until the mode changes, then they arrive; cut ends the connections open
// and refuses new ones until the proxy passes again.
func TestFaultProxy(t *testing.T) {
	p, err := newFaultProxy(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	c, err := net.Dial("tcp", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got, err := roundTrip(c, r, "one"); err != nil || got != "one\n" {
		t.Fatalf("pass: %q %v", got, err)
	}
	p.set(modeDelay, time.Millisecond)
	if got, err := roundTrip(c, r, "two"); err != nil || got != "two\n" {
		t.Fatalf("delay: %q %v", got, err)
	}
	p.set(modeStall, 0)
	got := make(chan string, 1)
	go func() { s, _ := roundTrip(c, r, "three"); got <- s }()
	p.set(modePass, 0) // whenever the bytes were held, they flow now
	if s := <-got; s != "three\n" {
		t.Fatalf("after a stall: %q", s)
	}
	p.set(modeCut, 0)
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("a cut connection still reads")
	}
	c2, err := net.Dial("tcp", p.addr())
	if err == nil {
		c2.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c2.Read(make([]byte, 1)); err == nil {
			t.Fatal("a new connection during a cut got bytes")
		}
		c2.Close()
	}
	p.set(modePass, 0)
	c3, err := net.Dial("tcp", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if got, err := roundTrip(c3, bufio.NewReader(c3), "four"); err != nil || got != "four\n" {
		t.Fatalf("pass again: %q %v", got, err)
	}
}

func TestSlope(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4}
	ys := []float64{10, 12, 14, 16, 18}
	if s := slope(xs, ys); math.Abs(s-2) > 1e-9 {
		t.Fatalf("slope %v, want 2", s)
	}
	if s := slope([]float64{1}, []float64{5}); s != 0 {
		t.Fatalf("one point: %v", s)
	}
}

func TestContentIsDeterministic(t *testing.T) {
	h1, h2, h3 := contentHash(7, 100000), contentHash(7, 100000), contentHash(8, 100000)
	if h1 != h2 || h1 == h3 {
		t.Fatal("content must depend on its seed only")
	}
	b, _ := io.ReadAll(content(3, 12345))
	if len(b) != 12345 {
		t.Fatalf("%d bytes", len(b))
	}
}
