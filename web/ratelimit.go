package web

import (
	"math"
	"sync"
	"time"
)

// failureLimiter limits failed authentication attempts per client. Each
// client (keyed by IP address) has a bucket of Burst tokens that refills
// one token every Refill; a failed attempt takes a token, and a client
// with an empty bucket is refused (429) before its credentials are even
// checked. Successful attempts cost nothing, so a well-behaved client is
// never slowed down. Buckets that have refilled completely are dropped,
// which keeps memory proportional to recently failing clients.
type failureLimiter struct {
	burst  float64
	refill time.Duration
	now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	ops     int
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newFailureLimiter(burst int, refill time.Duration, now func() time.Time) *failureLimiter {
	return &failureLimiter{burst: float64(burst), refill: refill, now: now, buckets: make(map[string]*bucket)}
}

// level returns the bucket's tokens at t (not stored).
func (l *failureLimiter) level(b *bucket, t time.Time) float64 {
	gained := float64(t.Sub(b.last)) / float64(l.refill)
	return math.Min(l.burst, b.tokens+gained)
}

// blocked reports whether key may not try now, and if so after how long
// it may try again.
func (l *failureLimiter) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
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

// fail records a failed attempt by key.
func (l *failureLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Max(0, l.level(b, now)-1)
	b.last = now
	l.ops++
	if l.ops >= 1024 { // now and then, forget clients that have recovered
		l.ops = 0
		for k, b := range l.buckets {
			if l.level(b, now) >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
}
