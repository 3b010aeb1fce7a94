package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/testenv"
)

var fastParams = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16}

// fixture is a running Server for environment "env-a" with one
// credential of env-a and one of env-b.
type fixture struct {
	srv        *Server
	base       string // http://127.0.0.1:port
	user, pass string // env-a, member "org1"
	userB      string // env-b
	passB      string
	clock      *fakeClock
}

type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(1_700_000_000, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newFixture(t testing.TB, cfg Config, probes ...Probe) *fixture {
	t.Helper()
	ctx := context.Background()
	creds, err := auth.New(&auth.MemoryStore{}, auth.Config{Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clock: &fakeClock{}}
	if f.user, f.pass, err = creds.Create(ctx, "env-a", "org1"); err != nil {
		t.Fatal(err)
	}
	if f.userB, f.passB, err = creds.Create(ctx, "env-b", "org9"); err != nil {
		t.Fatal(err)
	}
	if cfg.EnvironmentID == "" {
		cfg.EnvironmentID = "env-a"
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	if cfg.Now == nil {
		cfg.Now = f.clock.now
	}
	f.srv, err = New(cfg, creds, probes...)
	if err != nil {
		t.Fatal(err)
	}
	f.base = serve(t, f.srv)
	return f
}

// serve runs srv on a new port of 127.0.0.1 until the test ends and
// returns its base URL. The cleanup shuts srv down and reports a failed
// shutdown or Serve.
func serve(t testing.TB, srv *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) errorMessage(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" {
		t.Fatalf("status %d: body %q is not a JSON error", r.status, r.body)
	}
	return e.Error
}

func (f *fixture) do(t *testing.T, method, path, user, pass string) reply {
	t.Helper()
	return request(t, method, f.base, path, user, pass, "", nil)
}

// request sends method base+target and reads the whole answer. target's
// path is kept exactly as written (doubled slashes, escapes); user and
// pass, when either is set, go as basic authentication, and ctype, when
// set, as the Content-Type.
func request(t testing.TB, method, base, target, user, pass, ctype string, body io.Reader) reply {
	t.Helper()
	req, err := http.NewRequest(method, base+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	p, q, _ := strings.Cut(target, "?")
	req.URL.Opaque = "//" + req.URL.Host + p
	req.URL.RawQuery = q
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return send(t, req)
}

// send makes req with the default client and reads the whole answer.
func send(t testing.TB, req *http.Request) reply {
	t.Helper()
	res, b := testenv.Do(t, req)
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

func TestConfigValidate(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no environment":  {},
		"bad origin":      {EnvironmentID: "e", CORSOrigins: []string{"example.com"}},
		"slash origin":    {EnvironmentID: "e", CORSOrigins: []string{"https://example.com/"}},
		"negative burst":  {EnvironmentID: "e", FailureBurst: -1},
		"negative ttl":    {EnvironmentID: "e", TokenTTL: -time.Second},
		"negative refill": {EnvironmentID: "e", FailureRefill: -time.Second},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, cfg)
		}
	}
	if _, err := New(Config{EnvironmentID: "e"}, nil); err == nil {
		t.Error("New accepted a nil verifier")
	}
	if err := (Config{EnvironmentID: "e", CORSOrigins: []string{"*", "https://a.example:8443"}}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestHealthAndAuth(t *testing.T) {
	f := newFixture(t, Config{})
	f.srv.HandleFunc("GET /api/v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			t.Error("no principal in an authenticated request")
		}
		WriteJSON(w, http.StatusOK, map[string]string{"user": p.User, "member": p.Member, "env": p.EnvironmentID})
	})

	if r := f.do(t, "GET", "/healthz", "", ""); r.status != 200 || !strings.Contains(string(r.body), `"ok"`) {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	if r := f.do(t, "GET", "/readyz", "", ""); r.status != 200 {
		t.Fatalf("readyz without probes: %d %s", r.status, r.body)
	}

	r := f.do(t, "GET", "/api/v1/whoami", "", "")
	if r.status != 401 || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("no credentials: %d %v", r.status, r.header)
	}
	if msg := r.errorMessage(t); !strings.Contains(msg, "Basic") {
		t.Fatalf("message %q does not say what to send", msg)
	}

	r = f.do(t, "GET", "/api/v1/whoami", f.user, f.pass)
	if r.status != 200 {
		t.Fatalf("good credentials: %d %s", r.status, r.body)
	}
	var who map[string]string
	if err := json.Unmarshal(r.body, &who); err != nil {
		t.Fatal(err)
	}
	if who["user"] != f.user || who["member"] != "org1" || who["env"] != "env-a" {
		t.Fatalf("principal %v", who)
	}

	r = f.do(t, "GET", "/api/v1/whoami", f.user, f.pass+"x")
	if r.status != 401 {
		t.Fatalf("wrong password: %d", r.status)
	}
	r.errorMessage(t)

	r = f.do(t, "GET", "/api/v1/whoami", f.userB, f.passB)
	if r.status != 401 {
		t.Fatalf("credential of env-b on an env-a node: %d %s", r.status, r.body)
	}
	if msg := r.errorMessage(t); !strings.Contains(msg, "env-a") {
		t.Fatalf("message %q", msg)
	}

	// The console page is public (it signs in by itself); the API is not.
	if r := f.do(t, "GET", "/", "", ""); r.status != 200 || !strings.Contains(string(r.body), "Consign console") {
		t.Fatalf("console without credentials: %d", r.status)
	}
	// The client bundle is public and is the 4.8.1 build with its licence header.
	r = f.do(t, "GET", "/socket.io/socket.io.js", "", "")
	if r.status != 200 || !strings.HasPrefix(string(r.body), "/*!\n * Socket.IO v4.8.1") || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
		t.Fatalf("bundle: %d %q", r.status, r.body[:min(len(r.body), 40)])
	}
}

