package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// fakeClef answers the account_* calls of clef's external API with one
// key, so the ExternalSigner path is exercised without clef itself.
type fakeClef struct {
	key   *ecdsa.PrivateKey
	calls int
}

func (f *fakeClef) Version() string { return "6.0.0" }

func (f *fakeClef) List() []common.Address {
	return []common.Address{ethcrypto.PubkeyToAddress(f.key.PublicKey)}
}

func (f *fakeClef) SignTransaction(args apitypes.SendTxArgs) (map[string]any, error) {
	f.calls++
	if args.From.Address() != ethcrypto.PubkeyToAddress(f.key.PublicKey) {
		return nil, errors.New("unknown account")
	}
	tx, err := args.ToTransaction()
	if err != nil {
		return nil, err
	}
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(args.ChainID.ToInt()), f.key)
	if err != nil {
		return nil, err
	}
	raw, _ := signed.MarshalBinary()
	return map[string]any{"raw": hexutil.Bytes(raw), "tx": signed}, nil
}

func TestExternalSignerDeploys(t *testing.T) {
	h := simHarness(t)
	ctx := context.Background()
	key, _ := ethcrypto.GenerateKey()
	clef := &fakeClef{key: key}
	srv := rpc.NewServer()
	if err := srv.RegisterName("account", clef); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Stop()

	if _, err := NewExternalSigner(hs.URL, common.Address{1}); err == nil {
		t.Fatal("an address the signer does not hold was accepted")
	}
	s, err := NewExternalSigner(hs.URL, common.Address{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Address() != ethcrypto.PubkeyToAddress(key.PublicKey) {
		t.Fatalf("signer address %s", s.Address())
	}
	if err := h.fund(ctx, s.Address(), bigEther(1)); err != nil {
		t.Fatal(err)
	}
	a, err := Deploy(ctx, h.backend, s)
	if err != nil {
		t.Fatal(err)
	}
	if a.Deployer != s.Address() || clef.calls != 2 {
		t.Fatalf("deploy %+v after %d signing calls", a, clef.calls)
	}
	p, err := NewPinner(ctx, h.backend, a.Pin, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Pin(ctx, [32]byte{9}); err != nil {
		t.Fatal(err)
	}
	if pr, err := p.Prove(ctx, [32]byte{9}); err != nil || pr.By != s.Address() {
		t.Fatalf("prove: %+v, %v", pr, err)
	}
}
