package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/local"
	"github.com/consign/consign/storage/storagetest"
	"github.com/consign/consign/storage/storagetest/stores"
)

// docFixture is a running Server with the document API on a local-disk
// backend; the fixture's credential (f.user) belongs to member "org1".
type docFixture struct {
	*fixture
	store   *docstore.Store
	backend storage.Backend
}

func newDocFixture(t testing.TB) *docFixture {
	t.Helper()
	b, err := local.New(local.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return newDocFixtureOn(t, b)
}

// newDocFixtureOn is newDocFixture on the given backend.
func newDocFixtureOn(t testing.TB, b storage.Backend) *docFixture {
	t.Helper()
	f := newFixture(t, Config{FailureBurst: 1000})
	return &docFixture{fixture: f, store: attachDocuments(t, f, b), backend: b}
}

// attachDocuments serves the document API on f from a new store on b.
func attachDocuments(t testing.TB, f *fixture, b storage.Backend) *docstore.Store {
	t.Helper()
	ds := newDocStore(t, b)
	f.srv.HandleDocuments(ds)
	return ds
}

// newDocStore opens a document store on b over a fresh metadata
// database, closed when the test ends.
func newDocStore(t testing.TB, b storage.Backend) *docstore.Store {
	t.Helper()
	db := app2apptest.OpenDB(t, filepath.Join(t.TempDir(), "meta.db"))
	ds, err := docstore.New(context.Background(), db, b, docstore.Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// send makes a request with the fixture's credential, keeping the path
// exactly as written (doubled slashes, escapes).
func (f *docFixture) send(t testing.TB, method, target, ctype string, body io.Reader) reply {
	t.Helper()
	return request(t, method, f.base, target, f.user, f.pass, ctype, body)
}

// multipartBody returns a form with the given field holding data.
func multipartBody(t testing.TB, field, filename string, data []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("comment", "a field before the document"); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func (f *docFixture) upload(t testing.TB, method, path string, data []byte) reply {
	t.Helper()
	ctype, body := multipartBody(t, "document", "upload.bin", data)
	return f.send(t, method, "/api/v1/documents"+path, ctype, body)
}

func (r reply) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d: body %q: %v", r.status, r.body, err)
	}
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

type entryReply struct {
	Name         string  `json:"name"`
	IsDirectory  bool    `json:"is_directory"`
	Size         int64   `json:"size"`
	LastModified *string `json:"last_modified"`
	Hash         string  `json:"hash"`
}

func checkTimestamp(t testing.TB, s *string) {
	t.Helper()
	if s == nil {
		t.Fatal("last_modified is null for a document")
	}
	ts, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil || len(*s) != len("2019-11-03T13:56:59.529Z") || !strings.HasSuffix(*s, "Z") {
		t.Fatalf("last_modified %q is not RFC 3339 UTC with milliseconds (%v)", *s, err)
	}
	if d := time.Since(ts); d < -time.Minute || d > time.Hour {
		t.Fatalf("last_modified %q is not recent", *s)
	}
}

func TestDocumentsRoundTrip(t *testing.T) {
	f := newDocFixture(t)
	logo := bytes.Repeat([]byte("kaleido logo "), 20000)

	// Upload (PUT), then POST onto the same path: 409.
	r := f.upload(t, "PUT", "/images/kaleido-logo.png", logo)
	var up struct{ Result, Hash string }
	r.decode(t, &up)
	if r.status != 200 || up.Result != "success" || up.Hash != hexSHA(logo) {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r = f.upload(t, "POST", "/images/kaleido-logo.png", []byte("other"))
	if r.status != 409 || !strings.Contains(r.errorMessage(t), "PUT") {
		t.Fatalf("POST onto an existing document: %d %s", r.status, r.body)
	}
	r = f.upload(t, "POST", "/docs/notes.txt", []byte("notes"))
	if r.status != 200 {
		t.Fatalf("POST of a new document: %d %s", r.status, r.body)
	}

	// Download.
	r = f.send(t, "GET", "/api/v1/documents/images/kaleido-logo.png", "", nil)
	if r.status != 200 || !bytes.Equal(r.body, logo) {
		t.Fatalf("download: %d, %d bytes", r.status, len(r.body))
	}
	if r.header.Get("Content-Type") != "image/png" || r.header.Get("Content-Length") != fmt.Sprint(len(logo)) {
		t.Fatalf("download headers %v", r.header)
	}
	r = f.send(t, "HEAD", "/api/v1/documents/images/kaleido-logo.png", "", nil)
	if r.status != 200 || len(r.body) != 0 || r.header.Get("Content-Length") != fmt.Sprint(len(logo)) {
		t.Fatalf("HEAD: %d %v", r.status, r.header)
	}

	// Browse and inspect.
	var l struct {
		IsTruncated bool         `json:"is_truncated"`
		Entries     []entryReply `json:"entries"`
	}
	r = f.send(t, "GET", "/api/v1/documents/images", "", nil)
	r.decode(t, &l)
	if r.status != 200 || l.IsTruncated || len(l.Entries) != 1 {
		t.Fatalf("browse: %d %s", r.status, r.body)
	}
	e := l.Entries[0]
	if e.Name != "kaleido-logo.png" || e.IsDirectory || e.Size != int64(len(logo)) || e.Hash != hexSHA(logo) {
		t.Fatalf("entry %+v", e)
	}
	checkTimestamp(t, e.LastModified)
	r = f.send(t, "GET", "/api/v1/documents/?limit=1", "", nil)
	r.decode(t, &l)
	if r.status != 200 || !l.IsTruncated || len(l.Entries) != 1 || l.Entries[0].Name != "docs" || !l.Entries[0].IsDirectory || l.Entries[0].LastModified != nil {
		t.Fatalf("root, limit 1: %d %s", r.status, r.body)
	}
	r = f.send(t, "GET", "/api/v1/documents?offset=1&limit=1", "", nil)
	r.decode(t, &l)
	if r.status != 200 || l.IsTruncated || len(l.Entries) != 1 || l.Entries[0].Name != "images" {
		t.Fatalf("root, offset 1: %d %s", r.status, r.body)
	}
	var info entryReply
	r = f.send(t, "GET", "/api/v1/documents/images/kaleido-logo.png?details_only=true", "", nil)
	r.decode(t, &info)
	if r.status != 200 || info.Name != "kaleido-logo.png" || info.Hash != hexSHA(logo) || info.Size != int64(len(logo)) {
		t.Fatalf("inspect: %d %s", r.status, r.body)
	}
	checkTimestamp(t, info.LastModified)
	r = f.send(t, "GET", "/api/v1/documents/images?details_only=true", "", nil)
	r.decode(t, &info)
	if r.status != 200 || !info.IsDirectory || info.Name != "images" {
		t.Fatalf("inspect folder: %d %s", r.status, r.body)
	}

	// Search, through the doubled slash real clients send.
	var found struct {
		Documents []struct {
			FullPath     string `json:"full_path"`
			LastModified string `json:"last_modified"`
			Hash         string `json:"hash"`
			Size         int64  `json:"size"`
		} `json:"documents"`
	}
	r = f.send(t, "GET", "/api/v1//search?query=kaleido", "", nil)
	r.decode(t, &found)
	if r.status != 200 || len(found.Documents) != 1 || found.Documents[0].FullPath != "images/kaleido-logo.png" ||
		found.Documents[0].Hash != hexSHA(logo) || found.Documents[0].Size != int64(len(logo)) {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	checkTimestamp(t, &found.Documents[0].LastModified)
	r = f.send(t, "GET", "/api/v1/search?by_hash=true&query="+hexSHA([]byte("notes")), "", nil)
	r.decode(t, &found)
	if r.status != 200 || len(found.Documents) != 1 || found.Documents[0].FullPath != "docs/notes.txt" {
		t.Fatalf("search by hash: %d %s", r.status, r.body)
	}
	r = f.send(t, "GET", "/api/v1/search?query=nothing", "", nil)
	if r.status != 200 || string(bytes.TrimSpace(r.body)) != `{"documents":[]}` {
		t.Fatalf("empty search: %d %s", r.status, r.body)
	}

	// A document placed in the backend by other means: listed without a
	// hash until PATCH or sync_hashes.
	ext := []byte("placed by another tool")
	if _, err := f.backend.Put(context.Background(), "org1/ext/report.pdf", bytes.NewReader(ext)); err != nil {
		t.Fatal(err)
	}
	r = f.send(t, "GET", "/api/v1/documents/ext/report.pdf?details_only=true", "", nil)
	r.decode(t, &info)
	if info.Hash != "" || info.Size != int64(len(ext)) {
		t.Fatalf("unhashed document: %s", r.body)
	}
	r = f.send(t, "PATCH", "/api/v1/documents/ext/report.pdf", "", nil)
	r.decode(t, &up)
	if r.status != 200 || up.Result != "success" || up.Hash != hexSHA(ext) {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	var synced struct {
		N *int `json:"hashes_calculated"`
	}
	r = f.send(t, "POST", "/api/v1/sync_hashes?reset=false", "", nil)
	r.decode(t, &synced)
	if r.status != 200 || synced.N == nil || *synced.N != 0 {
		t.Fatalf("sync_hashes reset=false: %d %s", r.status, r.body)
	}
	r = f.send(t, "POST", "/api/v1/sync_hashes?reset=true", "", nil)
	r.decode(t, &synced)
	if r.status != 200 || *synced.N != 3 {
		t.Fatalf("sync_hashes reset=true: %d %s", r.status, r.body)
	}

	// Preferences.
	var prefs map[string]string
	r = f.send(t, "GET", "/api/v1/preferences", "", nil)
	r.decode(t, &prefs)
	if r.status != 200 || prefs["receivedDocumentsPath"] != "/received/${sender_org}/${recipient_destination}" ||
		prefs["receivedDocumentsOverwrite"] != "false" {
		t.Fatalf("preferences: %d %s", r.status, r.body)
	}
	tmpl := "/transfers/to/${recipient_destination}/from/${sender_org}-${sender_destination}"
	r = f.send(t, "PUT", "/api/v1/preferences", "application/json", strings.NewReader(`{"key":"receivedDocumentsPath","value":"`+tmpl+`"}`))
	if r.status != 200 || string(bytes.TrimSpace(r.body)) != `{"result":"success"}` {
		t.Fatalf("set preference: %d %s", r.status, r.body)
	}
	r = f.send(t, "GET", "/api/v1/preferences", "", nil)
	r.decode(t, &prefs)
	if prefs["receivedDocumentsPath"] != tmpl {
		t.Fatalf("preference after set: %s", r.body)
	}

	// Delete.
	r = f.send(t, "DELETE", "/api/v1/documents/images/kaleido-logo.png", "", nil)
	if r.status != 200 || string(bytes.TrimSpace(r.body)) != `{"result":"success"}` {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := f.send(t, "GET", "/api/v1/documents/images/kaleido-logo.png", "", nil); r.status != 404 {
		t.Fatalf("download after delete: %d %s", r.status, r.body)
	}
	if r := f.send(t, "GET", "/api/v1/documents/images", "", nil); r.status != 404 {
		t.Fatalf("browse of the emptied folder: %d %s", r.status, r.body)
	}
}

// state is what a bad request must leave unchanged: every backend key
// with its size and every recorded hash and preference of org1.
func (f *docFixture) state(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	opts := storage.ListOptions{}
	for {
		page, err := f.backend.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			fmt.Fprintf(&b, "%s %d %d\n", o.Key, o.Size, o.ModTime.UnixNano())
		}
		if page.Next == "" {
			break
		}
		opts.After = page.Next
	}
	sp, _ := f.store.Space("org1")
	docs, err := sp.Search(ctx, "/", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		fmt.Fprintf(&b, "record %s %s\n", d.Path, d.Hash)
	}
	prefs, _ := sp.Preferences(ctx)
	fmt.Fprintf(&b, "prefs %s %t\n", prefs.ReceivedDocumentsPath, prefs.ReceivedDocumentsOverwrite)
	return b.String()
}

func TestDocumentsBadInputs(t *testing.T) {
	f := newDocFixture(t)
	if r := f.upload(t, "PUT", "/a/existing.txt", []byte("original")); r.status != 200 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	if r := f.upload(t, "PUT", "/top.txt", []byte("top")); r.status != 200 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	before := f.state(t)
	ctype, good := multipartBody(t, "document", "x.txt", []byte("new content"))
	goodBody := good.Bytes()
	wrongCtype, wrongField := multipartBody(t, "file", "x.txt", []byte("new content"))
	truncated := goodBody[:len(goodBody)-20] // no closing boundary
	for _, c := range []struct {
		name, method, target, ctype string
		body                        []byte
		status                      int
		says                        string // part of the error message
	}{
		{"dot-dot", "PUT", "/api/v1/documents/../../etc/passwd", ctype, goodBody, 400, ".."},
		{"encoded dot-dot", "PUT", "/api/v1/documents/%2e%2e/%2E%2E/etc/passwd", ctype, goodBody, 400, ".."},
		{"double-encoded dot-dot", "PUT", "/api/v1/documents/%252e%252e/x", ctype, goodBody, 400, "percent-encoded"},
		{"encoded slash", "PUT", "/api/v1/documents/a%2f..%2fb", ctype, goodBody, 400, ""},
		{"encoded backslash", "PUT", "/api/v1/documents/..%5cx", ctype, goodBody, 400, "backslash"},
		{"backslash", "PUT", `/api/v1/documents/a\b`, ctype, goodBody, 400, "backslash"},
		{"drive letter", "PUT", `/api/v1/documents/C:%5Cwindows`, ctype, goodBody, 400, "backslash"},
		{"NUL", "PUT", "/api/v1/documents/a%00b", ctype, goodBody, 400, "NUL"},
		{"control character", "PUT", "/api/v1/documents/a%0ab", ctype, goodBody, 400, "control"},
		{"dot segment read", "GET", "/api/v1/documents/a/%2e%2e/top.txt", "", nil, 400, ".."},
		{"dot-dot delete", "DELETE", "/api/v1/documents/a/../top.txt", "", nil, 400, ".."},
		{"dot-dot patch", "PATCH", "/api/v1/documents/%2e%2e/top.txt", "", nil, 400, ".."},
		{"not multipart", "PUT", "/api/v1/documents/new.txt", "application/json", []byte(`{"document":"x"}`), 400, "multipart/form-data"},
		{"no content type", "PUT", "/api/v1/documents/new.txt", "", goodBody, 400, "multipart/form-data"},
		{"missing field", "PUT", "/api/v1/documents/new.txt", wrongCtype, wrongField.Bytes(), 400, `"document"`},
		{"truncated body", "PUT", "/api/v1/documents/new.txt", ctype, truncated, 400, ""},
		{"truncated overwrite", "PUT", "/api/v1/documents/a/existing.txt", ctype, truncated, 400, ""},
		{"POST onto existing", "POST", "/api/v1/documents/a/existing.txt", ctype, goodBody, 409, "already"},
		{"upload onto folder", "PUT", "/api/v1/documents/a", ctype, goodBody, 409, "folder"},
		{"upload below document", "PUT", "/api/v1/documents/top.txt/x", ctype, goodBody, 409, "top.txt"},
		{"upload to trailing slash", "PUT", "/api/v1/documents/a/", ctype, goodBody, 400, "folder"},
		{"unknown path", "GET", "/api/v1/documents/nothing/here.txt", "", nil, 404, "/nothing/here.txt"},
		{"unknown details", "GET", "/api/v1/documents/nothing?details_only=true", "", nil, 404, ""},
		{"unknown delete", "DELETE", "/api/v1/documents/nothing.txt", "", nil, 404, ""},
		{"unknown patch", "PATCH", "/api/v1/documents/nothing.txt", "", nil, 404, ""},
		{"delete folder", "DELETE", "/api/v1/documents/a", "", nil, 409, "folder"},
		{"negative offset", "GET", "/api/v1/documents/a?offset=-1", "", nil, 400, "offset"},
		{"offset not a number", "GET", "/api/v1/documents/a?offset=x", "", nil, 400, "offset"},
		{"zero limit", "GET", "/api/v1/documents/a?limit=0", "", nil, 400, "limit"},
		{"huge limit", "GET", "/api/v1/documents/?limit=1000000", "", nil, 400, "limit"},
		{"limit not a number", "GET", "/api/v1/documents/a?limit=1e3", "", nil, 400, "limit"},
		{"bad details_only", "GET", "/api/v1/documents/a?details_only=yes", "", nil, 400, "details_only"},
		{"browse a document", "GET", "/api/v1/documents/top.txt/", "", nil, 409, "document"},
		// Issue 18: before, DELETE and PATCH dropped the trailing slash
		// and acted on the document a/existing.txt (200, document gone).
		{"delete with trailing slash", "DELETE", "/api/v1/documents/a/existing.txt/", "", nil, 400, "slash"},
		{"patch with trailing slash", "PATCH", "/api/v1/documents/a/existing.txt/", "", nil, 400, "slash"},
		// Issue 18: before, these were stored (200) as names that look
		// like "atxt.exe" and "ab".
		{"bidi override", "PUT", "/api/v1/documents/a%E2%80%AEexe.txt", ctype, goodBody, 400, "U+202E"},
		{"zero-width space", "PUT", "/api/v1/documents/a%E2%80%8Bb", ctype, goodBody, 400, "U+200B"},
		{"byte order mark", "PUT", "/api/v1/documents/%EF%BB%BFtop.txt", ctype, goodBody, 400, "U+FEFF"},
		{"search without query", "GET", "/api/v1/search", "", nil, 400, "query"},
		{"bad by_hash", "GET", "/api/v1/search?query=a&by_hash=1", "", nil, 400, "by_hash"},
		{"bad reset", "POST", "/api/v1/sync_hashes?reset=maybe", "", nil, 400, "reset"},
		{"preference not JSON", "PUT", "/api/v1/preferences", "application/json", []byte("key=x"), 400, "JSON"},
		{"unknown preference", "PUT", "/api/v1/preferences", "application/json", []byte(`{"key":"colour","value":"blue"}`), 400, "receivedDocumentsPath"},
		{"relative template", "PUT", "/api/v1/preferences", "application/json", []byte(`{"key":"receivedDocumentsPath","value":"in/${sender_org}"}`), 400, "absolute"},
		{"unknown variable", "PUT", "/api/v1/preferences", "application/json", []byte(`{"key":"receivedDocumentsPath","value":"/in/${sender}"}`), 400, "${sender}"},
		{"traversing template", "PUT", "/api/v1/preferences", "application/json", []byte(`{"key":"receivedDocumentsPath","value":"/in/../../${sender_org}"}`), 400, ".."},
		{"overwrite not a boolean", "PUT", "/api/v1/preferences", "application/json", []byte(`{"key":"receivedDocumentsOverwrite","value":"yes"}`), 400, "true"},
		{"template value not a string", "PUT", "/api/v1/preferences", "application/json", []byte(`{"key":"receivedDocumentsPath","value":5}`), 400, "JSON"},
		{"huge preference body", "PUT", "/api/v1/preferences", "application/json", []byte(`{"key":"` + strings.Repeat("k", 70<<10) + `"}`), 413, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader
			if c.body != nil {
				body = bytes.NewReader(c.body)
			}
			r := f.send(t, c.method, c.target, c.ctype, body)
			if r.status != c.status {
				t.Fatalf("%s %s: %d %s, want %d", c.method, c.target, r.status, r.body, c.status)
			}
			msg := r.errorMessage(t)
			t.Logf("%d %s", r.status, msg)
			if !strings.Contains(msg, c.says) {
				t.Errorf("message %q does not mention %q", msg, c.says)
			}
			if after := f.state(t); after != before {
				t.Fatalf("state changed:\n%s\n→\n%s", before, after)
			}
		})
	}
	if r := f.send(t, "GET", "/api/v1/documents/a/existing.txt", "", nil); string(r.body) != "original" {
		t.Fatalf("existing document now holds %q", r.body)
	}
}

// TestDocumentsLookalikeNames: the NFC and NFD spellings of one name
// are one document. Before issue 18 they were two: after uploading
// "/café.txt" composed and then decomposed, the root listed 2 documents
// and each download gave its own content.
func TestDocumentsLookalikeNames(t *testing.T) {
	f := newDocFixture(t)
	const nfc, nfd = "/caf%C3%A9.txt", "/cafe%CC%81.txt" // U+00E9; "e" + U+0301
	if r := f.upload(t, "PUT", nfc, []byte("first")); r.status != 200 {
		t.Fatalf("PUT %s: %d %s", nfc, r.status, r.body)
	}
	if r := f.upload(t, "POST", nfd, []byte("second")); r.status != 409 {
		t.Fatalf("POST %s onto its NFC twin: %d %s, want 409", nfd, r.status, r.body)
	}
	if r := f.upload(t, "PUT", nfd, []byte("second")); r.status != 200 {
		t.Fatalf("PUT %s: %d %s", nfd, r.status, r.body)
	}
	var l struct {
		Entries []struct{ Name string } `json:"entries"`
	}
	f.send(t, "GET", "/api/v1/documents/", "", nil).decode(t, &l)
	if len(l.Entries) != 1 || l.Entries[0].Name != "caf\u00e9.txt" {
		t.Fatalf("root lists %+v, want the one NFC name café.txt", l.Entries)
	}
	for _, p := range []string{nfc, nfd} {
		if r := f.send(t, "GET", "/api/v1/documents"+p, "", nil); r.status != 200 || string(r.body) != "second" {
			t.Fatalf("GET %s: %d %q, want the one document \"second\"", p, r.status, r.body)
		}
	}
}

// Each member sees only its own space.
func TestDocumentsPerMember(t *testing.T) {
	f := newDocFixture(t)
	if r := f.upload(t, "PUT", "/shared-name.txt", []byte("org1's")); r.status != 200 {
		t.Fatal(r.status)
	}
	sp2, err := f.store.Space("org2")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := docstore.ParsePath("shared-name.txt")
	if _, err := sp2.Lookup(context.Background(), p); err == nil {
		t.Fatal("org2 sees org1's upload")
	}
	keys := []string{}
	page, _ := f.backend.List(context.Background(), storage.ListOptions{})
	for _, o := range page.Objects {
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, []string{"org1/shared-name.txt"}) {
		t.Fatalf("backend keys %v", keys)
	}
}

// TestDocumentsNodeClient runs testdata/documents_client.js, which calls
// the API with axios and form-data exactly as existing clients do, with
// the documents on each backend.
func TestDocumentsNodeClient(t *testing.T) {
	modules := testenv.Get(t, testenv.NodeModules)
	for _, m := range []string{"axios", "form-data"} {
		if _, err := os.Stat(filepath.Join(modules, m, "package.json")); err != nil {
			t.Fatalf("%s is not installed in %s (scripts/testenv/install.sh)", m, modules)
		}
	}
	t.Run("local", func(t *testing.T) { runDocumentsClient(t, modules, newDocFixture(t)) })
	t.Run("S3", func(t *testing.T) { runDocumentsClient(t, modules, newDocFixtureOn(t, stores.S3(t))) })
	t.Run("Azure", func(t *testing.T) { runDocumentsClient(t, modules, newDocFixtureOn(t, stores.Azure(t))) })
	t.Run("IPFS embedded", func(t *testing.T) { runDocumentsClient(t, modules, newDocFixtureOn(t, stores.IPFSEmbedded(t))) })
	t.Run("Kubo", func(t *testing.T) { runDocumentsClient(t, modules, newDocFixtureOn(t, stores.Kubo(t))) })
}

func runDocumentsClient(t *testing.T, modules string, f *docFixture) {
	out := runNode(t, modules, "documents_client.js",
		"CONSIGN_URL="+f.base, "CONSIGN_USER="+f.user, "CONSIGN_PASS="+f.pass, "CONSIGN_TMP="+t.TempDir())
	type call struct {
		Status int             `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	var res struct {
		LocalHash  string `json:"localHash"`
		LocalSize  int64  `json:"localSize"`
		PostHash   string `json:"postHash"`
		Upload     call   `json:"upload"`
		Conflict   call   `json:"conflict"`
		Post       call   `json:"post"`
		WrongField call   `json:"wrongField"`
		Traversal  call   `json:"traversal"`
		Download   struct {
			Status        int    `json:"status"`
			ContentType   string `json:"contentType"`
			ContentLength string `json:"contentLength"`
			Hash          string `json:"hash"`
			Bytes         int64  `json:"bytes"`
		} `json:"download"`
		Browse       call `json:"browse"`
		BrowseRoot   call `json:"browseRoot"`
		BadLimit     call `json:"badLimit"`
		Inspect      call `json:"inspect"`
		Search       call `json:"search"`
		SearchByHash call `json:"searchByHash"`
		PrefsBefore  call `json:"prefsBefore"`
		PrefsSet     call `json:"prefsSet"`
		PrefsBad     call `json:"prefsBad"`
		PrefsAfter   call `json:"prefsAfter"`
		Patch        call `json:"patch"`
		Sync         call `json:"sync"`
		Del          call `json:"del"`
		AfterDelete  call `json:"afterDelete"`
		Missing      call `json:"missing"`
		Unauthorized call `json:"unauthorized"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	want := func(name string, c call, status int, body string) {
		t.Helper()
		if c.Status != status {
			t.Errorf("%s: status %d (%s %s), want %d", name, c.Status, c.Data, c.Error, status)
			return
		}
		if body != "" && string(c.Data) != body {
			t.Errorf("%s: body %s, want %s", name, c.Data, body)
		}
	}
	wantError := func(name string, c call, status int, says string) {
		t.Helper()
		var e struct{ Error string }
		if c.Status != status || json.Unmarshal(c.Data, &e) != nil || !strings.Contains(e.Error, says) {
			t.Errorf("%s: %d %s, want %d with an error mentioning %q", name, c.Status, c.Data, status, says)
		}
	}
	t.Logf("axios upload of %d bytes: %d %s; download %+v", res.LocalSize, res.Upload.Status, res.Upload.Data, res.Download)
	want("upload", res.Upload, 200, `{"result":"success","hash":"`+res.LocalHash+`"}`)
	wantError("POST onto existing", res.Conflict, 409, "already")
	want("POST new", res.Post, 200, `{"result":"success","hash":"`+res.PostHash+`"}`)
	wantError("wrong field", res.WrongField, 400, `"document"`)
	wantError("traversal", res.Traversal, 400, "..")
	if d := res.Download; d.Status != 200 || d.Hash != res.LocalHash || d.Bytes != res.LocalSize ||
		d.ContentType != "image/png" || d.ContentLength != fmt.Sprint(res.LocalSize) {
		t.Errorf("download %+v (want %d bytes, hash %s)", d, res.LocalSize, res.LocalHash)
	}
	var l struct {
		IsTruncated bool         `json:"is_truncated"`
		Entries     []entryReply `json:"entries"`
	}
	if json.Unmarshal(res.Browse.Data, &l); res.Browse.Status != 200 || l.IsTruncated || len(l.Entries) != 1 ||
		l.Entries[0].Name != "kaleido-logo.png" || l.Entries[0].Hash != res.LocalHash || l.Entries[0].Size != res.LocalSize {
		t.Errorf("browse: %d %s", res.Browse.Status, res.Browse.Data)
	} else {
		checkTimestamp(t, l.Entries[0].LastModified)
	}
	if json.Unmarshal(res.BrowseRoot.Data, &l); res.BrowseRoot.Status != 200 || !l.IsTruncated || len(l.Entries) != 1 || l.Entries[0].Name != "docs" {
		t.Errorf("browse root: %d %s", res.BrowseRoot.Status, res.BrowseRoot.Data)
	}
	wantError("bad limit", res.BadLimit, 400, "limit")
	var info entryReply
	if json.Unmarshal(res.Inspect.Data, &info); res.Inspect.Status != 200 || info.Hash != res.LocalHash || info.IsDirectory {
		t.Errorf("inspect: %d %s", res.Inspect.Status, res.Inspect.Data)
	}
	var found struct {
		Documents []struct {
			FullPath string `json:"full_path"`
			Hash     string `json:"hash"`
			Size     int64  `json:"size"`
		} `json:"documents"`
	}
	for name, c := range map[string]call{"search": res.Search, "search by hash": res.SearchByHash} {
		if json.Unmarshal(c.Data, &found); c.Status != 200 || len(found.Documents) != 1 ||
			found.Documents[0].FullPath != "images/kaleido-logo.png" || found.Documents[0].Hash != res.LocalHash {
			t.Errorf("%s: %d %s", name, c.Status, c.Data)
		}
	}
	want("preferences", res.PrefsBefore, 200, `{"receivedDocumentsOverwrite":"false","receivedDocumentsPath":"/received/${sender_org}/${recipient_destination}"}`)
	want("set preference", res.PrefsSet, 200, `{"result":"success"}`)
	wantError("bad preference", res.PrefsBad, 400, "absolute")
	want("preferences after", res.PrefsAfter, 200, `{"receivedDocumentsOverwrite":"false","receivedDocumentsPath":"/transfers/to/${recipient_destination}/from/${sender_org}-${sender_destination}"}`)
	want("patch", res.Patch, 200, `{"result":"success","hash":"`+res.LocalHash+`"}`)
	want("sync_hashes", res.Sync, 200, `{"hashes_calculated":2}`)
	want("delete", res.Del, 200, `{"result":"success"}`)
	wantError("after delete", res.AfterDelete, 404, "/docs/notes.txt")
	wantError("missing", res.Missing, 404, "/no/such/file.txt")
	wantError("wrong password", res.Unauthorized, 401, "password")

	// What the client did is what the store holds.
	sp, _ := f.store.Space("org1")
	p, _ := docstore.ParsePath("/images/kaleido-logo.png")
	if e, err := sp.Lookup(context.Background(), p); err != nil || e.Hash != res.LocalHash {
		t.Errorf("stored document: %+v %v", e, err)
	}
	if f.state(t) == "" || strings.Contains(f.state(t), "escape.txt") {
		t.Errorf("state after the client:\n%s", f.state(t))
	}
}

// TestDocumentsLargeUpload streams a large document (64 MiB, 1 GiB with
// CONSIGN_TEST_LARGE=1) up through the HTTP API and back down, and checks
// that neither direction grows the heap with the document's size.
func TestDocumentsLargeUpload(t *testing.T) {
	size := storagetest.LargeSize()
	const seed = 77
	h := sha256.New()
	if _, err := io.Copy(h, storagetest.Generator(seed, size)); err != nil {
		t.Fatal(err)
	}
	want := hex.EncodeToString(h.Sum(nil))
	f := newDocFixture(t)

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("document", "big.bin")
		if err == nil {
			_, err = io.Copy(fw, storagetest.Generator(seed, size))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	s := storagetest.StartHeapSampler()
	start := time.Now()
	r := f.send(t, "PUT", "/api/v1/documents/large/big.bin", mw.FormDataContentType(), pr)
	elapsed := time.Since(start)
	base, peak := s.Stop()
	var up struct{ Result, Hash string }
	r.decode(t, &up)
	if r.status != 200 || up.Hash != want {
		t.Fatalf("upload: %d %s, want hash %s", r.status, r.body, want)
	}
	t.Logf("upload %d MiB: %.1f MB/s, heap in use base %.1f MiB, peak %.1f MiB, growth %.1f MiB",
		size>>20, float64(size)/1e6/elapsed.Seconds(), mib(base), mib(peak), mib(peak-base))
	if peak-base >= storagetest.MaxHeapGrowth {
		t.Errorf("upload of %d MiB grew the heap by %.1f MiB (limit %d MiB)", size>>20, mib(peak-base), storagetest.MaxHeapGrowth>>20)
	}

	req, err := http.NewRequest("GET", f.base+"/api/v1/documents/large/big.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(f.user, f.pass)
	s = storagetest.StartHeapSampler()
	start = time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.Stop()
		t.Fatal(err)
	}
	h.Reset()
	n, err := io.Copy(h, res.Body)
	res.Body.Close()
	elapsed = time.Since(start)
	base, peak = s.Stop()
	if err != nil || res.StatusCode != 200 || n != size || hex.EncodeToString(h.Sum(nil)) != want {
		t.Fatalf("download: status %d, %d bytes, err %v", res.StatusCode, n, err)
	}
	if res.ContentLength != size {
		t.Errorf("Content-Length %d, want %d", res.ContentLength, size)
	}
	t.Logf("download %d MiB: %.1f MB/s, heap in use base %.1f MiB, peak %.1f MiB, growth %.1f MiB",
		size>>20, float64(size)/1e6/elapsed.Seconds(), mib(base), mib(peak), mib(peak-base))
	if peak-base >= storagetest.MaxHeapGrowth {
		t.Errorf("download of %d MiB grew the heap by %.1f MiB (limit %d MiB)", size>>20, mib(peak-base), storagetest.MaxHeapGrowth>>20)
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// benchDocSize is the document size of BenchmarkDocuments: 256 MiB, or
// CONSIGN_BENCH_DOC_MIB MiB.
func benchDocSize(b *testing.B) int64 {
	if v := os.Getenv("CONSIGN_BENCH_DOC_MIB"); v != "" {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
			b.Fatalf("CONSIGN_BENCH_DOC_MIB=%q", v)
		}
		return n << 20
	}
	return 256 << 20
}

// BenchmarkDocuments compares an upload and a download through the HTTP
// API (multipart PUT, streamed GET, local disk) with the least the node
// must do for the same bytes: SHA-256 and a storage/local Put, or a
// storage/local Get, in process.
func BenchmarkDocuments(b *testing.B) {
	size := benchDocSize(b)
	f := newDocFixture(b)
	ctx := context.Background()
	b.Run("upload", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			pr, pw := io.Pipe()
			mw := multipart.NewWriter(pw)
			go func() {
				fw, err := mw.CreateFormFile("document", "bench.bin")
				if err == nil {
					_, err = io.Copy(fw, storagetest.Generator(uint64(i), size))
				}
				if err == nil {
					err = mw.Close()
				}
				pw.CloseWithError(err)
			}()
			if r := f.send(b, "PUT", "/api/v1/documents/bench/upload.bin", mw.FormDataContentType(), pr); r.status != 200 {
				b.Fatalf("upload: %d %s", r.status, r.body)
			}
		}
	})
	b.Run("upload-baseline", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			h := sha256.New()
			if _, err := f.backend.Put(ctx, "baseline/upload.bin", io.TeeReader(storagetest.Generator(uint64(i), size), h)); err != nil {
				b.Fatal(err)
			}
			_ = h.Sum(nil)
		}
	})
	sp, _ := f.store.Space("org1")
	p, _ := docstore.ParsePath("bench/download.bin")
	if _, err := sp.Put(ctx, p, storagetest.Generator(1, size), docstore.Overwrite); err != nil {
		b.Fatal(err)
	}
	b.Run("download", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			req, _ := http.NewRequest("GET", f.base+"/api/v1/documents/bench/download.bin", nil)
			req.SetBasicAuth(f.user, f.pass)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err != nil || n != size {
				b.Fatalf("download: %d bytes, %v", n, err)
			}
		}
	})
	b.Run("download-baseline", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			rc, err := f.backend.Get(ctx, "org1/bench/download.bin", 0, -1)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil || n != size {
				b.Fatalf("get: %d bytes, %v", n, err)
			}
		}
	})
}

