package main

import (
	"context"
	stdcrypto "crypto"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/chain/consortium"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/metadb"
)

// devFile is <data dir>/dev.json: what scripts need to talk to a dev
// environment. Its shape is part of the contract with those scripts.
type devFile struct {
	APIURL      string      `json:"api_url"`
	SocketIOURL string      `json:"socketio_url"`
	Members     []devMember `json:"members"`
	// Operator is the operator credential of the management API.
	Operator devCredential `json:"operator"`
	// Consortium and Environment are the demo's ids in the management API.
	Consortium  string `json:"consortium"`
	Environment string `json:"environment"`
}

type devMember struct {
	Name         string           `json:"name"`
	Credential   devCredential    `json:"credential"`
	Destinations []devDestination `json:"destinations"`
}

type devCredential struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

type devDestination struct {
	Name    string `json:"name"`
	URI     string `json:"uri"`
	Kind    string `json:"kind"`
	Managed bool   `json:"managed"`
}

// devState is <data dir>/dev-state.json: what a restart needs to come back
// as the same environment (ids, credentials handed out, identity nonces).
// Keys live beside it under keys/, one PEM file each, mode 0600.
type devState struct {
	Consortium  string           `json:"consortium"`
	Environment string           `json:"environment"`
	Members     []devMemberState `json:"members"`
	Operator    devCredential    `json:"operator"`
}

type devMemberState struct {
	Name         string        `json:"name"`
	Organization string        `json:"organization"`
	Nonce        string        `json:"nonce"`
	Credential   devCredential `json:"credential"`
}

// The demo members and the destinations each gets.
var (
	devOrganizations = []struct{ name, org string }{
		{"acme", "Acme Corp"}, {"globex", "Globex Inc"}, {"initech", "Initech LLC"},
	}
	devDestinationSpecs = []struct{ name, kind, service string }{
		{"docs", "documentstore", "ds"}, {"app", "app2app", "a2a"},
	}
)

func cmdDev(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "dev", "dev [--data DIR] [--listen HOST:PORT]")
	dataDir := fs.String("data", "consign-data", "data directory; everything the demo keeps lives here and survives a restart")
	listen := fs.String("listen", "127.0.0.1:8080", "address of the API, socket.io and console")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	demoEvery := fs.Duration("demo-messages", 10*time.Second, "how often each demo member sends an app-to-app message to the next one (0: never)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		return fmt.Errorf("--listen: want HOST:PORT, got %q", *listen)
	}
	if _, err := parseLevel(*logLevel); err != nil {
		return fmt.Errorf("--log-level: %v", err)
	}
	log := newLogger(env.stderr, *logLevel, "text")
	n, err := startDev(ctx, log, *dataDir, *listen)
	if err != nil {
		return err
	}
	defer n.close()
	printDevBanner(env, n)
	if *demoEvery > 0 {
		go n.demoMessages(ctx, *demoEvery)
		fmt.Fprintf(env.stdout, "Demo messages: every %s each member sends one to the next member's app destination; subscribe to see them.\n", *demoEvery)
	}
	return n.serve(ctx)
}

// devNode is a running dev environment: one node serving every demo
// member, listening.
type devNode struct {
	*node
	dataDir string
	file    devFile
	ln      net.Listener
}

// serve runs until ctx is cancelled (SIGINT/SIGTERM), then shuts down
// gracefully.
func (n *devNode) serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- n.web.Serve(n.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		n.log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if err := n.web.Shutdown(sctx); err != nil {
			return err
		}
		return <-errc
	}
}

// demoMessages has each member send, every interval, a short app-to-app
// message from its app destination to the next member's, through the same
// path a socket.io produce takes (sign, seal, transport), until ctx ends.
func (n *devNode) demoMessages(ctx context.Context, every time.Duration) {
	var apps []devDestination
	var owners []string
	for _, m := range n.file.Members {
		for _, d := range m.Destinations {
			if d.Kind == "app2app" {
				apps, owners = append(apps, d), append(owners, m.Name)
			}
		}
	}
	if len(apps) < 2 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for seq := 1; ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for i, from := range apps {
			to := apps[(i+1)%len(apps)]
			msg := app2app.Message{From: from.URI, To: to.URI, Key: owners[i], Text: true,
				Content: []byte(fmt.Sprintf("demo message %d from %s at %s", seq, owners[i], time.Now().UTC().Format(time.RFC3339)))}
			if err := n.a2a.Produce(ctx, owners[i], msg, func(app2app.Report, error) {}); err != nil && ctx.Err() == nil {
				n.log.Warn("demo message not sent", "from", from.URI, "err", err)
			}
		}
	}
}

