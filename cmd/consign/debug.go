package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/web"
)

// debugVars is what /debug/vars answers: enough for an operator or a soak
// driver to see a leak (goroutines, resident memory, heap) and what the
// transfer service refused as forged.
type debugVars struct {
	Goroutines int    `json:"goroutines"`
	RSSBytes   int64  `json:"rss_bytes"` // -1 where /proc/self/status is not readable
	HeapAlloc  uint64 `json:"heap_alloc_bytes"`
	HeapSys    uint64 `json:"heap_sys_bytes"`
	Transfers  struct {
		ForgedReceipts  uint64 `json:"forged_receipts"`
		ForgedResends   uint64 `json:"forged_resends"`
		ForgedManifests uint64 `json:"forged_manifests"`
		Malformed       uint64 `json:"malformed"`
	} `json:"transfers"`
}

// serveDebug serves the node's debug endpoints on addr (debug.listen) until
// the returned function is called. It is a listener of its own, apart from
// the API, so that it can stay on loopback while the API does not.
func serveDebug(log *slog.Logger, addr string, n *node) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug.listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/vars", func(w http.ResponseWriter, r *http.Request) {
		web.WriteJSON(w, http.StatusOK, n.debugVars())
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	log.Info("debug endpoints", "listen", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

func (n *node) debugVars() debugVars {
	var v debugVars
	v.Goroutines = runtime.NumGoroutine()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	v.HeapAlloc, v.HeapSys = ms.HeapAlloc, ms.HeapSys
	v.RSSBytes = rssBytes()
	if n.transfers != nil {
		st := n.transfers.Stats()
		v.Transfers.ForgedReceipts, v.Transfers.ForgedResends, v.Transfers.ForgedManifests = st.ForgedReceipts, st.ForgedResends, st.ForgedManifests
		v.Transfers.Malformed = st.Malformed
	}
	return v
}

// rssBytes reads VmRSS from /proc/self/status; -1 when it cannot.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return -1
}