func TestByteRange(t *testing.T) {
	for _, c := range []struct {
		header          string
		size            int64
		offset, length  int64
		partial, refuse bool
	}{
		{"", 10, 0, 10, false, false},
		{"bytes=0-", 10, 0, 10, true, false},
		{"bytes=2-4", 10, 2, 3, true, false},
		{"bytes=2-100", 10, 2, 8, true, false},
		{"bytes=-3", 10, 7, 3, true, false},
		{"bytes=-30", 10, 0, 10, true, false},
		{"bytes=9-9", 10, 9, 1, true, false},
		{"bytes=0-1,4-5", 10, 0, 10, false, false}, // several ranges: whole document
		{"items=0-1", 10, 0, 10, false, false},
		{"bytes=10-", 10, 0, 0, false, true},
		{"bytes=5-2", 10, 0, 0, false, true},
		{"bytes=-0", 10, 0, 0, false, true},
		{"bytes=x-1", 10, 0, 0, false, true},
		{"bytes=0-", 0, 0, 0, false, true},
		{"bytes=-5", 0, 0, 0, false, true},
	} {
		off, n, partial, err := byteRange(c.header, c.size)
		if (err != nil) != c.refuse || (err == nil && (off != c.offset || n != c.length || partial != c.partial)) {
			t.Errorf("byteRange(%q, %d) = %d, %d, %v, %v", c.header, c.size, off, n, partial, err)
		}
	}
}

