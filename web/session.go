package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/consign/consign/internal/auth"
)

// Console sessions. The console signs in with an application credential
// (POST /console/session {"user","password"}); the node answers with a
// session cookie (HttpOnly, SameSite=Strict, Secure behind TLS) and a CSRF
// token the page keeps in memory. A request that carries no Basic
// credentials is authenticated by the cookie, and then:
//
//   - a state-changing request (anything but GET, HEAD, OPTIONS) must
//     repeat the CSRF token in the X-CSRF-Token header, which another
//     site's page cannot read or set;
//   - a reading request is refused when the browser says it comes from
//     another site (Sec-Fetch-Site cross-site or same-site).
//
// A session lives SessionTTL after its last use and never longer than
// sessionMaxAge; signing out (DELETE /console/session) ends it at once.
// Sessions live in this process only.
const (
	sessionCookie = "consign_session"
	csrfHeader    = "X-CSRF-Token"
	sessionMaxAge = 12 * time.Hour
	maxSignInBody = 4 << 10
)

type sessionStore struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[string]*sessionEntry
}

type sessionEntry struct {
	p       auth.Principal
	csrf    string
	created time.Time
	used    time.Time
}

func newSessionStore(ttl time.Duration, now func() time.Time) *sessionStore {
	return &sessionStore{ttl: ttl, now: now, m: make(map[string]*sessionEntry)}
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *sessionStore) live(e *sessionEntry, now time.Time) bool {
	return now.Before(e.used.Add(s.ttl)) && now.Before(e.created.Add(sessionMaxAge))
}

// start opens a session for p and returns its id and CSRF token.
func (s *sessionStore) start(p auth.Principal) (id, csrf string, err error) {
	if id, err = randomToken(); err != nil {
		return "", "", err
	}
	if csrf, err = randomToken(); err != nil {
		return "", "", err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.m { // expired sessions go when new ones come
		if !s.live(e, now) {
			delete(s.m, k)
		}
	}
	s.m[id] = &sessionEntry{p: p, csrf: csrf, created: now, used: now}
	return id, csrf, nil
}

// find returns the live session id names and refreshes its idle timer.
func (s *sessionStore) find(id string) (sessionEntry, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok {
		return sessionEntry{}, false
	}
	if !s.live(e, now) {
		delete(s.m, id)
		return sessionEntry{}, false
	}
	e.used = now
	return *e, true
}

// endUser ends every session signed in with credential user.
func (s *sessionStore) endUser(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.m {
		if e.p.User == user {
			delete(s.m, k)
		}
	}
}

func (s *sessionStore) end(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

// fromConsole reports whether r was sent by the console's own code (which
// always sets the CSRF header, possibly empty before sign-in). Refusals of
// such requests carry no WWW-Authenticate challenge, so the browser never
// shows its Basic-auth prompt over the sign-in form.
func fromConsole(r *http.Request) bool {
	_, ok := r.Header[http.CanonicalHeaderKey(csrfHeader)]
	return ok
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sessionPrincipal authenticates r by its session cookie. ok is false when
// r carries no session cookie at all; otherwise err says why the session
// is refused.
func (s *Server) sessionPrincipal(r *http.Request) (p auth.Principal, ok bool, err error) {
	c, cerr := r.Cookie(sessionCookie)
	if cerr != nil || c.Value == "" {
		return auth.Principal{}, false, nil
	}
	e, found := s.sessions.find(c.Value)
	if !found {
		return auth.Principal{}, true, fmt.Errorf("%w: the console session has ended; sign in again", ErrUnauthorized)
	}
	if safeMethod(r.Method) {
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			return auth.Principal{}, true, fmt.Errorf("%w: a console session is not accepted from another site's page", ErrForbidden)
		}
	} else if got := r.Header.Get(csrfHeader); subtle.ConstantTimeCompare([]byte(got), []byte(e.csrf)) != 1 {
		return auth.Principal{}, true, fmt.Errorf("%w: a console request that changes state must carry the session's %s header", ErrForbidden, csrfHeader)
	}
	return e.p, true, nil
}

type sessionJSON struct {
	SignedIn    bool   `json:"signed_in"`
	User        string `json:"user,omitempty"`
	Member      string `json:"member,omitempty"`
	Environment string `json:"environment,omitempty"`
	CSRF        string `json:"csrf_token,omitempty"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
}

type signInJSON struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// serveSession answers /console/session: POST signs in, GET tells the
// page who is signed in and the session's CSRF token ({"signed_in":
// false} without a live session), DELETE signs out.
func (s *Server) serveSession(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodPost:
		s.signIn(w, r)
	case http.MethodGet, http.MethodHead:
		var e sessionEntry
		found := false
		if c, err := r.Cookie(sessionCookie); err == nil {
			e, found = s.sessions.find(c.Value)
		}
		if site := r.Header.Get("Sec-Fetch-Site"); !found || site == "cross-site" || site == "same-site" {
			WriteJSON(w, http.StatusOK, sessionJSON{})
			return
		}
		WriteJSON(w, http.StatusOK, s.sessionOut(e.p, e.csrf))
	case http.MethodDelete:
		if p, ok, err := s.sessionPrincipal(r); ok && err == nil {
			c, _ := r.Cookie(sessionCookie)
			s.sessions.end(c.Value)
			s.events.add(p.Member, "session", "console sign-out of credential "+p.User)
		} else if ok && StatusFor(err) == http.StatusForbidden {
			Error(w, r, err) // a sign-out without the CSRF token is refused
			return
		}
		s.setSessionCookie(w, r, "", -1)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST, DELETE")
		WriteError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on /console/session (allowed: GET, HEAD, POST, DELETE)", r.Method))
	}
}

func (s *Server) sessionOut(p auth.Principal, csrf string) sessionJSON {
	return sessionJSON{SignedIn: true, User: p.User, Member: p.Member, Environment: p.EnvironmentID, CSRF: csrf, ExpiresIn: int(s.cfg.SessionTTL.Seconds())}
}

// signIn answers POST /console/session. Only a JSON body is accepted,
// and never from another site's page (Sec-Fetch-Site), so that a forged
// cross-site form cannot sign the browser in as someone else.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		WriteError(w, http.StatusUnsupportedMediaType, `sign in with a JSON body {"user","password"} (Content-Type: application/json)`)
		return
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		Error(w, r, fmt.Errorf("%w: signing in from another site's page is refused", ErrForbidden))
		return
	}
	var in signInJSON
	if err := decodeJSONBody(w, r, maxSignInBody, &in); err != nil {
		Error(w, r, err)
		return
	}
	if in.User == "" || in.Password == "" {
		WriteError(w, http.StatusBadRequest, "sign in with the user name and the password of an application credential")
		return
	}
	p, err := s.check(r.Context(), clientIP(r.RemoteAddr), in.User, in.Password)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	id, csrf, err := s.sessions.start(p)
	if err != nil {
		Error(w, r, err)
		return
	}
	s.setSessionCookie(w, r, id, int(s.cfg.SessionTTL.Seconds()))
	s.events.add(p.Member, "session", "console sign-in with credential "+p.User+" from "+clientIP(r.RemoteAddr))
	WriteJSON(w, http.StatusOK, s.sessionOut(p, csrf))
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
	})
}

// withPrincipal returns r with p as its authenticated caller.
func withPrincipal(r *http.Request, p auth.Principal) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
}
