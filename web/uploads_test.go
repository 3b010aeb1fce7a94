package web

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/storage/local"
)

// stalledUpload is an upload whose client sent the headers, the
// multipart preamble and one byte of a document announced as 16 MiB, and
// then nothing.
type stalledUpload struct {
	conn  net.Conn
	reply chan stalledReply
}

type stalledReply struct {
	status int
	header http.Header
	body   []byte
	err    error
}

const stallBoundary = "consign-stall"

// stallUpload opens a connection to base and starts a PUT of path that
// stalls after its first byte. The answer, when the server gives one,
// arrives on replies (a new channel if nil).
func stallUpload(t testing.TB, base, user, pass, path string, replies chan stalledReply) *stalledUpload {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	preamble := "--" + stallBoundary + "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"slow.bin\"\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n"
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	req := fmt.Sprintf("PUT /api/v1/documents%s HTTP/1.1\r\nHost: consign\r\nAuthorization: Basic %s\r\n"+
		"Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%sx",
		path, auth, stallBoundary, 16<<20, preamble)
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	if replies == nil {
		replies = make(chan stalledReply, 1)
	}
	s := &stalledUpload{conn: conn, reply: replies}
	go func() {
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			s.reply <- stalledReply{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		conn.Close() // answered: the server closes its end too
		s.reply <- stalledReply{status: res.StatusCode, header: res.Header, body: b}
	}()
	return s
}

// openFDs counts the open file descriptors of the test process.
func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// heapInUse is the heap in use after two collections (the second one
// empties the sync.Pool victim caches that the first leaves).
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// tempFiles counts the Puts in progress in a local store: the files of
// its temporary folder.
func tempFiles(t testing.TB, root string) int {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(root, local.TempDir))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// waitFor polls cond until it holds, failing with what() after a
// generous deadline.
func waitFor(t testing.TB, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// uploadFixture is a document fixture on a local store under root.
func uploadFixture(t testing.TB, lim UploadLimits) (*fixture, string) {
	t.Helper()
	root := t.TempDir()
	b, err := local.New(local.Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	f := newFixture(t, Config{FailureBurst: 1000, Uploads: lim})
	attachDocuments(t, f, b)
	return f, root
}

// TestSlowUploadsBounded opens stalled uploads from one member: with the
// caps off (the node as it was) every one holds a slot, a temporary file
// and its descriptors; with the caps on only the cap are held and the
// others are refused at once with 429 (member cap) or 503 (node cap),
// both with Retry-After and a JSON error.
func TestSlowUploadsBounded(t *testing.T) {
	const n = 40
	type figures struct {
		held, temps, fds int
		heap             uint64
	}
	measure := func(t *testing.T, lim UploadLimits, wantHeld, wantStatus int) figures {
		f, root := uploadFixture(t, lim)
		fds0, heap0 := openFDs(t), heapInUse()
		ups := make([]*stalledUpload, n)
		replies := make(chan stalledReply, n)
		for i := range ups {
			ups[i] = stallUpload(t, f.base, f.user, f.pass, fmt.Sprintf("/slow/%d.bin", i), replies)
		}
		refused := 0
		deadline := time.After(30 * time.Second)
		for refused < n-wantHeld {
			select {
			case r := <-replies:
				if r.err != nil {
					t.Fatalf("reading a refusal: %v", r.err)
				}
				if r.status != wantStatus || r.header.Get("Retry-After") != "5" {
					t.Fatalf("refused upload: status %d, Retry-After %q; want %d, 5: %s", r.status, r.header.Get("Retry-After"), wantStatus, r.body)
				}
				var e struct{ Error string }
				if err := json.Unmarshal(r.body, &e); err != nil || !strings.Contains(e.Error, "retry in 5 s") {
					t.Fatalf("refusal body %q is not the JSON error expected (%v)", r.body, err)
				}
				refused++
			case <-deadline:
				t.Fatalf("%d of the %d refusals expected arrived", refused, n-wantHeld)
			}
		}
		waitFor(t, func() bool { return f.srv.uploads.held() == wantHeld && tempFiles(t, root) == wantHeld },
			func() string {
				return fmt.Sprintf("%d uploads held, %d temporary files; want %d", f.srv.uploads.held(), tempFiles(t, root), wantHeld)
			})
		// Each held upload keeps three descriptors of this process: the
		// client's socket, the server's, and the temporary file. Refused
		// connections are closed by both ends (the server's after its
		// short reset-avoidance linger).
		waitFor(t, func() bool { return openFDs(t)-fds0 <= 3*wantHeld+2 },
			func() string {
				return fmt.Sprintf("%d descriptors more than before; want at most %d", openFDs(t)-fds0, 3*wantHeld+2)
			})
		got := figures{held: f.srv.uploads.held(), temps: tempFiles(t, root), fds: openFDs(t) - fds0, heap: heapInUse() - min(heap0, heapInUse())}
		refusal := "none refused"
		if refused > 0 {
			refusal = fmt.Sprintf("%d refused with %d", refused, wantStatus)
		}
		t.Logf("%d stalled uploads: %d held, %s, %d temporary files, +%d fds in the process (client and server ends), +%.1f MiB heap",
			n, got.held, refusal, got.temps, got.fds, float64(got.heap)/(1<<20))
		for _, u := range ups {
			u.conn.Close()
		}
		waitFor(t, func() bool { return f.srv.uploads.held() == 0 && tempFiles(t, root) == 0 },
			func() string {
				return fmt.Sprintf("after the clients left: %d held, %d temporary files", f.srv.uploads.held(), tempFiles(t, root))
			})
		return got
	}
	var before, perMember figures
	t.Run("unbounded", func(t *testing.T) {
		before = measure(t, UploadLimits{PerMember: -1, Total: -1, BodyIdleTimeout: -1}, n, 0)
	})
	t.Run("per-member", func(t *testing.T) {
		perMember = measure(t, UploadLimits{PerMember: 8, Total: -1}, 8, http.StatusTooManyRequests)
	})
	t.Run("node", func(t *testing.T) {
		measure(t, UploadLimits{PerMember: -1, Total: 5}, 5, http.StatusServiceUnavailable)
	})
	if before.held != n || perMember.held != 8 {
		t.Fatalf("held %d without caps, %d with a cap of 8", before.held, perMember.held)
	}
}

// TestStalledBodyCut: an upload that stops sending is cut with 408 once
// its body has been idle for BodyIdleTimeout, and its temporary file and
// slot are released; without the deadline it is held as long as the
// client likes.
func TestStalledBodyCut(t *testing.T) {
	t.Run("no deadline", func(t *testing.T) {
		f, root := uploadFixture(t, UploadLimits{BodyIdleTimeout: -1})
		u := stallUpload(t, f.base, f.user, f.pass, "/stalled.bin", nil)
		waitFor(t, func() bool { return f.srv.uploads.held() == 1 && tempFiles(t, root) == 1 },
			func() string { return "the stalled upload never started" })
		// Held until the client goes: still there after three of the
		// idle timeouts the other subtest uses.
		select {
		case r := <-u.reply:
			t.Fatalf("the stalled upload was answered without a deadline: %d %s", r.status, r.body)
		case <-time.After(900 * time.Millisecond):
		}
		if h, n := f.srv.uploads.held(), tempFiles(t, root); h != 1 || n != 1 {
			t.Fatalf("without a deadline: %d held, %d temporary files; want 1, 1", h, n)
		}
		t.Logf("without a deadline: the stalled upload holds 1 slot and 1 temporary file")
	})
	t.Run("deadline", func(t *testing.T) {
		f, root := uploadFixture(t, UploadLimits{BodyIdleTimeout: 300 * time.Millisecond})
		u := stallUpload(t, f.base, f.user, f.pass, "/stalled.bin", nil)
		var r stalledReply
		select {
		case r = <-u.reply:
		case <-time.After(30 * time.Second):
			t.Fatal("the stalled upload was never cut")
		}
		if r.err != nil || r.status != http.StatusRequestTimeout {
			t.Fatalf("stalled upload: status %d (%v), want 408: %s", r.status, r.err, r.body)
		}
		var e struct{ Error string }
		if err := json.Unmarshal(r.body, &e); err != nil || !strings.Contains(e.Error, "sent nothing for 300ms") {
			t.Fatalf("408 body %q is not the JSON error expected (%v)", r.body, err)
		}
		waitFor(t, func() bool { return f.srv.uploads.held() == 0 && tempFiles(t, root) == 0 },
			func() string {
				return fmt.Sprintf("after the cut: %d held, %d temporary files", f.srv.uploads.held(), tempFiles(t, root))
			})
		if got := request(t, "GET", f.base, "/api/v1/documents/stalled.bin?details_only=true", f.user, f.pass, "", nil); got.status != http.StatusNotFound {
			t.Fatalf("the cut upload left a document: %d %s", got.status, got.body)
		}
		t.Logf("with a 300ms deadline: 408, 0 slots and 0 temporary files left")
	})
	t.Run("slow but steady", func(t *testing.T) {
		// A body that keeps sending is never cut, however long it takes
		// in all: each read extends the deadline.
		f, _ := uploadFixture(t, UploadLimits{BodyIdleTimeout: 2 * time.Second})
		pr, pw := io.Pipe()
		go func() {
			for i := range 30 {
				time.Sleep(100 * time.Millisecond)
				fmt.Fprintf(pw, "%d", i%10)
			}
			pw.Close()
		}()
		req, err := http.NewRequest("PUT", f.base+"/api/v1/documents/steady.bin", &steadyBody{r: pr})
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(f.user, f.pass)
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+stallBoundary)
		if got := send(t, req); got.status != http.StatusOK {
			t.Fatalf("steady upload: %d %s", got.status, got.body)
		}
	})
}

// steadyBody is a multipart body with one "document" part whose content
// comes from r.
type steadyBody struct {
	r     io.Reader
	stage int
	rest  string
}

func (b *steadyBody) Read(p []byte) (int, error) {
	for {
		if b.rest != "" {
			n := copy(p, b.rest)
			b.rest = b.rest[n:]
			return n, nil
		}
		switch b.stage {
		case 0:
			b.rest = "--" + stallBoundary + "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"s.bin\"\r\n\r\n"
			b.stage++
		case 1:
			n, err := b.r.Read(p)
			if err == io.EOF {
				b.stage++
				continue
			}
			return n, err
		case 2:
			b.rest = "\r\n--" + stallBoundary + "--\r\n"
			b.stage++
		default:
			return 0, io.EOF
		}
	}
}
