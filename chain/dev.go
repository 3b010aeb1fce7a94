package chain

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
)

// DevMember is a demo member StartDev registers.
type DevMember struct {
	Name string
	// Key owns the member's registry entry; generated when nil. It is
	// funded in the simulated chain's genesis.
	Key *ecdsa.PrivateKey
	// ProofPEM is the member's identity proof (typically self-signed, leaf
	// CN "<env>-<nonce>--<Org>") and Nonce the nonce it carries. When both
	// are empty, StartDev makes a self-signed proof for organization Name
	// with a fresh nonce (only without DevConfig.Nonces, which would not
	// know that nonce).
	ProofPEM []byte
	Nonce    string
	// Destinations maps destination URIs to their certificate PEM.
	Destinations map[destination.URI][]byte
}

// DevConfig configures StartDev.
type DevConfig struct {
	EnvironmentID string
	// Verifier checks the demo members' proofs; zero value: CryptoVerifier{}
	// (self-signed proofs accepted and flagged).
	Verifier IdentityVerifier
	// Nonces, if set, is told about each registration's nonce.
	Nonces  NonceConsumer
	Members []DevMember
	// AdminKey deploys the contracts and administers the registry;
	// generated when nil.
	AdminKey *ecdsa.PrivateKey
	// PollInterval of the registry caches; zero means 200ms.
	PollInterval time.Duration
}

// DevChain is an in-process chain (go-ethereum's simulated backend) with
// the contracts deployed and the demo members registered. Every
// transaction sent through Backend is mined into its own block at once.
type DevChain struct {
	Sim       *simulated.Backend
	Backend   Backend
	Addresses Addresses
	Admin     *KeySigner
	// Registry signs as the admin; Pinner pins as the admin.
	Registry *Registry
	Pinner   *Pinner
	// Members holds, per demo member name, a registry client signing as
	// that member's owner (sharing Registry's cache) and its key.
	Members    map[string]*Registry
	MemberKeys map[string]*ecdsa.PrivateKey
}

// autoCommit mines a block after every transaction, as geth --dev
// --dev.period 0 does.
type autoCommit struct {
	simulated.Client
	sim *simulated.Backend
	mu  sync.Mutex
}

func (a *autoCommit) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.Client.SendTransaction(ctx, tx); err != nil {
		return err
	}
	a.sim.Commit()
	return nil
}

// StartDev starts a simulated chain, deploys the Registry and Pin
// contracts, and registers cfg.Members with their identity proofs and
// destination certificates. The chain lives in memory: it starts empty
// every time. Close releases it.
func StartDev(ctx context.Context, cfg DevConfig) (dc *DevChain, err error) {
	if !destination.ValidID(cfg.EnvironmentID) {
		return nil, fmt.Errorf("chain: dev: EnvironmentID %q must be 1–64 of A-Z a-z 0-9 - _ .", cfg.EnvironmentID)
	}
	if cfg.Verifier == nil {
		cfg.Verifier = CryptoVerifier{}
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	admin := cfg.AdminKey
	if admin == nil {
		if admin, err = ethcrypto.GenerateKey(); err != nil {
			return nil, err
		}
	}
	keys := map[string]*ecdsa.PrivateKey{}
	balance := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))
	alloc := types.GenesisAlloc{ethcrypto.PubkeyToAddress(admin.PublicKey): {Balance: balance}}
	for _, m := range cfg.Members {
		k := m.Key
		if k == nil {
			if k, err = ethcrypto.GenerateKey(); err != nil {
				return nil, err
			}
		}
		if _, dup := keys[m.Name]; dup {
			return nil, fmt.Errorf("chain: dev: member %q listed twice", m.Name)
		}
		keys[m.Name] = k
		alloc[ethcrypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: balance}
	}
	sim := simulated.NewBackend(alloc, simulated.WithBlockGasLimit(60_000_000))
	backend := &autoCommit{Client: sim.Client(), sim: sim}
	dc = &DevChain{Sim: sim, Backend: backend, Admin: NewKeySigner(admin), Members: map[string]*Registry{}, MemberKeys: keys}
	defer func() {
		if err != nil {
			dc.Close()
		}
	}()
	if dc.Addresses, err = Deploy(ctx, backend, dc.Admin); err != nil {
		return nil, err
	}
	dc.Registry, err = NewRegistry(ctx, backend, dc.Admin, RegistryConfig{
		Address: dc.Addresses.Registry, EnvironmentID: cfg.EnvironmentID,
		Verifier: cfg.Verifier, Nonces: cfg.Nonces, PollInterval: cfg.PollInterval,
	})
	if err != nil {
		return nil, err
	}
	if dc.Pinner, err = NewPinner(ctx, backend, dc.Addresses.Pin, dc.Admin); err != nil {
		return nil, err
	}
	for _, m := range cfg.Members {
		if len(m.ProofPEM) == 0 && m.Nonce == "" && cfg.Nonces == nil {
			if m.ProofPEM, m.Nonce, err = DemoIdentityProof(cfg.EnvironmentID, m.Name); err != nil {
				return nil, fmt.Errorf("chain: dev: member %q: %w", m.Name, err)
			}
		}
		k := keys[m.Name]
		owner := ethcrypto.PubkeyToAddress(k.PublicKey)
		if _, err = dc.Registry.Register(ctx, Registration{Name: m.Name, Owner: owner, ProofPEM: m.ProofPEM, Nonce: m.Nonce}); err != nil {
			return nil, fmt.Errorf("chain: dev: %w", err)
		}
		mr, err := dc.Registry.WithSigner(ctx, NewKeySigner(k))
		if err != nil {
			return nil, err
		}
		dc.Members[m.Name] = mr
		uris := make([]destination.URI, 0, len(m.Destinations))
		for u := range m.Destinations {
			uris = append(uris, u)
		}
		sort.Slice(uris, func(i, j int) bool { return uris[i].String() < uris[j].String() })
		for _, u := range uris {
			if _, err = mr.PublishDestination(ctx, u, m.Destinations[u]); err != nil {
				return nil, fmt.Errorf("chain: dev: member %q: %w", m.Name, err)
			}
		}
	}
	return dc, nil
}

// DemoIdentityProof makes a self-signed identity proof for org in
// environment envID with a fresh random nonce, for demos and tests: the
// registry accepts it and shows the member as self-signed. The key is
// thrown away; a real member keeps its own.
func DemoIdentityProof(envID, org string) (proofPEM []byte, nonce string, err error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, "", err
	}
	nonce = hex.EncodeToString(b[:])
	key, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		return nil, "", err
	}
	now := time.Now()
	cert, err := crypto.SelfSign(key, envID+"-"+nonce+"--"+org, now.Add(-time.Minute), now.Add(crypto.DefaultValidity))
	if err != nil {
		return nil, "", err
	}
	return crypto.MarshalCertificatePEM(cert), nonce, nil
}

// Close stops the registry poller and the simulated chain.
func (dc *DevChain) Close() error {
	var err error
	if dc.Registry != nil {
		err = dc.Registry.Close()
	}
	if dc.Sim != nil {
		err = errors.Join(err, dc.Sim.Close())
	}
	return err
}
