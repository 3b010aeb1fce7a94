package consortium

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// stores runs f against every Store implementation.
func stores(t *testing.T, f func(t *testing.T, s Store)) {
	t.Run("memory", func(t *testing.T) { f(t, NewMemoryStore()) })
	t.Run("sqlite", func(t *testing.T) {
		db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "c.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := NewSQLStore(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		f(t, s)
	})
}

func TestEverythingStaysInItsEnvironment(t *testing.T) { stores(t, everythingStaysInItsEnvironment) }
func TestInvitationExpires(t *testing.T)               { stores(t, invitationExpires) }

func everythingStaysInItsEnvironment(t *testing.T, s Store) {
	ctx := context.Background()
	m := New(s)
	c, err := m.CreateConsortium(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreateEnvironment(ctx, c.ID, "x", 1, "pow"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown consensus: %v", err)
	}
	e1, _ := m.CreateEnvironment(ctx, c.ID, "one", 1337, PoA)
	e2, _ := m.CreateEnvironment(ctx, c.ID, "two", 1338, Raft)

	inv, err := m.Invite(ctx, e1.ID, "Org A", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Invitation(ctx, inv.Token); err != nil || got.Nonce != inv.Nonce || got.EnvironmentID != e1.ID {
		t.Fatalf("invitation by token: %+v, %v", got, err)
	}
	if _, err := m.Invitation(ctx, "wrong-token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if _, err := m.Redeem(ctx, e2.ID, inv.Nonce, "orga", "0x01"); !errors.Is(err, ErrCrossEnvironment) {
		t.Fatalf("redeem in other environment: %v", err)
	}
	if _, err := m.Redeem(ctx, e1.ID, "bogus", "orga", "0x01"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown nonce: %v", err)
	}
	ms, err := m.Redeem(ctx, e1.ID, inv.Nonce, "orga", "0x01")
	if err != nil || ms.EnvironmentID != e1.ID || ms.OrgName != "Org A" {
		t.Fatalf("redeem: %+v, %v", ms, err)
	}
	if _, err := m.Redeem(ctx, e1.ID, inv.Nonce, "orgb", "0x02"); !errors.Is(err, ErrInvitationUsed) {
		t.Fatalf("second redeem: %v", err)
	}
	if _, err := m.Invitation(ctx, inv.Token); !errors.Is(err, ErrInvitationUsed) {
		t.Fatalf("used token: %v", err)
	}

	// A membership of e1 cannot get a node or service in e2.
	if _, err := m.AddNode(ctx, e2.ID, ms.ID, "n1", ""); !errors.Is(err, ErrCrossEnvironment) {
		t.Fatalf("cross-environment node: %v", err)
	}
	if _, err := m.AddService(ctx, e2.ID, ms.ID, "documentstore", "docs"); !errors.Is(err, ErrCrossEnvironment) {
		t.Fatalf("cross-environment service: %v", err)
	}
	if _, err := m.AddNode(ctx, e1.ID, ms.ID, "n1", "http://127.0.0.1:8545"); err != nil {
		t.Fatal(err)
	}
	svc, err := m.AddService(ctx, e1.ID, ms.ID, "documentstore", "docs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.AddDestination(ctx, e2.ID, svc.ID, "inbox"); !errors.Is(err, ErrCrossEnvironment) {
		t.Fatalf("cross-environment destination: %v", err)
	}
	if _, err := m.AddDestination(ctx, e1.ID, svc.ID, "Bad Name"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad destination name: %v", err)
	}
	d, err := m.AddDestination(ctx, e1.ID, svc.ID, "inbox")
	if err != nil {
		t.Fatal(err)
	}
	want := "kld://documentstore/m/orga/e/" + e1.ID + "/s/" + svc.ID + "/d/inbox"
	if d.URI != want {
		t.Fatalf("URI %q, want %q", d.URI, want)
	}
	if _, err := m.AddDestination(ctx, e1.ID, svc.ID, "inbox"); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate destination: %v", err)
	}
	for _, f := range []func() (int, error){
		func() (int, error) { x, err := m.Memberships(ctx, e2.ID); return len(x), err },
		func() (int, error) { x, err := m.Nodes(ctx, e2.ID); return len(x), err },
		func() (int, error) { x, err := m.Destinations(ctx, e2.ID); return len(x), err },
	} {
		if n, err := f(); err != nil || n != 0 {
			t.Fatalf("environment two sees %d records of one (%v)", n, err)
		}
	}
	if ds, _ := m.Destinations(ctx, e1.ID); len(ds) != 1 || !strings.HasSuffix(ds[0].URI, "/d/inbox") {
		t.Fatalf("destinations of one: %+v", ds)
	}
}

func invitationExpires(t *testing.T, s Store) {
	ctx := context.Background()
	m := New(s)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return now }
	c, _ := m.CreateConsortium(ctx, "demo")
	e, _ := m.CreateEnvironment(ctx, c.ID, "one", 1, IBFT)
	inv, _ := m.Invite(ctx, e.ID, "Org", time.Minute)
	now = now.Add(time.Minute)
	if _, err := m.Redeem(ctx, e.ID, inv.Nonce, "org", "0x01"); !errors.Is(err, ErrInvitationExpired) {
		t.Fatalf("expired: %v", err)
	}
	if ms, _ := m.Memberships(ctx, e.ID); len(ms) != 0 {
		t.Fatal("a refused redeem created a membership")
	}
}

