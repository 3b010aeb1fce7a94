// Package adminapi is the management REST API of a Consign node: the
// consortia, environments, memberships, invitations, nodes, services and
// application credentials of chain/consortium and internal/auth, and the
// identity-proof onboarding that ends with a member registered in the
// on-chain registry. Its routes live under /api/v1 beside the
// application API and are authenticated with an operator credential
// (web.Server.HandleOperator), never with an application credential.
//
// Every record reached through a path belongs to the consortium and
// environment the path names: an environment of another consortium, a
// membership or credential of another environment, an identity-proof
// nonce of another membership are all refused (403, or 404 for a
// credential, whose existence elsewhere is not told), and nothing
// changes. Malformed input gets 400 and changes nothing.
//
// Identity proofs. POST /api/v1/memberships/{id}/idproofs issues a
// single-use nonce and answers the CN prefix "<envId>-<nonce>" the proof's
// leaf must start with ("<envId>-<nonce>--<Organization>"). PUT
// /api/v1/memberships/{id}/idproofs/{nonce} takes the PEM chain, leaf
// first, and verifies it (chain.CryptoVerifier, as `consign idproof
// verify` does): every signature links to the next certificate and ends
// at a trusted root, or at a self-signed certificate when no roots are
// configured, which the registry then marks self-signed; every
// certificate is within its validity; the CN names this environment and
// this membership's nonce (so a chain made for another member's nonce is
// refused); and whether an issuer names the organization the leaf claims
// (when none does, the member is registered but flagged
// organization_unvouched: the "Eve" case, shown in the registry view and
// the address book). A verified proof registers the membership in the
// registry of the node's environment, consuming the nonce.
package adminapi

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/chain/consortium"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/web"
)

// Config is what the management API works on.
type Config struct {
	// Model holds consortia, environments, memberships and the rest. Required.
	Model *consortium.Model
	// Credentials issues, rotates and revokes application credentials;
	// Store lists them. Required.
	Credentials *auth.Credentials
	Store       auth.Store
	// Registry is the node's registry client, signed by a registry admin;
	// members of its environment are registered there. Nil: identity
	// proofs are verified but registration answers 503.
	Registry *chain.Registry
	// Roots, when set, must anchor identity-proof chains; nil accepts a
	// self-signed chain and marks the member self-signed.
	Roots *x509.CertPool
	// InvitationTTL is how long an invitation stays valid when the
	// request names no ttl_hours; zero means 7 days.
	InvitationTTL time.Duration
	// Now is the clock of proof validity; nil means time.Now.
	Now func() time.Time
}

// Validate reports a missing requirement.
func (c Config) Validate() error {
	if c.Model == nil || c.Credentials == nil || c.Store == nil {
		return errors.New("adminapi: Model, Credentials and Store are required")
	}
	if c.InvitationTTL < 0 {
		return errors.New("adminapi: InvitationTTL is negative")
	}
	return nil
}

// API serves the management routes.
type API struct{ cfg Config }

// maxJSONBody bounds a JSON request; maxChainBody an uploaded PEM chain.
const (
	maxJSONBody  = 16 << 10
	maxChainBody = 64 << 10
)

