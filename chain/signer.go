package chain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"io"
	"math/big"
	"os"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/external"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// Signer signs the transactions a client sends. Implementations: a key
// held in memory (NewKeySigner, LoadKeystore) or an external signer
// process such as clef (NewExternalSigner), so a remote or hardware
// signer can take the key's place.
type Signer interface {
	Address() common.Address
	SignTx(ctx context.Context, tx *types.Transaction, chainID *big.Int) (*types.Transaction, error)
}

// KeySigner signs with a private key held in memory.
type KeySigner struct{ key *ecdsa.PrivateKey }

// NewKeySigner returns a Signer for key. The key is only held in memory;
// to keep one at rest use an encrypted keystore file (LoadKeystore).
func NewKeySigner(key *ecdsa.PrivateKey) *KeySigner { return &KeySigner{key: key} }

// Address is the key's Ethereum address.
func (s *KeySigner) Address() common.Address { return ethcrypto.PubkeyToAddress(s.key.PublicKey) }

// SignTx signs tx for chainID with the latest signer rules.
func (s *KeySigner) SignTx(_ context.Context, tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	return types.SignTx(tx, types.LatestSignerForChainID(chainID), s.key)
}

// LoadKeystore decrypts a go-ethereum keystore file (encrypted JSON, as
// written by geth, clef or `consign chain import-key`) with password and
// returns a signer holding the key in memory only.
func LoadKeystore(path, password string) (*KeySigner, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("chain: load keystore: %w", err)
	}
	defer f.Close()
	js, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("chain: load keystore %q: %w", path, err)
	}
	k, err := keystore.DecryptKey(js, password)
	if err != nil {
		return nil, fmt.Errorf("chain: load keystore %q: %w", path, err)
	}
	return NewKeySigner(k.PrivateKey), nil
}

// ImportKey encrypts key with password into a new keystore file in dir
// (standard scrypt parameters unless light is set, which is for tests)
// and returns the file's path.
func ImportKey(dir string, key *ecdsa.PrivateKey, password string, light bool) (string, error) {
	n, p := keystore.StandardScryptN, keystore.StandardScryptP
	if light {
		n, p = keystore.LightScryptN, keystore.LightScryptP
	}
	ks := keystore.NewKeyStore(dir, n, p)
	acct, err := ks.ImportECDSA(key, password)
	if err != nil {
		return "", fmt.Errorf("chain: import key into %q: %w", dir, err)
	}
	return acct.URL.Path, nil
}

// ExternalSigner signs through an external signer speaking clef's
// account_signTransaction API.
type ExternalSigner struct {
	ext     *external.ExternalSigner
	account accounts.Account
}

// NewExternalSigner connects to an external signer at endpoint (e.g.
// clef's IPC path or http URL). With a zero address it uses the signer's
// first account.
func NewExternalSigner(endpoint string, address common.Address) (*ExternalSigner, error) {
	ext, err := external.NewExternalSigner(endpoint)
	if err != nil {
		return nil, fmt.Errorf("chain: external signer %q: %w", endpoint, err)
	}
	accts := ext.Accounts()
	for _, a := range accts {
		if address == (common.Address{}) || a.Address == address {
			return &ExternalSigner{ext: ext, account: a}, nil
		}
	}
	return nil, fmt.Errorf("chain: external signer %q: no account %s", endpoint, address.Hex())
}

// Address is the account the signer signs for.
func (s *ExternalSigner) Address() common.Address { return s.account.Address }

// SignTx asks the external signer to sign tx.
func (s *ExternalSigner) SignTx(_ context.Context, tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	return s.ext.SignTx(s.account, tx, chainID)
}
