package app2app

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"

	"github.com/consign/consign/internal/textutil"
)

// Limits on what a client may produce.
const (
	// MaxContent is the largest message content, in bytes: with encoding
	// and encryption overhead it still fits one transport message.
	MaxContent = 192 << 10
	// MaxKey is the longest message key, in bytes.
	MaxKey = 1024
	// MaxHeaders bounds the total size of a message's extra headers
	// (names and values).
	MaxHeaders = 8 << 10
	// MaxSignature bounds a client signature (an RSA-8192 one is 1 KiB).
	MaxSignature = 2048
	maxURI       = 512
)

// Message is one produced message, as decoded from a produce event.
type Message struct {
	From, To string
	// Key orders and identifies the message for the client; it comes back
	// in the delivery report and with the data event.
	Key string
	// Content is the payload; Text reports that the client sent a string
	// (delivered as a string again) rather than binary data (a Buffer).
	Content []byte
	Text    bool
	// Signature is the client's signature over Content (externally managed
	// senders only).
	Signature []byte
	// Headers are the message's other string headers, passed on unchanged.
	Headers map[string]string
}

// Bytes is how binary data arrives from the socket layer (a socket.io
// binary attachment): anything that can give its bytes.
type Bytes interface{ Bytes() []byte }

// DecodeProduce decodes the arguments of a produce event (without the
// acknowledgement): message {headers:{from,to[,signature],...}, content}
// and an optional key. Objects are map[string]any, arrays []any, numbers
// float64 (as encoding/json gives them); binary values are []byte or
// Bytes. Every error wraps ErrBadRequest or ErrTooLarge and says which
// field is wrong.
func DecodeProduce(args []any) (Message, error) {
	const op = "app2app: produce"
	var m Message
	if len(args) == 0 {
		return m, fmt.Errorf("%s: no message: emit produce with ({headers:{from,to},content}, key): %w", op, ErrBadRequest)
	}
	obj, ok := args[0].(map[string]any)
	if !ok {
		return m, fmt.Errorf("%s: the message must be an object {headers:{from,to},content}, got %s: %w", op, typeName(args[0]), ErrBadRequest)
	}
	hdrs, ok := obj["headers"].(map[string]any)
	if !ok {
		return m, fmt.Errorf("%s: message.headers must be an object with from and to, got %s: %w", op, typeName(obj["headers"]), ErrBadRequest)
	}
	var err error
	if m.From, err = uriField(hdrs, "from"); err != nil {
		return m, fmt.Errorf("%s: %w", op, err)
	}
	if m.To, err = uriField(hdrs, "to"); err != nil {
		return m, fmt.Errorf("%s: %w", op, err)
	}
	if sig, present := hdrs["signature"]; present && sig != nil {
		b, ok := bytesOf(sig, true)
		if !ok {
			return m, fmt.Errorf("%s: headers.signature must be a Buffer, a byte array or a base64 string, got %s: %w", op, typeName(sig), ErrBadRequest)
		}
		if len(b) == 0 || len(b) > MaxSignature {
			return m, fmt.Errorf("%s: headers.signature of %d bytes (want 1 to %d): %w", op, len(b), MaxSignature, ErrBadRequest)
		}
		m.Signature = b
	}
	size := 0
	for k, v := range hdrs {
		if k == "from" || k == "to" || k == "signature" {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return m, fmt.Errorf("%s: header %q must be a string, got %s: %w", op, clip(k), typeName(v), ErrBadRequest)
		}
		size += len(k) + len(s)
		if size > MaxHeaders {
			return m, fmt.Errorf("%s: headers exceed %d bytes: %w", op, MaxHeaders, ErrTooLarge)
		}
		if m.Headers == nil {
			m.Headers = map[string]string{}
		}
		m.Headers[k] = s
	}
	switch c := obj["content"].(type) {
	case nil:
		return m, fmt.Errorf("%s: message.content is missing (a string or a Buffer): %w", op, ErrBadRequest)
	case string:
		m.Content, m.Text = []byte(c), true
	default:
		b, ok := bytesOf(c, false)
		if !ok {
			return m, fmt.Errorf("%s: message.content must be a string or a Buffer, got %s: %w", op, typeName(c), ErrBadRequest)
		}
		m.Content = b
	}
	if len(m.Content) > MaxContent {
		return m, fmt.Errorf("%s: content of %d bytes exceeds %d: %w", op, len(m.Content), MaxContent, ErrTooLarge)
	}
	if len(args) > 1 {
		switch k := args[1].(type) {
		case nil:
		case string:
			if len(k) > MaxKey {
				return m, fmt.Errorf("%s: key of %d bytes exceeds %d: %w", op, len(k), MaxKey, ErrBadRequest)
			}
			m.Key = k
		default:
			return m, fmt.Errorf("%s: the key (second argument) must be a string, got %s: %w", op, typeName(k), ErrBadRequest)
		}
	}
	return m, nil
}

