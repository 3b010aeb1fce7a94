package app2app

import "github.com/consign/consign/internal/errkind"

// Sentinel errors. Every error the package returns to a caller wraps one of
// these (or a sentinel of crypto, chain or messaging) behind an operation
// prefix; test with errors.Is.
var (
	// ErrBadRequest: a malformed event or request (missing field, wrong
	// type, bad name or kind).
	ErrBadRequest = errkind.New(errkind.Invalid, "bad request")
	// ErrUnknownDestination: no such destination (not in the registry, or
	// not on this node).
	ErrUnknownDestination = errkind.New(errkind.NotFound, "unknown destination")
	// ErrForeignDestination: the destination exists but belongs to another
	// member or another node than the caller's.
	ErrForeignDestination = errkind.New(errkind.Forbidden, "destination belongs to another member or node")
	// ErrNameTaken: the member already has a destination of that name.
	ErrNameTaken = errkind.New(errkind.Exists, "destination name taken")
	// ErrBadCertificate: a certificate offered for an externally managed
	// destination is unusable (unparseable, wrong CN, expired, key type).
	ErrBadCertificate = errkind.New(errkind.Invalid, "unusable destination certificate")
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
