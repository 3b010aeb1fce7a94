// Package auth keeps the application credentials that clients present to
// a Consign node with HTTP Basic auth, and checks them.
//
// A credential is a random user name and a random password issued once to
// one member of one environment. The node never stores the password: it
// keeps a salted argon2id hash in the PHC string form
// ($argon2id$v=19$m=65536,t=1,p=2$<salt>$<key>), each credential with its
// own random 16-byte salt, so a stolen credential table does not reveal a
// usable secret and the cost parameters can change later without breaking
// old hashes. A presented password is hashed with the stored salt and
// parameters and compared with crypto/subtle in constant time.
//
// Hashing with 64 MiB of memory on every request would make a busy client
// expensive and would let a flood of requests exhaust memory. Credentials
// therefore (1) remembers a successful check for a short time (one minute
// by default), indexed by an HMAC-SHA256 of user and password under a
// random key that lives only in process memory, so the cache holds no
// password and no unsalted hash of one; and (2) bounds how many argon2id
// computations run at once. Revoke drops the user's cached entries on the
// node that revokes. A remembered check is trusted without asking the
// store for only a few seconds (RecheckAfter, one second by default);
// after that, a cheap store lookup confirms that the credential still
// exists with the same hash before the cached answer is used again. So
// every node sharing the store (the nodes of a scaled-out member share
// its metadata database) refuses a revoked or rotated credential within
// RecheckAfter, without hashing again on every request. An unknown user costs the same hash as a known one,
// so timing does not tell which user names exist.
//
// A Principal says who a credential belongs to. The check that a
// credential is only honoured by a node serving its environment is made
// by the caller (the web layer), which knows which environment it serves;
// Principal.Allowed makes it.
//
// Stores: MemoryStore for tests and throw-away nodes, SQLStore for a
// database/sql handle (SQLite or PostgreSQL).
package auth

import (
	"context"
	"time"

	"github.com/consign/consign/internal/errkind"
)

// Sentinel errors. Errors returned by this package wrap one of them.
var (
	// ErrBadCredentials means the user is unknown or the password is wrong.
	// Deliberately the same error for both.
	ErrBadCredentials = errkind.New(errkind.Unauthorized, "invalid credentials")
	// ErrWrongEnvironment means the credential is valid but belongs to another
	// environment than the one the node serves.
	ErrWrongEnvironment = errkind.New(errkind.Unauthorized, "credential belongs to another environment")
	// ErrNotFound means no credential has that user name (store operations).
	ErrNotFound = errkind.New(errkind.NotFound, "credential not found")
	// ErrExists is returned when a credential with that user name is already stored.
	ErrExists = errkind.New(errkind.Exists, "credential already exists")
	// ErrInvalid reports malformed input (empty environment, bad hash string, …).
	ErrInvalid = errkind.New(errkind.Invalid, "invalid credential data")
)

// Principal identifies the holder of a verified credential.
type Principal struct {
	User          string // the credential's user name
	EnvironmentID string // the environment the credential belongs to
	Member        string // the member (organization) it was issued to
}

// Allowed reports whether the principal may act on a node serving
// environmentID. It returns nil or an error wrapping ErrWrongEnvironment.
func (p Principal) Allowed(environmentID string) error {
	if p.EnvironmentID != environmentID {
		return ErrWrongEnvironment
	}
	return nil
}

// Verifier checks a user name and password. Verify returns the principal
// for a valid credential; for an unknown user or a wrong password it
// returns an error wrapping ErrBadCredentials. Other errors (a store
// outage, a cancelled ctx) are returned as they are.
type Verifier interface {
	Verify(ctx context.Context, user, password string) (Principal, error)
}

// Credential is a stored application credential.
type Credential struct {
	User          string
	EnvironmentID string
	Member        string
	Hash          string // argon2id hash in PHC string form
	Created       time.Time
}

// Store persists credentials. Implementations are safe for concurrent use.
//
//   - Insert stores c; if c.User is taken it returns an error wrapping
//     ErrExists and changes nothing.
//   - Lookup returns the credential of user, or an error wrapping
//     ErrNotFound.
//   - Delete removes it, or returns an error wrapping ErrNotFound.
//   - SetHash replaces the hash of user's credential (a rotation), or
//     returns an error wrapping ErrNotFound; a malformed hash is refused
//     with ErrInvalid and nothing changes.
//   - List returns the credentials of one environment, oldest first.
type Store interface {
	Insert(ctx context.Context, c Credential) error
	Lookup(ctx context.Context, user string) (Credential, error)
	Delete(ctx context.Context, user string) error
	SetHash(ctx context.Context, user, hash string) error
	List(ctx context.Context, environmentID string) ([]Credential, error)
}
