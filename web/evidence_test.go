package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/errkind"
)

// fakeExporter knows one transfer of member org1 and one not sent yet.
type fakeExporter struct{}

var errNotSent = errkind.New(errkind.Conflict, "transfer not sent yet")

func (fakeExporter) Export(_ context.Context, member, id string, w io.Writer) error {
	switch {
	case member == "org1" && id == "t1":
		_, err := io.WriteString(w, "tar bytes")
		return err
	case member == "org1" && id == "t2":
		return fmt.Errorf("evidence: transfer %q: %w", id, errNotSent)
	}
	return fmt.Errorf("transfer %q: %w", id, docstore.ErrUnknownTransfer)
}

func TestEvidenceRoute(t *testing.T) {
	f := newFixture(t, Config{})
	f.srv.HandleEvidence(fakeExporter{})
	r := f.do(t, "GET", "/api/v1/transfers/t1/evidence", f.user, f.pass)
	if r.status != http.StatusOK || string(r.body) != "tar bytes" || r.header.Get("Content-Type") != "application/x-tar" ||
		r.header.Get("Content-Disposition") != `attachment; filename="evidence-t1.tar"` {
		t.Errorf("a bundle: %d %v %q", r.status, r.header, r.body)
	}
	for _, c := range []struct {
		path, user, pass string
		status           int
	}{
		{"/api/v1/transfers/t1/evidence", "", "", http.StatusUnauthorized},
		{"/api/v1/transfers/nope/evidence", f.user, f.pass, http.StatusNotFound},
		{"/api/v1/transfers/t2/evidence", f.user, f.pass, http.StatusConflict},
	} {
		r := f.do(t, "GET", c.path, c.user, c.pass)
		if r.status != c.status {
			t.Errorf("GET %s as %q: %d %s, want %d", c.path, c.user, r.status, r.body, c.status)
			continue
		}
		r.errorMessage(t)
	}
}
