package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/consign/consign/internal/testenv"
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
// claim; the session survives a reload and ends with Sign out.
func TestConsoleInChromium(t *testing.T) {
	chromium := testenv.Get(t, testenv.Chromium)
	modules := testenv.Get(t, testenv.NodeModules)
	f := newFixture(t, Config{FailureBurst: 3})
	sioTestHandlers(f)
	consoleDirectory(f)
	out := runNode(t, modules, "console_browser.js",
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
	// refused sign-ins log their 401/429 responses and the Documents view
	// the 404 of a node without a document store (shown in words), nothing
	// else may.
	for _, e := range res.ConsoleErrors {
		if !strings.Contains(e, "status of 401") && !strings.Contains(e, "status of 429") && !strings.Contains(e, "status of 404") {
			t.Errorf("browser console error: %s", e)
		}
	}
	if res.Dialogs != 0 {
		t.Errorf("%d browser dialogs (a Basic-auth prompt?)", res.Dialogs)
	}
}

// consoleDirectory serves the address book and registry the console
// reads, as the API shapes them: org1 with a CA-issued proof naming its
// organization, mallory claiming Globex but issued by Acme's CA, selfie
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
		WriteJSON(w, http.StatusOK, []registryMemberJSON{
			member("org1", "CN=env-a-n1--Org One Ltd,O=Org One Ltd", false, "CN=Org One Ltd Issuing CA,O=Org One Ltd"),
			member("mallory", "CN=env-a-n2--Globex Inc,O=Globex Inc", false, "CN=Acme Corp Issuing CA,O=Acme Corp", "CN=Acme Root"),
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
