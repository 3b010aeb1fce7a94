package main

// This file is owned by the chain work (issue: on-chain registry).

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
)

// chainCommands are the subcommands of consign chain.
func chainCommands() []command {
	return []command{
		{"deploy", "deploy the Registry and Pin contracts; prints their addresses as JSON", chainDeploy},
		{"register", "add a member with a verified identity proof (registry admin)", chainRegister},
		{"publish", "publish or rotate a destination certificate (member owner)", chainPublish},
		{"members", "print the registry's members, identities and destinations as JSON", chainMembers},
		{"pin", "pin sha256 hashes (one transaction per call, batched)", chainPin},
		{"prove", "print who pinned a sha256 hash, in which transaction, block and when", chainProve},
		{"import-key", "encrypt a hex private key into a go-ethereum keystore file",
			func(_ context.Context, env *cliEnv, args []string) error { return chainImportKey(env, args) }},
		{"bench", "measure registry lookups and pins against a chain (Markdown rows)", chainBench},
	}
}

// chainUsage is the synopsis of consign chain with its subcommands.
func chainUsage() string {
	cmds := chainCommands()
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	var b strings.Builder
	fmt.Fprintf(&b, "chain %s [flags]\n", strings.Join(names, "|"))
	for _, c := range cmds {
		fmt.Fprintf(&b, "\n  %-10s  %s", c.name, c.summary)
	}
	return b.String()
}

func cmdChain(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(env.stderr, "Usage: consign %s\n", chainUsage())
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	sub, rest := args[0], args[1:]
	for _, c := range chainCommands() {
		if c.name == sub {
			return c.run(ctx, env, rest)
		}
	}
	fmt.Fprintf(env.stderr, "consign chain: unknown subcommand %q\nUsage: consign %s\n", sub, chainUsage())
	return errUsage
}

// signerFlags are the ways a command gets its transaction signer.
type signerFlags struct {
	keystore, passwordFile, external, from string
}

func (s *signerFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&s.keystore, "keystore", "", "encrypted go-ethereum keystore `file` holding the signing key")
	fs.StringVar(&s.passwordFile, "password-file", "", "`file` whose first line is the keystore password")
	fs.StringVar(&s.external, "external-signer", "", "external signer (clef) `endpoint` instead of a keystore")
	fs.StringVar(&s.from, "from", "", "account `address` to use on the external signer (default: its first)")
}

// signerIfAny is the signer when s is set, and nil (read-only) when s is nil.
func (s *signerFlags) signerIfAny() (chain.Signer, error) {
	if s == nil {
		return nil, nil
	}
	return s.signer()
}

func (s *signerFlags) signer() (chain.Signer, error) {
	switch {
	case s.external != "" && s.keystore != "":
		return nil, errors.New("give either --keystore or --external-signer, not both")
	case s.external != "":
		var addr common.Address
		if s.from != "" {
			if !common.IsHexAddress(s.from) {
				return nil, fmt.Errorf("--from %q is not an address", s.from)
			}
			addr = common.HexToAddress(s.from)
		}
		return chain.NewExternalSigner(s.external, addr)
	case s.keystore != "":
		if s.passwordFile == "" {
			return nil, errors.New("--keystore needs --password-file")
		}
		pw, err := readPassword(s.passwordFile)
		if err != nil {
			return nil, err
		}
		return chain.LoadKeystore(s.keystore, pw)
	}
	return nil, errors.New("a signer is required: --keystore FILE --password-file FILE, or --external-signer URL")
}

