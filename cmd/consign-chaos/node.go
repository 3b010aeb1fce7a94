package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/consign/consign/chain"
)

// nodeProc is one `consign serve` child process and its credential. Its
// ports stay the same across restarts, so clients keep their address.
type nodeProc struct {
	h                 *harness
	name, member, dir string
	cfgPath           string
	base, debug       string
	user, pass        string
	http              *http.Client

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
	kills int
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// newNode registers a member on the chain, writes its node's YAML with
// storage (a YAML block), the private Kafka and transfers (more lines of
// the transfers block, "" for the defaults), issues a credential and
// starts the node.
func (h *harness) newNode(ctx context.Context, name, org, storage, transfers string) (*nodeProc, error) {
	member := strings.ToLower(name[:1]) + randomHex(5)
	key, err := h.chain.member(ctx, member, org)
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", member, err)
	}
	return h.nodeFor(ctx, name, member, key, storage, transfers)
}

func (h *harness) nodeFor(ctx context.Context, name, member string, key *ecdsa.PrivateKey, storage, transfers string) (*nodeProc, error) {
	dir := filepath.Join(h.work, name+"-"+member)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	keystore, err := chain.ImportKey(filepath.Join(dir, "keys"), key, "chaos-pw", true)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("chaos-pw\n"), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dport, err := freePort()
	if err != nil {
		return nil, err
	}
	yml := fmt.Sprintf(`listen: 127.0.0.1:%[10]d
data_dir: %[1]s/data
environment: %[2]s
member: %[3]s
shutdown_timeout: 5s
storage:
%[4]s
transport:
  kind: kafka
  kafka: {brokers: [%[5]q], client_id: %[3]s}
transfers:
  pin: false
%[12]sdebug:
  listen: 127.0.0.1:%[11]d
chain:
  rpc: %[6]q
  registry: %[7]q
  pin: %[8]q
  keystore: %[9]q
  password_file: %[1]s/pw
`, dir, h.chain.env, member, storage, h.o.kafka, h.chain.rpc, h.chain.addrs.Registry.Hex(), h.chain.addrs.Pin.Hex(), keystore, port, dport, transfers)
	n := &nodeProc{h: h, name: name, member: member, dir: dir, cfgPath: filepath.Join(dir, "consign.yaml"),
		base: fmt.Sprintf("http://127.0.0.1:%d", port), debug: fmt.Sprintf("http://127.0.0.1:%d", dport),
		http: &http.Client{Timeout: 10 * time.Minute}}
	if err := os.WriteFile(n.cfgPath, []byte(yml), 0o600); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, h.o.consign, "credential", "create", "--config", n.cfgPath).Output()
	if err != nil {
		return nil, fmt.Errorf("consign credential create: %w", err)
	}
	var cred struct{ User, Password string }
	if err := json.Unmarshal(out, &cred); err != nil {
		return nil, fmt.Errorf("consign credential create: %w: %s", err, out)
	}
	n.user, n.pass = cred.User, cred.Password
	if err := n.start(ctx); err != nil {
		return nil, err
	}
	h.nodes = append(h.nodes, n)
	return n, nil
}