func startDev(ctx context.Context, log *slog.Logger, dataDir, listen string) (_ *devNode, err error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	st, err := loadDevState(filepath.Join(dataDir, "dev-state.json"))
	if err != nil {
		return nil, err
	}
	if err := ensureDevManagement(ctx, filepath.Join(dataDir, "consign.db"), st); err != nil {
		return nil, err
	}
	if err := saveJSON(filepath.Join(dataDir, "dev-state.json"), st); err != nil {
		return nil, err
	}
	members, dests, keys, err := devChainMembers(filepath.Join(dataDir, "keys"), st)
	if err != nil {
		return nil, err
	}
	nd, err := newNode(ctx, devInfrastructure(log, dataDir, listen, st, members, keys))
	if err != nil {
		return nil, err
	}
	n := &devNode{node: nd, dataDir: dataDir}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	if n.ln, err = net.Listen("tcp", listen); err != nil {
		return nil, fmt.Errorf("listen %s: %w (is another consign dev running? choose another with --listen)", listen, err)
	}
	n.closers = append(n.closers, func() error {
		if err := n.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	base := "http://" + n.ln.Addr().String()
	n.file = devFile{APIURL: base + "/api/v1", SocketIOURL: socketIOURL(n.ln.Addr().String(), false),
		Operator: st.Operator, Consortium: st.Consortium, Environment: st.Environment}
	for _, m := range st.Members {
		n.file.Members = append(n.file.Members, devMember{Name: m.Name, Credential: m.Credential, Destinations: dests[m.Name]})
	}
	if err := saveJSON(filepath.Join(dataDir, "dev.json"), n.file); err != nil {
		return nil, err
	}
	return n, nil
}

// devInfrastructure is the dev environment's infrastructure: an embedded
// broker, local storage and SQLite under dataDir, and an in-process chain
// with the demo members registered, every one served by this node. The
// demo members' credentials are issued (and st saved) once the credential
// store is open; their destination keys are imported into app2app.
func devInfrastructure(log *slog.Logger, dataDir, listen string, st *devState, members []chain.DevMember, keys map[string][]devKey) infrastructure {
	cfg := defaultNodeConfig()
	cfg.Listen, cfg.DataDir, cfg.Environment = listen, dataDir, st.Environment
	cfg.Metadata.Path = filepath.Join(dataDir, "consign.db")
	cfg.Storage.Kind, cfg.Storage.Local.Root = "local", filepath.Join(dataDir, "documents")
	cfg.Transport.Kind = "embedded"
	cfg.Transfers.Pin = true // on the in-process chain, signed by its admin
	var names []string
	for _, m := range st.Members {
		names = append(names, m.Name)
	}
	return infrastructure{log: log, cfg: cfg, node: "dev", members: names,
		credentials: func(ctx context.Context, creds *auth.Credentials, store auth.Store) error {
			if err := ensureDevCredentials(ctx, creds, store, st); err != nil {
				return err
			}
			return saveJSON(filepath.Join(dataDir, "dev-state.json"), st)
		},
		chain: func(ctx context.Context) (*chainConn, error) {
			dc, err := chain.StartDev(ctx, chain.DevConfig{EnvironmentID: st.Environment, Members: members})
			if err != nil {
				return nil, err
			}
			publishers := map[string]app2app.Publisher{}
			for name, r := range dc.Members {
				publishers[name] = r
			}
			return &chainConn{backend: dc.Backend, registry: dc.Registry, pinner: dc.Pinner,
				publishers: publishers, closers: []func() error{dc.Close}}, nil
		},
		app2app: func(ctx context.Context, a2a *app2app.Service) error {
			for member, ks := range keys {
				for _, k := range ks {
					if _, err := a2a.ImportManaged(ctx, member, k.name, k.key, k.certPEM); err != nil {
						return err
					}
				}
			}
			// The in-process chain is new at every start: publish what it
			// lacks (destinations created through the API in an earlier run).
			_, err := a2a.Republish(ctx)
			return err
		},
	}
}

func loadDevState(path string) (*devState, error) {
	st := &devState{}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// The environment id comes from the management layer
		// (ensureDevManagement).
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, st); err != nil {
			return nil, fmt.Errorf("%s: %w (delete the data directory to start afresh)", path, err)
		}
	}
	for _, o := range devOrganizations {
		if st.member(o.name) != nil {
			continue
		}
		nonce, err := randomID("", 16)
		if err != nil {
			return nil, err
		}
		st.Members = append(st.Members, devMemberState{Name: o.name, Organization: o.org, Nonce: nonce})
	}
	return st, nil
}

