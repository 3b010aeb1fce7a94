// Package errkind classifies errors by what went wrong, not by which
// package noticed it, in the manner of upspin's errors.Kind and
// go-cloud's gcerrors.ErrorCode.
//
// A lower package declares its sentinels with New, so that each carries
// a Kind:
//
//	var ErrNotFound = errkind.New(errkind.NotFound, "docstore: not found")
//
// Callers keep testing identity with errors.Is(err, docstore.ErrNotFound);
// the HTTP layer asks Of(err) for the kind and maps kinds, not sentinels,
// to statuses. An error that carries no kind anywhere in its chain is
// Internal: a new sentinel that forgets its kind shows up as a 500 in the
// tests that walk every exported error, never silently in production.
package errkind

import (
	"context"
	"errors"
)

// Kind says what class of failure an error is.
type Kind uint8

// The kinds. The zero value, Internal, is what an unclassified error is.
const (
	Internal     Kind = iota // a fault of this node or a part below it
	Invalid                  // the request or its input is malformed or refused as bad
	NotFound                 // the named thing does not exist
	Exists                   // the thing to create is already there
	Conflict                 // the request clashes with the current state
	Unauthorized             // no or wrong credentials
	Forbidden                // authenticated, but not allowed to do this
	TooLarge                 // the input exceeds a configured limit
	RateLimited              // too many requests; retry later
	Unavailable              // a part is closed, starting, or unreachable; retry later
	Timeout                  // the operation ran out of time
	Integrity                // a signature, hash or authentication tag does not verify
	Canceled                 // the caller went away
)

var names = [...]string{
	Internal:     "internal",
	Invalid:      "invalid",
	NotFound:     "not found",
	Exists:       "exists",
	Conflict:     "conflict",
	Unauthorized: "unauthorized",
	Forbidden:    "forbidden",
	TooLarge:     "too large",
	RateLimited:  "rate limited",
	Unavailable:  "unavailable",
	Timeout:      "timeout",
	Integrity:    "integrity",
	Canceled:     "canceled",
}

// Kinds lists every kind, for tables that must cover them all.
func Kinds() []Kind {
	out := make([]Kind, len(names))
	for i := range names {
		out[i] = Kind(i)
	}
	return out
}

func (k Kind) String() string {
	if int(k) < len(names) {
		return names[k]
	}
	return "unknown"
}

// Kinder is implemented by errors that carry a kind.
type Kinder interface {
	error
	Kind() Kind
}

type kindError struct {
	kind Kind
	msg  string
	err  error // optional wrapped cause
}

func (e *kindError) Error() string {
	switch {
	case e.err == nil:
		return e.msg
	case e.msg == "":
		return e.err.Error()
	default:
		return e.msg + ": " + e.err.Error()
	}
}

func (e *kindError) Kind() Kind    { return e.kind }
func (e *kindError) Unwrap() error { return e.err }

// New returns a sentinel error with the given kind and message. Like
// errors.New, each call returns a distinct error.
func New(k Kind, msg string) error { return &kindError{kind: k, msg: msg} }

// Wrap returns err with kind k attached; errors.Is and errors.As still
// see err. Wrap(k, nil) is nil.
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &kindError{kind: k, err: err}
}

// Of returns the kind of err: that of the outermost error in its chain
// that carries one. Context errors and a few standard ones are classified
// without being wrapped. Of(nil) is Internal, as is any unclassified
// error.
func Of(err error) Kind {
	if err == nil {
		return Internal
	}
	var k Kinder
	if errors.As(err, &k) {
		return k.Kind()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return Timeout
	case errors.Is(err, context.Canceled):
		return Canceled
	}
	return Internal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && Of(err) == k }
