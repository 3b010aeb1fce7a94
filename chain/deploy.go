package chain

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/consign/consign/chain/internal/contracts"
)

// Addresses are where Deploy put the contracts.
type Addresses struct {
	ChainID  uint64         `json:"chain_id"`
	Registry common.Address `json:"registry"`
	Pin      common.Address `json:"pin"`
	Deployer common.Address `json:"deployer"` // the registry's first admin
}

// Deploy deploys a Registry (whose first admin is the signer) and a Pin
// contract and waits until both are mined.
func Deploy(ctx context.Context, backend Backend, signer Signer) (Addresses, error) {
	t, err := newTransactor(ctx, backend, signer)
	if err != nil {
		return Addresses{}, err
	}
	if t == nil {
		return Addresses{}, fmt.Errorf("chain: deploy: %w", ErrNoSigner)
	}
	creator := bind.NewBoundContract(common.Address{}, abi.ABI{}, backend, backend, backend)
	var txs []*types.Transaction
	for _, md := range []*bind.MetaData{&contracts.RegistryMetaData, &contracts.PinMetaData} {
		code, err := hexutil.Decode(md.Bin)
		if err != nil {
			return Addresses{}, fmt.Errorf("chain: deploy %s: bytecode: %w", md.ID, err)
		}
		tx, err := t.submitTx(ctx, creator, code, nil, true)
		if err != nil {
			return Addresses{}, fmt.Errorf("chain: deploy %s: %w", md.ID, err)
		}
		txs = append(txs, tx)
	}
	var addrs []common.Address
	for i, tx := range txs {
		rc, err := waitMined(ctx, backend, tx)
		if err != nil {
			return Addresses{}, fmt.Errorf("chain: deploy contract %d: %w", i, err)
		}
		addrs = append(addrs, rc.ContractAddress)
	}
	return Addresses{ChainID: t.chainID.Uint64(), Registry: addrs[0], Pin: addrs[1], Deployer: signer.Address()}, nil
}