// Mount registers the management routes on s as operator routes.
func Mount(s *web.Server, cfg Config) (*API, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = 7 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &API{cfg: cfg}
	const c = "/api/v1/consortia"
	const e = c + "/{id}/environments/{env}"
	for _, r := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"GET " + c, a.listConsortia},
		{"POST " + c, a.createConsortium},
		{"GET " + c + "/{id}", a.getConsortium},
		{"GET " + c + "/{id}/environments", a.listEnvironments},
		{"POST " + c + "/{id}/environments", a.createEnvironment},
		{"GET " + e, a.getEnvironment},
		{"GET " + c + "/{id}/memberships", a.listMemberships},
		{"GET " + c + "/{id}/invitations", a.listInvitations},
		{"POST " + c + "/{id}/invitations", a.createInvitation},
		{"POST " + c + "/{id}/invitations/accept", a.acceptInvitation},
		{"GET " + e + "/nodes", a.listNodes},
		{"POST " + e + "/nodes", a.createNode},
		{"GET " + e + "/services", a.listServices},
		{"POST " + e + "/services", a.createService},
		{"GET " + e + "/appcreds", a.listAppCreds},
		{"POST " + e + "/appcreds", a.createAppCred},
		{"POST " + e + "/appcreds/{user}/rotate", a.rotateAppCred},
		{"DELETE " + e + "/appcreds/{user}", a.revokeAppCred},
		{"GET /api/v1/memberships/{id}", a.getMembership},
		{"GET /api/v1/memberships/{id}/idproofs", a.listProofs},
		{"POST /api/v1/memberships/{id}/idproofs", a.requestProof},
		{"PUT /api/v1/memberships/{id}/idproofs/{nonce}", a.uploadProof},
	} {
		s.HandleOperatorFunc(r.pattern, r.h)
	}
	return a, nil
}

// JSON shapes.
type (
	consortiumJSON struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Created string `json:"created"`
	}
	environmentJSON struct {
		ID           string `json:"id"`
		ConsortiumID string `json:"consortium_id"`
		Name         string `json:"name"`
		ChainID      uint64 `json:"chain_id"`
		Consensus    string `json:"consensus"`
		Created      string `json:"created"`
	}
	membershipJSON struct {
		ID            string `json:"id"`
		EnvironmentID string `json:"environment_id"`
		OrgName       string `json:"org_name"`
		Owner         string `json:"owner"`
		Created       string `json:"created"`
	}
	invitationJSON struct {
		Token         string `json:"token,omitempty"` // only in the answer that creates it
		EnvironmentID string `json:"environment_id"`
		OrgName       string `json:"org_name"`
		Created       string `json:"created"`
		Expires       string `json:"expires"`
		Used          bool   `json:"used"`
		MembershipID  string `json:"membership_id,omitempty"`
	}
	nodeJSON struct {
		ID            string `json:"id"`
		EnvironmentID string `json:"environment_id"`
		MembershipID  string `json:"membership_id"`
		Name          string `json:"name"`
		RPCURL        string `json:"rpc_url"`
	}
	serviceJSON struct {
		ID            string `json:"id"`
		EnvironmentID string `json:"environment_id"`
		MembershipID  string `json:"membership_id"`
		Kind          string `json:"kind"`
		Name          string `json:"name"`
	}
	appCredJSON struct {
		Username      string `json:"username"`
		Password      string `json:"password,omitempty"` // only when created or rotated
		EnvironmentID string `json:"environment_id"`
		MembershipID  string `json:"membership_id"`
		Created       string `json:"created"`
	}
	proofRequestJSON struct {
		Nonce         string `json:"nonce"`
		MembershipID  string `json:"membership_id"`
		EnvironmentID string `json:"environment_id"`
		CNPrefix      string `json:"cn_prefix"`
		Created       string `json:"created"`
		Used          bool   `json:"used"`
	}
	proofResultJSON struct {
		MembershipID          string   `json:"membership_id"`
		EnvironmentID         string   `json:"environment_id"`
		Nonce                 string   `json:"nonce"`
		Registered            bool     `json:"registered"`
		Owner                 string   `json:"owner"`
		Organization          string   `json:"organization"`
		SelfSigned            bool     `json:"self_signed"`
		OrganizationUnvouched bool     `json:"organization_unvouched"`
		LeafSubject           string   `json:"leaf_subject"`
		IssuerChain           []string `json:"issuer_chain"`
		NotAfter              string   `json:"not_after"`
	}
)

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func toConsortium(c consortium.Consortium) consortiumJSON {
	return consortiumJSON{ID: c.ID, Name: c.Name, Created: ts(c.CreatedAt)}
}
func toEnvironment(e consortium.Environment) environmentJSON {
	return environmentJSON{ID: e.ID, ConsortiumID: e.ConsortiumID, Name: e.Name, ChainID: e.ChainID, Consensus: string(e.Consensus), Created: ts(e.CreatedAt)}
}
func toMembership(m consortium.Membership) membershipJSON {
	return membershipJSON{ID: m.ID, EnvironmentID: m.EnvironmentID, OrgName: m.OrgName, Owner: m.Owner, Created: ts(m.CreatedAt)}
}
func toInvitation(i consortium.Invitation) invitationJSON {
	return invitationJSON{EnvironmentID: i.EnvironmentID, OrgName: i.OrgName, Created: ts(i.CreatedAt), Expires: ts(i.ExpiresAt),
		Used: !i.UsedAt.IsZero(), MembershipID: i.MembershipID}
}
func toProofRequest(p consortium.ProofNonce) proofRequestJSON {
	return proofRequestJSON{Nonce: p.Nonce, MembershipID: p.MembershipID, EnvironmentID: p.EnvironmentID, CNPrefix: p.CNPrefix(),
		Created: ts(p.CreatedAt), Used: !p.UsedAt.IsZero()}
}

