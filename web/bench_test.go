package web

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkRequest compares an authenticated API request (credential
// cached after the first check) with the unauthenticated /healthz, over
// a real loopback connection.
func BenchmarkRequest(b *testing.B) {
	f := newFixture(b, Config{})
	f.srv.HandleFunc("GET /api/v1/ping", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, map[string]string{"status": "ok"}) })
	for _, bc := range []struct{ name, path, user, pass string }{
		{"healthz", "/healthz", "", ""},
		{"authenticated", "/api/v1/ping", f.user, f.pass},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", f.base+bc.path, nil)
			if bc.user != "" {
				req.SetBasicAuth(bc.user, bc.pass)
			}
			for b.Loop() {
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}
