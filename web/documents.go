package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/textutil"
)

// Routes of the document store REST API (API.md, "Document store REST").
const documentsRoot = "/api/v1/documents"

// HandleDocuments serves the document store REST API of API.md on the
// server, each authenticated caller in its member's own document space:
//
//	GET    /api/v1/documents[/<path>]   download, browse (?offset=&limit=) or inspect (?details_only=true)
//	PUT    /api/v1/documents/<path>     upload (multipart field "document"), replacing
//	POST   /api/v1/documents/<path>     upload, 409 if a document is there
//	POST   /api/v1/documents/<path>/    with an empty body: create the empty folder, 409 if anything is there
//	DELETE /api/v1/documents/<path>     delete
//	PATCH  /api/v1/documents/<path>     hash a document placed in the backend by other means
//	GET    /api/v1/search?query=[&by_hash=true]
//	POST   /api/v1/sync_hashes?reset=true|false
//	GET    /api/v1/preferences, PUT /api/v1/preferences {"key","value"}
//
// Uploads are streamed from the request body to the backend through the
// hasher (mime/multipart's streaming reader, never ParseMultipartForm);
// downloads are streamed to the client. Call it once.
func (s *Server) HandleDocuments(store *docstore.Store) {
	d := &documentsAPI{store: store, uploads: s.uploads, idle: s.cfg.Uploads.BodyIdleTimeout}
	s.HandleFunc("GET "+documentsRoot, d.get)
	s.HandleFunc("GET "+documentsRoot+"/{path...}", d.get)
	s.HandleFunc("PUT "+documentsRoot+"/{path...}", d.upload(docstore.Overwrite))
	s.HandleFunc("POST "+documentsRoot+"/{path...}", d.upload(docstore.CreateOnly))
	s.HandleFunc("DELETE "+documentsRoot+"/{path...}", d.onDocument(deleteDocument))
	s.HandleFunc("PATCH "+documentsRoot+"/{path...}", d.onDocument(hashDocument))
	s.HandleFunc("GET /api/v1/search", d.search)
	s.HandleFunc("POST /api/v1/sync_hashes", d.syncHashes)
	s.HandleFunc("GET /api/v1/preferences", d.getPreferences)
	s.HandleFunc("PUT /api/v1/preferences", d.putPreference)
}

type documentsAPI struct {
	store   *docstore.Store
	uploads *uploadGate
	idle    time.Duration // UploadLimits.BodyIdleTimeout
}

// Limits of the document API.
const (
	maxPreferenceBody = 64 << 10
	// drainLimit is how much of an unread upload body is read and
	// dropped before an error answer, so that a client still sending a
	// small document gets the answer rather than a reset connection.
	drainLimit = 4 << 20
	copyBuffer = 256 << 10
)

// entryJSON is a document or folder as browse and inspect show it.
type entryJSON struct {
	Name         string  `json:"name"`
	IsDirectory  bool    `json:"is_directory"`
	Size         int64   `json:"size"`
	LastModified *string `json:"last_modified"` // null for a folder
	Hash         string  `json:"hash"`
}

type listingJSON struct {
	IsTruncated bool        `json:"is_truncated"`
	Entries     []entryJSON `json:"entries"`
}

type searchResultJSON struct {
	FullPath     string `json:"full_path"`
	LastModified string `json:"last_modified"`
	Hash         string `json:"hash"`
	Size         int64  `json:"size"`
}

type resultJSON struct {
	Result string `json:"result"`
	Hash   string `json:"hash,omitempty"`
}

func entryOut(e docstore.Entry) entryJSON {
	out := entryJSON{Name: e.Name, IsDirectory: e.IsDir, Size: e.Size, Hash: e.Hash}
	if !e.IsDir {
		ts := textutil.Timestamp(e.LastModified)
		out.LastModified = &ts
	}
	return out
}

// space returns the caller's document space.
func (d *documentsAPI) space(r *http.Request) (*docstore.Space, error) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return nil, fmt.Errorf("%w: no authenticated caller", ErrUnauthorized)
	}
	return d.store.Space(p.Member)
}