func mapList[T, J any](in []T, f func(T) J) []J {
	out := make([]J, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// decode reads a JSON object of at most maxJSONBody bytes into v,
// refusing unknown fields so that a misspelt one is not silently ignored.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return fmt.Errorf("%w: the body exceeds %d bytes", web.ErrTooLarge, maxJSONBody)
		}
		return fmt.Errorf("%w: reading the body: %v", web.ErrBadRequest, err)
	}
	if strings.TrimSpace(string(body)) == "" {
		return fmt.Errorf("%w: the body is empty; send a JSON object", web.ErrBadRequest)
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: the body is not the expected JSON object: %v", web.ErrBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: the body has data after its JSON object", web.ErrBadRequest)
	}
	return nil
}

// environment resolves {id}/{env} of r: the environment, checked to
// belong to the consortium.
func (a *API) environment(r *http.Request) (consortium.Environment, error) {
	if _, err := a.cfg.Model.Consortium(r.Context(), r.PathValue("id")); err != nil {
		return consortium.Environment{}, err
	}
	return a.cfg.Model.EnvironmentOf(r.Context(), r.PathValue("id"), r.PathValue("env"))
}

// membershipIn returns membership id, checked to belong to env.
func (a *API) membershipIn(ctx context.Context, env consortium.Environment, id string) (consortium.Membership, error) {
	if strings.TrimSpace(id) == "" {
		return consortium.Membership{}, fmt.Errorf("%w: membership_id is required", web.ErrBadRequest)
	}
	m, err := a.cfg.Model.Membership(ctx, id)
	if err != nil {
		return consortium.Membership{}, err
	}
	if m.EnvironmentID != env.ID {
		return consortium.Membership{}, fmt.Errorf("membership %q belongs to environment %q, not %q: %w", id, m.EnvironmentID, env.ID, consortium.ErrCrossEnvironment)
	}
	return m, nil
}

func (a *API) listConsortia(w http.ResponseWriter, r *http.Request) {
	cs, err := a.cfg.Model.Consortia(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, mapList(cs, toConsortium))
}

func (a *API) createConsortium(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	c, err := a.cfg.Model.CreateConsortium(r.Context(), req.Name)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, toConsortium(c))
}

func (a *API) getConsortium(w http.ResponseWriter, r *http.Request) {
	c, err := a.cfg.Model.Consortium(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, toConsortium(c))
}

func (a *API) listEnvironments(w http.ResponseWriter, r *http.Request) {
	if _, err := a.cfg.Model.Consortium(r.Context(), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	es, err := a.cfg.Model.Environments(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, mapList(es, toEnvironment))
}

func (a *API) createEnvironment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name      string `json:"name"`
		ChainID   uint64 `json:"chain_id"`
		Consensus string `json:"consensus"`
	}
	if err := decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.Consensus == "" {
		req.Consensus = string(consortium.PoA)
	}
	e, err := a.cfg.Model.CreateEnvironment(r.Context(), r.PathValue("id"), req.Name, req.ChainID, consortium.Consensus(req.Consensus))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, toEnvironment(e))
}

