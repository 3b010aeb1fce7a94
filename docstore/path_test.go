package docstore_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/consign/consign/docstore"
	"github.com/consign/consign/storage"
)

func TestParsePath(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"/":                  "",
		"a":                  "a",
		"/a/b.pdf":           "a/b.pdf",
		"a/b/":               "a/b",
		"/images/logo.png":   "images/logo.png",
		"/100% done.txt":     "100% done.txt",
		"/ünï cödé/ファイル.txt": "ünï cödé/ファイル.txt",
		"/.hidden/.x":        ".hidden/.x",
		"/a..b/...":          "a..b/...",
		"/q?x#y+z":           "q?x#y+z",
	} {
		p, err := docstore.ParsePath(in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", in, err)
			continue
		}
		if p.String() != want || p.Abs() != "/"+want {
			t.Errorf("ParsePath(%q) = %q (%q), want %q", in, p.String(), p.Abs(), want)
		}
	}
	for _, in := range []string{
		"//", "/a//b", "a//", "..", "/..", "/a/../b", "/a/..", "./a", "/a/./b",
		"/%2e%2e/x", "/a/%2E%2E", "/%252e%252e/x", "/a%2fb", "/a%5cb", `/a\b`, `..\x`, `C:\x`,
		"/a\x00b", "/a\nb", "/a\x7fb", "/\xff", "/" + strings.Repeat("a", 256), "/" + strings.Repeat("a/", 500) + "a",
	} {
		_, err := docstore.ParsePath(in)
		if !errors.Is(err, docstore.ErrInvalidPath) {
			t.Errorf("ParsePath(%q) = %v, want ErrInvalidPath", in, err)
		}
	}
}

// TestParsePathLookalikes: before issue 18, "e\u0301" and "\u00e9" parsed
// as two paths (two documents that look the same), and names holding a
// bidi override or a zero-width space were accepted.
func TestParsePathLookalikes(t *testing.T) {
	nfd, err := docstore.ParsePath("/cafe\u0301/re\u0301sume\u0301.txt")
	if err != nil {
		t.Fatal(err)
	}
	nfc, err := docstore.ParsePath("/caf\u00e9/r\u00e9sum\u00e9.txt")
	if err != nil {
		t.Fatal(err)
	}
	if nfd != nfc || nfc.String() != "caf\u00e9/r\u00e9sum\u00e9.txt" {
		t.Fatalf("NFD parses as %q, NFC as %q; want both the NFC form", nfd, nfc)
	}
	for _, in := range []string{
		"/invoice\u202Efdp.exe", "/a\u200Bb", "/a\u200Cb", "/a\u200Db", "/\u200Ex", "/\u200Fx", "/x\u2060",
		"/\u2066x\u2069", "/\uFEFFa", "/a\u061Cb", "/a\u180Eb", "/d/\u202Ax\u202C/e",
	} {
		_, err := docstore.ParsePath(in)
		if !errors.Is(err, docstore.ErrInvalidPath) || !strings.Contains(err.Error(), "invisible character U+") {
			t.Errorf("ParsePath(%+q) = %v, want ErrInvalidPath naming the invisible character", in, err)
		}
	}
}

func TestParseDocumentPath(t *testing.T) {
	if p, err := docstore.ParseDocumentPath("/a/b.txt"); err != nil || p.String() != "a/b.txt" {
		t.Fatalf("ParseDocumentPath(/a/b.txt) = %q, %v", p, err)
	}
	for _, in := range []string{"", "/", "/a/b/", "a/", "/a/../b"} {
		if _, err := docstore.ParseDocumentPath(in); !errors.Is(err, docstore.ErrInvalidPath) {
			t.Errorf("ParseDocumentPath(%q) = %v, want ErrInvalidPath", in, err)
		}
	}
}

func TestPathParts(t *testing.T) {
	p, _ := docstore.ParsePath("/a/b/c.txt")
	if p.Name() != "c.txt" || p.Dir().String() != "a/b" || p.Dir().Dir().Dir().IsRoot() != true {
		t.Fatalf("parts of %q: %q %q", p, p.Name(), p.Dir())
	}
	q, err := p.Dir().Join("d.txt")
	if err != nil || q.String() != "a/b/d.txt" {
		t.Fatalf("Join: %q %v", q, err)
	}
	for _, bad := range []string{"", "x/y", "..", "."} {
		if _, err := p.Join(bad); !errors.Is(err, docstore.ErrInvalidPath) {
			t.Errorf("Join(%q): %v", bad, err)
		}
	}
	if r, _ := (docstore.Path{}).Join("top"); r.String() != "top" {
		t.Fatalf("root Join: %q", r)
	}
}

func TestValidateTemplate(t *testing.T) {
	for _, good := range []string{
		docstore.DefaultReceivedDocumentsPath,
		"/",
		"/inbox",
		"/inbox/",
		"/transfers/to/${recipient_destination}/from/${sender_org}-${sender_destination}",
		"/${sender_org}${sender_destination}",
	} {
		if err := docstore.ValidateTemplate(good); err != nil {
			t.Errorf("ValidateTemplate(%q): %v", good, err)
		}
	}
	for _, bad := range []string{
		"", "received", "received/${sender_org}", "//x", "/a//b", "/a/../b", "/a/./${sender_org}",
		"/${sender_org", "/${}", "/${SENDER_ORG}", "/${other}", "/$sender_org", "/a$", "/a$b", `/a\b`,
		"/%2e%2e/${sender_org}", "/a\x00", "/" + strings.Repeat("x", 600),
	} {
		err := docstore.ValidateTemplate(bad)
		if !errors.Is(err, docstore.ErrInvalidArgument) && !errors.Is(err, docstore.ErrInvalidPath) {
			t.Errorf("ValidateTemplate(%q) = %v, want a refusal", bad, err)
		}
	}
}