func readPassword(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("password file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

func dial(ctx context.Context, rpcURL string) (*ethclient.Client, error) {
	if rpcURL == "" {
		return nil, errors.New("--rpc URL is required")
	}
	c, err := ethclient.DialContext(ctx, rpcURL)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", rpcURL, err)
	}
	return c, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func chainDeploy(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "chain deploy", "chain deploy --rpc URL (--keystore FILE --password-file FILE | --external-signer URL)")
	rpcURL := fs.String("rpc", "", "Ethereum JSON-RPC `URL`")
	var sf signerFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := sf.signer()
	if err != nil {
		return err
	}
	c, err := dial(ctx, *rpcURL)
	if err != nil {
		return err
	}
	defer c.Close()
	addrs, err := chain.Deploy(ctx, c, s)
	if err != nil {
		return err
	}
	return writeJSON(env.stdout, addrs)
}

// registryFlags locate a registry.
type registryFlags struct{ rpc, registry, env string }

func (r *registryFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&r.rpc, "rpc", "", "Ethereum JSON-RPC `URL`")
	fs.StringVar(&r.registry, "registry", "", "Registry contract `address`")
	fs.StringVar(&r.env, "env", "", "environment `id` the registry serves")
}

// open connects to the registry, signing with sf's signer (read-only when
// sf is nil), and returns it with the function that closes it.
func (r *registryFlags) open(ctx context.Context, sf *signerFlags, v chain.IdentityVerifier) (*chain.Registry, func(), error) {
	s, err := sf.signerIfAny()
	if err != nil {
		return nil, nil, err
	}
	if !common.IsHexAddress(r.registry) {
		return nil, nil, fmt.Errorf("--registry %q is not an address", r.registry)
	}
	c, err := dial(ctx, r.rpc)
	if err != nil {
		return nil, nil, err
	}
	reg, err := chain.NewRegistry(ctx, c, s, chain.RegistryConfig{Address: common.HexToAddress(r.registry), EnvironmentID: r.env, Verifier: v, NoCache: true})
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return reg, c.Close, nil
}

// signedRegistryFlags registers on fs the flags of a command that signs on
// the registry, and returns what opens the registry once they are parsed.
func signedRegistryFlags(fs *flag.FlagSet) func(context.Context, chain.IdentityVerifier) (*chain.Registry, func(), error) {
	var rf registryFlags
	var sf signerFlags
	rf.register(fs)
	sf.register(fs)
	return func(ctx context.Context, v chain.IdentityVerifier) (*chain.Registry, func(), error) {
		return rf.open(ctx, &sf, v)
	}
}

func chainRegister(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "chain register", "chain register --rpc URL --registry ADDRESS --env ID --name NAME --owner ADDRESS --proof PEMFILE --nonce NONCE (--keystore FILE --password-file FILE | --external-signer URL)")
	openRegistry := signedRegistryFlags(fs)
	name := fs.String("name", "", "member `name` (the member id in destination URIs)")
	owner := fs.String("owner", "", "`address` that will own the member's profile")
	proofFile := fs.String("proof", "", "identity proof: PEM certificate chain `file`, leaf first")
	nonce := fs.String("nonce", "", "the single-use `nonce` the proof's leaf names (tracking its use is the issuer's job)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !common.IsHexAddress(*owner) {
		return fmt.Errorf("--owner %q is not an address", *owner)
	}
	proof, err := os.ReadFile(*proofFile)
	if err != nil {
		return fmt.Errorf("--proof: %w", err)
	}
	reg, closeFn, err := openRegistry(ctx, chain.CryptoVerifier{})
	if err != nil {
		return err
	}
	defer closeFn()
	m, err := reg.Register(ctx, chain.Registration{Name: *name, Owner: common.HexToAddress(*owner), ProofPEM: proof, Nonce: *nonce})
	if err != nil {
		return err
	}
	return writeJSON(env.stdout, map[string]any{
		"name": m.Name, "address": m.Owner.Hex(), "registered_at": m.RegisteredAt,
		"identity": map[string]any{"self_signed": m.Identity.SelfSigned, "leaf_subject": m.Identity.LeafSubject, "issuer_chain": append([]string{}, m.Identity.IssuerChain...)},
	})
}

