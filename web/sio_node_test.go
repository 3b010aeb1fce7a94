package web

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/internal/testenv"
)

// sioTestHandlers are the server side of testdata/sio_client.js and the
// browser test: a welcome event carrying what the server knows about the
// connection, an echo with ack, and a handler that panics.
func sioTestHandlers(f *fixture) {
	f.srv.OnConnection(func(c *Conn) {
		p := c.Principal()
		c.On("echo", func(args []any, ack Ack) {
			if ack != nil && len(args) == 1 {
				ack(nil, args[0])
			}
		})
		c.On("boom", func([]any, Ack) { panic("handler bug") })
		c.On("poke", func(args []any, _ Ack) {
			_ = f.srv.EmitToMember(p.Member, "document_sent", map[string]any{"id": args[0]})
		})
		_ = c.Emit("welcome", map[string]any{
			"namespace":   c.Namespace(),
			"member":      p.Member,
			"environment": p.EnvironmentID,
			"auto_commit": c.Query("auto_commit"),
			"tag":         c.Query("tag"),
			"transport":   c.Transport(),
		})
	})
}

func runNode(t *testing.T, nodePath, script string, env ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, _ := testenv.RunNode(t, ctx, nodePath, filepath.Join("testdata", script), env...)
	return out
}

type sioResult struct {
	Version string `json:"version"`
	Good    []struct {
		Transport string         `json:"transport"`
		Error     string         `json:"error"`
		Welcome   map[string]any `json:"welcome"`
		Ack       struct {
			Err    any            `json:"err"`
			Result map[string]any `json:"result"`
		} `json:"ack"`
		Exception string `json:"exception"`
	} `json:"good"`
	Bad []struct {
		Transport string `json:"transport"`
		Label     string `json:"label"`
		Outcome   string `json:"outcome"`
		Detail    any    `json:"detail"`
	} `json:"bad"`
}

// sioGenerations are the socket.io-client majors the Node tests drive:
// the subtest name, the variable naming its node_modules and the version
// prefix the client reports.
var sioGenerations = []struct{ name, modules, major string }{
	{"socket.io-client 2.x", testenv.SIO2Modules, "2."},
	{"socket.io-client 4.x", testenv.SIO4Modules, "4."},
}

// eachSIOGeneration runs fn as a subtest per socket.io-client major, with
// the version prefix the client reports, its node_modules and a fixture
// serving the socket.io test handlers.
func eachSIOGeneration(t *testing.T, fn func(t *testing.T, major, modules string, f *fixture)) {
	for _, gen := range sioGenerations {
		t.Run(gen.name, func(t *testing.T) {
			modules := testenv.Get(t, gen.modules)
			f := newFixture(t, Config{FailureBurst: 1000})
			sioTestHandlers(f)
			fn(t, gen.major, modules, f)
		})
	}
}

func TestSocketIONodeClients(t *testing.T) {
	eachSIOGeneration(t, func(t *testing.T, major, modules string, f *fixture) {
		out := runNode(t, modules, "sio_client.js",
			"CONSIGN_URL="+f.base, "CONSIGN_USER="+f.user, "CONSIGN_PASS="+f.pass,
			"CONSIGN_USER_B="+f.userB, "CONSIGN_PASS_B="+f.passB)
		var res sioResult
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("node output %q: %v", out, err)
		}
		if !strings.HasPrefix(res.Version, major) {
			t.Fatalf("NODE_PATH gave socket.io-client %s", res.Version)
		}
		t.Logf("socket.io-client %s", res.Version)
		if len(res.Good) != 2 || len(res.Bad) != 6 {
			t.Fatalf("result %s", out)
		}
		for _, g := range res.Good {
			if g.Error != "" {
				t.Errorf("%s: %s", g.Transport, g.Error)
				continue
			}
			w := g.Welcome
			if w["member"] != "org1" || w["environment"] != "env-a" || w["auto_commit"] != "false" ||
				w["tag"] != g.Transport+"-"+major[:1] || w["transport"] != g.Transport {
				t.Errorf("%s: welcome %v", g.Transport, w)
			}
			if g.Ack.Err != nil || g.Ack.Result["n"] != float64(42) || g.Ack.Result["text"] != "héllo" {
				t.Errorf("%s: ack %+v", g.Transport, g.Ack)
			}
			if !strings.Contains(g.Exception, "internal error") {
				t.Errorf("%s: exception %q", g.Transport, g.Exception)
			}
		}
		for _, b := range res.Bad {
			detail, _ := json.Marshal(b.Detail)
			if b.Outcome != "refused" || !strings.Contains(string(detail), "unauthorized") {
				t.Errorf("%s, %s: %s %s", b.Transport, b.Label, b.Outcome, detail)
			}
		}
	})
}

