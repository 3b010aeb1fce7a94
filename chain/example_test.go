package chain_test

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
)

// A dev chain with one demo member: look up a destination certificate by
// URI, then pin a document hash and prove it.
func ExampleStartDev() {
	ctx := context.Background()
	uri := destination.MustParse("kld://documentstore/m/alice/e/zzdemo/s/docs/d/inbox")
	_, cert, err := crypto.GenerateDestination("alice-inbox", crypto.P256)
	if err != nil {
		panic(err)
	}
	dc, err := chain.StartDev(ctx, chain.DevConfig{
		EnvironmentID: "zzdemo",
		Members: []chain.DevMember{{
			Name:         "alice",
			Destinations: map[destination.URI][]byte{uri: crypto.MarshalCertificatePEM(cert)},
		}},
	})
	if err != nil {
		panic(err)
	}
	defer dc.Close()

	c, err := dc.Registry.Certificate(ctx, uri)
	if err != nil {
		panic(err)
	}
	m, _ := dc.Registry.Member(ctx, "alice")
	fmt.Println(c.Subject.CommonName, "self-signed:", m.Identity.SelfSigned)

	hash := sha256.Sum256([]byte("a document"))
	rc, err := dc.Pinner.Pin(ctx, hash)
	if err != nil {
		panic(err)
	}
	p, err := dc.Pinner.Prove(ctx, hash)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Tx == rc.Tx, p.By == dc.Admin.Address())
	// Output:
	// alice-inbox self-signed: true
	// true true
}
