package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
)

func cmdServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve", "serve --config FILE")
	path := fs.String("config", "", "YAML configuration file (docs/configuration.md); every key may also come from a CONSIGN_* variable")
	cfg, err := parseNodeConfig(fs, args, path)
	if err != nil {
		return err
	}
	log := newLogger(env.stderr, cfg.Log.Level, cfg.Log.Format)
	n, err := buildNode(ctx, log, cfg)
	if err != nil {
		return err
	}
	defer n.close()
	if cfg.Debug.Listen != "" {
		stop, err := serveDebug(log, cfg.Debug.Listen, n)
		if err != nil {
			return err
		}
		defer stop()
	}
	logServing(log, cfg)
	err = n.web.ListenAndServe(ctx)
	if err == nil || errors.Is(err, context.Canceled) {
		log.Info("stopped")
		return nil
	}
	return err
}

// logServing logs the start of a node with the URLs clients are handed.
func logServing(log *slog.Logger, cfg nodeConfig) {
	log.Info("serving", "listen", cfg.Listen, "socketio_url", socketIOURL(cfg.Listen, false),
		"environment", cfg.Environment, "member", cfg.Member,
		"storage", cfg.Storage.Kind, "transport", cfg.Transport.Kind)
}

// buildNode builds the member node cfg describes, on the servers it names.
func buildNode(ctx context.Context, log *slog.Logger, cfg nodeConfig) (*node, error) {
	return newNode(ctx, serveInfrastructure(log, cfg))
}

// serveInfrastructure is a member node's infrastructure as its
// configuration names it: one member, its database, storage and transport,
// and the chain over JSON-RPC, signing with the keystore key if any.
func serveInfrastructure(log *slog.Logger, cfg nodeConfig) infrastructure {
	return infrastructure{log: log, cfg: cfg, node: cfg.Member, members: []string{cfg.Member},
		chain: func(ctx context.Context) (*chainConn, error) { return dialChain(ctx, cfg) }}
}

// dialChain connects to the chain of cfg.Chain.
func dialChain(ctx context.Context, cfg nodeConfig) (_ *chainConn, err error) {
	client, err := ethclient.DialContext(ctx, cfg.Chain.RPC)
	if err != nil {
		return nil, fmt.Errorf("chain.rpc %s: %w", cfg.Chain.RPC, err)
	}
	cc := &chainConn{backend: client, closers: []func() error{func() error { client.Close(); return nil }}}
	defer func() {
		if err != nil {
			for i := len(cc.closers) - 1; i >= 0; i-- {
				cc.closers[i]()
			}
		}
	}()
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
	cc.registry, err = chain.NewRegistry(ctx, client, signer, chain.RegistryConfig{
		Address: common.HexToAddress(cfg.Chain.Registry), EnvironmentID: cfg.Environment,
	})
	if err != nil {
		return nil, fmt.Errorf("chain.registry %s: %w", cfg.Chain.Registry, err)
	}
	cc.closers = append(cc.closers, cc.registry.Close)
	cc.publishers = map[string]app2app.Publisher{cfg.Member: cc.registry}
	// Without a keystore the pinner only reads (GET /api/v1/pins/<hash>).
	if cc.pinner, err = chain.NewPinner(ctx, client, common.HexToAddress(cfg.Chain.Pin), signer); err != nil {
		return nil, fmt.Errorf("chain.pin %s: %w", cfg.Chain.Pin, err)
	}
	return cc, nil
}