func TestRoutingErrors(t *testing.T) {
	f := newFixture(t, Config{})
	f.srv.HandleFunc("GET /api/v1/search", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"path": r.URL.Path, "q": r.URL.Query().Get("query")})
	})
	f.srv.HandleFunc("PUT /api/v1/documents/{path...}", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"path": r.PathValue("path")})
	})
	f.srv.HandleFunc("GET /api/v1/boom", func(w http.ResponseWriter, r *http.Request) {
		panic("handler bug")
	})
	f.srv.HandleFunc("GET /api/v1/missing", func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, fmt.Errorf("docstore: get %q: %w", "/a", ErrNotFound))
	})
	f.srv.HandleFunc("GET /api/v1/internal", func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, errors.New("database password is hunter2"))
	})

	for _, p := range []string{"/api/v1/search", "/api/v1//search", "//api//v1///search"} {
		r := f.do(t, "GET", p+"?query=x", f.user, f.pass)
		if r.status != 200 || !strings.Contains(string(r.body), `"path":"/api/v1/search"`) {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	r := f.do(t, "PUT", "/api/v1/documents//a//b.txt", f.user, f.pass)
	if r.status != 200 || !strings.Contains(string(r.body), `"path":"a/b.txt"`) {
		t.Errorf("documents: %d %s", r.status, r.body)
	}
	for _, p := range []string{"/api/v1/documents/../../etc/passwd", "/api/v1/documents/a/./b", "/api/v1//documents/%2e%2e/x", "/api/v1/documents/.."} {
		r := f.do(t, "PUT", p, f.user, f.pass)
		if r.status != 400 {
			t.Errorf("%s: %d %s, want 400", p, r.status, r.body)
		}
		r.errorMessage(t)
	}
	// Path errors come before auth: a dot segment is refused either way.
	if r := f.do(t, "GET", "/a/../healthz", "", ""); r.status != 400 {
		t.Errorf("dot segment to healthz: %d", r.status)
	}

	cases := []struct {
		method, path string
		status       int
		contains     string
	}{
		{"GET", "/api/v1/nothing", 404, "no such route"},
		{"DELETE", "/api/v1/search", 405, "not allowed"},
		{"GET", "/api/v1/boom", 500, "internal error"},
		{"GET", "/api/v1/missing", 404, "not found"},
		{"GET", "/api/v1/internal", 500, "Internal Server Error"},
	}
	for _, c := range cases {
		r := f.do(t, c.method, c.path, f.user, f.pass)
		if r.status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, r.status, r.body, c.status)
			continue
		}
		msg := r.errorMessage(t)
		if !strings.Contains(msg, c.contains) || strings.Contains(msg, "hunter2") {
			t.Errorf("%s %s: message %q", c.method, c.path, msg)
		}
	}
	// The server still serves after a panic.
	if r := f.do(t, "GET", "/api/v1/search", f.user, f.pass); r.status != 200 {
		t.Fatalf("after panic: %d", r.status)
	}
}