func (a *API) getEnvironment(w http.ResponseWriter, r *http.Request) {
	e, err := a.environment(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, toEnvironment(e))
}

func (a *API) listMemberships(w http.ResponseWriter, r *http.Request) {
	listAcross(a, w, r, a.cfg.Model.Memberships, toMembership)
}

func (a *API) listInvitations(w http.ResponseWriter, r *http.Request) {
	listAcross(a, w, r, a.cfg.Model.Invitations, toInvitation)
}

// listAcross answers with what fetch lists in each environment of the
// consortium named by the path, converted by conv.
func listAcross[T, J any](a *API, w http.ResponseWriter, r *http.Request, fetch func(context.Context, string) ([]T, error), conv func(T) J) {
	ctx := r.Context()
	if _, err := a.cfg.Model.Consortium(ctx, r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	es, err := a.cfg.Model.Environments(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := []J{}
	for _, e := range es {
		vs, err := fetch(ctx, e.ID)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		out = append(out, mapList(vs, conv)...)
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// listIn answers with what fetch lists in the environment named by the
// path, converted by conv.
func listIn[T, J any](a *API, w http.ResponseWriter, r *http.Request, fetch func(context.Context, string) ([]T, error), conv func(T) J) {
	e, err := a.environment(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	vs, err := fetch(r.Context(), e.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, mapList(vs, conv))
}

// decodeForMembership decodes the body into req and checks that the
// membership it names (membershipID reads it, after decoding) belongs to
// the environment in the path. On a failure it has answered the error,
// and ok is false.
func (a *API) decodeForMembership(w http.ResponseWriter, r *http.Request, req any, membershipID func() string) (e consortium.Environment, ok bool) {
	if err := decode(w, r, req); err != nil {
		web.Error(w, r, err)
		return e, false
	}
	e, err := a.environment(r)
	if err == nil {
		_, err = a.membershipIn(r.Context(), e, membershipID())
	}
	if err != nil {
		web.Error(w, r, err)
		return e, false
	}
	return e, true
}

func (a *API) createInvitation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		EnvironmentID string  `json:"environment_id"`
		OrgName       string  `json:"org_name"`
		TTLHours      float64 `json:"ttl_hours"`
	}
	if err := decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	ttl := a.cfg.InvitationTTL
	if req.TTLHours < 0 || req.TTLHours > 24*366 {
		web.Error(w, r, fmt.Errorf("%w: ttl_hours %v must be between 0 (the default, %v) and one year", web.ErrBadRequest, req.TTLHours, a.cfg.InvitationTTL))
		return
	}
	if req.TTLHours > 0 {
		ttl = time.Duration(req.TTLHours * float64(time.Hour))
	}
	if req.EnvironmentID == "" {
		web.Error(w, r, fmt.Errorf("%w: environment_id is required", web.ErrBadRequest))
		return
	}
	if _, err := a.cfg.Model.EnvironmentOf(r.Context(), r.PathValue("id"), req.EnvironmentID); err != nil {
		web.Error(w, r, err)
		return
	}
	inv, err := a.cfg.Model.Invite(r.Context(), req.EnvironmentID, req.OrgName, ttl)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := toInvitation(inv)
	out.Token = inv.Token
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusCreated, out)
}

func (a *API) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token        string `json:"token"`
		MembershipID string `json:"membership_id"`
		Owner        string `json:"owner"`
	}
	if err := decode(w, r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	switch {
	case req.Token == "":
		web.Error(w, r, fmt.Errorf("%w: token is required (the invitation's token)", web.ErrBadRequest))
		return
	case !destination.ValidID(req.MembershipID):
		web.Error(w, r, fmt.Errorf("%w: membership_id %q must be 1–64 of A-Z a-z 0-9 - _ . (it names the member in the registry and in destination URIs)", web.ErrBadRequest, req.MembershipID))
		return
	case !common.IsHexAddress(req.Owner) || common.HexToAddress(req.Owner) == (common.Address{}):
		web.Error(w, r, fmt.Errorf("%w: owner %q must be the member's Ethereum address (0x and 40 hex digits), not zero", web.ErrBadRequest, req.Owner))
		return
	}
	ctx := r.Context()
	inv, err := a.cfg.Model.Invitation(ctx, req.Token)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if _, err := a.cfg.Model.EnvironmentOf(ctx, r.PathValue("id"), inv.EnvironmentID); err != nil {
		web.Error(w, r, err)
		return
	}
	m, err := a.cfg.Model.Accept(ctx, req.Token, req.MembershipID, common.HexToAddress(req.Owner).Hex())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, toMembership(m))
}

