package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/consign/consign/internal/auth"
)

// Config configures a Server. Zero values are documented per field.
type Config struct {
	// Addr is the listen address for ListenAndServe; empty means
	// "127.0.0.1:8080".
	Addr string
	// EnvironmentID is the environment this node serves. Required: a
	// credential of any other environment is refused with 401.
	EnvironmentID string
	// CORSOrigins lists the browser origins (scheme://host[:port]) allowed
	// to call the API and socket.io from another origin, with credentials;
	// "*" allows any origin. Empty means same-origin only.
	CORSOrigins []string
	// FailureBurst is how many failed authentication attempts a client
	// address may make with one user name before that user name is refused
	// from that address with 429; zero means 10. Other users of the same
	// address are not affected.
	FailureBurst int
	// FailureRefill is how often one failed attempt is forgiven; zero
	// means 6s (so 10 a minute in the long run).
	FailureRefill time.Duration
	// TrustedProxies lists the reverse proxies (IP addresses or CIDR
	// prefixes) whose X-Forwarded-For header names the client that
	// failures are counted against. Empty (the default) trusts none: the
	// header is ignored and the peer address is the client.
	TrustedProxies []string
	// ReadyTimeout bounds each readiness probe; zero means 5s.
	ReadyTimeout time.Duration
	// TokenTTL is how long a console socket token stays valid; zero means
	// 30s. Tokens are single-use.
	TokenTTL time.Duration
	// SessionTTL is how long a console session stays valid after its last
	// request; zero means 30m. No session outlives 12 hours.
	SessionTTL time.Duration
	// Logger receives request errors and recovered panics; nil means
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock for rate limiting and tokens; nil means time.Now.
	Now func() time.Time
	// SocketIO bounds socket.io sessions and send queues; zero values
	// mean the defaults documented on SocketIOLimits.
	SocketIO SocketIOLimits
	// Uploads bounds document uploads in progress; zero values mean the
	// defaults documented on UploadLimits.
	Uploads UploadLimits
}

// Validate reports the first unusable setting.
func (c Config) Validate() error {
	if c.EnvironmentID == "" {
		return errors.New("web: config: EnvironmentID is required (the environment this node serves)")
	}
	for _, o := range c.CORSOrigins {
		if o != "*" && !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			return fmt.Errorf("web: config: CORS origin %q must be \"*\" or start with http:// or https://", o)
		}
		if strings.HasSuffix(o, "/") {
			return fmt.Errorf("web: config: CORS origin %q must not end with '/'", o)
		}
	}
	if _, err := parseTrustedProxies(c.TrustedProxies); err != nil {
		return err
	}
	if c.FailureBurst < 0 || c.FailureRefill < 0 || c.ReadyTimeout < 0 || c.TokenTTL < 0 || c.SessionTTL < 0 {
		return errors.New("web: config: FailureBurst, FailureRefill, ReadyTimeout, TokenTTL and SessionTTL must not be negative")
	}
	if err := c.Uploads.validate(); err != nil {
		return err
	}
	return c.SocketIO.validate()
}

func (c *Config) setDefaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.FailureBurst == 0 {
		c.FailureBurst = 10
	}
	if c.FailureRefill == 0 {
		c.FailureRefill = 6 * time.Second
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = 5 * time.Second
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = 30 * time.Second
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 30 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.SocketIO.setDefaults()
	c.Uploads.setDefaults()
}

// Probe is one readiness check: Check returns nil when the dependency
// called Name (e.g. "storage", "transport", "chain") answers.
type Probe struct {
	Name  string
	Check func(ctx context.Context) error
}

// Server is a Consign node's HTTP and socket.io server on one listener.
type Server struct {
	cfg        Config
	verifier   auth.Verifier
	probes     []Probe
	log        *slog.Logger
	limiter    *failureLimiter
	opsLimiter *failureLimiter // failed operator logins (operator.go)
	proxies    []netip.Prefix  // Config.TrustedProxies
	tokens     *tokenStore
	sessions   *sessionStore
	events     *eventLog
	api        *http.ServeMux // authenticated routes
	ops        *http.ServeMux // operator routes (operator.go)

	opsMu     sync.Mutex
	operators auth.Verifier
	sio       *sioServer
	uploads   *uploadGate
	handler   http.Handler

	mu   sync.Mutex
	http *http.Server

	patternsMu sync.Mutex
	patterns   []string // every pattern given to Handle, and the public routes
}

