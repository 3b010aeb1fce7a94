package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/storage/local"
)

// consoleNav is the console's navigation, in order: the accessible names
// issue 13 fixes.
var consoleNav = []string{"Documents", "Search", "Destinations", "Address book", "Transfers", "Messages", "Registry", "API", "Logs", "Preferences"}

// TestConsoleInChromium signs in to the console in headless Chromium:
// the page is public and served under a strict CSP; a wrong password and
// the rate limit are refused in words, with no Basic-auth prompt; the
// signed-in page shows the navigation, connects its socket (with a
// console token) and shows the member's log, which a program's use of the
// credential reaches live; the address book flags a forged identity
// claim; Documents shows the folder tree, creates empty folders that
// stay after a reload and deletes them, and pages through a folder of
// 2000 documents; Registry shows the recent pins; Transfers filters by
// status and destination; axe-core finds no serious or critical
// violation in those views; the session survives a reload and ends with
// Sign out.
func TestConsoleInChromium(t *testing.T) {
	chromium := testenv.Get(t, testenv.Chromium)
	modules := testenv.Get(t, testenv.NodeModules)
	axe := testenv.Get(t, testenv.AxeModules)
	f := newFixture(t, Config{FailureBurst: 3})
	sioTestHandlers(f)
	// A document store: a folder of 2000 documents with a sub-folder
	// after them (the tree finds it on its second page of entries).
	b, err := local.New(local.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	sp, err := attachDocuments(t, f, b).Space("org1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		putDoc(t, sp, fmt.Sprintf("big/doc-%04d.txt", i))
	}
	putDoc(t, sp, "big/zz-sub/inner.txt")
	// The transfer log and pins the console reads: two received
	// transfers (the first one's receipt pinned) and a failed one.
	const pinned, unpinned = "1111111111111111111111111111111111111111111111111111111111111111", "2222222222222222222222222222222222222222222222222222222222222222"
	own, org2, org3 := "kld://documentstore/m/org1/e/env-a/s/ds/d/docs", "kld://documentstore/m/org2/e/env-a/s/ds/d/docs", "kld://documentstore/m/org3/e/env-a/s/ds/d/in"
	f.srv.HandleFunc("GET /api/v1/transfers", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"transfers": []transferJSON{
			{ID: "t1", Timestamp: "2026-12-01T10:00:00.000Z", From: own, To: org2, Document: "/big/doc-0001.txt", Status: "received", TransferHash: pinned, SenderSignature: "s1", RecipientSignature: "r1"},
			{ID: "t2", Timestamp: "2026-12-02T10:00:00.000Z", From: own, To: org3, Document: "/big/doc-0002.txt", Status: "received", TransferHash: unpinned, SenderSignature: "s2", RecipientSignature: "r2"},
			{ID: "t3", Timestamp: "2026-12-03T10:00:00.000Z", From: own, To: org3, Document: "/big/doc-0003.txt", Status: "failed", Error: "recipient unreachable"},
		}})
	})
	f.srv.HandleFunc("GET /api/v1/pins/{hash}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("hash") != pinned {
			Error(w, r, fmt.Errorf("pins: %w: never pinned", ErrNotFound))
			return
		}
		WriteJSON(w, http.StatusOK, pinProofJSON{Hash: pinned, Tx: "0x" + strings.Repeat("ab", 32), Block: 42,
			Timestamp: "2026-12-01T10:00:05.000Z", By: "0x00000000000000000000000000000000000000a1"})
	})
	consoleDirectory(f)
	out := runNode(t, modules+string(filepath.ListSeparator)+axe, "console_browser.js",
		"CONSIGN_URL="+f.base, "CONSIGN_USER="+f.user, "CONSIGN_PASS="+f.pass,
		"CONSIGN_CHROMIUM="+chromium, "CONSIGN_USER_DATA_DIR="+t.TempDir())
	var res struct {
		PageStatus          int      `json:"pageStatus"`
		CSP                 string   `json:"csp"`
		WrongPassword       string   `json:"wrongPassword"`
		Nav                 []string `json:"nav"`
		Who                 string   `json:"who"`
		Event               string   `json:"event"`
		SessionOnly         []string `json:"sessionOnly"`
		AfterReload         bool     `json:"afterReload"`
		SessionAfterSignOut bool     `json:"sessionAfterSignOut"`
		APIAfterSignOut     int      `json:"apiAfterSignOut"`
		RateLimited         string   `json:"rateLimited"`
		Forged              string   `json:"forged"`
		Genuine             string   `json:"genuine"`
		SelfSigned          string   `json:"selfSigned"`
		ConsoleErrors       []string `json:"consoleErrors"`
		Dialogs             int      `json:"dialogs"`

		Tree         []string            `json:"tree"`
		FocusAfter   string              `json:"focusAfter"`
		Duplicate    string              `json:"duplicate"`
		AfterReload2 []string            `json:"afterReloadListing"`
		EmptyFolder  string              `json:"emptyFolder"`
		TreeAfterDel []string            `json:"treeAfterDelete"`
		Pages        []string            `json:"pages"`
		LastHasNext  int                 `json:"lastHasNext"`
		Pins         []string            `json:"pins"`
		Chain        []string            `json:"chain"`
		AllTransfers int                 `json:"allTransfers"`
		ToOrg2       []string            `json:"toOrg2"`
		FailedToOrg3 []string            `json:"failedToOrg3"`
		Axe          map[string][]string `json:"axe"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	t.Logf("%s", out)
	if res.PageStatus != 200 || !strings.Contains(res.CSP, "frame-ancestors 'none'") || strings.Contains(res.CSP, "unsafe-inline") {
		t.Errorf("page %d with CSP %q", res.PageStatus, res.CSP)
	}
	if !strings.Contains(res.WrongPassword, "Sign-in refused") || !strings.Contains(res.WrongPassword, "password") {
		t.Errorf("wrong password shown as %q", res.WrongPassword)
	}
	if !slices.Equal(res.Nav, consoleNav) {
		t.Errorf("navigation %q, want %q", res.Nav, consoleNav)
	}
	if !strings.Contains(res.Who, "org1") || !strings.Contains(res.Event, "credential "+f.user) || !res.AfterReload {
		t.Errorf("signed in as %q; live log event %q; reload %v", res.Who, res.Event, res.AfterReload)
	}
	if len(res.SessionOnly) == 0 || slices.ContainsFunc(res.SessionOnly, func(s string) bool { return !strings.Contains(s, "session") }) {
		t.Errorf("log filtered to sessions: %q", res.SessionOnly)
	}
	if !strings.Contains(res.Forged, "Claims to be Globex Inc but was issued by CN=Acme Corp Issuing CA") ||
		!strings.Contains(res.Genuine, "Org One Ltd, issued by") || !strings.Contains(res.SelfSigned, "Self-signed") {
		t.Errorf("identity verdicts: forged %q, genuine %q, self-signed %q", res.Forged, res.Genuine, res.SelfSigned)
	}
	if res.SessionAfterSignOut || res.APIAfterSignOut != 401 {
		t.Errorf("after sign-out: signed in %v, API call %d", res.SessionAfterSignOut, res.APIAfterSignOut)
	}
	if !strings.Contains(res.RateLimited, "Too many failed attempts") {
		t.Errorf("rate limit shown as %q", res.RateLimited)
	}
	// CSP violations and script errors reach the console as errors; the
	// refused sign-ins log their 401/429 responses, the folder created
	// twice its 409 and the pin lookups of an unpinned hash their 404
	// (all shown in words); nothing else may.
	for _, e := range res.ConsoleErrors {
		if !strings.Contains(e, "status of 401") && !strings.Contains(e, "status of 429") && !strings.Contains(e, "status of 404") && !strings.Contains(e, "status of 409") {
			t.Errorf("browser console error: %s", e)
		}
	}
	// Documents: the tree lists the folders (the sub-folder after 2000
	// documents too), empty folders are created, kept and deleted.
	for _, want := range []string{"All documents", "big", "zz-sub", "reports", "q1"} {
		if !slices.Contains(res.Tree, want) {
			t.Errorf("folder tree %q lacks %q", res.Tree, want)
		}
	}
	if res.FocusAfter != "/reports" || !strings.Contains(res.Duplicate, "already there") {
		t.Errorf("focus after opening a folder from the tree by keyboard %q; creating it twice: %q", res.FocusAfter, res.Duplicate)
	}
	if !slices.Equal(res.AfterReload2, []string{"q1/"}) || !strings.Contains(res.EmptyFolder, "/reports/q1 is empty") {
		t.Errorf("after reload /reports lists %q; the empty folder says %q", res.AfterReload2, res.EmptyFolder)
	}
	if slices.Contains(res.TreeAfterDel, "q1") || !slices.Contains(res.TreeAfterDel, "reports") {
		t.Errorf("tree after deleting q1: %q", res.TreeAfterDel)
	}
	if want := []string{"Entries 1–50 doc-0000.txt", "Entries 51–100 doc-0050.txt", "Entries 1951–2000 doc-1950.txt", "Entries 2001–2001 zz-sub/"}; !slices.Equal(res.Pages, want) || res.LastHasNext != 0 {
		t.Errorf("pages of /big: %q (last has next: %d), want %q", res.Pages, res.LastHasNext, want)
	}
	// Registry: recent pins, newest first, with the pin transaction.
	if len(res.Pins) != 2 || !strings.Contains(res.Pins[0], "doc-0002.txt") || !strings.Contains(res.Pins[0], "not pinned yet") ||
		!strings.Contains(res.Pins[1], "doc-0001.txt") || !strings.Contains(res.Pins[1], "42") || !strings.Contains(res.Pins[1], "0xabababab") {
		t.Errorf("recent pins: %q", res.Pins)
	}
	// Registry: each certificate of a chain with its validity.
	if len(res.Chain) != 3 || !strings.Contains(res.Chain[0], "Leaf: CN=env-a-n2--Globex Inc,O=Globex Inc, issued by CN=Acme Corp Issuing CA") ||
		!strings.Contains(res.Chain[0], "Valid from ") || strings.Contains(res.Chain[1], "Expired") ||
		!strings.Contains(res.Chain[2], "CN=Acme Root (self-signed)") || !strings.Contains(res.Chain[2], "Expired.") {
		t.Errorf("mallory's chain: %q", res.Chain)
	}
	// Transfers: filter by destination, then by status too.
	// The pinned transfer shows its pin unasked.
	if res.AllTransfers != 3 || len(res.ToOrg2) != 1 || !strings.Contains(res.ToOrg2[0], "doc-0001.txt") || !strings.Contains(res.ToOrg2[0], "block 42 · 0xabababab") ||
		len(res.FailedToOrg3) != 1 || !strings.Contains(res.FailedToOrg3[0], "recipient unreachable") {
		t.Errorf("transfers: %d; to org2 %q; failed to org3 %q", res.AllTransfers, res.ToOrg2, res.FailedToOrg3)
	}
	for _, view := range []string{"documents", "documents-tree-keyboard", "registry", "transfers"} {
		vs, ok := res.Axe[view]
		if !ok {
			t.Errorf("axe-core did not check %s", view)
		}
		for _, v := range vs {
			t.Errorf("accessibility, %s: %s", view, v)
		}
	}
	if res.Dialogs != 0 {
		t.Errorf("%d browser dialogs (a Basic-auth prompt?)", res.Dialogs)
	}
}

// consoleDirectory serves the address book and registry the console
// reads, as the API shapes them: org1 with a CA-issued proof naming its
// organization, mallory claiming Globex but issued by Acme's CA (its
// chain with validity per certificate, the root expired), selfie
// self-signed.
func consoleDirectory(f *fixture) {
	f.srv.HandleFunc("GET /api/v1/addressbook", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, []addressBookEntry{
			{Membership: "/org1", Destinations: []addressBookDestination{{URI: "kld://documentstore/m/org1/e/env-a/s/ds/d/docs", Name: "docs"}}},
			{Membership: "/mallory", Destinations: []addressBookDestination{}},
			{Membership: "/selfie", Destinations: []addressBookDestination{}},
		})
	})
	f.srv.HandleFunc("GET /api/v1/registry/members", func(w http.ResponseWriter, r *http.Request) {
		member := func(name, leaf string, selfSigned bool, issuers ...string) registryMemberJSON {
			return registryMemberJSON{Name: name, Address: "0x00000000000000000000000000000000000000a1",
				Identity: registryIdentityJSON{SelfSigned: selfSigned, LeafSubject: leaf, IssuerChain: issuers}, Destinations: []registryDestRefJSON{}}
		}
		// mallory's chain with each certificate's validity: the root
		// expired.
		mallory := member("mallory", "CN=env-a-n2--Globex Inc,O=Globex Inc", false, "CN=Acme Corp Issuing CA,O=Acme Corp", "CN=Acme Root")
		mallory.Identity.Certificates = []registryCertJSON{
			{Subject: "CN=env-a-n2--Globex Inc,O=Globex Inc", Issuer: "CN=Acme Corp Issuing CA,O=Acme Corp", NotBefore: "2026-01-01T00:00:00.000Z", NotAfter: "2099-01-01T00:00:00.000Z"},
			{Subject: "CN=Acme Corp Issuing CA,O=Acme Corp", Issuer: "CN=Acme Root", NotBefore: "2025-01-01T00:00:00.000Z", NotAfter: "2099-01-01T00:00:00.000Z"},
			{Subject: "CN=Acme Root", Issuer: "CN=Acme Root", NotBefore: "2010-01-01T00:00:00.000Z", NotAfter: "2020-01-01T00:00:00.000Z"},
		}
		WriteJSON(w, http.StatusOK, []registryMemberJSON{
			member("org1", "CN=env-a-n1--Org One Ltd,O=Org One Ltd", false, "CN=Org One Ltd Issuing CA,O=Org One Ltd"),
			mallory,
			member("selfie", "CN=env-a-n3--Selfie LLC", true),
		})
	})
}

// TestConsoleInFirefox drives the console in headless Firefox (Debian's
// firefox-esr, through puppeteer-core over WebDriver BiDi) against a
// node with the document store: it signs in, opens every navigation entry
// by its role and accessible name, uploads a file through the file input
// (its progress bar reaching 100% and its row listed with the stored
// hash), and sees no script error, console error or CSP violation, where
// a CSP violation provoked on purpose at the end is seen.
func TestConsoleInFirefox(t *testing.T) {
	firefox := testenv.Get(t, testenv.Firefox)
	modules := testenv.Get(t, testenv.Puppeteer)
	f := newDocFixture(t)
	sioTestHandlers(f.fixture)
	consoleDirectory(f.fixture)
	// A few MiB, so the upload reports progress before it ends.
	data := bytes.Repeat([]byte("consign in firefox\n"), 3<<20/19)
	file := filepath.Join(t.TempDir(), "firefox-upload.bin")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out := runNode(t, modules, "console_firefox.js",
		"CONSIGN_URL="+f.base, "CONSIGN_USER="+f.user, "CONSIGN_PASS="+f.pass,
		"CONSIGN_FIREFOX="+firefox, "CONSIGN_USER_DATA_DIR="+t.TempDir(), "CONSIGN_UPLOAD_FILE="+file)
	var res struct {
		Browser    string   `json:"browser"`
		Steps      []string `json:"steps"`
		Error      string   `json:"error"`
		PageStatus int      `json:"pageStatus"`
		CSP        string   `json:"csp"`
		Who        string   `json:"who"`
		Views      map[string]struct {
			Heading string `json:"heading"`
			Current string `json:"current"`
			Hash    string `json:"hash"`
		} `json:"views"`
		Input         string   `json:"input"`
		UploadItem    string   `json:"uploadItem"`
		Progress      int      `json:"progress"`
		Row           string   `json:"row"`
		RowHash       string   `json:"rowHash"`
		ConsoleErrors []string `json:"consoleErrors"`
		CSPViolations []string `json:"cspViolations"`
		CSPProbe      struct {
			Reported []string `json:"reported"`
			Ran      bool     `json:"ran"`
		} `json:"cspProbe"`
		ProbeErrors []string `json:"probeErrors"`
		Dialogs     int      `json:"dialogs"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	t.Logf("%s", out)
	if res.Error != "" {
		t.Fatalf("the browser run stopped after %q: %s", res.Steps, res.Error)
	}
	if !strings.HasPrefix(res.Browser, "firefox/") {
		t.Errorf("browser %q, want firefox", res.Browser)
	}
	if res.PageStatus != 200 || !strings.Contains(res.CSP, "frame-ancestors 'none'") || strings.Contains(res.CSP, "unsafe-inline") {
		t.Errorf("page %d with CSP %q", res.PageStatus, res.CSP)
	}
	if !strings.Contains(res.Who, "org1") {
		t.Errorf("signed in as %q", res.Who)
	}
	for _, name := range consoleNav {
		v, ok := res.Views[name]
		if !ok || v.Heading != name || v.Current != "page" || v.Hash == "" {
			t.Errorf("view %s: %+v (seen %v)", name, v, ok)
		}
	}
	sum := sha256.Sum256(data)
	if res.Input != "file Choose files to upload" || res.Progress != 100 || !strings.Contains(res.UploadItem, "uploaded · 100%") {
		t.Errorf("upload through %q: progress %d, item %q", res.Input, res.Progress, res.UploadItem)
	}
	if !strings.HasPrefix(res.Row, "firefox-upload.bin") || res.RowHash != hex.EncodeToString(sum[:]) {
		t.Errorf("row %q with hash %q, want %x", res.Row, res.RowHash, sum)
	}
	if r := f.send(t, http.MethodGet, "/api/v1/documents/firefox-upload.bin", "", nil); r.status != http.StatusOK || !bytes.Equal(r.body, data) {
		t.Errorf("stored document: %d, %d bytes, want the %d uploaded", r.status, len(r.body), len(data))
	}
	for _, e := range res.ConsoleErrors {
		t.Errorf("browser console error: %s", e)
	}
	for _, v := range res.CSPViolations {
		t.Errorf("CSP violation: %s", v)
	}
	// Both channels work: the inline script injected at the end was
	// blocked, reported as an event and logged as a console error.
	probeLogged := len(res.ProbeErrors) > 0 && !slices.ContainsFunc(res.ProbeErrors, func(e string) bool {
		return !strings.Contains(e, "Content-Security-Policy") || !strings.Contains(e, "inline script")
	})
	if len(res.CSPProbe.Reported) == 0 || res.CSPProbe.Ran || !probeLogged {
		t.Errorf("an inline script the policy forbids: reported %q, ran %v, console %q", res.CSPProbe.Reported, res.CSPProbe.Ran, res.ProbeErrors)
	}
	if res.Dialogs != 0 {
		t.Errorf("%d browser dialogs (a Basic-auth prompt?)", res.Dialogs)
	}
}

// putDoc stores a small document at path in sp.
func putDoc(t *testing.T, sp *docstore.Space, path string) {
	t.Helper()
	p, err := docstore.ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Put(context.Background(), p, strings.NewReader(path), docstore.Overwrite); err != nil {
		t.Fatal(err)
	}
}
