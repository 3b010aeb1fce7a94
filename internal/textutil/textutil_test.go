package textutil

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 10, "abcdefghij…"},
		// "é" is two bytes at offsets 9 and 10: a cut at 10 would split it.
		{strings.Repeat("a", 9) + "éb", 10, strings.Repeat("a", 9) + "…"},
		// A three-byte rune straddling the limit.
		{"ab€cd", 3, "ab…"},
		{"€€", 1, "…"},
		{"abc", 0, "…"},
	} {
		got := Clip(c.s, c.n)
		if got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Clip(%q, %d) = %q: not valid UTF-8", c.s, c.n, got)
		}
	}
}

func TestClipNeverSplitsARune(t *testing.T) {
	s := strings.Repeat("日本語é", 20)
	for n := 0; n <= len(s); n++ {
		got := Clip(s, n)
		if !utf8.ValidString(got) {
			t.Fatalf("Clip(s, %d) = %q: not valid UTF-8", n, got)
		}
		if body := strings.TrimSuffix(got, "…"); len(body) > n || !strings.HasPrefix(s, body) {
			t.Fatalf("Clip(s, %d) = %q: not a prefix of at most %d bytes", n, got, n)
		}
	}
}

func TestTimestamp(t *testing.T) {
	tm := time.Date(2026, 6, 1, 14, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	if got, want := Timestamp(tm), "2026-06-01T12:00:00.123Z"; got != want {
		t.Fatalf("Timestamp = %q, want %q", got, want)
	}
	if got, want := Timestamp(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)), "2026-06-01T12:00:00.000Z"; got != want {
		t.Fatalf("Timestamp = %q, want %q", got, want)
	}
}