func (a *API) getMembership(w http.ResponseWriter, r *http.Request) {
	m, err := a.cfg.Model.Membership(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, toMembership(m))
}

func (a *API) listNodes(w http.ResponseWriter, r *http.Request) {
	listIn(a, w, r, a.cfg.Model.Nodes, func(n consortium.Node) nodeJSON { return nodeJSON(n) })
}

func (a *API) createNode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MembershipID string `json:"membership_id"`
		Name         string `json:"name"`
		RPCURL       string `json:"rpc_url"`
	}
	e, ok := a.decodeForMembership(w, r, &req, func() string { return req.MembershipID })
	if !ok {
		return
	}
	n, err := a.cfg.Model.AddNode(r.Context(), e.ID, req.MembershipID, req.Name, req.RPCURL)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, nodeJSON(n))
}

func (a *API) listServices(w http.ResponseWriter, r *http.Request) {
	listIn(a, w, r, a.cfg.Model.Services, func(s consortium.Service) serviceJSON { return serviceJSON(s) })
}

func (a *API) createService(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MembershipID string `json:"membership_id"`
		Kind         string `json:"kind"`
		Name         string `json:"name"`
	}
	e, ok := a.decodeForMembership(w, r, &req, func() string { return req.MembershipID })
	if !ok {
		return
	}
	if req.Kind != "documentstore" && req.Kind != "app2app" {
		web.Error(w, r, fmt.Errorf("%w: kind %q must be documentstore or app2app", web.ErrBadRequest, req.Kind))
		return
	}
	s, err := a.cfg.Model.AddService(r.Context(), e.ID, req.MembershipID, req.Kind, req.Name)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, serviceJSON(s))
}

func (a *API) listAppCreds(w http.ResponseWriter, r *http.Request) {
	listIn(a, w, r, a.cfg.Store.List, func(c auth.Credential) appCredJSON {
		return appCredJSON{Username: c.User, EnvironmentID: c.EnvironmentID, MembershipID: c.Member, Created: ts(c.Created)}
	})
}

func (a *API) createAppCred(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MembershipID string `json:"membership_id"`
	}
	e, ok := a.decodeForMembership(w, r, &req, func() string { return req.MembershipID })
	if !ok {
		return
	}
	user, password, err := a.cfg.Credentials.Create(r.Context(), e.ID, req.MembershipID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusCreated, appCredJSON{Username: user, Password: password, EnvironmentID: e.ID, MembershipID: req.MembershipID, Created: ts(a.cfg.Now())})
}

// appCredIn returns credential user, checked to belong to env; one of
// another environment is reported as not found here.
func (a *API) appCredIn(ctx context.Context, env consortium.Environment, user string) (auth.Credential, error) {
	c, err := a.cfg.Store.Lookup(ctx, user)
	if err != nil || c.EnvironmentID != env.ID {
		if err == nil || errors.Is(err, auth.ErrNotFound) {
			return auth.Credential{}, fmt.Errorf("%w: environment %s has no application credential %q", web.ErrNotFound, env.ID, user)
		}
		return auth.Credential{}, err
	}
	return c, nil
}

