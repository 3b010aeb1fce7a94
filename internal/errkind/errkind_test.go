package errkind

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	errMissing := New(NotFound, "thing: not found")
	wrapped := fmt.Errorf("get %q: %w", "a", errMissing)
	cases := []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, Internal},
		{"plain", errors.New("boom"), Internal},
		{"sentinel", errMissing, NotFound},
		{"wrapped sentinel", wrapped, NotFound},
		{"outermost wins", Wrap(Conflict, wrapped), Conflict},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), Timeout},
		{"canceled", context.Canceled, Canceled},
		{"kind over context", Wrap(Unavailable, context.Canceled), Unavailable},
	}
	for _, c := range cases {
		if got := Of(c.err); got != c.want {
			t.Errorf("%s: Of = %v, want %v", c.name, got, c.want)
		}
	}
	if !errors.Is(wrapped, errMissing) {
		t.Error("errors.Is lost the sentinel")
	}
	if Wrap(Invalid, nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if got := Wrap(Invalid, errors.New("bad")).Error(); got != "bad" {
		t.Errorf("Wrap message = %q", got)
	}
}

func TestKindsNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Kinds() {
		s := k.String()
		if s == "" || s == "unknown" || seen[s] {
			t.Errorf("kind %d has name %q", k, s)
		}
		seen[s] = true
	}
	if Kind(200).String() != "unknown" {
		t.Error("out-of-range kind has a name")
	}
}
