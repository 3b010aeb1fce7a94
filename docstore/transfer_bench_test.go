package docstore_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/devnet"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/messaging"
	"github.com/consign/consign/messaging/kafka"
)

// benchSize is the document size of BenchmarkTransfers: 1 GiB, or
// 128 MiB with CONSIGN_BENCH_QUICK=1.
func benchSize() int64 {
	if os.Getenv("CONSIGN_BENCH_QUICK") == "1" {
		return 128 << 20
	}
	return 1 << 30
}

// BenchmarkTransfers measures one transfer end to end over the real Kafka
// broker between two nodes running as separate processes (a sender that
// has the document on local disk and a receiver), against the raw
// transport moving the same bytes unsealed in 256 KiB messages in this
// process. Run it once: go test -run '^$' -bench BenchmarkTransfers
// -benchtime 1x ./docstore. Metrics: consign-MB/s, raw-MB/s, and each
// node's peak resident set during the transfer.
func BenchmarkTransfers(b *testing.B) {
	addr := testenv.Get(b, testenv.Kafka)
	size := benchSize()
	for range b.N {
		raw := benchRaw(b, addr, size)
		mbs, sendRSS, recvRSS := benchConsign(b, addr, size)
		b.ReportMetric(mbs, "consign-MB/s")
		b.ReportMetric(raw, "raw-MB/s")
		b.ReportMetric(float64(sendRSS)/1024, "sender-peak-RSS-MiB")
		b.ReportMetric(float64(recvRSS)/1024, "receiver-peak-RSS-MiB")
	}
}

// benchTransport is the transport of the baseline, configured as the
// child nodes' are.
func benchTransport(b *testing.B, addr string) messaging.Transport {
	tr, err := kafka.New(kafka.Config{Brokers: []string{addr}, Opts: benchKafkaOpts()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	return tr
}

// benchRaw sends size bytes as 256 KiB messages with one key (so one
// partition, in order, as a transfer's shards), four per Send as the
// transfer sender does, and consumes them at the same time; it returns
// MB/s from the first Send to the last message handled.
func benchRaw(b *testing.B, addr string, size int64) float64 {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := benchTransport(b, addr)
	topic := app2apptest.RandomID("bench-raw-")
	if err := tr.EnsureTopic(ctx, topic, 2); err != nil {
		b.Fatal(err)
	}
	n := int((size + messaging.MaxShardSize - 1) / messaging.MaxShardSize)
	val := make([]byte, messaging.MaxShardSize)
	randomReader(5, int64(len(val))).Read(val)
	var got atomic.Int64
	done := make(chan struct{})
	go func() {
		_ = tr.Consume(ctx, app2apptest.RandomID("bench-raw-g"), []string{topic}, func(ctx context.Context, d messaging.Delivery) error {
			if got.Add(1) == int64(n) {
				close(done)
			}
			return nil
		})
	}()
	// The group joins before the clock starts: one message first.
	if err := tr.Send(ctx, messaging.Message{Topic: topic, Key: "warm", Value: []byte("x")}); err != nil {
		b.Fatal(err)
	}
	for got.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	got.Store(0)
	// Both measures start with no dirty pages waiting for the disk: the
	// kernel spends several times more CPU per write() while earlier
	// writes are being flushed (measured here with dd: 0.5 s per GiB on
	// a clean page cache, 2.1 s right after another GiB), and on two
	// cores that CPU is what the broker and the nodes compete for.
	syscall.Sync()
	start := time.Now()
	for i := 0; i < n; {
		var batch []messaging.Message
		for ; i < n && len(batch) < 4; i++ {
			batch = append(batch, messaging.Message{Topic: topic, Key: "transfer", Value: val})
		}
		if err := tr.Send(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	return float64(size) / time.Since(start).Seconds() / 1e6
}

// benchConsign runs a sender and a receiver node as child processes and
// returns the transfer's MB/s (from Send to the acknowledgement, as the
// sender sees it) and each node's peak RSS in KiB.
func benchConsign(b *testing.B, addr string, size int64) (float64, int64, int64) {
	sender, receiver := childPair(b, addr)
	sender.DocPath, sender.DocSize, sender.DocSeed, sender.To = "/bench/large.bin", size, 77, receiver.Dest
	rc := startChild(b, receiver)
	sc := startChild(b, sender)
	resetPeakRSSOf(rc.Cmd.Process.Pid)
	syscall.Sync() // see benchRaw
	if _, err := sc.Stdin.Write([]byte("go\n")); err != nil {
		b.Fatal(err)
	}
	line := sc.expect(func(l string) bool { return strings.HasPrefix(l, "done ") }, "done", 30*time.Minute)
	recvRSS := peakRSS(rc.Cmd.Process.Pid)
	f := strings.Fields(line)
	if len(f) != 4 || f[1] != "received" {
		b.Fatalf("sender: %s", line)
	}
	ns, _ := strconv.ParseInt(f[2], 10, 64)
	sendRSS, _ := strconv.ParseInt(f[3], 10, 64)
	sc.Stdin.Close()
	sc.Kill()
	rc.Kill()
	return float64(size) / (float64(ns) / 1e9) / 1e6, sendRSS, recvRSS
}

// resetPeakRSSOf resets another process's peak RSS (Linux).
func resetPeakRSSOf(pid int) {
	_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0)
}

// childPair prepares two child nodes (sender and receiver) of two members
// with RSA-2048 and P-256 destinations, their registry snapshot naming
// their nodes.
func childPair(b testing.TB, addr string) (sender, receiver childConfig) {
	b.Helper()
	env := app2apptest.RandomID("env")
	dir := b.TempDir()
	reg := registryFile{Destinations: map[string]chain.Destination{}, Profiles: map[string]map[string]string{}}
	var cfgs []childConfig
	for i, alg := range []crypto.KeyAlgorithm{crypto.RSA2048, crypto.P256} {
		member := app2apptest.RandomID("m")
		node := app2apptest.RandomID("bench")
		d := devnet.NewDocDestination(b, env, member, alg)
		uri := d.URI.String()
		keyPEM, err := crypto.MarshalPrivateKeyPEM(d.Key)
		if err != nil {
			b.Fatal(err)
		}
		certPEM := d.PEM
		nd := filepath.Join(dir, strconv.Itoa(i))
		if err := os.MkdirAll(nd, 0o700); err != nil {
			b.Fatal(err)
		}
		for name, data := range map[string][]byte{"key.pem": keyPEM, "cert.pem": certPEM} {
			if err := os.WriteFile(filepath.Join(nd, name), data, 0o600); err != nil {
				b.Fatal(err)
			}
		}
		reg.Destinations[uri] = chain.Destination{URI: destination.MustParse(uri), Name: "docs", Member: member, MemberStatus: chain.StatusActive, CertificatePEM: string(certPEM)}
		reg.Profiles[member] = map[string]string{"consign-node": node}
		cfgs = append(cfgs, childConfig{Node: node, Member: member, Dest: destination.MustParse(uri), KeyPEM: filepath.Join(nd, "key.pem"),
			CertPEM: filepath.Join(nd, "cert.pem"), DB: filepath.Join(nd, "meta.db"), Storage: filepath.Join(nd, "docs"), Kafka: addr})
	}
	p := filepath.Join(dir, "registry.json")
	raw, _ := json.Marshal(reg)
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		b.Fatal(err)
	}
	cfgs[0].Mode, cfgs[1].Mode = "sender", "receiver"
	cfgs[0].Registry, cfgs[1].Registry = p, p
	return cfgs[0], cfgs[1]
}