// target returns the caller's document space and the path the request
// names, with docPath's folder flag.
func (d *documentsAPI) target(r *http.Request) (*docstore.Space, docstore.Path, bool, error) {
	sp, err := d.space(r)
	if err != nil {
		return nil, docstore.Path{}, false, err
	}
	p, folder, err := docPath(r)
	return sp, p, folder, err
}

// docPath returns the document path of a /api/v1/documents request and
// whether it ends in a slash (or is the root), which asks for a folder.
func docPath(r *http.Request) (docstore.Path, bool, error) {
	raw := strings.TrimPrefix(r.URL.Path, documentsRoot)
	// Slashes and backslashes sent percent-encoded inside a name would
	// become separators here: refuse them rather than guess.
	esc := strings.ToLower(r.URL.EscapedPath())
	if strings.Contains(esc, "%2f") || strings.Contains(esc, "%5c") {
		return docstore.Path{}, false, fmt.Errorf("%w: %q holds a percent-encoded slash or backslash; a document name cannot contain one", docstore.ErrInvalidPath, r.URL.EscapedPath())
	}
	p, err := docstore.ParsePath(raw)
	if err != nil {
		return docstore.Path{}, false, err
	}
	return p, raw == "" || raw == "/" || strings.HasSuffix(raw, "/"), nil
}

// folderNotDocument is the error for a request that acts on a document
// (DELETE, PATCH) but whose path ends in a slash, which names a folder:
// docstore.ErrInvalidPath, rather than acting on the document without
// the slash.
func folderNotDocument(r *http.Request) error {
	_, err := docstore.ParseDocumentPath(strings.TrimPrefix(r.URL.Path, documentsRoot))
	return err
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); strings.ToLower(v) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, fmt.Errorf("%w: %s=%q: use true or false", ErrBadRequest, name, v)
	}
}

// intParam reads an optional non-negative integer query parameter.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q is not a whole number", ErrBadRequest, name, v)
	}
	return n, nil
}

func (d *documentsAPI) get(w http.ResponseWriter, r *http.Request) {
	sp, p, folder, err := d.target(r)
	if err != nil {
		Error(w, r, err)
		return
	}
	detailsOnly, err := boolParam(r, "details_only")
	if err != nil {
		Error(w, r, err)
		return
	}
	if folder && !detailsOnly {
		d.browse(w, r, sp, p)
		return
	}
	e, err := sp.Lookup(r.Context(), p)
	if err != nil {
		Error(w, r, err)
		return
	}
	switch {
	case detailsOnly:
		WriteJSON(w, http.StatusOK, entryOut(e))
	case e.IsDir:
		d.browse(w, r, sp, p)
	default:
		d.download(w, r, sp, p, e)
	}
}

