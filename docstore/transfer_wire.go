package docstore

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/internal/textutil"
	"github.com/consign/consign/messaging"
)

// Kinds of transfer records on a node's inbox (header messaging.HeaderKind).
// App-to-app messages ("message") share the inbox; the transfer pipeline
// skips them.
const (
	kindShard    = "shard"
	kindManifest = "manifest"
	kindReceipt  = "receipt"
	kindResend   = "resend"
)

// Headers of transfer records besides messaging.HeaderKind, HeaderFrom
// (the sending node), HeaderTo (the destination URI the record is for)
// and HeaderID (transfer/attempt/index, unique per record).
const (
	headerTransfer = "consign-transfer" // transfer id
	headerAttempt  = "consign-attempt"  // attempt number, decimal
	headerShard    = "consign-shard"    // shard index, decimal
	headerFromURI  = "consign-from-uri" // sending destination URI (shards)
)

// wireVersion is the version of manifests, receipts and resend requests.
const wireVersion = 1

// Limits on what a transfer record may hold.
const (
	maxWireRecord  = 64 << 10 // manifests, receipts, resend requests
	maxSignatureB  = 4096     // a base64 signature (RSA-8192 is 1368 chars)
	maxTimestamp   = 64
	maxErrorText   = 2048
	maxAttempt     = 1 << 20
	maxShardCount  = 1 << 31 // 512 TiB of sealed data at 256 KiB a shard
	transferIDSize = 36
)

// manifest is the last record of an attempt: it says what the shards
// before it carry and binds it to the sender. Shards are the sealed
// envelope (crypto.Seal to the recipient certificate, signed by the
// sender) cut into pieces of messaging.MaxShardSize bytes; the wrapped
// file key travels in the envelope header, in the first shard.
type manifest struct {
	V          int    `json:"v"`
	ID         string `json:"id"`
	Attempt    int    `json:"attempt"`
	From       string `json:"from"`
	To         string `json:"to"`
	Name       string `json:"name"` // the document's name at the sender
	Hash       string `json:"hash"` // SHA-256 of the plaintext, hex
	Size       int64  `json:"size"` // plaintext bytes
	Timestamp  string `json:"timestamp"`
	Shards     int    `json:"shards"`
	SealedSize int64  `json:"sealedSize"`
	// TransferHash is crypto.TransferHash(From, To, Hash, Timestamp);
	// SenderSignature the sending destination's signature of it.
	TransferHash    string `json:"transferHash"`
	SenderSignature string `json:"senderSignature"`
	// Signature is the sending destination's signature (crypto.Sign) of
	// statement(), covering the fields the transfer hash does not (name,
	// attempt, shard count, sealed size).
	Signature string `json:"signature"`

	fromURI, toURI destination.URI // From and To, parsed by decodeManifest
}

// statement is what manifest.Signature signs. No field may hold a line
// feed (decodeManifest checks), so the encoding is unambiguous.
func (m *manifest) statement() []byte {
	return []byte(strings.Join([]string{"consign/v1 transfer manifest", m.ID, strconv.Itoa(m.Attempt), m.From, m.To,
		m.Name, m.Hash, strconv.FormatInt(m.Size, 10), m.Timestamp, strconv.Itoa(m.Shards),
		strconv.FormatInt(m.SealedSize, 10)}, "\n"))
}

// receipt answers a manifest: the recipient's signature of the transfer
// hash (status received), or the reason it refused the document (status
// failed), signed by the recipient destination. A node that does not
// hold the recipient's key sends no receipt.
type receipt struct {
	V                  int    `json:"v"`
	ID                 string `json:"id"`
	Attempt            int    `json:"attempt"`
	Status             string `json:"status"` // StatusReceived or StatusFailed
	From               string `json:"from"`
	To                 string `json:"to"`
	Hash               string `json:"hash,omitempty"`
	TransferHash       string `json:"transferHash,omitempty"`
	RecipientSignature string `json:"recipientSignature,omitempty"`
	Error              string `json:"error,omitempty"`
	// Signature (failed receipts) is the recipient destination's
	// signature of failureStatement(); a failed receipt without one is
	// dropped by the sender.
	Signature string `json:"signature,omitempty"`

	fromURI, toURI destination.URI // From and To, parsed by decodeReceipt
}

