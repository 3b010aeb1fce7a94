package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/internal/testenv"
)

// realChain is a deployment of the Consign contracts of its own on the
// geth of `make testenv`, with a fresh environment id, for tests that run
// member nodes as `consign serve` does.
type realChain struct {
	rpc    string
	client *ethclient.Client
	funder *chain.KeySigner // the shared funded key: use under testenv.LockEthFunder
	addrs  chain.Addresses
	env    string
	reg    *chain.Registry // signed by the contracts' admin
}

func newRealChain(t *testing.T, ctx context.Context) *realChain {
	t.Helper()
	c := &realChain{rpc: testenv.Get(t, testenv.EthRPC)}
	client, k := testenv.Geth(t)
	c.client, c.funder = client, chain.NewKeySigner(k)
	var err error
	admin := chain.NewKeySigner(c.account(t, ctx))
	if c.addrs, err = chain.Deploy(ctx, c.client, admin); err != nil {
		t.Fatal(err)
	}
	c.env = "e2e" + randomHex(5)
	c.reg, err = chain.NewRegistry(ctx, c.client, admin, chain.RegistryConfig{Address: c.addrs.Registry,
		EnvironmentID: c.env, Verifier: chain.CryptoVerifier{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.reg.Close() })
	return c
}

// account makes a fresh key funded with testenv.AccountFunds(), so that
// what a test sends from it never races other tests for a shared key's
// nonces, and the shared key lasts.
func (c *realChain) account(t *testing.T, ctx context.Context) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ethcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	unlock := testenv.LockEthFunder(t)
	defer unlock()
	if err := chain.Transfer(ctx, c.client, c.funder, ethcrypto.PubkeyToAddress(k.PublicKey), testenv.AccountFunds()); err != nil {
		t.Fatal(err)
	}
	return k
}

// member registers a member called name (with a self-signed identity
// proof for org) owned by a fresh funded key, and returns that key: the
// key its node signs with.
func (c *realChain) member(t *testing.T, ctx context.Context, name, org string) *ecdsa.PrivateKey {
	t.Helper()
	owner := c.account(t, ctx)
	proof, nonce, err := chain.DemoIdentityProof(c.env, org)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.reg.Register(ctx, chain.Registration{Name: name, Owner: ethcrypto.PubkeyToAddress(owner.PublicKey), ProofPEM: proof, Nonce: nonce}); err != nil {
		t.Fatal(err)
	}
	return owner
}

// nodeConfig writes a `consign serve` YAML file for member in dir, with
// key in an encrypted keystore, the storage section given, Kafka as the
// transport and transfers pinned, and loads it as serve would.
func (c *realChain) nodeConfig(t *testing.T, dir, member string, key *ecdsa.PrivateKey, storageYAML string) nodeConfig {
	t.Helper()
	keystore, err := chain.ImportKey(filepath.Join(dir, "keys"), key, "pw-for-test", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("pw-for-test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yml := fmt.Sprintf(`listen: 127.0.0.1:0
data_dir: %[1]s/data
environment: %[2]s
member: %[3]s
storage:
%[4]s
transport:
  kind: kafka
  kafka: {brokers: [%[5]q], client_id: %[3]s}
transfers:
  pin: true
chain:
  rpc: %[6]q
  registry: %[7]q
  pin: %[8]q
  keystore: %[9]q
  password_file: %[1]s/pw
`, dir, c.env, member, storageYAML, testenv.Get(t, testenv.Kafka), c.rpc,
		c.addrs.Registry.Hex(), c.addrs.Pin.Hex(), keystore)
	path := filepath.Join(dir, "consign.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadNodeConfig(path, noEnv)
	if err != nil {
		t.Fatalf("%v\n%s", err, yml)
	}
	return cfg
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
