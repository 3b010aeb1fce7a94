package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path"
	"sync"
	"time"

	"github.com/consign/consign/crypto"
)

// twoNodes starts sender a and recipient b, each on a fresh bucket of the
// private S3 server, with a documentstore destination "docs" each.
func (h *harness) twoNodes(ctx context.Context, tag string) (a, b *nodeProc, from, to string, err error) {
	for i, org := range []string{"Alpha Trading", "Beta Shipping"} {
		bk, err := h.bucket(ctx, "chaos-"+tag)
		if err != nil {
			return nil, nil, "", "", err
		}
		n, err := h.newNode(ctx, tag+string(rune('a'+i)), org, h.s3YAML(h.o.s3, bk), "")
		if err != nil {
			return nil, nil, "", "", err
		}
		if i == 0 {
			a = n
		} else {
			b = n
		}
	}
	from, to, err = destinationPair(ctx, a, b, "docs", "documentstore")
	return
}

type doc struct {
	path string
	seed uint64
	size int64
	hash string
}

// uploadAll uploads docs to n, retrying each until the node answers 200.
func uploadAll(ctx context.Context, n *nodeProc, docs []doc) error {
	for _, d := range docs {
		err := poll(ctx, 5*time.Minute, "upload "+d.path, func() (bool, string) {
			code, b, err := n.upload(ctx, d.path, d.seed, d.size)
			if err != nil {
				return false, err.Error()
			}
			return code == 200, fmt.Sprintf("%d %s", code, b)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// postTransfer asks a to send document from → to and returns the id,
// retrying while the node is away.
func postTransfer(ctx context.Context, a *nodeProc, from, to, document string) (string, error) {
	var id string
	err := poll(ctx, 5*time.Minute, "POST /transfers "+document, func() (bool, string) {
		code, b, err := a.call(ctx, "POST", "/api/v1/transfers", map[string]string{"from": from, "to": to, "document": document})
		if err != nil {
			return false, err.Error()
		}
		var r struct {
			TransferID string `json:"transfer_id"`
		}
		if code != 200 || jsonUnmarshal(b, &r) != nil || r.TransferID == "" {
			return false, fmt.Sprintf("%d %s", code, b)
		}
		id = r.TransferID
		return true, ""
	})
	return id, err
}

// runR1: transfers from a to b while a killer SIGKILLs and restarts one
// node or the other at random moments. The killer never fires while a
// POST /transfers is in flight (a lost answer would leave a transfer the
// driver cannot name), so every transfer the driver made is known by id.
func runR1(ctx context.Context, h *harness) (*Result, error) {
	res := newResult("r1")
	n, maxSize, minKills := 100, int64(64<<20), 10
	if h.o.short {
		n, maxSize, minKills = 10, 4<<20, 3
	}
	a, b, from, to, err := h.twoNodes(ctx, "r1")
	if err != nil {
		return res, err
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	docs := make([]doc, n)
	var total int64
	for i := range docs {
		d := doc{path: fmt.Sprintf("/r1/doc-%03d.bin", i), seed: rng.Uint64(), size: logUniform(rng, 1<<10, maxSize)}
		if i == 0 {
			d.size = maxSize // the largest size always occurs
		}
		d.hash = contentHash(d.seed, d.size)
		docs[i] = d
		total += d.size
	}
	res.set("transfers", n)
	res.set("bytes", total)
	res.set("size_max", maxSize)
	if err := uploadAll(ctx, a, docs); err != nil {
		return res, err
	}

	var gate sync.RWMutex // POSTs hold it shared, the killer exclusively
	stopKill := make(chan struct{})
	killerDone := make(chan error, 1)
	kills := map[string]int{}
	go func() {
		killerDone <- func() error {
			for {
				select {
				case <-stopKill:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Duration(500+rng.IntN(4000)) * time.Millisecond):
				}
				victim := a
				if rng.IntN(2) == 1 {
					victim = b
				}
				gate.Lock()
				victim.kill()
				kills[victim.name]++
				time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
				err := victim.start(ctx)
				gate.Unlock()
				if err != nil {
					return err
				}
			}
		}()
	}()
	ids := make(map[string]doc, n)
	for _, d := range docs {
		gate.RLock()
		id, err := postTransfer(ctx, a, from, to, d.path)
		gate.RUnlock()
		if err != nil {
			close(stopKill)
			<-killerDone
			return res, err
		}
		ids[id] = d
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
	}
	// Keep killing until the minimum number of kills happened and some
	// transfers are still on their way, then let the nodes settle.
	_ = poll(ctx, 10*time.Minute, "enough kills", func() (bool, string) {
		gate.RLock()
		k := kills["r1a"] + kills["r1b"]
		gate.RUnlock()
		return k >= minKills, fmt.Sprint(k, " kills")
	})
	close(stopKill)
	if err := <-killerDone; err != nil {
		return res, fmt.Errorf("restart: %w", err)
	}
	res.set("kills_sender", kills["r1a"])
	res.set("kills_recipient", kills["r1b"])

	settle := 30 * time.Minute
	if h.o.short {
		settle = 3 * time.Minute
	}
	t0 := time.Now()
	sent, err := a.awaitEnded(ctx, settle, "every transfer to end", ids, n)
	res.set("settle_seconds", time.Since(t0).Round(time.Second).Seconds())
	if err != nil {
		res.check(false, "%v", err)
	}
	checkDelivery(ctx, res, a, b, to, ids, sent)
	return res, nil
}

// checkDelivery checks, after a run: every transfer of ids is received
// exactly once at the sender with a recipient signature that verifies
// against the registry, the recipient lists it once and holds exactly one
// intact copy of each document.
func checkDelivery(ctx context.Context, res *Result, a, b *nodeProc, to string, ids map[string]doc, sent []transferRecord) {
	certPEM, err := a.certificatePEM(ctx, to)
	if err != nil {
		res.check(false, "%v", err)
		return
	}
	cert, err := crypto.ParseCertificatePEM(certPEM)
	if err != nil {
		res.check(false, "recipient certificate: %v", err)
		return
	}
	seen := map[string]int{}
	received, failed, badSig := 0, 0, 0
	for _, r := range sent {
		d, ok := ids[r.ID]
		if !ok {
			continue
		}
		seen[r.ID]++
		switch r.Status {
		case "received":
			received++
			if r.TransferHash != crypto.TransferHash(r.From, r.To, r.Hash, r.Timestamp) || r.Hash != d.hash ||
				crypto.VerifyTransferHash(cert, r.TransferHash, r.RecipientSignature, time.Now()) != nil {
				badSig++
			}
		case "failed":
			failed++
			res.note("transfer %s (%s) failed: %s", r.ID, d.path, r.Error)
		}
	}
	dupSender := 0
	for _, c := range seen {
		if c > 1 {
			dupSender += c - 1
		}
	}
	res.set("received_at_sender", received)
	res.set("failed", failed)
	res.set("receipts_verified", received-badSig)
	res.set("duplicate_records_sender", dupSender)
	res.check(received == len(ids), "%d of %d received", received, len(ids))
	res.check(badSig == 0, "%d receipts do not verify", badSig)
	res.check(dupSender == 0 && len(seen) == len(ids), "sender lists %d of %d transfers, %d twice", len(seen), len(ids), dupSender)

	got, err := b.transfers(ctx)
	if err != nil {
		res.check(false, "%v", err)
		return
	}
	inb := map[string]int{}
	placed := map[string]string{}
	for _, r := range got {
		if _, ok := ids[r.ID]; ok {
			inb[r.ID]++
			if r.Status == "received" {
				placed[r.ID] = r.Document
			}
		}
	}
	dupRecipient := 0
	for _, c := range inb {
		if c > 1 {
			dupRecipient += c - 1
		}
	}
	res.set("received_at_recipient", len(placed))
	res.set("duplicate_records_recipient", dupRecipient)
	res.check(len(placed) == len(ids) && dupRecipient == 0, "recipient holds %d of %d transfers received, %d listed twice", len(placed), len(ids), dupRecipient)

	// The received folder holds one copy per transfer, each intact.
	dirs := map[string]bool{}
	intact, corrupt := 0, 0
	for id, p := range placed {
		dirs[path.Dir(p)] = true
		code, sum, _, _, err := b.download(ctx, p)
		if err == nil && code == 200 && sum == ids[id].hash {
			intact++
		} else {
			corrupt++
			res.note("received copy %s of %s: %d %v hash %s want %s", p, id, code, err, sum, ids[id].hash)
		}
	}
	listed := 0
	for dir := range dirs {
		es, _, err := b.list(ctx, dir)
		if err != nil {
			res.check(false, "%v", err)
			continue
		}
		want := map[string]bool{}
		for _, p := range placed {
			want[p] = true
		}
		for _, e := range es {
			if !e.IsDirectory {
				listed++
				if p := path.Join(dir, e.Name); !want[p] {
					res.note("recipient holds %s (size %d, hash %q), which no transfer record names", p, e.Size, e.Hash)
				}
			}
		}
	}
	res.set("intact_copies", intact)
	res.set("documents_listed_at_recipient", listed)
	res.set("duplicate_documents_recipient", listed-len(placed))
	res.check(corrupt == 0, "%d received copies missing or corrupt", corrupt)
	res.check(listed == len(placed), "recipient lists %d documents for %d transfers", listed, len(placed))
}