// New builds a Server. verifier checks Basic credentials; probes are run
// by /readyz. Routes are added with Handle and socket.io handlers with
// OnConnection, before or after serving starts.
func New(cfg Config, verifier auth.Verifier, probes ...Probe) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if verifier == nil {
		return nil, errors.New("web: new: a credential verifier is required")
	}
	for _, p := range probes {
		if p.Name == "" || p.Check == nil {
			return nil, errors.New("web: new: every readiness probe needs a Name and a Check")
		}
	}
	cfg.setDefaults()
	proxies, _ := parseTrustedProxies(cfg.TrustedProxies) // checked by Validate
	s := &Server{
		cfg:        cfg,
		verifier:   verifier,
		probes:     probes,
		log:        cfg.Logger,
		limiter:    newFailureLimiter(cfg.FailureBurst, cfg.FailureRefill, cfg.Now),
		opsLimiter: newFailureLimiter(cfg.FailureBurst, cfg.FailureRefill, cfg.Now),
		proxies:    proxies,
		tokens:     newTokenStore(cfg.TokenTTL, cfg.Now),
		sessions:   newSessionStore(cfg.SessionTTL, cfg.Now),
		events:     newEventLog(cfg.Now),
		api:        http.NewServeMux(),
		ops:        http.NewServeMux(),
		uploads:    newUploadGate(cfg.Uploads),
	}
	sio, err := newSIOServer(s)
	if err != nil {
		return nil, err
	}
	s.sio = sio
	// The public routes, answered before authentication (socket.io is not
	// a REST route and is not listed).
	s.patterns = []string{"GET /healthz", "GET /readyz", "GET " + openAPIPath,
		"GET /{$}", "GET /console/", "GET /console/session", "POST /console/session", "DELETE /console/session"}
	s.Handle("POST /console/token", http.HandlerFunc(s.issueToken))
	s.Handle("GET /api/v1/logs", http.HandlerFunc(s.serveLogs))
	s.OnConnection(func(c *Conn) {
		if c.Query("console") == "1" {
			s.events.watch(c)
		}
	})
	s.handler = s.routes()
	return s, nil
}

// Handle registers an authenticated route on the server's ServeMux
// (Go 1.22 patterns such as "GET /api/v1/documents/{path...}"). The
// handler finds the caller with PrincipalFrom(r.Context()). Paths arrive
// with doubled slashes collapsed; dot segments never arrive.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.api.Handle(pattern, h) // panics on a bad or conflicting pattern, before it is recorded
	s.patternsMu.Lock()
	s.patterns = append(s.patterns, pattern)
	s.patternsMu.Unlock()
}

// HandleFunc is Handle for a function.
func (s *Server) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	s.Handle(pattern, http.HandlerFunc(h))
}

// Routes returns every route the server answers, as sorted "METHOD /path"
// ServeMux patterns: the public ones and all those given to Handle so far.
func (s *Server) Routes() []string {
	s.patternsMu.Lock()
	out := slices.Clone(s.patterns)
	s.patternsMu.Unlock()
	slices.Sort(out)
	return out
}

// Handler returns the server's whole http.Handler (for tests or to mount
// it in another server).
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until Shutdown; it returns nil after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	if s.http != nil {
		s.mu.Unlock()
		return errors.New("web: serve: already serving")
	}
	s.http = hs
	s.mu.Unlock()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on Config.Addr and serves until ctx is done,
// then shuts down gracefully (waiting at most 10 s).
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("web: listen %s: %w", s.cfg.Addr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(sctx); err != nil {
			return err
		}
		return <-errc
	}
}

// Shutdown closes the socket.io connections, stops accepting requests
// and waits for running ones until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.sio.close()
	s.mu.Lock()
	hs := s.http
	s.mu.Unlock()
	if hs == nil {
		return nil
	}
	return hs.Shutdown(ctx)
}

