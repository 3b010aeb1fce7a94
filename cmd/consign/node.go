package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/chain/consortium"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/evidence"
	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/embedded"
	"github.com/consign/consign/messaging/kafka"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/azure"
	"github.com/consign/consign/storage/ipfs"
	"github.com/consign/consign/storage/local"
	"github.com/consign/consign/storage/s3"
	"github.com/consign/consign/web"
	"github.com/consign/consign/web/adminapi"
	"github.com/consign/consign/web/chainapi"
)

// infrastructure is what a node runs on. It is all that `consign serve`
// (real Kafka, geth, S3/Azure/IPFS, the configured database) and `consign
// dev` (embedded broker, in-process chain, local storage, SQLite under the
// data directory, demo members) hand newNode differently; every service is
// wired once, in newNode.
type infrastructure struct {
	log *slog.Logger
	// cfg gives the listen address, data directory, environment, metadata
	// database, storage, transport and whether transfers are pinned.
	cfg nodeConfig
	// node names this node on the transport; members are the member
	// organizations it serves: one for serve, every demo member for dev.
	node    string
	members []string
	// chain connects to the chain the node reads and signs on.
	chain func(ctx context.Context) (*chainConn, error)
	// credentials, if set, runs once the credential store is open (dev
	// issues the demo members' credentials there).
	credentials func(ctx context.Context, creds *auth.Credentials, store auth.Store) error
	// app2app, if set, runs once the app-to-app service is up, before the
	// API serves it (dev imports the demo keys and republishes).
	app2app func(ctx context.Context, a2a *app2app.Service) error
}

// chainConn is a node's connection to its chain.
type chainConn struct {
	backend  chain.Backend
	registry *chain.Registry
	pinner   *chain.Pinner
	// publishers signs destination publications, per member served.
	publishers map[string]app2app.Publisher
	closers    []func() error
}

// node is one running set of a node's services, built by newNode.
type node struct {
	db        *sql.DB
	creds     *auth.Credentials
	store     storage.Backend
	transport messaging.Transport
	registry  *chain.Registry
	a2a       *app2app.Service
	transfers *docstore.Transfers
	web       *web.Server
	closers   []func() error
	log       *slog.Logger
}

func (n *node) close() {
	for i := len(n.closers) - 1; i >= 0; i-- {
		if err := n.closers[i](); err != nil {
			n.log.Warn("closing", "err", err)
		}
	}
}

// newNode wires every service of a node on infra: the metadata database
// and credentials, storage, transport, chain registry and pinner, app2app,
// the document store, transfers and the web server. The node does not
// listen yet; its web server serves when told.
func newNode(ctx context.Context, infra infrastructure) (_ *node, err error) {
	cfg, log := infra.cfg, infra.log
	n := &node{log: log}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	var credStore *auth.SQLStore
	if n.db, credStore, n.creds, err = openMetadata(ctx, cfg); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.db.Close)
	operators, err := openOperators(ctx, n.db)
	if err != nil {
		return nil, err
	}
	model, err := openManagement(ctx, n.db)
	if err != nil {
		return nil, err
	}
	if infra.credentials != nil {
		if err := infra.credentials(ctx, n.creds, credStore); err != nil {
			return nil, err
		}
	}
	if n.store, err = openStorage(ctx, cfg); err != nil {
		return nil, fmt.Errorf("storage (%s): %w", cfg.Storage.Kind, err)
	}
	store := n.store
	n.closers = append(n.closers, func() error { return storage.Close(store) })
	if n.transport, err = openTransport(ctx, cfg); err != nil {
		return nil, fmt.Errorf("transport (%s): %w", cfg.Transport.Kind, err)
	}
	n.closers = append(n.closers, n.transport.Close)
	cc, err := infra.chain(ctx)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, cc.closers...)
	n.registry = cc.registry

	n.web, err = web.New(web.Config{Addr: cfg.Listen, EnvironmentID: cfg.Environment, TrustedProxies: cfg.TrustedProxies, Logger: log,
		Uploads: web.UploadLimits{PerMember: cfg.Uploads.PerMember, Total: cfg.Uploads.Total,
			BodyIdleTimeout: cfg.Uploads.BodyIdleTimeout, RetryAfter: cfg.Uploads.RetryAfter}}, n.creds,
		storageProbe(n.store),
		web.Probe{Name: "transport", Check: func(ctx context.Context) error {
			return n.transport.EnsureTopic(ctx, "consign.health", 1)
		}},
		web.Probe{Name: "chain", Check: func(ctx context.Context) error {
			_, err := cc.backend.BlockNumber(ctx)
			return err
		}},
	)
	if err != nil {
		return nil, err
	}
	docs, err := docstore.New(ctx, n.db, n.store, docstore.Config{Logger: log})
	if err != nil {
		return nil, err
	}
	n.web.HandleDocuments(docs)
	n.web.HandleCredentials(web.AuthCredentials(n.creds, credStore))

	// App-to-app messaging: destination keys are sealed in the metadata
	// database under a master key kept beside it.
	master, err := app2app.LoadOrCreateMasterKey(filepath.Join(cfg.DataDir, "app2app.key"))
	if err != nil {
		return nil, err
	}
	n.a2a, err = app2app.New(ctx, app2app.Config{Node: infra.node, EnvironmentID: cfg.Environment,
		Members: cc.publishers, Transport: n.transport, Registry: cc.registry, DB: n.db, MasterKey: master, Logger: log})
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.a2a.Close)
	if infra.app2app != nil {
		if err := infra.app2app(ctx, n.a2a); err != nil {
			return nil, err
		}
	}
	n.web.HandleApp2App(n.a2a)

	// Transfers between the members' document-store destinations; without
	// a signer the pinner only reads (GET /api/v1/pins/<hash>).
	tcfg := docstore.TransferConfig{Node: infra.node, Members: infra.members, Transport: n.transport,
		Registry: cc.registry, Keys: n.a2a, Notifier: n.web, Logger: log, IncomingPerSender: cfg.Transfers.IncomingPerSender,
		RetryMin: cfg.Transfers.RetryMin, RetryMax: cfg.Transfers.RetryMax, MaxFailures: cfg.Transfers.MaxFailures}
	if cfg.Transfers.Pin {
		tcfg.Pinner, tcfg.PinTransfers = cc.pinner, true
	}
	transfers, err := docstore.NewTransfers(ctx, docs, tcfg)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, transfers.Close)
	n.transfers = transfers
	n.web.HandleTransfers(transfers)
	// Evidence bundles read blocks too: both the JSON-RPC client and the
	// simulated chain's client do.
	blocks, ok := cc.backend.(evidence.ChainReader)
	if !ok {
		return nil, fmt.Errorf("chain: the backend %T cannot read blocks for evidence bundles", cc.backend)
	}
	ex, err := evidence.NewExporter(evidence.Config{Transfers: transfers, Registry: cc.registry, Pins: cc.pinner,
		Chain: blocks, Keys: n.a2a})
	if err != nil {
		return nil, err
	}
	n.web.HandleEvidence(ex)
	n.web.HandleRegistry(chainapi.Registry(cc.registry), chainapi.Pins(cc.pinner), n.managed(infra.members))

	// The management API, for operator credentials only (docs/admin.md).
	n.web.SetOperators(operators)
	if _, err := adminapi.Mount(n.web, adminapi.Config{Model: model, Credentials: n.creds, Store: credStore, Registry: cc.registry}); err != nil {
		return nil, err
	}
	return n, nil
}

