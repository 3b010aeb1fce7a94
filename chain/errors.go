package chain

import "github.com/consign/consign/internal/errkind"

// Sentinel errors. Every error returned by this package that has one of
// these causes satisfies errors.Is(err, ErrXxx). Errors about
// destinations (unknown, malformed URI, unusable certificate) wrap the
// destination package's sentinels.
var (
	// ErrUnknownMember means the registry has no member of that name.
	ErrUnknownMember = errkind.New(errkind.NotFound, "unknown member")
	// ErrSuspended means the member is suspended: its certificates are not to be used.
	ErrSuspended = errkind.New(errkind.Forbidden, "member suspended")
	// ErrMemberExists is returned when a member of that name (or with that owner) is already registered.
	ErrMemberExists = errkind.New(errkind.Exists, "member already registered")
	// ErrNotOwner means the signer does not own the member whose profile it tried to change.
	ErrNotOwner = errkind.New(errkind.Forbidden, "signer is not the member's owner")
	// ErrNotAdmin means the signer is not a registry admin.
	ErrNotAdmin = errkind.New(errkind.Forbidden, "signer is not a registry admin")
	// ErrIdentityRejected is returned when the identity proof fails validation (wrong nonce,
	// other environment, broken or forged chain, expired).
	ErrIdentityRejected = errkind.New(errkind.Unauthorized, "identity proof rejected")
	// ErrCrossEnvironment means the URI, proof or record belongs to another environment.
	ErrCrossEnvironment = errkind.New(errkind.Forbidden, "belongs to another environment")
	// ErrNotPinned means the hash has never been pinned.
	ErrNotPinned = errkind.New(errkind.NotFound, "hash not pinned")
	// ErrBadArgument is returned when the contract refuses an argument (empty name, zero hash, ...).
	ErrBadArgument = errkind.New(errkind.Invalid, "invalid argument")
	// ErrReverted means a transaction was mined but failed.
	ErrReverted = errkind.New(errkind.Conflict, "transaction reverted")
	// ErrNoSigner is returned for a write attempted on a read-only client.
	ErrNoSigner = errkind.New(errkind.Internal, "no signer configured")
	// ErrNoContract means there is no contract code at the configured address: check the address and the network.
	ErrNoContract = errkind.New(errkind.Unavailable, "no contract at address")
)
