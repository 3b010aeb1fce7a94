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
//go:embed assets/console.html assets/socket.io.min.js assets/socket.io-client.LICENSE
var assets embed.FS

// serveConsole answers GET / and GET /console/ with the console page.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/console.html")
	if err != nil {
		Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	http.ServeContent(w, r, "console.html", time.Time{}, bytes.NewReader(b))
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
