package chain

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

// Backend is what the clients need from a chain connection. Both
// *ethclient.Client (JSON-RPC) and the simulated backend's client
// satisfy it.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
	ethereum.ChainIDReader
	ethereum.BlockNumberReader
}

// transactor sends transactions for one signer, numbering them itself so
// that several can be in flight at once, and waits for their receipts.
type transactor struct {
	backend Backend
	signer  Signer
	chainID *big.Int

	mu    sync.Mutex
	nonce *uint64 // next nonce; nil means ask the node
}

func newTransactor(ctx context.Context, b Backend, s Signer) (*transactor, error) {
	if s == nil {
		return nil, nil
	}
	id, err := b.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("chain: read chain id: %w", err)
	}
	return &transactor{backend: b, signer: s, chainID: id}, nil
}

// submit signs and sends a call of data to c without waiting for it to be
// mined. Gas is estimated first, so a call the contract would refuse
// fails here, decoded by decode, and nothing is sent.
func (t *transactor) submit(ctx context.Context, c *bind.BoundContract, data []byte, decode func([]byte) (any, error)) (*types.Transaction, error) {
	return t.submitTx(ctx, c, data, decode, false)
}

// submitTx sends data as a call to c, or as contract creation code if create is set.
func (t *transactor) submitTx(ctx context.Context, c *bind.BoundContract, data []byte, decode func([]byte) (any, error), create bool) (*types.Transaction, error) {
	if t == nil {
		return nil, ErrNoSigner
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nonce == nil {
		n, err := t.backend.PendingNonceAt(ctx, t.signer.Address())
		if err != nil {
			return nil, fmt.Errorf("read nonce: %w", err)
		}
		t.nonce = &n
	}
	opts := &bind.TransactOpts{
		From:    t.signer.Address(),
		Nonce:   new(big.Int).SetUint64(*t.nonce),
		Context: ctx,
		Signer: func(_ common.Address, tx *types.Transaction) (*types.Transaction, error) {
			return t.signer.SignTx(ctx, tx, t.chainID)
		},
	}
	var tx *types.Transaction
	var err error
	for attempt := 0; ; attempt++ {
		if create {
			tx, err = c.RawCreationTransact(opts, data)
		} else {
			tx, err = c.RawTransact(opts, data)
		}
		if err == nil || attempt > 0 || !staleNonce(err) {
			break
		}
		// Someone else used this account meanwhile: renumber once.
		n, nerr := t.backend.PendingNonceAt(ctx, t.signer.Address())
		if nerr != nil {
			break
		}
		*t.nonce = n
		opts.Nonce = new(big.Int).SetUint64(n)
	}
	if err != nil {
		t.nonce = nil // re-read from the node next time
		return nil, decodeRevert(err, decode)
	}
	*t.nonce++
	return tx, nil
}

// send submits and waits for the receipt; a failed receipt is ErrReverted.
func (t *transactor) send(ctx context.Context, c *bind.BoundContract, data []byte, decode func([]byte) (any, error)) (*types.Receipt, error) {
	tx, err := t.submit(ctx, c, data, decode)
	if err != nil {
		return nil, err
	}
	return waitMined(ctx, t.backend, tx)
}

// waitMined polls for tx's receipt, briefly at first (dev chains mine at
// once), then backing off to one second.
func waitMined(ctx context.Context, b Backend, tx *types.Transaction) (*types.Receipt, error) {
	delay := 5 * time.Millisecond
	for {
		r, err := b.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			if r.Status != types.ReceiptStatusSuccessful {
				return r, fmt.Errorf("tx %s in block %d: %w", tx.Hash().Hex(), r.BlockNumber, ErrReverted)
			}
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) {
			return nil, fmt.Errorf("receipt of %s: %w", tx.Hash().Hex(), err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}

// decodeRevert turns a node's revert error carrying a contract custom
// error into this package's sentinels.
func decodeRevert(err error, decode func([]byte) (any, error)) error {
	var de rpc.DataError
	if decode == nil || !errors.As(err, &de) {
		return err
	}
	s, ok := de.ErrorData().(string)
	if !ok {
		return err
	}
	raw, herr := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if herr != nil || len(raw) < 4 {
		return err
	}
	v, uerr := decode(raw)
	if uerr != nil {
		return err
	}
	return contractError(v)
}

// callOpts returns call options reading state at height (0: latest).
func callOpts(ctx context.Context, height uint64) *bind.CallOpts {
	o := &bind.CallOpts{Context: ctx}
	if height > 0 {
		o.BlockNumber = new(big.Int).SetUint64(height)
	}
	return o
}

// checkCode fails with ErrNoContract if addr holds no code.
func checkCode(ctx context.Context, b Backend, addr common.Address) error {
	code, err := b.CodeAt(ctx, addr, nil)
	if err != nil {
		return fmt.Errorf("read code at %s: %w", addr.Hex(), err)
	}
	if len(code) == 0 {
		return fmt.Errorf("%s: %w", addr.Hex(), ErrNoContract)
	}
	return nil
}

func staleNonce(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "nonce too low") || strings.Contains(m, "already known") ||
		strings.Contains(m, "replacement transaction underpriced")
}

// Transfer sends wei from the signer to to and waits for it to be mined
// (used to fund member accounts on development chains).
func Transfer(ctx context.Context, b Backend, from Signer, to common.Address, wei *big.Int) error {
	t, err := newTransactor(ctx, b, from)
	if err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("chain: transfer: %w", ErrNoSigner)
	}
	var signed *types.Transaction
	for attempt := 0; ; attempt++ {
		signed, err = signTransfer(ctx, b, t, to, wei)
		if err != nil {
			return err
		}
		err = b.SendTransaction(ctx, signed)
		if err == nil {
			break
		}
		if attempt == 2 || !staleNonce(err) {
			return fmt.Errorf("chain: transfer to %s: %w", to.Hex(), err)
		}
	}
	if _, err := waitMined(ctx, b, signed); err != nil {
		return fmt.Errorf("chain: transfer to %s: %w", to.Hex(), err)
	}
	return nil
}

// signTransfer builds and signs a plain value transfer at the account's
// pending nonce.
func signTransfer(ctx context.Context, b Backend, t *transactor, to common.Address, wei *big.Int) (*types.Transaction, error) {
	nonce, err := b.PendingNonceAt(ctx, t.signer.Address())
	if err != nil {
		return nil, fmt.Errorf("chain: transfer: read nonce: %w", err)
	}
	tip, err := b.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, fmt.Errorf("chain: transfer: %w", err)
	}
	head, err := b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("chain: transfer: %w", err)
	}
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: t.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: 21000, To: &to, Value: wei})
	signed, err := t.signer.SignTx(ctx, tx, t.chainID)
	if err != nil {
		return nil, fmt.Errorf("chain: transfer: sign: %w", err)
	}
	return signed, nil
}
