package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
)

// HandleTransfers serves document transfers (API.md, "transfer" and
// "transfer log"), each caller acting for its own member:
//
//	POST /api/v1/transfers {"from","to","document"}  → {"result":"Document sent.","transfer_id"}
//	GET  /api/v1/transfers[?offset=&limit=]          → {"transfers":[<transfer record>]}, newest first
//	GET  /api/v1/transfers/{id}                      → one transfer record
//
// The server also forwards transfer events to the member's socket.io
// connections: pass it as docstore.TransferConfig.Notifier (Server
// implements docstore.TransferNotifier). Call it once.
func (s *Server) HandleTransfers(tf *docstore.Transfers) {
	x := &transfersAPI{tf: tf}
	s.HandleFunc("POST "+transfersRoot, x.send)
	s.HandleFunc("GET "+transfersRoot, x.list)
	s.HandleFunc("GET "+transfersRoot+"/{id}", x.get)
}

const (
	transfersRoot = "/api/v1/transfers"
	// maxTransferBody bounds a POST /transfers body.
	maxTransferBody = 64 << 10
	// defaultTransferLimit is how many records GET /transfers returns
	// unless asked otherwise (at most 10000).
	defaultTransferLimit = 1000
)

type transfersAPI struct {
	tf *docstore.Transfers
}

// transferRequest is the body of POST /transfers.
type transferRequest struct {
	From     *string `json:"from"`
	To       *string `json:"to"`
	Document *string `json:"document"`
}

// transferJSON is a transfer record on the wire (API.md). The log names
// the id "id", the socket.io events "transferId".
type transferJSON struct {
	ID                 string `json:"id,omitempty"`
	TransferID         string `json:"transferId,omitempty"`
	Timestamp          string `json:"timestamp"`
	From               string `json:"from"`
	To                 string `json:"to"`
	Hash               string `json:"hash,omitempty"`
	Document           string `json:"document"`
	Status             string `json:"status"`
	TransferHash       string `json:"transferHash,omitempty"`
	SenderSignature    string `json:"senderSignature,omitempty"`
	RecipientSignature string `json:"recipientSignature,omitempty"`
	Error              string `json:"error,omitempty"`
	Note               string `json:"note,omitempty"`
}

func transferOut(t docstore.Transfer) transferJSON {
	j := transferJSON{ID: t.ID, Timestamp: t.Timestamp, From: t.From.String(), To: t.To.String(), Hash: t.Hash, Document: t.Document,
		Status: string(t.Status), TransferHash: t.TransferHash, SenderSignature: t.SenderSignature,
		RecipientSignature: t.RecipientSignature, Note: t.Note}
	if t.Status == docstore.StatusFailed {
		j.Error = t.Error
		if j.Error == "" {
			j.Error = "failed"
		}
	}
	return j
}

// transferEvent is the argument of a transfer event: the record with
// transferId for id, as a plain map so that the socket.io encoder sends
// exactly these keys.
func transferEvent(t docstore.Transfer) map[string]any {
	j := transferOut(t)
	b, _ := json.Marshal(j)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m, "id")
	m["transferId"] = t.ID
	return m
}

// NotifyTransfer emits a transfer event to the member's socket.io
// connections on this node; it implements docstore.TransferNotifier.
func (s *Server) NotifyTransfer(member string, ev docstore.TransferEvent, t docstore.Transfer) {
	kind, msg := "transfer", fmt.Sprintf("%s: %s from %s to %s, status %s", ev, t.Document, t.From, t.To, t.Status)
	if t.Status == docstore.StatusFailed {
		kind, msg = "error", msg+": "+t.Error
	}
	s.events.add(member, kind, msg)
	if err := s.EmitToMember(member, string(ev), transferEvent(t)); err != nil {
		s.log.Warn("web: transfer event not emitted", "member", member, "event", ev, "id", t.ID, "err", err)
	}
}

func (x *transfersAPI) member(r *http.Request) (string, error) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return "", fmt.Errorf("%w: no authenticated caller", ErrUnauthorized)
	}
	return p.Member, nil
}

func (x *transfersAPI) send(w http.ResponseWriter, r *http.Request) {
	member, err := x.member(r)
	if err != nil {
		Error(w, r, err)
		return
	}
	const example = `send {"from": "<your documentstore destination URI>", "to": "<recipient destination URI>", "document": "/path/of/the/document"}`
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTransferBody+1))
	if err != nil {
		Error(w, r, fmt.Errorf("%w: reading the body: %v", ErrBadRequest, err))
		return
	}
	if len(body) > maxTransferBody {
		Error(w, r, fmt.Errorf("%w: the body is larger than %d KiB; %s", ErrTooLarge, maxTransferBody>>10, example))
		return
	}
	var req transferRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&req); err != nil {
		Error(w, r, fmt.Errorf("%w: the body is not a JSON object (%v); %s", ErrBadRequest, err, example))
		return
	}
	if dec.More() {
		Error(w, r, fmt.Errorf("%w: data after the JSON object; %s", ErrBadRequest, example))
		return
	}
	var missing []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"from", req.From}, {"to", req.To}, {"document", req.Document}} {
		if f.v == nil || *f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		Error(w, r, fmt.Errorf("%w: %s missing or empty; %s", ErrBadRequest, strings.Join(missing, ", "), example))
		return
	}
	from, err := destination.Parse(*req.From)
	if err != nil {
		Error(w, r, fmt.Errorf("%w: from: %w", ErrBadRequest, err))
		return
	}
	to, err := destination.Parse(*req.To)
	if err != nil {
		Error(w, r, fmt.Errorf("%w: to: %w", ErrBadRequest, err))
		return
	}
	t, err := x.tf.Send(r.Context(), member, from, to, *req.Document)
	if err != nil {
		Error(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"result": "Document sent.", "transfer_id": t.ID})
}

func (x *transfersAPI) list(w http.ResponseWriter, r *http.Request) {
	member, err := x.member(r)
	if err != nil {
		Error(w, r, err)
		return
	}
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		Error(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", defaultTransferLimit)
	if err != nil {
		Error(w, r, err)
		return
	}
	list, err := x.tf.List(r.Context(), member, offset, limit)
	if err != nil {
		Error(w, r, err)
		return
	}
	out := make([]transferJSON, 0, len(list))
	for _, t := range list {
		out = append(out, transferOut(t))
	}
	WriteJSON(w, http.StatusOK, map[string]any{"transfers": out})
}

func (x *transfersAPI) get(w http.ResponseWriter, r *http.Request) {
	member, err := x.member(r)
	if err != nil {
		Error(w, r, err)
		return
	}
	t, err := x.tf.Get(r.Context(), member, r.PathValue("id"))
	if errors.Is(err, docstore.ErrUnknownTransfer) {
		Error(w, r, fmt.Errorf("%w: no transfer %q in your member's log", ErrNotFound, r.PathValue("id")))
		return
	}
	if err != nil {
		Error(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, transferOut(t))
}