func TestStatusFor(t *testing.T) {
	for err, want := range map[error]int{
		fmt.Errorf("x: %w", ErrNotFound):                    404,
		fmt.Errorf("x: %w", auth.ErrBadCredentials):         401,
		fmt.Errorf("x: %w", auth.ErrWrongEnvironment):       401,
		fmt.Errorf("x: %w", ErrConflict):                    409,
		fmt.Errorf("x: %w", context.DeadlineExceeded):       504,
		&rateLimitedError{wait: time.Second}:                429,
		errors.New("anything else"):                         500,
		fmt.Errorf("a: %w", fmt.Errorf("b: %w", ErrMethod)): 405,
		fmt.Errorf("x: %w", ErrBodyIdle):                    408,
		&retryLater{err: ErrUploadsPerMember}:               429,
		&retryLater{err: ErrUploadsTotal}:                   503,
	} {
		if got := StatusFor(err); got != want {
			t.Errorf("StatusFor(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, Config{FailureBurst: 3, FailureRefill: 10 * time.Second})
	f.srv.HandleFunc("GET /api/v1/x", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, "ok") })
	for i := range 3 {
		if r := f.do(t, "GET", "/api/v1/x", f.user, "wrong"); r.status != 401 {
			t.Fatalf("failure %d: %d", i+1, r.status)
		}
	}
	// The bucket is empty: even the right password is refused now.
	r := f.do(t, "GET", "/api/v1/x", f.user, f.pass)
	if r.status != 429 {
		t.Fatalf("after 3 failures: %d %s", r.status, r.body)
	}
	if ra := r.header.Get("Retry-After"); ra != "10" {
		t.Fatalf("Retry-After %q, want 10", ra)
	}
	if msg := r.errorMessage(t); !strings.Contains(msg, "retry") {
		t.Fatalf("message %q", msg)
	}
	// Health needs no credentials and is never limited.
	if r := f.do(t, "GET", "/healthz", "", ""); r.status != 200 {
		t.Fatalf("healthz while limited: %d", r.status)
	}
	f.clock.advance(10 * time.Second) // one attempt forgiven
	if r := f.do(t, "GET", "/api/v1/x", f.user, f.pass); r.status != 200 {
		t.Fatalf("after refill: %d %s", r.status, r.body)
	}
	// Success costs nothing; one more failure empties the bucket again.
	if r := f.do(t, "GET", "/api/v1/x", f.user, "wrong"); r.status != 401 {
		t.Fatalf("failure: %d", r.status)
	}
	if r := f.do(t, "GET", "/api/v1/x", f.user, f.pass); r.status != 429 {
		t.Fatalf("limited again: %d", r.status)
	}
}

func TestFailureLimiter(t *testing.T) {
	clk := &fakeClock{}
	l := newFailureLimiter(2, time.Minute, clk.now)
	if b, _ := l.blocked("a", "u"); b {
		t.Fatal("fresh client blocked")
	}
	l.fail("a", "u")
	l.fail("a", "u")
	b, wait := l.blocked("a", "u")
	if !b || wait != time.Minute {
		t.Fatalf("blocked %v wait %v", b, wait)
	}
	if b, _ := l.blocked("b", "u"); b {
		t.Fatal("another client is blocked too")
	}
	if b, _ := l.blocked("a", "v"); b {
		t.Fatal("another user of the same address is blocked too")
	}
	clk.advance(30 * time.Second)
	if _, wait := l.blocked("a", "u"); wait != 30*time.Second {
		t.Fatalf("wait %v, want 30s", wait)
	}
	clk.advance(90 * time.Second)
	if b, _ := l.blocked("a", "u"); b {
		t.Fatal("still blocked after refill")
	}
	// Made-up user names cannot grow the table without bound.
	for i := range maxBuckets + 10 {
		l.fail("a", fmt.Sprint("user", i))
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Fatalf("%d buckets, want at most %d", n, maxBuckets)
	}
}

// TestRateLimitSharedAddress is issue 18's "the failed-login limiter
// locks out valid credentials". Before: after 10 bad logins from one
// address (any user name), every request from it got 429, valid
// credentials of other users included, so one bad client behind a
// shared proxy locked out everyone. Now failures count per (address,
// user name): the other user's valid credential passes, while the user
// name being guessed stays limited.
func TestRateLimitSharedAddress(t *testing.T) {
	f := newFixture(t, Config{})
	f.srv.HandleFunc("GET /api/v1/x", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, "ok") })
	for i := range 10 {
		if r := f.do(t, "GET", "/api/v1/x", "guessed-user", "wrong"); r.status != 401 {
			t.Fatalf("failure %d: %d", i+1, r.status)
		}
	}
	if r := f.do(t, "GET", "/api/v1/x", "guessed-user", "wrong"); r.status != 429 {
		t.Fatalf("11th failure of the guessed user: %d, want 429", r.status)
	}
	for range 3 {
		if r := f.do(t, "GET", "/api/v1/x", f.user, f.pass); r.status != 200 {
			t.Fatalf("valid credential from the same address after 10 failures of another user: %d %s", r.status, r.body)
		}
	}
	if r := f.do(t, "GET", "/api/v1/x", "", ""); r.status != 401 {
		t.Fatalf("no credentials: %d, want 401", r.status)
	}
}