func TestSocketIORateLimit(t *testing.T) {
	modules := testenv.Get(t, testenv.SIO4Modules)
	f := newFixture(t, Config{FailureBurst: 2, FailureRefill: time.Hour})
	sioTestHandlers(f)
	out := runNode(t, modules, "sio_client.js", "CONSIGN_MODE=ratelimit",
		"CONSIGN_URL="+f.base, "CONSIGN_USER="+f.user, "CONSIGN_PASS="+f.pass)
	var res struct {
		Attempts []struct {
			Outcome string `json:"outcome"`
			Detail  struct {
				Message string `json:"message"`
				Data    struct {
					Error string `json:"error"`
				} `json:"data"`
			} `json:"detail"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Attempts) != 3 {
		t.Fatalf("output %q: %v", out, err)
	}
	for i, a := range res.Attempts[:2] {
		if a.Outcome != "refused" || !strings.Contains(a.Detail.Data.Error, "invalid credentials") {
			t.Errorf("attempt %d: %+v", i+1, a)
		}
	}
	last := res.Attempts[2]
	if last.Outcome != "refused" || last.Detail.Message != "unauthorized" || !strings.Contains(last.Detail.Data.Error, "too many failed") {
		t.Errorf("third attempt (right password, over the limit): %+v", last)
	}
	// HTTP shares the per-IP budget.
	if r := f.do(t, "GET", "/api/v1/addressbook", f.user, f.pass); r.status != 429 {
		t.Errorf("HTTP after socket.io failures: %d", r.status)
	}
}

// TestSocketIONamespaces: socket.io-client 2.x and 4.x connect to
// <base>/api/v1?auto_commit=false (namespace /api/v1, options in the
// URL's query, as the hosted service's snippets do) and to the root, over
// websocket and polling; a member's document event reaches both; an
// unknown namespace is refused.
func TestSocketIONamespaces(t *testing.T) {
	eachSIOGeneration(t, func(t *testing.T, major, modules string, f *fixture) {
		out := runNode(t, modules, "sio_namespaces.js", "CONSIGN_URL="+f.base, "CONSIGN_USER="+f.user, "CONSIGN_PASS="+f.pass)
		type conn struct {
			Outcome string         `json:"outcome"`
			Detail  any            `json:"detail"`
			Welcome map[string]any `json:"welcome"`
		}
		var res struct {
			Version string `json:"version"`
			Runs    []struct {
				Transport      string `json:"transport"`
				V1, Root, Nope conn
				Events         struct{ V1, Root []map[string]any }
			} `json:"runs"`
		}
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("node output %q: %v", out, err)
		}
		if !strings.HasPrefix(res.Version, major) || len(res.Runs) != 2 {
			t.Fatalf("result %s", out)
		}
		for _, r := range res.Runs {
			if w := r.V1.Welcome; r.V1.Outcome != "connected" || w["namespace"] != "/api/v1" || w["auto_commit"] != "false" ||
				w["tag"] != r.Transport || w["transport"] != r.Transport || w["member"] != "org1" {
				t.Errorf("%s: /api/v1: %+v", r.Transport, r.V1)
			}
			if w := r.Root.Welcome; r.Root.Outcome != "connected" || w["namespace"] != "/" || w["auto_commit"] != "" {
				t.Errorf("%s: root: %+v", r.Transport, r.Root)
			}
			want := "doc-" + r.Transport
			if len(r.Events.V1) != 1 || r.Events.V1[0]["id"] != want || len(r.Events.Root) != 1 || r.Events.Root[0]["id"] != want {
				t.Errorf("%s: document events %+v", r.Transport, r.Events)
			}
			detail, _ := json.Marshal(r.Nope.Detail)
			if r.Nope.Outcome != "refused" || !strings.Contains(string(detail), "Invalid namespace") {
				t.Errorf("%s: /nope: %s %s", r.Transport, r.Nope.Outcome, detail)
			}
		}
	})
}