func (r *receipt) failureStatement() []byte {
	return []byte(strings.Join([]string{"consign/v1 transfer failed", r.ID, strconv.Itoa(r.Attempt), r.From, r.To, r.Error}, "\n"))
}

// resendRequest asks the sender for a new attempt: the receiving node lost
// the shards of attempt Attempt (it restarted, or its partition moved to
// another node of the member).
type resendRequest struct {
	V       int    `json:"v"`
	ID      string `json:"id"`
	Attempt int    `json:"attempt"`
	From    string `json:"from"`
	To      string `json:"to"`
	Reason  string `json:"reason"`
	// Busy says the recipient's node has as many transfers from this
	// sender arriving as it takes: try again later, this attempt is not
	// a failure (see busy.go).
	Busy bool `json:"busy,omitempty"`
	// Signature is the recipient destination's signature (crypto.Sign)
	// of statement(); a request without one is not obeyed.
	Signature string `json:"signature,omitempty"`

	fromURI, toURI destination.URI // From and To, parsed by decodeResend
}

// errWire marks a transfer record that does not parse or breaks a rule.
var errWire = errors.New("malformed transfer record")

func wireErr(what string, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", errWire, what, fmt.Sprintf(format, args...))
}

// decodeStrict unmarshals one JSON object of at most maxWireRecord bytes.
// Unknown fields are ignored (a later version may add some).
func decodeStrict(b []byte, v any) error {
	if len(b) > maxWireRecord {
		return fmt.Errorf("%d bytes, more than %d", len(b), maxWireRecord)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

func decodeManifest(b []byte) (*manifest, error) {
	var m manifest
	if err := decodeStrict(b, &m); err != nil {
		return nil, wireErr("manifest", "%v", err)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *manifest) check() error {
	bad := func(format string, args ...any) error { return wireErr("manifest", format, args...) }
	switch {
	case m.V != wireVersion:
		return bad("version %d, want %d", m.V, wireVersion)
	case !validTransferID(m.ID):
		return bad("id %q is not a UUID", clip(m.ID))
	case m.Attempt < 1 || m.Attempt > maxAttempt:
		return bad("attempt %d", m.Attempt)
	case m.Size < 0:
		return bad("size %d", m.Size)
	case m.Shards < 1 || m.Shards > maxShardCount:
		return bad("shard count %d", m.Shards)
	case m.SealedSize < 1 || m.SealedSize > int64(m.Shards)*messaging.MaxShardSize ||
		m.SealedSize <= int64(m.Shards-1)*messaging.MaxShardSize:
		return bad("sealed size %d does not fit %d shards", m.SealedSize, m.Shards)
	case !validHash(m.Hash):
		return bad("hash %q is not a lower-case SHA-256 hex", clip(m.Hash))
	case !validTimestamp(m.Timestamp):
		return bad("timestamp %q", clip(m.Timestamp))
	case !validSignature(m.SenderSignature) || !validSignature(m.Signature):
		return bad("signatures must be base64 of at most %d characters", maxSignatureB)
	}
	var err error
	if m.fromURI, m.toURI, err = checkURIs(m.From, m.To); err != nil {
		return bad("%v", err)
	}
	if err := checkDocumentName(m.Name); err != nil {
		return bad("%v", err)
	}
	if m.TransferHash != crypto.TransferHash(m.From, m.To, m.Hash, m.Timestamp) {
		return bad("transferHash is not SHA-256(from + to + hash + timestamp)")
	}
	return nil
}

func decodeReceipt(b []byte) (*receipt, error) {
	var r receipt
	if err := decodeStrict(b, &r); err != nil {
		return nil, wireErr("receipt", "%v", err)
	}
	bad := func(format string, args ...any) error { return wireErr("receipt", format, args...) }
	var why string
	if r.fromURI, r.toURI, why = checkHead(r.V, r.ID, r.Attempt, r.From, r.To); why != "" {
		return nil, bad("%s", why)
	}
	switch {
	case len(r.Error) > maxErrorText || !utf8.ValidString(r.Error):
		return nil, bad("error text")
	case r.Signature != "" && !validSignature(r.Signature):
		return nil, bad("signature")
	}
	switch r.Status {
	case string(StatusReceived):
		if !validHash(r.Hash) || !validHash(r.TransferHash) || !validSignature(r.RecipientSignature) {
			return nil, bad("a received receipt needs hash, transferHash and recipientSignature")
		}
	case string(StatusFailed):
		if r.Error == "" {
			return nil, bad("a failed receipt needs an error")
		}
	default:
		return nil, bad("status %q", clip(r.Status))
	}
	return &r, nil
}

func decodeResend(b []byte) (*resendRequest, error) {
	var r resendRequest
	if err := decodeStrict(b, &r); err != nil {
		return nil, wireErr("resend request", "%v", err)
	}
	bad := func(format string, args ...any) error { return wireErr("resend request", format, args...) }
	var why string
	if r.fromURI, r.toURI, why = checkHead(r.V, r.ID, r.Attempt, r.From, r.To); why != "" {
		return nil, bad("%s", why)
	}
	if r.Signature != "" && !validSignature(r.Signature) {
		return nil, bad("signature")
	}
	if len(r.Reason) > maxErrorText || !utf8.ValidString(r.Reason) {
		return nil, bad("reason")
	}
	return &r, nil
}

// checkHead checks the fields receipts and resend requests share and
// returns from and to parsed, or says what is wrong.
func checkHead(v int, id string, attempt int, from, to string) (fu, tu destination.URI, why string) {
	switch {
	case v != wireVersion:
		return fu, tu, fmt.Sprintf("version %d, want %d", v, wireVersion)
	case !validTransferID(id):
		return fu, tu, fmt.Sprintf("id %q is not a UUID", clip(id))
	case attempt < 1 || attempt > maxAttempt:
		return fu, tu, fmt.Sprintf("attempt %d", attempt)
	}
	fu, tu, err := checkURIs(from, to)
	if err != nil {
		return fu, tu, err.Error()
	}
	return fu, tu, ""
}

// checkURIs parses the destination URIs of a record read from the
// transport.
func checkURIs(from, to string) (fu, tu destination.URI, err error) {
	if fu, err = destination.Parse(from); err != nil {
		return fu, tu, fmt.Errorf("from: %v", err)
	}
	if tu, err = destination.Parse(to); err != nil {
		return fu, tu, fmt.Errorf("to: %v", err)
	}
	return fu, tu, nil
}

// checkDocumentName accepts a single valid path segment.
func checkDocumentName(name string) error {
	if name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("document name %q must be one path segment", clip(name))
	}
	if _, err := ParsePath(name); err != nil {
		return fmt.Errorf("document name: %v", err)
	}
	return nil
}

func validHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// validTimestamp accepts 1–64 printable ASCII characters (the sender
// writes RFC 3339 with milliseconds; the receiver only hashes it).
func validTimestamp(s string) bool {
	if s == "" || len(s) > maxTimestamp {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func validSignature(s string) bool {
	if s == "" || len(s) > maxSignatureB {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

// newTransferID returns a random (version 4) UUID.
func newTransferID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// validTransferID accepts a UUID in its lower-case canonical form.
func validTransferID(s string) bool {
	if len(s) != transferIDSize {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// clip shortens an untrusted value quoted in an error message.
func clip(s string) string { return textutil.Clip(s, 80) }

// recordID is the messaging.HeaderID of a transfer record.
func recordID(id string, attempt int, kind string, index int) string {
	return id + "/" + strconv.Itoa(attempt) + "/" + kind + "/" + strconv.Itoa(index)
}

func header(d *messaging.Delivery, key string) string {
	v, _ := d.Header(key)
	return string(v)
}
