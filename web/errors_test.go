package web

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/chain/consortium"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/errkind"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/embedded"
	"github.com/consign/consign/storage"
)

// sentinelPackages are the packages whose errors web's handlers can
// return, as directories relative to web/ and the name their sentinels
// go by in sentinels below. A package that moves changes its row here,
// its import above and nothing else.
var sentinelPackages = []struct{ dir, name string }{
	{"../docstore", "docstore"},
	{"../app2app", "app2app"},
	{"../destination", "destination"},
	{"../chain", "chain"},
	{"../chain/consortium", "consortium"},
	{"../crypto", "crypto"},
	{"../messaging", "messaging"},
	{"../messaging/embedded", "embedded"},
	{"../internal/auth", "auth"},
	{"../internal/metadb", "metadb"},
	{"../storage", "storage"},
	{".", "web"},
}

// sentinels holds the value of every exported Err* variable of
// sentinelPackages. TestSentinelsKinded parses the packages' source, so a
// sentinel missing here fails it: add the new one here, with its kind
// declared where it is (errkind.New).
var sentinels = map[string]error{
	"docstore.ErrNotFound": docstore.ErrNotFound, "docstore.ErrExists": docstore.ErrExists,
	"docstore.ErrIsFolder": docstore.ErrIsFolder, "docstore.ErrNotFolder": docstore.ErrNotFolder,
	"docstore.ErrInvalidPath": docstore.ErrInvalidPath, "docstore.ErrInvalidArgument": docstore.ErrInvalidArgument,
	"docstore.ErrIncomplete": docstore.ErrIncomplete, "docstore.ErrChanged": docstore.ErrChanged,
	"docstore.ErrRecipientUnusable": docstore.ErrRecipientUnusable, "docstore.ErrUnknownTransfer": docstore.ErrUnknownTransfer,
	"docstore.ErrTransfersClosed": docstore.ErrTransfersClosed,

	"app2app.ErrBadRequest": app2app.ErrBadRequest, "app2app.ErrNameTaken": app2app.ErrNameTaken,
	"app2app.ErrManaged":   app2app.ErrManaged,
	"app2app.ErrNotHosted": app2app.ErrNotHosted, "app2app.ErrTooLarge": app2app.ErrTooLarge,
	"app2app.ErrBadSignature": app2app.ErrBadSignature, "app2app.ErrClosed": app2app.ErrClosed,

	"chain.ErrUnknownMember": chain.ErrUnknownMember,
	"chain.ErrSuspended":     chain.ErrSuspended, "chain.ErrMemberExists": chain.ErrMemberExists,
	"chain.ErrNotOwner": chain.ErrNotOwner, "chain.ErrNotAdmin": chain.ErrNotAdmin,
	"chain.ErrIdentityRejected": chain.ErrIdentityRejected, "chain.ErrCrossEnvironment": chain.ErrCrossEnvironment,
	"chain.ErrNotPinned": chain.ErrNotPinned, "chain.ErrBadArgument": chain.ErrBadArgument,
	"chain.ErrReverted": chain.ErrReverted, "chain.ErrNoSigner": chain.ErrNoSigner,
	"chain.ErrNoContract": chain.ErrNoContract,

	"consortium.ErrNotFound": consortium.ErrNotFound, "consortium.ErrExists": consortium.ErrExists,
	"consortium.ErrCrossEnvironment": consortium.ErrCrossEnvironment, "consortium.ErrInvitationUsed": consortium.ErrInvitationUsed,
	"consortium.ErrInvitationExpired": consortium.ErrInvitationExpired, "consortium.ErrInvalid": consortium.ErrInvalid,

	"crypto.ErrBadSignature": crypto.ErrBadSignature, "crypto.ErrWrongSigner": crypto.ErrWrongSigner,
	"crypto.ErrUnsigned": crypto.ErrUnsigned, "crypto.ErrExpired": crypto.ErrExpired,
	"crypto.ErrUnsupportedKey": crypto.ErrUnsupportedKey, "crypto.ErrWrongName": crypto.ErrWrongName,
	"crypto.ErrBadPEM": crypto.ErrBadPEM, "crypto.ErrNotRecipient": crypto.ErrNotRecipient,
	"crypto.ErrMalformed": crypto.ErrMalformed, "crypto.ErrTampered": crypto.ErrTampered,
	"crypto.ErrTruncated": crypto.ErrTruncated, "crypto.ErrTrailingData": crypto.ErrTrailingData,
	"crypto.ErrReplay": crypto.ErrReplay, "crypto.ErrSessionState": crypto.ErrSessionState,
	"crypto.ErrBadChain": crypto.ErrBadChain, "crypto.ErrBadNonce": crypto.ErrBadNonce,
	"crypto.ErrWrongEnvironment": crypto.ErrWrongEnvironment, "crypto.ErrRevoked": crypto.ErrRevoked,

	"messaging.ErrTooLarge": messaging.ErrTooLarge, "messaging.ErrUnknownTopic": messaging.ErrUnknownTopic,
	"messaging.ErrBadTopic": messaging.ErrBadTopic, "messaging.ErrBadGroup": messaging.ErrBadGroup,
	"messaging.ErrClosed": messaging.ErrClosed, "embedded.ErrLocked": embedded.ErrLocked,

	"auth.ErrBadCredentials": auth.ErrBadCredentials, "auth.ErrWrongEnvironment": auth.ErrWrongEnvironment,
	"auth.ErrNotFound": auth.ErrNotFound, "auth.ErrExists": auth.ErrExists, "auth.ErrInvalid": auth.ErrInvalid,
	"metadb.ErrUnsupportedDriver": metadb.ErrUnsupportedDriver,

	"storage.ErrNotFound": storage.ErrNotFound, "storage.ErrInvalidKey": storage.ErrInvalidKey,
	"storage.ErrInvalidRange": storage.ErrInvalidRange, "storage.ErrClosed": storage.ErrClosed,

	"destination.ErrBadURI": destination.ErrBadURI, "destination.ErrUnknownDestination": destination.ErrUnknownDestination,
	"destination.ErrForeignDestination": destination.ErrForeignDestination, "destination.ErrBadCertificate": destination.ErrBadCertificate,

	"web.ErrBadRequest": ErrBadRequest, "web.ErrUnauthorized": ErrUnauthorized, "web.ErrForbidden": ErrForbidden,
	"web.ErrNotFound": ErrNotFound, "web.ErrMethod": ErrMethod, "web.ErrConflict": ErrConflict,
	"web.ErrTooLarge": ErrTooLarge, "web.ErrTooManyRequests": ErrTooManyRequests, "web.ErrUnavailable": ErrUnavailable,
	"web.ErrSendStuck":        ErrSendStuck,
	"web.ErrUploadsPerMember": ErrUploadsPerMember, "web.ErrUploadsTotal": ErrUploadsTotal, "web.ErrBodyIdle": ErrBodyIdle,
}

