package main

import (
	"bytes"
	"context"
	stdcrypto "crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/chain"
	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/messaging"
)

func newUUID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func signLines(k stdcrypto.Signer, lines ...string) string {
	sig, err := crypto.Sign(k, []byte(strings.Join(lines, "\n")))
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// inboxRecords reads node's whole inbox topic from the start.
func inboxRecords(ctx context.Context, brokers, node string) ([]*kgo.Record, error) {
	topic, err := messaging.InboxTopic(node)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(64<<20))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []*kgo.Record
	deadline := time.Now().Add(time.Minute)
	for {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		fs := cl.PollFetches(pctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r); n++ })
		if n == 0 && (len(out) > 0 || time.Now().After(deadline)) {
			return out, nil
		}
	}
}

func recHeader(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// relabel copies r as a message to topic with the headers changed as set says.
func relabel(r *kgo.Record, key string, set map[string]string, value []byte) messaging.Message {
	m := messaging.Message{Topic: r.Topic, Key: key, Value: r.Value}
	if value != nil {
		m.Value = value
	}
	for _, h := range r.Headers {
		v := h.Value
		if nv, ok := set[h.Key]; ok {
			v = []byte(nv)
		}
		m.Headers = append(m.Headers, messaging.Header{Key: h.Key, Value: v})
	}
	return m
}

// runForged writes, straight into the nodes' Kafka inboxes, records that
// anyone who can reach the broker could write: receipts and resend
// requests unsigned, signed by a key outside the registry, or by a
// registered member that is not the recipient; manifests replayed or
// altered; shards of one transfer relabelled as another's. Each must be
// refused (the node counts forged records on /debug/vars) and change
// nothing: the transfer they aim at still ends received, once, intact.
func runForged(ctx context.Context, h *harness) (*Result, error) {
	res := newResult("forged")
	a, err := h.newNode(ctx, "fga", "Alpha Trading", "  kind: local", "")
	if err != nil {
		return res, err
	}
	b, err := h.newNode(ctx, "fgb", "Beta Shipping", "  kind: local", "")
	if err != nil {
		return res, err
	}
	from, to, err := destinationPair(ctx, a, b, "docs", "documentstore")
	if err != nil {
		return res, err
	}
	// Carol: a registered member with a published destination whose key
	// the driver holds; she is never the recipient.
	carolName := "c" + randomHex(5)
	carolOwner, err := h.chain.member(ctx, carolName, "Carol Freight")
	if err != nil {
		return res, err
	}
	tu, _ := destination.Parse(to)
	cu := tu
	cu.Member, cu.Name = carolName, "docs"
	carolKey, carolCert, err := crypto.GenerateDestination(app2app.RequiredCN(cu), crypto.P256)
	if err != nil {
		return res, err
	}
	creg, err := chain.NewRegistry(ctx, h.chain.client, chain.NewKeySigner(carolOwner), chain.RegistryConfig{
		Address: h.chain.addrs.Registry, EnvironmentID: h.chain.env})
	if err != nil {
		return res, err
	}
	defer creg.Close()
	if _, err := creg.PublishDestination(ctx, cu, crypto.MarshalCertificatePEM(carolCert)); err != nil {
		return res, fmt.Errorf("publish carol's destination: %w", err)
	}
	carol := cu.String()
	stranger, err := crypto.GenerateKey(crypto.P256)
	if err != nil {
		return res, err
	}
	tr, err := newKafkaSender(h.o.kafka)
	if err != nil {
		return res, err
	}
	defer tr.Close()

	// X: a genuine transfer, received; its records stay in b's inbox.
	x := doc{path: "/forged/x.bin", seed: 11, size: 1 << 20}
	x.hash = contentHash(x.seed, x.size)
	y := doc{path: "/forged/y.bin", seed: 12, size: 700 << 10}
	y.hash = contentHash(y.seed, y.size)
	if err := uploadAll(ctx, a, []doc{x, y}); err != nil {
		return res, err
	}
	xid, err := postTransfer(ctx, a, from, to, x.path)
	if err != nil {
		return res, err
	}
	if _, err := waitTransfer(ctx, a, xid, "received"); err != nil {
		return res, err
	}
	// Y: held in flight while b is down, so its receipt cannot come yet.
	b.kill()
	yid, err := postTransfer(ctx, a, from, to, y.path)
	if err != nil {
		return res, err
	}
	var th string
	err = poll(ctx, 3*time.Minute, "the transfer hash of "+yid, func() (bool, string) {
		r, err := waitTransfer(ctx, a, yid, "sent")
		th = r.TransferHash
		return err == nil && th != "", fmt.Sprint(err)
	})
	if err != nil {
		return res, err
	}

	failed := func(sig, by string) map[string]any {
		v := map[string]any{"v": 1, "id": yid, "attempt": 1, "status": "failed", "from": from, "to": by, "error": "forged: refused"}
		if sig != "" {
			v["signature"] = sig
		}
		return v
	}
	failLines := func(by string) []string {
		return []string{"consign/v1 transfer failed", yid, "1", from, by, "forged: refused"}
	}
	received := func(k stdcrypto.Signer, by string) map[string]any {
		sig, _ := crypto.SignTransferHash(k, th)
		return map[string]any{"v": 1, "id": yid, "attempt": 1, "status": "received", "from": from, "to": by,
			"hash": y.hash, "transferHash": th, "recipientSignature": sig}
	}
	resend := func(sig string) map[string]any {
		v := map[string]any{"v": 1, "id": yid, "attempt": 1, "from": from, "to": to, "reason": "forged: send again"}
		if sig != "" {
			v["signature"] = sig
		}
		return v
	}
	resendLines := []string{"consign/v1 transfer resend", yid, "1", from, to, "forged: send again"}
	toSender := []struct {
		name, kind string
		v          map[string]any
	}{
		{"unsigned failed status", "receipt", failed("", to)},
		{"failed status signed by a key outside the registry", "receipt", failed(signLines(stranger, failLines(to)...), to)},
		{"failed status signed by a member that is not the recipient", "receipt", failed(signLines(carolKey, failLines(to)...), to)},
		{"failed status with a garbage signature", "receipt", failed(base64.StdEncoding.EncodeToString([]byte("garbage")), to)},
		{"received receipt signed by a member that is not the recipient", "receipt", received(carolKey, to)},
		{"received receipt from a member that is not the recipient, in its own name", "receipt", received(carolKey, carol)},
		{"received receipt signed by a key outside the registry", "receipt", received(stranger, to)},
		{"unsigned resend request", "resend", resend("")},
		{"resend request signed by a member that is not the recipient", "resend", resend(signLines(carolKey, resendLines...))},
		{"resend request signed by a key outside the registry", "resend", resend(signLines(stranger, resendLines...))},
	}
	before, err := a.vars(ctx)
	if err != nil {
		return res, fmt.Errorf("sender /debug/vars: %w", err)
	}
	// Each forgery is followed by a barrier the node counts in the other
	// counter (records keyed by the transfer id share a partition and are
	// handled in order): once the barrier is counted, the forgery was
	// handled, and the forgery's own counter says whether it was counted.
	barrierReceipt := failed("", to)
	barrierResend := resend("")
	refusedSender, changed, countedSender, barriers := 0, 0, 0, 0
	prev := before
	for _, f := range toSender {
		if err := tr.sendJSON(ctx, a.member, f.kind, yid, f.v); err != nil {
			return res, err
		}
		bkind, bv := "resend", barrierResend
		if f.kind == "resend" {
			bkind, bv = "receipt", barrierReceipt
		}
		if err := tr.sendJSON(ctx, a.member, bkind, yid, bv); err != nil {
			return res, err
		}
		barriers++
		var now nodeVars
		err := poll(ctx, time.Minute, f.name+" to be handled", func() (bool, string) {
			v, err := a.vars(ctx)
			if err != nil {
				return false, err.Error()
			}
			now = v
			if bkind == "resend" {
				return v.Transfers.ForgedResends > prev.Transfers.ForgedResends, "barrier not handled yet"
			}
			return v.Transfers.ForgedReceipts > prev.Transfers.ForgedReceipts, "barrier not handled yet"
		})
		counted := false
		if f.kind == "receipt" {
			counted = now.Transfers.ForgedReceipts > prev.Transfers.ForgedReceipts
		} else {
			counted = now.Transfers.ForgedResends > prev.Transfers.ForgedResends
		}
		prev = now
		rec, gerr := waitTransfer(ctx, a, yid, "")
		unchanged := gerr == nil && rec.Status == "sent" && rec.Error == "" && rec.RecipientSignature == ""
		switch {
		case err == nil && unchanged:
			refusedSender++
		default:
			res.note("%s: handled %v, record %s %q", f.name, err == nil, rec.Status, rec.Error)
		}
		if counted {
			countedSender++
		} else {
			res.note("not counted as forged (dropped without a count): %s", f.name)
		}
		if !unchanged {
			changed++
		}
	}
	after, _ := a.vars(ctx)

	// To the recipient's inbox, while it is down: manifests replayed and
	// altered, and the shards of X relabelled as other transfers'.
	recs, err := inboxRecords(ctx, h.o.kafka, b.member)
	if err != nil {
		return res, err
	}
	var xManifest *kgo.Record
	var xShards []*kgo.Record
	for _, r := range recs {
		if recHeader(r, "consign-transfer") != xid && !strings.HasPrefix(recHeader(r, messaging.HeaderID), xid+"/") {
			continue
		}
		switch recHeader(r, messaging.HeaderKind) {
		case "manifest":
			xManifest = r
		case "shard":
			if recHeader(r, "consign-attempt") == "1" {
				xShards = append(xShards, r)
			}
		}
	}
	if xManifest == nil || len(xShards) == 0 {
		return res, fmt.Errorf("transfer %s: found %d shards and manifest %v in %s's inbox (%d records)", xid, len(xShards), xManifest != nil, b.member, len(recs))
	}
	var xm map[string]any
	if err := json.Unmarshal(xManifest.Value, &xm); err != nil {
		return res, err
	}
	altered := func(change map[string]any) []byte {
		m := map[string]any{}
		for k, v := range xm {
			m[k] = v
		}
		for k, v := range change {
			m[k] = v
		}
		out, _ := json.Marshal(m)
		return out
	}
	z1, z2 := newUUID(), newUUID()
	recordID := func(id string, attempt int, kind string, i int) string {
		return id + "/" + strconv.Itoa(attempt) + "/" + kind + "/" + strconv.Itoa(i)
	}
	var toRecipient []struct {
		name   string
		forged int // how many manifests the node must count as forged
		msgs   []messaging.Message
	}
	add := func(name string, forged int, msgs ...messaging.Message) {
		toRecipient = append(toRecipient, struct {
			name   string
			forged int
			msgs   []messaging.Message
		}{name, forged, msgs})
	}
	add("manifest replayed as it was", 0, relabel(xManifest, string(xManifest.Key), map[string]string{
		messaging.HeaderID: recHeader(xManifest, messaging.HeaderID) + "-replay"}, nil))
	add("manifest replayed with another attempt number", 1, relabel(xManifest, string(xManifest.Key), map[string]string{
		"consign-attempt": "9", messaging.HeaderID: recordID(xid, 9, "manifest", 0)}, altered(map[string]any{"attempt": 9})))
	add("manifest replayed under another transfer id", 1, relabel(xManifest, z1, map[string]string{
		"consign-transfer": z1, messaging.HeaderID: recordID(z1, 1, "manifest", 0)}, altered(map[string]any{"id": z1})))
	var shardsZ2 []messaging.Message
	for i, s := range xShards {
		shardsZ2 = append(shardsZ2, relabel(s, z2, map[string]string{"consign-transfer": z2, messaging.HeaderID: recordID(z2, 1, "shard", i)}, nil))
	}
	shardsZ2 = append(shardsZ2, relabel(xManifest, z2, map[string]string{"consign-transfer": z2,
		messaging.HeaderID: recordID(z2, 1, "manifest", 0)}, altered(map[string]any{"id": z2})))
	add("shards of another transfer under a new transfer id, with its manifest", 1, shardsZ2...)
	var shardsY []messaging.Message
	for i, s := range xShards {
		shardsY = append(shardsY, relabel(s, yid, map[string]string{"consign-transfer": yid, "consign-attempt": "50",
			messaging.HeaderID: recordID(yid, 50, "shard", i)}, nil))
	}
	shardsY = append(shardsY, relabel(xManifest, yid, map[string]string{"consign-transfer": yid, "consign-attempt": "50",
		messaging.HeaderID: recordID(yid, 50, "manifest", 0)}, altered(map[string]any{"id": yid, "attempt": 50})))
	add("shards of another transfer relabelled as the transfer in flight, with its manifest", 1, shardsY...)
	wantForgedB := 0
	for _, f := range toRecipient {
		if err := tr.Send(ctx, f.msgs...); err != nil {
			return res, err
		}
		wantForgedB += f.forged
	}
	if err := b.start(ctx); err != nil {
		return res, err
	}
	final, err := waitTransfer(ctx, a, yid, "received")
	if err != nil {
		res.check(false, "the transfer in flight did not end received after the forgeries: %v", err)
	}
	var bv nodeVars
	perr := poll(ctx, time.Minute, "recipient to count the forged manifests", func() (bool, string) {
		v, err := b.vars(ctx)
		if err != nil {
			return false, err.Error()
		}
		bv = v
		return v.Transfers.ForgedManifests >= uint64(wantForgedB), fmt.Sprint(v.Transfers.ForgedManifests, " forged manifests")
	})
	time.Sleep(3 * time.Second) // let anything late land before the final look
	bv, _ = b.vars(ctx)

	// Nothing changed at the recipient: X and Y once each, intact, no Z.
	got, err := b.transfers(ctx)
	if err != nil {
		return res, err
	}
	count := map[string]int{}
	placed := map[string]string{}
	for _, r := range got {
		count[r.ID]++
		if r.Status == "received" {
			placed[r.ID] = r.Document
		}
	}
	intact := 0
	for id, d := range map[string]doc{xid: x, yid: y} {
		if p, ok := placed[id]; ok {
			if code, sum, _, _, err := b.download(ctx, p); err == nil && code == 200 && sum == d.hash {
				intact++
			}
		}
	}
	recipientOK := len(got) == 2 && count[xid] == 1 && count[yid] == 1 && count[z1] == 0 && count[z2] == 0 && intact == 2
	refusedRecipient := 0
	if recipientOK && perr == nil && bv.Transfers.ForgedManifests == uint64(wantForgedB) {
		refusedRecipient = len(toRecipient)
	} else {
		res.note("recipient: records %v, intact %d, forged manifests %d (want %d), %v", count, intact, bv.Transfers.ForgedManifests, wantForgedB, perr)
	}
	sigOK := false
	if cp, err := a.certificatePEM(ctx, to); err == nil {
		if cert, err := crypto.ParseCertificatePEM(cp); err == nil {
			sigOK = crypto.VerifyTransferHash(cert, final.TransferHash, final.RecipientSignature, time.Now()) == nil
		}
	}
	total := len(toSender) + len(toRecipient)
	res.set("forged_inputs", total)
	res.set("refused", refusedSender+refusedRecipient)
	res.set("refused_percent", fmt.Sprintf("%.1f", 100*float64(refusedSender+refusedRecipient)/float64(total)))
	res.set("sender_forgeries_counted", fmt.Sprintf("%d of %d", countedSender, len(toSender)))
	res.set("sender_forged_counter_total", after.Transfers.ForgedReceipts+after.Transfers.ForgedResends-before.Transfers.ForgedReceipts-before.Transfers.ForgedResends)
	res.set("sender_barriers_sent", barriers)
	res.set("recipient_forged_manifests_counted", bv.Transfers.ForgedManifests)
	res.set("records_changed_by_a_forgery", changed)
	res.set("transfer_in_flight_final_status", final.Status)
	res.set("genuine_receipt_verifies", sigOK)
	res.set("recipient_transfer_records", len(got))
	for _, f := range toSender {
		res.note("to the sender: %s", f.name)
	}
	for _, f := range toRecipient {
		res.note("to the recipient: %s (%d records)", f.name, len(f.msgs))
	}
	res.check(refusedSender+refusedRecipient == total, "%d of %d forged inputs refused", refusedSender+refusedRecipient, total)
	res.check(changed == 0, "%d forgeries changed the sender's record", changed)
	res.check(final.Status == "received" && sigOK, "transfer in flight ended %q, receipt verifies %v", final.Status, sigOK)
	return res, nil
}

// waitTransfer waits until a lists transfer id with status want (any
// status when want is empty) and returns the record.
func waitTransfer(ctx context.Context, a *nodeProc, id, want string) (transferRecord, error) {
	var rec transferRecord
	err := poll(ctx, 3*time.Minute, "transfer "+id+" "+want, func() (bool, string) {
		l, err := a.transfers(ctx)
		if err != nil {
			return false, err.Error()
		}
		for _, r := range l {
			if r.ID == id {
				rec = r
				return want == "" || r.Status == want, r.Status + " " + r.Error
			}
		}
		return false, "not listed"
	})
	return rec, err
}

// kafkaSender writes records into node inboxes.
type kafkaSender struct{ cl *kgo.Client }

func newKafkaSender(brokers string) (*kafkaSender, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.ProducerBatchMaxBytes(900<<10), kgo.MaxBufferedBytes(64<<20))
	if err != nil {
		return nil, err
	}
	return &kafkaSender{cl: cl}, nil
}

func (k *kafkaSender) Close() { k.cl.Close() }

func (k *kafkaSender) Send(ctx context.Context, msgs ...messaging.Message) error {
	var rs []*kgo.Record
	for _, m := range msgs {
		r := &kgo.Record{Topic: m.Topic, Key: []byte(m.Key), Value: m.Value}
		for _, h := range m.Headers {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		rs = append(rs, r)
	}
	return k.cl.ProduceSync(ctx, rs...).FirstErr()
}

func (k *kafkaSender) sendJSON(ctx context.Context, node, kind, id string, v any) error {
	topic, err := messaging.InboxTopic(node)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(v)
	return k.Send(ctx, messaging.Message{Topic: topic, Key: id, Value: bytes.Clone(body), Headers: []messaging.Header{
		{Key: messaging.HeaderKind, Value: []byte(kind)},
		{Key: messaging.HeaderFrom, Value: []byte("forger")},
		{Key: messaging.HeaderID, Value: []byte(id + "/forged/" + kind + "/" + strconv.FormatInt(time.Now().UnixNano(), 10))},
	}})
}
