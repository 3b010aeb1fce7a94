package web

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// healthz answers 200 while the process serves requests.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz runs every probe concurrently, each bounded by ReadyTimeout, and
// answers 200 when all pass, 503 naming the failures otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	checks := make(map[string]string, len(s.probes))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range s.probes {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
			defer cancel()
			res := "ok"
			if err := runProbe(ctx, p); err != nil {
				res = err.Error()
			}
			mu.Lock()
			checks[p.Name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	var failed []string
	for name, res := range checks {
		if res != "ok" {
			failed = append(failed, name+": "+res)
		}
	}
	if len(failed) == 0 {
		WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "checks": checks})
		return
	}
	sort.Strings(failed)
	WriteJSON(w, http.StatusServiceUnavailable, map[string]any{
		"error":  "not ready: " + strings.Join(failed, "; "),
		"checks": checks,
	})
}

// runProbe returns the probe's error, or ctx's if the probe overstays its
// deadline (a hung dependency must not hang /readyz), or a panic as an
// error.
func runProbe(ctx context.Context, p Probe) (err error) {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- panicError{v}
			}
		}()
		done <- p.Check(ctx)
	}()
	select {
	case err = <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

type panicError struct{ v any }

func (e panicError) Error() string { return "probe panicked" }
