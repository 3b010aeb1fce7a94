package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/consign/consign/docstore"
)

// EvidenceExporter writes the evidence bundle of a transfer of member's
// log; *evidence.Exporter implements it. It writes nothing to w when it
// fails (docstore.ErrUnknownTransfer for an id not in the log).
type EvidenceExporter interface {
	Export(ctx context.Context, member, id string, w io.Writer) error
}

// HandleEvidence serves evidence bundles (docs/evidence.md), each caller
// for its own member's transfers:
//
//	GET /api/v1/transfers/{id}/evidence → application/x-tar, the bundle
//
// Call it once.
func (s *Server) HandleEvidence(ex EvidenceExporter) {
	s.HandleFunc("GET "+transfersRoot+"/{id}/evidence", func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			Error(w, r, fmt.Errorf("%w: no authenticated caller", ErrUnauthorized))
			return
		}
		id := r.PathValue("id")
		ew := &evidenceWriter{w: w, id: id}
		err := ex.Export(r.Context(), p.Member, id, ew)
		switch {
		case err == nil:
			return
		case ew.started:
			// The bundle is cut short: the client sees a truncated tar.
			if log := loggerFrom(r.Context()); log != nil {
				log.Warn("web: evidence bundle cut short", "id", id, "err", err)
			}
		case errors.Is(err, docstore.ErrUnknownTransfer):
			Error(w, r, fmt.Errorf("%w: no transfer %q in your member's log", ErrNotFound, id))
		default:
			Error(w, r, err)
		}
	})
}

// evidenceWriter sets the headers of a bundle before its first byte.
type evidenceWriter struct {
	w       http.ResponseWriter
	id      string
	started bool
}

func (e *evidenceWriter) Write(p []byte) (int, error) {
	if !e.started {
		e.started = true
		h := e.w.Header()
		h.Set("Content-Type", "application/x-tar")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="evidence-%s.tar"`, safeFileName(e.id)))
		e.w.WriteHeader(http.StatusOK)
	}
	return e.w.Write(p)
}

// safeFileName keeps the characters of a transfer id a file name may hold.
func safeFileName(s string) string {
	b := []byte(s)
	out := b[:0]
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			out = append(out, c)
		}
	}
	if len(out) > 64 {
		out = out[:64]
	}
	return string(out)
}
