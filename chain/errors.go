package chain

import "github.com/consign/consign/internal/errkind"

// Sentinel errors. Every error returned by this package that has one of
// these causes satisfies errors.Is(err, ErrXxx). Errors about
// destinations (unknown, malformed URI, unusable certificate) wrap the
// destination package's sentinels.
var (
	// ErrUnknownMember: the registry has no member of that name.
	ErrUnknownMember = errkind.New(errkind.NotFound, "unknown member")
	// ErrSuspended: the member is suspended; its certificates are not to be used.
	ErrSuspended = errkind.New(errkind.Forbidden, "member suspended")
	// ErrMemberExists: a member of that name (or with that owner) is already registered.
	ErrMemberExists = errkind.New(errkind.Exists, "member already registered")
	// ErrNotOwner: the signer does not own the member whose profile it tried to change.
	ErrNotOwner = errkind.New(errkind.Forbidden, "signer is not the member's owner")
	// ErrNotAdmin: the signer is not a registry admin.
	ErrNotAdmin = errkind.New(errkind.Forbidden, "signer is not a registry admin")
	// ErrIdentityRejected: the identity proof failed validation (wrong nonce,
	// other environment, broken or forged chain, expired).
	ErrIdentityRejected = errkind.New(errkind.Unauthorized, "identity proof rejected")
	// ErrCrossEnvironment: the URI, proof or record belongs to another environment.
	ErrCrossEnvironment = errkind.New(errkind.Forbidden, "belongs to another environment")
	// ErrNotPinned: the hash has never been pinned.
	ErrNotPinned = errkind.New(errkind.NotFound, "hash not pinned")
	// ErrBadArgument: the contract refused an argument (empty name, zero hash, ...).
	ErrBadArgument = errkind.New(errkind.Invalid, "invalid argument")
	// ErrReverted: a transaction was mined but failed.
	ErrReverted = errkind.New(errkind.Conflict, "transaction reverted")
	// ErrNoSigner: a write was attempted on a read-only client.
	ErrNoSigner = errkind.New(errkind.Internal, "no signer configured")
	// ErrNoContract: there is no contract code at the configured address.
	ErrNoContract = errkind.New(errkind.Unavailable, "no contract at address")
)
