// Package app2apptest builds app-to-app messaging fixtures for tests: an
// in-process chain with registered members, transports (the embedded
// broker, or the real Kafka of `make testenv`), and Services over fresh
// metadata databases. It is used by the tests of app2app and
// web.
package app2apptest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/internal/metadb"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/embedded"
	"github.com/consign/consign/messaging/kafka"
)

// Chain is a dev chain with registered members.
type Chain struct {
	EnvironmentID string
	Dev           *chain.DevChain
}

// RandomID returns a short random lowercase id with prefix, for topic,
// node and environment names that must not collide between tests.
func RandomID(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// StartChain starts an in-process chain whose registry has the given
// members (no destinations yet). It is closed when the test ends.
func StartChain(t testing.TB, members ...string) *Chain {
	t.Helper()
	return StartChainIn(t, RandomID("env"), members...)
}

// StartChainIn is StartChain for a given environment id (a restarted
// dev node comes back in the same environment, on a new chain).
func StartChainIn(t testing.TB, env string, members ...string) *Chain {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var dms []chain.DevMember
	for _, m := range members {
		k, err := crypto.GenerateKey(crypto.P256)
		if err != nil {
			t.Fatal(err)
		}
		nonce := RandomID("n")
		now := time.Now()
		c, err := crypto.SelfSign(k, env+"-"+nonce+"--"+m+" Org", now.Add(-time.Hour), now.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		dms = append(dms, chain.DevMember{Name: m, ProofPEM: crypto.MarshalCertificatePEM(c), Nonce: nonce})
	}
	dc, err := chain.StartDev(ctx, chain.DevConfig{EnvironmentID: env, Members: dms, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dc.Close() })
	return &Chain{EnvironmentID: env, Dev: dc}
}

// Publishers returns the registry writers of the given members.
func (c *Chain) Publishers(members ...string) map[string]app2app.Publisher {
	out := map[string]app2app.Publisher{}
	for _, m := range members {
		out[m] = c.Dev.Members[m]
	}
	return out
}

// Embedded opens an embedded broker in a temporary directory, closed when
// the test ends.
func Embedded(t testing.TB) messaging.Transport {
	t.Helper()
	return EmbeddedAt(t, t.TempDir())
}

// EmbeddedAt opens the embedded broker on dir, closed when the test ends.
func EmbeddedAt(t testing.TB, dir string) messaging.Transport {
	t.Helper()
	b, err := embedded.Open(context.Background(), embedded.Config{Dir: dir, Kafka: kafka.Config{MaxRetryBackoff: time.Second, Opts: FetchOpts()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// Kafka connects to the Kafka broker of `make testenv` (skipping the test
// without it, failing under `make test`).
func Kafka(t testing.TB) messaging.Transport {
	t.Helper()
	addr := testenv.Get(t, testenv.Kafka)
	tr, err := kafka.New(kafka.Config{Brokers: []string{addr}, MaxRetryBackoff: time.Second, Opts: FetchOpts()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// Node is a Service with what it was built from, so a test can reopen it.
type Node struct {
	*app2app.Service
	Config app2app.Config
	DBPath string
}

// NewNode opens a Service named node serving members on tr, with a fresh
// SQLite database and master key under a temporary directory. It is
// closed when the test ends. tune, if not nil, adjusts the configuration.
func NewNode(t testing.TB, c *Chain, tr messaging.Transport, node string, members []string, tune func(*app2app.Config)) *Node {
	t.Helper()
	return NodeAt(t, t.TempDir(), c, tr, node, members, tune)
}

// NodeAt is NewNode keeping its database and master key in dir, so that
// another process can open the same node later.
func NodeAt(t testing.TB, dir string, c *Chain, tr messaging.Transport, node string, members []string, tune func(*app2app.Config)) *Node {
	t.Helper()
	key, err := app2app.LoadOrCreateMasterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := app2app.Config{
		Node: node, EnvironmentID: c.EnvironmentID, Members: c.Publishers(members...),
		Transport: tr, Registry: c.Dev.Registry, MasterKey: key, Partitions: 4,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if tune != nil {
		tune(&cfg)
	}
	n := &Node{Config: cfg, DBPath: filepath.Join(dir, "meta.db")}
	n.Service = Reopen(t, n)
	return n
}

// Reopen opens the node's Service again over its database (the previous
// one should be closed first). It is closed when the test ends.
func Reopen(t testing.TB, n *Node) *app2app.Service {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := OpenDB(t, n.DBPath)
	cfg := n.Config
	cfg.DB = db
	s, err := app2app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// OpenDB opens a SQLite metadata database, closed when the test ends.
func OpenDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := metadb.Open(context.Background(), metadb.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// FetchOpts are the franz-go options the fixtures' transports use: a
// short fetch wait. The Kafka transport pauses a partition whose queue is
// full and resumes it once its handler caught up; a fetch already waiting
// on the other, idle partitions holds the resumed one back for up to the
// fetch wait (franz-go's default: 5 s). One app2app destination lives in
// one partition, so without this a burst larger than the queue stalls
// for seconds every few hundred messages.
func FetchOpts() []kgo.Opt { return []kgo.Opt{kgo.FetchMaxWait(20 * time.Millisecond)} }
