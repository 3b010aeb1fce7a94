package docstore

import "github.com/consign/consign/internal/errkind"

// Sentinel errors. Methods wrap them with an operation prefix and a
// message saying what was wrong (`docstore: upload "a/b.pdf": already
// exists: …`); callers test with errors.Is. The web layer maps each to
// one HTTP status.
var (
	// ErrNotFound means there is no document or folder at that path.
	ErrNotFound = errkind.New(errkind.NotFound, "not found")
	// ErrExists is returned when a create-only write finds a document at the path.
	ErrExists = errkind.New(errkind.Exists, "already exists")
	// ErrIsFolder means the path names a folder where a document is needed.
	ErrIsFolder = errkind.New(errkind.Conflict, "is a folder")
	// ErrNotFolder means the path, or a folder above it, is a document where a
	// folder is needed.
	ErrNotFolder = errkind.New(errkind.Conflict, "is a document, not a folder")
	// ErrInvalidPath is returned for a path that is malformed or tries to leave the space.
	ErrInvalidPath = errkind.New(errkind.Invalid, "invalid path")
	// ErrInvalidArgument is returned when another request value is unusable (offset,
	// limit, query, preference key or value).
	ErrInvalidArgument = errkind.New(errkind.Invalid, "invalid argument")
	// ErrIncomplete means the content stream failed or ended early (a
	// truncated or malformed upload); nothing was stored.
	ErrIncomplete = errkind.New(errkind.Invalid, "upload incomplete")
	// ErrChanged means the document was replaced, by other means, while it was
	// being read; retry.
	ErrChanged = errkind.New(errkind.Conflict, "changed while being read")

	// Transfers.

	// ErrRecipientUnusable means the recipient's certificate cannot be used
	// now (expired, not yet valid, member suspended, unsupported key).
	ErrRecipientUnusable = errkind.New(errkind.Conflict, "recipient certificate unusable")
	// ErrUnknownTransfer means there is no transfer of that id in the member's log.
	ErrUnknownTransfer = errkind.New(errkind.NotFound, "unknown transfer")
	// ErrTransfersClosed is returned once the transfer service is closed.
	ErrTransfersClosed = errkind.New(errkind.Unavailable, "transfers closed")
)
