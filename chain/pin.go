package chain

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/consign/consign/chain/internal/contracts"
)

// MaxPinBatch is the most hashes PinBatch takes in one transaction.
const MaxPinBatch = 256

// Pinner pins hashes in the Pin contract and proves pins.
type Pinner struct {
	backend Backend
	abi     *contracts.Pin
	bound   *bind.BoundContract
	addr    common.Address
	tx      *transactor
}

// Proof says who first pinned a hash, in which transaction, block and when.
type Proof struct {
	Hash      [32]byte
	Tx        common.Hash
	Block     uint64
	Timestamp time.Time
	By        common.Address
}

// PinReceipt identifies the transaction that carried a pin or batch.
type PinReceipt struct {
	Tx      common.Hash
	Block   uint64
	GasUsed uint64
}

// NewPinner connects to the Pin contract at addr. signer may be nil when
// only Prove is used.
func NewPinner(ctx context.Context, backend Backend, addr common.Address, signer Signer) (*Pinner, error) {
	if err := checkCode(ctx, backend, addr); err != nil {
		return nil, fmt.Errorf("chain: pin: %w", err)
	}
	tx, err := newTransactor(ctx, backend, signer)
	if err != nil {
		return nil, err
	}
	abi := contracts.NewPin()
	return &Pinner{backend: backend, abi: abi, bound: abi.Instance(backend, addr), addr: addr, tx: tx}, nil
}

// Address is the Pin contract's address.
func (p *Pinner) Address() common.Address { return p.addr }

// Pin pins one hash and waits for its transaction to be mined. Pinning a
// hash again succeeds and leaves the first pin's record in place.
func (p *Pinner) Pin(ctx context.Context, hash [32]byte) (PinReceipt, error) {
	tx, err := p.SubmitPin(ctx, hash)
	if err != nil {
		return PinReceipt{}, err
	}
	return p.Wait(ctx, tx)
}

// PinBatch pins up to MaxPinBatch hashes in one transaction and waits for it.
func (p *Pinner) PinBatch(ctx context.Context, hashes [][32]byte) (PinReceipt, error) {
	tx, err := p.SubmitBatch(ctx, hashes)
	if err != nil {
		return PinReceipt{}, err
	}
	return p.Wait(ctx, tx)
}

// SubmitPin sends a one-hash pin without waiting; see Wait. Several
// submissions may be in flight at once.
func (p *Pinner) SubmitPin(ctx context.Context, hash [32]byte) (*types.Transaction, error) {
	tx, err := p.tx.submit(ctx, p.bound, p.abi.PackPin(hash), p.abi.UnpackError)
	if err != nil {
		return nil, fmt.Errorf("chain: pin %x: %w", hash, err)
	}
	return tx, nil
}

// SubmitBatch sends a batch pin without waiting; see Wait.
func (p *Pinner) SubmitBatch(ctx context.Context, hashes [][32]byte) (*types.Transaction, error) {
	if len(hashes) == 0 || len(hashes) > MaxPinBatch {
		return nil, fmt.Errorf("chain: pin batch: %d hashes, want 1 to %d: %w", len(hashes), MaxPinBatch, ErrBadArgument)
	}
	tx, err := p.tx.submit(ctx, p.bound, p.abi.PackPinBatch(hashes), p.abi.UnpackError)
	if err != nil {
		return nil, fmt.Errorf("chain: pin batch of %d: %w", len(hashes), err)
	}
	return tx, nil
}

// Wait waits for a submitted pin transaction to be mined.
func (p *Pinner) Wait(ctx context.Context, tx *types.Transaction) (PinReceipt, error) {
	rc, err := waitMined(ctx, p.backend, tx)
	if err != nil {
		return PinReceipt{}, fmt.Errorf("chain: pin: %w", err)
	}
	return PinReceipt{Tx: rc.TxHash, Block: rc.BlockNumber.Uint64(), GasUsed: rc.GasUsed}, nil
}

// Prove returns the first pin of hash, or an error for which
// errors.Is(err, ErrNotPinned).
func (p *Pinner) Prove(ctx context.Context, hash [32]byte) (Proof, error) {
	op := "chain: prove " + hex.EncodeToString(hash[:])
	rec, err := bind.Call(p.bound, &bind.CallOpts{Context: ctx}, p.abi.PackPinned(hash), p.abi.UnpackPinned)
	if err != nil {
		return Proof{}, fmt.Errorf("%s: %w", op, decodeRevert(err, p.abi.UnpackError))
	}
	if rec.BlockNumber == nil || rec.BlockNumber.Sign() == 0 {
		return Proof{}, fmt.Errorf("%s: %w", op, ErrNotPinned)
	}
	pr := Proof{Hash: hash, Block: rec.BlockNumber.Uint64(), Timestamp: time.Unix(rec.Timestamp.Int64(), 0).UTC(), By: rec.By}
	// The transaction is the one whose Pinned event for hash is in that block.
	blk := new(big.Int).Set(rec.BlockNumber)
	logs, err := p.backend.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: blk, ToBlock: blk, Addresses: []common.Address{p.addr},
		Topics: [][]common.Hash{{p.abi.GetABI().Events[contracts.PinPinnedEventName].ID}, {common.Hash(hash)}},
	})
	if err != nil {
		return Proof{}, fmt.Errorf("%s: find transaction in block %d: %w", op, pr.Block, err)
	}
	if len(logs) == 0 {
		return Proof{}, fmt.Errorf("%s: block %d has no Pinned event for it (pruned logs?)", op, pr.Block)
	}
	pr.Tx = logs[0].TxHash
	return pr, nil
}
