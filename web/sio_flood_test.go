package web

import (
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// TestEngineIOHandshakeFlood reproduces a finding of the security review:
// an anonymous `GET /socket.io/?EIO=4&transport=polling` allocated an
// Engine.IO session before any authentication, and a flood of them was
// all held. With the caps lifted (the node as it was) every handshake of
// the flood holds a session; with the defaults one address holds
// PendingPerIP (32) and the rest are refused with 403; and a session that
// never connects a namespace with credentials ends right after
// ConnectTimeout, freeing its place (without the forced close it waited
// the engine's 30 s polling close timeout more: 30.2 s measured with a
// 200 ms ConnectTimeout).
func TestEngineIOHandshakeFlood(t *testing.T) {
	const flood = 1000
	handshake := func(base string) int {
		t.Helper()
		resp, err := http.Get(base + "/socket.io/?EIO=4&transport=polling")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	heap := func() float64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return float64(m.HeapInuse) / (1 << 20)
	}
	for _, c := range []struct {
		name     string
		limits   SocketIOLimits
		wantHeld int
	}{
		{"uncapped", SocketIOLimits{PendingPerIP: 1 << 30, PendingMax: 1 << 30, ConnectTimeout: time.Hour}, flood},
		{"defaults", SocketIOLimits{ConnectTimeout: time.Hour}, 32},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, err := New(Config{EnvironmentID: "e", Logger: quietLogger(), SocketIO: c.limits}, refuseAll{})
			if err != nil {
				t.Fatal(err)
			}
			base := serve(t, srv)
			before := heap()
			codes := map[int]int{}
			for range flood {
				codes[handshake(base)]++
			}
			grown := heap() - before
			t.Logf("%d anonymous handshakes from one address: %d sessions held, %d refused with 403; heap in use +%.1f MiB",
				flood, codes[http.StatusOK], codes[http.StatusForbidden], grown)
			if codes[http.StatusOK] != c.wantHeld || codes[http.StatusOK]+codes[http.StatusForbidden] != flood {
				t.Errorf("answers %v, want %d sessions and the rest 403", codes, c.wantHeld)
			}
		})
	}
	t.Run("expire", func(t *testing.T) {
		// A session that never connects a namespace is closed after
		// ConnectTimeout at once (the library's own close of a polling
		// session would wait the engine's fixed 30 s for a poll that never
		// comes), and its place comes back.
		srv, err := New(Config{EnvironmentID: "e", Logger: quietLogger(),
			SocketIO: SocketIOLimits{PendingPerIP: 4, ConnectTimeout: 2 * time.Second}}, refuseAll{})
		if err != nil {
			t.Fatal(err)
		}
		base := serve(t, srv)
		start := time.Now()
		held := 0
		for range 8 {
			if handshake(base) == http.StatusOK {
				held++
			}
		}
		if held != 4 {
			t.Fatalf("8 quick handshakes with PendingPerIP 4: %d sessions, want 4", held)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for handshake(base) != http.StatusOK {
			if time.Now().After(deadline) {
				t.Fatal("no place came back within 2 minutes: pending sessions never end")
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("the places of 4 sessions that never connected came back %.1f s after they were opened (ConnectTimeout 2 s)", time.Since(start).Seconds())
	})
}
