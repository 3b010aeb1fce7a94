package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/consign/consign/chain"
)

type options struct {
	consign, kafka, s3, testenvDir, repo, out, work, only string
	portOffset                                            int
	short                                                 bool
	duration                                              time.Duration
	ethRPC, ethKey, s3Key, s3Secret, s3Region             string
}

func (o *options) validate() error {
	switch {
	case o.ethRPC == "" || o.ethKey == "":
		return errors.New("CONSIGN_TEST_ETH_RPC and CONSIGN_TEST_ETH_KEY must be set: source .testenv/env.sh (make testenv)")
	case o.kafka == "" || o.s3 == "" || o.testenvDir == "":
		return errors.New("-kafka, -s3 and -testenv-dir name the private servers scripts/chaos.sh starts")
	}
	if _, err := os.Stat(o.consign); err != nil {
		return fmt.Errorf("-consign: %w (make build)", err)
	}
	return nil
}

// harness holds what every scenario shares: the chain deployment, the
// private servers and the nodes started so far.
type harness struct {
	o     options
	log   *slog.Logger
	work  string
	chain *chainSetup
	nodes []*nodeProc
	s3c   *awss3.Client
}

func newHarness(ctx context.Context, log *slog.Logger, o options) (*harness, error) {
	h := &harness{o: o, log: log}
	var err error
	if o.consign, err = filepath.Abs(o.consign); err != nil {
		return nil, err
	}
	h.o.consign = o.consign
	h.work = o.work
	if h.work == "" {
		h.work = filepath.Join(o.testenvDir, "run-"+time.Now().UTC().Format("20060102-150405"))
	}
	if h.work, err = filepath.Abs(h.work); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(h.work, 0o700); err != nil {
		return nil, err
	}
	if h.chain, err = newChain(ctx, o.ethRPC, o.ethKey); err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	h.s3c = awss3.New(awss3.Options{
		BaseEndpoint: aws.String(o.s3), Region: o.s3Region, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(o.s3Key, o.s3Secret, ""),
	})
	log.Info("harness", "work", h.work, "environment", h.chain.env, "registry", h.chain.addrs.Registry.Hex())
	return h, nil
}

func (h *harness) close() {
	for _, n := range h.nodes {
		n.stop()
	}
	h.chain.close()
}

// bucket creates a fresh bucket on the private S3 server and returns its name.
func (h *harness) bucket(ctx context.Context, prefix string) (string, error) {
	name := prefix + "-" + randomHex(5)
	_, err := h.s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(name)})
	return name, err
}

// s3YAML is the storage section of a node on bucket at endpoint.
func (h *harness) s3YAML(endpoint, bucket string) string {
	return fmt.Sprintf("  kind: s3\n  s3: {endpoint: %q, region: %q, bucket: %q, access_key: %q, secret_key: %q, path_style: true}",
		endpoint, h.o.s3Region, bucket, h.o.s3Key, h.o.s3Secret)
}

// ---------------------------------------------------------------- chain

type chainSetup struct {
	rpc    string
	client *ethclient.Client
	funder *chain.KeySigner
	keyHex string
	addrs  chain.Addresses
	env    string
	reg    *chain.Registry
}

func newChain(ctx context.Context, rpc, keyHex string) (*chainSetup, error) {
	c := &chainSetup{rpc: rpc, keyHex: keyHex}
	var err error
	if c.client, err = ethclient.DialContext(ctx, rpc); err != nil {
		return nil, err
	}
	k, err := ethcrypto.HexToECDSA(strings.TrimPrefix(keyHex, "0x"))
	if err != nil {
		return nil, fmt.Errorf("CONSIGN_TEST_ETH_KEY: %w", err)
	}
	c.funder = chain.NewKeySigner(k)
	adminKey, err := c.account(ctx)
	if err != nil {
		return nil, err
	}
	admin := chain.NewKeySigner(adminKey)
	if c.addrs, err = chain.Deploy(ctx, c.client, admin); err != nil {
		return nil, err
	}
	c.env = "chaos" + randomHex(4)
	c.reg, err = chain.NewRegistry(ctx, c.client, admin, chain.RegistryConfig{Address: c.addrs.Registry,
		EnvironmentID: c.env, Verifier: chain.CryptoVerifier{}})
	return c, err
}

