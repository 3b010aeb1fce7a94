// Package embedded runs the Kafka-protocol broker that `consign dev` uses,
// inside the Consign process, and gives the same messaging.Transport as
// production on top of it.
//
// The broker is franz-go's kfake with its on-disk data directory: segment
// files hold the raw Kafka record batches, and append-only logs hold topic,
// consumer-group (committed offsets) and producer-id state. With SyncWrites,
// which this package always sets, every produced batch and every offset
// commit is fsynced before the broker answers, so a Send that returned and a
// commit that succeeded survive a crash of the process (kill -9). On start
// the broker replays the directory, truncating a torn tail.
//
// The transport on top is messaging/kafka speaking to the broker over a
// loopback TCP socket. That costs a little against calling the log directly,
// and buys the point of the design: `consign dev` exercises the very client
// code path (idempotent producer, consumer groups, manual commits) that a
// production node uses against Apache Kafka. docs/messaging.md records why
// this was chosen over a log in the node's SQLite database.
//
// One process at a time may use a data directory; Open takes an exclusive
// lock on a file inside it (released by the kernel if the process dies).
//
// The broker listens on 127.0.0.1 only and requires SASL SCRAM-SHA-256 of
// every client: the password is a random secret made on the directory's
// first use and kept in it (mode 0600), so another local user or process
// that can reach the port but not read the directory cannot read or write
// the node's topics. ClientOpts gives other clients in the process the
// credentials.
package embedded

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/consign/consign/internal/errkind"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/kafka"
)

// ErrLocked means another process has the data directory open; stop it, or use another directory.
var ErrLocked = errkind.New(errkind.Conflict, "data directory in use by another process")

// Config configures the embedded broker.
type Config struct {
	// Dir is the broker's data directory, created if missing. Required.
	Dir string
	// Port is the loopback TCP port the broker listens on; 0 picks a free
	// one. The broker never listens beyond 127.0.0.1.
	Port int
	// Kafka tunes the transport on top; its Brokers field must be empty
	// (it is set to the embedded broker's address).
	Kafka kafka.Config
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if c.Dir == "" {
		return errors.New("messaging/embedded: config: Dir is empty: give the broker's data directory")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("messaging/embedded: config: Port %d out of range", c.Port)
	}
	if len(c.Kafka.Brokers) != 0 {
		return errors.New("messaging/embedded: config: Kafka.Brokers must be empty; the embedded broker's address is used")
	}
	return nil
}

// Broker is a running embedded broker and the Transport connected to it.
// Its Close closes both.
type Broker struct {
	*kafka.Transport
	cluster *kfake.Cluster
	lock    *os.File
	addr    string
	pass    string
	auth    kgo.Opt
}

// saslUser is the one SCRAM user of the broker.
const saslUser = "consign"

// secret returns the broker's SCRAM password kept in dir, making one on
// the directory's first use.
func secret(dir string) (string, error) {
	path := filepath.Join(dir, "sasl-secret")
	b, err := os.ReadFile(path)
	if err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return s, nil
		}
		return "", fmt.Errorf("%s is damaged: remove it together with %s to make a new secret", path, filepath.Join(dir, "kfake", "sasl.json"))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	s := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", err
	}
	return s, nil
}

var _ messaging.Transport = (*Broker)(nil)

// Open starts the broker on cfg.Dir, replaying what the directory holds.
func Open(ctx context.Context, cfg Config) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("messaging/embedded: open %q: %w", cfg.Dir, err)
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("messaging/embedded: open %q: %w", cfg.Dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("messaging/embedded: open %q: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("messaging/embedded: open %q: %w", dir, err)
	}
	pass, err := secret(dir)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("messaging/embedded: open %q: broker secret: %w", dir, err)
	}
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.Ports(cfg.Port),
		kfake.ClusterID("consign-embedded"),
		kfake.DataDir(filepath.Join(dir, "kfake")),
		kfake.SyncWrites(),
		kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", saslUser, pass),
	)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("messaging/embedded: open %q: start broker: %w", dir, err)
	}
	addrs := cluster.ListenAddrs()
	auth := kgo.SASL(scram.Auth{User: saslUser, Pass: pass}.AsSha256Mechanism())
	kcfg := cfg.Kafka
	kcfg.Brokers = addrs
	kcfg.Opts = append([]kgo.Opt{auth}, kcfg.Opts...)
	tr, err := kafka.New(kcfg)
	if err != nil {
		cluster.Close()
		lock.Close()
		return nil, fmt.Errorf("messaging/embedded: open %q: %w", dir, err)
	}
	return &Broker{Transport: tr, cluster: cluster, lock: lock, addr: addrs[0], pass: pass, auth: auth}, nil
}

// Addr is the broker's host:port on 127.0.0.1, for other Kafka clients;
// they need ClientOpts too.
func (b *Broker) Addr() string { return b.addr }

// ClientOpts are the franz-go options another client of this broker needs
// (its SASL credentials), to add to kafka.Config.Opts or kgo.NewClient.
func (b *Broker) ClientOpts() []kgo.Opt { return []kgo.Opt{b.auth} }

// Credentials are the SCRAM-SHA-256 user and password ClientOpts carries,
// for a client in another process (tests hand them to child processes).
func (b *Broker) Credentials() (user, password string) { return saslUser, b.pass }

// Close closes the transport, then stops the broker, flushing its state,
// then releases the directory lock.
func (b *Broker) Close() error {
	err := b.Transport.Close()
	b.cluster.Close()
	if cerr := b.lock.Close(); err == nil {
		err = cerr
	}
	return err
}
