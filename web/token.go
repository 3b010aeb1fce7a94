package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/consign/consign/internal/auth"
)

// tokenStore holds short-lived, single-use socket tokens. A browser can
// not put an Authorization header on a websocket handshake, so the
// console first calls POST /console/token with Basic auth (which the
// browser sends for it) and passes the token in socket.io's `auth`
// payload ({token: "..."}); the socket.io middleware accepts it once, in
// place of Basic credentials. Tokens live in this process only: a
// console connects to the node that issued its token.
type tokenStore struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[string]tokenEntry
}

type tokenEntry struct {
	p       auth.Principal
	expires time.Time
}

func newTokenStore(ttl time.Duration, now func() time.Time) *tokenStore {
	return &tokenStore{ttl: ttl, now: now, m: make(map[string]tokenEntry)}
}

func (t *tokenStore) issue(p auth.Principal) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, e := range t.m { // expired tokens go when new ones come
		if !now.Before(e.expires) {
			delete(t.m, k)
		}
	}
	t.m[tok] = tokenEntry{p: p, expires: now.Add(t.ttl)}
	return tok, nil
}

// redeem returns the principal of a valid token and invalidates it.
func (t *tokenStore) redeem(tok string) (auth.Principal, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[tok]
	if !ok {
		return auth.Principal{}, false
	}
	delete(t.m, tok)
	if !t.now().Before(e.expires) {
		return auth.Principal{}, false
	}
	return e.p, true
}

// issueToken answers POST /console/token with {"token", "expires_in"}.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	tok, err := s.tokens.issue(p)
	if err != nil {
		Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "expires_in": int(s.cfg.TokenTTL.Seconds())})
}
