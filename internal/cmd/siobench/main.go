// Command siobench measures socket.io fan-out, for scripts/bench/siofanout.sh:
// one server, -clients socket.io-client 4.x websocket connections to the
// endpoint URL (namespace /api/v1) from -procs Node processes on
// 127.0.0.1, then -events document_sent events, each to every client. It
// prints one line:
//
//	<server> <clients> <events> <seconds> <deliveries/s> <RSS KiB per idle connection>
//
// Servers:
//   - consign: web.Server (Basic auth per connection, the member's room on
//     both namespaces, per-connection send queues, the siows.WebSocket
//     transport) emitting with EmitToMember, the path document events take;
//   - bare: the socket.io library alone (github.com/zishang520/socket.io at
//     the version in go.mod, namespace /api/v1, no middleware, its own
//     websocket transport), a bare namespace emit. It runs behind
//     siows.Handler as Consign does: without it the library (seen at
//     v3.0.2) drops the namespace CONNECT of about one fast client in a few
//     thousand, and 10,000 clients never all connect.
//
// Events go out in rounds of -round (each round waits until every client
// has all of it), so that no client falls more than a round behind. RSS is
// the process's resident set (after a GC and returning freed memory)
// with every client connected and idle, minus the same before the first
// connection, divided by the clients.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/consign/consign/internal/auth"
	"github.com/consign/consign/internal/cmd/benchkit"
	"github.com/consign/consign/internal/siows"
	"github.com/consign/consign/web"
)

const program = "siobench"

var profile, heapProfile string // -cpuprofile, -memprofile

// connectTimeout is how long an Engine.IO session may go without joining
// a namespace, for both servers: thousands of clients connecting from
// busy Node processes on two shared cores can take longer than the
// defaults (10 s in Consign, 45 s in the library), and connecting is not
// what is measured.
const connectTimeout = 10 * time.Minute

// pingTimeout is Engine.IO's pong deadline for both servers: with 10,000
// connections on two shared cores the servers handle pongs late (both
// dropped clients for "ping timeout" with the default 20 s).
const pingTimeout = 5 * time.Minute

func main() {
	server := flag.String("server", "consign", "consign or bare")
	clients := flag.Int("clients", 100, "connected clients")
	events := flag.Int("events", 2000, "events, each to every client")
	round := flag.Int("round", 100, "events per round")
	procs := flag.Int("procs", 1, "Node client processes")
	modules, script := benchkit.NodeFlags("internal/cmd/siobench/client.js")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the emitting phase to this file")
	memprofile := flag.String("memprofile", "", "write a heap profile, every client connected and idle, to this file")
	flag.Parse()
	profile, heapProfile = *cpuprofile, *memprofile
	if heapProfile != "" {
		runtime.MemProfileRate = 256 // every connection's few KiB, not a sample of them
	}
	if *events%*round != 0 || *clients%*procs != 0 {
		benchkit.Exit(program, errors.New("-events must be a multiple of -round and -clients of -procs"))
	}
	benchkit.Exit(program, run(*server, *clients, *events, *round, *procs, *modules, *script))
}

func run(server string, clients, events, round, procs int, modules, script string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	user, pass, emit, stop, err := serve(ctx, server, ln)
	if err != nil {
		return err
	}
	defer stop()
	base := rss()

	// Clients, connected.
	var cls []*client
	defer func() {
		for _, c := range cls {
			c.close()
		}
	}()
	for range procs {
		c, err := startClient(modules, script, "http://"+ln.Addr().String(), user, pass, clients/procs, round)
		if err != nil {
			return err
		}
		cls = append(cls, c)
	}
	for _, c := range cls {
		if err := c.expect("ready"); err != nil {
			return err
		}
	}
	perConn := float64(rss()-base) / float64(clients) / 1024
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile); err != nil {
			return err
		}
	}

	payload := map[string]any{"transferId": "0", "document": "/bench/doc.txt", "status": "sent",
		"from": "kld://documentstore/m/m1/e/bench/s/m1-ds/d/out", "to": "kld://documentstore/m/m2/e/bench/s/m2-ds/d/in"}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	for r := 1; r <= events/round; r++ {
		for i := range round {
			payload["transferId"] = strconv.Itoa(r*round + i)
			if err := emit(payload); err != nil {
				return err
			}
		}
		for _, c := range cls {
			if err := c.expect("round " + strconv.Itoa(r)); err != nil {
				return err
			}
		}
	}
	secs := time.Since(start).Seconds()
	fmt.Printf("%s %d %d %.3f %.0f %.1f\n", server, clients, events, secs, float64(clients*events)/secs, perConn)
	return nil
}

