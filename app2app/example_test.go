package app2app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/messaging/embedded"
)

// chanSubscriber hands each message it receives to the example, which
// prints it once the delivery report is printed: the report and the data
// come on different goroutines in no promised order.
type chanSubscriber chan app2app.Delivery

func (c chanSubscriber) Deliver(_ context.Context, d app2app.Delivery) error {
	c <- d
	return nil
}

func (c chanSubscriber) Exception(err error) { fmt.Println("exception:", err) }

// Two members served by one node (as in `consign dev`): acme sends to
// globex; each side uses a managed destination the node created.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "app2app-example-")
	defer os.RemoveAll(dir)

	// An in-process chain with two registered members.
	var members []chain.DevMember
	for _, m := range []string{"acme", "globex"} {
		k, _ := crypto.GenerateKey(crypto.P256)
		c, _ := crypto.SelfSign(k, "demo-nonce"+m+"--"+m, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		members = append(members, chain.DevMember{Name: m, ProofPEM: crypto.MarshalCertificatePEM(c), Nonce: "nonce" + m})
	}
	dc, err := chain.StartDev(ctx, chain.DevConfig{EnvironmentID: "demo", Members: members})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dc.Close()
	broker, _ := embedded.Open(ctx, embedded.Config{Dir: filepath.Join(dir, "broker")})
	defer broker.Close()
	db, _ := metadb.Open(ctx, metadb.Config{Path: filepath.Join(dir, "consign.db")})
	defer db.Close()
	master, _ := app2app.LoadOrCreateMasterKey(filepath.Join(dir, "app2app.key"))

	svc, err := app2app.New(ctx, app2app.Config{
		Node: "dev", EnvironmentID: "demo", Transport: broker, Registry: dc.Registry, DB: db, MasterKey: master,
		Members: map[string]app2app.Publisher{"acme": dc.Members["acme"], "globex": dc.Members["globex"]},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer svc.Close()
	from, _ := svc.CreateDestination(ctx, "acme", app2app.CreateRequest{Name: "orders", Kind: destination.KindApp2App})
	to, _ := svc.CreateDestination(ctx, "globex", app2app.CreateRequest{Name: "inbox", Kind: destination.KindApp2App})
	fmt.Println("to:", to.URI)

	got := make(chanSubscriber, 1)
	cons := svc.NewConsumer("globex", true, got)
	defer cons.Close()
	if err := cons.Subscribe([]destination.URI{to.URI}); err != nil {
		fmt.Println(err)
		return
	}
	reported := make(chan app2app.Report, 1)
	err = svc.Produce(ctx, "acme", app2app.Message{From: from.URI.String(), To: to.URI.String(), Key: "order-1", Content: []byte("ship 3 crates"), Text: true},
		func(r app2app.Report, err error) { reported <- r })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("delivery report: key %q\n", (<-reported).Key)
	d := <-got
	fmt.Printf("data: %q key %q\n", d.Content, d.Key)
	// Output:
	// to: kld://app2app/m/globex/e/demo/s/globex-a2a/d/inbox
	// delivery report: key "order-1"
	// data: "ship 3 crates" key "order-1"
}