func (c *chainSetup) close() {
	if c.reg != nil {
		c.reg.Close()
	}
	c.client.Close()
}

// account is a fresh key funded with 0.1 ether from the shared funded
// key, under the same lock file the tests take (internal/testenv
// LockEthFunder), so no two processes pick one nonce.
func (c *chainSetup) account(ctx context.Context) (*ecdsa.PrivateKey, error) {
	k, err := ethcrypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(c.rpc + "\x00" + c.keyHex))
	path := filepath.Join(os.TempDir(), "consign-eth-funder-"+hex.EncodeToString(sum[:6])+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if err := chain.Transfer(ctx, c.client, c.funder, ethcrypto.PubkeyToAddress(k.PublicKey), big.NewInt(1e17)); err != nil {
		return nil, err
	}
	return k, nil
}

// member registers member name (a self-signed identity proof for org)
// owned by a fresh funded key and returns that key.
func (c *chainSetup) member(ctx context.Context, name, org string) (*ecdsa.PrivateKey, error) {
	owner, err := c.account(ctx)
	if err != nil {
		return nil, err
	}
	proof, nonce, err := chain.DemoIdentityProof(c.env, org)
	if err != nil {
		return nil, err
	}
	_, err = c.reg.Register(ctx, chain.Registration{Name: name, Owner: ethcrypto.PubkeyToAddress(owner.PublicKey), ProofPEM: proof, Nonce: nonce})
	return owner, err
}

// ---------------------------------------------------------------- private servers

// serverProgram is what the command line of each private server names.
var serverProgram = map[string]string{"kafka": "kafka.Kafka", "s3": "versitygw"}

// serverPID reads the pid file up.sh wrote for server in the private
// testenv folder and checks that the process is that server.
func (h *harness) serverPID(server string) (int, error) {
	b, err := os.ReadFile(filepath.Join(h.o.testenvDir, "pids", server+".pid"))
	if err != nil {
		return 0, fmt.Errorf("%s: no pid file of the private testenv (%w): refusing to kill anything", server, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("%s: bad pid file %q", server, b)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), serverProgram[server]) {
		return 0, fmt.Errorf("%s: pid %d is not %s: refusing to kill it", server, pid, serverProgram[server])
	}
	return pid, nil
}

// killServer SIGKILLs the private server and waits until it is gone.
func (h *harness) killServer(ctx context.Context, server string) error {
	pid, err := h.serverPID(server)
	if err != nil {
		return err
	}
	h.log.Info("SIGKILL", "server", server, "pid", pid)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	return poll(ctx, 30*time.Second, server+" to exit", func() (bool, string) {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
		if err != nil {
			return true, ""
		}
		st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return strings.Contains(string(st), ") Z "), "still running"
	})
}

// startServer starts the private server again with the project's own
// scripts/testenv/up.sh (it sees the dead pid and a free port) and waits
// until it is ready.
func (h *harness) startServer(ctx context.Context, server string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(h.o.repo, "scripts", "testenv", "up.sh"), server)
	cmd.Env = append(os.Environ(), "CONSIGN_TESTENV_DIR="+h.o.testenvDir,
		"CONSIGN_TESTENV_PORT_OFFSET="+strconv.Itoa(h.o.portOffset), "CONSIGN_TESTENV_NO_INSTALL=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("restart %s: %v\n%s", server, err, out)
	}
	h.log.Info("restarted", "server", server, "up.sh", strings.TrimSpace(lastLine(string(out), server)))
	return nil
}

func lastLine(s, prefix string) string {
	for line := range strings.Lines(s) {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

// ---------------------------------------------------------------- helpers

// poll calls cond until it holds or the deadline passes.
func poll(ctx context.Context, d time.Duration, what string, cond func() (bool, string)) error {
	deadline := time.Now().Add(d)
	last := ""
	for {
		ok, why := cond()
		if ok {
			return nil
		}
		if why != "" {
			last = why
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: not within %s (last: %s)", what, d, clip(last, 400))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// slope is the least-squares slope of ys over xs.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
