package app2app

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type buf []byte

func (b buf) Bytes() []byte { return b }

func TestDecodeProduce(t *testing.T) {
	const from, to = "kld://app2app/m/a/e/e/s/s/d/x", "kld://app2app/m/b/e/e/s/s/d/y"
	hdr := func(extra map[string]any) map[string]any {
		h := map[string]any{"from": from, "to": to}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	good := []struct {
		name string
		args []any
		want Message
	}{
		{"text content and key", []any{map[string]any{"headers": hdr(nil), "content": "hi"}, "k1"},
			Message{From: from, To: to, Key: "k1", Content: []byte("hi"), Text: true}},
		{"binary attachment, no key", []any{map[string]any{"headers": hdr(nil), "content": buf{1, 2, 3}}},
			Message{From: from, To: to, Content: []byte{1, 2, 3}}},
		{"JSON Buffer content, null key", []any{map[string]any{"headers": hdr(nil), "content": map[string]any{"type": "Buffer", "data": []any{1.0, 255.0}}}, nil},
			Message{From: from, To: to, Content: []byte{1, 255}}},
		{"signature as attachment", []any{map[string]any{"headers": hdr(map[string]any{"signature": buf{9, 9}}), "content": ""}, "k"},
			Message{From: from, To: to, Key: "k", Content: []byte{}, Text: true, Signature: []byte{9, 9}}},
		{"signature as byte array", []any{map[string]any{"headers": hdr(map[string]any{"signature": []any{7.0, 8.0}}), "content": "c"}},
			Message{From: from, To: to, Content: []byte("c"), Text: true, Signature: []byte{7, 8}}},
		{"signature as base64", []any{map[string]any{"headers": hdr(map[string]any{"signature": "AQI="}), "content": "c"}},
			Message{From: from, To: to, Content: []byte("c"), Text: true, Signature: []byte{1, 2}}},
		{"extra headers kept", []any{map[string]any{"headers": hdr(map[string]any{"type": "order"}), "content": "c"}},
			Message{From: from, To: to, Content: []byte("c"), Text: true, Headers: map[string]string{"type": "order"}}},
	}
	for _, tc := range good {
		m, err := DecodeProduce(tc.args)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if m.From != tc.want.From || m.To != tc.want.To || m.Key != tc.want.Key || !bytes.Equal(m.Content, tc.want.Content) ||
			m.Text != tc.want.Text || !bytes.Equal(m.Signature, tc.want.Signature) || len(m.Headers) != len(tc.want.Headers) {
			t.Errorf("%s: got %+v, want %+v", tc.name, m, tc.want)
		}
		for k, v := range tc.want.Headers {
			if m.Headers[k] != v {
				t.Errorf("%s: header %s = %q", tc.name, k, m.Headers[k])
			}
		}
	}
	bad := []struct {
		name, want string
		args       []any
		err        error
	}{
		{"nothing", "no message", nil, ErrBadRequest},
		{"message a string", "must be an object", []any{"hello"}, ErrBadRequest},
		{"no headers", "headers must be an object", []any{map[string]any{"content": "x"}}, ErrBadRequest},
		{"no from", "headers.from", []any{map[string]any{"headers": map[string]any{"to": to}, "content": "x"}}, ErrBadRequest},
		{"to a number", "headers.to", []any{map[string]any{"headers": map[string]any{"from": from, "to": 3.0}, "content": "x"}}, ErrBadRequest},
		{"no content", "content is missing", []any{map[string]any{"headers": hdr(nil)}}, ErrBadRequest},
		{"content a number", "content must be", []any{map[string]any{"headers": hdr(nil), "content": 5.0}}, ErrBadRequest},
		{"content an array", "content must be", []any{map[string]any{"headers": hdr(nil), "content": []any{1.0}}}, ErrBadRequest},
		{"key a number", "key (second argument)", []any{map[string]any{"headers": hdr(nil), "content": "x"}, 12.0}, ErrBadRequest},
		{"signature bad type", "headers.signature", []any{map[string]any{"headers": hdr(map[string]any{"signature": true}), "content": "x"}}, ErrBadRequest},
		{"signature not base64", "headers.signature", []any{map[string]any{"headers": hdr(map[string]any{"signature": "%%%"}), "content": "x"}}, ErrBadRequest},
		{"signature byte out of range", "headers.signature", []any{map[string]any{"headers": hdr(map[string]any{"signature": []any{256.0}}), "content": "x"}}, ErrBadRequest},
		{"header not a string", `header "n"`, []any{map[string]any{"headers": hdr(map[string]any{"n": 1.0}), "content": "x"}}, ErrBadRequest},
		{"content too large", "exceeds", []any{map[string]any{"headers": hdr(nil), "content": strings.Repeat("x", MaxContent+1)}}, ErrTooLarge},
		{"headers too large", "exceed", []any{map[string]any{"headers": hdr(map[string]any{"big": strings.Repeat("x", MaxHeaders)}), "content": "x"}}, ErrTooLarge},
		{"key too long", "key of", []any{map[string]any{"headers": hdr(nil), "content": "x"}, strings.Repeat("k", MaxKey+1)}, ErrBadRequest},
	}
	for _, tc := range bad {
		_, err := DecodeProduce(tc.args)
		if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %v mentioning %q", tc.name, err, tc.err, tc.want)
		}
	}
}

func TestCMSJSONShapes(t *testing.T) {
	js, err := cmsJSON(&record{From: "f", To: "t", Content: []byte{0, 200}, Signature: []byte{1, 2}, Headers: map[string]string{"x": "y"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"headers":{"from":"f","signature":[1,2],"to":"t","x":"y"},"content":{"data":[0,200],"type":"Buffer"}}`
	if string(js) != want {
		t.Fatalf("got  %s\nwant %s", js, want)
	}
}

// FuzzDecodeProduce feeds produce event arguments, as JSON the way the
// socket layer decodes them, to the decoder: it must never panic, and a
// message it accepts must respect the limits.
func FuzzDecodeProduce(f *testing.F) {
	f.Add([]byte(`[{"headers":{"from":"a","to":"b"},"content":"x"},"k"]`))
	f.Add([]byte(`[{"headers":{"from":"a","to":"b","signature":[1,2,3]},"content":{"type":"Buffer","data":[1,2]}}]`))
	f.Add([]byte(`[{"headers":{"from":"a","to":"b","signature":"AAAA","h":"v"},"content":""},null]`))
	f.Add([]byte(`[{"headers":{"from":1}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var args []any
		if json.Unmarshal(data, &args) != nil {
			return
		}
		m, err := DecodeProduce(args)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if m.From == "" || m.To == "" || len(m.Content) > MaxContent || len(m.Key) > MaxKey || len(m.Signature) > MaxSignature {
			t.Fatalf("accepted %+v", m)
		}
	})
}

// FuzzDecodeRecord feeds node-to-node record plaintexts to the decoder.
func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"i","from":"a","to":"b","key":"k","ts":1,"c":"aGk="}`))
	f.Add([]byte(`{"v":1,"id":"i","from":"a","to":"b","h":{"from":"x"},"c":""}`))
	f.Add([]byte(`{"v":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decodeRecord(data)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if r.V != recordVersion || r.From == "" || r.To == "" || len(r.Content) > MaxContent {
			t.Fatalf("accepted %+v", r)
		}
		if _, err := cmsJSON(r); err != nil {
			t.Fatalf("cmsJSON of an accepted record: %v", err)
		}
	})
}
