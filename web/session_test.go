package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sessionCall makes a request with optional cookie and headers.
func sessionCall(t *testing.T, f *fixture, method, path, body, cookie string, headers map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(method, f.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return send(t, req)
}

// TestConsoleSession: sign-in trades a credential for an HttpOnly,
// SameSite=Strict cookie and a CSRF token; the cookie authenticates API
// calls, state-changing ones only with the token; refusals to the console
// carry no Basic challenge; sign-out and inactivity end the session.
func TestConsoleSession(t *testing.T) {
	f := newFixture(t, Config{SessionTTL: time.Minute, FailureBurst: 100})
	f.srv.HandleFunc("GET /api/v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		WriteJSON(w, http.StatusOK, map[string]string{"member": p.Member})
	})
	f.srv.HandleFunc("POST /api/v1/poke", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	console := map[string]string{csrfHeader: ""}

	r := sessionCall(t, f, "POST", "/console/session", `{"user":"`+f.user+`","password":"nope"}`, "", console)
	if r.status != 401 || r.header.Get("WWW-Authenticate") != "" || !strings.Contains(r.errorMessage(t), "password") {
		t.Fatalf("wrong password: %d %v %s", r.status, r.header, r.body)
	}
	if r := sessionCall(t, f, "POST", "/console/session", `{"user":""}`, "", console); r.status != 400 {
		t.Fatalf("empty sign-in: %d %s", r.status, r.body)
	}
	// A cross-site form cannot sign the browser in (login CSRF).
	good := `{"user":"` + f.user + `","password":"` + f.pass + `"}`
	if r := sessionCall(t, f, "POST", "/console/session", good, "", map[string]string{"Content-Type": "text/plain"}); r.status != 415 {
		t.Fatalf("sign-in as text/plain: %d %s", r.status, r.body)
	}
	if r := sessionCall(t, f, "POST", "/console/session", good, "", map[string]string{"Sec-Fetch-Site": "cross-site"}); r.status != 403 {
		t.Fatalf("sign-in from another site: %d %s", r.status, r.body)
	}
	// The API refuses the console (CSRF header present) without a challenge,
	// and other clients with one.
	if r := sessionCall(t, f, "GET", "/api/v1/whoami", "", "", console); r.status != 401 || r.header.Get("WWW-Authenticate") != "" {
		t.Fatalf("console without session: %d %v", r.status, r.header)
	}
	if r := sessionCall(t, f, "GET", "/api/v1/whoami", "", "", nil); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("plain client: %d %v", r.status, r.header)
	}

	r = sessionCall(t, f, "POST", "/console/session", `{"user":"`+f.user+`","password":"`+f.pass+`"}`, "", console)
	if r.status != 200 {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	var s sessionJSON
	if err := json.Unmarshal(r.body, &s); err != nil || !s.SignedIn || s.Member != "org1" || s.CSRF == "" || s.ExpiresIn != 60 {
		t.Fatalf("session %s: %v", r.body, err)
	}
	res := &http.Response{Header: r.header}
	var c *http.Cookie
	for _, k := range res.Cookies() {
		if k.Name == sessionCookie {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge != 60 || c.Secure {
		t.Fatalf("cookie %+v", c)
	}
	id := c.Value
	withToken := map[string]string{csrfHeader: s.CSRF}

	if r := sessionCall(t, f, "GET", "/api/v1/whoami", "", id, nil); r.status != 200 || !strings.Contains(string(r.body), "org1") {
		t.Fatalf("GET with the cookie: %d %s", r.status, r.body)
	}
	if r := sessionCall(t, f, "GET", "/api/v1/whoami", "", id, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.status != 403 {
		t.Fatalf("GET from another site: %d %s", r.status, r.body)
	}
	for _, h := range []map[string]string{nil, {csrfHeader: "forged"}} {
		if r := sessionCall(t, f, "POST", "/api/v1/poke", "", id, h); r.status != 403 || !strings.Contains(r.errorMessage(t), csrfHeader) {
			t.Fatalf("POST with %v: %d %s", h, r.status, r.body)
		}
	}
	if r := sessionCall(t, f, "POST", "/api/v1/poke", "", id, withToken); r.status != 204 {
		t.Fatalf("POST with the token: %d %s", r.status, r.body)
	}
	if r := sessionCall(t, f, "POST", "/console/token", "", id, withToken); r.status != 200 || !strings.Contains(string(r.body), `"token"`) {
		t.Fatalf("socket token with the session: %d %s", r.status, r.body)
	}
	// The page finds its session again after a reload.
	r = sessionCall(t, f, "GET", "/console/session", "", id, nil)
	var again sessionJSON
	if json.Unmarshal(r.body, &again); r.status != 200 || again.CSRF != s.CSRF || again.Member != "org1" {
		t.Fatalf("GET /console/session: %d %s", r.status, r.body)
	}
	if r := sessionCall(t, f, "GET", "/console/session", "", "", nil); r.status != 200 || strings.TrimSpace(string(r.body)) != `{"signed_in":false}` {
		t.Fatalf("GET /console/session without a cookie: %d %s", r.status, r.body)
	}

	// Inactivity ends a session; use keeps it alive.
	f.clock.advance(50 * time.Second)
	if r := sessionCall(t, f, "GET", "/api/v1/whoami", "", id, nil); r.status != 200 {
		t.Fatalf("session used within its TTL: %d", r.status)
	}
	f.clock.advance(50 * time.Second)
	if r := sessionCall(t, f, "GET", "/api/v1/whoami", "", id, nil); r.status != 200 {
		t.Fatalf("session kept alive by use: %d", r.status)
	}

	if r := sessionCall(t, f, "DELETE", "/console/session", "", id, nil); r.status != 403 {
		t.Fatalf("sign-out without the token: %d", r.status)
	}
	if r := sessionCall(t, f, "DELETE", "/console/session", "", id, withToken); r.status != 204 || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign-out: %d %v", r.status, r.header)
	}
	if r := sessionCall(t, f, "GET", "/api/v1/whoami", "", id, console); r.status != 401 || !strings.Contains(r.errorMessage(t), "sign in again") {
		t.Fatalf("after sign-out: %d %s", r.status, r.body)
	}

	// An idle session ends.
	r = sessionCall(t, f, "POST", "/console/session", `{"user":"`+f.user+`","password":"`+f.pass+`"}`, "", console)
	id2 := ""
	for _, k := range (&http.Response{Header: r.header}).Cookies() {
		id2 = k.Value
	}
	f.clock.advance(time.Minute)
	if r := sessionCall(t, f, "GET", "/api/v1/whoami", "", id2, nil); r.status != 401 {
		t.Fatalf("idle session: %d", r.status)
	}
	if r := sessionCall(t, f, "PUT", "/console/session", "", "", nil); r.status != 405 {
		t.Fatalf("PUT /console/session: %d", r.status)
	}
}

// TestConsoleAssets: the page and its files are public, typed, and served
// under the strict CSP; unknown or escaping names are 404.
func TestConsoleAssets(t *testing.T) {
	f := newFixture(t, Config{})
	for path, ctype := range map[string]string{
		"/": "text/html", "/console/": "text/html", "/console/documents": "text/html",
		"/console/assets/app.js": "text/javascript", "/console/assets/views/documents.js": "text/javascript",
		"/console/assets/style.css": "text/css",
	} {
		r := f.do(t, "GET", path, "", "")
		csp := r.header.Get("Content-Security-Policy")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) || csp != consoleCSP || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %q CSP %q", path, r.status, r.header.Get("Content-Type"), csp)
		}
	}
	if strings.Contains(consoleCSP, "unsafe") || !strings.Contains(consoleCSP, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", consoleCSP)
	}
	for _, path := range []string{"/console/assets/nope.js", "/console/assets/index", "/console/assets/../console.go", "/console/assets//etc/passwd"} {
		if r := f.do(t, "GET", path, "", ""); r.status != 404 && r.status != 400 {
			t.Errorf("GET %s: %d", path, r.status)
		}
	}
	if r := f.do(t, "POST", "/", "", ""); r.status != 405 {
		t.Errorf("POST /: %d", r.status)
	}
}
