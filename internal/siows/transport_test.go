package siows

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	ws "github.com/gorilla/websocket"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Broadcasts (pre-encoded frames shared by every client), per-socket
// emits, one message larger than a batch and client events, through the
// WebSocket transport behind Handler, each client reading every message
// in order.
func TestWebSocketTransport(t *testing.T) {
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetTransports(types.NewSet(engine.Polling, WebSocket))
	io := socket.NewServer(nil, opts)
	defer io.Close(nil)
	Wire(io)
	const clients, events = 4, 500
	var joined sync.WaitGroup
	joined.Add(clients)
	hellos := make(chan string, clients)
	socks := make(chan *socket.Socket, clients)
	_ = io.Of("/", nil).On("connection", func(a ...any) {
		s := a[0].(*socket.Socket)
		_ = s.On("hello", func(args ...any) { hellos <- fmt.Sprint(args...) })
		socks <- s
		joined.Done()
	})
	srv := httptest.NewServer(Handler(io.ServeHandler(nil)))
	defer srv.Close()

	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conns := make([]*ws.Conn, clients)
	for i := range conns {
		c, _, err := ws.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if m := read(t, c); !strings.HasPrefix(m, `0{`) {
			t.Fatalf("open packet %q", m)
		}
		// At once, as a fast client does: nothing may be lost.
		if err := c.WriteMessage(ws.TextMessage, []byte(`40`)); err != nil {
			t.Fatal(err)
		}
		if m := read(t, c); !strings.HasPrefix(m, `40{"sid":`) {
			t.Fatalf("connect packet %q", m)
		}
		if err := c.WriteMessage(ws.TextMessage, []byte(`42["hello",`+fmt.Sprint(i)+`]`)); err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	joined.Wait()
	for i := range clients {
		select {
		case <-hellos:
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d clients' first event never arrived", clients-i, clients)
		}
	}

	big := strings.Repeat("x", 3*maxBatch)
	var want []string
	for i := range events {
		want = append(want, fmt.Sprintf(`42["n",%d]`, i))
	}
	want = append(want, `42["big","`+big+`"]`, `42["own","one"]`)
	go func() {
		for i := range events {
			_ = io.Emit("n", i)
		}
		_ = io.Emit("big", big)
		for range clients {
			_ = (<-socks).Emit("own", "one")
		}
	}()
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j, w := range want {
				if m := read(t, c); m != w {
					t.Errorf("client %d message %d: %.40q, want %.40q", i, j, m, w)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func read(t *testing.T, c *ws.Conn) string {
	t.Helper()
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Error(err)
			return ""
		}
		if s := string(b); s != "2" { // a ping
			return s
		}
		_ = c.WriteMessage(ws.TextMessage, []byte("3"))
	}
}
