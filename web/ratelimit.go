package web

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// failureLimiter limits failed authentication attempts per client and
// user name. Each (client address, user) pair has a bucket of Burst
// tokens that refills one token every Refill; a failed attempt takes a
// token, and a pair with an empty bucket is refused (429) before its
// credentials are even checked. Keying on the pair means that failures
// for one user name, behind a shared proxy or NAT, never lock out the
// other users of that address: their valid credentials always pass.
// Successful attempts cost nothing, so a well-behaved client is never
// slowed down. Buckets that have refilled completely are dropped, and at
// most maxBuckets are kept, which bounds memory whatever user names a
// client makes up.
type failureLimiter struct {
	burst  float64
	refill time.Duration
	now    func() time.Time

	mu      sync.Mutex
	buckets map[limitKey]*bucket
	ops     int
}

// limitKey is what failures are counted against: the client address and
// the user name presented ("" for a request without one, or a console
// token).
type limitKey struct{ addr, user string }

// maxBuckets bounds the pairs remembered.
const maxBuckets = 1 << 16

type bucket struct {
	tokens float64
	last   time.Time
}

func newFailureLimiter(burst int, refill time.Duration, now func() time.Time) *failureLimiter {
	return &failureLimiter{burst: float64(burst), refill: refill, now: now, buckets: make(map[limitKey]*bucket)}
}

// level returns the bucket's tokens at t (not stored).
func (l *failureLimiter) level(b *bucket, t time.Time) float64 {
	gained := float64(t.Sub(b.last)) / float64(l.refill)
	return math.Min(l.burst, b.tokens+gained)
}

// blocked reports whether user may not try from addr now, and if so
// after how long it may try again.
func (l *failureLimiter) blocked(addr, user string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[limitKey{addr, user}]
	if !ok {
		return false, 0
	}
	now := l.now()
	tok := l.level(b, now)
	if tok >= 1 {
		return false, 0
	}
	wait := time.Duration((1 - tok) * float64(l.refill))
	return true, wait
}

// fail records a failed attempt of user from addr.
func (l *failureLimiter) fail(addr, user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	k := limitKey{addr, user}
	b, ok := l.buckets[k]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now, true)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[k] = b
	}
	b.tokens = math.Max(0, l.level(b, now)-1)
	b.last = now
	l.ops++
	if l.ops >= 1024 { // now and then, forget clients that have recovered
		l.ops = 0
		l.sweep(now, false)
	}
}

// sweep drops the buckets that have refilled; when full is set and that
// is not enough, it drops arbitrary ones down to three quarters of
// maxBuckets.
func (l *failureLimiter) sweep(now time.Time, full bool) {
	for k, b := range l.buckets {
		if l.level(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if !full || len(l.buckets) < maxBuckets*3/4 {
			break
		}
		delete(l.buckets, k)
	}
}

// parseTrustedProxies reads Config.TrustedProxies: IP addresses or CIDR
// prefixes.
func parseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("web: config: trusted proxy %q is neither an IP address nor a CIDR prefix (e.g. 10.0.0.0/8)", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// trusted reports whether a is one of the configured proxies.
func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address failures are counted against: the peer's
// IP, or, when the peer is a configured trusted proxy, the client it
// forwards for, read from X-Forwarded-For right to left, skipping the
// trusted proxies along the way. X-Forwarded-For from any other peer is
// ignored (anyone can send it), and so is a malformed entry (the last
// trusted hop is used).
func (s *Server) clientAddr(remoteAddr string, h http.Header) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || len(s.proxies) == 0 || !s.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(h.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client.String()
}
