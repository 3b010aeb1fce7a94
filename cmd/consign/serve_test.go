package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/consign/consign/internal/testenv"
)

// TestServeOnRealServers runs a member node as `consign serve` would, from
// a YAML file, against the real geth, Kafka and S3 of `make testenv`: it
// becomes ready, stores a document in S3, and publishes a new destination
// on chain with its keystore key.
func TestServeOnRealServers(t *testing.T) {
	s3URL := testenv.Get(t, testenv.S3Endpoint)
	ctx := testContext(t)
	rc := newRealChain(t, ctx)
	member := "m" + randomHex(5)
	nodeKey := rc.member(t, ctx, member, "Serve Test Org")
	cfg := rc.nodeConfig(t, t.TempDir(), member, nodeKey, fmt.Sprintf(
		"  kind: s3\n  s3: {endpoint: %q, region: %q, bucket: %q, access_key: %q, secret_key: %q, path_style: true}",
		s3URL, testenv.Get(t, testenv.S3Region), "serve-"+randomHex(5),
		testenv.Get(t, testenv.S3AccessKey), testenv.Get(t, testenv.S3SecretKey)))

	// The bucket must exist: a node does not create it.
	bad, err := buildNode(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err == nil {
		bad.close()
		t.Fatal("serve started against a bucket that does not exist")
	}
	if !strings.Contains(err.Error(), "storage") {
		t.Fatalf("error should name the storage part: %v", err)
	}
	createBucket(t, ctx, cfg)

	n := startServeNode(t, ctx, cfg)

	up, _ := upload(t, n.base+"/api/v1/documents/a/b.txt", n.user, n.pass, "a.txt", "stored in S3\n")
	if code, got := get(t, n.base+"/api/v1/documents/a/b.txt", n.user, n.pass); up != 200 || code != 200 || got != "stored in S3\n" {
		t.Fatalf("upload %d, download %d %q", up, code, got)
	}

	code, raw := n.call(t, "POST", "/api/v1/destinations", `{"name":"inbox","kind":"app2app"}`)
	var dest struct {
		URI     string `json:"uri"`
		Managed bool   `json:"managed"`
	}
	if code != 200 || json.Unmarshal(raw, &dest) != nil || !dest.Managed {
		t.Fatalf("create destination: %d %s", code, raw)
	}
	code, raw = n.call(t, "GET", "/api/v1/registry/destinations?uri="+url.QueryEscape(dest.URI), "")
	if code != 200 || !strings.Contains(string(raw), `"managed":true`) || !strings.Contains(string(raw), "BEGIN CERTIFICATE") {
		t.Fatalf("published destination: %d %s", code, raw)
	}

	// A transfer between two document-store destinations created through
	// the API, over Kafka, with the transfer hash pinned on geth.
	from, to := n.destination(t, "outgoing"), n.destination(t, "incoming")
	code, raw = n.call(t, "POST", "/api/v1/transfers", fmt.Sprintf(`{"from":%q,"to":%q,"document":"/a/b.txt"}`, from, to))
	if code != 200 {
		t.Fatalf("transfer: %d %s", code, raw)
	}
	// Sender and recipient are the same member here, so its log holds the
	// outgoing record and, once received, the incoming one.
	type record struct{ Document, Status, TransferHash, RecipientSignature, Error string }
	var rec record
	waitFor(t, ctx, "transfer acknowledged", func() (bool, string) {
		_, list := n.call(t, "GET", "/api/v1/transfers", "")
		var got struct{ Transfers []record } // a fresh record each, none inherits another's fields
		json.Unmarshal(list, &got)
		for _, r := range got.Transfers {
			if r.Document == "/a/b.txt" && r.Status != "sent" {
				rec = r
				return true, ""
			}
		}
		return false, string(list)
	})
	if rec.Status != "received" || rec.RecipientSignature == "" {
		t.Fatalf("transfer ended %+v", rec)
	}
	n.waitPinned(t, ctx, rec.TransferHash)
}
