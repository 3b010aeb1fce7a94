package web

import (
	"encoding/json"
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
// console token) and shows events the Go server emits to the member; the
// session survives a reload and ends with Sign out.
func TestConsoleInChromium(t *testing.T) {
	chromium := testenv.Get(t, testenv.Chromium)
	modules := testenv.Get(t, testenv.NodeModules)
	f := newFixture(t, Config{FailureBurst: 3})
	sioTestHandlers(f)
	f.srv.OnConnection(func(c *Conn) {
		record := map[string]any{
			"transferId": "5f0c7d5e-0000-4000-8000-" + strings.Repeat("0", 12),
			"document":   "/inbox/report.pdf",
			"status":     "received",
		}
		if err := f.srv.EmitToMember(c.Principal().Member, "document_received", record); err != nil {
			t.Errorf("EmitToMember: %v", err)
		}
	})
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
		Welcome             int      `json:"welcome"`
		AfterReload         bool     `json:"afterReload"`
		SessionAfterSignOut bool     `json:"sessionAfterSignOut"`
		APIAfterSignOut     int      `json:"apiAfterSignOut"`
		RateLimited         string   `json:"rateLimited"`
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
	if !strings.Contains(res.Who, "org1") || !strings.Contains(res.Event, "/inbox/report.pdf") || res.Welcome == 0 || !res.AfterReload {
		t.Errorf("signed in as %q; event %q; welcome %d; reload %v", res.Who, res.Event, res.Welcome, res.AfterReload)
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
