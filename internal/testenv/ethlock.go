package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// LockEthFunder serializes use of the funded key named by EthKey across
// every test process of a run: go test runs packages in parallel, and two
// of them sending from that key at once pick the same nonce, so one
// transaction is refused. A test holds the lock while it sends from the
// key (typically to fund a fresh account of its own, which it then uses
// freely) and calls the returned function to release it.
func LockEthFunder(t testing.TB) (unlock func()) {
	t.Helper()
	sum := sha256.Sum256([]byte(os.Getenv(EthRPC) + "\x00" + os.Getenv(EthKey)))
	path := filepath.Join(os.TempDir(), "consign-eth-funder-"+hex.EncodeToString(sum[:6])+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("lock the funded key: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("lock the funded key (%s): %v", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}

// AccountFunds is what a test sends from the funded key to a fresh account
// of its own: 0.1 ether, thousands of times the gas a test spends on the
// geth of `make testenv` (gas costs a few wei there). The funded key gets
// 1000 ether once per geth, so a test that took more (10 ether each was
// the habit) drains it within a few dozen runs and then every test that
// funds an account fails.
func AccountFunds() *big.Int { return big.NewInt(1e17) }
