package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/consign/consign/internal/testenv"
)

// TestConsoleInChromium loads the console page, with the socket.io-client
// 4.x bundle served by Consign, in headless Chromium and checks that
// events emitted by the Go server (to the connection and to the member)
// are shown in the page, over the default transport and websocket-only
// (where the page authenticates with a console token).
func TestConsoleInChromium(t *testing.T) {
	chromium := testenv.Get(t, testenv.Chromium)
	modules := testenv.Get(t, testenv.NodeModules)
	f := newFixture(t, Config{})
	sioTestHandlers(f)
	f.srv.OnConnection(func(c *Conn) {
		record := map[string]any{
			"transferId": "5f0c7d5e-0000-4000-8000-" + strings.Repeat("0", 12),
			"document":   "/inbox/report.pdf",
			"status":     "received",
			"to":         c.Query("transport"),
		}
		if err := f.srv.EmitToMember(c.Principal().Member, "document_received", record); err != nil {
			t.Errorf("EmitToMember: %v", err)
		}
	})
	out := runNode(t, modules, "console_browser.js",
		"CONSIGN_URL="+f.base, "CONSIGN_USER="+f.user, "CONSIGN_PASS="+f.pass,
		"CONSIGN_CHROMIUM="+chromium, "CONSIGN_USER_DATA_DIR="+t.TempDir())
	var res struct {
		Anonymous string `json:"anonymous"`
		Runs      []struct {
			Query      string `json:"query"`
			PageStatus int    `json:"pageStatus"`
			Status     string `json:"status"`
			Events     []struct {
				Event string `json:"event"`
				Text  string `json:"text"`
			} `json:"events"`
			Bundle    []int `json:"bundle"`
			Connected bool  `json:"connected"`
			Inline    struct {
				Ran       bool   `json:"ran"`
				Directive string `json:"directive"`
			} `json:"inline"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if res.Anonymous != "status 401" && !strings.Contains(res.Anonymous, "ERR_INVALID_AUTH_CREDENTIALS") {
		t.Errorf("console without credentials: %s, want a refusal", res.Anonymous)
	}
	if len(res.Runs) != 2 {
		t.Fatalf("runs: %s", out)
	}
	for _, r := range res.Runs {
		t.Logf("%q: status %q, events %v", r.Query, r.Status, r.Events)
		if r.PageStatus != 200 || len(r.Bundle) != 1 || (r.Bundle[0] != 200 && r.Bundle[0] != 304) || !r.Connected {
			t.Errorf("%q: page %d, bundle %v, connected %v", r.Query, r.PageStatus, r.Bundle, r.Connected)
		}
		if r.Inline.Ran || !strings.HasPrefix(r.Inline.Directive, "script-src") {
			t.Errorf("%q: an inline script added to the page: ran %v, violation of %q", r.Query, r.Inline.Ran, r.Inline.Directive)
		}
		if !strings.HasPrefix(r.Status, "connected") {
			t.Errorf("%q: status %q", r.Query, r.Status)
		}
		if r.Query == "?transport=websocket" && r.Status != "connected (websocket)" {
			t.Errorf("websocket-only page: status %q", r.Status)
		}
		var welcome, received bool
		for _, e := range r.Events {
			switch e.Event {
			case "welcome":
				welcome = strings.Contains(e.Text, `"member":"org1"`) && strings.Contains(e.Text, `"environment":"env-a"`)
			case "document_received":
				received = strings.Contains(e.Text, `"document":"/inbox/report.pdf"`) && strings.Contains(e.Text, `"status":"received"`)
			}
		}
		if !welcome || !received {
			t.Errorf("%q: events %v", r.Query, r.Events)
		}
	}
}
