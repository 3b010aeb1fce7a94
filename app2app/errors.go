package app2app

import "github.com/consign/consign/internal/errkind"

// Sentinel errors. Every error the package returns to a caller wraps one of
// these (or a sentinel of destination, crypto, chain or messaging) behind an operation
// prefix; test with errors.Is.
var (
	// ErrBadRequest reports a malformed event or request (missing field, wrong
	// type, bad name or kind).
	ErrBadRequest = errkind.New(errkind.Invalid, "bad request")
	// ErrNameTaken means the member already has a destination of that name; pick another name.
	ErrNameTaken = errkind.New(errkind.Exists, "destination name taken")
	// ErrManaged is returned for an operation meant only for externally managed destinations.
	ErrManaged = errkind.New(errkind.Conflict, "destination is managed by the node")
	// ErrNotHosted means the caller's member is not served by this node.
	ErrNotHosted = errkind.New(errkind.Forbidden, "member not served by this node")
	// ErrTooLarge is returned when a message exceeds the size limits; send less.
	ErrTooLarge = errkind.New(errkind.TooLarge, "message too large")
	// ErrBadSignature is returned when a client's signature does not verify, or is missing
	// where one is required.
	ErrBadSignature = errkind.New(errkind.Integrity, "bad or missing signature")
	// ErrClosed is returned once the service is shutting down.
	ErrClosed = errkind.New(errkind.Unavailable, "app2app service closed")
)
