package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/consign/consign/internal/auth"
)

// Operator routes are the management API's (docs/admin.md): they are
// authenticated with an operator credential, checked by a verifier of
// their own, never with an application credential. An application
// credential presented on an operator route gets 401, and an operator
// credential on an application route gets 401 too: the two are kept in
// different stores, so neither is ever the other.

type operatorKey struct{}

// OperatorFrom returns the operator who made a request handled by a
// route registered with HandleOperator.
func OperatorFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(operatorKey{}).(auth.Principal)
	return p, ok
}

// SetOperators sets the verifier of operator credentials. Until it is
// called, operator routes answer 503.
func (s *Server) SetOperators(v auth.Verifier) {
	s.opsMu.Lock()
	s.operators = v
	s.opsMu.Unlock()
}

// HandleOperator registers a route of the management API, authenticated
// with an operator credential. Its patterns must not overlap the
// application routes'.
func (s *Server) HandleOperator(pattern string, h http.Handler) {
	s.ops.Handle(pattern, h)
	s.patternsMu.Lock()
	s.patterns = append(s.patterns, pattern)
	s.patternsMu.Unlock()
}

// HandleOperatorFunc is HandleOperator for a function.
func (s *Server) HandleOperatorFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	s.HandleOperator(pattern, http.HandlerFunc(h))
}

// isOperatorRoute reports whether r is for an operator route.
func (s *Server) isOperatorRoute(r *http.Request) bool {
	_, pattern := s.ops.Handler(r)
	return pattern != ""
}

// serveOperator authenticates an operator credential and serves r from
// the operator routes.
func (s *Server) serveOperator(w http.ResponseWriter, r *http.Request) {
	s.opsMu.Lock()
	v := s.operators
	s.opsMu.Unlock()
	if v == nil {
		Error(w, r, fmt.Errorf("%w: this node has no operator credentials configured (docs/admin.md)", ErrUnavailable))
		return
	}
	user, password, ok := r.BasicAuth()
	if !ok {
		s.refuse(w, r, fmt.Errorf("%w: the management API needs HTTP Basic credentials of an operator credential (not an application credential)", ErrUnauthorized))
		return
	}
	ip := s.clientAddr(r.RemoteAddr, r.Header)
	if blocked, wait := s.opsLimiter.blocked(ip, user); blocked {
		s.refuse(w, r, &rateLimitedError{wait: wait})
		return
	}
	p, err := v.Verify(r.Context(), user, password)
	switch {
	case err == nil:
	case errors.Is(err, auth.ErrBadCredentials):
		s.opsLimiter.fail(ip, user)
		s.refuse(w, r, fmt.Errorf("%w: not an operator credential: the management API takes operator credentials only (an application credential is refused here)", ErrUnauthorized))
		return
	default:
		Error(w, r, fmt.Errorf("%w: checking operator credentials: %w", ErrUnavailable, err))
		return
	}
	s.ops.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), operatorKey{}, p)))
}