// TestTrustedProxies: X-Forwarded-For names the client only when the
// peer is a configured proxy. Without one, a client cannot dodge its
// limit by sending a made-up header.
func TestTrustedProxies(t *testing.T) {
	send := func(f *fixture, xff string) int {
		req, _ := http.NewRequest("GET", f.base+"/api/v1/x", nil)
		req.SetBasicAuth(f.user, "wrong")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	// No proxy configured: the header is ignored.
	f := newFixture(t, Config{FailureBurst: 2, FailureRefill: time.Hour})
	for i, xff := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		want := 401
		if i == 2 {
			want = 429
		}
		if got := send(f, xff); got != want {
			t.Fatalf("untrusted peer, X-Forwarded-For %s: %d, want %d", xff, got, want)
		}
	}
	// 127.0.0.1 is a trusted proxy: each forwarded client has its own
	// budget; trusted hops in the header are skipped.
	f = newFixture(t, Config{FailureBurst: 2, FailureRefill: time.Hour, TrustedProxies: []string{"127.0.0.1", "10.0.0.0/8"}})
	for _, c := range []struct {
		xff  string
		want int
	}{
		{"203.0.113.1", 401}, {"203.0.113.1", 401}, {"203.0.113.1", 429},
		{"203.0.113.2, 10.1.2.3", 401}, {"198.51.100.7, 203.0.113.2", 401}, {"203.0.113.2", 429},
		{"", 401}, {"not-an-ip", 401}, {"", 429}, // the proxy itself
	} {
		if got := send(f, c.xff); got != c.want {
			t.Fatalf("trusted peer, X-Forwarded-For %q: %d, want %d", c.xff, got, c.want)
		}
	}
	if _, err := New(Config{EnvironmentID: "e", TrustedProxies: []string{"10.0.0.0/33"}}, f.srv.verifier); err == nil {
		t.Fatal("a bad trusted proxy was accepted")
	}
}