func chainPublish(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "chain publish", "chain publish --rpc URL --registry ADDRESS --env ID --uri DESTINATION_URI --cert PEMFILE (--keystore FILE --password-file FILE | --external-signer URL)")
	openRegistry := signedRegistryFlags(fs)
	uri := fs.String("uri", "", "destination `URI` (its member must be owned by the signer)")
	certFile := fs.String("cert", "", "destination certificate PEM `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	u, err := destination.Parse(*uri)
	if err != nil {
		return fmt.Errorf("chain: publish destination %q: %w", *uri, err)
	}
	certPEM, err := os.ReadFile(*certFile)
	if err != nil {
		return fmt.Errorf("--cert: %w", err)
	}
	reg, closeFn, err := openRegistry(ctx, nil)
	if err != nil {
		return err
	}
	defer closeFn()
	rc, err := reg.PublishDestination(ctx, u, certPEM)
	if err != nil {
		return err
	}
	return writeJSON(env.stdout, map[string]any{"uri": *uri, "tx": rc.TxHash.Hex(), "block": rc.BlockNumber.Uint64()})
}

func chainMembers(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "chain members", "chain members --rpc URL --registry ADDRESS --env ID")
	var rf registryFlags
	rf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	reg, closeFn, err := rf.open(ctx, nil, nil)
	if err != nil {
		return err
	}
	defer closeFn()
	ms, err := reg.Members(ctx)
	if err != nil {
		return err
	}
	type dest struct {
		URI  string `json:"uri"`
		Name string `json:"name"`
	}
	type identity struct {
		SelfSigned  bool     `json:"self_signed"`
		LeafSubject string   `json:"leaf_subject"`
		IssuerChain []string `json:"issuer_chain"`
	}
	type member struct {
		Name         string   `json:"name"`
		Address      string   `json:"address"`
		Status       string   `json:"status"`
		Identity     identity `json:"identity"`
		Destinations []dest   `json:"destinations"`
	}
	out := []member{}
	for _, m := range ms {
		e := member{Name: m.Name, Address: m.Owner.Hex(), Status: m.Status.String(), Destinations: []dest{},
			Identity: identity{SelfSigned: m.Identity.SelfSigned, LeafSubject: m.Identity.LeafSubject, IssuerChain: append([]string{}, m.Identity.IssuerChain...)}}
		for _, d := range m.Destinations() {
			e.Destinations = append(e.Destinations, dest{d.URI.String(), d.Name})
		}
		out = append(out, e)
	}
	return writeJSON(env.stdout, out)
}

func parseHash(s string) ([32]byte, error) {
	raw, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(raw) != 32 {
		return [32]byte{}, fmt.Errorf("%q is not a 64-digit hex SHA-256", s)
	}
	return [32]byte(raw), nil
}

func chainPin(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "chain pin", "chain pin --rpc URL --pin ADDRESS (--keystore FILE --password-file FILE | --external-signer URL) SHA256HEX...")
	var pf pinFlags
	pf.register(fs)
	var sf signerFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || fs.NArg() > chain.MaxPinBatch {
		fmt.Fprintf(env.stderr, "give 1 to %d hashes\n", chain.MaxPinBatch)
		fs.Usage()
		return errUsage
	}
	var hashes [][32]byte
	for _, a := range fs.Args() {
		h, err := parseHash(a)
		if err != nil {
			return err
		}
		hashes = append(hashes, h)
	}
	p, closeFn, err := pf.open(ctx, &sf)
	if err != nil {
		return err
	}
	defer closeFn()
	var rc chain.PinReceipt
	if len(hashes) == 1 {
		rc, err = p.Pin(ctx, hashes[0])
	} else {
		rc, err = p.PinBatch(ctx, hashes)
	}
	if err != nil {
		return err
	}
	return writeJSON(env.stdout, map[string]any{"tx": rc.Tx.Hex(), "block": rc.Block, "gas_used": rc.GasUsed, "hashes": len(hashes)})
}

// pinFlags locate a Pin contract.
type pinFlags struct{ rpc, pin string }

func (p *pinFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&p.rpc, "rpc", "", "Ethereum JSON-RPC `URL`")
	fs.StringVar(&p.pin, "pin", "", "Pin contract `address`")
}

