package docstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/messaging/embedded"
	"github.com/consign/consign/storage/local"
)

// One node serving two members (as `consign dev` does) sends a document
// from one to the other through its own inbox on the embedded broker.
func ExampleTransfers() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "consign-example")
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// Two members with a documentstore destination each, on a dev chain.
	keys := &docstore.KeyRing{}
	var members []chain.DevMember
	uri := map[string]destination.URI{}
	for _, m := range []string{"acme", "globex"} {
		u := destination.URI{Scheme: "kld", Kind: "documentstore", Member: m, Environment: "demo", Service: m + "-ds", Name: "docs"}
		key, cert, _ := crypto.GenerateDestination(u.String(), crypto.P256)
		_ = keys.Add(u, m, key, cert)
		uri[m] = u
		members = append(members, chain.DevMember{Name: m, Destinations: map[destination.URI][]byte{u: crypto.MarshalCertificatePEM(cert)}})
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
	backend, _ := local.New(local.Config{Root: filepath.Join(dir, "documents"), CreateRoot: true})
	docs, _ := docstore.New(ctx, db, backend, docstore.Config{Logger: quiet})

	tf, err := docstore.NewTransfers(ctx, docs, docstore.TransferConfig{
		Node: "demo-node", Members: []string{"acme", "globex"}, Transport: broker,
		Registry: dc.Registry, Keys: keys, Logger: quiet,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tf.Close()

	acme, _ := docs.Space("acme")
	p, _ := docstore.ParsePath("/contracts/offer.txt")
	_, _ = acme.Put(ctx, p, strings.NewReader("an offer you can verify"), docstore.Overwrite)

	sent, err := tf.Send(ctx, "acme", uri["acme"], uri["globex"], "/contracts/offer.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sent:", sent.Status)
	for {
		got, err := tf.Get(ctx, "acme", sent.ID)
		if err != nil && !errors.Is(err, docstore.ErrUnknownTransfer) {
			fmt.Println(err)
			return
		}
		if got.Status != docstore.StatusSent {
			fmt.Println("acknowledged:", got.Status, got.RecipientSignature != "")
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	rec, _ := tf.Get(ctx, "globex", sent.ID)
	fmt.Println("globex filed it at", rec.Document)
	globex, _ := docs.Space("globex")
	rc, _ := globex.Read(ctx, mustParse(rec.Document), 0, -1)
	b, _ := io.ReadAll(rc)
	rc.Close()
	fmt.Printf("%q\n", b)
	// Output:
	// sent: sent
	// acknowledged: received true
	// globex filed it at /received/acme/docs/offer.txt
	// "an offer you can verify"
}
