package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/web"
)

func ExampleServer() {
	ctx := context.Background()
	creds, err := auth.New(&auth.MemoryStore{}, auth.Config{})
	if err != nil {
		panic(err)
	}
	user, password, err := creds.Create(ctx, "env1", "acme")
	if err != nil {
		panic(err)
	}
	srv, err := web.New(web.Config{EnvironmentID: "env1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, creds,
		web.Probe{Name: "storage", Check: func(context.Context) error { return nil }})
	if err != nil {
		panic(err)
	}
	srv.HandleFunc("GET /api/v1/hello", func(w http.ResponseWriter, r *http.Request) {
		p, _ := web.PrincipalFrom(r.Context())
		web.WriteJSON(w, http.StatusOK, map[string]string{"member": p.Member})
	})
	srv.OnConnection(func(c *web.Conn) {
		_ = c.Emit("welcome", c.Principal().Member)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(ctx)

	get := func(path, user, password string) {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+path, nil)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Print(res.StatusCode, " ", string(body))
	}
	get("/readyz", "", "")
	get("/api/v1//hello", "", "")
	get("/api/v1//hello", user, password)
	// Output:
	// 200 {"checks":{"storage":"ok"},"status":"ready"}
	// 401 {"error":"authentication required: send HTTP Basic credentials (Authorization: Basic base64(user:password)) of an application credential"}
	// 200 {"member":"acme"}
}