func TestAcceptAndProofNonces(t *testing.T) { stores(t, acceptAndProofNonces) }

func acceptAndProofNonces(t *testing.T, s Store) {
	ctx := context.Background()
	m := New(s)
	c, _ := m.CreateConsortium(ctx, "demo")
	other, _ := m.CreateConsortium(ctx, "other")
	e, _ := m.CreateEnvironment(ctx, c.ID, "one", 1337, PoA)
	if _, err := m.EnvironmentOf(ctx, other.ID, e.ID); !errors.Is(err, ErrCrossEnvironment) {
		t.Fatalf("environment through another consortium: %v", err)
	}
	if envs, _ := m.Environments(ctx, other.ID); len(envs) != 0 {
		t.Fatalf("other consortium lists %v", envs)
	}
	if _, err := m.AdoptEnvironment(ctx, c.ID, "has-dash", "x", 1, PoA); !errors.Is(err, ErrInvalid) {
		t.Fatalf("adopt an id with '-': %v", err)
	}
	inv, _ := m.Invite(ctx, e.ID, "Org B", time.Hour)
	ms, err := m.Accept(ctx, inv.Token, "orgb", "0x02")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Accept(ctx, inv.Token, "orgb2", "0x03"); !errors.Is(err, ErrInvitationUsed) {
		t.Fatalf("second accept: %v", err)
	}
	if _, err := m.Membership(ctx, "orgb2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused accept created a membership: %v", err)
	}
	inv2, _ := m.Invite(ctx, e.ID, "Org C", time.Hour)
	mc, _ := m.Accept(ctx, inv2.Token, "orgc", "0x04")

	pb, err := m.RequestProof(ctx, ms.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pb.CNPrefix() != e.ID+"-"+pb.Nonce {
		t.Fatalf("CN prefix %q", pb.CNPrefix())
	}
	if _, err := m.ProofNonce(ctx, mc.ID, pb.Nonce); !errors.Is(err, ErrCrossEnvironment) {
		t.Fatalf("another membership's nonce: %v", err)
	}
	cons := m.ProofNonceConsumer()
	if err := cons.ConsumeNonce(ctx, e.ID, pb.Nonce, mc.ID, ""); !errors.Is(err, ErrCrossEnvironment) {
		t.Fatalf("consume another membership's nonce: %v", err)
	}
	if err := cons.ConsumeNonce(ctx, e.ID, pb.Nonce, ms.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := cons.ConsumeNonce(ctx, e.ID, pb.Nonce, ms.ID, ""); !errors.Is(err, ErrInvitationUsed) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := m.ProofNonce(ctx, ms.ID, pb.Nonce); !errors.Is(err, ErrInvitationUsed) {
		t.Fatalf("used nonce: %v", err)
	}
	if ns, _ := m.ProofNonces(ctx, ms.ID); len(ns) != 1 || ns[0].UsedAt.IsZero() {
		t.Fatalf("proof nonces %+v", ns)
	}
}
