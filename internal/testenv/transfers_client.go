package testenv

import "testing"

// TransfersClient is what web/testdata/transfers_client.js prints: member
// A uploads /from-node/report.pdf, browses and searches for it, sends it
// to member B (once from a destination that is not A's, BadAnswer), and
// both record the socket.io events they get.
type TransfersClient struct {
	Hash   string `json:"hash"` // of the uploaded content
	Upload struct {
		Result, Hash string
	} `json:"upload"`
	Browse struct {
		Entries []ClientEntry `json:"entries"`
	} `json:"browse"`
	Search struct {
		Documents []ClientEntry `json:"documents"`
	} `json:"search"`
	SearchByHash struct {
		Documents []ClientEntry `json:"documents"`
	} `json:"searchByHash"`
	BadAnswer map[string]any `json:"badAnswer"`
	Answer    map[string]any `json:"answer"`
	Sent      map[string]any `json:"sent"`
	Received  map[string]any `json:"received"`
	Ack       map[string]any `json:"ack"`
	Download  string         `json:"downloadHash"` // of B's received copy
	Log       map[string]any `json:"log"`          // A's log entry of the transfer
	Others    []string       `json:"others"`       // events a member should not have seen
}

// ClientEntry is a document or folder as the REST API lists it.
type ClientEntry struct {
	Name        string `json:"name"`
	IsDirectory bool   `json:"is_directory"`
	Size        int64  `json:"size"`
	Hash        string `json:"hash"`
	FullPath    string `json:"full_path"`
}

// DecodeTransfersClient decodes the script's output (socket.io-client
// 2.x) as DecodeClientOutput does.
func DecodeTransfersClient(t testing.TB, out []byte) *TransfersClient {
	t.Helper()
	var r TransfersClient
	DecodeClientOutput(t, out, "2.", &r)
	return &r
}

// CheckTransfer checks the transfer from destination from (of member
// sender) to destination to: the answer to POST /transfers, the three
// events, B's copy, A's log entry and that no event went to the wrong
// member. It returns the transfer's id.
func (r *TransfersClient) CheckTransfer(t testing.TB, from, to, sender string) (id string) {
	t.Helper()
	id, _ = r.Answer["transfer_id"].(string)
	if r.Answer["result"] != "Document sent." || len(id) != 36 {
		t.Fatalf("POST /transfers answered %v", r.Answer)
	}
	for name, ev := range map[string]map[string]any{"document_sent": r.Sent, "document_received": r.Received, "transfer_acknowledgement": r.Ack} {
		if ev["transferId"] != id || ev["id"] != nil || ev["from"] != from || ev["to"] != to || ev["hash"] != r.Hash {
			t.Errorf("%s: %v", name, ev)
		}
	}
	if r.Sent["status"] != "sent" || r.Sent["document"] != "/from-node/report.pdf" {
		t.Errorf("document_sent %v", r.Sent)
	}
	if r.Received["status"] != "received" || r.Received["document"] != "/received/"+sender+"/docs/report.pdf" {
		t.Errorf("document_received %v", r.Received)
	}
	if r.Ack["status"] != "received" || r.Ack["recipientSignature"] == nil {
		t.Fatalf("transfer_acknowledgement %v", r.Ack)
	}
	if r.Download != r.Hash {
		t.Errorf("the received copy hashes to %s, the upload to %s", r.Download, r.Hash)
	}
	if r.Log["id"] != id || r.Log["status"] != "received" {
		t.Errorf("sender's log entry %v", r.Log)
	}
	if len(r.Others) != 0 {
		t.Errorf("events the other member should not see: %v", r.Others)
	}
	return id
}
