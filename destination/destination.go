// Package destination is the one home of destinations: the URI that
// names one (a member's endpoint of a service kind, in an environment),
// its kinds, its parsing, the registry profile key naming the node that
// serves a member, and the errors every part returns about destinations.
//
// A URI travels inside Consign as a URI value; strings become URIs at the
// edge (HTTP and socket.io requests, configuration, records decoded from
// the transport or the database), where a parse error is answered or
// recorded, never dropped.
//
// The package imports nothing of the project but internal/errkind, so
// chain, app2app, docstore and web all can.
package destination

import "github.com/consign/consign/internal/errkind"

// Destination kinds: the service kind segment of a URI.
const (
	// KindApp2App is an app-to-app messaging destination.
	KindApp2App = "app2app"
	// KindDocumentStore is a document store destination, the end of
	// document transfers.
	KindDocumentStore = "documentstore"
)

// NodeProfileKey is the registry profile key naming the node (and so the
// inbox topic) that serves a member; absent means the member name.
const NodeProfileKey = "consign-node"

// Sentinel errors. Every part that reports one of these wraps it behind
// its own operation prefix; test with errors.Is.
var (
	// ErrBadURI means the string is not a destination URI.
	ErrBadURI = errkind.New(errkind.Invalid, "malformed destination URI")
	// ErrUnknownDestination means there is no such destination (not in the registry,
	// or not held by this node).
	ErrUnknownDestination = errkind.New(errkind.NotFound, "unknown destination")
	// ErrForeignDestination means the destination exists but belongs to
	// another member or node than the caller's, or is not of the kind
	// the operation needs.
	ErrForeignDestination = errkind.New(errkind.Forbidden, "destination belongs to another member or node")
	// ErrBadCertificate means a destination certificate is unusable
	// (unparseable, not one PEM certificate, wrong CN, expired, key type,
	// key not the certificate's).
	ErrBadCertificate = errkind.New(errkind.Invalid, "unusable destination certificate")
)