// open connects to the Pin contract, signing with sf's signer (read-only
// when sf is nil), and returns it with the function that closes it.
func (p *pinFlags) open(ctx context.Context, sf *signerFlags) (*chain.Pinner, func(), error) {
	if !common.IsHexAddress(p.pin) {
		return nil, nil, fmt.Errorf("--pin %q is not an address", p.pin)
	}
	s, err := sf.signerIfAny()
	if err != nil {
		return nil, nil, err
	}
	c, err := dial(ctx, p.rpc)
	if err != nil {
		return nil, nil, err
	}
	pinner, err := chain.NewPinner(ctx, c, common.HexToAddress(p.pin), s)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return pinner, c.Close, nil
}

func chainProve(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "chain prove", "chain prove --rpc URL --pin ADDRESS SHA256HEX")
	var pf pinFlags
	pf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	raw, err := parseHash(fs.Arg(0))
	if err != nil {
		return err
	}
	p, closeFn, err := pf.open(ctx, nil)
	if err != nil {
		return err
	}
	defer closeFn()
	pr, err := p.Prove(ctx, raw)
	if err != nil {
		return err
	}
	return writeJSON(env.stdout, map[string]any{
		"hash": hex.EncodeToString(raw[:]), "tx": pr.Tx.Hex(), "block": pr.Block,
		"timestamp": pr.Timestamp.Format(time.RFC3339), "by": pr.By.Hex(),
	})
}

func chainImportKey(env *cliEnv, args []string) error {
	fs := newFlags(env, "chain import-key", "chain import-key --key-file FILE --password-file FILE --dir DIR")
	keyFile := fs.String("key-file", "", "`file` holding a hex secp256k1 private key (delete it afterwards)")
	pwFile := fs.String("password-file", "", "`file` whose first line is the password to encrypt with")
	dir := fs.String("dir", "", "keystore `directory` to write the encrypted key file into")
	light := fs.Bool("light", false, "weak scrypt parameters (tests only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyFile == "" || *pwFile == "" || *dir == "" {
		fs.Usage()
		return errUsage
	}
	b, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	key, err := ethcrypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"))
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	pw, err := readPassword(*pwFile)
	if err != nil {
		return err
	}
	path, err := chain.ImportKey(*dir, key, pw, *light)
	if err != nil {
		return err
	}
	return writeJSON(env.stdout, map[string]string{"address": ethcrypto.PubkeyToAddress(key.PublicKey).Hex(), "keystore": path})
}