func (a *API) rotateAppCred(w http.ResponseWriter, r *http.Request) {
	e, err := a.environment(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	c, err := a.appCredIn(r.Context(), e, r.PathValue("user"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	password, err := a.cfg.Credentials.Rotate(r.Context(), c.User)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusOK, appCredJSON{Username: c.User, Password: password, EnvironmentID: e.ID, MembershipID: c.Member, Created: ts(c.Created)})
}

func (a *API) revokeAppCred(w http.ResponseWriter, r *http.Request) {
	e, err := a.environment(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	c, err := a.appCredIn(r.Context(), e, r.PathValue("user"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := a.cfg.Credentials.Revoke(r.Context(), c.User); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listProofs(w http.ResponseWriter, r *http.Request) {
	ps, err := a.cfg.Model.ProofNonces(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, mapList(ps, toProofRequest))
}

func (a *API) requestProof(w http.ResponseWriter, r *http.Request) {
	p, err := a.cfg.Model.RequestProof(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, toProofRequest(p))
}

// uploadProof verifies the PEM chain of the body for the membership and
// nonce of the path and, when it holds, registers the member.
func (a *API) uploadProof(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m, err := a.cfg.Model.Membership(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	pn, err := a.cfg.Model.ProofNonce(ctx, m.ID, r.PathValue("nonce"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	chainPEM, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxChainBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			web.Error(w, r, fmt.Errorf("%w: the chain exceeds %d bytes", web.ErrTooLarge, maxChainBody))
			return
		}
		web.Error(w, r, fmt.Errorf("%w: reading the chain: %v", web.ErrBadRequest, err))
		return
	}
	if len(strings.TrimSpace(string(chainPEM))) == 0 {
		web.Error(w, r, fmt.Errorf("%w: the body is empty; send the PEM certificate chain, leaf first", web.ErrBadRequest))
		return
	}
	verifier := chain.CryptoVerifier{Roots: a.cfg.Roots, Now: a.cfg.Now}
	id, err := verifier.VerifyIdentity(chainPEM, m.EnvironmentID, pn.Nonce)
	if err != nil {
		web.Error(w, r, fmt.Errorf("%w: identity proof refused: %w (its leaf CN must be %s--<Organization> and the chain valid)", web.ErrBadRequest, err, pn.CNPrefix()))
		return
	}
	certs, _ := crypto.ParseCertificatesPEM(chainPEM) // parsed by the verifier already
	out := proofResultJSON{MembershipID: m.ID, EnvironmentID: m.EnvironmentID, Nonce: pn.Nonce, Owner: m.Owner,
		Organization: id.Organization, SelfSigned: id.SelfSigned, OrganizationUnvouched: id.OrganizationUnvouched,
		LeafSubject: id.LeafSubject, IssuerChain: append([]string{}, id.IssuerChain...), NotAfter: ts(certs[0].NotAfter)}
	reg := a.cfg.Registry
	switch {
	case reg == nil:
		web.Error(w, r, fmt.Errorf("%w: the proof verifies, but this node has no registry to register members in", web.ErrUnavailable))
		return
	case reg.EnvironmentID() != m.EnvironmentID:
		web.Error(w, r, fmt.Errorf("%w: the proof verifies, but this node registers members of environment %s, not %s: upload it to a node of that environment",
			web.ErrConflict, reg.EnvironmentID(), m.EnvironmentID))
		return
	}
	_, err = reg.WithIdentity(verifier, a.cfg.Model.ProofNonceConsumer()).Register(ctx, chain.Registration{
		Name: m.ID, Owner: common.HexToAddress(m.Owner), ProofPEM: chainPEM, Nonce: pn.Nonce})
	if err != nil {
		if errors.Is(err, chain.ErrIdentityRejected) {
			err = fmt.Errorf("%w: %w", web.ErrConflict, err) // verified above: the nonce was taken meanwhile
		}
		web.Error(w, r, err)
		return
	}
	out.Registered = true
	web.WriteJSON(w, http.StatusCreated, out)
}
