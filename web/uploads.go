package web

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/consign/consign/internal/errkind"
)

// UploadLimits bounds the document uploads a node holds open at once.
// An upload holds a connection, a temporary file and a copy buffer (up to
// 1 MiB with direct I/O) for as long as its body takes to arrive, so a
// client sending one byte every few seconds would otherwise hold them
// without limit.
type UploadLimits struct {
	// PerMember is how many uploads of one member may be in progress at
	// once; one more is refused with 429 and Retry-After. Zero means 8;
	// a negative value means no cap.
	PerMember int
	// Total is how many uploads the node serves at once, all members
	// together; one more is refused with 503 and Retry-After. Zero means
	// 64; a negative value means no cap.
	Total int
	// BodyIdleTimeout is how long an upload body may send nothing before
	// it is cut with 408 (and what it wrote so far removed); every read
	// that returns bytes extends it. Zero means 30s; a negative value
	// means no deadline.
	BodyIdleTimeout time.Duration
	// RetryAfter is the wait a refused upload is told (Retry-After).
	// Zero means 5s.
	RetryAfter time.Duration
}

func (l UploadLimits) validate() error {
	if l.RetryAfter < 0 {
		return errors.New("web: config: Uploads.RetryAfter must not be negative")
	}
	return nil
}

func (l *UploadLimits) setDefaults() {
	if l.PerMember == 0 {
		l.PerMember = 8
	}
	if l.Total == 0 {
		l.Total = 64
	}
	if l.BodyIdleTimeout == 0 {
		l.BodyIdleTimeout = 30 * time.Second
	}
	if l.RetryAfter == 0 {
		l.RetryAfter = 5 * time.Second
	}
}

// Errors of the upload limits.
var (
	// ErrUploadsPerMember refuses an upload while the member has
	// UploadLimits.PerMember in progress: 429 with Retry-After.
	ErrUploadsPerMember = errkind.New(errkind.RateLimited, "too many uploads in progress for this member")
	// ErrUploadsTotal refuses an upload while the node serves
	// UploadLimits.Total: 503 with Retry-After.
	ErrUploadsTotal = errkind.New(errkind.Unavailable, "the node is serving as many uploads as it can")
	// ErrBodyIdle cuts a request body that sent nothing for
	// UploadLimits.BodyIdleTimeout: 408.
	ErrBodyIdle = errkind.New(errkind.Timeout, "request body idle")
)

// retryLater is an error answered with a Retry-After header.
type retryLater struct {
	err  error
	wait time.Duration
}

func (e *retryLater) Error() string {
	return fmt.Sprintf("%v; retry in %d s", e.err, e.seconds())
}
func (e *retryLater) Unwrap() error { return e.err }
func (e *retryLater) seconds() int  { return max(1, int(math.Ceil(e.wait.Seconds()))) }

// uploadGate counts uploads in progress, per member and in all.
type uploadGate struct {
	limits UploadLimits

	mu        sync.Mutex
	total     int
	perMember map[string]int
}

func newUploadGate(l UploadLimits) *uploadGate {
	return &uploadGate{limits: l, perMember: make(map[string]int)}
}

// acquire takes an upload slot for member, or says why not. The member's
// cap is checked first, so one member over its cap is told 429 (its own
// doing) rather than 503.
func (g *uploadGate) acquire(member string) (release func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l := g.limits.PerMember; l > 0 && g.perMember[member] >= l {
		return nil, &retryLater{err: fmt.Errorf("%w (%d at once); wait for one to finish", ErrUploadsPerMember, l), wait: g.limits.RetryAfter}
	}
	if l := g.limits.Total; l > 0 && g.total >= l {
		return nil, &retryLater{err: fmt.Errorf("%w (%d at once)", ErrUploadsTotal, l), wait: g.limits.RetryAfter}
	}
	g.total++
	g.perMember[member]++
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.total--
			if g.perMember[member]--; g.perMember[member] <= 0 {
				delete(g.perMember, member)
			}
		})
	}, nil
}

// held returns the uploads in progress.
func (g *uploadGate) held() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.total
}

// idleBody is a request body whose connection read deadline is pushed
// idle ahead before every read, so a body that sends nothing for idle
// fails with a timeout while one that keeps sending never does.
type idleBody struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	idle  time.Duration
	timed bool // a read hit the deadline
	armed bool // the connection supports deadlines
}

// watchIdle replaces r.Body with an idleBody when idle is positive and
// the connection supports read deadlines.
func watchIdle(w http.ResponseWriter, r *http.Request, idle time.Duration) *idleBody {
	b := &idleBody{body: r.Body, rc: http.NewResponseController(w), idle: idle}
	if idle > 0 && b.rc.SetReadDeadline(time.Now().Add(idle)) == nil {
		b.armed = true
		r.Body = b
	}
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.armed {
		_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	}
	n, err := b.body.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		b.timed = true
	}
	return n, err
}

func (b *idleBody) Close() error { return b.body.Close() }

// stop lifts the deadline once the body is read, so the answer and any
// further request on the connection are not cut by it.
func (b *idleBody) stop() {
	if b.armed && !b.timed {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
}

// cut returns the error to answer when a read hit the deadline.
func (b *idleBody) cut() error {
	return fmt.Errorf("%w: the upload sent nothing for %s and was cut; what it sent was discarded, send it again", ErrBodyIdle, b.idle)
}
