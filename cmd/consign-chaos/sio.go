package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// sioClient is a small socket.io 4 client (Engine.IO 4 over websocket,
// namespace /api/v1): acknowledgements are matched by id, and every
// "data" event goes to onData.
type sioClient struct {
	ws     *websocket.Conn
	wmu    sync.Mutex
	mu     sync.Mutex
	nextID int
	acks   map[int]chan []json.RawMessage
	done   chan struct{}
	err    error
	onData func(args []json.RawMessage)
}

const nsp = "/api/v1"

func dialSIO(ctx context.Context, base, user, pass, query string, onData func([]json.RawMessage)) (*sioClient, error) {
	h := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, strings.Replace(base, "http", "ws", 1)+"/socket.io/?EIO=4&transport=websocket"+query, h)
	if err != nil {
		return nil, err
	}
	c := &sioClient{ws: ws, acks: map[int]chan []json.RawMessage{}, done: make(chan struct{}), onData: onData}
	// Engine.IO open, then the namespace CONNECT and its answer.
	if _, b, err := ws.ReadMessage(); err != nil || len(b) == 0 || b[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("socket.io open: %v %q", err, b)
	}
	if err := c.send("40" + nsp + ","); err != nil {
		ws.Close()
		return nil, err
	}
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			ws.Close()
			return nil, err
		}
		p := string(b)
		if p == "2" {
			c.send("3")
			continue
		}
		if strings.HasPrefix(p, "44"+nsp) {
			ws.Close()
			return nil, fmt.Errorf("connect_error %s", p)
		}
		if strings.HasPrefix(p, "40"+nsp) {
			break
		}
	}
	go c.readLoop()
	return c, nil
}

func (c *sioClient) send(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

func (c *sioClient) readLoop() {
	defer func() {
		c.mu.Lock()
		for id, ch := range c.acks {
			close(ch)
			delete(c.acks, id)
		}
		c.mu.Unlock()
		close(c.done)
	}()
	ackPre, evPre := "43"+nsp+",", "42"+nsp+","
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		p := string(b)
		switch {
		case p == "2":
			c.send("3")
		case strings.HasPrefix(p, ackPre):
			rest := p[len(ackPre):]
			i := strings.IndexByte(rest, '[')
			if i < 0 {
				continue
			}
			id, err := strconv.Atoi(rest[:i])
			if err != nil {
				continue
			}
			var args []json.RawMessage
			json.Unmarshal([]byte(rest[i:]), &args)
			c.mu.Lock()
			ch := c.acks[id]
			delete(c.acks, id)
			c.mu.Unlock()
			if ch != nil {
				ch <- args
			}
		case strings.HasPrefix(p, evPre):
			var ev []json.RawMessage
			if json.Unmarshal([]byte(p[len(evPre):]), &ev) != nil || len(ev) == 0 {
				continue
			}
			if string(ev[0]) == `"data"` && c.onData != nil {
				c.onData(ev[1:])
			}
		case strings.HasPrefix(p, "41"+nsp), p == "1":
			c.mu.Lock()
			c.err = errors.New("disconnected by the server")
			c.mu.Unlock()
			c.ws.Close()
			return
		}
	}
}

// emit sends event with args and waits for its acknowledgement.
func (c *sioClient) emit(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	ch := make(chan []json.RawMessage, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.nextID++
	id := c.nextID
	c.acks[id] = ch
	c.mu.Unlock()
	b, _ := json.Marshal(append([]any{event}, args...))
	if err := c.send("42" + nsp + "," + strconv.Itoa(id) + string(b)); err != nil {
		return nil, err
	}
	select {
	case a, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("connection closed before the acknowledgement: %v", c.closeErr())
		}
		return a, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.acks, id)
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (c *sioClient) closeErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// ackError is the error an acknowledgement carries (its first argument
// when not null).
func ackError(a []json.RawMessage) error {
	if len(a) == 0 || string(a[0]) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(a[0], &s) == nil {
		return errors.New(s)
	}
	return errors.New(string(a[0]))
}

func (c *sioClient) close() { c.ws.Close(); <-c.done }