// start runs the node and waits until /readyz answers 200.
func (n *nodeProc) start(ctx context.Context) error {
	n.mu.Lock()
	logf, err := os.OpenFile(filepath.Join(n.dir, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		n.mu.Unlock()
		return err
	}
	cmd := exec.Command(n.h.o.consign, "serve", "--config", n.cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		n.mu.Unlock()
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	n.cmd, n.done = cmd, done
	n.mu.Unlock()
	return poll(ctx, 3*time.Minute, n.name+" ready", func() (bool, string) {
		select {
		case <-done:
			return true, ""
		default:
		}
		resp, err := http.Get(n.base + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode == 200, string(b)
	})
}

// kill SIGKILLs the node (its own child) and waits for it to exit.
func (n *nodeProc) kill() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.kills++
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	n.h.log.Info("SIGKILL", "node", n.name, "pid", cmd.Process.Pid)
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// stop ends the node with SIGTERM (SIGKILL after 10 s).
func (n *nodeProc) stop() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

func (n *nodeProc) pid() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.cmd.Process == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

// ---------------------------------------------------------------- API calls

// call makes a JSON request as the node's member.
func (n *nodeProc) call(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(n.user, n.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, b, err
}

// destination creates a managed destination of kind and returns its URI.
func (n *nodeProc) destination(ctx context.Context, name, kind string) (string, error) {
	code, b, err := n.call(ctx, "POST", "/api/v1/destinations", map[string]string{"name": name, "kind": kind})
	if err != nil {
		return "", err
	}
	var d struct{ URI string }
	if code != 200 || json.Unmarshal(b, &d) != nil || d.URI == "" {
		return "", fmt.Errorf("create destination %s on %s: %d %s", name, n.name, code, b)
	}
	return d.URI, nil
}

// destinationPair creates a destination of name and kind on a and one on
// b, and returns their URIs.
func destinationPair(ctx context.Context, a, b *nodeProc, name, kind string) (string, string, error) {
	from, err := a.destination(ctx, name, kind)
	if err != nil {
		return "", "", err
	}
	to, err := b.destination(ctx, name, kind)
	return from, to, err
}

// upload PUTs size bytes drawn from seed at path, streamed as multipart.
func (n *nodeProc) upload(ctx context.Context, path string, seed uint64, size int64) (int, []byte, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("document", filepath.Base(path))
		if err == nil {
			_, err = io.Copy(fw, content(seed, size))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, "PUT", n.base+"/api/v1/documents/"+escapePath(path), pr)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(n.user, n.pass)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := n.http.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, nil
}

// download GETs path and returns status, the SHA-256 of the body read,
// its length and the Content-Length announced; err is set when the body
// could not be read to its end.
func (n *nodeProc) download(ctx context.Context, path string) (code int, sum string, got, announced int64, err error) {
	req, err := http.NewRequestWithContext(ctx, "GET", n.base+"/api/v1/documents/"+escapePath(path), nil)
	if err != nil {
		return 0, "", 0, 0, err
	}
	req.SetBasicAuth(n.user, n.pass)
	resp, err := n.http.Do(req)
	if err != nil {
		return 0, "", 0, 0, err
	}
	defer resp.Body.Close()
	hh := sha256.New()
	got, err = io.Copy(hh, resp.Body)
	return resp.StatusCode, hex.EncodeToString(hh.Sum(nil)), got, resp.ContentLength, err
}

type entry struct {
	Name        string `json:"name"`
	IsDirectory bool   `json:"is_directory"`
	Size        int64  `json:"size"`
	Hash        string `json:"hash"`
}

// list browses folder dir, every page.
func (n *nodeProc) list(ctx context.Context, dir string) ([]entry, int, error) {
	var all []entry
	for off := 0; ; {
		code, b, err := n.call(ctx, "GET", "/api/v1/documents/"+escapePath(dir)+"?limit=1000&offset="+strconv.Itoa(off), nil)
		if err != nil {
			return nil, 0, err
		}
		if code != 200 {
			return nil, code, fmt.Errorf("browse %s: %d %s", dir, code, clip(string(b), 200))
		}
		var page struct {
			IsTruncated bool    `json:"is_truncated"`
			Entries     []entry `json:"entries"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			return nil, code, err
		}
		all = append(all, page.Entries...)
		off += len(page.Entries)
		if !page.IsTruncated || len(page.Entries) == 0 {
			return all, code, nil
		}
	}
}

// transferRecord is a transfer as GET /transfers lists it.
type transferRecord struct {
	ID                 string `json:"id"`
	Timestamp          string `json:"timestamp"`
	From               string `json:"from"`
	To                 string `json:"to"`
	Hash               string `json:"hash"`
	Document           string `json:"document"`
	Status             string `json:"status"`
	TransferHash       string `json:"transferHash"`
	SenderSignature    string `json:"senderSignature"`
	RecipientSignature string `json:"recipientSignature"`
	Error              string `json:"error"`
}

// awaitEnded polls n's transfer list for up to d until none of ids is
// still "sent" and the list holds at least min records, and returns the
// last list it read.
func (n *nodeProc) awaitEnded(ctx context.Context, d time.Duration, what string, ids map[string]doc, min int) ([]transferRecord, error) {
	var last []transferRecord
	err := poll(ctx, d, what, func() (bool, string) {
		l, err := n.transfers(ctx)
		if err != nil {
			return false, err.Error()
		}
		last = l
		open := 0
		for _, r := range l {
			if _, ok := ids[r.ID]; ok && r.Status == "sent" {
				open++
			}
		}
		return open == 0 && len(l) >= min, fmt.Sprintf("%d of %d still sent", open, len(ids))
	})
	return last, err
}

func (n *nodeProc) transfers(ctx context.Context) ([]transferRecord, error) {
	code, b, err := n.call(ctx, "GET", "/api/v1/transfers?limit=10000", nil)
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return nil, fmt.Errorf("GET /transfers on %s: %d %s", n.name, code, clip(string(b), 200))
	}
	var l struct{ Transfers []transferRecord }
	err = json.Unmarshal(b, &l)
	return l.Transfers, err
}

// vars reads the node's /debug/vars.
type nodeVars struct {
	Goroutines int   `json:"goroutines"`
	RSSBytes   int64 `json:"rss_bytes"`
	HeapAlloc  int64 `json:"heap_alloc_bytes"`
	Transfers  struct {
		ForgedReceipts  uint64 `json:"forged_receipts"`
		ForgedResends   uint64 `json:"forged_resends"`
		ForgedManifests uint64 `json:"forged_manifests"`
	} `json:"transfers"`
}

func (n *nodeProc) vars(ctx context.Context) (nodeVars, error) {
	var v nodeVars
	req, _ := http.NewRequestWithContext(ctx, "GET", n.debug+"/debug/vars", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return v, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&v)
	return v, err
}

// certificatePEM is the registry's certificate of uri, as the node serves it.
func (n *nodeProc) certificatePEM(ctx context.Context, uri string) ([]byte, error) {
	code, b, err := n.call(ctx, "GET", "/api/v1/registry/destinations?uri="+url.QueryEscape(uri), nil)
	if err != nil {
		return nil, err
	}
	var d struct{ Certificate string }
	if code != 200 || json.Unmarshal(b, &d) != nil || d.Certificate == "" {
		return nil, fmt.Errorf("registry destination %s: %d %s", uri, code, clip(string(b), 200))
	}
	return []byte(d.Certificate), nil
}

func escapePath(p string) string {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
