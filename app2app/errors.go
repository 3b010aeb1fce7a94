package app2app

import "github.com/consign/consign/internal/errkind"

// Sentinel errors. Every error the package returns to a caller wraps one of
// these (or a sentinel of destination, crypto, chain or messaging) behind an operation
// prefix; test with errors.Is.
var (
	// ErrBadRequest: a malformed event or request (missing field, wrong
	// type, bad name or kind).
	ErrBadRequest = errkind.New(errkind.Invalid, "bad request")
	// ErrNameTaken: the member already has a destination of that name.
	ErrNameTaken = errkind.New(errkind.Exists, "destination name taken")
	// ErrManaged: the operation is only for externally managed destinations.
	ErrManaged = errkind.New(errkind.Conflict, "destination is managed by the node")
	// ErrNotHosted: the caller's member is not served by this node.
	ErrNotHosted = errkind.New(errkind.Forbidden, "member not served by this node")
	// ErrTooLarge: a message exceeds the size limits.
	ErrTooLarge = errkind.New(errkind.TooLarge, "message too large")
	// ErrBadSignature: a client's signature does not verify, or is missing
	// where one is required.
	ErrBadSignature = errkind.New(errkind.Integrity, "bad or missing signature")
	// ErrClosed: the service is shutting down.
	ErrClosed = errkind.New(errkind.Unavailable, "app2app service closed")
)
