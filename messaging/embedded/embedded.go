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
package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kfake"

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
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.Ports(cfg.Port),
		kfake.ClusterID("consign-embedded"),
		kfake.DataDir(filepath.Join(dir, "kfake")),
		kfake.SyncWrites(),
	)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("messaging/embedded: open %q: start broker: %w", dir, err)
	}
	addrs := cluster.ListenAddrs()
	kcfg := cfg.Kafka
	kcfg.Brokers = addrs
	tr, err := kafka.New(kcfg)
	if err != nil {
		cluster.Close()
		lock.Close()
		return nil, fmt.Errorf("messaging/embedded: open %q: %w", dir, err)
	}
	return &Broker{Transport: tr, cluster: cluster, lock: lock, addr: addrs[0]}, nil
}

// Addr is the broker's host:port on 127.0.0.1, for other Kafka clients.
func (b *Broker) Addr() string { return b.addr }

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