func TestDocumentsRangeDownload(t *testing.T) {
	f := newDocFixture(t)
	data := []byte("0123456789abcdefghij")
	if r := f.upload(t, "PUT", "/r.txt", data); r.status != 200 {
		t.Fatal(r.status)
	}
	get := func(rng string) reply {
		req, _ := http.NewRequest("GET", f.base+"/api/v1/documents/r.txt", nil)
		req.SetBasicAuth(f.user, f.pass)
		req.Header.Set("Range", rng)
		return send(t, req)
	}
	r := get("bytes=5-9")
	if r.status != 206 || string(r.body) != "56789" || r.header.Get("Content-Range") != "bytes 5-9/20" || r.header.Get("Content-Length") != "5" {
		t.Fatalf("range 5-9: %d %q %v", r.status, r.body, r.header)
	}
	if r := get("bytes=-4"); r.status != 206 || string(r.body) != "ghij" {
		t.Fatalf("suffix range: %d %q", r.status, r.body)
	}
	r = get("bytes=20-")
	if r.status != 416 || r.header.Get("Content-Range") != "bytes */20" {
		t.Fatalf("range past the end: %d %v", r.status, r.header)
	}
	r.errorMessage(t)
}

// TestDocumentsMakeFolder: POST to a path ending in a slash with an
// empty body creates the empty folder (201), which browses as empty, is
// listed in its parent, answers 409 when made again, and goes with
// DELETE once empty; a POST to a folder path with a body is still 400.
func TestDocumentsMakeFolder(t *testing.T) {
	f := newDocFixture(t)
	if r := f.send(t, "POST", "/api/v1/documents/reports/q1/", "", nil); r.status != 201 {
		t.Fatalf("create folder: %d %s", r.status, r.body)
	}
	var l struct {
		Entries []entryReply `json:"entries"`
	}
	r := f.send(t, "GET", "/api/v1/documents/reports/q1/", "", nil)
	if r.decode(t, &l); r.status != 200 || len(l.Entries) != 0 {
		t.Fatalf("browse the new folder: %d %s", r.status, r.body)
	}
	r = f.send(t, "GET", "/api/v1/documents/reports", "", nil)
	if r.decode(t, &l); r.status != 200 || len(l.Entries) != 1 || l.Entries[0].Name != "q1" || !l.Entries[0].IsDirectory {
		t.Fatalf("browse the parent: %d %s", r.status, r.body)
	}
	if r := f.send(t, "POST", "/api/v1/documents/reports/q1/", "", nil); r.status != 409 {
		t.Errorf("create it again: %d %s", r.status, r.body)
	}
	if r := f.send(t, "POST", "/api/v1/documents/bad/..%2f/", "", nil); r.status != 400 {
		t.Errorf("create a folder with a bad name: %d %s", r.status, r.body)
	}
	if r := f.send(t, "POST", "/api/v1/documents/reports/"+docstore.FolderMarker+"/", "", nil); r.status != 400 {
		t.Errorf("create a folder named like the marker: %d %s", r.status, r.body)
	}
	if r := f.upload(t, "POST", "/reports/q1/", []byte("x")); r.status != 400 {
		t.Errorf("upload to a folder path: %d %s", r.status, r.body)
	}
	if r := f.upload(t, "PUT", "/reports/q1/a.txt", []byte("x")); r.status != 200 {
		t.Fatalf("upload into it: %d %s", r.status, r.body)
	}
	if r := f.send(t, "DELETE", "/api/v1/documents/reports/q1", "", nil); r.status != 409 {
		t.Errorf("delete the folder with a document: %d %s", r.status, r.body)
	}
	if r := f.send(t, "DELETE", "/api/v1/documents/reports/q1/a.txt", "", nil); r.status != 200 {
		t.Fatalf("delete the document: %d %s", r.status, r.body)
	}
	if r := f.send(t, "GET", "/api/v1/documents/reports/q1/", "", nil); r.status != 200 {
		t.Errorf("the folder after its last document went: %d %s", r.status, r.body)
	}
	if r := f.send(t, "DELETE", "/api/v1/documents/reports/q1", "", nil); r.status != 200 {
		t.Fatalf("delete the empty folder: %d %s", r.status, r.body)
	}
	if r := f.send(t, "GET", "/api/v1/documents/reports/", "", nil); r.status != 404 {
		t.Errorf("the parent after the folder went: %d %s", r.status, r.body)
	}
}
