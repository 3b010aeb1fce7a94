package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/internal/testenv"
)

// TestServeOnRealServers runs a member node as `consign serve` would, from
// a YAML file, against the real geth, Kafka and S3 of `make testenv`: it
// becomes ready, stores a document in S3, and publishes a new destination
// on chain with its keystore key.
func TestServeOnRealServers(t *testing.T) {
	s3URL := testenv.Get(t, testenv.S3Endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rc := newRealChain(t, ctx)
	env, member := rc.env, "m"+randomHex(5)
	nodeKey := rc.member(t, ctx, member, "Serve Test Org")
	cfg := rc.nodeConfig(t, t.TempDir(), member, nodeKey, fmt.Sprintf(
		"  kind: s3\n  s3: {endpoint: %q, region: %q, bucket: %q, access_key: %q, secret_key: %q, path_style: true}",
		s3URL, testenv.Get(t, testenv.S3Region), "serve-"+randomHex(5),
		testenv.Get(t, testenv.S3AccessKey), testenv.Get(t, testenv.S3SecretKey)))

	// The bucket must exist: a node does not create it.
	n, err := buildNode(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err == nil {
		n.close()
		t.Fatal("serve started against a bucket that does not exist")
	}
	if !strings.Contains(err.Error(), "storage") {
		t.Fatalf("error should name the storage part: %v", err)
	}
	createBucket(t, ctx, cfg)

	n, err = buildNode(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go n.web.Serve(ln)
	defer n.web.Shutdown(context.Background())
	base := "http://" + ln.Addr().String()

	if code, body := get(t, base+"/readyz", "", ""); code != 200 {
		t.Fatalf("readyz: %d %s", code, body)
	}
	user, password, err := n.creds.Create(ctx, env, member)
	if err != nil {
		t.Fatal(err)
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("document", "a.txt")
	fw.Write([]byte("stored in S3\n"))
	mw.Close()
	req, _ := http.NewRequest("PUT", base+"/api/v1/documents/a/b.txt", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, got := get(t, base+"/api/v1/documents/a/b.txt", user, password); resp.StatusCode != 200 || code != 200 || got != "stored in S3\n" {
		t.Fatalf("upload %d, download %d %q", resp.StatusCode, code, got)
	}

	req, _ = http.NewRequest("POST", base+"/api/v1/destinations", strings.NewReader(`{"name":"inbox","kind":"app2app"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(user, password)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var dest struct {
		URI     string `json:"uri"`
		Managed bool   `json:"managed"`
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || json.Unmarshal(raw, &dest) != nil || !dest.Managed {
		t.Fatalf("create destination: %d %s", resp.StatusCode, raw)
	}
	code, got := get(t, base+"/api/v1/registry/destinations?uri="+url.QueryEscape(dest.URI), user, password)
	if code != 200 || !strings.Contains(got, `"managed":true`) || !strings.Contains(got, "BEGIN CERTIFICATE") {
		t.Fatalf("published destination: %d %s", code, got)
	}

	// A transfer between two document-store destinations created through
	// the API, over Kafka, with the transfer hash pinned on geth.
	send := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(user, password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var uris []string
	for _, name := range []string{"outgoing", "incoming"} {
		code, reply := send("POST", "/api/v1/destinations", `{"name":"`+name+`","kind":"documentstore"}`)
		var d struct{ URI string }
		if code != 200 || json.Unmarshal([]byte(reply), &d) != nil {
			t.Fatalf("create %s: %d %s", name, code, reply)
		}
		uris = append(uris, d.URI)
	}
	code, reply := send("POST", "/api/v1/transfers", fmt.Sprintf(`{"from":%q,"to":%q,"document":"/a/b.txt"}`, uris[0], uris[1]))
	if code != 200 {
		t.Fatalf("transfer: %d %s", code, reply)
	}
	// Sender and recipient are the same member here, so its log holds the
	// outgoing record and, once received, the incoming one.
	var rec struct{ Document, Status, TransferHash, RecipientSignature, Error string }
	for deadline := time.Now().Add(2 * time.Minute); ; { // only so a broken transfer fails instead of hanging
		_, list := send("GET", "/api/v1/transfers", "")
		var got struct{ Transfers []json.RawMessage }
		json.Unmarshal([]byte(list), &got)
		done := false
		for _, raw := range got.Transfers {
			json.Unmarshal(raw, &rec)
			if rec.Document == "/a/b.txt" && rec.Status != "sent" {
				done = true
				break
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("transfer not acknowledged: %s", list)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rec.Status != "received" || rec.RecipientSignature == "" {
		t.Fatalf("transfer ended %+v", rec)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		code, pin := get(t, base+"/api/v1/pins/"+rec.TransferHash, user, password)
		if code == 200 && strings.Contains(pin, rec.TransferHash) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("transfer hash not pinned on geth: %d %s", code, pin)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