func TestReadyz(t *testing.T) {
	var chainDown atomic.Bool
	chainDown.Store(true)
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	f := newFixture(t, Config{ReadyTimeout: 200 * time.Millisecond},
		Probe{Name: "storage", Check: func(context.Context) error { return nil }},
		Probe{Name: "chain", Check: func(context.Context) error {
			if chainDown.Load() {
				return errors.New("dial 127.0.0.1:18545: connection refused")
			}
			return nil
		}},
	)
	r := f.do(t, "GET", "/readyz", "", "")
	if r.status != 503 {
		t.Fatalf("chain down: %d %s", r.status, r.body)
	}
	var body struct {
		Error  string            `json:"error"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body.Error, "chain: dial") || body.Checks["storage"] != "ok" {
		t.Fatalf("body %+v", body)
	}
	chainDown.Store(false)
	if r := f.do(t, "GET", "/readyz", "", ""); r.status != 200 {
		t.Fatalf("all up: %d %s", r.status, r.body)
	}

	// A probe that hangs does not hang /readyz; it is reported as timed out.
	g := newFixture(t, Config{ReadyTimeout: 50 * time.Millisecond},
		Probe{Name: "transport", Check: func(context.Context) error { <-release; return nil }},
		Probe{Name: "panicky", Check: func(context.Context) error { panic("probe bug") }},
	)
	r = g.do(t, "GET", "/readyz", "", "")
	if r.status != 503 || !strings.Contains(string(r.body), "transport: context deadline exceeded") || !strings.Contains(string(r.body), "panicky: probe panicked") {
		t.Fatalf("hung probe: %d %s", r.status, r.body)
	}
}

func TestCORS(t *testing.T) {
	f := newFixture(t, Config{CORSOrigins: []string{"https://app.example"}})
	f.srv.HandleFunc("GET /api/v1/x", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, "ok") })
	req, _ := http.NewRequest("OPTIONS", f.base+"/api/v1/x", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
	req.Header.Set("Origin", "https://evil.example")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin allowed: %v", res.Header)
	}

	// socket.io applies the same list to its handshake.
	for origin, want := range map[string]string{"https://app.example": "https://app.example", "https://evil.example": ""} {
		req, _ := http.NewRequest("GET", f.base+"/socket.io/?EIO=4&transport=polling", nil)
		req.Header.Set("Origin", origin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := res.Header.Get("Access-Control-Allow-Origin")
		if got == "false" { // the library's way of allowing nobody
			got = ""
		}
		if got != want {
			t.Errorf("socket.io handshake from %s: Access-Control-Allow-Origin %q, want %q", origin, got, want)
		}
	}
}

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"/":                  "/",
		"//":                 "/",
		"/api/v1//search":    "/api/v1/search",
		"///a///b///":        "/a/b/",
		"/documents/a.b/..c": "/documents/a.b/..c",
	} {
		got, err := cleanPath(in)
		if err != nil || got != want {
			t.Errorf("cleanPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "a/b", "/a/../b", "/a/.", "/..", "/a//./b", "/a\x00b"} {
		if _, err := cleanPath(in); !errors.Is(err, ErrBadRequest) {
			t.Errorf("cleanPath(%q): %v, want ErrBadRequest", in, err)
		}
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/", "/api/v1//search", "/a/../b", "//x//y/", "/./"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := cleanPath(in)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error %v does not wrap ErrBadRequest", err)
			}
			return
		}
		if !strings.HasPrefix(out, "/") || strings.Contains(out, "//") {
			t.Fatalf("cleanPath(%q) = %q", in, out)
		}
		for _, seg := range strings.Split(out, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("cleanPath(%q) = %q keeps a dot segment", in, out)
			}
		}
		if strings.ReplaceAll(out, "/", "") != strings.ReplaceAll(in, "/", "") {
			t.Fatalf("cleanPath(%q) = %q changed more than slashes", in, out)
		}
		if again, err := cleanPath(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
	})
}

func TestTokens(t *testing.T) {
	clk := &fakeClock{}
	ts := newTokenStore(30*time.Second, clk.now)
	p := auth.Principal{User: "u", EnvironmentID: "e", Member: "m"}
	tok, err := ts.issue(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := ts.redeem(tok); !ok || got != p {
		t.Fatalf("redeem: %+v %v", got, ok)
	}
	if _, ok := ts.redeem(tok); ok {
		t.Fatal("a token was accepted twice")
	}
	tok2, _ := ts.issue(p)
	clk.advance(30 * time.Second)
	if _, ok := ts.redeem(tok2); ok {
		t.Fatal("an expired token was accepted")
	}
	if _, ok := ts.redeem("made-up"); ok {
		t.Fatal("a made-up token was accepted")
	}
}

// TestSecurityHeaders is issue 18's "the console page allows
// 'unsafe-inline' script and can be framed". Before: the console's CSP
// was "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src
// 'unsafe-inline'; connect-src 'self'" (no frame-ancestors) and API
// answers had no CSP at all. Now nothing inline runs and nothing may be
// framed.
func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, Config{})
	f.srv.HandleFunc("GET /api/v1/x", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, "ok") })
	for _, c := range []struct{ path, user, pass, csp string }{
		{"/", f.user, f.pass, consoleCSP},
		{"/console/", f.user, f.pass, consoleCSP},
		{"/api/v1/x", f.user, f.pass, apiCSP},
		{"/api/v1/x", "", "", apiCSP}, // a refusal too
		{"/healthz", "", "", apiCSP},
		{"/console/assets/app.js", "", "", consoleCSP},
		{"/socket.io/socket.io.min.js", "", "", apiCSP},
	} {
		r := f.do(t, "GET", c.path, c.user, c.pass)
		csp := r.header.Get("Content-Security-Policy")
		if csp != c.csp || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			r.header.Get("X-Frame-Options") != "DENY" || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d, CSP %q, X-Frame-Options %q", c.path, r.status, csp, r.header.Get("X-Frame-Options"))
		}
	}
	page := f.do(t, "GET", "/", f.user, f.pass)
	if bytes.Contains(page.body, []byte("<script>")) || bytes.Contains(page.body, []byte("<style")) || bytes.Contains(page.body, []byte("style=")) {
		t.Errorf("the console page still has inline script or style:\n%s", page.body)
	}
	for path, ctype := range map[string]string{"/console/assets/app.js": "text/javascript", "/console/assets/style.css": "text/css"} {
		r := f.do(t, "GET", path, "", "")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) || len(r.body) == 0 {
			t.Errorf("GET %s: %d %q", path, r.status, r.header.Get("Content-Type"))
		}
	}
}
