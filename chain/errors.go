package chain

import "errors"

// Sentinel errors. Every error returned by this package that has one of
// these causes satisfies errors.Is(err, ErrXxx). Errors about
// destinations (unknown, malformed URI, unusable certificate) wrap the
// destination package's sentinels.
var (
	// ErrUnknownMember: the registry has no member of that name.
	ErrUnknownMember = errors.New("unknown member")
	// ErrSuspended: the member is suspended; its certificates are not to be used.
	ErrSuspended = errors.New("member suspended")
	// ErrMemberExists: a member of that name (or with that owner) is already registered.
	ErrMemberExists = errors.New("member already registered")
	// ErrNotOwner: the signer does not own the member whose profile it tried to change.
	ErrNotOwner = errors.New("signer is not the member's owner")
	// ErrNotAdmin: the signer is not a registry admin.
	ErrNotAdmin = errors.New("signer is not a registry admin")
	// ErrIdentityRejected: the identity proof failed validation (wrong nonce,
	// other environment, broken or forged chain, expired).
	ErrIdentityRejected = errors.New("identity proof rejected")
	// ErrCrossEnvironment: the URI, proof or record belongs to another environment.
	ErrCrossEnvironment = errors.New("belongs to another environment")
	// ErrNotPinned: the hash has never been pinned.
	ErrNotPinned = errors.New("hash not pinned")
	// ErrBadArgument: the contract refused an argument (empty name, zero hash, ...).
	ErrBadArgument = errors.New("invalid argument")
	// ErrReverted: a transaction was mined but failed.
	ErrReverted = errors.New("transaction reverted")
	// ErrNoSigner: a write was attempted on a read-only client.
	ErrNoSigner = errors.New("no signer configured")
	// ErrNoContract: there is no contract code at the configured address.
	ErrNoContract = errors.New("no contract at address")
)
