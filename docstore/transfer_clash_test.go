package docstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/storage/storagetest/stores"
)

// TestTransferSenderClash is issue 18's "received documents overwrite
// each other across senders". Before: with the default template
// /received/${recipient_destination}, carol's contract.txt silently
// replaced the one alice had delivered to bob (1 document left at
// /received/docs/contract.txt, holding carol's bytes; no word in either
// record). Now both are kept, the record says so, the same sender may
// deliver a new version, the default template has a folder per sender,
// and a preference opts into overwriting.
func TestTransferSenderClash(t *testing.T) {
	alice, bob, carol := app2apptest.RandomID("alice"), app2apptest.RandomID("bob"), app2apptest.RandomID("carol")
	net := newNet(t, app2apptest.Embedded(t), alice, bob, carol)
	a := net.newNode(t, alice, stores.Local(t), nil)
	b := net.newNode(t, bob, stores.Local(t), nil)
	c := net.newNode(t, carol, stores.Local(t), nil)
	ctx := context.Background()
	deliver := func(from *tnode, content string) docstore.Transfer {
		t.Helper()
		from.put(t, "/out/contract.txt", strings.NewReader(content))
		sent := from.send(t, b, "/out/contract.txt")
		if got := from.wait(t, sent.ID); got.Status != docstore.StatusReceived {
			t.Fatalf("sender's record: %+v", got)
		}
		return b.wait(t, sent.ID)
	}
	read := func(p string) string {
		t.Helper()
		return string(readDoc(t, b.sp, p))
	}

	// The default template files each sender's documents apart.
	ra, rc := deliver(a, "alice v1"), deliver(c, "carol v1")
	if ra.Document != a.received("contract.txt") || rc.Document != c.received("contract.txt") || ra.Note != "" || rc.Note != "" {
		t.Fatalf("default template: alice's at %s (%q), carol's at %s (%q)", ra.Document, ra.Note, rc.Document, rc.Note)
	}

	// The old template, one folder for all senders: the attack.
	if err := b.sp.SetPreference(ctx, docstore.PrefReceivedDocumentsPath, "/received/${recipient_destination}"); err != nil {
		t.Fatal(err)
	}
	ra = deliver(a, "alice v1")
	rc = deliver(c, "carol v1")
	if ra.Document != "/received/docs/contract.txt" || rc.Document != "/received/docs/contract (2).txt" {
		t.Fatalf("shared folder: alice's at %s, carol's at %s; want contract.txt and contract (2).txt", ra.Document, rc.Document)
	}
	if !strings.Contains(rc.Note, "another sender") || !strings.Contains(rc.Note, "/received/docs/contract (2).txt") {
		t.Errorf("carol's record does not say it was renamed: %q", rc.Note)
	}
	if got := read("/received/docs/contract.txt"); got != "alice v1" {
		t.Fatalf("alice's document now holds %q", got)
	}
	if got := read("/received/docs/contract (2).txt"); got != "carol v1" {
		t.Fatalf("carol's document holds %q", got)
	}
	if l, err := b.tf.List(ctx, bob, 0, 100); err != nil || !hasNote(l, rc.ID) {
		t.Errorf("the transfer log does not carry the note: %v", err)
	}
	if ev := b.ev.waitEvents(t, rc.ID, 1); ev[0].tr.Note == "" || ev[0].tr.Document != rc.Document {
		t.Errorf("document_received event: %+v", ev[0].tr)
	}

	// The same sender delivers a new version: it replaces its own.
	ra = deliver(a, "alice v2")
	if ra.Document != "/received/docs/contract.txt" || ra.Note != "" || read(ra.Document) != "alice v2" {
		t.Fatalf("alice's new version at %s (%q) holds %q", ra.Document, ra.Note, read(ra.Document))
	}
	// Carol again: her earlier copy is not at contract.txt, so a third name.
	rc = deliver(c, "carol v2")
	if rc.Document != "/received/docs/contract (3).txt" || read("/received/docs/contract.txt") != "alice v2" {
		t.Fatalf("carol's second delivery at %s; contract.txt holds %q", rc.Document, read("/received/docs/contract.txt"))
	}
	// Bob's own upload at the path is kept too.
	b.put(t, "/received/docs/contract.txt", strings.NewReader("bob's edit"))
	if ra = deliver(a, "alice v3"); ra.Document != "/received/docs/contract (4).txt" || read("/received/docs/contract.txt") != "bob's edit" {
		t.Fatalf("alice's delivery over bob's edit at %s", ra.Document)
	}

	// Opting into overwrite brings back the old placement.
	if err := b.sp.SetPreference(ctx, docstore.PrefReceivedDocumentsOverwrite, "true"); err != nil {
		t.Fatal(err)
	}
	if rc = deliver(c, "carol v3"); rc.Document != "/received/docs/contract.txt" || rc.Note != "" || read(rc.Document) != "carol v3" {
		t.Fatalf("with overwrite: carol's at %s (%q)", rc.Document, rc.Note)
	}
	if err := b.sp.SetPreference(ctx, docstore.PrefReceivedDocumentsOverwrite, "yes"); err == nil {
		t.Fatal(`receivedDocumentsOverwrite "yes" accepted`)
	}
	if p, _ := b.sp.Preferences(ctx); !p.ReceivedDocumentsOverwrite {
		t.Fatal("a refused preference changed the setting")
	}
}

func hasNote(l []docstore.Transfer, id string) bool {
	for _, tr := range l {
		if tr.ID == id {
			return tr.Note != ""
		}
	}
	return false
}
