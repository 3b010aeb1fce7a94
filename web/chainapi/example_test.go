package chainapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/web"
	"github.com/consign/consign/web/chainapi"
)

// Mount the registry read API of a node on an in-process dev chain and
// list the members.
func Example() {
	ctx := context.Background()
	_, cert, err := crypto.GenerateDestination("acme-inbox", crypto.P256)
	if err != nil {
		panic(err)
	}
	uri := "kld://documentstore/m/acme/e/env1/s/docs/d/inbox"
	dc, err := chain.StartDev(ctx, chain.DevConfig{EnvironmentID: "env1", Members: []chain.DevMember{
		{Name: "acme", Destinations: map[destination.URI][]byte{destination.MustParse(uri): crypto.MarshalCertificatePEM(cert)}},
	}})
	if err != nil {
		panic(err)
	}
	defer dc.Close()

	creds, err := auth.New(&auth.MemoryStore{}, auth.Config{})
	if err != nil {
		panic(err)
	}
	user, password, err := creds.Create(ctx, "env1", "acme")
	if err != nil {
		panic(err)
	}
	srv, err := web.New(web.Config{EnvironmentID: "env1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, creds)
	if err != nil {
		panic(err)
	}
	// The node would pass its destination store's answer instead of nil.
	srv.HandleRegistry(chainapi.Registry(dc.Registry), chainapi.Pins(dc.Pinner), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(ctx)

	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/v1/registry/members", nil)
	req.SetBasicAuth(user, password)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var members []struct {
		Name     string `json:"name"`
		Identity struct {
			SelfSigned bool `json:"self_signed"`
		} `json:"identity"`
		Destinations []struct {
			URI string `json:"uri"`
		} `json:"destinations"`
	}
	if err := json.NewDecoder(res.Body).Decode(&members); err != nil {
		panic(err)
	}
	for _, m := range members {
		fmt.Println(res.StatusCode, m.Name, "self-signed:", m.Identity.SelfSigned, "destinations:", len(m.Destinations), m.Destinations[0].URI)
	}
	// Output:
	// 200 acme self-signed: true destinations: 1 kld://documentstore/m/acme/e/env1/s/docs/d/inbox
}
