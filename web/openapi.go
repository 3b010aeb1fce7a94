package web

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// openAPIPath is where the node serves the OpenAPI description of its
// REST surface, without credentials, so that tooling can read it.
const openAPIPath = "/api/v1/openapi.json"

// openAPIDocument is the OpenAPI 3.1 description of every route the
// node's handlers register (see Server.Routes). It is written by hand
// beside the handlers; cmd/consign's tests check it against a running
// node in both directions.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns a copy of the OpenAPI document the server serves at
// /api/v1/openapi.json.
func OpenAPI() []byte { return bytes.Clone(openAPIDocument) }

// serveOpenAPI answers GET and HEAD on openAPIPath with the document.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		WriteError(w, http.StatusMethodNotAllowed, "the OpenAPI document is read with GET")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(openAPIDocument))
}

// OpenAPIOperation maps a ServeMux pattern as Routes lists it to the
// OpenAPI operation describing it: the lower-case method and the path
// template. "{name...}" becomes "{name}" (its value may hold slashes) and
// "{$}" is dropped, so "GET /{$}" is ("get", "/"). A pattern without a
// method or with a host is refused: the document describes neither.
func OpenAPIOperation(pattern string) (method, path string, err error) {
	m, p, ok := strings.Cut(pattern, " ")
	p = strings.TrimLeft(p, " \t")
	if !ok || m == "" || !strings.HasPrefix(p, "/") {
		return "", "", fmt.Errorf("web: openapi: pattern %q: want \"METHOD /path\"", pattern)
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		switch {
		case s == "{$}":
			segs[i] = ""
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "...}"):
			segs[i] = strings.TrimSuffix(s, "...}") + "}"
		}
	}
	return strings.ToLower(m), strings.Join(segs, "/"), nil
}
