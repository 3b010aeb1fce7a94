package backend

import (
	"context"
	"net"
	"net/http"
	"time"
)

// DefaultIdleTimeout is how long an object store's connection may make no
// progress (no byte read or written while a read or write waits) before
// the request fails and the SDK's retries take over.
const DefaultIdleTimeout = 30 * time.Second

// IdleClient returns an HTTP client for an object store whose connections
// fail a read or write that makes no progress for idle. Without it a
// server that accepts a request and then stalls (a hung disk, a dropped
// route, a proxy that stopped forwarding) holds the upload or download,
// and the caller with it, for as long as the kernel keeps the socket: the
// SDKs set no such limit of their own. A slow but moving transfer is never
// cut: every byte moved pushes the deadline on.
func IdleClient(idle time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = IdleDialer(idle)
	return &http.Client{Transport: tr}
}

// IdleDialer dials connections as IdleClient's, for an SDK that builds its
// own transport (the AWS SDK's buildable client).
func IdleDialer(idle time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &idleConn{Conn: c, idle: idle}, nil
	}
}

// idleConn moves its deadlines on with every read and write. A write moves
// the read deadline too: net/http reads a connection's response in a read
// that began while the connection sat idle in the pool, and the deadline
// of that pending read must count from the request, not from then.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *idleConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}
