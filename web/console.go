package web

import (
	"bytes"
	"embed"
	"net/http"
	"time"
)

// assets holds the browser console and the socket.io-client 4.8.1
// browser bundle (MIT licence, header kept in the file, full text in
// assets/socket.io-client.LICENSE). The Go socket.io server would look
// for the bundle next to the executable, so Consign serves its own copy
// at /socket.io/socket.io.js and /socket.io/socket.io.min.js.
//
// The console's script and styles are files of their own
// (/console/console.js, /console/console.css), so that its
// Content-Security-Policy allows no inline script or style.
//
//go:embed assets/console.html assets/console.js assets/console.css assets/socket.io.min.js assets/socket.io-client.LICENSE
var assets embed.FS

// Content-Security-Policy values. Every response gets apiCSP (an API
// answer, or a downloaded document, is never a page that runs anything or
// may be framed); the console page gets consoleCSP: its own script,
// styles and connections only, nothing inline, never framed.
const (
	apiCSP     = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

// secureHeaders sets the headers every response carries: apiCSP,
// X-Frame-Options DENY (for browsers without frame-ancestors) and
// X-Content-Type-Options nosniff. Handlers may replace the CSP.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", apiCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// serveConsole answers GET / and GET /console/ with the console page.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/console.html")
	if err != nil {
		Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", consoleCSP)
	http.ServeContent(w, r, "console.html", time.Time{}, bytes.NewReader(b))
}

// consoleAssets are the public files of the console page: URL path →
// embedded file and Content-Type.
var consoleAssets = map[string][2]string{
	"/console/console.js":  {"assets/console.js", "application/javascript; charset=utf-8"},
	"/console/console.css": {"assets/console.css", "text/css; charset=utf-8"},
}

// serveConsoleAsset serves the console's script or styles (public, like
// the socket.io-client bundle: they hold nothing of the member's).
func serveConsoleAsset(w http.ResponseWriter, r *http.Request, asset [2]string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		WriteError(w, http.StatusMethodNotAllowed, "the console's files are read with GET")
		return
	}
	b, err := assets.ReadFile(asset[0])
	if err != nil {
		Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", asset[1])
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, asset[0], time.Time{}, bytes.NewReader(b))
}

// serveClientBundle serves the socket.io-client browser bundle.
func serveClientBundle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		WriteError(w, http.StatusMethodNotAllowed, "the client bundle is read with GET")
		return
	}
	b, err := assets.ReadFile("assets/socket.io.min.js")
	if err != nil {
		Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("ETag", `"socket.io-client-4.8.1"`)
	http.ServeContent(w, r, "socket.io.min.js", time.Time{}, bytes.NewReader(b))
}
