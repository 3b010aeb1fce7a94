package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/consign/consign/internal/auth"
)

type principalKey struct{}

// PrincipalFrom returns the authenticated caller of a request handled by
// a route registered with Server.Handle.
func PrincipalFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(auth.Principal)
	return p, ok
}

// rateLimitedError carries the wait for a Retry-After header.
type rateLimitedError struct{ wait time.Duration }

func (e *rateLimitedError) Error() string {
	return fmt.Sprintf("%s with this user name from this address; retry in %d s", ErrTooManyRequests, e.retryAfter())
}
func (e *rateLimitedError) Unwrap() error { return ErrTooManyRequests }
func (e *rateLimitedError) retryAfter() int {
	return max(1, int(math.Ceil(e.wait.Seconds())))
}

// check authenticates user and password presented from client address
// ip for this node's environment. Failures count against the (ip, user)
// limit; a pair over its limit is refused without checking, and other
// users of ip are not affected.
func (s *Server) check(ctx context.Context, ip, user, password string) (auth.Principal, error) {
	if blocked, wait := s.limiter.blocked(ip, user); blocked {
		return auth.Principal{}, &rateLimitedError{wait: wait}
	}
	p, err := s.verifier.Verify(ctx, user, password)
	if err == nil {
		err = p.Allowed(s.cfg.EnvironmentID)
	}
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, auth.ErrBadCredentials):
		s.limiter.fail(ip, user)
		return auth.Principal{}, fmt.Errorf("%w: %w: check the user name and password of your application credential", ErrUnauthorized, auth.ErrBadCredentials)
	case errors.Is(err, auth.ErrWrongEnvironment):
		s.limiter.fail(ip, user)
		return auth.Principal{}, fmt.Errorf("%w: the credential is not valid for environment %s", ErrUnauthorized, s.cfg.EnvironmentID)
	default:
		return auth.Principal{}, fmt.Errorf("%w: checking credentials: %w", ErrUnavailable, err)
	}
}

// authenticate requires HTTP Basic credentials of this environment, or
// a console session (session.go).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := s.clientAddr(r.RemoteAddr, r.Header)
		user, password, ok := r.BasicAuth()
		if !ok {
			if p, found, err := s.sessionPrincipal(r); found {
				if err != nil {
					s.refuse(w, r, err)
					return
				}
				next.ServeHTTP(w, withPrincipal(r, p))
				return
			}
			s.refuse(w, r, fmt.Errorf("%w: send HTTP Basic credentials (Authorization: Basic base64(user:password)) of an application credential", ErrUnauthorized))
			return
		}
		p, err := s.check(r.Context(), ip, user, password)
		if err != nil {
			s.refuse(w, r, err)
			return
		}
		s.events.credentialUsed(p.Member, p.User, r.Method, r.URL.Path)
		next.ServeHTTP(w, withPrincipal(r, p))
	})
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	var rl *rateLimitedError
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(rl.retryAfter()))
	}
	if StatusFor(err) == http.StatusUnauthorized && !fromConsole(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="consign", charset="UTF-8"`)
	}
	Error(w, r, err)
}
