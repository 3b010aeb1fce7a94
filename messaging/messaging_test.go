package messaging_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/consign/consign/messaging"
)

func TestValidateTopic(t *testing.T) {
	good := []string{"a", "consign-inbox-node1", "A.b_c-9", strings.Repeat("x", messaging.MaxTopicLen)}
	for _, n := range good {
		if err := messaging.ValidateTopic(n); err != nil {
			t.Errorf("ValidateTopic(%q): %v", n, err)
		}
	}
	bad := []string{"", ".", "..", "a b", "a/b", "é", "a\x00", strings.Repeat("x", messaging.MaxTopicLen+1)}
	for _, n := range bad {
		if err := messaging.ValidateTopic(n); !errors.Is(err, messaging.ErrBadTopic) {
			t.Errorf("ValidateTopic(%q): %v, want ErrBadTopic", n, err)
		}
	}
}

func TestMessageValidate(t *testing.T) {
	ok := messaging.Message{Topic: "t", Value: make([]byte, messaging.MaxValueSize),
		Headers: []messaging.Header{{Key: "k", Value: make([]byte, messaging.MaxHeadersSize-1)}}}
	if err := ok.Validate(); err != nil {
		t.Errorf("message at the limits: %v", err)
	}
	for name, m := range map[string]messaging.Message{
		"value":   {Topic: "t", Value: make([]byte, messaging.MaxValueSize+1)},
		"headers": {Topic: "t", Headers: []messaging.Header{{Key: "kk", Value: make([]byte, messaging.MaxHeadersSize-1)}}},
	} {
		if err := m.Validate(); !errors.Is(err, messaging.ErrTooLarge) {
			t.Errorf("%s over the limit: %v, want ErrTooLarge", name, err)
		}
	}
	if err := (&messaging.Message{Topic: "bad topic"}).Validate(); !errors.Is(err, messaging.ErrBadTopic) {
		t.Errorf("bad topic: %v", err)
	}
}

func TestShards(t *testing.T) {
	for _, size := range []int{0, 1, messaging.MaxShardSize - 1, messaging.MaxShardSize, messaging.MaxShardSize + 1, 3*messaging.MaxShardSize + 17} {
		src := make([]byte, size)
		for i := range src {
			src[i] = byte(i * 7)
		}
		var got bytes.Buffer
		var sizes []int
		// HalfReader forces short reads.
		n, err := messaging.Shards(iotest.HalfReader(bytes.NewReader(src)), func(i int, b []byte) error {
			if i != len(sizes) {
				t.Errorf("size %d: shard index %d, want %d", size, i, len(sizes))
			}
			sizes = append(sizes, len(b))
			got.Write(b)
			return nil
		})
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		want := (size + messaging.MaxShardSize - 1) / messaging.MaxShardSize
		if n != want || len(sizes) != want {
			t.Errorf("size %d: %d shards (%d calls), want %d", size, n, len(sizes), want)
		}
		for i, s := range sizes {
			if i < len(sizes)-1 && s != messaging.MaxShardSize || s == 0 || s > messaging.MaxShardSize {
				t.Errorf("size %d: shard %d has %d bytes", size, i, s)
			}
		}
		if !bytes.Equal(got.Bytes(), src) {
			t.Errorf("size %d: shards do not reassemble to the input", size)
		}
	}
	boom := errors.New("boom")
	if _, err := messaging.Shards(iotest.ErrReader(boom), func(int, []byte) error { return nil }); !errors.Is(err, boom) {
		t.Errorf("reader error: %v", err)
	}
	stop := errors.New("stop")
	n, err := messaging.Shards(io.LimitReader(zeros{}, 3*messaging.MaxShardSize), func(i int, _ []byte) error {
		if i == 1 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: n=%d err=%v, want 1 and stop", n, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestInboxTopic(t *testing.T) {
	if got, err := messaging.InboxTopic("node-1"); err != nil || got != "consign-inbox-node-1" {
		t.Errorf("InboxTopic(node-1) = %q, %v", got, err)
	}
	for _, n := range []string{"", "a b", "../x", strings.Repeat("n", messaging.MaxTopicLen)} {
		if _, err := messaging.InboxTopic(n); !errors.Is(err, messaging.ErrBadTopic) {
			t.Errorf("InboxTopic(%q): %v, want ErrBadTopic", n, err)
		}
	}
}

// FuzzValidateTopic: topic names can come from clients (destinations,
// node names). Whatever ValidateTopic accepts must be a legal Kafka name.
func FuzzValidateTopic(f *testing.F) {
	for _, s := range []string{"consign-inbox-a", "", "..", "a/b", "x.y_z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := messaging.ValidateTopic(name)
		if err != nil {
			if !errors.Is(err, messaging.ErrBadTopic) {
				t.Fatalf("error %v does not wrap ErrBadTopic", err)
			}
			return
		}
		if name == "" || len(name) > messaging.MaxTopicLen || name == "." || name == ".." {
			t.Fatalf("accepted %q", name)
		}
		for _, c := range []byte(name) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				t.Fatalf("accepted %q with byte %q", name, c)
			}
		}
	})
}
