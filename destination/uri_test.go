package destination

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	good := "kld://documentstore/m/zzuawz6bbl/e/zzjsqi1m1n/s/zzx11m3wmk/d/a"
	u, err := Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	want := URI{"kld", "documentstore", "zzuawz6bbl", "zzjsqi1m1n", "zzx11m3wmk", "a"}
	if u != want {
		t.Fatalf("got %+v, want %+v", u, want)
	}
	if u.String() != good {
		t.Fatalf("String() = %q", u.String())
	}
	bad := []string{
		"",
		"kld:/documentstore/m/a/e/b/s/c/d/x",
		"kld://documentstore/m/a/e/b/s/c/d/",
		"kld://documentstore/m/a/e/b/s/c/d/X",
		"kld://documentstore/m/a/e/b/s/c/d/x/y",
		"kld://documentstore/m/a/e/b/s/c/x/x",
		"kld://documentstore/m//e/b/s/c/d/x",
		"kld://documentstore/m/a%20/e/b/s/c/d/x",
		"kld://documentstore/m/../e/b/s/c/d/x",
		"kld://documentstore/m/a/e/b/s/c/d/x?q=1",
		"1ld://documentstore/m/a/e/b/s/c/d/x",
		"kld://app2app/m/a/e/b/s/c/d/" + string(make([]byte, 65)),
	}
	for _, s := range bad {
		if _, err := Parse(s); !errors.Is(err, ErrBadURI) {
			t.Errorf("Parse(%q) = %v, want ErrBadURI", s, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("kld://documentstore/m/zzuawz6bbl/e/zzjsqi1m1n/s/zzx11m3wmk/d/a")
	f.Add("kld://app2app/m/m1/e/e1/s/s1/d/my-destination")
	f.Add("kld://x/m/a/e/b/s/c/d/")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrBadURI) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if u.String() != s {
			t.Fatalf("round trip: %q became %q", s, u.String())
		}
		again, err := Parse(u.String())
		if err != nil || again != u {
			t.Fatalf("reparse of %q: %+v, %v", s, again, err)
		}
	})
}

func ExampleParse() {
	u, err := Parse("kld://documentstore/m/zzuawz6bbl/e/zzjsqi1m1n/s/zzx11m3wmk/d/a")
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Kind, u.Member, u.Environment, u.Service, u.Name)
	// Output: documentstore zzuawz6bbl zzjsqi1m1n zzx11m3wmk a
}

func TestClip(t *testing.T) {
	s := strings.Repeat("a", 199) + "é" + "b"
	got := Clip(s)
	if got != strings.Repeat("a", 199)+"…" || !utf8.ValidString(got) {
		t.Fatalf("Clip cut a rune: %q", got)
	}
	if Clip("short") != "short" {
		t.Fatal("Clip changed a short string")
	}
}

func TestZero(t *testing.T) {
	if !(URI{}).IsZero() || (URI{}).String() != "" {
		t.Fatal("zero URI")
	}
	if _, err := Parse(""); !errors.Is(err, ErrBadURI) {
		t.Fatal("empty string parsed")
	}
}

func TestValidateAndText(t *testing.T) {
	good := "kld://app2app/m/a/e/b/s/c/d/x"
	u, err := Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []URI{{}, {"kld", "app2app", "a/b", "e", "s", "x"}, {"kld", "app2app", "a", "e", "s", "X"}} {
		if err := bad.Validate(); !errors.Is(err, ErrBadURI) {
			t.Errorf("%+v.Validate() = %v, want ErrBadURI", bad, err)
		}
	}
	type rec struct {
		From URI `json:"from"`
		To   URI `json:"to"`
	}
	b, err := json.Marshal(rec{From: u})
	if err != nil || string(b) != `{"from":"`+good+`","to":""}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var r rec
	if err := json.Unmarshal(b, &r); err != nil || r.From != u || !r.To.IsZero() {
		t.Fatalf("Unmarshal = %+v, %v", r, err)
	}
	if err := json.Unmarshal([]byte(`{"from":"nope"}`), &r); !errors.Is(err, ErrBadURI) {
		t.Fatalf("Unmarshal of a bad URI = %v, want ErrBadURI", err)
	}
}

func TestSQL(t *testing.T) {
	good := "kld://app2app/m/a/e/b/s/c/d/x"
	u := MustParse(good)
	if v, err := u.Value(); err != nil || v != good {
		t.Fatalf("Value = %v, %v", v, err)
	}
	for _, src := range []any{good, []byte(good)} {
		var got URI
		if err := got.Scan(src); err != nil || got != u {
			t.Fatalf("Scan(%T) = %+v, %v", src, got, err)
		}
	}
	var got URI
	if err := got.Scan(nil); err != nil || !got.IsZero() {
		t.Fatalf("Scan(nil) = %+v, %v", got, err)
	}
	if err := got.Scan("nope"); !errors.Is(err, ErrBadURI) {
		t.Fatalf("Scan of a bad URI = %v", err)
	}
	if err := got.Scan(int64(1)); !errors.Is(err, ErrBadURI) {
		t.Fatalf("Scan of a number = %v", err)
	}
}
