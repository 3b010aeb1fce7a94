// Package chainapi connects the web layer's registry read API to the
// chain clients. The web package states what its handlers need as small
// interfaces (web.RegistryReader, web.PinProver) in its own vocabulary and
// never imports the chain package; this package is the one place that
// knows both sides. It turns *chain.Registry and *chain.Pinner into those
// interfaces and classifies the chain's sentinel errors into the web
// layer's: an unknown destination, member or pin becomes web.ErrNotFound
// (404) and a malformed destination URI web.ErrBadRequest (400). The
// classified error still wraps the chain error, so errors.Is sees both.
//
// A node wires it with
//
//	srv.HandleRegistry(chainapi.Registry(reg), chainapi.Pins(pinner), managed)
package chainapi

import (
	"context"
	"errors"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/web"
)

// Registry adapts a chain registry client to web.RegistryReader.
func Registry(r *chain.Registry) web.RegistryReader { return registry{r} }

// Pins adapts a chain pin client to web.PinProver. A nil p gives nil, so
// that web.Server.HandleRegistry answers pin requests with 503.
func Pins(p *chain.Pinner) web.PinProver {
	if p == nil {
		return nil
	}
	return pins{p}
}

type registry struct{ r *chain.Registry }

func (a registry) Members(ctx context.Context) ([]web.RegistryMember, error) {
	ms, err := a.r.Members(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]web.RegistryMember, len(ms))
	for i, m := range ms {
		wm := web.RegistryMember{
			Name:    m.Name,
			Address: m.Owner.Hex(),
			Identity: web.RegistryIdentity{
				SelfSigned:            m.Identity.SelfSigned,
				OrganizationUnvouched: m.Identity.OrganizationUnvouched,
				LeafSubject:           m.Identity.LeafSubject,
				IssuerChain:           m.Identity.IssuerChain,
				Certificates:          certificates(m.Identity.ChainPEM),
			},
		}
		for _, d := range m.Destinations() {
			wm.Destinations = append(wm.Destinations, web.RegistryDestinationRef{URI: d.URI.String(), Name: d.Name})
		}
		out[i] = wm
	}
	return out, nil
}

// certificates describes the certificates of an identity proof's PEM
// chain, leaf first; nil when it does not parse (the registry validated
// it at registration, so that does not happen for a registered member).
func certificates(chainPEM string) []web.RegistryCertificate {
	certs, err := crypto.ParseCertificatesPEM([]byte(chainPEM))
	if err != nil {
		return nil
	}
	out := make([]web.RegistryCertificate, len(certs))
	for i, c := range certs {
		out[i] = web.RegistryCertificate{Subject: c.Subject.String(), Issuer: c.Issuer.String(), NotBefore: c.NotBefore, NotAfter: c.NotAfter}
	}
	return out
}

func (a registry) Destination(ctx context.Context, uri destination.URI) (web.RegistryDestination, error) {
	d, err := a.r.Destination(ctx, uri)
	if err != nil {
		return web.RegistryDestination{}, classify(err)
	}
	return web.RegistryDestination{URI: d.URI.String(), Member: d.Member, CertificatePEM: d.CertificatePEM}, nil
}

type pins struct{ p *chain.Pinner }

func (a pins) Prove(ctx context.Context, hash [32]byte) (web.PinProof, error) {
	pr, err := a.p.Prove(ctx, hash)
	if err != nil {
		return web.PinProof{}, classify(err)
	}
	return web.PinProof{Hash: pr.Hash, Tx: pr.Tx.Hex(), Block: pr.Block, Timestamp: pr.Timestamp, By: pr.By.Hex()}, nil
}

// classify adds the web sentinel matching err's chain sentinel. Order
// matters: the registry reports a malformed URI as an unknown destination
// too, and malformed is the more useful answer.
func classify(err error) error {
	switch {
	case errors.Is(err, destination.ErrBadURI):
		return classified{web.ErrBadRequest, err}
	case errors.Is(err, destination.ErrUnknownDestination),
		errors.Is(err, chain.ErrUnknownMember),
		errors.Is(err, chain.ErrNotPinned):
		return classified{web.ErrNotFound, err}
	}
	return err
}

// classified is err (whose message it keeps) also matching kind.
type classified struct{ kind, err error }

func (c classified) Error() string   { return c.err.Error() }
func (c classified) Unwrap() []error { return []error{c.kind, c.err} }
