package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestEventLog: the member's log records console sign-ins and program use
// of a credential (once a minute), newest first, filtered by kind and
// text, and each member sees only its own.
func TestEventLog(t *testing.T) {
	f := newFixture(t, Config{FailureBurst: 100})
	console := map[string]string{csrfHeader: ""}
	if r := sessionCall(t, f, "POST", "/console/session", `{"user":"`+f.user+`","password":"`+f.pass+`"}`, "", console); r.status != 200 {
		t.Fatalf("sign in: %d", r.status)
	}
	logs := func(query string) []LogEntry {
		t.Helper()
		r := f.do(t, "GET", "/api/v1/logs"+query, f.user, f.pass)
		var out struct{ Events []LogEntry }
		if err := json.Unmarshal(r.body, &out); r.status != 200 || err != nil {
			t.Fatalf("GET /api/v1/logs%s: %d %s", query, r.status, r.body)
		}
		return out.Events
	}
	l := logs("")
	if len(l) != 2 || l[0].Kind != "credential" || !strings.Contains(l[0].Message, "used by a program: GET /api/v1/logs") ||
		l[1].Kind != "session" || !strings.Contains(l[1].Message, "console sign-in with credential "+f.user) || l[0].ID <= l[1].ID {
		t.Fatalf("log %+v", l)
	}
	if l := logs(""); len(l) != 2 {
		t.Fatalf("a second use within a minute was logged: %+v", l)
	}
	f.clock.advance(time.Minute)
	if l := logs("?kind=credential"); len(l) != 2 || l[0].Kind != "credential" || l[1].Kind != "credential" {
		t.Fatalf("after a minute, by kind: %+v", l)
	}
	if l := logs("?q=SIGN-IN&limit=5"); len(l) != 1 || l[0].Kind != "session" {
		t.Fatalf("by text: %+v", l)
	}
	for _, q := range []string{"?kind=nope", "?limit=0", "?limit=x", "?limit=1001"} {
		if r := f.do(t, "GET", "/api/v1/logs"+q, f.user, f.pass); r.status != 400 {
			t.Errorf("GET /api/v1/logs%s: %d", q, r.status)
		}
	}
	if got := f.srv.events.list("someone-else", "", "", 10); len(got) != 0 {
		t.Fatalf("another member's log: %+v", got)
	}
}
