package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/consign/consign/internal/auth"
)

// CredentialInfo is an application credential as the API lists it: never
// its password, of which the node keeps only a hash.
type CredentialInfo struct {
	User    string
	Member  string
	Created time.Time
}

// CredentialManager issues, lists and revokes the application credentials
// of an environment. AuthCredentials adapts the node's credential store.
type CredentialManager interface {
	// Create issues a credential to member and returns its user name and
	// password (the only time the password is seen).
	Create(ctx context.Context, environmentID, member string) (user, password string, err error)
	// List returns the credentials of the environment, oldest first.
	List(ctx context.Context, environmentID string) ([]CredentialInfo, error)
	// Revoke deletes the credential of user; an unknown user returns an
	// error for which errors.Is(err, auth.ErrNotFound).
	Revoke(ctx context.Context, user string) error
}

// AuthCredentials adapts a credential checker and its store to
// CredentialManager.
func AuthCredentials(c *auth.Credentials, s auth.Store) CredentialManager {
	return authCredentials{c, s}
}

type authCredentials struct {
	c *auth.Credentials
	s auth.Store
}

func (a authCredentials) Create(ctx context.Context, env, member string) (string, string, error) {
	return a.c.Create(ctx, env, member)
}

func (a authCredentials) List(ctx context.Context, env string) ([]CredentialInfo, error) {
	list, err := a.s.List(ctx, env)
	if err != nil {
		return nil, err
	}
	out := make([]CredentialInfo, len(list))
	for i, c := range list {
		out[i] = CredentialInfo{User: c.User, Member: c.Member, Created: c.Created}
	}
	return out, nil
}

func (a authCredentials) Revoke(ctx context.Context, user string) error { return a.c.Revoke(ctx, user) }

type credentialJSON struct {
	User     string `json:"user"`
	Password string `json:"password,omitempty"`
	Member   string `json:"member"`
	Created  string `json:"created"`
	Current  bool   `json:"current"`
}

// HandleCredentials serves the caller's member's application credentials:
//
//	GET    /api/v1/credentials         list ({"user","member","created","current"})
//	POST   /api/v1/credentials         issue one; the password is in this answer only
//	DELETE /api/v1/credentials/{user}  revoke (404 for a credential of another member)
//
// Revoking a credential also ends the console sessions signed in with it.
func (s *Server) HandleCredentials(m CredentialManager) {
	own := func(r *http.Request) (auth.Principal, []CredentialInfo, error) {
		p, _ := PrincipalFrom(r.Context())
		all, err := m.List(r.Context(), p.EnvironmentID)
		if err != nil {
			return p, nil, err
		}
		var mine []CredentialInfo
		for _, c := range all {
			if c.Member == p.Member {
				mine = append(mine, c)
			}
		}
		return p, mine, nil
	}
	s.HandleFunc("GET /api/v1/credentials", func(w http.ResponseWriter, r *http.Request) {
		p, mine, err := own(r)
		if err != nil {
			Error(w, r, err)
			return
		}
		out := make([]credentialJSON, 0, len(mine))
		for _, c := range mine {
			out = append(out, credentialJSON{User: c.User, Member: c.Member, Created: c.Created.UTC().Format(time.RFC3339), Current: c.User == p.User})
		}
		WriteJSON(w, http.StatusOK, out)
	})
	s.HandleFunc("POST /api/v1/credentials", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		user, password, err := m.Create(r.Context(), p.EnvironmentID, p.Member)
		if err != nil {
			Error(w, r, err)
			return
		}
		s.events.add(p.Member, "credential", "credential "+user+" issued by "+p.User)
		w.Header().Set("Cache-Control", "no-store")
		WriteJSON(w, http.StatusCreated, credentialJSON{User: user, Password: password, Member: p.Member, Created: s.cfg.Now().UTC().Format(time.RFC3339)})
	})
	s.HandleFunc("DELETE /api/v1/credentials/{user}", func(w http.ResponseWriter, r *http.Request) {
		user := r.PathValue("user")
		p, mine, err := own(r)
		if err != nil {
			Error(w, r, err)
			return
		}
		found := false
		for _, c := range mine {
			found = found || c.User == user
		}
		if !found {
			Error(w, r, fmt.Errorf("%w: your member has no credential %q (list them with GET /api/v1/credentials)", ErrNotFound, user))
			return
		}
		if err := m.Revoke(r.Context(), user); err != nil {
			Error(w, r, err)
			return
		}
		s.sessions.endUser(user)
		s.events.add(p.Member, "credential", "credential "+user+" revoked by "+p.User)
		w.WriteHeader(http.StatusNoContent)
	})
}