// routes assembles the middleware chain:
// recover → logger → security headers → path cleaning → CORS → (public | console | socket.io | operator auth → ops | auth → api).
func (s *Server) routes() http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/healthz":
			s.healthz(w, r)
		case p == "/readyz":
			s.readyz(w, r)
		case p == openAPIPath:
			serveOpenAPI(w, r)
		case p == "/socket.io/socket.io.js" || p == "/socket.io/socket.io.min.js":
			serveClientBundle(w, r)
		case p == "/console/session":
			s.serveSession(w, r)
		case p == "/" || strings.HasPrefix(p, "/console/") && p != "/console/token":
			s.serveConsole(w, r) // the page and its assets are public; the API is not
		case strings.HasPrefix(p, "/socket.io/"):
			s.sio.handler.ServeHTTP(w, r) // authenticated by the socket.io middleware
		case s.isOperatorRoute(r):
			s.serveOperator(w, r) // the management API: operator credentials only
		default:
			s.authenticate(http.HandlerFunc(s.serveAPI)).ServeHTTP(w, r)
		}
	})
	return s.recoverPanics(secureHeaders(s.cleanPaths(s.cors(inner))))
}

// serveAPI dispatches to the authenticated mux and answers unknown routes
// and wrong methods with JSON errors instead of ServeMux's plain text.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.api.Handler(r)
	if pattern != "" {
		s.api.ServeHTTP(w, r) // (Handler does not set r's path values)
		return
	}
	cw := &captureWriter{header: http.Header{}}
	h.ServeHTTP(cw, r)
	switch {
	case cw.status == http.StatusMethodNotAllowed:
		w.Header().Set("Allow", cw.header.Get("Allow"))
		WriteError(w, cw.status, fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, cw.header.Get("Allow")))
	case cw.status >= 300 && cw.status < 400:
		w.Header().Set("Location", cw.header.Get("Location"))
		w.WriteHeader(cw.status)
	default:
		WriteError(w, http.StatusNotFound, fmt.Sprintf("no such route: %s %s", r.Method, r.URL.Path))
	}
}

// captureWriter records what ServeMux's fallback handlers would write.
type captureWriter struct {
	header http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(b), nil
}
func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

// recoverPanics turns a panic in any handler into a logged 500 JSON
// error, so no panic reaches a client as a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !tw.wrote {
				WriteError(w, http.StatusInternalServerError, "internal error: the node failed while handling the request; see its log")
			}
		}()
		next.ServeHTTP(tw, r.WithContext(withLogger(r.Context(), s.log)))
	})
}

// trackingWriter remembers whether the response has started. It passes
// through Flush and Hijack (websocket upgrades) via Unwrap.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) { t.wrote = true; t.ResponseWriter.WriteHeader(code) }
func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// Hijack is needed by the websocket upgrader, which asserts the
// interface directly.
func (t *trackingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := t.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("web: connection cannot be hijacked")
	}
	t.wrote = true
	return h.Hijack()
}
func (t *trackingWriter) Flush() {
	t.wrote = true
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// cleanPaths collapses doubled slashes and refuses dot segments.
func (s *Server) cleanPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := cleanPath(r.URL.Path)
		if err != nil {
			Error(w, r, err)
			return
		}
		if p != r.URL.Path || r.URL.RawPath != "" {
			u := *r.URL
			u.Path = p
			if u.RawPath != "" {
				if u.RawPath, err = cleanPath(u.RawPath); err != nil {
					Error(w, r, err)
					return
				}
			}
			r2 := *r
			r2.URL = &u
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}

// cors answers preflights and sets the CORS headers for allowed origins.
// Preflights carry no credentials, so they are answered before auth.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !s.originAllowed(origin) || strings.HasPrefix(r.URL.Path, "/socket.io/") {
			// socket.io applies the same origins through its own options.
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, PUT, POST, PATCH, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", strconv.Itoa(600))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) originAllowed(origin string) bool {
	for _, o := range s.cfg.CORSOrigins {
		if o == "*" || o == origin {
			return true
		}
	}
	return false
}

// clientIP is the peer's IP address (the key of the socket.io pending
// session gate).
func clientIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}