func uriField(h map[string]any, name string) (string, error) {
	v, ok := h[name].(string)
	if !ok || v == "" {
		return "", fmt.Errorf("headers.%s must be a destination URI string, got %s: %w", name, typeName(h[name]), ErrBadRequest)
	}
	if len(v) > maxURI {
		return "", fmt.Errorf("headers.%s is longer than %d bytes: %w", name, maxURI, ErrBadRequest)
	}
	return v, nil
}

// bytesOf accepts a binary attachment, []byte, a JSON Buffer
// ({"type":"Buffer","data":[...]}), and, when loose, a byte array or a
// base64 string.
func bytesOf(v any, loose bool) ([]byte, bool) {
	switch b := v.(type) {
	case []byte:
		return b, true
	case Bytes:
		return b.Bytes(), true
	case map[string]any:
		if t, _ := b["type"].(string); t != "Buffer" {
			return nil, false
		}
		arr, ok := b["data"].([]any)
		if !ok {
			return nil, false
		}
		return byteArray(arr)
	case []any:
		if loose {
			return byteArray(b)
		}
	case string:
		if loose {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				if d, err := enc.DecodeString(b); err == nil {
					return d, true
				}
			}
		}
	}
	return nil, false
}

func byteArray(arr []any) ([]byte, bool) {
	if len(arr) > MaxContent {
		return nil, false
	}
	out := make([]byte, len(arr))
	for i, x := range arr {
		f, ok := x.(float64)
		if !ok || f < 0 || f > 255 || f != math.Trunc(f) {
			return nil, false
		}
		out[i] = byte(f)
	}
	return out, true
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a string"
	case float64, int, int64:
		return "a number"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case []byte, Bytes:
		return "binary data"
	}
	return fmt.Sprintf("%T", v)
}

// clip shortens an untrusted value quoted in an error message.
func clip(s string) string { return textutil.Clip(s, 64) }

// record is the plaintext carried by session frames and envelopes between
// nodes. It is authenticated (by the session or, for externally managed
// senders, by Signature) before anything in it is used.
type record struct {
	V         int               `json:"v"`
	ID        string            `json:"id"`
	From      string            `json:"from"`
	To        string            `json:"to"`
	Key       string            `json:"key"`
	Timestamp int64             `json:"ts"`
	Headers   map[string]string `json:"h,omitempty"`
	Text      bool              `json:"text,omitempty"`
	Content   []byte            `json:"c"`
	Signature []byte            `json:"sig,omitempty"`
}

const recordVersion = 1

// decodeRecord parses a record, refusing unknown versions and fields that
// break the limits.
func decodeRecord(b []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("app2app: record: %w: %v", ErrBadRequest, err)
	}
	if r.V != recordVersion {
		return nil, fmt.Errorf("app2app: record version %d: %w", r.V, ErrBadRequest)
	}
	if r.From == "" || r.To == "" || len(r.From) > maxURI || len(r.To) > maxURI || r.ID == "" {
		return nil, fmt.Errorf("app2app: record without from, to or id: %w", ErrBadRequest)
	}
	if len(r.Content) > MaxContent || len(r.Key) > MaxKey || len(r.Signature) > MaxSignature {
		return nil, fmt.Errorf("app2app: record over the size limits: %w", ErrTooLarge)
	}
	n := 0
	for k, v := range r.Headers {
		n += len(k) + len(v)
		if k == "from" || k == "to" || k == "signature" {
			return nil, fmt.Errorf("app2app: record header %q is reserved: %w", k, ErrBadRequest)
		}
	}
	if n > MaxHeaders {
		return nil, fmt.Errorf("app2app: record headers over %d bytes: %w", MaxHeaders, ErrTooLarge)
	}
	return &r, nil
}

// cmsMessage is the JSON inside the CMS delivered to an externally managed
// destination: what the consumer parses after decrypting. Signature is a
// plain byte array so that Buffer.from(headers.signature) restores it.
type cmsMessage struct {
	Headers map[string]any `json:"headers"`
	Content any            `json:"content"`
}

// cmsJSON renders the message for an externally managed recipient.
func cmsJSON(r *record) ([]byte, error) {
	h := make(map[string]any, len(r.Headers)+3)
	for k, v := range r.Headers {
		h[k] = v
	}
	h["from"], h["to"] = r.From, r.To
	sig := make([]int, len(r.Signature))
	for i, b := range r.Signature {
		sig[i] = int(b)
	}
	h["signature"] = sig
	var content any
	if r.Text {
		content = string(r.Content)
	} else {
		data := make([]int, len(r.Content))
		for i, b := range r.Content {
			data[i] = int(b)
		}
		content = map[string]any{"type": "Buffer", "data": data}
	}
	return json.Marshal(cmsMessage{Headers: h, Content: content})
}

// Kafka headers of app-to-app records, beside messaging's consign-*.
const (
	headerFormat  = "consign-a2a-format" // formatSession, formatEnvelope or formatCMS
	headerFromURI = "consign-a2a-from"   // sending destination URI
	headerKey     = "consign-a2a-key"    // message key (CMS records only)
	headerTime    = "consign-a2a-ts"     // timestamp, ms since the epoch (CMS records only)

	kindMessage    = "message"
	formatSession  = "session"
	formatEnvelope = "envelope"
	formatCMS      = "cms"
)
