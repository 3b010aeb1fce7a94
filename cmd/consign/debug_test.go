package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// TestDebugListen: debug.listen is off by default, refuses a value that
// is not HOST:PORT, and when set serves /debug/vars with the goroutine
// count and resident memory, and the pprof index.
func TestDebugListen(t *testing.T) {
	c, err := loadNodeConfig(writeConfig(t, goodYAML), noEnv)
	if err != nil || c.Debug.Listen != "" {
		t.Fatalf("default debug.listen %q (%v), want empty", c.Debug.Listen, err)
	}
	_, err = loadNodeConfig(writeConfig(t, goodYAML+"debug: {listen: nope}\n"), noEnv)
	if err == nil || !strings.Contains(err.Error(), "debug.listen (CONSIGN_DEBUG_LISTEN)") {
		t.Fatalf("bad debug.listen: %v", err)
	}
	stop, err := serveDebugOn(t, &node{log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer stop.stop()
	resp, err := http.Get("http://" + stop.addr + "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v debugVars
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/debug/vars: %d %v", resp.StatusCode, err)
	}
	if v.Goroutines < 1 || v.HeapAlloc == 0 || (runtime.GOOS == "linux" && v.RSSBytes <= 0) {
		t.Fatalf("/debug/vars %+v", v)
	}
	r2, err := http.Get("http://" + stop.addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 200 {
		t.Fatalf("/debug/pprof/: %d", r2.StatusCode)
	}
}

type debugServer struct {
	addr string
	stop func()
}

// serveDebugOn serves n's debug endpoints on a free loopback port.
func serveDebugOn(t *testing.T, n *node) (debugServer, error) {
	t.Helper()
	port, err := freeLoopbackAddr()
	if err != nil {
		return debugServer{}, err
	}
	stop, err := serveDebug(n.log, port, n)
	return debugServer{addr: port, stop: stop}, err
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
