package main

import (
	"io"
	"net"
	"sync"
	"time"
)

// proxyMode is what the fault proxy does to the connections through it.
type proxyMode int

const (
	modePass  proxyMode = iota // forward
	modeDelay                  // forward, sleeping before each chunk
	modeStall                  // accept, then forward nothing
	modeCut                    // close every connection, new ones at once
)

func (m proxyMode) String() string {
	return [...]string{"pass", "delay", "stall", "cut"}[m]
}

// faultProxy is a TCP proxy in front of a server that can delay, stall or
// cut what goes through it.
type faultProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	mode   proxyMode
	delay  time.Duration
	conns  map[net.Conn]bool
	change chan struct{} // closed when the mode changes
	wg     sync.WaitGroup
}

func newFaultProxy(target string) (*faultProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &faultProxy{ln: ln, target: target, conns: map[net.Conn]bool{}, change: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

// set switches the mode; cut and stall also end the connections open now.
func (p *faultProxy) set(m proxyMode, delay time.Duration) {
	p.mu.Lock()
	p.mode, p.delay = m, delay
	close(p.change)
	p.change = make(chan struct{})
	var drop []net.Conn
	if m == modeCut || m == modeStall {
		for c := range p.conns {
			drop = append(drop, c)
		}
	}
	p.mu.Unlock()
	if m == modeCut {
		for _, c := range drop {
			c.Close()
		}
	}
}

func (p *faultProxy) state() (proxyMode, time.Duration, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.delay, p.change
}

func (p *faultProxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

func (p *faultProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if m, _, _ := p.state(); m == modeCut {
			c.Close()
			continue
		}
		go p.serve(c)
	}
}

func (p *faultProxy) serve(c net.Conn) {
	p.track(c, true)
	defer p.track(c, false)
	defer c.Close()
	u, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	p.track(u, true)
	defer p.track(u, false)
	defer u.Close()
	done := make(chan struct{}, 2)
	go func() { p.pipe(u, c); done <- struct{}{} }()
	go func() { p.pipe(c, u); done <- struct{}{} }()
	<-done
}

// pipe copies src to dst chunk by chunk, obeying the mode before each.
func (p *faultProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			for {
				m, d, change := p.state()
				if m == modeStall {
					<-change // hold the bytes until the mode changes
					continue
				}
				if m == modeCut {
					return
				}
				if m == modeDelay && d > 0 {
					time.Sleep(d)
				}
				break
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			if tc, ok := dst.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
	}
}

func (p *faultProxy) close() {
	p.ln.Close()
	p.set(modeCut, 0)
	p.wg.Wait()
}
