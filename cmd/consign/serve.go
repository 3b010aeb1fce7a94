package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/docstore"
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
	"github.com/consign/consign/web/chainapi"
)

func cmdServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve", "serve --config FILE")
	path := fs.String("config", "", "YAML configuration file (docs/configuration.md); every key may also come from a CONSIGN_* variable")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadNodeConfig(*path, os.LookupEnv)
	if err != nil {
		return err
	}
	log := newLogger(env.stderr, cfg.Log.Level, cfg.Log.Format)
	n, err := buildNode(ctx, log, cfg)
	if err != nil {
		return err
	}
	defer n.close()
	log.Info("serving", "listen", cfg.Listen, "environment", cfg.Environment, "member", cfg.Member,
		"storage", cfg.Storage.Kind, "transport", cfg.Transport.Kind)
	err = n.web.ListenAndServe(ctx)
	if err == nil || errors.Is(err, context.Canceled) {
		log.Info("stopped")
		return nil
	}
	return err
}

// node is one member node built from its configuration.
type node struct {
	db        *sql.DB
	creds     *auth.Credentials
	store     storage.Backend
	transport messaging.Transport
	registry  *chain.Registry
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

func buildNode(ctx context.Context, log *slog.Logger, cfg nodeConfig) (_ *node, err error) {
	n := &node{log: log}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	if n.db, _, n.creds, err = openMetadata(ctx, cfg); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.db.Close)
	if n.store, err = openStorage(ctx, cfg); err != nil {
		return nil, fmt.Errorf("storage (%s): %w", cfg.Storage.Kind, err)
	}
	if c, ok := n.store.(interface{ Close() error }); ok {
		n.closers = append(n.closers, c.Close)
	}
	if n.transport, err = openTransport(ctx, cfg); err != nil {
		return nil, fmt.Errorf("transport (%s): %w", cfg.Transport.Kind, err)
	}
	n.closers = append(n.closers, n.transport.Close)

	client, err := ethclient.DialContext(ctx, cfg.Chain.RPC)
	if err != nil {
		return nil, fmt.Errorf("chain.rpc %s: %w", cfg.Chain.RPC, err)
	}
	n.closers = append(n.closers, func() error { client.Close(); return nil })
	var signer chain.Signer
	if cfg.Chain.Keystore != "" {
		pw, err := os.ReadFile(cfg.Chain.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("chain.password_file: %w", err)
		}
		if signer, err = chain.LoadKeystore(cfg.Chain.Keystore, strings.TrimRight(string(pw), "\r\n")); err != nil {
			return nil, fmt.Errorf("chain.keystore: %w", err)
		}
	}
	n.registry, err = chain.NewRegistry(ctx, client, signer, chain.RegistryConfig{
		Address: common.HexToAddress(cfg.Chain.Registry), EnvironmentID: cfg.Environment,
	})
	if err != nil {
		return nil, fmt.Errorf("chain.registry %s: %w", cfg.Chain.Registry, err)
	}
	n.closers = append(n.closers, n.registry.Close)

	n.web, err = web.New(web.Config{Addr: cfg.Listen, EnvironmentID: cfg.Environment, Logger: log}, n.creds,
		storageProbe(n.store),
		web.Probe{Name: "transport", Check: func(ctx context.Context) error {
			return n.transport.EnsureTopic(ctx, "consign.health", 1)
		}},
		web.Probe{Name: "chain", Check: func(ctx context.Context) error {
			_, err := client.BlockNumber(ctx)
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
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	master, err := app2app.LoadOrCreateMasterKey(filepath.Join(cfg.DataDir, "app2app.key"))
	if err != nil {
		return nil, err
	}
	a2a, err := app2app.New(ctx, app2app.Config{Node: cfg.Member, EnvironmentID: cfg.Environment,
		Members: map[string]app2app.Publisher{cfg.Member: n.registry}, Transport: n.transport,
		Registry: n.registry, DB: n.db, MasterKey: master, Logger: log})
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, a2a.Close)
	n.web.HandleApp2App(a2a)

	tcfg := docstore.TransferConfig{Node: cfg.Member, Members: []string{cfg.Member}, Transport: n.transport,
		Registry: n.registry, Keys: a2a, Notifier: n.web, Logger: log}
	// Without a keystore the pinner only reads (GET /api/v1/pins/<hash>).
	pinner, err := chain.NewPinner(ctx, client, common.HexToAddress(cfg.Chain.Pin), signer)
	if err != nil {
		return nil, fmt.Errorf("chain.pin %s: %w", cfg.Chain.Pin, err)
	}
	if cfg.Transfers.Pin {
		tcfg.Pinner, tcfg.PinTransfers = pinner, true
	}
	transfers, err := docstore.NewTransfers(ctx, docs, tcfg)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, transfers.Close)
	n.web.HandleTransfers(transfers)
	n.web.HandleRegistry(chainapi.Registry(n.registry), chainapi.Pins(pinner), func(ctx context.Context, uri string) (bool, error) {
		ds, err := a2a.Destinations(ctx, cfg.Member)
		if err != nil {
			return false, err
		}
		for _, d := range ds {
			if d.URI == uri {
				return d.Managed, nil
			}
		}
		return false, nil
	})
	return n, nil
}

func openStorage(ctx context.Context, cfg nodeConfig) (storage.Backend, error) {
	sc := cfg.Storage
	switch sc.Kind {
	case "local":
		return local.New(local.Config{Root: sc.Local.Root, CreateRoot: true})
	case "s3":
		return s3.New(ctx, s3.Config{Endpoint: sc.S3.Endpoint, Region: sc.S3.Region, Bucket: sc.S3.Bucket,
			Prefix: sc.S3.Prefix, AccessKey: sc.S3.AccessKey, SecretKey: sc.S3.SecretKey, PathStyle: sc.S3.PathStyle})
	case "azure":
		return azure.New(ctx, azure.Config{ConnectionString: sc.Azure.ConnectionString, Container: sc.Azure.Container})
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
		return embedded.Open(ctx, embedded.Config{Dir: cfg.DataDir + "/broker"})
	}
	return nil, fmt.Errorf("unknown transport.kind %q", cfg.Transport.Kind)
}