func (s *devState) member(name string) *devMemberState {
	for i := range s.Members {
		if s.Members[i].Name == name {
			return &s.Members[i]
		}
	}
	return nil
}

// ensureDevManagement creates the demo consortium and environment through
// the management layer (the model the management API serves) in the
// node's database at dbPath, the first time, and an operator credential
// for the management API whenever st has none that still verifies. An
// environment id kept from an earlier run whose record is missing (a
// deleted database) is adopted under its id, since the demo keys name it.
func ensureDevManagement(ctx context.Context, dbPath string, st *devState) error {
	db, err := metadb.Open(ctx, metadb.Config{Path: dbPath})
	if err != nil {
		return err
	}
	defer db.Close()
	model, err := openManagement(ctx, db)
	if err != nil {
		return err
	}
	if st.Consortium != "" {
		if _, err := model.Consortium(ctx, st.Consortium); err != nil && !errors.Is(err, consortium.ErrNotFound) {
			return err
		} else if err != nil {
			st.Consortium = ""
		}
	}
	if st.Consortium == "" {
		c, err := model.CreateConsortium(ctx, "Consign demo")
		if err != nil {
			return err
		}
		st.Consortium = c.ID
	}
	if st.Environment == "" {
		e, err := model.CreateEnvironment(ctx, st.Consortium, "demo", devChainID, consortium.PoA)
		if err != nil {
			return err
		}
		st.Environment = e.ID
	} else if _, err := model.EnvironmentOf(ctx, st.Consortium, st.Environment); errors.Is(err, consortium.ErrNotFound) {
		if _, err := model.AdoptEnvironment(ctx, st.Consortium, st.Environment, "demo", devChainID, consortium.PoA); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	ops, err := openOperators(ctx, db)
	if err != nil {
		return err
	}
	if st.Operator.User != "" {
		_, err := ops.Verify(ctx, st.Operator.User, st.Operator.Password)
		if err == nil {
			return nil
		}
		if !errors.Is(err, auth.ErrBadCredentials) {
			return err
		}
	}
	user, password, err := ops.Create(ctx, operatorEnvironment, "operator")
	if err != nil {
		return err
	}
	st.Operator = devCredential{User: user, Password: password}
	return nil
}

// ensureDevCredentials issues a credential to every member that has none
// that still verifies (a new data directory, or a deleted database).
func ensureDevCredentials(ctx context.Context, creds *auth.Credentials, store auth.Store, st *devState) error {
	for i := range st.Members {
		m := &st.Members[i]
		if m.Credential.User != "" {
			p, err := creds.Verify(ctx, m.Credential.User, m.Credential.Password)
			if err == nil && p.EnvironmentID == st.Environment && p.Member == m.Name {
				continue
			}
			if err != nil && !errors.Is(err, auth.ErrBadCredentials) {
				return err
			}
			_ = store.Delete(ctx, m.Credential.User)
		}
		user, password, err := creds.Create(ctx, st.Environment, m.Name)
		if err != nil {
			return err
		}
		m.Credential = devCredential{User: user, Password: password}
	}
	return nil
}

// devChainMembers loads or makes each member's identity proof and
// destination keys under keysDir, returning what the dev chain registers
// and the destinations dev.json lists.
func devChainMembers(keysDir string, st *devState) ([]chain.DevMember, map[string][]devDestination, map[string][]devKey, error) {
	var members []chain.DevMember
	dests := map[string][]devDestination{}
	keys := map[string][]devKey{}
	for _, m := range st.Members {
		dir := filepath.Join(keysDir, m.Name)
		cn := fmt.Sprintf("%s-%s--%s", st.Environment, m.Nonce, m.Organization)
		_, proof, err := loadOrMakeKey(dir, "identity", cn, crypto.P256)
		if err != nil {
			return nil, nil, nil, err
		}
		dm := chain.DevMember{Name: m.Name, ProofPEM: proof, Nonce: m.Nonce, Destinations: map[destination.URI][]byte{}}
		for _, d := range devDestinationSpecs {
			u := destination.URI{Scheme: "kld", Kind: d.kind, Member: m.Name, Environment: st.Environment,
				Service: m.Name + "-" + d.service, Name: d.name}
			uri := u.String()
			key, cert, err := loadOrMakeKey(dir, d.name, uri, crypto.P256)
			if err != nil {
				return nil, nil, nil, err
			}
			dm.Destinations[u] = cert
			keys[m.Name] = append(keys[m.Name], devKey{name: d.name, key: key, certPEM: cert})
			dests[m.Name] = append(dests[m.Name], devDestination{Name: d.name, URI: uri, Kind: d.kind, Managed: true})
		}
		members = append(members, dm)
	}
	return members, dests, keys, nil
}

// devKey is a demo destination's key and certificate.
type devKey struct {
	name    string
	key     stdcrypto.Signer
	certPEM []byte
}

// loadOrMakeKey returns the key and certificate PEM stored as
// dir/name.key.pem and dir/name.cert.pem, making them (a self-signed
// certificate for cn) when absent.
func loadOrMakeKey(dir, name, cn string, alg crypto.KeyAlgorithm) (stdcrypto.Signer, []byte, error) {
	keyPath, certPath := filepath.Join(dir, name+".key.pem"), filepath.Join(dir, name+".cert.pem")
	keyPEM, kerr := os.ReadFile(keyPath)
	certPEM, cerr := os.ReadFile(certPath)
	if kerr == nil && cerr == nil {
		key, err := crypto.ParsePrivateKeyPEM(keyPEM)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", keyPath, err)
		}
		return key, certPEM, nil
	}
	key, cert, err := crypto.GenerateDestination(cn, alg)
	if err != nil {
		return nil, nil, err
	}
	if keyPEM, err = crypto.MarshalPrivateKeyPEM(key); err != nil {
		return nil, nil, err
	}
	certPEM = crypto.MarshalCertificatePEM(cert)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(keyPath, keyPEM); err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(certPath, certPEM); err != nil {
		return nil, nil, err
	}
	return key, certPEM, nil
}

func saveJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// writeFileAtomic writes data to path (mode 0600) through a synced temp
// file and a rename, so a crash leaves the old or the new file, whole.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func randomID(prefix string, n int) (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b), nil
}

// socketIOURL is the socket.io endpoint clients are handed for a node
// listening on addr: ws://HOST:PORT/api/v1 (wss:// when tls), the form
// the hosted service's console gives. socket.io-client reads the path as
// the namespace /api/v1 and the Engine.IO path stays /socket.io; a
// wildcard listen address is shown as localhost.
func socketIOURL(addr string, tls bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	hp := host
	if port != "" {
		hp = net.JoinHostPort(host, port)
	}
	scheme := "ws"
	if tls {
		scheme = "wss"
	}
	return scheme + "://" + hp + "/api/v1"
}

func printDevBanner(env *cliEnv, n *devNode) {
	base := n.file.APIURL[:len(n.file.APIURL)-len("/api/v1")]
	fmt.Fprintf(env.stdout, "Consign dev environment is running.\n\n")
	fmt.Fprintf(env.stdout, "  console    %s/\n  API        %s\n  socket.io  %s\n  health     %s/readyz\n\n", base, n.file.APIURL, n.file.SocketIOURL, base)
	fmt.Fprintf(env.stdout, "Members (HTTP Basic credentials):\n")
	for _, m := range n.file.Members {
		fmt.Fprintf(env.stdout, "  %-8s user %s  password %s\n", m.Name, m.Credential.User, m.Credential.Password)
		for _, d := range m.Destinations {
			fmt.Fprintf(env.stdout, "           %-13s %s\n", d.Kind, d.URI)
		}
	}
	fmt.Fprintf(env.stdout, "\nManagement API (operator credential, not an application one): user %s  password %s\n  consortium %s, environment %s; try: consign admin consortia list --dev %s\n",
		n.file.Operator.User, n.file.Operator.Password, n.file.Consortium, n.file.Environment, filepath.Join(n.dataDir, "dev.json"))
	fmt.Fprintf(env.stdout, "\nThe same, for scripts: %s\nTry: curl -u %s:%s %s/\nStop with Ctrl-C; data stays in %s.\n",
		filepath.Join(n.dataDir, "dev.json"), n.file.Members[0].Credential.User, n.file.Members[0].Credential.Password, base, n.dataDir)
}

// devChainID is the chain id of the in-process chain (go-ethereum's
// simulated backend), recorded as the demo environment's metadata.
const devChainID = 1337