func TestExpandTemplate(t *testing.T) {
	v := docstore.ReceivedVars{SenderOrg: "org2", SenderDestination: "out", RecipientDestination: "in"}
	p, err := docstore.ExpandTemplate("/t/${recipient_destination}/from/${sender_org}-${sender_destination}/", v)
	if err != nil || p.String() != "t/in/from/org2-out" {
		t.Fatalf("ExpandTemplate = %q, %v", p, err)
	}
	for _, bad := range []docstore.ReceivedVars{
		{SenderOrg: "a/b", SenderDestination: "x", RecipientDestination: "y"},
		{SenderOrg: `a\b`, SenderDestination: "x", RecipientDestination: "y"},
		{SenderOrg: "..", SenderDestination: "x", RecipientDestination: "y"},
		{SenderOrg: "", SenderDestination: "x", RecipientDestination: "y"},
	} {
		if _, err := docstore.ExpandTemplate("/in/${sender_org}/x", bad); !errors.Is(err, docstore.ErrInvalidPath) {
			t.Errorf("ExpandTemplate with %+v: %v", bad, err)
		}
	}
}

// FuzzParsePath checks that whatever ParsePath accepts is a path that
// stays inside a member's space: a valid backend key under the member
// prefix, with no dot segment, stable when parsed again.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"", "/", "/a/b.pdf", "a/b/", "/%2e%2e/x", `/a\b`, "/a//b", "/ü/%41", "/..%2f", "/a/.%2e/b",
		"/cafe\u0301", "/a\u202Eb", "/\u200B", "/\uFEFF/x/", "/a/.consign-folder", "/.consign-folder/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := docstore.ParsePath(s)
		if err != nil {
			if !errors.Is(err, docstore.ErrInvalidPath) {
				t.Fatalf("ParsePath(%q) error %v does not wrap ErrInvalidPath", s, err)
			}
			return
		}
		if p.IsRoot() {
			if p.String() != "" {
				t.Fatalf("root renders as %q", p.String())
			}
			return
		}
		rel := p.String()
		if err := storage.ValidateKey("member/" + rel); err != nil {
			t.Fatalf("ParsePath(%q) accepted %q, whose key is invalid: %v", s, rel, err)
		}
		for _, seg := range strings.Split(rel, "/") {
			if seg == "" || seg == "." || seg == ".." || seg == docstore.FolderMarker || strings.Contains(seg, `\`) {
				t.Fatalf("ParsePath(%q) accepted segment %q", s, seg)
			}
		}
		if !norm.NFC.IsNormalString(rel) {
			t.Fatalf("ParsePath(%q) accepted %q, which is not NFC", s, rel)
		}
		for i, r := range rel {
			if r == utf8.RuneError || r >= 0x200B && r <= 0x200F || r >= 0x202A && r <= 0x202E ||
				r >= 0x2060 && r <= 0x2069 || r == 0xFEFF || r == 0x061C || r == 0x180E {
				t.Fatalf("ParsePath(%q) accepted %q with %U at byte %d", s, rel, r, i)
			}
		}
		if strings.HasSuffix(s, "/") {
			if _, err := docstore.ParseDocumentPath(s); !errors.Is(err, docstore.ErrInvalidPath) {
				t.Fatalf("ParseDocumentPath(%q) accepted a trailing slash: %v", s, err)
			}
		}
		again, err := docstore.ParsePath(p.Abs())
		if err != nil || again != p {
			t.Fatalf("ParsePath(%q) = %q, but its Abs %q parses as %q, %v", s, rel, p.Abs(), again, err)
		}
	})
}

// FuzzValidateTemplate checks that an accepted template expands, with
// plain values, to a path inside the space, and that expansion never
// panics.
func FuzzValidateTemplate(f *testing.F) {
	for _, s := range []string{docstore.DefaultReceivedDocumentsPath, "/", "/a/${sender_org}-${sender_destination}", "/${", "/$", "/a/../${sender_org}", "x"} {
		f.Add(s, "org", "dest")
	}
	f.Fuzz(func(t *testing.T, tmpl, org, dest string) {
		vErr := docstore.ValidateTemplate(tmpl)
		p, err := docstore.ExpandTemplate(tmpl, docstore.ReceivedVars{SenderOrg: org, SenderDestination: dest, RecipientDestination: "in"})
		if vErr != nil {
			if !errors.Is(vErr, docstore.ErrInvalidArgument) && !errors.Is(vErr, docstore.ErrInvalidPath) {
				t.Fatalf("ValidateTemplate(%q) error %v wraps no sentinel", tmpl, vErr)
			}
			if err == nil && !strings.Contains(tmpl, "${") {
				// Without variables, validation and expansion see the same path.
				t.Fatalf("ValidateTemplate(%q) refused (%v) what ExpandTemplate accepted", tmpl, vErr)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, docstore.ErrInvalidPath) {
				t.Fatalf("ExpandTemplate(%q) of a valid template: %v", tmpl, err)
			}
			return
		}
		if !p.IsRoot() {
			if kerr := storage.ValidateKey("member/" + p.String()); kerr != nil {
				t.Fatalf("template %q expanded to invalid key %q: %v", tmpl, p, kerr)
			}
		}
	})
}
