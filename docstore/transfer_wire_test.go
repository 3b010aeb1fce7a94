package docstore

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
)

const (
	wireFrom = "kld://documentstore/m/alice/e/env1/s/alice-ds/d/docs"
	wireTo   = "kld://documentstore/m/bob/e/env1/s/bob-ds/d/in"
	wireHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	wireTS   = "2026-11-21T03:00:00.000Z"
	wireID   = "0b7c1a52-3f1e-4c2a-9d5e-8a1b2c3d4e5f"
)

func goodManifest() manifest {
	fu, _ := destination.Parse(wireFrom) // constants the tests check
	tu, _ := destination.Parse(wireTo)
	return manifest{fromURI: fu, toURI: tu, V: 1, ID: wireID, Attempt: 1, From: wireFrom, To: wireTo, Name: "report.pdf", Hash: wireHash,
		Size: 1000, Timestamp: wireTS, Shards: 2, SealedSize: 300 << 10,
		TransferHash: crypto.TransferHash(wireFrom, wireTo, wireHash, wireTS), SenderSignature: "c2ln", Signature: "c2ln"}
}

func TestDecodeManifest(t *testing.T) {
	good := goodManifest()
	b, _ := json.Marshal(good)
	m, err := decodeManifest(b)
	if err != nil || !reflect.DeepEqual(*m, good) {
		t.Fatalf("good manifest: %+v, %v", m, err)
	}
	for name, change := range map[string]func(m *manifest){
		"version":               func(m *manifest) { m.V = 2 },
		"id":                    func(m *manifest) { m.ID = "not-a-uuid" },
		"upper-case id":         func(m *manifest) { m.ID = strings.ToUpper(wireID) },
		"attempt 0":             func(m *manifest) { m.Attempt = 0 },
		"negative size":         func(m *manifest) { m.Size = -1 },
		"no shards":             func(m *manifest) { m.Shards = 0 },
		"sealed size too big":   func(m *manifest) { m.SealedSize = 2<<18 + 1 },
		"sealed size too small": func(m *manifest) { m.SealedSize = 256 << 10 },
		"hash":                  func(m *manifest) { m.Hash = strings.ToUpper(wireHash) },
		"timestamp":             func(m *manifest) { m.Timestamp = "a b" },
		"empty timestamp":       func(m *manifest) { m.Timestamp = "" },
		"signature":             func(m *manifest) { m.Signature = "!!" },
		"no sender signature":   func(m *manifest) { m.SenderSignature = "" },
		"from":                  func(m *manifest) { m.From = "kld://x" },
		"to":                    func(m *manifest) { m.To = "" },
		"name with slash":       func(m *manifest) { m.Name = "a/b" },
		"name dot-dot":          func(m *manifest) { m.Name = ".." },
		"name with newline":     func(m *manifest) { m.Name = "a\nb" },
		"empty name":            func(m *manifest) { m.Name = "" },
		"transfer hash":         func(m *manifest) { m.TransferHash = wireHash },
	} {
		m := goodManifest()
		change(&m)
		b, _ := json.Marshal(m)
		if _, err := decodeManifest(b); !errors.Is(err, errWire) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, b := range map[string]string{
		"not JSON":     "manifest",
		"two objects":  string(b) + "{}",
		"array":        "[]",
		"too large":    `{"v":1,"name":"` + strings.Repeat("x", maxWireRecord) + `"}`,
		"wrong type":   `{"v":"1"}`,
		"empty object": `{}`,
	} {
		if _, err := decodeManifest([]byte(b)); !errors.Is(err, errWire) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDecodeReceipt(t *testing.T) {
	th := crypto.TransferHash(wireFrom, wireTo, wireHash, wireTS)
	fu, tu := destination.MustParse(wireFrom), destination.MustParse(wireTo)
	good := receipt{V: 1, ID: wireID, Attempt: 3, Status: "received", From: wireFrom, To: wireTo, Hash: wireHash,
		TransferHash: th, RecipientSignature: "c2ln", fromURI: fu, toURI: tu}
	b, _ := json.Marshal(good)
	if r, err := decodeReceipt(b); err != nil || !reflect.DeepEqual(*r, good) {
		t.Fatalf("good receipt: %+v, %v", r, err)
	}
	failed := receipt{V: 1, ID: wireID, Attempt: 1, Status: "failed", From: wireFrom, To: wireTo, Error: "tampered", Signature: "c2ln",
		fromURI: fu, toURI: tu}
	b, _ = json.Marshal(failed)
	if r, err := decodeReceipt(b); err != nil || !reflect.DeepEqual(*r, failed) {
		t.Fatalf("failed receipt: %+v, %v", r, err)
	}
	for name, change := range map[string]func(r *receipt){
		"status":            func(r *receipt) { r.Status = "sent" },
		"no signature":      func(r *receipt) { r.RecipientSignature = "" },
		"bad hash":          func(r *receipt) { r.Hash = "x" },
		"bad transfer hash": func(r *receipt) { r.TransferHash = "" },
		"attempt":           func(r *receipt) { r.Attempt = -1 },
		"id":                func(r *receipt) { r.ID = "" },
		"from":              func(r *receipt) { r.From = "nope" },
		"bad signature":     func(r *receipt) { r.Signature = "%%" },
		"long error":        func(r *receipt) { r.Error = strings.Repeat("e", maxErrorText+1) },
	} {
		r := good
		change(&r)
		b, _ := json.Marshal(r)
		if _, err := decodeReceipt(b); !errors.Is(err, errWire) {
			t.Errorf("%s: %v", name, err)
		}
	}
	r := failed
	r.Error = ""
	b, _ = json.Marshal(r)
	if _, err := decodeReceipt(b); !errors.Is(err, errWire) {
		t.Errorf("failed receipt without error: %v", err)
	}
}

func TestDecodeResend(t *testing.T) {
	good := resendRequest{V: 1, ID: wireID, Attempt: 2, From: wireFrom, To: wireTo, Reason: "restarted",
		fromURI: destination.MustParse(wireFrom), toURI: destination.MustParse(wireTo)}
	b, _ := json.Marshal(good)
	if r, err := decodeResend(b); err != nil || !reflect.DeepEqual(*r, good) {
		t.Fatalf("good request: %+v, %v", r, err)
	}
	for name, change := range map[string]func(r *resendRequest){
		"version": func(r *resendRequest) { r.V = 0 },
		"attempt": func(r *resendRequest) { r.Attempt = 0 },
		"to":      func(r *resendRequest) { r.To = "x" },
		"reason":  func(r *resendRequest) { r.Reason = strings.Repeat("r", maxErrorText+1) },
	} {
		r := good
		change(&r)
		b, _ := json.Marshal(r)
		if _, err := decodeResend(b); !errors.Is(err, errWire) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestTransferIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newTransferID()
		if !validTransferID(id) || seen[id] || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("id %q", id)
		}
		seen[id] = true
	}
}

// FuzzDecodeManifest feeds arbitrary bytes to the manifest parser: it
// must not panic, and what it accepts must pass its own checks again
// after a round trip.
func FuzzDecodeManifest(f *testing.F) {
	good := goodManifest()
	b, _ := json.Marshal(good)
	f.Add(b)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"id":"` + wireID + `","attempt":1,"shards":1,"sealedSize":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeManifest(data)
		if err != nil {
			if !errors.Is(err, errWire) {
				t.Fatalf("error not wrapping errWire: %v", err)
			}
			return
		}
		again, _ := json.Marshal(m)
		m2, err := decodeManifest(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %v", err)
		}
		if strings.ContainsAny(string(m.statement()[len("consign/v1 transfer manifest\n"):]), "\r") {
			t.Fatalf("statement holds a carriage return")
		}
		if strings.Count(string(m.statement()), "\n") != 10 {
			t.Fatalf("statement of %q has an ambiguous line structure", m.statement())
		}
	})
}

// FuzzDecodeReceipt does the same for receipts and resend requests.
func FuzzDecodeReceipt(f *testing.F) {
	th := crypto.TransferHash(wireFrom, wireTo, wireHash, wireTS)
	for _, v := range []any{
		receipt{V: 1, ID: wireID, Attempt: 1, Status: "received", From: wireFrom, To: wireTo, Hash: wireHash, TransferHash: th, RecipientSignature: "c2ln"},
		receipt{V: 1, ID: wireID, Attempt: 1, Status: "failed", From: wireFrom, To: wireTo, Error: "x"},
		resendRequest{V: 1, ID: wireID, Attempt: 1, From: wireFrom, To: wireTo},
	} {
		b, _ := json.Marshal(v)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := decodeReceipt(data); err == nil {
			again, _ := json.Marshal(r)
			if r2, err := decodeReceipt(again); err != nil || !reflect.DeepEqual(r, r2) {
				t.Fatalf("receipt round trip: %v", err)
			}
		} else if !errors.Is(err, errWire) {
			t.Fatalf("error not wrapping errWire: %v", err)
		}
		if r, err := decodeResend(data); err == nil {
			again, _ := json.Marshal(r)
			if r2, err := decodeResend(again); err != nil || !reflect.DeepEqual(r, r2) {
				t.Fatalf("resend round trip: %v", err)
			}
		} else if !errors.Is(err, errWire) {
			t.Fatalf("error not wrapping errWire: %v", err)
		}
	})
}

func TestKeyRing(t *testing.T) {
	k1, c1, err := crypto.GenerateDestination("a", crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	k2, _, err := crypto.GenerateDestination("b", crypto.P256)
	if err != nil {
		t.Fatal(err)
	}
	var ring KeyRing
	from := destination.MustParse(wireFrom)
	if _, _, _, err := ring.ManagedKey(from); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Errorf("empty ring: %v", err)
	}
	if err := ring.Add(from, "alice", k2, c1); err == nil {
		t.Error("a key that is not the certificate's was accepted")
	}
	if err := ring.Add(from, "", k1, c1); err == nil {
		t.Error("a key without member was accepted")
	}
	if err := ring.Add(from, "alice", k1, c1); err != nil {
		t.Fatal(err)
	}
	if m, k, c, err := ring.ManagedKey(from); err != nil || m != "alice" || k != k1 || c != c1 {
		t.Errorf("lookup: %v %v %v %v", m, k, c, err)
	}
	ring.Remove(from)
	if _, _, _, err := ring.ManagedKey(from); !errors.Is(err, destination.ErrUnknownDestination) {
		t.Errorf("after Remove: %v", err)
	}
}
