package app2app

import "errors"

// Sentinel errors. Every error the package returns to a caller wraps one of
// these (or a sentinel of destination, crypto, chain or messaging) behind an operation
// prefix; test with errors.Is.
var (
	// ErrBadRequest: a malformed event or request (missing field, wrong
	// type, bad name or kind).
	ErrBadRequest = errors.New("bad request")
	// ErrNameTaken: the member already has a destination of that name.
	ErrNameTaken = errors.New("destination name taken")
	// ErrManaged: the operation is only for externally managed destinations.
	ErrManaged = errors.New("destination is managed by the node")
	// ErrNotHosted: the caller's member is not served by this node.
	ErrNotHosted = errors.New("member not served by this node")
	// ErrTooLarge: a message exceeds the size limits.
	ErrTooLarge = errors.New("message too large")
	// ErrBadSignature: a client's signature does not verify, or is missing
	// where one is required.
	ErrBadSignature = errors.New("bad or missing signature")
	// ErrClosed: the service is shutting down.
	ErrClosed = errors.New("app2app service closed")
)