// serve starts the server on ln; emit sends one event to every client.
func serve(ctx context.Context, server string, ln net.Listener) (user, pass string, emit func(any) error, stop func(), err error) {
	switch server {
	case "consign":
		// Light argon2id parameters: connecting is not what is measured.
		creds, err := auth.New(&auth.MemoryStore{}, auth.Config{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16}})
		if err != nil {
			return "", "", nil, nil, err
		}
		if user, pass, err = creds.Create(ctx, "bench", "m1"); err != nil {
			return "", "", nil, nil, err
		}
		srv, err := web.New(web.Config{EnvironmentID: "bench", Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: benchLogLevel()})), FailureBurst: 1 << 20,
			SocketIO: web.SocketIOLimits{PendingPerIP: 4096, PendingMax: 16384, ConnectTimeout: connectTimeout, PingTimeout: pingTimeout}}, creds)
		if err != nil {
			return "", "", nil, nil, err
		}
		go func() { _ = srv.Serve(ln) }()
		return user, pass, func(v any) error { return srv.EmitToMember("m1", "document_sent", v) },
			func() { _ = srv.Shutdown(context.Background()) }, nil
	case "bare":
		opts := socket.DefaultServerOptions()
		opts.SetPath("/socket.io")
		opts.SetServeClient(false)
		opts.SetConnectTimeout(connectTimeout)
		opts.SetPingTimeout(pingTimeout)
		io := socket.NewServer(nil, opts)
		nsp := io.Of("/api/v1", nil)
		_ = nsp.On("connection", func(a ...any) {
			if sock, ok := a[0].(*socket.Socket); ok {
				_ = sock.On("disconnect", func(r ...any) {
					if os.Getenv("SIOBENCH_DEBUG") != "" {
						fmt.Fprintln(os.Stderr, "server: disconnect", r)
					}
				})
			}
		})
		hs := &http.Server{Handler: siows.Handler(io.ServeHandler(nil))}
		go func() { _ = hs.Serve(ln) }()
		return "bench", "bench", func(v any) error { return nsp.Emit("document_sent", v) },
			func() { io.Close(nil); _ = hs.Close() }, nil
	}
	return "", "", nil, nil, fmt.Errorf("unknown -server %q", server)
}

func writeHeapProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// rss is the resident set of this process in bytes, after a GC that
// returns freed memory to the system.
func rss() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// client is one Node process holding some of the connections.
type client struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

func startClient(modules, script, url, user, pass string, count, round int) (*client, error) {
	c, err := benchkit.StartNode(context.Background(), modules, script, "CONSIGN_URL="+url, "CONSIGN_USER="+user, "CONSIGN_PASS="+pass,
		"COUNT="+strconv.Itoa(count), "ROUND="+strconv.Itoa(round))
	if err != nil {
		return nil, err
	}
	return &client{cmd: c.Cmd, stdin: c.Stdin, lines: bufio.NewScanner(c.Stdout)}, nil
}

// expect reads the client's next line, which must be want.
func (c *client) expect(want string) error {
	if !c.lines.Scan() {
		return fmt.Errorf("node client ended before %q: %v", want, c.cmd.Wait())
	}
	if got := c.lines.Text(); got != want {
		return fmt.Errorf("node client said %q, want %q", got, want)
	}
	return nil
}

func (c *client) close() {
	_ = c.stdin.Close()
	_ = c.cmd.Wait()
}

// benchLogLevel is Warn, or Info with SIOBENCH_DEBUG set.
func benchLogLevel() slog.Level {
	if os.Getenv("SIOBENCH_DEBUG") != "" {
		return slog.LevelInfo
	}
	return slog.LevelWarn
}