// chainBench deploys fresh contracts on the chain at --rpc, registers a
// member with destinations, and measures lookups (cached vs uncached)
// and pins (batched vs one per transaction). It prints Markdown rows.
func chainBench(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "chain bench", "chain bench --rpc URL --key-env VAR [--quick]")
	rpcURL := fs.String("rpc", "", "Ethereum JSON-RPC `URL`")
	keyEnv := fs.String("key-env", "CONSIGN_TEST_ETH_KEY", "environment `variable` holding a funded hex private key")
	quick := fs.Bool("quick", false, "smaller counts")
	label := fs.String("label", "geth --dev", "chain name for the rows")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	key, err := ethcrypto.HexToECDSA(strings.TrimPrefix(os.Getenv(*keyEnv), "0x"))
	if err != nil {
		return fmt.Errorf("$%s: %w", *keyEnv, err)
	}
	c, err := dial(ctx, *rpcURL)
	if err != nil {
		return err
	}
	defer c.Close()
	admin := chain.NewKeySigner(key)
	addrs, err := chain.Deploy(ctx, c, admin)
	if err != nil {
		return err
	}
	envID := "bench" + hex.EncodeToString(randBytes(4))
	nonce := hex.EncodeToString(randBytes(8))
	idKey, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		return err
	}
	idCert, err := crypto.SelfSign(idKey, envID+"-"+nonce+"--Bench Org", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		return err
	}
	reg, err := chain.NewRegistry(ctx, c, admin, chain.RegistryConfig{Address: addrs.Registry, EnvironmentID: envID, Verifier: chain.CryptoVerifier{}})
	if err != nil {
		return err
	}
	defer reg.Close()
	if _, err := reg.Register(ctx, chain.Registration{Name: "bench", Owner: admin.Address(), ProofPEM: crypto.MarshalCertificatePEM(idCert), Nonce: nonce}); err != nil {
		return err
	}
	const ndest = 10
	var uris []destination.URI
	for i := range ndest {
		_, cert, err := crypto.GenerateDestination(fmt.Sprintf("bench-%d", i), crypto.P256)
		if err != nil {
			return err
		}
		u := destination.URI{Scheme: "kld", Kind: destination.KindDocumentStore, Member: "bench", Environment: envID, Service: "svc", Name: fmt.Sprintf("d%d", i)}
		if _, err := reg.PublishDestination(ctx, u, crypto.MarshalCertificatePEM(cert)); err != nil {
			return err
		}
		uris = append(uris, u)
	}
	uncached, err := chain.NewRegistry(ctx, c, nil, chain.RegistryConfig{Address: addrs.Registry, EnvironmentID: envID, NoCache: true})
	if err != nil {
		return err
	}
	dur := 2 * time.Second
	if *quick {
		dur = 500 * time.Millisecond
	}
	lookups := func(r *chain.Registry) (float64, error) {
		n, start := 0, time.Now()
		for time.Since(start) < dur {
			if _, err := r.Certificate(ctx, uris[n%ndest]); err != nil {
				return 0, err
			}
			n++
		}
		return float64(n) / time.Since(start).Seconds(), nil
	}
	cachedRate, err := lookups(reg)
	if err != nil {
		return err
	}
	uncachedRate, err := lookups(uncached)
	if err != nil {
		return err
	}

	p, err := chain.NewPinner(ctx, c, addrs.Pin, admin)
	if err != nil {
		return err
	}
	singles, batched, batchSize := 300, 6000, 50
	if *quick {
		singles, batched = 60, 1200
	}
	seq := uint64(0)
	next := func() [32]byte {
		seq++
		var b [40]byte
		copy(b[:32], envID)
		binary.BigEndian.PutUint64(b[32:], seq)
		return sha256.Sum256(b[:])
	}
	// rate submits n transactions, waits for them all, and returns the
	// hashes pinned per second.
	rate := func(n, hashesEach int, submit func() (*types.Transaction, error)) (float64, error) {
		start := time.Now()
		txs := make([]*types.Transaction, 0, n)
		for range n {
			tx, err := submit()
			if err != nil {
				return 0, err
			}
			txs = append(txs, tx)
		}
		for _, tx := range txs {
			if _, err := p.Wait(ctx, tx); err != nil {
				return 0, err
			}
		}
		return float64(n*hashesEach) / time.Since(start).Seconds(), nil
	}
	singleRate, err := rate(singles, 1, func() (*types.Transaction, error) { return p.SubmitPin(ctx, next()) })
	if err != nil {
		return err
	}
	batchRate, err := rate(batched/batchSize, batchSize, func() (*types.Transaction, error) {
		batch := make([][32]byte, 0, batchSize)
		for range batchSize {
			batch = append(batch, next())
		}
		return p.SubmitBatch(ctx, batch)
	})
	if err != nil {
		return err
	}

	fmt.Fprintf(env.stdout, "| registry certificate lookups/s, cached vs uncached (%s) | `consign chain bench` | %.0f/s | %.0f/s uncached | %.0f× | cached ≥ 10× uncached |\n",
		*label, cachedRate, uncachedRate, cachedRate/uncachedRate)
	fmt.Fprintf(env.stdout, "| pins/s, batches of %d vs one pin per tx (%s, %d vs %d hashes) | `consign chain bench` | %.0f/s | %.0f/s | %.1f× | batching ≥ 10× |\n",
		batchSize, *label, batched, singles, batchRate, singleRate, batchRate/singleRate)
	return nil
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}