// deliberatelyInternal are sentinels whose 500 is meant: a fault of the
// node's own setup, not of the request.
var deliberatelyInternal = map[string]bool{
	"chain.ErrNoSigner": true, // a write through a read-only chain client
}

// notYetKinded are sentinels that get their kind where they move or are
// owned: chain's destination errors go to package destination, storage
// declares its own kinds. Each row is to be deleted once that lands.
var notYetKinded = map[string]bool{}

// exportedSentinels returns pkg.ErrX for every exported package-level
// variable named Err* in the non-test Go files of dir.
func exportedSentinels(t *testing.T, dir, pkg string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no Go files (%v); is sentinelPackages up to date?", dir, err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					if strings.HasPrefix(id.Name, "Err") && id.IsExported() {
						names = append(names, pkg+"."+id.Name)
					}
				}
			}
		}
	}
	return names
}

// Every exported sentinel of the packages below web carries a kind, so
// that an error a handler returns maps to a deliberate status; a new
// sentinel without one fails here rather than as a 500 in production.
func TestSentinelsKinded(t *testing.T) {
	found := map[string]bool{}
	for _, p := range sentinelPackages {
		for _, name := range exportedSentinels(t, p.dir, p.name) {
			found[name] = true
			err, ok := sentinels[name]
			switch {
			case !ok:
				t.Errorf("%s is not in sentinels: add it (and give it a kind with errkind.New)", name)
			case notYetKinded[name]:
			case deliberatelyInternal[name]:
				if k := errkind.Of(err); k != errkind.Internal {
					t.Errorf("%s is listed as deliberately internal but has kind %v", name, k)
				}
			case errkind.Of(err) == errkind.Internal:
				t.Errorf("%s has no kind (a 500): declare it with errkind.New, or list it in deliberatelyInternal", name)
			}
		}
	}
	var stale []string
	for name := range sentinels {
		if !found[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	for _, name := range stale {
		t.Errorf("%s is in sentinels but not declared in sentinelPackages' source", name)
	}
}

func TestKindStatusCoversEveryKind(t *testing.T) {
	for _, k := range errkind.Kinds() {
		st, ok := kindStatus[k]
		if !ok {
			t.Errorf("kind %v has no status", k)
			continue
		}
		if got := StatusFor(errkind.New(k, "x")); got != st {
			t.Errorf("StatusFor(kind %v) = %d, want %d", k, got, st)
		}
	}
	if len(kindStatus) != len(errkind.Kinds()) {
		t.Errorf("kindStatus has %d rows for %d kinds", len(kindStatus), len(errkind.Kinds()))
	}
}

// The statuses the handlers answered before errors carried kinds, kept.
func TestSentinelStatuses(t *testing.T) {
	for err, want := range map[error]int{
		ErrBadRequest: 400, ErrUnauthorized: 401, ErrForbidden: 403, ErrNotFound: 404, ErrMethod: 405,
		ErrConflict: 409, ErrTooLarge: 413, ErrTooManyRequests: 429, ErrUnavailable: 503,
		auth.ErrBadCredentials: 401, auth.ErrWrongEnvironment: 401,
		docstore.ErrNotFound: 404, docstore.ErrExists: 409, docstore.ErrIsFolder: 409,
		docstore.ErrNotFolder: 409, docstore.ErrChanged: 409, docstore.ErrInvalidPath: 400,
		docstore.ErrInvalidArgument: 400, docstore.ErrIncomplete: 400, destination.ErrUnknownDestination: 404,
		destination.ErrForeignDestination: 403, docstore.ErrRecipientUnusable: 409, docstore.ErrUnknownTransfer: 404,
		docstore.ErrTransfersClosed: 503,
		app2app.ErrBadRequest:       400, destination.ErrBadCertificate: 400, app2app.ErrBadSignature: 400,
		destination.ErrBadURI: 400, app2app.ErrNotHosted: 403,
		app2app.ErrNameTaken: 409, app2app.ErrManaged: 409, app2app.ErrTooLarge: 413, app2app.ErrClosed: 503,
	} {
		if got := StatusFor(fmt.Errorf("op: %w", err)); got != want {
			t.Errorf("StatusFor(%v) = %d, want %d", err, got, want)
		}
	}
	if got := StatusFor(errors.New("unclassified")); got != http.StatusInternalServerError {
		t.Errorf("unclassified error: %d", got)
	}
}