func (d *documentsAPI) browse(w http.ResponseWriter, r *http.Request, sp *docstore.Space, p docstore.Path) {
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		Error(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", docstore.DefaultListLimit)
	if err != nil {
		Error(w, r, err)
		return
	}
	l, err := sp.List(r.Context(), p, offset, limit)
	if err != nil {
		Error(w, r, err)
		return
	}
	out := listingJSON{IsTruncated: l.Truncated, Entries: make([]entryJSON, len(l.Entries))}
	for i, e := range l.Entries {
		out.Entries[i] = entryOut(e)
	}
	WriteJSON(w, http.StatusOK, out)
}

func (d *documentsAPI) download(w http.ResponseWriter, r *http.Request, sp *docstore.Space, p docstore.Path, e docstore.Entry) {
	offset, length, partial, err := byteRange(r.Header.Get("Range"), e.Size)
	if err != nil {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", e.Size))
		WriteError(w, http.StatusRequestedRangeNotSatisfiable, err.Error())
		return
	}
	var rc io.ReadCloser
	if r.Method != http.MethodHead {
		if rc, err = sp.Read(r.Context(), p, offset, length); err != nil {
			Error(w, r, err)
			return
		}
		defer rc.Close()
	}
	h := w.Header()
	ctype := mime.TypeByExtension(path.Ext(e.Name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": e.Name}))
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Last-Modified", e.LastModified.UTC().Format(http.TimeFormat))
	if e.Hash != "" {
		h.Set("ETag", `"sha256-`+e.Hash+`"`)
	}
	status := http.StatusOK
	if partial {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", offset, offset+length-1, e.Size))
		status = http.StatusPartialContent
	}
	w.WriteHeader(status)
	if rc == nil {
		return
	}
	if n, err := io.CopyBuffer(w, rc, make([]byte, copyBuffer)); err != nil || n != length {
		// The status is sent; the short body (Content-Length) tells the
		// client, and the log tells the operator.
		if log := loggerFrom(r.Context()); log != nil {
			log.Warn("document download cut short", "path", r.URL.Path, "sent", n, "want", length, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// byteRange interprets a Range header for a document of size bytes. It
// serves one range ("bytes=a-b", "bytes=a-", "bytes=-n"); no header, a
// unit other than bytes, or several ranges get the whole document. A
// range starting at or beyond the end is an error, answered with 416.
func byteRange(header string, size int64) (offset, length int64, partial bool, err error) {
	spec, ok := strings.CutPrefix(header, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, size, false, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, size, false, nil
	}
	bad := fmt.Errorf("range not satisfiable: %q does not fit a document of %d bytes", header, size)
	if first == "" { // the last n bytes
		n, perr := strconv.ParseInt(last, 10, 64)
		if perr != nil || n <= 0 {
			return 0, 0, false, bad
		}
		n = min(n, size)
		if n == 0 {
			return 0, 0, false, bad
		}
		return size - n, n, true, nil
	}
	a, perr := strconv.ParseInt(first, 10, 64)
	if perr != nil || a < 0 || a >= size {
		return 0, 0, false, bad
	}
	b := size - 1
	if last != "" {
		if b, perr = strconv.ParseInt(last, 10, 64); perr != nil || b < a {
			return 0, 0, false, bad
		}
		b = min(b, size-1)
	}
	return a, b - a + 1, true, nil
}

// drain reads and drops what is left of a request body, up to
// drainLimit, before an error answer.
func drain(r *http.Request) {
	_, _ = io.CopyN(io.Discard, r.Body, drainLimit)
}

func (d *documentsAPI) upload(mode docstore.WriteMode) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fail := func(err error) {
			drain(r)
			Error(w, r, err)
		}
		sp, p, folder, err := d.target(r)
		if err != nil {
			fail(err)
			return
		}
		if folder && mode == docstore.CreateOnly && r.ContentLength == 0 {
			d.makeFolder(w, r, sp, p)
			return
		}
		if folder {
			fail(fmt.Errorf("%w: %s names a folder; upload to %s/<name>, or POST to it with an empty body to create it", ErrBadRequest, r.URL.Path, strings.TrimSuffix(r.URL.Path, "/")))
			return
		}
		// An upload holds a slot of its member and of the node until it
		// ends; over either cap it is refused at once, unread (the
		// connection is closed rather than drained).
		principal, _ := PrincipalFrom(r.Context())
		release, err := d.uploads.acquire(principal.Member)
		if err != nil {
			w.Header().Set("Connection", "close")
			Error(w, r, err)
			return
		}
		defer release()
		body := watchIdle(w, r, d.idle)
		defer body.stop()
		fail = func(err error) {
			if body.timed {
				// The read deadline has passed: nothing more can be read.
				Error(w, r, body.cut())
				return
			}
			drain(r)
			Error(w, r, err)
		}
		mr, err := r.MultipartReader()
		if err != nil {
			fail(fmt.Errorf("%w: send the document as multipart/form-data in the field \"document\" (Content-Type was %q)", ErrBadRequest, r.Header.Get("Content-Type")))
			return
		}
		for {
			// NextRawPart: the bytes are stored as sent, with no
			// Content-Transfer-Encoding decoding.
			part, err := mr.NextRawPart()
			if err == io.EOF {
				fail(fmt.Errorf("%w: the multipart body has no field \"document\"; send the file in a field of that name", ErrBadRequest))
				return
			}
			if err != nil {
				fail(fmt.Errorf("%w: malformed multipart body: %v", ErrBadRequest, err))
				return
			}
			if part.FormName() != "document" {
				if _, err := io.Copy(io.Discard, part); err != nil {
					fail(fmt.Errorf("%w: malformed multipart body: %v", ErrBadRequest, err))
					return
				}
				continue
			}
			doc, err := sp.Put(r.Context(), p, part, mode)
			if err != nil {
				fail(err)
				return
			}
			WriteJSON(w, http.StatusOK, resultJSON{Result: "success", Hash: doc.Hash})
			return
		}
	}
}

// makeFolder answers POST /api/v1/documents/<path>/ with an empty body:
// it creates the empty folder (201), 409 if something is there already.
func (d *documentsAPI) makeFolder(w http.ResponseWriter, r *http.Request, sp *docstore.Space, p docstore.Path) {
	if err := sp.MakeFolder(r.Context(), p); err != nil {
		Error(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, resultJSON{Result: "success"})
}

// onDocument returns the handler of a request that acts on one
// document (DELETE, PATCH): it resolves the caller's space and the
// document path, refusing a folder path (folderNotDocument), runs op and
// answers 200 with its hash, if any.
func (d *documentsAPI) onDocument(op func(ctx context.Context, sp *docstore.Space, p docstore.Path) (hash string, err error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sp, p, folder, err := d.target(r)
		if err == nil && folder {
			err = folderNotDocument(r)
		}
		var hash string
		if err == nil {
			hash, err = op(r.Context(), sp, p)
		}
		if err != nil {
			Error(w, r, err)
			return
		}
		WriteJSON(w, http.StatusOK, resultJSON{Result: "success", Hash: hash})
	}
}

func deleteDocument(ctx context.Context, sp *docstore.Space, p docstore.Path) (string, error) {
	return "", sp.Delete(ctx, p)
}

func hashDocument(ctx context.Context, sp *docstore.Space, p docstore.Path) (string, error) {
	doc, err := sp.Hash(ctx, p)
	return doc.Hash, err
}

func (d *documentsAPI) search(w http.ResponseWriter, r *http.Request) {
	sp, err := d.space(r)
	if err != nil {
		Error(w, r, err)
		return
	}
	byHash, err := boolParam(r, "by_hash")
	if err != nil {
		Error(w, r, err)
		return
	}
	docs, err := sp.Search(r.Context(), r.URL.Query().Get("query"), byHash)
	if err != nil {
		Error(w, r, err)
		return
	}
	out := struct {
		Documents []searchResultJSON `json:"documents"`
	}{Documents: make([]searchResultJSON, len(docs))}
	for i, doc := range docs {
		out.Documents[i] = searchResultJSON{FullPath: doc.Path.String(), LastModified: textutil.Timestamp(doc.LastModified), Hash: doc.Hash, Size: doc.Size}
	}
	WriteJSON(w, http.StatusOK, out)
}

func (d *documentsAPI) syncHashes(w http.ResponseWriter, r *http.Request) {
	sp, err := d.space(r)
	if err != nil {
		Error(w, r, err)
		return
	}
	reset, err := boolParam(r, "reset")
	if err != nil {
		Error(w, r, err)
		return
	}
	n, err := sp.SyncHashes(r.Context(), reset)
	if err != nil {
		Error(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]int{"hashes_calculated": n})
}

func (d *documentsAPI) getPreferences(w http.ResponseWriter, r *http.Request) {
	sp, err := d.space(r)
	if err != nil {
		Error(w, r, err)
		return
	}
	prefs, err := sp.Preferences(r.Context())
	if err != nil {
		Error(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{docstore.PrefReceivedDocumentsPath: prefs.ReceivedDocumentsPath,
		docstore.PrefReceivedDocumentsOverwrite: strconv.FormatBool(prefs.ReceivedDocumentsOverwrite)})
}

func (d *documentsAPI) putPreference(w http.ResponseWriter, r *http.Request) {
	sp, err := d.space(r)
	if err != nil {
		Error(w, r, err)
		return
	}
	var req struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	body := http.MaxBytesReader(w, r.Body, maxPreferenceBody)
	if err := json.NewDecoder(body).Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			Error(w, r, fmt.Errorf("%w: the body is over %d bytes", ErrTooLarge, maxPreferenceBody))
			return
		}
		Error(w, r, fmt.Errorf("%w: send JSON {\"key\": %q, \"value\": \"/received/${sender_org}/${recipient_destination}\"}: %v",
			ErrBadRequest, docstore.PrefReceivedDocumentsPath, err))
		return
	}
	if err := sp.SetPreference(r.Context(), req.Key, req.Value); err != nil {
		Error(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, resultJSON{Result: "success"})
}
