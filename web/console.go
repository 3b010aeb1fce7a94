package web

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// assets holds the browser console (assets/console: index.html, ES
// modules and a style sheet, no build step) and the socket.io-client
// 4.8.1 browser bundle (MIT licence, header kept in the file, full text
// in assets/socket.io-client.LICENSE). The Go socket.io server would look
// for the bundle next to the executable, so Consign serves its own copy
// at /socket.io/socket.io.js and /socket.io/socket.io.min.js.
//
//go:embed assets/console assets/socket.io.min.js assets/socket.io-client.LICENSE
var assets embed.FS

// consoleCSP is the console's Content-Security-Policy: scripts, styles
// and connections from this origin only (no inline script or style, no
// eval), no plugins, and no framing by any page.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// consoleTypes are the content types of the console's asset files.
var consoleTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".txt":  "text/plain; charset=utf-8",
}

// serveConsole answers GET / and GET /console/...: the files under
// /console/assets/, and the console page for every other path (the page
// routes by its URL fragment). Both are public: the page signs in with
// POST /console/session before it calls the API.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		WriteError(w, http.StatusMethodNotAllowed, "the console is read with GET")
		return
	}
	name := "index.html"
	if rest, ok := strings.CutPrefix(r.URL.Path, "/console/assets/"); ok {
		name = rest
	}
	ctype, known := consoleTypes[path.Ext(name)]
	b, err := fs.ReadFile(assets, "assets/console/"+name)
	if err != nil || !known || !fs.ValidPath(name) {
		WriteError(w, http.StatusNotFound, "no such console file: "+r.URL.Path)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
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

// apiCSP is every other response's Content-Security-Policy: an API
// answer, or a downloaded document, is never a page that runs anything
// or may be framed.
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// secureHeaders sets the headers every response carries: apiCSP,
// X-Frame-Options DENY (for browsers without frame-ancestors) and
// X-Content-Type-Options nosniff. The console's handlers replace the CSP.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", apiCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
