package chain

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"

	"github.com/consign/consign/chain/consortium"
	"github.com/consign/consign/destination"
)

func TestStartDev(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pf := proofs{t}
	model := consortium.New(consortium.NewMemoryStore())
	cons, _ := model.CreateConsortium(ctx, "demo")
	env, _ := model.CreateEnvironment(ctx, cons.ID, "dev", 1337, consortium.PoA)
	var members []DevMember
	for _, name := range []string{"alice", "bob"} {
		inv, err := model.Invite(ctx, env.ID, name, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		uri := destination.MustParse("kld://documentstore/m/" + name + "/e/" + env.ID + "/s/docs/d/inbox")
		members = append(members, DevMember{
			Name: name, ProofPEM: pf.selfSigned(env.ID, inv.Nonce, name+" Ltd"), Nonce: inv.Nonce,
			Destinations: map[destination.URI][]byte{uri: destCert(t, name+"-inbox")},
		})
	}
	dc, err := StartDev(ctx, DevConfig{EnvironmentID: env.ID, Members: members, Nonces: model})
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	book, err := dc.Registry.AddressBook(ctx)
	if err != nil || len(book) != 2 || !book[0].SelfSigned || len(book[1].Destinations) != 1 {
		t.Fatalf("address book %+v, %v", book, err)
	}
	bobURI := destination.MustParse("kld://documentstore/m/bob/e/" + env.ID + "/s/docs/d/inbox")
	if c, err := dc.Registry.Certificate(ctx, bobURI); err != nil || c.Subject.CommonName != "bob-inbox" {
		t.Fatalf("bob's certificate: %v, %v", c, err)
	}
	// Each member's client signs as its owner: alice cannot write bob's profile.
	if _, err := dc.Members["alice"].PublishDestination(ctx, bobURI, destCert(t, "x")); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("alice writing bob's profile: %v", err)
	}
	if _, err := dc.Pinner.Pin(ctx, [32]byte{1}); err != nil {
		t.Fatal(err)
	}
	if p, err := dc.Pinner.Prove(ctx, [32]byte{1}); err != nil || p.By != dc.Admin.Address() {
		t.Fatalf("prove: %+v, %v", p, err)
	}
}

func TestKeystoreSignsDeploy(t *testing.T) {
	h := simHarness(t)
	ctx := context.Background()
	key, _ := ethcrypto.GenerateKey()
	dir := t.TempDir()
	path, err := ImportKey(dir, key, "correct horse", true)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := os.ReadFile(path)
	if d := ethcrypto.FromECDSA(key); containsHex(js, d) {
		t.Fatal("keystore file holds the key in plaintext")
	}
	if _, err := LoadKeystore(path, "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	s, err := LoadKeystore(filepath.Clean(path), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if s.Address() != ethcrypto.PubkeyToAddress(key.PublicKey) {
		t.Fatal("keystore decrypted to another key")
	}
	if err := h.fund(ctx, s.Address(), bigEther(1)); err != nil {
		t.Fatal(err)
	}
	a, err := Deploy(ctx, h.backend, s)
	if err != nil {
		t.Fatal(err)
	}
	if a.Deployer != s.Address() || a.Registry == a.Pin || a.ChainID != 1337 {
		t.Fatalf("addresses %+v", a)
	}
	if _, err := NewRegistry(ctx, h.backend, nil, RegistryConfig{Address: s.Address(), EnvironmentID: "x"}); !errors.Is(err, ErrNoContract) {
		t.Fatalf("registry at an account without code: %v", err)
	}
}

func containsHex(haystack, needle []byte) bool {
	const digits = "0123456789abcdef"
	h := make([]byte, 0, 2*len(needle))
	for _, b := range needle {
		h = append(h, digits[b>>4], digits[b&15])
	}
	return bytesContains(haystack, h) || bytesContains(haystack, needle)
}

func bytesContains(a, b []byte) bool { return bytes.Contains(a, b) }

func bigEther(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

func TestStartDevMakesDemoProofs(t *testing.T) {
	ctx := context.Background()
	dc, err := StartDev(ctx, DevConfig{EnvironmentID: "zzdemo", Members: []DevMember{{Name: "carol"}, {Name: "dave"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	ms, err := dc.Registry.Members(ctx)
	if err != nil || len(ms) != 2 {
		t.Fatalf("members %v, %v", ms, err)
	}
	for _, m := range ms {
		if !m.Identity.SelfSigned || m.Identity.Organization != m.Name || m.Owner != ethcrypto.PubkeyToAddress(dc.MemberKeys[m.Name].PublicKey) {
			t.Fatalf("member %+v", m)
		}
	}
}