// openOperators returns the checker of the operator credentials kept in
// db (consign_operators, apart from the application credentials).
func openOperators(ctx context.Context, db *sql.DB) (*auth.Credentials, error) {
	store := auth.NewOperatorSQLStore(db, auth.SQLite)
	if err := store.Migrate(ctx); err != nil {
		return nil, err
	}
	return auth.New(store, auth.Config{})
}

// openManagement returns the management model kept in db.
func openManagement(ctx context.Context, db *sql.DB) (*consortium.Model, error) {
	store, err := consortium.NewSQLStore(ctx, db)
	if err != nil {
		return nil, err
	}
	return consortium.New(store), nil
}

// managed tells whether uri is a destination this node holds the key of,
// for any of members.
func (n *node) managed(members []string) web.ManagedFunc {
	return func(ctx context.Context, uri destination.URI) (bool, error) {
		for _, m := range members {
			ds, err := n.a2a.Destinations(ctx, m)
			if err != nil {
				return false, err
			}
			for _, d := range ds {
				if d.URI == uri {
					return d.Managed, nil
				}
			}
		}
		return false, nil
	}
}

// openMetadata opens the node's database and its credential store.
func openMetadata(ctx context.Context, cfg nodeConfig) (*sql.DB, *auth.SQLStore, *auth.Credentials, error) {
	db, err := metadb.Open(ctx, metadb.Config{Driver: cfg.Metadata.Driver, Path: cfg.Metadata.Path})
	if err != nil {
		return nil, nil, nil, err
	}
	store := auth.NewSQLStore(db, auth.SQLite)
	if err := store.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	creds, err := auth.New(store, auth.Config{})
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, store, creds, nil
}

func openStorage(ctx context.Context, cfg nodeConfig) (storage.Backend, error) {
	sc := cfg.Storage
	switch sc.Kind {
	case "local":
		return local.New(local.Config{Root: sc.Local.Root, CreateRoot: true})
	case "s3":
		return s3.New(ctx, s3.Config{Endpoint: sc.S3.Endpoint, Region: sc.S3.Region, Bucket: sc.S3.Bucket,
			Prefix: sc.S3.Prefix, AccessKey: sc.S3.AccessKey, SecretKey: sc.S3.SecretKey, PathStyle: sc.S3.PathStyle, IdleTimeout: sc.IdleTimeout})
	case "azure":
		return azure.New(ctx, azure.Config{ConnectionString: sc.Azure.ConnectionString, Container: sc.Azure.Container,
			IdleTimeout: sc.IdleTimeout})
	case "ipfs":
		return ipfs.NewEmbedded(ipfs.Config{Dir: sc.IPFS.Dir})
	case "kubo":
		return ipfs.NewKubo(ipfs.Config{Dir: sc.IPFS.Dir, API: sc.Kubo.API})
	}
	return nil, fmt.Errorf("unknown storage.kind %q", sc.Kind)
}

func openTransport(ctx context.Context, cfg nodeConfig) (messaging.Transport, error) {
	switch cfg.Transport.Kind {
	case "kafka":
		return kafka.New(kafka.Config{Brokers: cfg.Transport.Kafka.Brokers, ClientID: cfg.Transport.Kafka.ClientID})
	case "embedded":
		return embedded.Open(ctx, embedded.Config{Dir: filepath.Join(cfg.DataDir, "broker")})
	}
	return nil, fmt.Errorf("unknown transport.kind %q", cfg.Transport.Kind)
}

// storageProbe answers when the backend answers: a missing probe object
// is a healthy answer.
func storageProbe(b storage.Backend) web.Probe {
	return web.Probe{Name: "storage", Check: func(ctx context.Context) error {
		_, err := b.Stat(ctx, ".consign-readyz")
		if err == nil || errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	}}
}
