// Package devnet builds in-process dev-chain fixtures for the tests of
// the document store and of the web API: members that publish a
// documentstore destination each, on a chain.DevChain closed when the
// test ends.
package devnet

import (
	"context"
	stdcrypto "crypto"
	"crypto/x509"
	"testing"
	"time"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
)

// DocDestination is a member's documentstore destination "docs" with its
// key and certificate.
type DocDestination struct {
	Member string
	URI    destination.URI
	Key    stdcrypto.Signer
	Cert   *x509.Certificate
	PEM    []byte // Cert, PEM-encoded
}

// NewDocDestination makes member's documentstore destination "docs" of
// service "<member>-ds" in environment env, with a fresh key of alg.
func NewDocDestination(t testing.TB, env, member string, alg crypto.KeyAlgorithm) DocDestination {
	t.Helper()
	u := destination.URI{Scheme: "kld", Kind: "documentstore", Member: member, Environment: env, Service: member + "-ds", Name: "docs"}
	key, cert, err := crypto.GenerateDestination(u.String(), alg)
	if err != nil {
		t.Fatal(err)
	}
	return DocDestination{Member: member, URI: u, Key: key, Cert: cert, PEM: crypto.MarshalCertificatePEM(cert)}
}

// DevMember is the chain member that publishes d.
func (d DocDestination) DevMember() chain.DevMember {
	return chain.DevMember{Name: d.Member, Destinations: map[destination.URI][]byte{d.URI: d.PEM}}
}

// StartChain starts an in-process dev chain of environment env with the
// given members, its registry polled every 50 ms. It is closed when the
// test ends.
func StartChain(t testing.TB, env string, members []chain.DevMember) *chain.DevChain {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dc, err := chain.StartDev(ctx, chain.DevConfig{EnvironmentID: env, Members: members, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dc.Close() })
	return dc
}
