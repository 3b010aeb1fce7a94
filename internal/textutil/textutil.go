// Package textutil holds the small text helpers several packages share:
// clipping untrusted strings for messages and the one timestamp format of
// the wire contract.
package textutil

import (
	"time"
	"unicode/utf8"
)

// Clip shortens s, typically an untrusted value quoted in an error
// message, to at most n bytes followed by "…". It never cuts a UTF-8
// sequence in half: the cut moves back to the start of the rune that
// would not fit. s is returned unchanged when it has n bytes or fewer.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := max(n, 0)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// TimestampLayout is the timestamp format of API.md: RFC 3339 in UTC
// with exactly three fractional digits ("2026-06-01T12:00:00.000Z").
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// Timestamp formats t, in UTC, with TimestampLayout.
func Timestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }
