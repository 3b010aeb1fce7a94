package testenv

import (
	"crypto/ecdsa"
	"strings"
	"testing"

	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
)

// Geth returns a client of the geth named by EthRPC, closed when the test
// ends, and the key named by EthKey that is funded on it. Send from the
// key only while holding LockEthFunder (usually just to fund a fresh
// account of the test's own). Like Get, it fails or skips the test when
// the variables are unset.
func Geth(t testing.TB) (*ethclient.Client, *ecdsa.PrivateKey) {
	t.Helper()
	rpc := Get(t, EthRPC)
	hexKey := Get(t, EthKey)
	key, err := ethcrypto.HexToECDSA(strings.TrimPrefix(hexKey, "0x"))
	if err != nil {
		t.Fatalf("%s is not a hex private key: %v", EthKey, err)
	}
	c, err := ethclient.Dial(rpc)
	if err != nil {
		t.Fatalf("dial %s: %v", rpc, err)
	}
	t.Cleanup(c.Close)
	return c, key
}
